//! The soak driver (`make soak`, `make test-soak`): a steady mixed load over three worker
//! processes and one dev server on SQLite, faults injected at random from a printed seed, and at
//! the end the table of what ran, what completed and why anything ran again. Exits non-zero when
//! an activity was lost or a re-execution has no cause (see `soak::report`).
//!
//! `SOAK_SECONDS` (default 600) is how long the load and the faults last; the drain after it is
//! bounded by `DRAIN`. `SOAK_SEED` replays a run's choices; `SOAK_RATE` is activities per second
//! (default 3); `SOAK_DIR` keeps the ledger, the server's database and the workers' logs (default:
//! a fresh directory under the temporary one, printed).

mod callers;
mod store;
mod workers;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use activity_runtime::client::Client;
use activity_runtime::connection::ConnectOptions;
use activity_runtime::storage::object_store::aws::AmazonS3Builder;
use activity_runtime::storage::{ExternalStorage, ObjectStoreDriver};
use anyhow::Context as _;
use nix::sys::signal::Signal;
use soak::kinds::{self, Kind};
use soak::ledger::{self, now_ms};
use soak::report::{self, Fault, FaultKind, Outcome, Scheduled, WorkerNotes};
use temporal_dev_server::testing::moto::MotoServer;
use temporal_dev_server::testing::tools::python;
use temporal_dev_server::{DevServer, DevServerOptions};
use tokio::sync::RwLock;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::callers::Callers;
use crate::store::{Mode, Proxy};
use crate::workers::{DieWithTheDriver as _, Workers};

const WORKERS: usize = 3;
/// How long activities still running at the end may take to complete.
const DRAIN: Duration = Duration::from_secs(180);

/// The run's settings, from the environment.
struct Settings {
    duration: Duration,
    seed: u64,
    rate: f64,
    dir: PathBuf,
    /// Whether to keep `dir` after a run that passed (when `SOAK_DIR` named it).
    keep: bool,
}

impl Settings {
    fn from_env() -> anyhow::Result<Self> {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        let duration = match var("SOAK_SECONDS") {
            Some(s) => Duration::from_secs(s.parse().context("SOAK_SECONDS is not a number")?),
            None => Duration::from_secs(600),
        };
        let seed = match var("SOAK_SEED") {
            Some(s) => s.parse().context("SOAK_SEED is not a number")?,
            None => now_ms() % 1_000_000,
        };
        let rate = match var("SOAK_RATE") {
            Some(s) => s.parse().context("SOAK_RATE is not a number")?,
            None => 3.0,
        };
        let (dir, keep) = match var("SOAK_DIR") {
            Some(dir) => (PathBuf::from(dir), true),
            None => (
                std::env::temp_dir().join(format!("soak-{}-{seed}", std::process::id())),
                false,
            ),
        };
        Ok(Self {
            duration,
            seed,
            rate,
            dir,
            keep,
        })
    }

    /// A short run (the test command's) restarts the server for seconds, a long one for 5 to 30.
    fn is_short(&self) -> bool {
        self.duration < Duration::from_secs(300)
    }
}

/// What the fault injector needs, and what it records.
struct Injector {
    rng: fastrand::Rng,
    short: bool,
    started: Instant,
    workers: Arc<Workers>,
    proxy: Arc<Proxy>,
    server: Option<DevServer>,
    server_options: DevServerOptions,
    server_gate: Arc<RwLock<()>>,
    faults: Vec<Fault>,
}

impl Injector {
    fn log(&self, what: &str) {
        println!(
            "soak: t+{:>5.1} s  {what}",
            self.started.elapsed().as_secs_f64()
        );
    }

    /// Injects faults until `until`, one at a time, with a pause between them: first one of each
    /// kind (in a seeded order), then kinds at random. Returns them, and the server (which must
    /// outlive the injector: dropping it stops it).
    async fn run(mut self, until: Instant) -> anyhow::Result<(Vec<Fault>, Option<DevServer>)> {
        let mut kinds = FaultKind::ALL.to_vec();
        self.rng.shuffle(&mut kinds);
        let (gap_min, gap_max) = if self.short {
            (4_000, 8_000)
        } else {
            (8_000, 20_000)
        };
        tokio::time::sleep(Duration::from_secs(3)).await;
        loop {
            let kind = kinds
                .pop()
                .unwrap_or_else(|| FaultKind::ALL[self.rng.usize(..5)]);
            if Instant::now() >= until {
                break;
            }
            self.inject(kind).await?;
            tokio::time::sleep(Duration::from_millis(self.rng.u64(gap_min..gap_max))).await;
        }
        Ok((self.faults, self.server))
    }

