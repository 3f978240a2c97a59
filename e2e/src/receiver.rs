//! A webhook receiver on loopback, standing in for an integrator's server: one plain HTTP/1.1
//! listener that records every request, waits `delay` and answers the status it is told.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// A request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    /// `POST /hooks HTTP/1.1`.
    pub request_line: String,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Received {
    /// The body as JSON (`null` if it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

/// What the connections share with the test.
#[derive(Default)]
struct Shared {
    status: AtomicU16,
    delay_ms: AtomicU64,
    got: Mutex<Vec<Received>>,
}

pub struct Receiver {
    /// `http://127.0.0.1:PORT/hooks`.
    pub url: String,
    shared: Arc<Shared>,
    requests: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    /// Listens on a free loopback port, answering 200 at once until told otherwise.
    pub async fn start() -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hooks", listener.local_addr()?);
        let shared = Arc::new(Shared { status: AtomicU16::new(200), ..Shared::default() });
        let (tx, requests) = mpsc::unbounded_channel();
        let for_connections = Arc::clone(&shared);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, tx.clone(), Arc::clone(&for_connections)));
            }
        });
        Ok(Self { url, shared, requests })
    }

    /// The status every request gets from now on.
    pub fn answer(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }

    /// How long each answer waits from now on.
    pub fn delay(&self, delay: Duration) {
        self.shared.delay_ms.store(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// Every request so far, in arrival order.
    pub fn got(&self) -> Vec<Received> {
        self.shared.got.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// The next request not yet taken with `next`, or an error after `within`.
    pub async fn next(&mut self, within: Duration) -> anyhow::Result<Received> {
        tokio::time::timeout(within, self.requests.recv())
            .await
            .map_err(|_| anyhow::anyhow!("no webhook within {} s", within.as_secs()))?
            .ok_or_else(|| anyhow::anyhow!("the receiver stopped"))
    }
}

/// One connection: requests read by `Content-Length`, each recorded, then answered.
async fn serve(mut socket: tokio::net::TcpStream, tx: mpsc::UnboundedSender<Received>, shared: Arc<Shared>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = socket.read(&mut chunk).await else { return };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
        let Some(received) = parse(&mut buffer) else { continue };
        if let Ok(mut got) = shared.got.lock() {
            got.push(received.clone());
        }
        let _ = tx.send(received);
        let delay = shared.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        let code = shared.status.load(Ordering::SeqCst);
        let body = format!("receiver says {code}");
        let reply = format!("HTTP/1.1 {code} Status\r\ncontent-length: {}\r\n\r\n{body}", body.len());
        if socket.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Takes one whole request off the front of `buffer`, if it holds one.
fn parse(buffer: &mut Vec<u8>) -> Option<Received> {
    let end = buffer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().to_owned();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length = headers.get("content-length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    if buffer.len() < end + 4 + length {
        return None;
    }
    let body = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).into_owned();
    buffer.drain(..end + 4 + length);
    Some(Received { request_line, headers, body })
}
