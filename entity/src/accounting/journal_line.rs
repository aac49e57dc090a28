//! A line of a journal entry: one debit or one credit.

use sea_orm::entity::prelude::*;

/// A line of a journal entry: one debit or one credit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "journal_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub entry_id: Uuid,
    pub line_no: i32,
    pub account_id: Uuid,
    pub party_id: Option<Uuid>,
    pub cost_centre_id: Option<Uuid>,
    pub description: Option<String>,
    /// In the base currency.
    pub debit: Decimal,
    /// In the base currency.
    pub credit: Decimal,
    pub currency: String,
    /// Signed: positive for a debit.
    pub amount_currency: Decimal,
    pub rate: Decimal,
    pub tax_rate_id: Option<Uuid>,
    pub tax_base: Option<Decimal>,
    /// The entry's date, copied so reports aggregate one table.
    pub date: Date,
    /// Whether the entry is posted (reports read posted lines only).
    pub posted: bool,
    /// Whether the line belongs to a year-end closing entry (left out of profit and loss).
    pub closing: bool,
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
