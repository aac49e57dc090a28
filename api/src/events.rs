//! Domain events leave the outbox here.
//!
//! Every committed change wrote its event to `outbox_events` in its own transaction (the seam
//! does that). The dispatcher, running in every API process that has `events.dispatcher` on,
//! takes a tenant's pending events with `FOR UPDATE SKIP LOCKED` (so several processes share the
//! work without taking the same event twice) and, in one transaction bound to that tenant:
//! creates a webhook delivery for every endpoint that wants the event, publishes the events on
//! the [`EventBus`] (GraphQL subscriptions in every process), drops the cached copies of the
//! changed records, and marks the events published. The mark commits last, so a process that
//! dies anywhere before it leaves the events pending and another pass publishes them again:
//! delivery is at least once, never at most once.
//!
//! The webhook worker sends due deliveries (see `services::webhooks` for signing, retries,
//! parking and switching off failing endpoints).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use entity::kernel::{outbox_event, webhook_delivery, webhook_endpoint};
use entity::{Actor, TenantId, TenantTx};
use futures_util::StreamExt;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::config::Settings;
use crate::state::AppState;

/// The Redis pub/sub channel every API process listens on.
pub const CHANNEL: &str = "urakata:events";

/// Types whose events stay inside: personal notifications (delivered to their recipient only)
/// and the webhook machinery itself (an endpoint's failure count must not feed its own queue).
const INTERNAL_TYPES: &[&str] = &["Notification", "WebhookEndpoint", "WebhookDelivery"];

/// A published domain event as subscribers see it: what happened to which record, by whom, and
/// which fields changed (names only; values are read through the API with its permissions).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct BusEvent {
    /// The tenant the change belongs to; subscribers only ever see their own tenant's.
    pub tenant_id: Uuid,
    /// The event id (UUIDv7).
    pub id: Uuid,
    /// `<Type>.<verb>`, e.g. `PurchaseRequest.approved`.
    pub event_type: String,
    /// The record's type name.
    pub entity_type: String,
    /// The record's id.
    pub entity_id: Option<Uuid>,
    /// When the change committed.
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// `user`, `app` or `system`.
    pub actor_kind: String,
    /// The user or app.
    pub actor_id: Option<Uuid>,
    /// The changed fields, in the schema's camelCase.
    pub changed_fields: Vec<String>,
    /// For a personal record (a notification), the one user who may see it.
    pub recipient: Option<Uuid>,
}

impl BusEvent {
    /// The event of an outbox row.
    pub fn of(row: &outbox_event::Model) -> Self {
        let payload = row.payload.as_object();
        let changed_fields = payload
            .map(|o| o.keys().map(|k| camel(k)).collect())
            .unwrap_or_default();
        let recipient = payload
            .and_then(|o| o.get("recipient_user_id"))
            .and_then(|c| c.get("after"))
            .and_then(|v| v.as_str())
            .and_then(|v| Uuid::parse_str(v).ok());
        Self {
            tenant_id: row.tenant_id,
            id: row.id,
            event_type: row.event_type.clone(),
            entity_type: row.entity_type.clone(),
            entity_id: row.entity_id,
            occurred_at: row.occurred_at,
            actor_kind: row.actor_kind.clone(),
            actor_id: row.actor_id,
            changed_fields,
            recipient,
        }
    }

    /// Whether webhooks may carry it.
    pub fn is_external(&self) -> bool {
        !INTERNAL_TYPES.contains(&self.entity_type.as_str())
    }
}

/// `snake_case` to `camelCase`.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Where published events reach the subscriptions of every API process: Redis pub/sub when
/// Redis is configured, an in-process channel on the embedded default.
pub struct EventBus {
    local: broadcast::Sender<Arc<BusEvent>>,
    redis: Option<(redis::aio::ConnectionManager, Duration)>,
}

impl EventBus {
    /// An in-process bus (the embedded default, and tests without Redis).
    pub fn in_process() -> Self {
        let (local, _) = broadcast::channel(4096);
        Self { local, redis: None }
    }

