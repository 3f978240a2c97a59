//! Live changes: one GraphQL subscription over the WebSocket at `/graphql/ws`
//! (graphql-transport-ws), which calls back on every change and reconnects by itself (with the
//! current access token) when the connection drops or the token expires. Dropping the
//! [`Live`] ends it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, WebSocket};

/// How long to wait before connecting again.
const RETRY: Duration = Duration::from_secs(3);

/// An event handler of the socket.
type Handler = Closure<dyn FnMut(web_sys::Event)>;

struct Inner {
    query: &'static str,
    variables: Value,
    on_change: Rc<dyn Fn()>,
    socket: RefCell<Option<WebSocket>>,
    /// The handlers of the current socket (kept alive while it is).
    handlers: RefCell<Vec<Handler>>,
    stopped: Cell<bool>,
    /// Whether a connection was up before: after a gap, the page reloads once to catch up.
    connected_before: Cell<bool>,
}

/// A followed subscription; ends when dropped.
pub struct Live(Rc<Inner>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.stopped.set(true);
        if let Some(socket) = self.0.socket.borrow_mut().take() {
            let _ = socket.close();
        }
        self.0.handlers.borrow_mut().clear();
    }
}

/// Follows `query` (a subscription document) with `variables`; `on_change` runs for every
/// event, and once after a reconnect (something may have happened meanwhile).
pub fn follow(query: &'static str, variables: Value, on_change: impl Fn() + 'static) -> Live {
    let inner = Rc::new(Inner {
        query,
        variables,
        on_change: Rc::new(on_change),
        socket: RefCell::new(None),
        handlers: RefCell::new(Vec::new()),
        stopped: Cell::new(false),
        connected_before: Cell::new(false),
    });
    connect(&inner);
    Live(inner)
}

fn send(socket: &WebSocket, message: &Value) {
    let _ = socket.send_with_str(&message.to_string());
}

fn connect(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let scheme = if location.protocol().is_ok_and(|p| p == "https:") { "wss" } else { "ws" };
    let url = format!("{scheme}://{}/graphql/ws", location.host().unwrap_or_default());
    let Ok(socket) = WebSocket::new_with_str(&url, "graphql-transport-ws") else {
        retry(inner);
        return;
    };

    let on_open = {
        let socket = socket.clone();
        Handler::new(move |_| {
            let token = super::current_token().unwrap_or_default();
            send(
                &socket,
                &json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } }),
            );
        })
    };
    let on_message = {
        let socket = socket.clone();
        let weak = Rc::downgrade(inner);
        Handler::new(move |event: web_sys::Event| {
            let Some(inner) = weak.upgrade() else { return };
            let Some(text) = event.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string()) else {
                return;
            };
            let Ok(message) = serde_json::from_str::<Value>(&text) else { return };
            match message["type"].as_str() {
                Some("connection_ack") => {
                    let payload = json!({ "query": inner.query, "variables": inner.variables });
                    send(&socket, &json!({ "id": "live", "type": "subscribe", "payload": payload }));
                    if inner.connected_before.replace(true) {
                        (inner.on_change)();
                    }
                }
                Some("next") if message["payload"]["errors"].is_null() => (inner.on_change)(),
                Some("ping") => send(&socket, &json!({ "type": "pong" })),
                // Ended by the server (an expired token): start again with the current one.
                Some("complete" | "error" | "next") => {
                    let _ = socket.close();
                }
                _ => {}
            }
        })
    };
    let on_close = {
        let weak = Rc::downgrade(inner);
        Handler::new(move |_| {
            if let Some(inner) = weak.upgrade() {
                retry(&inner);
            }
        })
    };
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    *inner.handlers.borrow_mut() = vec![on_open, on_message, on_close];
    *inner.socket.borrow_mut() = Some(socket);
}

fn retry(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    let weak = Rc::downgrade(inner);
    leptos::prelude::set_timeout(
        move || {
            if let Some(inner) = weak.upgrade() {
                connect(&inner);
            }
        },
        RETRY,
    );
}
