//! Domain events leaving the outbox: signed webhook deliveries with retries, parking, replay and
//! switching off endpoints that keep failing; at-least-once delivery across a dispatcher that
//! died; the `events` and `notificationReceived` subscriptions, on one server and across two.
//!
//! Webhooks go to a tiny HTTP receiver on loopback (test servers allow private networks and
//! plain http). Every wait polls until a condition holds, within [`WAIT`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{
    Backend, TestApp, TestTenant, backend, drop_postgres_database, fresh_postgres_database, shared,
    spawn_app, test_settings,
};

/// The longest any condition is waited for.
const WAIT: Duration = Duration::from_secs(15);

/// How often a condition is checked.
const POLL: Duration = Duration::from_millis(100);

// ---------------------------------------------------------------------------------------------
// Waiting

/// Polls `probe` until it answers `Some`, failing the test after [`WAIT`].
async fn wait_for<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Some(v) = probe().await {
                return v;
            }
            tokio::time::sleep(POLL).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out after {WAIT:?} waiting for {what}"))
}

/// Waits until every event the tenant has written so far is published, so that events of the
/// tenant's seed data (written when it was created) cannot reach endpoints or subscriptions
/// registered afterwards.
async fn drain(app: &TestApp, t: &TestTenant) {
    use entity::kernel::outbox_event;
    use sea_orm::{ColumnTrait, QueryFilter};
    let db = app.db().await;
    wait_for("the tenant's pending events to be published", async || {
        let tx = entity::TenantTx::begin_read(&db, entity::TenantId(t.id))
            .await
            .expect("tx");
        let pending = tx
            .count(
                tx.select::<outbox_event::Entity>()
                    .refine(|q| q.filter(outbox_event::Column::PublishedAt.is_null())),
            )
            .await
            .expect("count pending events");
        tx.rollback().await.ok();
        (pending == 0).then_some(())
    })
    .await;
    db.close().await.ok();
}

// ---------------------------------------------------------------------------------------------
// The webhook receiver

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Request {
    /// Header names in lower case.
    headers: HashMap<String, String>,
    /// The raw body.
    body: Vec<u8>,
    /// The status it was answered with.
    answered: u16,
}

impl Request {
    /// A header's value, or `""`.
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    /// The body as JSON.
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Whether the body is the event of the record with this global id.
    fn is_about(&self, entity_id: &str) -> bool {
        serde_json::from_slice::<Value>(&self.body)
            .is_ok_and(|b| b["data"]["entityId"] == entity_id)
    }
}

/// A local HTTP server that records what it is sent and answers with a status the test sets.
/// It runs on its own thread and runtime (so it outlives the runtime of the test that made it)
/// and stops when dropped.
struct Receiver {
    port: u16,
    status: Arc<AtomicU16>,
    delay_ms: Arc<AtomicU64>,
    requests: Arc<Mutex<Vec<Request>>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Receiver {
    /// Starts a receiver answering `status`.
    fn start(status: u16) -> Self {
        let status = Arc::new(AtomicU16::new(status));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let requests: Arc<Mutex<Vec<Request>>> = Arc::new(Mutex::new(Vec::new()));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let (s, d, r) = (status.clone(), delay_ms.clone(), requests.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind the receiver");
                port_tx
                    .send(listener.local_addr().expect("address").port())
                    .expect("report the port");
                loop {
                    tokio::select! {
                        // The sender is dropped with the receiver.
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            let Ok((socket, _)) = accepted else { continue };
                            let (s, d, r) = (s.clone(), d.clone(), r.clone());
                            tokio::spawn(async move {
                                let _ = serve(socket, &s, &d, &r).await;
                            });
                        }
                    }
                }
            });
        });
        let port = port_rx.recv().expect("receiver thread");
        Self {
            port,
            status,
            delay_ms,
            requests,
            _stop: stop,
        }
    }

    /// The URL to register.
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// Answers `status` from now on.
    fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// Holds each answer back this long from now on (the request is recorded at once).
    fn delay(&self, delay: Duration) {
        self.delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// Everything received so far.
    fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }

    /// The requests carrying the event of the record with this global id.
    fn about(&self, entity_id: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.is_about(entity_id))
            .collect()
    }
}

