//! A health check or stress check (健康診断・ストレスチェック) of an employee.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "health_checks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The employee.
    pub employee_id: Uuid,
    /// `annual`, `hiring`, `special` or `stress`.
    pub kind: String,
    /// The day of the check.
    pub checked_on: Date,
    /// The clinic or provider.
    pub provider: Option<String>,
    /// The result in words: sensitive.
    pub result: Option<String>,
    /// The overall finding (`A` to `E`): sensitive.
    pub findings_level: Option<String>,
    /// Whether a follow-up examination is needed: sensitive.
    pub follow_up_required: Option<bool>,
    /// A stress check's high-stress finding: sensitive.
    pub high_stress: Option<bool>,
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
