// The worker runs activities on several threads: a value that is not `Send` must not be held
// across an `.await`. The error points at the function and the note at the value.
use std::rc::Rc;

use activity_runtime::activity;

async fn pause() {}

#[activity]
async fn count() -> usize {
    let shared = Rc::new(vec![1, 2, 3]);
    pause().await;
    shared.len()
}

fn main() {}
