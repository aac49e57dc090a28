//! Webhooks: what makes an endpoint valid, how a delivery is signed and sent, and what happens
//! when it fails.
//!
//! - A delivery is the exact JSON body of one event for one endpoint. It is signed with
//!   HMAC-SHA256 over `"{timestamp}.{body}"` using the endpoint's secret and sent with
//!   `Urakata-Signature: t={timestamp},v1={hex}`; receivers recompute it and refuse stale
//!   timestamps (replays).
//! - A failed attempt is retried after `backoff_base_ms`, then twice as long each time (capped
//!   at `backoff_max_seconds`); after `max_attempts` the delivery is parked. Parked and
//!   delivered deliveries can be replayed.
//! - After `disable_after_failures` failed attempts in a row the endpoint is disabled and the
//!   members who manage webhooks (and whoever registered it) are notified.
//! - A delivery is claimed by leasing it (its next attempt moves past the request timeout)
//!   before it is sent, so two workers never send it at once, and a worker that dies mid-send
//!   only delays it until the lease runs out.

use std::time::Duration;

use chrono::Utc;
use entity::kernel::{webhook_delivery, webhook_endpoint};
use entity::{Actor, TenantId, TenantTx};
use hmac::{Hmac, Mac};
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use crate::auth::Permission;
use crate::config::WebhookSettings;
use crate::error::{AppResult, InputError};
use crate::events::BusEvent;
use crate::graphql::core::GlobalId;
use crate::graphql::resource::{Editable, Problems, Resource, stamp_new};
use crate::graphql::webhooks::{
    CreateWebhookEndpointInput, WebhookDelivery, WebhookDeliveryFilter, WebhookDeliveryOrder,
    WebhookEndpoint, WebhookEndpointFilter, WebhookEndpointOrder, WebhookEndpointPatch,
};
use crate::services::notifications::{Notice, notify};
use crate::state::AppState;

crate::error_codes! {
    /// What can be wrong with a webhook input.
    WebhookErrorCode {
        /// The endpoint is disabled; enable it first.
        EndpointDisabled,
        /// Only delivered or parked deliveries can be replayed.
        NotReplayable,
    }
}

type P = Problems<WebhookErrorCode>;

/// The most event-type patterns one endpoint may name.
const MAX_PATTERNS: usize = 50;

/// A new signing secret: 32 random bytes.
pub fn new_secret() -> String {
    format!("whsec_{}", hex::encode(rand::random::<[u8; 32]>()))
}

/// The signature of a body sent at `timestamp` (Unix seconds): hex HMAC-SHA256 of
/// `"{timestamp}.{body}"` under the endpoint's secret.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Whether an endpoint's patterns select an event type: `*`, `Type.*` or `Type.verb`.
pub fn wants(endpoint: &webhook_endpoint::Model, event_type: &str) -> bool {
    matches(&patterns(endpoint), event_type)
}

/// Whether any of `patterns` (`*`, `Type.*` or `Type.verb`) selects `event_type`.
pub fn matches(patterns: &[String], event_type: &str) -> bool {
    patterns.iter().any(|p| {
        p == "*"
            || p == event_type
            || p.strip_suffix(".*").is_some_and(|ty| {
                event_type
                    .strip_prefix(ty)
                    .is_some_and(|rest| rest.starts_with('.'))
            })
    })
}

fn patterns(endpoint: &webhook_endpoint::Model) -> Vec<String> {
    serde_json::from_value(endpoint.event_types.clone()).unwrap_or_default()
}

/// The JSON body of an event's delivery.
pub fn body(event: &BusEvent) -> serde_json::Value {
    serde_json::json!({
        "id": event.id,
        "type": event.event_type,
        "occurredAt": event.occurred_at,
        "data": {
            "entityType": event.entity_type,
            "entityId": event.entity_id.map(|id| GlobalId::encode(&event.entity_type, id).0),
            "changedFields": event.changed_fields,
        },
        "actor": { "kind": event.actor_kind, "id": event.actor_id },
    })
}

/// Whether an event-type pattern is well formed.
pub fn valid_pattern(p: &str) -> bool {
    if p == "*" {
        return true;
    }
    let Some((ty, verb)) = p.split_once('.') else {
        return false;
    };
    let type_ok = ty.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && ty.chars().all(|c| c.is_ascii_alphanumeric());
    let verb_ok = verb == "*" || (!verb.is_empty() && verb.chars().all(|c| c.is_ascii_lowercase()));
    type_ok && verb_ok && p.len() <= 120
}

