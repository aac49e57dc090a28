//! An employee's enrolment in a social-insurance scheme, with the standard monthly remuneration.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "social_insurance_enrolments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The employee.
    pub employee_id: Uuid,
    /// `health`, `care`, `pension` or `employment`.
    pub scheme: String,
    /// First day.
    pub effective_from: Date,
    /// Last day enrolled.
    pub left_on: Option<Date>,
    /// 標準報酬月額 (health, care, pension): sensitive.
    pub standard_monthly_remuneration: Option<Decimal>,
    /// The insured person's number: sensitive.
    pub insured_number: Option<String>,
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
