//! The tenant's payroll settings: employee social-insurance rates and overtime multipliers.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "payroll_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Health insurance, the employee's share in percent.
    pub health_rate: Decimal,
    /// Long-term care insurance (ages 40 to 64), the employee's share in percent.
    pub care_rate: Decimal,
    /// Welfare pension, the employee's share in percent.
    pub pension_rate: Decimal,
    /// Employment insurance, the employee's share in percent.
    pub employment_rate: Decimal,
    /// Prescribed hours a month, the divisor of the hourly rate.
    pub standard_monthly_hours: i32,
    /// Overtime premium multiplier (1.25).
    pub overtime_multiplier: Decimal,
    /// Holiday work premium multiplier (1.35).
    pub holiday_multiplier: Decimal,
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