/// Reads one request (headers, then `Content-Length` bytes), records it and answers.
async fn serve(
    mut socket: tokio::net::TcpStream,
    status: &AtomicU16,
    delay_ms: &AtomicU64,
    requests: &Mutex<Vec<Request>>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let headers: HashMap<String, String> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..buf.len().min(head_end + length)].to_vec();
    let code = status.load(Ordering::SeqCst);
    requests.lock().expect("lock").push(Request {
        headers,
        body,
        answered: code,
    });
    let delay = delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let reason = if code < 400 { "OK" } else { "Error" };
    let answer =
        format!("HTTP/1.1 {code} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    socket.write_all(answer.as_bytes()).await?;
    socket.shutdown().await
}

/// Checks a delivery's `Urakata-Signature` under `secret` and returns its timestamp; panics
/// when the signature does not match.
fn verify(secret: &str, r: &Request) -> i64 {
    let (timestamp, signature) = signature_parts(r);
    assert!(
        signed_by(secret, timestamp, &r.body, &signature),
        "the signature {:?} matches the endpoint's secret",
        r.header("urakata-signature")
    );
    timestamp
}

/// `t` and `v1` of a request's `Urakata-Signature`.
fn signature_parts(r: &Request) -> (i64, String) {
    let header = r.header("urakata-signature");
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => signature = Some(v.to_owned()),
            _ => {}
        }
    }
    (
        timestamp.unwrap_or_else(|| panic!("a timestamp in {header:?}")),
        signature.unwrap_or_else(|| panic!("a v1 signature in {header:?}")),
    )
}

/// Whether `signature` (hex) is HMAC-SHA256 of `"{timestamp}.{body}"` under `secret`.
fn signed_by(secret: &str, timestamp: i64, body: &[u8], signature: &str) -> bool {
    let Ok(expected) = hex::decode(signature) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

// ---------------------------------------------------------------------------------------------
// GraphQL

const CREATE_ENDPOINT: &str = "mutation($i: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $i) {
    webhookEndpoint { id version url eventTypes signingSecret enabled disabledAt consecutiveFailures }
    errors { field code message } } }";

const ENDPOINT: &str = "query($id: ID!) { webhookEndpoint(id: $id) {
  id version signingSecret enabled disabledAt disabledReason consecutiveFailures } }";

const DELIVERIES: &str = "query($e: ID!) {
  webhookDeliveries(first: 100, filter: {endpoint: {eq: $e}}) {
    nodes { id eventId eventType status attempts lastStatusCode lastError replayOf payload } } }";

const REPLAY: &str = "mutation($i: ReplayWebhookDeliveryInput!) {
  replayWebhookDelivery(input: $i) {
    webhookDelivery { id eventId status replayOf }
    errors { field code message } } }";

/// Registers an endpoint (expecting no problems) and returns it.
async fn create_endpoint(app: &TestApp, t: &TestTenant, url: &str, types: &[&str]) -> Value {
    let r = app
        .gql(
            Some(&t.token),
            CREATE_ENDPOINT,
            json!({"i": {"url": url, "eventTypes": types}}),
        )
        .await
        .ok();
    let p = &r.data()["createWebhookEndpoint"];
    assert_eq!(p["errors"], json!([]), "{p}");
    p["webhookEndpoint"].clone()
}

/// An endpoint as it is now.
async fn endpoint(app: &TestApp, t: &TestTenant, id: &str) -> Value {
    let r = app
        .gql(Some(&t.token), ENDPOINT, json!({"id": id}))
        .await
        .ok();
    r.data()["webhookEndpoint"].clone()
}

/// Every delivery of an endpoint.
async fn deliveries(app: &TestApp, t: &TestTenant, endpoint: &str) -> Vec<Value> {
    let r = app
        .gql(Some(&t.token), DELIVERIES, json!({"e": endpoint}))
        .await
        .ok();
    r.data()["webhookDeliveries"]["nodes"]
        .as_array()
        .expect("deliveries")
        .clone()
}

/// Whether a delivery carries the event of the record with this global id.
fn delivers(d: &Value, entity_id: &str) -> bool {
    d["payload"]["data"]["entityId"] == entity_id
}

/// Creates a tag (an event `Tag.created`) and returns its global id.
async fn create_tag(app: &TestApp, t: &TestTenant, name: &str) -> String {
    let r = app
        .gql(
            Some(&t.token),
            "mutation($i: CreateTagInput!) { createTag(input: $i) { tag { id } errors { code message } } }",
            json!({"i": {"name": name}}),
        )
        .await
        .ok();
    let p = &r.data()["createTag"];
    assert_eq!(p["errors"], json!([]), "{p}");
    p["tag"]["id"].as_str().expect("tag id").to_owned()
}

