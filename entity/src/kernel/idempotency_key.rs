//! A mutation request remembered by its `Idempotency-Key`.

use sea_orm::entity::prelude::*;

/// One key of one principal: the request it came with and the response it got.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The user or app that sent the key.
    pub actor_id: Uuid,
    pub key: String,
    /// SHA-256 of the operation name, query and variables.
    pub request_hash: String,
    /// The first response's body; `None` while the first request is still running.
    pub response: Option<String>,
    pub expires_at: DateTimeUtc,
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
