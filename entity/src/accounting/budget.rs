//! A budget: an amount per profit-and-loss account (and cost centre) per fiscal year.

use sea_orm::entity::prelude::*;

/// A budget row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "budgets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub fiscal_year_id: Uuid,
    pub account_id: Uuid,
    /// `None`: the account in every cost centre.
    pub cost_centre_id: Option<Uuid>,
    /// For the whole year.
    pub amount: Decimal,
    /// `stop`, `warn` or `ignore`: what posting beyond the budget does.
    pub action: String,
    /// Twelve percents, one per month of the year, adding up to 100; `None`: equal months.
    pub distribution: Option<Json>,
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