    /// Connects the configured bus. With Redis, the listener is subscribed before this returns,
    /// so a server that is up receives every event published from then on.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Self> {
        let Some(url) = settings.redis_url() else {
            return Ok(Self::in_process());
        };
        let bus = Self::in_process();
        let client = redis::Client::open(url).context("parsing redis.url")?;
        let timeout = Duration::from_millis(settings.redis.timeout_ms);
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout.max(Duration::from_secs(2))))
            .set_response_timeout(Some(timeout));
        let conn = tokio::time::timeout(
            timeout.max(Duration::from_secs(5)),
            redis::aio::ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        .context("connecting to Redis timed out")?
        .context("connecting to Redis")?;
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(listen(client, bus.local.clone(), ready_tx));
        // A server that starts while Redis is away still starts; it listens once Redis is back.
        let _ = tokio::time::timeout(Duration::from_secs(5), ready_rx).await;
        Ok(Self {
            local: bus.local,
            redis: Some((conn, timeout)),
        })
    }

    /// Publishes events to every process. When Redis does not answer, the events still reach
    /// this process's subscribers, and the failure is logged.
    pub async fn publish(&self, events: &[BusEvent]) {
        for event in events {
            match &self.redis {
                None => {
                    let _ = self.local.send(Arc::new(event.clone()));
                }
                Some((conn, timeout)) => {
                    let Ok(body) = serde_json::to_vec(event) else {
                        continue;
                    };
                    let mut conn = conn.clone();
                    let sent = tokio::time::timeout(*timeout, async move {
                        redis::cmd("PUBLISH")
                            .arg(CHANNEL)
                            .arg(body)
                            .query_async::<i64>(&mut conn)
                            .await
                    })
                    .await;
                    if !matches!(sent, Ok(Ok(_))) {
                        tracing::warn!("publishing an event on Redis failed; delivering locally");
                        let _ = self.local.send(Arc::new(event.clone()));
                    }
                }
            }
        }
    }

    /// A receiver of every event published from now on (all tenants: filter by tenant!).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BusEvent>> {
        self.local.subscribe()
    }
}

