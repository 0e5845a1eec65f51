//! A store that refuses to give an argument back: the worker's log line says which store and key,
//! and why (the error's causes), as the failure sent to the server does. Found by the soak
//! (`make soak`), whose refusing store left only "could not retrieve [bucket, key]" in the log.

use crate::{common, logs};

use std::collections::BTreeMap;
use std::sync::Mutex;

use activity_runtime::client::{Client, ClientError};
use activity_runtime::connection::ConnectOptions;
use activity_runtime::storage::{
    ExternalStorage, StorageClaim, StorageDriver, StorageError, StoreContext,
};
use activity_runtime::{Payload, activities, activity};
use futures_util::future::BoxFuture;

/// Keeps payloads in memory; every retrieval fails as a reset connection would.
#[derive(Default)]
struct RefusingStore {
    objects: Mutex<BTreeMap<String, Payload>>,
}

impl StorageDriver for RefusingStore {
    fn name(&self) -> &str {
        "refusing"
    }

    fn driver_type(&self) -> &str {
        "test.refusing"
    }

    fn store<'a>(
        &'a self,
        _: &'a StoreContext,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'a, Result<Vec<StorageClaim>, StorageError>> {
        Box::pin(async move {
            let mut objects = self.objects.lock().unwrap();
            Ok(payloads
                .into_iter()
                .map(|payload| {
                    let key = format!("refused-{}", objects.len());
                    objects.insert(key.clone(), payload);
                    StorageClaim {
                        claim_data: [("key".to_owned(), key)].into(),
                    }
                })
                .collect())
        })
    }

    fn retrieve<'a>(
        &'a self,
        claims: Vec<StorageClaim>,
    ) -> BoxFuture<'a, Result<Vec<Payload>, StorageError>> {
        Box::pin(async move {
            Err(StorageError::Backend {
                driver: "refusing".into(),
                operation: "retrieve",
                location: format!("[key={}]", claims[0].claim_data["key"]),
                source: Box::new(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset by the refusing store",
                )),
            })
        })
    }
}

#[activity]
async fn refused_echo(text: String) -> String {
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_refuses_is_logged_with_the_cause() {
    let logs = logs::text();
    let storage = ExternalStorage::new(RefusingStore::default()).threshold(0);
    let worker = common::start_worker_with("refused", activities![refused_echo], {
        let storage = storage.clone();
        move |builder| builder.external_storage(storage)
    })
    .await;
    let client = Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(common::server().await.address())
            .namespace("default")
            .external_storage(storage),
    )
    .await
    .unwrap();
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
