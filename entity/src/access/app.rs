//! A partner app: a payroll bureau, a bank, an e-invoicing service, a BI tool, an RPA bot.

use sea_orm::entity::prelude::*;

use crate::platform::membership::RoleNames;

/// An app row; tenant-owned. Its API keys act with exactly its permissions.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "apps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// Permission names, a subset of its creator's.
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
