//! A store that hangs on one key delays only the attempt whose argument it holds: the worker
//! resolves references in each attempt's own task, not on its poll loop, so other activities
//! start and complete meanwhile, and the stuck attempt fails, retryably and naming the store and
//! the key, when its deadline comes.

use crate::common;
use crate::common::memory_store::{MemoryStore, Mode};

use std::time::{Duration, Instant};

use activity_runtime::client::ClientError;
use activity_runtime::storage::ExternalStorage;
use activity_runtime::{activities, activity};

#[activity]
async fn shout(text: String) -> String {
    text.to_uppercase()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_store_delays_only_the_attempt_it_holds() {
    // Every argument is stored (threshold 0), in one store the worker and the client share.
    let storage = ExternalStorage::new(MemoryStore::new(Mode::Stall)).threshold(0);
    let worker = common::start_worker_with("stall", activities![shout], {
        let storage = storage.clone();
        move |builder| builder.external_storage(storage)
    })
    .await;
    let client = common::client_with_storage(storage).await;

    let stuck = client
        .start_activity(
            "shout",
            ("please stall",),
            common::one_attempt(&worker.task_queue)
                .id(common::unique_task_queue("stall-stuck"))
                .start_to_close_timeout(Duration::from_secs(8)),
        )
        .await
        .unwrap();
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // While the first attempt waits for its argument, others start and complete.
    for n in 0..3 {
        let text = format!("hello {n}");
        let result: String = tokio::time::timeout(
            Duration::from_secs(5),
            client.execute_activity(
                "shout",
                (text.clone(),),
                common::one_attempt(&worker.task_queue),
            ),
        )
        .await
        .unwrap_or_else(|_| panic!("activity {n} waited behind the hanging store"))
        .unwrap();
        assert_eq!(result, text.to_uppercase());
    }
    let others_done = started.elapsed();
    assert!(others_done < Duration::from_secs(8), "{others_done:?}");

    let err = tokio::time::timeout(Duration::from_secs(20), stuck.result::<String>())
        .await
        .expect("the stuck attempt ends at its deadline")
        .expect_err("the stuck attempt fails");
    let ClientError::Failed(failure) = &err else {
        panic!("not an activity failure: {err}");
    };
    // The worker's failure is the cause of the server's timeout wrapper, or the failure itself.
    let failure = failure.cause.as_deref().unwrap_or(failure);
    assert_eq!(failure.error_type, "ExternalStorageError", "{err:?}");
    assert!(!failure.non_retryable, "{err:?}");
    assert!(
        failure
            .message
            .contains("driver `stalling` [key=stuck-object]")
            && failure.message.contains("before its attempt's deadline"),
        "{err:?}"
    );
    worker.stop().await;
    println!(
        "3 activities completed within {others_done:?} while the store hung; the stuck one: {}",
        failure.message
    );
}
