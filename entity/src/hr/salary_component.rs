//! An earning or deduction of a payslip and how it is computed.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "salary_components")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `earning` or `deduction`.
    pub kind: String,
    /// How it is computed.
    pub calc: String,
    /// The amount of a fixed component.
    pub amount: Option<Decimal>,
    /// The formula of a formula component.
    pub formula: Option<String>,
    /// Order of computation.
    pub sequence: i32,
    /// How the result is rounded to whole units.
    pub rounding: String,
    /// Part of taxable pay (earnings).
    pub taxable: bool,
    /// Part of the overtime base (earnings).
    pub in_overtime_base: bool,
    /// Part of the employment-insurance base (earnings).
    pub in_insurance_base: bool,
    /// The account posted to (default: salaries or withholdings).
    pub account_id: Option<Uuid>,
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
