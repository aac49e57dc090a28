//! A request to hire, approved through the workflow kernel.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "job_requisitions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Gapless per tenant, e.g. `REQ-2026-000001`.
    pub number: String,
    /// Who asked.
    pub requester_user_id: Uuid,
    /// The unit that hires.
    pub org_unit_id: Uuid,
    /// The headcount plan it draws on.
    pub headcount_plan_id: Option<Uuid>,
    /// The job title.
    pub title: String,
    /// People to hire.
    pub vacancies: i32,
    /// People hired so far.
    pub filled: i32,
    /// Top of the monthly salary range.
    pub salary_max: Decimal,
    /// The salary's currency.
    pub currency: String,
    /// Why.
    pub reason: Option<String>,
    /// The workflow state.
    pub status: String,
    /// When submitted.
    pub submitted_at: Option<DateTimeUtc>,
    /// When approved (time to fill counts from here).
    pub approved_at: Option<DateTimeUtc>,
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
