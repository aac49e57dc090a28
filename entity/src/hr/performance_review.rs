//! An employee's review in a cycle: their own part and their manager's.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "performance_reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The cycle.
    pub cycle_id: Uuid,
    /// The employee.
    pub employee_id: Uuid,
    /// Their own score, 1 to 5.
    pub self_score: Option<i32>,
    /// Their own words.
    pub self_comment: Option<String>,
    /// The manager's score, 1 to 5.
    pub manager_score: Option<i32>,
    /// The manager's feedback.
    pub manager_comment: Option<String>,
    /// The final score.
    pub final_score: Option<i32>,
    /// `open`, `self_done`, `manager_done` or `final`.
    pub status: String,
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
