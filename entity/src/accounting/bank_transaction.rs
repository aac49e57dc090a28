//! A bank statement line imported from CSV.

use sea_orm::entity::prelude::*;

/// A bank statement line imported from CSV.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "bank_transactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub journal_id: Uuid,
    pub date: Date,
    /// Signed: money in is positive.
    pub amount: Decimal,
    pub description: String,
    pub reference: Option<String>,
    /// A digest of the statement line, so importing a statement twice adds nothing.
    pub import_key: String,
    pub payment_id: Option<Uuid>,
    pub reconciled_at: Option<DateTimeUtc>,
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