    async fn inject(&mut self, kind: FaultKind) -> anyhow::Result<()> {
        let from_ms = now_ms();
        let mut pid = None;
        match kind {
            FaultKind::Sigkill => {
                let n = self.rng.usize(..self.workers.count());
                let killed = self.workers.signal(n, Signal::SIGKILL)?;
                self.log(&format!("SIGKILL worker {killed}"));
                self.workers
                    .wait_gone(n, killed, Duration::from_secs(5))
                    .await;
                pid = Some(killed);
            }
            FaultKind::Sigterm => {
                let n = self.rng.usize(..self.workers.count());
                let stopped = self.workers.signal(n, Signal::SIGTERM)?;
                self.log(&format!("SIGTERM worker {stopped}"));
                self.workers
                    .wait_gone(n, stopped, Duration::from_secs(30))
                    .await;
                pid = Some(stopped);
            }
            FaultKind::ServerRestart => {
                let down = if self.short {
                    self.rng.u64(2_000..5_000)
                } else {
                    self.rng.u64(5_000..30_000)
                };
                // No start in flight while the server goes away (see `Callers::server_gate`).
                let _no_starts = self.server_gate.write().await;
                self.log(&format!(
                    "dev server down for {:.1} s",
                    down as f64 / 1000.0
                ));
                if let Some(server) = self.server.take() {
                    tokio::task::spawn_blocking(move || server.stop()).await?;
                }
                tokio::time::sleep(Duration::from_millis(down)).await;
                self.server = Some(
                    DevServer::start_with(self.server_options.clone())
                        .await
                        .context("the dev server does not start again")?,
                );
                self.log("dev server up again");
            }
            FaultKind::StoreStall | FaultKind::StoreRefuse => {
                let (mode, what) = match kind {
                    FaultKind::StoreStall => (Mode::Stall, "stalls"),
                    _ => (Mode::Refuse, "refuses"),
                };
                let lasts = self.rng.u64(3_000..8_000);
                self.log(&format!("store {what} for {:.1} s", lasts as f64 / 1000.0));
                self.proxy.set(mode);
                tokio::time::sleep(Duration::from_millis(lasts)).await;
                self.proxy.set(Mode::Pass);
            }
        }
        self.faults.push(Fault {
            kind,
            from_ms,
            to_ms: now_ms(),
            pid,
        });
        Ok(())
    }
}

/// The workers' environment: the server, the task queue, the ledger, and the store behind the
/// proxy.
fn worker_env(
    address: &str,
    task_queue: &str,
    ledger: &std::path::Path,
    proxy: &Proxy,
) -> Vec<(String, String)> {
    [
        ("TEMPORAL_ADDRESS", address.to_owned()),
        ("TEMPORAL_NAMESPACE", "default".to_owned()),
        ("SOAK_TASK_QUEUE", task_queue.to_owned()),
        (kinds::LEDGER_ENV, ledger.display().to_string()),
        ("S3_BUCKET", kinds::BUCKET.to_owned()),
        ("AWS_ENDPOINT_URL", format!("http://{}", proxy.address)),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("HOME", std::env::temp_dir().display().to_string()),
    ]
    .map(|(k, v)| (k.to_owned(), v))
    .to_vec()
}

/// The callers' client, with the workers' external storage. It reads and writes the bucket
/// directly, not through the proxy: the store's faults are the workers'.
async fn connect_client(address: &str, moto: &MotoServer) -> anyhow::Result<Client> {
    let driver = ObjectStoreDriver::s3_with(
        AmazonS3Builder::new()
            .with_endpoint(moto.endpoint())
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .with_bucket_name(kinds::BUCKET),
    )?;
    Ok(Client::connect_with(
        ConnectOptions::new()
            .isolated()
            .target(address)
            .namespace("default")
            .external_storage(ExternalStorage::new(driver).threshold(kinds::STORAGE_THRESHOLD)),
    )
    .await?)
}

