//! A domain event waiting to be delivered (subscriptions, webhooks, cache invalidation).

use sea_orm::entity::prelude::*;

/// One committed change, written in the same transaction as the change itself, so an event
/// exists exactly when its change committed. The dispatcher (issue #5) delivers and marks it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    /// UUIDv7: ordered by time of writing.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occurred_at: DateTimeUtc,
    /// `<Type>.<created|updated|deleted>`, e.g. `Employee.updated`.
    pub event_type: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub request_id: Option<String>,
    /// The changed fields, as in the audit trail (sensitive values redacted).
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
    /// When the dispatcher delivered it; `None` while pending.
    pub published_at: Option<DateTimeUtc>,
    pub attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
