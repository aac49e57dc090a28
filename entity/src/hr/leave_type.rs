//! A kind of leave: paid or not, with or without allocations.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "leave_types")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Paid leave.
    pub paid: bool,
    /// Taken only from allocations.
    pub requires_allocation: bool,
    /// The balance may go below zero.
    pub allow_negative: bool,
    /// Half days may be requested.
    pub half_day_allowed: bool,
    /// At most this many days in one request.
    pub max_consecutive_days: Option<i32>,
    /// Granted by the Labour Standards Act schedule (年次有給休暇).
    pub statutory_accrual: bool,
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
