use activity_runtime::activity;

#[activity]
async fn serve_forever() -> ! {
    loop {
        std::thread::park();
    }
}

fn main() {}
