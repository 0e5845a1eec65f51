//! A codec server for [`EncryptionCodec`] (AES-256-GCM, wire-compatible with the Temporal Python
//! encryption sample): the `temporal` CLI (`--codec-endpoint`) and the Web UI decode and encode
//! payloads through it.
//!
//! ```text
//! codec-server --listen 127.0.0.1:8081 --key-file KEY [--key-id ID]
//!              [--cors-origin http://localhost:8233]... [--body-limit BYTES]
//!              [--metrics 127.0.0.1:9464]
//! ```
//!
//! - `--key-file`: the 256-bit key, as 32 raw bytes or 64 hex digits (`openssl rand -hex 32`).
//! - `--key-id`: the key id written into encrypted payloads and required of decrypted ones
//!   (default `test-key-id`, the Python sample's).
//! - `--cors-origin`: an origin the Web UI is served from, as the browser sees it (repeat for
//!   several); without one, browsers cannot call the server (the CLI can).
//! - `--body-limit`: the largest request body, in bytes (default 8 MiB).
//! - `--metrics`: a Prometheus scrape endpoint (`GET /metrics`) with the requests counted.
//! - `CODEC_SERVER_AUTHORIZATION` (environment): when set, every request must carry exactly this
//!   `Authorization` header (`Bearer <token>`; the CLI sends `--codec-auth`'s value); others get
//!   `401`.
//!
//! It prints `codec server listening on http://ADDRESS` once it accepts connections, and stops
//! on SIGTERM or Ctrl-C.

use std::error::Error;
use std::net::SocketAddr;

use activity_runtime::Metrics;
use activity_runtime::codec_server::CodecServer;
use examples::encryption::{EncryptionCodec, SAMPLE_KEY_ID};

const USAGE: &str = "usage: codec-server --listen ADDRESS --key-file KEY [--key-id ID] \
                     [--cors-origin ORIGIN]... [--body-limit BYTES] [--metrics ADDRESS]";

/// The command line, parsed.
struct Settings {
    listen: SocketAddr,
    key: [u8; 32],
    key_id: String,
    cors_origins: Vec<String>,
    body_limit: Option<usize>,
    metrics: Option<SocketAddr>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Settings, String> {
    let (mut listen, mut key_file, mut key_id) = (None, None, SAMPLE_KEY_ID.to_owned());
    let (mut cors_origins, mut body_limit, mut metrics) = (Vec::new(), None, None);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--listen" => listen = Some(address(&flag, &value()?)?),
            "--key-file" => key_file = Some(value()?),
            "--key-id" => key_id = value()?,
            "--cors-origin" => cors_origins.push(value()?),
            "--body-limit" => {
                let given = value()?;
                body_limit = Some(
                    given
                        .parse()
                        .map_err(|_| format!("`--body-limit {given}`: not a number of bytes"))?,
                );
            }
            "--metrics" => metrics = Some(address(&flag, &value()?)?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let listen = listen.ok_or_else(|| format!("`--listen` is required\n{USAGE}"))?;
    let key_file = key_file.ok_or_else(|| format!("`--key-file` is required\n{USAGE}"))?;
    Ok(Settings {
        listen,
        key: read_key(&key_file)?,
        key_id,
        cors_origins,
        body_limit,
        metrics,
    })
}

fn address(flag: &str, value: &str) -> Result<SocketAddr, String> {
    value
        .parse()
        .map_err(|_| format!("`{flag} {value}`: not an address like 127.0.0.1:8081"))
}

/// 32 raw bytes, or 64 hex digits (surrounding whitespace ignored).
fn read_key(path: &str) -> Result<[u8; 32], String> {
    let bytes = std::fs::read(path).map_err(|err| format!("cannot read `{path}`: {err}"))?;
    if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
        return Ok(key);
    }
    let hex = String::from_utf8_lossy(&bytes);
    let hex = hex.trim();
    let decoded: Option<Vec<u8>> = (hex.len() == 64 && hex.is_ascii())
        .then(|| {
            (0..64)
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
                .collect()
        })
        .flatten();
    decoded
        .and_then(|key| <[u8; 32]>::try_from(key).ok())
        .ok_or_else(|| {
            format!(
                "`{path}` holds {} bytes: a key file holds 32 raw bytes or 64 hex digits",
                bytes.len()
            )
        })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let settings = match parse(std::env::args().skip(1)) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let mut builder = CodecServer::builder(EncryptionCodec::new(settings.key_id, settings.key));
    for origin in settings.cors_origins {
        builder = builder.cors_origin(origin);
    }
    if let Some(limit) = settings.body_limit {
        builder = builder.body_limit(limit);
    }
    if let Ok(authorization) = std::env::var("CODEC_SERVER_AUTHORIZATION") {
        builder = builder.require_authorization(authorization);
    }
    let exporter = settings
        .metrics
        .map(|address| Metrics::prometheus(address).start())
        .transpose()?;
    if let Some(exporter) = &exporter {
        builder = builder.metric_meter(exporter.meter());
        if let Some(address) = exporter.address() {
            println!("metrics at http://{address}/metrics");
        }
    }
    let server = builder.build()?;
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    println!(
        "codec server listening on http://{}",
        listener.local_addr()?
    );
    server.serve_with_shutdown(listener, stopped()).await?;
    Ok(())
}

/// SIGTERM or Ctrl-C (Ctrl-C alone where SIGTERM cannot be caught).
async fn stopped() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    {
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
        return;
    }
    let _ = ctrl_c.await;
}
