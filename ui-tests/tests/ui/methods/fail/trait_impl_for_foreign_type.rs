// `#[activity]` on a trait implementation for a type of another crate: the attribute's error is the
// only one (its stand-in for registration is left out, which the orphan rule would refuse).
use activity_runtime::activity;

trait Greet {
    fn greet(&self, name: String) -> String;
}

#[activity]
impl Greet for String {
    #[activity]
    fn greet(&self, name: String) -> String {
        format!("{self}, {name}")
    }
}

fn main() {}
