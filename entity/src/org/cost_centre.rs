//! A cost centre: where costs are booked and budgeted.

use sea_orm::entity::prelude::*;

/// A cost centre row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "cost_centres")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Short code unique within the tenant, e.g. `CC-100`.
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    /// The unit that owns the cost centre.
    pub org_unit_id: Option<Uuid>,
    /// The employee responsible for it.
    pub manager_id: Option<Uuid>,
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