/// Creates a supplier (an event `Party.created`) and returns its global id.
async fn create_party(app: &TestApp, t: &TestTenant, code: &str) -> String {
    let r = app
        .gql(
            Some(&t.token),
            "mutation($i: CreatePartyInput!) { createParty(input: $i) { party { id } errors { code message } } }",
            json!({"i": {"code": code, "name": "Event supplier", "isSupplier": true}}),
        )
        .await
        .ok();
    let p = &r.data()["createParty"];
    assert_eq!(p["errors"], json!([]), "{p}");
    p["party"]["id"].as_str().expect("party id").to_owned()
}

/// The caller's unread notification count.
async fn unread(app: &TestApp, token: &str) -> i64 {
    let r = app
        .gql(Some(token), "{ unreadNotificationCount }", json!({}))
        .await
        .ok();
    r.data()["unreadNotificationCount"]
        .as_i64()
        .expect("a count")
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A `graphql-transport-ws` connection to one server, signed in.
struct Socket(Ws);

impl Socket {
    /// Connects to the server on `port` as the holder of `token` and waits for the ack.
    async fn open(port: u16, token: &str) -> Self {
        let mut req = format!("ws://127.0.0.1:{port}/graphql/ws")
            .into_client_request()
            .expect("request");
        req.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("header"),
        );
        let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
            .await
            .expect("connected in time")
            .expect("connect");
        let mut socket = Self(ws);
        socket
            .send(json!({
                "type": "connection_init",
                "payload": {"Authorization": format!("Bearer {token}")},
            }))
            .await;
        let ack = socket.next_message().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        socket
    }

    async fn send(&mut self, msg: Value) {
        self.0
            .send(Message::text(msg.to_string()))
            .await
            .expect("send on the socket");
    }

    /// Starts subscription `id`. Nothing tells when the server has started it; see
    /// [`let_subscriptions_start`].
    async fn subscribe(&mut self, id: &str, query: &str) {
        self.send(json!({"id": id, "type": "subscribe", "payload": {"query": query}}))
            .await;
    }

    /// The next protocol message (pings answered), failing the test after [`WAIT`].
    async fn next_message(&mut self) -> Value {
        tokio::time::timeout(WAIT, async {
            loop {
                match self.0.next().await {
                    Some(Ok(Message::Text(t))) => {
                        let msg: Value = serde_json::from_str(&t).expect("json");
                        if msg["type"] == "ping" {
                            self.send(json!({"type": "pong"})).await;
                            continue;
                        }
                        return msg;
                    }
                    Some(Ok(Message::Close(frame))) => panic!("the socket closed: {frame:?}"),
                    Some(Ok(_)) => continue,
                    other => panic!("the socket ended: {other:?}"),
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no message within {WAIT:?}"))
    }

    /// The data of the next `next` message, under the subscription's `field`.
    async fn next_data(&mut self, field: &str) -> Value {
        let msg = self.next_message().await;
        assert_eq!(msg["type"], "next", "{msg}");
        assert!(msg["payload"]["errors"].is_null(), "{msg}");
        msg["payload"]["data"][field].clone()
    }
}

/// Gives the server a moment to start the subscriptions just sent: the protocol acknowledges a
/// connection, not a subscription, and an event published before a subscription starts is not
/// replayed to it.
async fn let_subscriptions_start() {
    tokio::time::sleep(Duration::from_millis(500)).await;
}

const TAG_EVENTS: &str = r#"subscription { events(types: ["Tag.*"]) {
  id type entityType entityId changedFields actorKind actorId } }"#;

// ---------------------------------------------------------------------------------------------
// Webhooks

/// Deliveries are signed with the endpoint's (rotatable) secret, go where wanted, and are logged.
#[tokio::test]
async fn webhook_deliveries_are_signed_and_logged() {
    let app = shared();
    let t = app.new_tenant().await;
    drain(app, &t).await;
    let tags = Receiver::start(200);
    let employees = Receiver::start(200);
    let ep = create_endpoint(app, &t, &tags.url(), &["Tag.*"]).await;
    assert_eq!(ep["enabled"], true);
    assert_eq!(ep["eventTypes"], json!(["Tag.*"]));
    let ep_id = ep["id"].as_str().expect("id").to_owned();
    let secret = ep["signingSecret"].as_str().expect("secret").to_owned();
    let other = create_endpoint(app, &t, &employees.url(), &["Employee.*"]).await;
    let other_id = other["id"].as_str().expect("id").to_owned();

    let tag = create_tag(app, &t, "Webhook test").await;
    let got = wait_for("the tag's event at the receiver", async || {
        tags.about(&tag).into_iter().next()
    })
    .await;
    let timestamp = verify(&secret, &got);
    assert!(
        (chrono::Utc::now().timestamp() - timestamp).abs() <= 300,
        "the timestamp {timestamp} is current"
    );
    assert!(
        !signed_by(
            "whsec_not-the-secret",
            timestamp,
            &got.body,
            &signature_parts(&got).1
        ),
        "another secret does not verify"
    );
    let body = got.json();
    assert_eq!(body["type"], "Tag.created", "{body}");
    assert_eq!(body["data"]["entityType"], "Tag");
    assert_eq!(body["data"]["entityId"], tag.as_str());
    assert!(
        body["data"]["changedFields"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f == "name")),
        "{body}"
    );
    assert_eq!(body["actor"]["kind"], "user");
    assert_eq!(body["actor"]["id"], t.admin_user.to_string());
    assert!(body["occurredAt"].is_string(), "{body}");
    assert_eq!(
        got.header("urakata-event-id"),
        body["id"].as_str().expect("id")
    );
    assert_eq!(got.header("urakata-event-type"), "Tag.created");
    assert!(got.header("content-type").starts_with("application/json"));

    let delivery = wait_for("the delivery to be logged as delivered", async || {
        deliveries(app, &t, &ep_id)
            .await
            .into_iter()
            .find(|d| delivers(d, &tag) && d["status"] == "DELIVERED")
    })
    .await;
    assert_eq!(delivery["lastStatusCode"], 200, "{delivery}");
    assert_eq!(delivery["attempts"], 1, "{delivery}");
    assert_eq!(delivery["eventType"], "Tag.created");
    assert_eq!(delivery["eventId"], body["id"]);
    assert_eq!(
        delivery["payload"], body,
        "the log holds the exact body sent"
    );
    assert_eq!(delivery["replayOf"], Value::Null);
    assert_eq!(
        got.header("urakata-delivery-id"),
        delivery["id"].as_str().expect("id")
    );

    // The endpoint for employees got no deliveries of the tag: none logged, none received.
    let logged = deliveries(app, &t, &other_id).await;
    assert!(
        logged.iter().all(|d| d["eventType"]
            .as_str()
            .is_some_and(|s| s.starts_with("Employee."))),
        "{logged:?}"
    );
    assert!(
        employees
            .requests()
            .iter()
            .all(|r| r.header("urakata-event-type").starts_with("Employee.")),
        "the Employee.* endpoint received only employee events"
    );
    assert!(employees.about(&tag).is_empty());

    // After a rotation the new secret signs, and the old one no longer does.
    let version = endpoint(app, &t, &ep_id).await["version"].clone();
    let r = app
        .gql(
            Some(&t.token),
            "mutation($i: ArchiveInput!) { rotateWebhookEndpointSecret(input: $i) {
               webhookEndpoint { signingSecret } errors { code } } }",
            json!({"i": {"id": ep_id, "expectedVersion": version}}),
        )
        .await
        .ok();
    let p = &r.data()["rotateWebhookEndpointSecret"];
    assert_eq!(p["errors"], json!([]), "{p}");
    let rotated = p["webhookEndpoint"]["signingSecret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_ne!(rotated, secret);
    let second = create_tag(app, &t, "Webhook test after rotation").await;
    let got = wait_for("the second tag's event at the receiver", async || {
        tags.about(&second).into_iter().next()
    })
    .await;
    let timestamp = verify(&rotated, &got);
    assert!(!signed_by(
        &secret,
        timestamp,
        &got.body,
        &signature_parts(&got).1
    ));
}

