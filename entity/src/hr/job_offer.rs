//! An offer of employment to an applicant.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "job_offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The applicant.
    pub applicant_id: Uuid,
    /// The requisition whose vacancy it fills.
    pub requisition_id: Uuid,
    /// The contract type offered.
    pub contract_type: String,
    /// First day of work.
    pub proposed_start: Date,
    /// End of a fixed term.
    pub end_date: Option<Date>,
    /// End of the trial period.
    pub trial_end: Option<Date>,
    /// Monthly wage: sensitive.
    pub wage: Decimal,
    /// The work schedule.
    pub work_schedule_id: Uuid,
    /// The salary structure to assign.
    pub structure_id: Option<Uuid>,
    /// `draft`, `sent`, `accepted`, `declined` or `withdrawn`.
    pub status: String,
    /// When the applicant answered.
    pub decided_at: Option<DateTimeUtc>,
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
