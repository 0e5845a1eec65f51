use activity_runtime::activity;

#[activity]
fn append(buffer: &mut Vec<u8>, byte: u8) {
    buffer.push(byte);
}

fn main() {}
