//! A work schedule (a shift): hours, break, grace and the days it applies.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "work_schedules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Start of the working day.
    pub start_time: Time,
    /// End of the working day.
    pub end_time: Time,
    /// Unpaid break.
    pub break_minutes: i32,
    /// Prescribed working minutes; more is overtime.
    pub daily_minutes: i32,
    /// Minutes after the start before an arrival is late.
    pub grace_minutes: i32,
    /// Worked minutes under which a day is a half day.
    pub half_day_minutes: i32,
    /// ISO weekdays it applies on, as digits (`12345` = Monday to Friday).
    pub weekdays: String,
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
