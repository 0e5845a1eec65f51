//! A moto S3 server (`python -m moto.server`, from the tools venv) on a free loopback port, with
//! one bucket: the S3-compatible store of the external storage tests and the soak.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a [`MotoServer`] did not start or a boto3 statement failed.
#[derive(Debug, thiserror::Error)]
pub enum MotoError {
    /// No free loopback port, or `python` could not be started.
    #[error("cannot start moto with {python}")]
    Spawn {
        /// The interpreter.
        python: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// moto exited before it listened, usually because the venv lacks it.
    #[error(
        "the moto S3 server exited at start ({status}): this needs `moto[server]` in {python} \
         (`make test-tools`)"
    )]
    Exited {
        /// The interpreter.
        python: PathBuf,
        /// How moto ended.
        status: ExitStatus,
    },
    /// moto did not listen in time.
    #[error("the moto S3 server did not listen on {address} within {START_TIMEOUT:?}")]
    NotListening {
        /// Where it should have.
        address: SocketAddr,
    },
    /// A boto3 statement against the server failed.
    #[error("boto3 `{statement}` failed: {stderr}")]
    Boto3 {
        /// The statement.
        statement: String,
        /// What Python wrote to stderr.
        stderr: String,
    },
}

/// A moto S3 server with one bucket; killed when dropped.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    python: PathBuf,
    address: SocketAddr,
}

impl MotoServer {
    /// Starts moto with `python` and creates `bucket`.
    pub async fn start(python: &Path, bucket: &str) -> Result<Self, MotoError> {
        Self::start_with(python, bucket, |_| {}).await
    }

    /// Like [`start`](Self::start), with `configure` applied to moto's command first (an
    /// environment variable, a parent-death signal).
    pub async fn start_with(
        python: &Path,
        bucket: &str,
        configure: impl FnOnce(&mut Command),
    ) -> Result<Self, MotoError> {
        let spawn_error = |source| MotoError::Spawn {
            python: python.to_owned(),
            source,
        };
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(spawn_error)?
            .port();
        let mut command = Command::new(python);
        command
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        configure(&mut command);
        let child = command.spawn().map_err(spawn_error)?;
        let mut server = Self {
            child,
            python: python.to_owned(),
            address: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect_timeout(&server.address, Duration::from_millis(200)).is_err() {
            if let Some(status) = server.child.try_wait().map_err(spawn_error)? {
                return Err(MotoError::Exited {
                    python: python.to_owned(),
                    status,
                });
            }
            if Instant::now() >= deadline {
                return Err(MotoError::NotListening {
                    address: server.address,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server.boto3("s3.create_bucket(Bucket=sys.argv[2])", bucket)?;
        Ok(server)
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Runs Python `statement` with `sys`, `json` and `s3`, a boto3 client of this server, and
    /// `argument` as `sys.argv[2]`; what it prints.
    pub fn boto3(&self, statement: &str, argument: &str) -> Result<String, MotoError> {
        let script = format!(
            "import sys, json, boto3; s3 = boto3.client('s3', endpoint_url=sys.argv[1], \
             aws_access_key_id='test', aws_secret_access_key='test', \
             region_name='us-east-1'); {statement}"
        );
        let output = Command::new(&self.python)
            .args(["-c", &script, &self.endpoint(), argument])
            .output()
            .map_err(|source| MotoError::Spawn {
                python: self.python.clone(),
                source,
            })?;
        if !output.status.success() {
            return Err(MotoError::Boto3 {
                statement: statement.to_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The keys of the objects in `bucket`.
    pub fn keys(&self, bucket: &str) -> Result<Vec<String>, MotoError> {
        let listed = self.boto3(
            "print(json.dumps([o['Key'] for o in \
             s3.list_objects_v2(Bucket=sys.argv[2]).get('Contents', [])]))",
            bucket,
        )?;
        serde_json::from_str(&listed).map_err(|err| MotoError::Boto3 {
            statement: "list_objects_v2".to_owned(),
            stderr: format!("not a JSON list of keys ({err}): {listed}"),
        })
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
