//! Days taken from (or given back to) an allocation by a leave request.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "leave_ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The employee.
    pub employee_id: Uuid,
    /// The leave type.
    pub leave_type_id: Uuid,
    /// The allocation drawn on (none: beyond every allocation).
    pub allocation_id: Option<Uuid>,
    /// The request.
    pub leave_request_id: Uuid,
    /// When it was written.
    pub on_date: Date,
    /// Negative when taken, positive when given back.
    pub days: Decimal,
    /// `taken` or `reversal`.
    pub kind: String,
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