/// Starts `rate` calls a second until `until`, each kind in turn; the calls, and how many.
async fn schedule(
    callers: Arc<Callers>,
    rate: f64,
    until: Instant,
) -> (JoinSet<(String, Kind, Outcome)>, u64) {
    let mut calls = JoinSet::new();
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    while Instant::now() < until {
        ticks.tick().await;
        let kind = Kind::ALL[(n % Kind::ALL.len() as u64) as usize];
        let callers = callers.clone();
        calls.spawn(async move {
            let outcome = callers.call(kind, n).await;
            (format!("{}-{n}", kind.name()), kind, outcome)
        });
        n += 1;
    }
    (calls, n)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    std::fs::create_dir_all(&settings.dir)?;
    let ledger_path = settings.dir.join("ledger.tsv");
    let db = settings.dir.join("server.db");
    let _ = std::fs::remove_file(&ledger_path);
    let _ = std::fs::remove_file(&db);
    println!(
        "soak: {} s of load at {}/s over {WORKERS} workers, seed {} (SOAK_SEED={} replays the \
         choices), files in {}",
        settings.duration.as_secs(),
        settings.rate,
        settings.seed,
        settings.seed,
        settings.dir.display()
    );

    let moto = MotoServer::start_with(&python(), kinds::BUCKET, |command| {
        command.die_with_the_driver();
    })
    .await?;
    let proxy = Arc::new(Proxy::start(moto.address()).await?);
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let server_options = DevServerOptions {
        port: Some(port),
        db_filename: Some(db.clone()),
        ..Default::default()
    };
    let server = DevServer::start_with(server_options.clone())
        .await
        .context("the soak needs a Temporal dev server (`make tools`)")?;
    let address = server.address().to_owned();
    let task_queue = format!("soak-{}", settings.seed);
    let env = worker_env(&address, &task_queue, &ledger_path, &proxy);
    let workers = Arc::new(Workers::start(
        env!("CARGO_BIN_EXE_soak-worker").as_ref(),
        env,
        &settings.dir,
        WORKERS,
    )?);

    let client = connect_client(&address, &moto).await?;
    let server_gate = Arc::new(RwLock::new(()));
    let drain_deadline = Arc::new(OnceLock::new());
    let callers = Arc::new(Callers {
        client,
        task_queue,
        server_gate: server_gate.clone(),
        drain_deadline: drain_deadline.clone(),
    });

    let started = Instant::now();
    let load_ends = started + settings.duration;
    let unexpected_exits = Arc::new(Mutex::new(0));
    let supervising = tokio::spawn({
        let (workers, unexpected_exits) = (workers.clone(), unexpected_exits.clone());
        async move {
            loop {
                *unexpected_exits.lock().unwrap() += workers.restart_exited();
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    });
    let injector = Injector {
        rng: fastrand::Rng::with_seed(settings.seed),
        short: settings.is_short(),
        started,
        workers: workers.clone(),
        proxy: proxy.clone(),
        server: Some(server),
        server_options,
        server_gate,
        faults: Vec::new(),
    };
    // Faults stop a few seconds before the load, so the last one is over when the drain starts.
    let injecting = tokio::spawn(injector.run(load_ends - Duration::from_secs(5)));

    let (mut calls, n) = schedule(callers, settings.rate, load_ends).await;
    let (faults, _server) = injecting.await??;
    println!(
        "soak: t+{:.1} s  load over ({n} scheduled); draining (at most {} s)",
        started.elapsed().as_secs_f64(),
        DRAIN.as_secs()
    );
    let _ = drain_deadline.set(Instant::now() + DRAIN);
    let mut scheduled = Vec::new();
    while let Some(joined) = calls.join_next().await {
        let (id, kind, outcome) = joined?;
        scheduled.push(Scheduled { id, kind, outcome });
    }
    println!(
        "soak: t+{:.1} s  drained; stopping the workers",
        started.elapsed().as_secs_f64()
    );
    supervising.abort();
    workers.stop(Duration::from_secs(30)).await;

    let text = std::fs::read_to_string(&ledger_path).context("cannot read the ledger")?;
    let executions = ledger::executions(&text)?;
    let notes = WorkerNotes {
        results_resent: workers.count_log_lines("was re-sent and recorded"),
        results_lost: workers.count_log_lines("was lost: "),
        unexpected_exits: *unexpected_exits.lock().unwrap(),
    };
    let report = report::analyze(&scheduled, &executions, &faults, notes);
    println!(
        "\nsoak: {} s, seed {}, {WORKERS} workers, {}/s, {:.0} s in all\n\n{report}",
        settings.duration.as_secs(),
        settings.seed,
        settings.rate,
        started.elapsed().as_secs_f64()
    );
    let failures = report.failures();
    if failures.is_empty() {
        println!("soak passed: nothing lost, every re-execution explained");
        if !settings.keep {
            let _ = std::fs::remove_dir_all(&settings.dir);
        }
        Ok(())
    } else {
        for failure in &failures {
            println!("soak FAILED: {failure}");
        }
        println!(
            "the ledger, the server's database and the workers' logs are in {}",
            settings.dir.display()
        );
        std::process::exit(1);
    }
}
