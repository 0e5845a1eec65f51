//! The `typed_client` example calls the example worker through the official client's
//! `start_activity` with generated definitions, and refuses an oversized input before any request.

use std::process::Command;

use activity_runtime::client::Client;
use temporal_dev_server::DevServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_client_gets_typed_results_and_oversized_inputs_are_never_sent() {
    let server = DevServer::start()
        .await
        .expect("a dev server (run `make tools`)");
    let task_queue = format!("typed-{}", std::process::id());
    let worker = examples::worker(server.address(), &task_queue)
        .await
        .expect("worker builds");
    let shutdown = worker.shutdown_handle();
    let serving = tokio::spawn(worker.run());

    let address = server.address().to_owned();
    let queue = task_queue.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_typed_client"))
            .env("TEMPORAL_ADDRESS", address)
            .env("EXAMPLE_TASK_QUEUE", queue)
            .output()
            .expect("the typed_client example runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "typed_client failed:\n{stdout}\n{stderr}"
    );
    for line in [
        "say_hello(\"World\") -> Hello, World!",
        "your_activity({greeting: \"Hello\", name: \"typed Rust\"}) -> Hello, typed Rust!",
        "count_words(\"the quick brown fox ...\") -> 9",
        "say_hello(<3 MiB>) refused before any request: the input of activity `say_hello` is \
         3145764 bytes (3.00 MiB) encoded, over the limit of 2097152 bytes (2 MiB) set by the blob \
         size limit of namespace `default`",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }

    // The oversized call never reached the server; the first call did, under the same scheme.
    let prefix = stdout
        .lines()
        .find_map(|line| line.strip_prefix("activity ids start with "))
        .expect("the example prints its id prefix");
    let client = Client::connect(server.address(), "default").await.unwrap();
    let describe = |call: &str| {
        let handle = client
            .inner()
            .get_untyped_activity_handle(format!("{prefix}{call}"), None);
        async move { handle.describe(Default::default()).await.map(|_| ()) }
    };
    describe("hello")
        .await
        .unwrap_or_else(|err| panic!("the typed call started `{prefix}hello`: {err}"));
    let err = describe("oversized")
        .await
        .expect_err("no activity was started for the oversized input");
    assert!(
        err.to_string().to_lowercase().contains("not found"),
        "{err}"
    );

    shutdown.shutdown();
    serving.await.unwrap().unwrap();
}
