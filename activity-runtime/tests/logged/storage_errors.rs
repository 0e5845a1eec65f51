//! A store that refuses to give an argument back: the worker's log line says which store and key,
//! and why (the error's causes), as the failure sent to the server does. Found by the soak
//! (`make soak`), whose refusing store left only "could not retrieve [bucket, key]" in the log.

use crate::common::memory_store::{MemoryStore, Mode};
use crate::{common, logs};

use activity_runtime::client::ClientError;
use activity_runtime::storage::ExternalStorage;
use activity_runtime::{activities, activity};

#[activity]
async fn refused_echo(text: String) -> String {
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_refuses_is_logged_with_the_cause() {
    let logs = logs::text();
    let storage = ExternalStorage::new(MemoryStore::new(Mode::Refuse)).threshold(0);
    let worker = common::start_worker_with("refused", activities![refused_echo], {
        let storage = storage.clone();
        move |builder| builder.external_storage(storage)
    })
    .await;
    let client = common::client_with_storage(storage).await;
    let id = common::unique_task_queue("refused-echo");
    let err = client
        .execute_activity::<String>(
            "refused_echo",
            ("hello",),
            common::one_attempt(&worker.task_queue).id(&id),
        )
        .await
        .expect_err("the argument cannot be read");
    let ClientError::Failed(failure) = &err else {
        panic!("not an activity failure: {err}");
    };
    assert_eq!(failure.error_type, "ExternalStorageError", "{err:?}");
    assert!(
        failure
            .message
            .contains("connection reset by the refusing store"),
        "{err:?}"
    );
    worker.stop().await;

    let text = logs.text();
    let line = text
        .lines()
        .find(|line| line.contains("could not be decoded") && line.contains(&id))
        .unwrap_or_else(|| panic!("no log line for {id}:\n{text}"));
    assert!(line.contains("ERROR"), "{line}");
    assert!(
        line.contains("driver `refusing` could not retrieve [key=refused-0]")
            && line.contains("connection reset by the refusing store"),
        "the log line lacks the store, the key or the cause: {line}"
    );
}
