//! Subscriptions over WebSocket with the `graphql-transport-ws` protocol.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::shared;

async fn connect(
    payload: Value,
) -> (
    impl SinkExt<Message> + Unpin,
    impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
) {
    let app = shared();
    let mut req = format!("ws://127.0.0.1:{}/graphql/ws", app.port)
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connect");
    assert_eq!(
        resp.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    let (mut tx, rx) = ws.split();
    let init = json!({"type": "connection_init", "payload": payload}).to_string();
    let _ = tx.send(Message::text(init)).await;
    (tx, rx)
}

async fn next_json(
    rx: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
) -> Value {
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), rx.next())
            .await
            .expect("a message in time");
        match msg {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).expect("json"),
            Some(Ok(Message::Close(frame))) => {
                return json!({"type": "close", "frame": format!("{frame:?}")});
            }
            Some(Ok(_)) => continue,
            other => panic!("socket ended: {other:?}"),
        }
    }
}

#[tokio::test]
async fn heartbeat_streams_to_a_signed_in_subscriber() {
    let app = shared();
    let t = app.new_tenant().await;
    let (mut tx, mut rx) = connect(json!({"Authorization": format!("Bearer {}", t.token)})).await;
    assert_eq!(next_json(&mut rx).await["type"], "connection_ack");
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { heartbeat(intervalSeconds: 1) }"}});
    let _ = tx.send(Message::text(sub.to_string())).await;
    let first = next_json(&mut rx).await;
    assert_eq!(first["type"], "next", "{first}");
    assert!(
        first["payload"]["data"]["heartbeat"]
            .as_str()
            .is_some_and(|s| s.contains('T'))
    );
}

#[tokio::test]
async fn subscriptions_need_a_credential() {
    let (_tx, mut rx) = connect(json!({})).await;
    let msg = next_json(&mut rx).await;
    assert_eq!(
        msg["type"], "close",
        "an anonymous connection is closed: {msg}"
    );
}

#[tokio::test]
async fn queries_and_mutations_do_not_travel_over_websocket() {
    let app = shared();
    let t = app.new_tenant().await;
    let (mut tx, mut rx) = connect(json!({"Authorization": format!("Bearer {}", t.token)})).await;
    assert_eq!(next_json(&mut rx).await["type"], "connection_ack");
    // A query over the socket would skip the HTTP controls (limits, personal-data log, ...).
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "{ employees { nodes { nationalIdNumber } } }"}});
    let _ = tx.send(Message::text(sub.to_string())).await;
    let msg = next_json(&mut rx).await;
    assert_eq!(msg["payload"]["data"], Value::Null, "{msg}");
    assert_eq!(
        msg["payload"]["errors"][0]["extensions"]["code"],
        "BAD_REQUEST"
    );
}

#[tokio::test]
async fn a_bad_credential_closes_the_socket() {
    let (_tx, mut rx) = connect(json!({"Authorization": "Bearer nope"})).await;
    let msg = next_json(&mut rx).await;
    assert_eq!(msg["type"], "close", "{msg}");
}
