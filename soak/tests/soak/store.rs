//! The store's proxy: in front of the moto S3 server (`temporal_dev_server::testing::moto`), the
//! driver switches it to stall or refuse.

use std::net::{Ipv4Addr, SocketAddr};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::watch;

/// What the proxy does with the bytes between the workers and the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Passes them through.
    Pass,
    /// Holds them (connections stay open, nothing moves) until the mode changes.
    Stall,
    /// Closes every connection, and each new one at once.
    Refuse,
}

/// A TCP proxy to `upstream` on a free loopback port, in the mode [`Proxy::set`] last set.
pub struct Proxy {
    mode: watch::Sender<Mode>,
    /// `127.0.0.1:PORT`.
    pub address: SocketAddr,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let address = listener.local_addr()?;
        let (mode, watching) = watch::channel(Mode::Pass);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(forward(client, upstream, watching.clone()));
            }
        });
        Ok(Self { mode, address })
    }

    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

/// Waits while the mode is [`Mode::Stall`]; false when it is [`Mode::Refuse`].
async fn may_pass(mode: &mut watch::Receiver<Mode>) -> bool {
    let passes = match mode.wait_for(|mode| *mode != Mode::Stall).await {
        Ok(mode) => Some(*mode == Mode::Pass),
        Err(_) => None,
    };
    // `None`: the proxy is being dropped at the end of the run, and its last mode holds.
    passes.unwrap_or_else(|| *mode.borrow() == Mode::Pass)
}

async fn forward(
    client: tokio::net::TcpStream,
    upstream: SocketAddr,
    mut mode: watch::Receiver<Mode>,
) {
    if !may_pass(&mut mode).await {
        return;
    }
    let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
        return;
    };
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    // Either direction ending (EOF, an error, refusal) ends both.
    tokio::select! {
        () = pipe(client_read, server_write, mode.clone()) => {}
        () = pipe(server_read, client_write, mode.clone()) => {}
        () = async { let _ = mode.wait_for(|mode| *mode == Mode::Refuse).await; } => {}
    }
}

/// Copies `from` to `to`, holding each chunk while the proxy stalls.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut mode: watch::Receiver<Mode>,
) {
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if !may_pass(&mut mode).await || to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}
