//! An employee's salary structure from a date, with their own amounts.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "salary_structure_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The employee.
    pub employee_id: Uuid,
    /// The structure.
    pub structure_id: Uuid,
    /// First day.
    pub from_date: Date,
    /// Last day.
    pub to_date: Option<Date>,
    /// Per-employee amounts by component code, as JSON: sensitive.
    pub amounts: String,
    /// Dependents for withholding.
    pub dependents: i32,
    /// `kou` or `otsu`.
    pub tax_column: String,
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
