//! Days of a leave type granted to an employee for a validity period.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "leave_allocations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The employee.
    pub employee_id: Uuid,
    /// The leave type.
    pub leave_type_id: Uuid,
    /// First day it can be used.
    pub valid_from: Date,
    /// Last day (then it expires).
    pub valid_to: Date,
    /// Days granted.
    pub days: Decimal,
    /// `manual` or `statutory`.
    pub source: String,
    /// A note.
    pub note: Option<String>,
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