/// A failing delivery is retried, then parked; a replay resends it; pending or unknown ones can't.
#[tokio::test]
async fn failed_deliveries_are_retried_then_parked_and_can_be_replayed() {
    let app = shared();
    let t = app.new_tenant().await;
    drain(app, &t).await;
    let hook = Receiver::start(500);
    let ep = create_endpoint(app, &t, &hook.url(), &["Tag.*"]).await;
    let ep_id = ep["id"].as_str().expect("id").to_owned();

    let tag = create_tag(app, &t, "Retried").await;
    let parked = wait_for("the delivery to be parked", async || {
        deliveries(app, &t, &ep_id)
            .await
            .into_iter()
            .find(|d| delivers(d, &tag) && d["status"] == "PARKED")
    })
    .await;
    assert_eq!(parked["attempts"], 3, "{parked}");
    assert_eq!(parked["lastStatusCode"], 500, "{parked}");
    assert!(parked["lastError"].is_string(), "{parked}");
    let sent = hook.about(&tag);
    assert_eq!(sent.len(), 3, "three attempts, then no more");
    let event_id = parked["eventId"].as_str().expect("event id").to_owned();
    for r in &sent {
        assert_eq!(r.header("urakata-event-id"), event_id);
        assert_eq!(r.answered, 500);
    }
    assert_eq!(endpoint(app, &t, &ep_id).await["consecutiveFailures"], 3);

    // Replayed once the receiver is back: a new delivery of the same event.
    hook.answer(200);
    let parked_id = parked["id"].as_str().expect("id").to_owned();
    let r = app
        .gql(Some(&t.token), REPLAY, json!({"i": {"id": parked_id}}))
        .await
        .ok();
    let p = &r.data()["replayWebhookDelivery"];
    assert_eq!(p["errors"], json!([]), "{p}");
    let replay = &p["webhookDelivery"];
    assert_eq!(replay["replayOf"], parked_id.as_str());
    assert_eq!(replay["eventId"], event_id.as_str());
    let replay_id = replay["id"].as_str().expect("id").to_owned();
    assert_ne!(replay_id, parked_id);
    let delivered = wait_for("the replay to be delivered", async || {
        deliveries(app, &t, &ep_id)
            .await
            .into_iter()
            .find(|d| d["id"] == replay_id.as_str() && d["status"] == "DELIVERED")
    })
    .await;
    assert_eq!(delivered["attempts"], 1, "{delivered}");
    assert_eq!(delivered["lastStatusCode"], 200, "{delivered}");
    let sent = hook.about(&tag);
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[3].header("urakata-event-id"), event_id);
    assert_eq!(sent[3].answered, 200);
    // The original stays parked.
    let original = deliveries(app, &t, &ep_id)
        .await
        .into_iter()
        .find(|d| d["id"] == parked_id.as_str())
        .expect("the original delivery");
    assert_eq!(original["status"], "PARKED");

    // A delivery still being sent cannot be replayed: the receiver holds its answer back, so
    // the delivery stays pending while the receiver has it.
    hook.delay(Duration::from_millis(1500));
    let slow = create_tag(app, &t, "Slow").await;
    wait_for("the slow tag's event at the receiver", async || {
        hook.about(&slow).into_iter().next()
    })
    .await;
    let pending = deliveries(app, &t, &ep_id)
        .await
        .into_iter()
        .find(|d| delivers(d, &slow))
        .expect("the slow delivery");
    assert_eq!(pending["status"], "PENDING", "{pending}");
    let r = app
        .gql(Some(&t.token), REPLAY, json!({"i": {"id": pending["id"]}}))
        .await
        .ok();
    let p = &r.data()["replayWebhookDelivery"];
    assert_eq!(p["webhookDelivery"], Value::Null, "{p}");
    assert_eq!(p["errors"][0]["code"], "NOT_REPLAYABLE", "{p}");
    hook.delay(Duration::ZERO);

    // An unknown delivery, and an id that is not a delivery's, are not found.
    let unknown = api::graphql::core::GlobalId::encode("WebhookDelivery", uuid::Uuid::now_v7()).0;
    for id in [unknown, ep_id.clone()] {
        let r = app
            .gql(Some(&t.token), REPLAY, json!({"i": {"id": id}}))
            .await
            .ok();
        let p = &r.data()["replayWebhookDelivery"];
        assert_eq!(p["webhookDelivery"], Value::Null, "{p}");
        assert_eq!(p["errors"][0]["code"], "NOT_FOUND", "{p}");
    }
}

