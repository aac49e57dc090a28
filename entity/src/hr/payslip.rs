//! One employee's pay for one run.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "payslips")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The run.
    pub run_id: Uuid,
    /// The employee.
    pub employee_id: Uuid,
    /// The contract.
    pub contract_id: Uuid,
    /// The structure.
    pub structure_id: Uuid,
    /// The month.
    pub period_start: Date,
    /// Pay date.
    pub pay_date: Date,
    /// Working days of the month.
    pub working_days: i32,
    /// Days paid.
    pub payment_days: Decimal,
    /// Unpaid leave.
    pub unpaid_days: Decimal,
    /// Absences.
    pub absent_days: Decimal,
    /// Overtime.
    pub overtime_minutes: i32,
    /// Holiday work.
    pub holiday_minutes: i32,
    /// Gross pay.
    pub gross: Decimal,
    /// Taxable pay after social insurance.
    pub taxable: Decimal,
    /// Employee social insurance.
    pub social_insurance: Decimal,
    /// Withholding tax.
    pub income_tax: Decimal,
    /// All deductions.
    pub deductions: Decimal,
    /// Net pay.
    pub net: Decimal,
    /// Year to date.
    pub ytd_gross: Decimal,
    /// Year to date.
    pub ytd_taxable: Decimal,
    /// Year to date.
    pub ytd_social_insurance: Decimal,
    /// Year to date.
    pub ytd_income_tax: Decimal,
    /// Year to date.
    pub ytd_net: Decimal,
    /// `draft`, `posted`, `published` or `cancelled`.
    pub status: String,
    /// When published.
    pub published_at: Option<DateTimeUtc>,
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
