//! A line of an invoice or bill.

use sea_orm::entity::prelude::*;

/// A line of an invoice or bill.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "invoice_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub line_no: i32,
    pub description: String,
    pub account_id: Uuid,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// Quantity times unit price, rounded to the currency (tax included when the rate is).
    pub amount: Decimal,
    pub tax_rate_id: Option<Uuid>,
    /// The rate's percent when the line was written (a later rate change leaves it alone).
    pub tax_percent: Option<Decimal>,
    pub tax_inclusive: bool,
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