/// Repeated failures disable an endpoint and notify (live) only its managers; enabling restarts it.
#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_disabled_and_the_admin_told() {
    let app = shared();
    let t = app.new_tenant().await;
    drain(app, &t).await;
    let hook = Receiver::start(500);
    let ep = create_endpoint(app, &t, &hook.url(), &["Tag.*"]).await;
    let ep_id = ep["id"].as_str().expect("id").to_owned();

    let mut live = Socket::open(app.port, &t.token).await;
    live.subscribe(
        "1",
        "subscription { notificationReceived { id kind title subjectId readAt } }",
    )
    .await;
    let_subscriptions_start().await;

    // Three deliveries of three attempts each: the sixth failure in a row disables.
    for name in ["Failing 1", "Failing 2", "Failing 3"] {
        create_tag(app, &t, name).await;
    }
    let told = live.next_data("notificationReceived").await;
    assert_eq!(told["kind"], "webhook_disabled", "{told}");
    assert!(
        told["title"].as_str().is_some_and(|s| !s.is_empty()),
        "{told}"
    );
    assert_eq!(told["subjectId"], ep_id.as_str(), "{told}");
    assert_eq!(told["readAt"], Value::Null);

    let disabled = wait_for("the endpoint to be disabled", async || {
        let e = endpoint(app, &t, &ep_id).await;
        (e["enabled"] == false && !e["disabledAt"].is_null()).then_some(e)
    })
    .await;
    assert!(
        disabled["consecutiveFailures"]
            .as_i64()
            .is_some_and(|n| n >= 6),
        "{disabled}"
    );
    assert!(disabled["disabledReason"].is_string(), "{disabled}");
    assert!(hook.requests().len() >= 6);

    // The notification is in the admin's list and unread until marked read.
    let r = app
        .gql(
            Some(&t.token),
            "{ notifications(first: 100) { nodes { kind title readAt } } }",
            json!({}),
        )
        .await
        .ok();
    let nodes = r.data()["notifications"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert!(
        nodes.iter().any(|n| n["kind"] == "webhook_disabled"),
        "{nodes:?}"
    );
    assert!(unread(app, &t.token).await >= 1);
    let r = app
        .gql(
            Some(&t.token),
            "mutation { markNotificationsRead(input: {}) { markedCount } }",
            json!({}),
        )
        .await
        .ok();
    assert!(
        r.data()["markNotificationsRead"]["markedCount"]
            .as_i64()
            .is_some_and(|n| n >= 1),
        "{}",
        r.body
    );
    assert_eq!(unread(app, &t.token).await, 0);

    // Someone who does not manage webhooks was not told.
    let member = app
        .add_member(&t, &[api::auth::BuiltinRole::Employee])
        .await;
    let r = app
        .gql(
            Some(&member),
            "{ notifications { totalCount nodes { kind } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(r.data()["notifications"]["totalCount"], 0, "{}", r.body);
    assert_eq!(unread(app, &member).await, 0);

    // Enabled again, with a clean failure count.
    hook.answer(200);
    let version = endpoint(app, &t, &ep_id).await["version"].clone();
    let r = app
        .gql(
            Some(&t.token),
            "mutation($i: ArchiveInput!) { enableWebhookEndpoint(input: $i) {
               webhookEndpoint { enabled disabledAt disabledReason consecutiveFailures }
               errors { code } } }",
            json!({"i": {"id": ep_id, "expectedVersion": version}}),
        )
        .await
        .ok();
    let p = &r.data()["enableWebhookEndpoint"];
    assert_eq!(p["errors"], json!([]), "{p}");
    assert_eq!(p["webhookEndpoint"]["enabled"], true, "{p}");
    assert_eq!(p["webhookEndpoint"]["disabledAt"], Value::Null, "{p}");
    assert_eq!(p["webhookEndpoint"]["consecutiveFailures"], 0, "{p}");
}

