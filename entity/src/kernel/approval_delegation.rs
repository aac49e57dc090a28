//! An approver's delegation of their approvals while away.

use sea_orm::entity::prelude::*;

/// A delegation row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "approval_delegations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub delegator_user_id: Uuid,
    pub delegate_user_id: Uuid,
    pub starts_on: Date,
    /// The last day it applies (inclusive); every delegation ends.
    pub ends_on: Date,
    /// Only approvals of this document type; `None` for all.
    pub document_type: Option<String>,
    pub reason: Option<String>,
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