fn event_types(p: &mut P, path: &str, given: &[String]) -> serde_json::Value {
    let mut list: Vec<String> = Vec::new();
    if given.is_empty() {
        p.row(
            path,
            WebhookErrorCode::Required,
            "name at least one event type",
        );
    }
    if given.len() > MAX_PATTERNS {
        p.row(
            path,
            WebhookErrorCode::Invalid,
            format!("at most {MAX_PATTERNS} event types"),
        );
    }
    for (i, t) in given.iter().enumerate() {
        let t = t.trim();
        if !valid_pattern(t) {
            p.row(
                &format!("{path}.{i}"),
                WebhookErrorCode::Invalid,
                "an event type is `*`, `Type.*` or `Type.verb`, e.g. `PurchaseRequest.approved`",
            );
        } else if !list.iter().any(|x| x == t) {
            list.push(t.to_owned());
        }
    }
    serde_json::json!(list)
}

fn url(p: &mut P, path: &str, given: &str, allow_private: bool) -> String {
    let given = p.required_text(path, given, 2000);
    if given.is_empty() {
        return given;
    }
    match reqwest::Url::parse(&given) {
        Ok(u)
            if (u.scheme() == "https" || (allow_private && u.scheme() == "http"))
                && u.host_str().is_some()
                && u.username().is_empty()
                && u.password().is_none() =>
        {
            u.to_string()
        }
        Ok(_) => {
            p.row(
                path,
                WebhookErrorCode::Invalid,
                "must be an https URL with a host and without credentials",
            );
            given
        }
        Err(_) => {
            p.row(path, WebhookErrorCode::Invalid, "not a URL");
            given
        }
    }
}

/// Whether this server lets endpoints use http and private addresses (a process-wide setting the
/// validation needs; set once at startup).
static ALLOW_PRIVATE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Applies the operator's network policy to endpoint validation.
pub fn configure(settings: &WebhookSettings) {
    ALLOW_PRIVATE.store(
        settings.allow_private_networks,
        std::sync::atomic::Ordering::Relaxed,
    );
}

fn allow_private() -> bool {
    ALLOW_PRIVATE.load(std::sync::atomic::Ordering::Relaxed)
}

impl Resource for webhook_endpoint::Entity {
    type Node = WebhookEndpoint;
    type Filter = WebhookEndpointFilter;
    type Order = WebhookEndpointOrder;
    const VIEW: Permission = Permission::ManageWebhooks;
}

impl Editable for webhook_endpoint::Entity {
    type Create = CreateWebhookEndpointInput;
    type Patch = WebhookEndpointPatch;
    type Code = WebhookErrorCode;
    const MANAGE: Permission = Permission::ManageWebhooks;

