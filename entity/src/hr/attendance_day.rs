//! One employee's attendance on one day (one row per employee and day).

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "attendance_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The employee.
    pub employee_id: Uuid,
    /// The day.
    pub work_date: Date,
    /// The schedule of the day (none on a day off).
    pub work_schedule_id: Option<Uuid>,
    /// `present`, `absent`, `late`, `half_day`, `on_leave`, `remote` or `day_off`.
    pub status: String,
    /// First check-in.
    pub first_in: Option<DateTimeUtc>,
    /// Last check-out.
    pub last_out: Option<DateTimeUtc>,
    /// Worked, breaks excluded.
    pub worked_minutes: i32,
    /// Late beyond the grace.
    pub late_minutes: i32,
    /// Beyond the prescribed minutes on a working day.
    pub overtime_minutes: i32,
    /// Worked on a day off or holiday.
    pub holiday_minutes: i32,
    /// Worked remotely.
    pub remote: bool,
    /// `events` or `manual`.
    pub source: String,
    /// Validated for payroll: changes are refused until reopened.
    pub validated: bool,
    /// A correction's reason.
    pub note: Option<String>,
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