/// Invalid endpoints are refused with payload errors, and nothing is saved.
#[tokio::test]
async fn endpoint_validation() {
    let app = shared();
    let t = app.new_tenant().await;
    let count = async || {
        let r = app
            .gql(
                Some(&t.token),
                "{ webhookEndpoints { totalCount } }",
                json!({}),
            )
            .await
            .ok();
        r.data()["webhookEndpoints"]["totalCount"]
            .as_i64()
            .expect("a count")
    };
    // The seed data may hold endpoints of its own.
    let before = count().await;
    let cases = [
        (
            json!({"url": "https://hooks.example.com/a", "eventTypes": []}),
            "eventTypes",
            "REQUIRED",
        ),
        (
            json!({"url": "https://hooks.example.com/b", "eventTypes": ["tag.created"]}),
            "eventTypes",
            "INVALID",
        ),
        (
            json!({"url": "ftp://x", "eventTypes": ["Tag.*"]}),
            "url",
            "INVALID",
        ),
    ];
    for (input, field, code) in cases {
        let r = app
            .gql(Some(&t.token), CREATE_ENDPOINT, json!({"i": input}))
            .await
            .ok();
        let p = &r.data()["createWebhookEndpoint"];
        assert_eq!(p["webhookEndpoint"], Value::Null, "{input}: {p}");
        assert_eq!(p["errors"][0]["code"], code, "{input}: {p}");
        assert_eq!(p["errors"][0]["field"][0], field, "{input}: {p}");
    }
    assert_eq!(count().await, before, "nothing was created");

    // A valid one is saved; the same URL again is a duplicate. (Types that no test's change
    // makes, so nothing is ever sent to this host.)
    let types = ["PurchaseRequest.approved"];
    create_endpoint(app, &t, "https://hooks.example.com/ok", &types).await;
    let r = app
        .gql(
            Some(&t.token),
            CREATE_ENDPOINT,
            json!({"i": {"url": "https://hooks.example.com/ok", "eventTypes": types}}),
        )
        .await
        .ok();
    assert_eq!(
        r.data()["createWebhookEndpoint"]["errors"][0]["code"],
        "DUPLICATE",
        "{}",
        r.body
    );
    assert_eq!(count().await, before + 1);
}

