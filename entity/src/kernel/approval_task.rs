//! One approver's part in one tier of an approval.

use sea_orm::entity::prelude::*;

/// An approval task row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "approval_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub request_id: Uuid,
    /// The tier (1-based).
    pub tier: i32,
    pub tier_name: String,
    /// `any` (one approval completes the tier) or `all`.
    pub mode: String,
    /// Who is asked.
    pub approver_user_id: Uuid,
    /// Why they are asked: `user`, `role:<key>` or `manager:<level>`.
    pub source: String,
    /// `waiting` (a later tier), `pending`, `approved`, `rejected` or `closed`.
    pub status: String,
    /// Who actually decided: the approver or their delegate.
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub comment: Option<String>,
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
