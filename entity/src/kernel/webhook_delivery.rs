//! One event on its way to one webhook endpoint: the delivery log.

use sea_orm::entity::prelude::*;

/// A delivery row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub endpoint_id: Uuid,
    /// The outbox event delivered.
    pub event_id: Uuid,
    pub event_type: String,
    /// The exact JSON body sent (and signed).
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
    /// `pending`, `delivered` or `parked` (given up after the last retry).
    pub status: String,
    pub attempts: i32,
    /// When the next attempt is due (while pending; a claimed delivery is leased until then).
    pub next_attempt_at: DateTimeUtc,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTimeUtc>,
    /// The delivery this one replays.
    pub replay_of: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