/// Events committed while no dispatcher runs are delivered by the next one to start.
#[tokio::test]
async fn events_survive_a_dispatcher_that_died() {
    // A database of their own (a fresh SQLite file, or a fresh PostgreSQL database), so the
    // shared server's dispatcher cannot take these events.
    let mut settings = test_settings();
    let pg = match fresh_postgres_database().await {
        Some((url, name)) => {
            settings.database.url = Some(url.into());
            Some(name)
        }
        None => None,
    };
    settings.events.dispatcher = false;
    let a = spawn_app(settings.clone());
    let t = a.new_tenant().await;
    let hook = Receiver::start(200);
    let ep = create_endpoint(&a, &t, &hook.url(), &["Tag.*"]).await;
    let ep_id = ep["id"].as_str().expect("id").to_owned();
    let secret = ep["signingSecret"].as_str().expect("secret").to_owned();
    let tag = create_tag(&a, &t, "Outlives its dispatcher").await;

    // Well past several poll intervals: nothing goes out without a dispatcher.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        hook.requests().is_empty(),
        "nothing is delivered while no dispatcher runs"
    );

    let mut with_dispatcher = settings;
    with_dispatcher.events.dispatcher = true;
    let b = spawn_app(with_dispatcher);
    let got = wait_for("the pending event to be delivered", async || {
        hook.about(&tag).into_iter().next()
    })
    .await;
    verify(&secret, &got);
    assert_eq!(got.json()["type"], "Tag.created");
    wait_for("the delivery to be logged as delivered", async || {
        deliveries(&b, &t, &ep_id)
            .await
            .into_iter()
            .find(|d| delivers(d, &tag) && d["status"] == "DELIVERED")
    })
    .await;

    // Retention: published events and finished deliveries go (this database is the test's own,
    // so expiring everything up to now touches no other test).
    let db = b.db().await;
    let gone = api::events::expire(&db, 0).await.expect("expire");
    assert!(gone >= 2, "the event and its delivery: {gone}");
    assert!(deliveries(&b, &t, &ep_id).await.is_empty());
    db.close().await.ok();

    if let Some(name) = pg {
        drop_postgres_database(&name).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

/// `events` streams only the own tenant's events, of the types asked for and allowed to read.
#[tokio::test]
async fn events_subscription_sees_own_tenant_only_and_filters_by_type() {
    let app = shared();
    let a = app.new_tenant().await;
    let b = app.new_tenant().await;
    // An employee reads tags (VIEW_ORGANISATION) but not parties (VIEW_PARTIES).
    let member = app
        .add_member(&a, &[api::auth::BuiltinRole::Employee])
        .await;
    drain(app, &a).await;
    drain(app, &b).await;

    let mut tags_a = Socket::open(app.port, &a.token).await;
    tags_a.subscribe("1", TAG_EVENTS).await;
    let mut parties_a = Socket::open(app.port, &a.token).await;
    parties_a
        .subscribe(
            "1",
            r#"subscription { events(types: ["Party.*"]) { type entityId } }"#,
        )
        .await;
    let mut employee_a = Socket::open(app.port, &member).await;
    employee_a
        .subscribe(
            "1",
            r#"subscription { events(types: ["Party.*", "Tag.*"]) { type entityId } }"#,
        )
        .await;
    let mut tags_b = Socket::open(app.port, &b.token).await;
    tags_b.subscribe("1", TAG_EVENTS).await;
    let_subscriptions_start().await;

    // Tenant B's tag is published (B's subscriber sees it) before anything happens in A, so
    // had it leaked to A it would come first there.
    let tag_b = create_tag(app, &b, "Tenant B").await;
    let seen = tags_b.next_data("events").await;
    assert_eq!(seen["entityId"], tag_b.as_str(), "{seen}");

    // In A a party, then a tag: the tag subscriber skips the party (type), the employee skips
    // it too (permission), while the party subscriber shows it was published.
    let party_a = create_party(app, &a, "EV-1").await;
    let tag_a = create_tag(app, &a, "Tenant A").await;

    let first = tags_a.next_data("events").await;
    assert_eq!(first["type"], "Tag.created", "{first}");
    assert_eq!(first["entityType"], "Tag", "{first}");
    assert_eq!(first["entityId"], tag_a.as_str(), "{first}");
    assert_eq!(first["actorKind"], "user", "{first}");
    assert_eq!(first["actorId"], a.admin_user.to_string(), "{first}");
    assert!(
        first["changedFields"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f == "name")),
        "{first}"
    );

    let party = parties_a.next_data("events").await;
    assert_eq!(party["type"], "Party.created", "{party}");
    assert_eq!(party["entityId"], party_a.as_str(), "{party}");

    let employee_first = employee_a.next_data("events").await;
    assert_eq!(
        employee_first["entityId"],
        tag_a.as_str(),
        "the employee does not see the party: {employee_first}"
    );
}

