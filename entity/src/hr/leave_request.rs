//! A request for leave, approved through the workflow kernel.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "leave_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Gapless per tenant, e.g. `LV-2026-000001`.
    pub number: String,
    /// The employee.
    pub employee_id: Uuid,
    /// The employee's user (or HR's when filed for someone without one).
    pub requester_user_id: Uuid,
    /// The leave type.
    pub leave_type_id: Uuid,
    /// First day.
    pub from_date: Date,
    /// Last day.
    pub to_date: Date,
    /// `none`, `am` or `pm` (a half day: from and to are the same day).
    pub half: String,
    /// Working days taken.
    pub days: Decimal,
    /// Why.
    pub reason: Option<String>,
    /// The workflow state.
    pub status: String,
    /// When submitted.
    pub submitted_at: Option<DateTimeUtc>,
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