/// Forwards the Redis channel into the local one, reconnecting whenever the connection drops.
async fn listen(
    client: redis::Client,
    local: broadcast::Sender<Arc<BusEvent>>,
    ready: tokio::sync::oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    loop {
        let pubsub = tokio::time::timeout(Duration::from_secs(5), client.get_async_pubsub()).await;
        if let Ok(Ok(mut pubsub)) = pubsub
            && pubsub.subscribe(CHANNEL).await.is_ok()
        {
            if let Some(ready) = ready.take() {
                let _ = ready.send(());
            }
            let mut messages = pubsub.on_message();
            while let Some(msg) = messages.next().await {
                let Ok(body) = msg.get_payload::<Vec<u8>>() else {
                    continue;
                };
                if let Ok(event) = serde_json::from_slice::<BusEvent>(&body) {
                    let _ = local.send(Arc::new(event));
                }
            }
            tracing::warn!("the Redis event subscription ended; reconnecting");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Starts the dispatcher, the webhook worker and the approval reminders on the current runtime
/// (when enabled).
pub fn start(state: &AppState) {
    if !state.settings.events.dispatcher {
        return;
    }
    let interval = Duration::from_millis(state.settings.events.poll_interval_ms.max(10));
    let s = state.clone();
    repeat("event dispatch", interval, true, move || {
        let s = s.clone();
        async move { dispatch_pending(&s).await }
    });
    let s = state.clone();
    repeat("webhook delivery", interval, true, move || {
        let s = s.clone();
        async move { crate::services::webhooks::deliver_due(&s).await }
    });
    let s = state.clone();
    if state.settings.events.retention_days > 0 {
        repeat(
            "event retention",
            Duration::from_secs(3600),
            false,
            move || {
                let s = s.clone();
                async move { expire(&s.db, s.settings.events.retention_days).await }
            },
        );
    }
    let s = state.clone();
    let every = Duration::from_secs(state.settings.events.reminder_interval_seconds.max(1));
    repeat("approval reminders", every, false, move || {
        let s = s.clone();
        async move { crate::services::approvals::send_reminders(&s.db).await }
    });
}

/// Runs `pass` forever: again at once while it reports work done (`drain`), otherwise after
/// `interval`. Failures (the database away, say) back off up to 30 seconds and are logged on
/// the first and then every hundredth, so an outage neither hammers the database nor floods the
/// log.
fn repeat<F, Fut>(what: &'static str, interval: Duration, drain: bool, mut pass: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<usize>> + Send,
{
    tokio::spawn(async move {
        let mut failures: u32 = 0;
        loop {
            match pass().await {
                Ok(n) => {
                    failures = 0;
                    if drain && n > 0 {
                        continue;
                    }
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    if failures == 1 || failures.is_multiple_of(100) {
                        tracing::warn!(error = %format!("{e:#}"), failures, "{what} failed");
                    }
                }
            }
            let wait = if failures == 0 {
                interval
            } else {
                interval
                    .saturating_mul(1 << failures.min(8))
                    .min(Duration::from_secs(30))
            };
            tokio::time::sleep(wait).await;
        }
    });
}

/// Deletes published events and finished (delivered or parked) webhook deliveries older than
/// `days`, tenant by tenant; the audit trail keeps every change regardless. Returns how many rows
/// went.
pub async fn expire(db: &sea_orm::DatabaseConnection, days: u32) -> anyhow::Result<usize> {
    let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    let tenants = entity::platform::dispatch::tenants_with_expired_events(db, cutoff, 100).await?;
    let mut gone = 0;
    for tenant in tenants {
        let tx = TenantTx::begin(db, TenantId(tenant))
            .await?
            .acting_as(Actor::system("expire events"));
        gone += tx
            .delete_where::<outbox_event::Entity>(
                sea_orm::Condition::all().add(outbox_event::Column::PublishedAt.lt(cutoff)),
            )
            .await?;
        gone += tx
            .delete_where::<webhook_delivery::Entity>(
                sea_orm::Condition::all()
                    .add(webhook_delivery::Column::Status.ne("pending"))
                    .add(webhook_delivery::Column::CreatedAt.lt(cutoff)),
            )
            .await?;
        tx.commit().await?;
    }
    Ok(usize::try_from(gone).unwrap_or(usize::MAX))
}

/// One pass over every tenant with pending events; returns how many were published.
pub async fn dispatch_pending(state: &AppState) -> anyhow::Result<usize> {
    let tenants = entity::platform::dispatch::tenants_with_pending_events(&state.db, 50).await?;
    let mut published = 0;
    let mut failed = None;
    for tenant in tenants {
        // One tenant's failure must not hold the others' events back.
        match dispatch_tenant(state, TenantId(tenant)).await {
            Ok(n) => published += n,
            Err(e) => failed = Some(e),
        }
    }
    match failed {
        Some(e) if published == 0 => Err(e),
        Some(e) => {
            tracing::warn!(error = %format!("{e:#}"), "dispatching a tenant's events failed");
            Ok(published)
        }
        None => Ok(published),
    }
}

/// Publishes one batch of a tenant's pending events (see the module documentation).
async fn dispatch_tenant(state: &AppState, tenant: TenantId) -> anyhow::Result<usize> {
    let tx = TenantTx::begin(&state.db, tenant)
        .await?
        .acting_as(Actor::system("dispatch events"));
    let batch = state.settings.events.batch_size.max(1);
    let events = tx
        .all(
            tx.select::<outbox_event::Entity>()
                .refine(|q| {
                    q.filter(outbox_event::Column::PublishedAt.is_null())
                        .order_by_asc(outbox_event::Column::Id)
                        .limit(batch)
                })
                .skip_locked(),
        )
        .await?;
    if events.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    let endpoints = tx
        .all(tx.select::<webhook_endpoint::Entity>().refine(|q| {
            q.filter(webhook_endpoint::Column::ArchivedAt.is_null())
                .filter(webhook_endpoint::Column::DisabledAt.is_null())
        }))
        .await?;
    let now = chrono::Utc::now();
    let mut bus_events = Vec::with_capacity(events.len());
    for row in &events {
        let event = BusEvent::of(row);
        if event.is_external() {
            for endpoint in endpoints
                .iter()
                .filter(|e| crate::services::webhooks::wants(e, &event.event_type))
            {
                let mut delivery = webhook_delivery::ActiveModel {
                    endpoint_id: Set(endpoint.id),
                    event_id: Set(row.id),
                    event_type: Set(row.event_type.clone()),
                    payload: Set(crate::services::webhooks::body(&event)),
                    status: Set("pending".into()),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    last_attempt_at: Set(None),
                    last_status_code: Set(None),
                    last_error: Set(None),
                    delivered_at: Set(None),
                    replay_of: Set(None),
                    archived_at: Set(None),
                    ..Default::default()
                };
                crate::graphql::resource::stamp_new::<webhook_delivery::Entity>(
                    &mut delivery,
                    None,
                )
                .map_err(crate::error::AppError::into_anyhow)?;
                tx.insert::<webhook_delivery::Entity, _>(delivery).await?;
            }
        }
        let mut am = row.clone().into_active_model();
        am.published_at = Set(Some(now));
        am.attempts = Set(row.attempts + 1);
        tx.update::<outbox_event::Entity, _>(am).await?;
        bus_events.push(event);
    }
    // Published before the mark commits: if the commit fails the events go out again (at least
    // once); if they went out after it, a crash in between would lose them.
    state.bus.publish(&bus_events).await;
    // The event path of cache invalidation: the writer moved these generations when it
    // committed; moving them again here repairs a move lost to a crash or a Redis outage.
    let stale: std::collections::BTreeSet<String> =
        bus_events.iter().map(|e| e.entity_type.clone()).collect();
    state
        .cache
        .invalidate(tenant, &stale.into_iter().collect::<Vec<_>>())
        .await;
    tx.commit().await?;
    state
        .metrics
        .events_published
        .inc_by(bus_events.len() as u64);
    Ok(bus_events.len())
}
