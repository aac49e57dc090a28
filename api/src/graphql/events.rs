//! Live events and in-app notifications: the `events` and `notificationReceived` subscriptions,
//! the caller's notifications, and marking them read.
//!
//! A subscription sees only its own tenant's events, only of types its principal may read, and
//! only field names, never values (values are read through the API, with its permission checks
//! and the personal-data log).

use crate::graphql::list::List;
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use entity::kernel::notification;
use futures_util::Stream;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, QueryFilter};
use tokio::sync::broadcast;

use crate::auth::{Permission, PrincipalKind};
use crate::error::{AppError, AppResult, GqlResult};
use crate::events::BusEvent;
use crate::graphql::core::{
    ContextExt, GlobalId, Session, subject_view_permission, while_credential_holds,
};
use crate::graphql::listing::{DateTimeFilter, TextFilter};
use crate::graphql::resource::Resource;
use crate::state::AppState;
use crate::{filter_input, list_query, node_object, order_field};

/// A change committed in the tenant.
#[derive(SimpleObject, Clone)]
pub struct DomainEvent {
    /// The event id (the same id webhooks carry).
    pub id: uuid::Uuid,
    /// `<Type>.<verb>`, e.g. `Employee.updated` or `PurchaseRequest.approved`.
    #[graphql(name = "type")]
    pub event_type: String,
    /// The changed record's type.
    pub entity_type: String,
    /// The changed record's global id (read it with `node(id:)`).
    pub entity_id: Option<ID>,
    /// When the change committed.
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// `user`, `app` or `system`.
    pub actor_kind: String,
    /// The user or app that made the change.
    pub actor_id: Option<uuid::Uuid>,
    /// The fields that changed (names only).
    pub changed_fields: crate::graphql::list::List<String>,
}

impl From<&BusEvent> for DomainEvent {
    fn from(e: &BusEvent) -> Self {
        Self {
            id: e.id,
            event_type: e.event_type.clone(),
            entity_type: e.entity_type.clone(),
            entity_id: e.entity_id.map(|id| GlobalId::encode(&e.entity_type, id)),
            occurred_at: e.occurred_at,
            actor_kind: e.actor_kind.clone(),
            actor_id: e.actor_id,
            changed_fields: List(e.changed_fields.clone()),
        }
    }
}

/// The permission that sees events of a type: the type's view permission for plain records;
/// for everything else (members, roles, settings, approvals, ...) that of the audit trail, which
/// shows the same changes.
pub fn event_permission(entity_type: &str) -> Permission {
    subject_view_permission(entity_type)
        .map(|(_, p)| p)
        .unwrap_or(Permission::ViewAuditTrail)
}

/// Every event from the bus from now on; a subscriber that falls too far behind skips what it
/// missed rather than holding the others up.
fn bus_stream(rx: broadcast::Receiver<Arc<BusEvent>>) -> impl Stream<Item = Arc<BusEvent>> {
    futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(event) => return Some((event, rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
}

/// The live subscriptions of events and notifications.
#[derive(Default)]
pub struct EventSubscription;

#[Subscription]
impl EventSubscription {
    /// Changes committed in the tenant from now on, of the types given (`*`, `Type.*` or
    /// `Type.verb`; all when omitted) that the caller may read: a type's view permission, or
    /// `VIEW_AUDIT_TRAIL` for types that are not plain records. At least once: a client may see
    /// an event twice and can deduplicate by `id`.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Event-type patterns, e.g. `[\"PurchaseRequest.*\"]`.")] types: Option<
            Vec<String>,
        >,
    ) -> Result<
        impl Stream<Item = Result<DomainEvent, async_graphql::Error>> + use<>,
        async_graphql::Error,
    > {
        let session = ctx.session()?;
        let state = ctx.data::<AppState>()?;
        let types = types.unwrap_or_else(|| vec!["*".into()]);
        if types.is_empty()
            || types.len() > 50
            || !types
                .iter()
                .all(|t| crate::services::webhooks::valid_pattern(t))
        {
            return Err(AppError::BadRequest(
                "types are 1 to 50 patterns: `*`, `Type.*` or `Type.verb`".into(),
            )
            .into());
        }
        let tenant = session.principal.tenant.uuid();
        let permissions = session.principal.permissions.clone();
        let events =
            futures_util::StreamExt::filter_map(bus_stream(state.bus.subscribe()), move |event| {
                let keep = event.tenant_id == tenant
                    && event.is_external()
                    && permissions.contains(&event_permission(&event.entity_type))
                    && crate::services::webhooks::matches(&types, &event.event_type);
                async move { keep.then(|| DomainEvent::from(event.as_ref())) }
            });
        Ok(while_credential_holds(ctx, events))
    }

    /// The caller's new notifications, live (signed-in users only).
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
    ) -> Result<
        impl Stream<Item = Result<Notification, async_graphql::Error>> + use<>,
        async_graphql::Error,
    > {
        let session = ctx.session()?;
        let user = own_user(session)?;
        let state = ctx.data::<AppState>()?;
        let tenant = session.principal.tenant.uuid();
        let db = session.db.clone();
        let notifications =
            futures_util::StreamExt::filter_map(bus_stream(state.bus.subscribe()), move |event| {
                let db = db.clone();
                async move {
                    if event.tenant_id != tenant
                        || event.event_type != "Notification.created"
                        || event.recipient != Some(user)
                    {
                        return None;
                    }
                    let id = event.entity_id?;
                    let row = db
                        .read(async |tx| tx.get::<notification::Entity>(id).await)
                        .await
                        .ok()??;
                    (row.recipient_user_id == user).then_some(Notification(row))
                }
            });
        Ok(while_credential_holds(ctx, notifications))
    }
}

