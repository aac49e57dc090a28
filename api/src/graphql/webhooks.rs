//! Webhooks in the schema: endpoints (a plain resource with a few mutations of its own), the
//! delivery log, and replaying a delivery. The rules are in `services::webhooks`.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::kernel::{webhook_delivery, webhook_endpoint};

use crate::auth::Permission;
use crate::error::{GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, load_one, settle};
use crate::graphql::listing::{DateTimeFilter, IdFilter, IntFilter, TextFilter};
use crate::graphql::resource::ArchiveInput;
use crate::services::webhooks::{self, WebhookErrorCode};
use crate::{filter_input, list_query, node_object, order_field, resource};

node_object! {
    /// A URL that receives the tenant's events of chosen types, signed. Needs `MANAGE_WEBHOOKS`.
    WebhookEndpoint(webhook_endpoint) {
        /// Where deliveries are POSTed.
        async fn url(&self) -> &str {
            &self.0.url
        }
        /// What the endpoint is for.
        async fn description(&self) -> Option<&str> {
            self.0.description.as_deref()
        }
        /// The event types it receives: `*`, `Type.*` or `Type.verb` (e.g.
        /// `PurchaseRequest.approved`).
        async fn event_types(&self) -> List<String> {
            serde_json::from_value(self.0.event_types.clone()).unwrap_or_default()
        }
        /// The secret that signs deliveries: `Urakata-Signature: t={unix seconds},v1={hex}`,
        /// where `v1` is HMAC-SHA256 of `"{t}.{raw body}"` under this secret. Verify it and refuse
        /// timestamps older than five minutes. `rotateWebhookEndpointSecret` replaces it.
        async fn signing_secret(&self) -> &str {
            &self.0.secret
        }
        /// Whether deliveries go out (not archived and not disabled).
        async fn enabled(&self) -> bool {
            self.0.archived_at.is_none() && self.0.disabled_at.is_none()
        }
        /// When the endpoint was disabled for failing too often; `null` while enabled.
        async fn disabled_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            self.0.disabled_at
        }
        /// Why it was disabled.
        async fn disabled_reason(&self) -> Option<&str> {
            self.0.disabled_reason.as_deref()
        }
        /// Failed attempts since the last successful one.
        async fn consecutive_failures(&self) -> i32 {
            self.0.consecutive_failures
        }
    }
}

filter_input! {
    /// Conditions on webhook endpoints; every field given must hold.
    WebhookEndpointFilter for webhook_endpoint {
        /// The URL.
        url: TextFilter => Url,
        /// When it was disabled (`isNull: false` lists the disabled ones).
        disabled_at: DateTimeFilter => DisabledAt,
    }
}

order_field! {
    /// What webhook endpoints can be sorted by.
    WebhookEndpoint for webhook_endpoint {
        /// The URL.
        Url => Url,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

/// A new webhook endpoint.
#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// An https URL (http and private addresses only where the operator allows them), at most
    /// 2000 characters, without credentials in it.
    pub url: String,
    /// What it is for, at most 500 characters.
    pub description: Option<String>,
    /// The event types to receive (1 to 50): `*`, `Type.*` or `Type.verb`.
    pub event_types: Vec<String>,
}

/// Changes to a webhook endpoint; fields left out keep their value.
#[derive(InputObject)]
pub struct WebhookEndpointPatch {
    /// New URL.
    pub url: Option<String>,
    /// New description (`null` clears).
    pub description: MaybeUndefined<String>,
    /// New event types.
    pub event_types: Option<Vec<String>>,
}

resource! {
    entity: webhook_endpoint::Entity, node: WebhookEndpoint, one: webhook_endpoint,
    many: webhook_endpoints, what: "webhook endpoint", view: ManageWebhooks,
    manage: ManageWebhooks, query: WebhookEndpointQuery, mutation: WebhookEndpointResourceMutation,
}

node_object! {
    /// One event sent (or being sent) to one endpoint: the delivery log. Needs `MANAGE_WEBHOOKS`.
    WebhookDelivery(webhook_delivery) {
        /// The endpoint.
        async fn endpoint(&self, ctx: &Context<'_>) -> GqlResult<Option<WebhookEndpoint>> {
            Ok(load_one::<webhook_endpoint::Entity>(ctx, Some(self.0.endpoint_id))
                .await?
                .map(WebhookEndpoint))
        }
        /// The event's id (also sent as `Urakata-Event-Id`; receivers deduplicate by it).
        async fn event_id(&self) -> uuid::Uuid {
            self.0.event_id
        }
        /// The event type, e.g. `PurchaseRequest.approved`.
        async fn event_type(&self) -> &str {
            &self.0.event_type
        }
        /// The exact JSON body sent.
        async fn payload(&self) -> async_graphql::Json<serde_json::Value> {
            async_graphql::Json(self.0.payload.clone())
        }
        /// `PENDING`, `DELIVERED` or `PARKED` (given up after the last retry; can be replayed).
        async fn status(&self) -> String {
            self.0.status.to_uppercase()
        }
        /// Attempts made so far.
        async fn attempts(&self) -> i32 {
            self.0.attempts
        }
        /// When the next attempt is due (while pending).
        async fn next_attempt_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            (self.0.status == "pending").then_some(self.0.next_attempt_at)
        }
        /// When the last attempt was made.
        async fn last_attempt_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            self.0.last_attempt_at
        }
        /// The HTTP status the endpoint last answered.
        async fn last_status_code(&self) -> Option<i32> {
            self.0.last_status_code
        }
        /// What went wrong with the last attempt.
        async fn last_error(&self) -> Option<&str> {
            self.0.last_error.as_deref()
        }
        /// When it was delivered.
        async fn delivered_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            self.0.delivered_at
        }
        /// The delivery this one replays.
        async fn replay_of(&self) -> Option<ID> {
            self.0
                .replay_of
                .map(GlobalId::of::<webhook_delivery::Entity>)
        }
    }
}

