//! A role a tenant defines: a named set of permissions.

use sea_orm::entity::prelude::*;

use crate::platform::membership::RoleNames;

/// A custom role row; tenant-owned. Memberships refer to it by `key`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "custom_roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique within the tenant, lower-case snake case, never a built-in role's key.
    pub key: String,
    pub name: String,
    pub description: String,
    /// Permission names (`VIEW_LEDGER`, ...), stored as a JSON array.
    #[sea_orm(column_type = "JsonBinary")]
    pub permissions: RoleNames,
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
