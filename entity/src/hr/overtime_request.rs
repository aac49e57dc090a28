//! An advance request to work overtime (残業申請), checked against the 36 agreement.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "overtime_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The employee.
    pub employee_id: Uuid,
    /// Who asked.
    pub requester_user_id: Uuid,
    /// The day.
    pub work_date: Date,
    /// Overtime planned.
    pub planned_minutes: i32,
    /// Why.
    pub reason: String,
    /// `requested`, `approved`, `rejected` or `cancelled`.
    pub status: String,
    /// Who decided.
    pub decided_by: Option<Uuid>,
    /// When.
    pub decided_at: Option<DateTimeUtc>,
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
