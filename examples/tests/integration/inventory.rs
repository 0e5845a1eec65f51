//! Method activities share the instance the worker holds.

use std::sync::Arc;

use activity_runtime::Worker;
use activity_runtime::client::{ActivityOptions, Client, ClientError};
use examples::inventory::{Inventory, Pool};
use temporal_dev_server::DevServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn method_activities_share_the_pool_the_worker_holds() {
    let server = DevServer::start()
        .await
        .expect("a dev server (run `make tools`)");
    let inventory = Arc::new(Inventory {
        pool: Pool::with_stock([("tea".to_owned(), 10)]),
    });
    let task_queue = format!("inventory-{}", std::process::id());
    let worker = Worker::builder()
        .target(server.address())
        .task_queue(&task_queue)
        .register(inventory.clone())
        .build()
        .await
        .expect("worker builds");
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());

    let client = Client::connect(server.address(), "default").await.unwrap();
    let options = || ActivityOptions::new(&task_queue).maximum_attempts(1);
    let left: u32 = client
        .execute_activity("reserve", ("tea", 3), options())
        .await
        .unwrap();
    assert_eq!(left, 7);
    let left: u32 = client
        .execute_activity("reserve", ("tea", 4), options())
        .await
        .unwrap();
    assert_eq!(left, 3);
    let level: u32 = client
        .execute_activity("stock_level", ("tea",), options())
        .await
        .unwrap();
    assert_eq!(level, 3);
    let too_many = client
        .execute_activity::<u32>("reserve", ("tea", 5), options())
        .await;
    let Err(ClientError::Failed(failure)) = too_many else {
        panic!("expected OutOfStock, got {too_many:?}")
    };
    assert_eq!(failure.error_type, "OutOfStock");

    // Every call went through the one pool this test still holds.
    assert_eq!(inventory.pool.checkouts(), 4);
    shutdown.shutdown();
    serving.await.unwrap().unwrap();
    assert_eq!(
        Arc::strong_count(&inventory),
        1,
        "the worker released the instance"
    );
}
