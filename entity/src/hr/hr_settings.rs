//! The tenant's HR settings: the 36 agreement's overtime limits and the local time offset.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "hr_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Monthly overtime limit in minutes (45 h statutory).
    pub ot_month_limit: i32,
    /// Yearly overtime limit in minutes (360 h).
    pub ot_year_limit: i32,
    /// Percent of a limit at which overtime requests warn.
    pub ot_warn_percent: i32,
    /// Whether the agreement has the special clause (特別条項).
    pub special_clause: bool,
    /// With the special clause: overtime plus holiday work in a month stays under this (100 h).
    pub special_month_max: i32,
    /// With the special clause: the yearly overtime limit (720 h).
    pub special_year_max: i32,
    /// With the special clause: months a year over the monthly limit (6).
    pub special_months_max: i32,
    /// With the special clause: the 2-6 month average of overtime plus holiday work (80 h).
    pub special_average_max: i32,
    /// The month (1-12) the agreement year starts.
    pub agreement_year_start_month: i32,
    /// The tenant's local time offset, which decides the work date of an event.
    pub utc_offset_minutes: i32,
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
