//! [`FaultProxy`]: a TCP proxy on loopback between Lookbook and one service,
//! which a test can cut (existing connections dropped, new ones closed at
//! once, as when the service dies) or slow down (every reply delayed).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Debug)]
struct State {
    upstream: String,
    up: AtomicBool,
    latency_ms: AtomicU64,
    /// Bumped on every cut, so live connections notice and close.
    cuts: watch::Sender<u64>,
}

/// A proxy to one upstream `host:port`; stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<State>,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Starts forwarding from a free loopback port to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let state = Arc::new(State {
            upstream: upstream.to_string(),
            up: AtomicBool::new(true),
            latency_ms: AtomicU64::new(0),
            cuts: watch::channel(0).0,
        });
        let shared = state.clone();
        let accept_loop = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if shared.up.load(Ordering::SeqCst) {
                    tokio::spawn(forward(client, shared.clone()));
                }
                // When down, the client socket is dropped: connection closed at once.
            }
        });
        FaultProxy {
            addr,
            state,
            accept_loop,
        }
    }

    /// `host:port` to give the app instead of the service's own address.
    pub fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// Cuts the link (`false`) or restores it (`true`).
    pub fn set_up(&self, up: bool) {
        self.state.up.store(up, Ordering::SeqCst);
        if !up {
            self.state.cuts.send_modify(|n| *n += 1);
        }
    }

    /// Delays every chunk the service sends back by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.state.latency_ms.store(ms, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
        self.state.cuts.send_modify(|n| *n += 1);
    }
}

async fn forward(client: TcpStream, state: Arc<State>) {
    let Ok(server) = TcpStream::connect(&state.upstream).await else {
        return;
    };
    let mut cuts = state.cuts.subscribe();
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let upstream = async {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n) = client_rx.read(&mut buf).await {
            if n == 0 || server_tx.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_tx.shutdown().await;
    };
    let downstream = async {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n) = server_rx.read(&mut buf).await {
            let latency = state.latency_ms.load(Ordering::SeqCst);
            if latency > 0 {
                tokio::time::sleep(Duration::from_millis(latency)).await;
            }
            if n == 0 || client_tx.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = client_tx.shutdown().await;
    };
    tokio::select! {
        _ = async { tokio::join!(upstream, downstream) } => {}
        _ = cuts.changed() => {}
    }
}
