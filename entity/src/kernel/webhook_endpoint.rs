//! A tenant's webhook endpoint: where events of chosen types are POSTed, signed.

use sea_orm::entity::prelude::*;

/// A webhook endpoint row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Where deliveries are POSTed.
    pub url: String,
    pub description: Option<String>,
    /// Event-type patterns (`Employee.created`, `PurchaseRequest.*`, `*`), a JSON array.
    #[sea_orm(column_type = "JsonBinary")]
    pub event_types: Json,
    /// The HMAC-SHA256 signing secret. It must be usable to sign, so it is kept, never logged,
    /// and left out of the audit trail (`sensitive`).
    pub secret: String,
    /// Set when the endpoint was switched off after failing too often.
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    /// Failed attempts since the last success.
    pub consecutive_failures: i32,
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
