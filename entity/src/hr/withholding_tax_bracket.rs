//! A row of the monthly withholding tax table (源泉徴収税額表).

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "withholding_tax_brackets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The table's first day.
    pub valid_from: Date,
    /// `kou` (甲) or `otsu` (乙).
    pub tax_column: String,
    /// Number of dependents.
    pub dependents: i32,
    /// Taxable pay from (inclusive).
    pub lower: Decimal,
    /// Taxable pay to (exclusive).
    pub upper: Decimal,
    /// The tax.
    pub amount: Decimal,
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
