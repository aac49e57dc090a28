//! An employment contract: at most one is running per employee.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "employment_contracts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Gapless per tenant, e.g. `EC-2026-0001`.
    pub number: String,
    /// The employee.
    pub employee_id: Uuid,
    /// `permanent`, `fixed_term`, `part_time` or `re_employment`.
    pub contract_type: String,
    /// `draft`, `running`, `ended` or `cancelled`.
    pub status: String,
    /// First day.
    pub start_date: Date,
    /// Last day (required for fixed terms).
    pub end_date: Option<Date>,
    /// Last day of the trial period.
    pub trial_end: Option<Date>,
    /// `monthly`, `daily` or `hourly`.
    pub wage_type: String,
    /// The wage per wage type: sensitive.
    pub wage: Decimal,
    /// The schedule worked.
    pub work_schedule_id: Uuid,
    /// The contract this one renews.
    pub renewal_of_id: Option<Uuid>,
    /// Why it ended.
    pub end_reason: Option<String>,
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
