//! A fixed asset of the register, with its depreciation so far.

use sea_orm::entity::prelude::*;

/// A fixed asset of the register, with its depreciation so far.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "fixed_assets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique in the tenant, e.g. `FA-0001`.
    pub code: String,
    pub name: String,
    /// Where the cost stands (an asset account, e.g. `1500 Equipment`).
    pub asset_account_id: Uuid,
    /// The contra account depreciation is credited to (e.g. `1510 Accumulated depreciation`).
    pub accumulated_account_id: Uuid,
    /// The expense account depreciation (and a loss on disposal) is debited to.
    pub expense_account_id: Uuid,
    /// The gross cost, in the base currency.
    pub cost: Decimal,
    /// What the asset is expected to be worth at the end of its life; never written below.
    pub salvage_value: Decimal,
    /// Depreciation starts with the month of this date.
    pub in_use_date: Date,
    /// `straight_line` or `declining_balance`.
    pub method: String,
    pub useful_life_months: i32,
    /// Percent per year for `declining_balance`; `None`: double the straight-line rate.
    pub declining_rate: Option<Decimal>,
    /// The last month end whose depreciation is posted; `None` before the first.
    pub depreciated_until: Option<Date>,
    /// The depreciation posted so far.
    pub accumulated: Decimal,
    /// `draft`, `in_use`, `fully_depreciated`, `disposed` or `scrapped`.
    pub status: String,
    pub disposed_on: Option<Date>,
    /// The entry that took the asset out of the books.
    pub disposal_entry_id: Option<Uuid>,
    /// The cost centre its depreciation is charged to.
    pub cost_centre_id: Option<Uuid>,
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
