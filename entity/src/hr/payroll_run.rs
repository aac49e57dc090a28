//! A month's payroll: the payslips of everyone paid, posted as one journal entry.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "payroll_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Gapless per tenant.
    pub number: String,
    /// First day of the month.
    pub period_start: Date,
    /// Last day of the month.
    pub period_end: Date,
    /// When it is paid.
    pub pay_date: Date,
    /// The workflow state.
    pub status: String,
    /// Payslips.
    pub employees: i32,
    /// Σ gross.
    pub gross_total: Decimal,
    /// Σ deductions.
    pub deductions_total: Decimal,
    /// Σ net.
    pub net_total: Decimal,
    /// The posted entry.
    pub entry_id: Option<Uuid>,
    /// The reversal when cancelled after posting.
    pub reversal_entry_id: Option<Uuid>,
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
