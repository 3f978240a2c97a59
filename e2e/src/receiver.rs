//! A webhook receiver on loopback, standing in for an integrator's server: one plain HTTP/1.1
//! listener that answers every request with the status it is told and passes each request (head
//! and body, as text) to the test.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

pub struct Receiver {
    /// `http://127.0.0.1:PORT/hooks`.
    pub url: String,
    status: Arc<AtomicU16>,
    requests: mpsc::UnboundedReceiver<String>,
}

impl Receiver {
    /// Listens on a free loopback port, answering 200 until told otherwise.
    pub async fn start() -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hooks", listener.local_addr()?);
        let status = Arc::new(AtomicU16::new(200));
        let (tx, requests) = mpsc::unbounded_channel();
        let answer = Arc::clone(&status);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, tx.clone(), Arc::clone(&answer)));
            }
        });
        Ok(Self { url, status, requests })
    }

    /// The status every request gets from now on.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// The next request, or an error after `within`.
    pub async fn next(&mut self, within: std::time::Duration) -> anyhow::Result<String> {
        tokio::time::timeout(within, self.requests.recv())
            .await
            .map_err(|_| anyhow::anyhow!("no webhook within {} s", within.as_secs()))?
            .ok_or_else(|| anyhow::anyhow!("the receiver stopped"))
    }
}

/// One connection: requests read by `Content-Length`, each answered with the current status.
async fn serve(mut socket: tokio::net::TcpStream, tx: mpsc::UnboundedSender<String>, status: Arc<AtomicU16>) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let Ok(n) = socket.read(&mut buffer).await else { return };
        if n == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&request).into_owned();
        let Some(end) = text.find("\r\n\r\n") else { continue };
        let length = text[..end]
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        if request.len() < end + 4 + length {
            continue;
        }
        let _ = tx.send(text);
        let code = status.load(Ordering::SeqCst);
        let reply = format!("HTTP/1.1 {code} Status\r\ncontent-length: 2\r\n\r\nok");
        if socket.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
        request.clear();
    }
}