    async fn create(
        tx: &TenantTx,
        input: &CreateWebhookEndpointInput,
        p: &mut P,
    ) -> AppResult<webhook_endpoint::ActiveModel> {
        let url = url(p, "url", &input.url, allow_private());
        p.unique::<webhook_endpoint::Entity>(tx, "url", webhook_endpoint::Column::Url, &url, None)
            .await?;
        Ok(webhook_endpoint::ActiveModel {
            url: Set(url),
            description: Set(p.optional_text("description", input.description.as_deref(), 500)),
            event_types: Set(event_types(p, "eventTypes", &input.event_types)),
            secret: Set(new_secret()),
            disabled_at: Set(None),
            disabled_reason: Set(None),
            consecutive_failures: Set(0),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &webhook_endpoint::Model,
        patch: &WebhookEndpointPatch,
        p: &mut P,
    ) -> AppResult<webhook_endpoint::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(u) = &patch.url {
            let u = url(p, "patch.url", u, allow_private());
            p.unique::<webhook_endpoint::Entity>(
                tx,
                "patch.url",
                webhook_endpoint::Column::Url,
                &u,
                Some(row.id),
            )
            .await?;
            am.url = Set(u);
        }
        if let Some(d) = crate::services::org::optional_patch(&patch.description) {
            am.description = Set(p.optional_text("patch.description", d, 500));
        }
        if let Some(types) = &patch.event_types {
            am.event_types = Set(event_types(p, "patch.eventTypes", types));
        }
        Ok(am)
    }
}

impl Resource for webhook_delivery::Entity {
    type Node = WebhookDelivery;
    type Filter = WebhookDeliveryFilter;
    type Order = WebhookDeliveryOrder;
    const VIEW: Permission = Permission::ManageWebhooks;
}

/// Loads an endpoint for a change at the expected version.
async fn endpoint_at(
    tx: &TenantTx,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Result<webhook_endpoint::Model, Vec<InputError<WebhookErrorCode>>>> {
    let Some(row) = tx.get_for_update::<webhook_endpoint::Entity>(id).await? else {
        return Ok(Err(vec![InputError::new(
            "id",
            WebhookErrorCode::NotFound,
            "no such webhook endpoint",
        )]));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.archived_at.is_some() {
        return Ok(Err(vec![InputError::new(
            "id",
            WebhookErrorCode::Archived,
            "the endpoint is archived",
        )]));
    }
    Ok(Ok(row))
}

/// Switches a disabled endpoint back on, with a clean failure count.
pub async fn enable(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Result<webhook_endpoint::Model, Vec<InputError<WebhookErrorCode>>>> {
    let row = match endpoint_at(tx, id, expected_version).await? {
        Ok(row) => row,
        Err(e) => return Ok(Err(e)),
    };
    let mut am = row.clone().into_active_model();
    am.disabled_at = Set(None);
    am.disabled_reason = Set(None);
    am.consecutive_failures = Set(0);
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        row.version,
        actor,
    );
    Ok(Ok(tx.update::<webhook_endpoint::Entity, _>(am).await?))
}

/// Replaces an endpoint's signing secret; the old one stops working at once.
pub async fn rotate_secret(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Result<webhook_endpoint::Model, Vec<InputError<WebhookErrorCode>>>> {
    let row = match endpoint_at(tx, id, expected_version).await? {
        Ok(row) => row,
        Err(e) => return Ok(Err(e)),
    };
    let mut am = row.clone().into_active_model();
    am.secret = Set(new_secret());
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        row.version,
        actor,
    );
    Ok(Ok(tx.update::<webhook_endpoint::Entity, _>(am).await?))
}

/// Queues a delivered or parked delivery again, as a new delivery that names the one it replays.
pub async fn replay(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
) -> AppResult<Result<webhook_delivery::Model, Vec<InputError<WebhookErrorCode>>>> {
    let fail = |code, msg: &str| Ok(Err(vec![InputError::new("id", code, msg)]));
    let Some(original) = tx.get::<webhook_delivery::Entity>(id).await? else {
        return fail(WebhookErrorCode::NotFound, "no such delivery");
    };
    if original.status == "pending" {
        return fail(
            WebhookErrorCode::NotReplayable,
            "the delivery is still pending; only delivered or parked ones can be replayed",
        );
    }
    match tx
        .get::<webhook_endpoint::Entity>(original.endpoint_id)
        .await?
    {
        Some(e) if e.archived_at.is_some() => {
            return fail(WebhookErrorCode::Archived, "the endpoint is archived");
        }
        Some(e) if e.disabled_at.is_some() => {
            return fail(
                WebhookErrorCode::EndpointDisabled,
                "the endpoint is disabled; enable it first",
            );
        }
        Some(_) => {}
        None => return fail(WebhookErrorCode::NotFound, "no such endpoint"),
    }
    let mut am = webhook_delivery::ActiveModel {
        endpoint_id: Set(original.endpoint_id),
        event_id: Set(original.event_id),
        event_type: Set(original.event_type.clone()),
        payload: Set(original.payload.clone()),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(Utc::now()),
        last_attempt_at: Set(None),
        last_status_code: Set(None),
        last_error: Set(None),
        delivered_at: Set(None),
        replay_of: Set(Some(original.id)),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<webhook_delivery::Entity>(&mut am, Some(actor))?;
    Ok(Ok(tx.insert::<webhook_delivery::Entity, _>(am).await?))
}

/// How long to wait after the `attempts`-th failed attempt: the base doubled each time, capped,
/// plus up to a tenth more (from the delivery id) so retries of a burst spread out.
pub fn backoff(settings: &WebhookSettings, attempts: i32, delivery: Uuid) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    let base = settings.backoff_base_ms.saturating_mul(1u64 << exp);
    let capped = base.min(settings.backoff_max_seconds.saturating_mul(1000));
    let jitter = capped / 10 * u64::from(delivery.as_bytes()[15]) / 255;
    Duration::from_millis(capped + jitter)
}

/// Sends the due deliveries of every tenant, a few at a time; returns how many were tried.
pub async fn deliver_due(state: &AppState) -> anyhow::Result<usize> {
    let settings = &state.settings.webhooks;
    let concurrency = settings.concurrency.max(1);
    let due =
        entity::platform::dispatch::due_deliveries(&state.db, Utc::now(), (concurrency * 4) as u64)
            .await?;
    let count = due.len();
    use futures_util::StreamExt;
    futures_util::stream::iter(due)
        .for_each_concurrent(concurrency, |(tenant, id)| async move {
            if let Err(e) = attempt(state, TenantId(tenant), id).await {
                tracing::warn!(error = %format!("{e:#}"), "a webhook attempt failed to record");
            }
        })
        .await;
    Ok(count)
}

/// What one attempt came to.
enum Sent {
    Delivered(u16),
    Failed(Option<u16>, String),
}

/// Claims, sends and records one delivery.
async fn attempt(state: &AppState, tenant: TenantId, id: Uuid) -> anyhow::Result<()> {
    let settings = &state.settings.webhooks;
    let actor = Actor::system("deliver webhook");
    let now = Utc::now();
    let tx = TenantTx::begin(&state.db, tenant)
        .await?
        .acting_as(actor.clone());
    let claimed = tx
        .one(
            tx.select::<webhook_delivery::Entity>()
                .refine(|q| {
                    q.filter(webhook_delivery::Column::Id.eq(id))
                        .filter(webhook_delivery::Column::Status.eq("pending"))
                        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
                })
                .skip_locked(),
        )
        .await?;
    let Some(delivery) = claimed else {
        tx.rollback().await?;
        return Ok(());
    };
    let endpoint = tx
        .get::<webhook_endpoint::Entity>(delivery.endpoint_id)
        .await?
        .filter(|e| e.archived_at.is_none() && e.disabled_at.is_none());
    let mut am = delivery.clone().into_active_model();
    let Some(endpoint) = endpoint else {
        am.status = Set("parked".into());
        am.last_error = Set(Some("the endpoint is disabled or archived".into()));
        tx.update::<webhook_delivery::Entity, _>(am).await?;
        tx.commit().await?;
        state
            .metrics
            .webhook_attempts
            .with_label_values(&["parked"])
            .inc();
        return Ok(());
    };
    // The lease: nobody else takes it until this attempt has surely ended.
    let lease = chrono::Duration::seconds(settings.timeout_seconds as i64 + 30);
    let attempts = delivery.attempts + 1;
    am.attempts = Set(attempts);
    am.next_attempt_at = Set(now + lease);
    am.last_attempt_at = Set(Some(now));
    tx.update::<webhook_delivery::Entity, _>(am).await?;
    tx.commit().await?;

    let sent = send(settings, &endpoint, &delivery).await;

    let tx = TenantTx::begin(&state.db, tenant).await?.acting_as(actor);
    let Some(current) = tx.get_for_update::<webhook_delivery::Entity>(id).await? else {
        tx.rollback().await?;
        return Ok(());
    };
    if current.status != "pending" || current.attempts != attempts {
        // The lease ran out and another worker took over; its record wins.
        tx.rollback().await?;
        return Ok(());
    }
    let Some(endpoint) = tx
        .get_for_update::<webhook_endpoint::Entity>(endpoint.id)
        .await?
    else {
        tx.rollback().await?;
        return Ok(());
    };
    let finished = Utc::now();
    let mut am = current.clone().into_active_model();
    let mut ep = endpoint.clone().into_active_model();
    match sent {
        Sent::Delivered(code) => {
            am.status = Set("delivered".into());
            am.delivered_at = Set(Some(finished));
            am.last_status_code = Set(Some(i32::from(code)));
            am.last_error = Set(None);
            tx.update::<webhook_delivery::Entity, _>(am).await?;
            if endpoint.consecutive_failures != 0 {
                ep.consecutive_failures = Set(0);
                tx.update::<webhook_endpoint::Entity, _>(ep).await?;
            }
            state
                .metrics
                .webhook_attempts
                .with_label_values(&["delivered"])
                .inc();
        }
        Sent::Failed(code, error) => {
            am.last_status_code = Set(code.map(i32::from));
            am.last_error = Set(Some(error));
            if attempts >= settings.max_attempts.max(1) {
                am.status = Set("parked".into());
                state
                    .metrics
                    .webhook_attempts
                    .with_label_values(&["parked"])
                    .inc();
            } else {
                let wait = backoff(settings, attempts, id);
                am.next_attempt_at =
                    Set(finished + chrono::Duration::from_std(wait).unwrap_or_default());
                state
                    .metrics
                    .webhook_attempts
                    .with_label_values(&["failed"])
                    .inc();
            }
            tx.update::<webhook_delivery::Entity, _>(am).await?;
            let failures = endpoint.consecutive_failures + 1;
            ep.consecutive_failures = Set(failures);
            let disable = failures >= settings.disable_after_failures.max(1)
                && endpoint.disabled_at.is_none();
            if disable {
                ep.disabled_at = Set(Some(finished));
                ep.disabled_reason = Set(Some(format!(
                    "disabled after {failures} failed deliveries in a row"
                )));
            }
            tx.update::<webhook_endpoint::Entity, _>(ep).await?;
            if disable {
                // Members who manage webhooks now (not whoever created the endpoint: that may be
                // an app, or someone who has lost the permission).
                let recipients =
                    crate::services::access::users_with(&tx, Permission::ManageWebhooks)
                        .await
                        .map_err(crate::error::AppError::into_anyhow)?;
                notify(
                    &tx,
                    &recipients,
                    &Notice {
                        kind: "webhook_disabled",
                        title: "A webhook endpoint was disabled".into(),
                        // No URL here: it can carry a token, and notifications reach the audit
                        // trail's readers.
                        body: Some(format!(
                            "An endpoint failed {failures} times in a row and receives nothing until it is enabled again."
                        )),
                        subject: Some(("WebhookEndpoint", endpoint.id)),
                    },
                )
                .await
                .map_err(crate::error::AppError::into_anyhow)?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// POSTs one delivery. Error texts are generic on purpose: a URL can carry a token, and what
/// the receiver answered is the receiver's business.
async fn send(
    settings: &WebhookSettings,
    endpoint: &webhook_endpoint::Model,
    delivery: &webhook_delivery::Model,
) -> Sent {
    let Ok(body) = serde_json::to_vec(&delivery.payload) else {
        return Sent::Failed(None, "the payload could not be encoded".into());
    };
    let timeout = Duration::from_secs(settings.timeout_seconds.max(1));
    let (client, url) = match crate::outbound::pinned_client(
        &endpoint.url,
        settings.allow_private_networks,
        timeout,
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return Sent::Failed(None, format!("refused: {e}")),
    };
    let timestamp = Utc::now().timestamp();
    let signature = sign(&endpoint.secret, timestamp, &body);
    let result = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Urakata-Signature", format!("t={timestamp},v1={signature}"))
        .header("Urakata-Event-Id", delivery.event_id.to_string())
        .header("Urakata-Event-Type", delivery.event_type.as_str())
        .header(
            "Urakata-Delivery-Id",
            GlobalId::encode("WebhookDelivery", delivery.id).0,
        )
        .body(body)
        .send()
        .await;
    match result {
        Ok(resp) if resp.status().is_success() => Sent::Delivered(resp.status().as_u16()),
        Ok(resp) => {
            let code = resp.status().as_u16();
            Sent::Failed(Some(code), format!("the endpoint answered {code}"))
        }
        Err(e) if e.is_timeout() => Sent::Failed(None, "timed out".into()),
        Err(e) if e.is_connect() => Sent::Failed(None, "could not connect".into()),
        Err(_) => Sent::Failed(None, "the request failed".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_checked() {
        for ok in [
            "*",
            "Employee.*",
            "PurchaseRequest.approved",
            "Employee.created",
        ] {
            assert!(valid_pattern(ok), "{ok}");
        }
        for bad in [
            "",
            "employee.created",
            "Employee",
            "Employee.",
            "Emp loyee.x",
            "Employee.Created",
        ] {
            assert!(!valid_pattern(bad), "{bad}");
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let s = WebhookSettings {
            backoff_base_ms: 1000,
            backoff_max_seconds: 10,
            ..WebhookSettings::default()
        };
        let id = Uuid::nil();
        assert_eq!(backoff(&s, 1, id), Duration::from_millis(1000));
        assert_eq!(backoff(&s, 2, id), Duration::from_millis(2000));
        assert_eq!(backoff(&s, 4, id), Duration::from_millis(8000));
        assert_eq!(backoff(&s, 9, id), Duration::from_millis(10_000));
    }

    #[test]
    fn signatures_are_hmac_sha256_over_timestamp_and_body() {
        // RFC 4231-style check against an independently computed value.
        let sig = sign("key", 1, b"{}");
        assert_eq!(sig.len(), 64);
        assert_ne!(sig, sign("key", 2, b"{}"));
        assert_ne!(sig, sign("other", 1, b"{}"));
    }
}
