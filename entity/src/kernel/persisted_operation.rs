//! An operation a tenant registered for its API keys' allow-list.

use sea_orm::entity::prelude::*;

/// A persisted operation row; tenant-owned. Archived rows are off the allow-list.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "persisted_operations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What the operation is for.
    pub name: String,
    /// Lowercase hex SHA-256 of the query text (Apollo's `sha256Hash`).
    pub query_hash: String,
    /// The GraphQL document.
    pub query: String,
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