fn own_user(session: &Session) -> AppResult<uuid::Uuid> {
    match session.principal.kind {
        PrincipalKind::User => Ok(session.principal.actor_id),
        _ => Err(AppError::BadRequest(
            "notifications belong to users; an API key has none".into(),
        )),
    }
}

node_object! {
    /// An in-app notification for the signed-in user (approval waiting, decided, an endpoint
    /// disabled, ...). Only its recipient sees it.
    Notification(notification) {
        /// A stable kind: `approval_waiting`, `approval_approved`, `approval_rejected`,
        /// `approval_cancelled`, `webhook_disabled`.
        async fn kind(&self) -> &str {
            &self.0.kind
        }
        /// One line.
        async fn title(&self) -> &str {
            &self.0.title
        }
        /// More detail.
        async fn body(&self) -> Option<&str> {
            self.0.body.as_deref()
        }
        /// The global id of the record it is about.
        async fn subject_id(&self) -> Option<ID> {
            match (&self.0.subject_type, self.0.subject_id) {
                (Some(t), Some(id)) => Some(GlobalId::encode(t, id)),
                _ => None,
            }
        }
        /// When it was read; `null` while unread.
        async fn read_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            self.0.read_at
        }
    }
}

filter_input! {
    /// Conditions on notifications; every field given must hold.
    NotificationFilter for notification {
        /// The kind.
        kind: TextFilter => Kind,
        /// When it was read (`isNull: true` for the unread ones).
        read_at: DateTimeFilter => ReadAt,
        /// When it was created.
        created_at: DateTimeFilter => CreatedAt,
    }
}

order_field! {
    /// What notifications can be sorted by.
    Notification for notification {
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

impl Resource for notification::Entity {
    type Node = Notification;
    type Filter = NotificationFilter;
    type Order = NotificationOrder;
    // Not checked: every signed-in user reads their own (see `authorize`).
    const VIEW: Permission = Permission::ViewTenant;

    fn authorize<'a>(ctx: &'a Context<'_>) -> AppResult<&'a Session> {
        let session = ctx.session()?;
        own_user(session)?;
        Ok(session)
    }

    fn visible(session: &Session) -> Option<Condition> {
        Some(
            Condition::all()
                .add(notification::Column::RecipientUserId.eq(session.principal.actor_id)),
        )
    }

    fn may_see(session: &Session, row: &notification::Model) -> bool {
        row.recipient_user_id == session.principal.actor_id
    }
}

list_query! {
    entity: notification::Entity, node: Notification, many: notifications,
    what: "notification", needs: ["a signed-in user (each sees only their own)"],
    query: NotificationListQuery,
}

/// The caller's unread count.
#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// How many of the caller's notifications are unread.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        let session = <notification::Entity as Resource>::authorize(ctx)?;
        let user = session.principal.actor_id;
        let n = session
            .db
            .read(async |tx| {
                tx.count(tx.select::<notification::Entity>().refine(|q| {
                    q.filter(notification::Column::RecipientUserId.eq(user))
                        .filter(notification::Column::ReadAt.is_null())
                }))
                .await
            })
            .await
            .map_err(AppError::from)?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// Which notifications to mark read.
#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// The notifications (at most 100); omit to mark all of the caller's.
    pub ids: Option<Vec<ID>>,
}

/// The result of marking notifications read.
#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// How many were unread and are read now.
    pub marked_count: i32,
}

/// Marking notifications read.
#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks the caller's notifications read: the ones given, or all. Ids of other people's
    /// notifications are ignored, like unknown ones.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationsReadInput,
    ) -> GqlResult<MarkNotificationsReadPayload> {
        let session = <notification::Entity as Resource>::authorize(ctx)?;
        let user = session.principal.actor_id;
        let ids: Option<Vec<uuid::Uuid>> = match input.ids {
            Some(ids) if ids.len() > 100 => {
                return Err(AppError::BadRequest("at most 100 ids at once".into()).into());
            }
            Some(ids) => Some(
                ids.iter()
                    .filter_map(|id| GlobalId::decode_for::<notification::Entity>(id))
                    .collect(),
            ),
            None => None,
        };
        let tx = session.begin_write(ctx).await?;
        let unread = tx
            .all(tx.select::<notification::Entity>().refine(|q| {
                let q = q
                    .filter(notification::Column::RecipientUserId.eq(user))
                    .filter(notification::Column::ReadAt.is_null());
                match &ids {
                    Some(ids) => q.filter(notification::Column::Id.is_in(ids.clone())),
                    None => q,
                }
            }))
            .await
            .map_err(AppError::from)?;
        let now = chrono::Utc::now();
        for row in &unread {
            let mut am = row.clone().into_active_model();
            am.read_at = Set(Some(now));
            tx.update::<notification::Entity, _>(am)
                .await
                .map_err(AppError::from)?;
        }
        tx.commit().await.map_err(AppError::from)?;
        Ok(MarkNotificationsReadPayload {
            marked_count: unread.len() as i32,
        })
    }
}
