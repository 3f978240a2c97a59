//! A GraphQL subscription client speaking `graphql-transport-ws` over a real WebSocket, as
//! `graphql-ws` (the JavaScript client) and mobile clients do.

use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Subscriptions {
    socket: Socket,
}

/// How a connection ended or what it answered instead of `connection_ack`.
#[derive(Debug)]
pub enum Refused {
    Closed { code: u16, reason: String },
    Other(String),
}

impl Subscriptions {
    /// Connects to `ws://.../graphql/ws` and sends `connection_init` with `payload`; returns
    /// the client after `connection_ack`, or how the server refused.
    pub async fn connect(base_url: &str, payload: Value) -> anyhow::Result<Result<Self, Refused>> {
        let url = format!("{}/graphql/ws", base_url.replacen("http", "ws", 1));
        let mut request = url.into_client_request()?;
        request
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
        let (mut socket, response) =
            tokio_tungstenite::connect_async(request).await.context("WebSocket handshake")?;
        let protocol = response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok());
        if protocol != Some("graphql-transport-ws") {
            bail!("the server chose protocol {protocol:?}");
        }
        socket
            .send(Message::text(json!({ "type": "connection_init", "payload": payload }).to_string()))
            .await?;
        let mut client = Self { socket };
        match client.receive(Duration::from_secs(10)).await? {
            Ok(message) if message["type"] == "connection_ack" => Ok(Ok(client)),
            Ok(other) => Ok(Err(Refused::Other(other.to_string()))),
            Err(refused) => Ok(Err(refused)),
        }
    }

    /// Starts subscription `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) -> anyhow::Result<()> {
        let message =
            json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
        self.socket.send(Message::text(message.to_string())).await?;
        Ok(())
    }

    /// Ends subscription `id`.
    pub async fn complete(&mut self, id: &str) -> anyhow::Result<()> {
        self.socket.send(Message::text(json!({ "id": id, "type": "complete" }).to_string())).await?;
        Ok(())
    }

    /// The next protocol message (`next`, `error`, `complete`...), answering pings; an error
    /// after `within`.
    pub async fn next(&mut self, within: Duration) -> anyhow::Result<Value> {
        match self.receive(within).await? {
            Ok(message) => Ok(message),
            Err(refused) => bail!("the connection ended: {refused:?}"),
        }
    }

    /// Whether nothing arrives for `quiet`.
    pub async fn is_quiet(&mut self, quiet: Duration) -> anyhow::Result<bool> {
        match tokio::time::timeout(quiet, self.receive(quiet + Duration::from_secs(1))).await {
            Err(_) => Ok(true),
            Ok(Ok(Ok(message))) => bail!("expected nothing, got {message}"),
            Ok(Ok(Err(refused))) => bail!("the connection ended: {refused:?}"),
            Ok(Err(err)) => Err(err),
        }
    }

    async fn receive(&mut self, within: Duration) -> anyhow::Result<Result<Value, Refused>> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .map_err(|_| anyhow::anyhow!("nothing from the server within {} s", within.as_secs()))?;
            match frame {
                None => return Ok(Err(Refused::Other("the server closed the stream".into()))),
                Some(Err(err)) => return Ok(Err(Refused::Other(err.to_string()))),
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text)?;
                    if message["type"] == "ping" {
                        self.socket.send(Message::text(json!({ "type": "pong" }).to_string())).await?;
                        continue;
                    }
                    return Ok(Ok(message));
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) =
                        frame.map_or((1005, String::new()), |f| (u16::from(f.code), f.reason.to_string()));
                    return Ok(Err(Refused::Closed { code, reason }));
                }
                Some(Ok(_)) => {}
            }
        }
    }
}