filter_input! {
    /// Conditions on webhook deliveries; every field given must hold.
    WebhookDeliveryFilter for webhook_delivery {
        /// The endpoint.
        endpoint: IdFilter => EndpointId ref webhook_endpoint::Entity,
        /// The status as stored: `pending`, `delivered` or `parked`.
        status: TextFilter => Status,
        /// The event type.
        event_type: TextFilter => EventType,
        /// Attempts made.
        attempts: IntFilter => Attempts,
        /// Creation time.
        created_at: DateTimeFilter => CreatedAt,
    }
}

order_field! {
    /// What webhook deliveries can be sorted by.
    WebhookDelivery for webhook_delivery {
        /// Creation time.
        CreatedAt => CreatedAt,
        /// When the next attempt is due.
        NextAttemptAt => NextAttemptAt,
    }
}

list_query! {
    entity: webhook_delivery::Entity, node: WebhookDelivery, many: webhook_deliveries,
    what: "webhook delivery", needs: ["`MANAGE_WEBHOOKS`"], query: WebhookDeliveryListQuery,
}

/// The result of replaying a delivery.
#[derive(async_graphql::SimpleObject)]
pub struct WebhookDeliveryPayload {
    /// The new delivery; `null` when the input had problems.
    pub webhook_delivery: Option<WebhookDelivery>,
    /// Problems with the input.
    pub errors: crate::graphql::list::List<InputError<WebhookErrorCode>>,
}

/// Which delivery to replay.
#[derive(InputObject)]
pub struct ReplayWebhookDeliveryInput {
    /// The delivery (delivered or parked).
    pub id: ID,
}

/// Webhook mutations beyond the shared ones.
#[derive(Default)]
pub struct WebhookActionMutation;

#[Object]
impl WebhookActionMutation {
    /// Switches a disabled endpoint back on with a clean failure count. Needs `MANAGE_WEBHOOKS`.
    async fn enable_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: ArchiveInput,
    ) -> GqlResult<WebhookEndpointPayload> {
        endpoint_action(ctx, input, webhooks::enable).await
    }

    /// Replaces an endpoint's signing secret (the old one stops working at once); read the new
    /// one from `signingSecret`. Needs `MANAGE_WEBHOOKS`.
    async fn rotate_webhook_endpoint_secret(
        &self,
        ctx: &Context<'_>,
        input: ArchiveInput,
    ) -> GqlResult<WebhookEndpointPayload> {
        endpoint_action(ctx, input, webhooks::rotate_secret).await
    }

    /// Sends a delivered or parked delivery again, as a new delivery with the same event id and
    /// body. Needs `MANAGE_WEBHOOKS`.
    async fn replay_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        input: ReplayWebhookDeliveryInput,
    ) -> GqlResult<WebhookDeliveryPayload> {
        let session = ctx.authorize(Permission::ManageWebhooks)?;
        let Some(id) = GlobalId::decode_for::<webhook_delivery::Entity>(&input.id) else {
            return Ok(WebhookDeliveryPayload {
                webhook_delivery: None,
                errors: vec![InputError::new(
                    "id",
                    WebhookErrorCode::NotFound,
                    "no such delivery",
                )]
                .into(),
            });
        };
        let tx = session.begin_write(ctx).await?;
        let out = webhooks::replay(&tx, session.principal.actor_id, id).await?;
        let (delivery, errors) = settle(tx, out).await?;
        Ok(WebhookDeliveryPayload {
            webhook_delivery: delivery.map(WebhookDelivery),
            errors: List(errors),
        })
    }
}

async fn endpoint_action<F>(
    ctx: &Context<'_>,
    input: ArchiveInput,
    action: F,
) -> GqlResult<WebhookEndpointPayload>
where
    F: AsyncFnOnce(
        &entity::TenantTx,
        uuid::Uuid,
        uuid::Uuid,
        i32,
    ) -> crate::error::AppResult<
        Result<webhook_endpoint::Model, Vec<InputError<WebhookErrorCode>>>,
    >,
{
    let session = ctx.authorize(Permission::ManageWebhooks)?;
    let Some(id) = GlobalId::decode_for::<webhook_endpoint::Entity>(&input.id) else {
        return Ok(WebhookEndpointPayload {
            webhook_endpoint: None,
            errors: vec![InputError::new(
                "id",
                WebhookErrorCode::NotFound,
                "no such webhook endpoint",
            )]
            .into(),
        });
    };
    let tx = session.begin_write(ctx).await?;
    let out = action(&tx, session.principal.actor_id, id, input.expected_version).await?;
    let (endpoint, errors) = settle(tx, out).await?;
    Ok(WebhookEndpointPayload {
        webhook_endpoint: endpoint.map(WebhookEndpoint),
        errors: List(errors),
    })
}

/// Every webhook mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct WebhookMutation(WebhookEndpointResourceMutation, WebhookActionMutation);
