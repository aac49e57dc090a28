//! An audit entry.

use sea_orm::entity::prelude::*;

/// One change to one row: who, when, through which operation, and each changed field's value
/// before and after. Append-only: the database refuses updates and deletes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occurred_at: DateTimeUtc,
    /// `user`, `app` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub request_id: Option<String>,
    /// The GraphQL mutation (or command) that made the change.
    pub operation: Option<String>,
    /// The GraphQL type name of the changed row (`Employee`, `Tenant`, ...).
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// `{"field": {"before": .., "after": ..}}` for each changed field.
    #[sea_orm(column_type = "JsonBinary")]
    pub changes: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