/// With Redis, an event dispatched by one server reaches a subscriber connected to another.
#[tokio::test]
async fn subscription_across_two_instances() {
    let Backend::Postgres { redis: Some(_), .. } = backend() else {
        return;
    };
    let app = shared();
    // The second server has no dispatcher: whatever it streams came from another process.
    let mut settings = test_settings();
    settings.events.dispatcher = false;
    let second = spawn_app(settings);
    let t = app.new_tenant().await;
    drain(app, &t).await;

    let mut socket = Socket::open(second.port, &t.token).await;
    socket.subscribe("1", TAG_EVENTS).await;
    let_subscriptions_start().await;
    let tag = create_tag(app, &t, "Across instances").await;
    let seen = socket.next_data("events").await;
    assert_eq!(seen["type"], "Tag.created", "{seen}");
    assert_eq!(seen["entityId"], tag.as_str(), "{seen}");
}

/// A live subscription ends, with `UNAUTHENTICATED`, soon after its member is suspended.
#[tokio::test]
async fn a_subscription_ends_when_its_credential_is_revoked() {
    let app = shared();
    let t = app.new_tenant().await;
    let member = app
        .add_member(&t, &[api::auth::BuiltinRole::Employee])
        .await;
    let mut socket = Socket::open(app.port, &member).await;
    socket
        .subscribe("1", "subscription { heartbeat(intervalSeconds: 60) }")
        .await;
    let_subscriptions_start().await;
    crate::shared_cache::suspend_added_member(app, &t).await;
    let msg = socket.next_message().await;
    // The heartbeat's first beat may come first.
    let msg = if msg["type"] == "next" && msg["payload"]["errors"].is_null() {
        socket.next_message().await
    } else {
        msg
    };
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(
        msg["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{msg}"
    );
}

/// In allow-list mode an API key's subscription must be a registered operation too.
#[tokio::test]
async fn allow_listed_keys_subscribe_only_to_registered_operations() {
    let app = shared();
    let t = app.new_tenant().await;
    let (key, _) = app.api_key(&t, &["VIEW_ORGANISATION"]).await;
    app.gql(
        Some(&t.token),
        "mutation { updateTenantSettings(input: {apiKeyOperations: ALLOW_LIST}) { errors { code } } }",
        json!({}),
    )
    .await
    .ok();
    let beat = "subscription Beat { heartbeat(intervalSeconds: 1) }";
    let mut socket = Socket::open(app.port, &key).await;
    socket.subscribe("1", beat).await;
    let refused = socket.next_message().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "OPERATION_NOT_ALLOWED",
        "{refused}"
    );
    // The refused subscription is complete; the connection stays open for others.
    let done = socket.next_message().await;
    assert_eq!(done["type"], "complete", "{done}");
    app.gql(
        Some(&t.token),
        "mutation($i: CreatePersistedOperationInput!) { createPersistedOperation(input: $i) { errors { code } } }",
        json!({"i": {"name": "Beat", "query": beat}}),
    )
    .await
    .ok();
    socket.subscribe("2", beat).await;
    let beat = socket.next_data("heartbeat").await;
    assert!(beat.is_string(), "{beat}");
}
