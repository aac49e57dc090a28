//! A journal entry; immutable once posted (database triggers refuse changes).

use sea_orm::entity::prelude::*;

/// A journal entry; immutable once posted (database triggers refuse changes).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "journal_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub journal_id: Uuid,
    /// Gapless per journal and year, taken at posting.
    pub number: Option<String>,
    pub date: Date,
    /// `entry`, `invoice`, `bill`, `credit_note`, `payment`, `reversal` or `closing`.
    pub kind: String,
    pub reference: Option<String>,
    pub narration: Option<String>,
    /// `draft` or `posted`.
    pub status: String,
    /// The sum of the debits in the base currency.
    pub total: Decimal,
    pub posted_at: Option<DateTimeUtc>,
    pub posted_by: Option<Uuid>,
    pub reversal_of_id: Option<Uuid>,
    pub source_type: Option<String>,
    pub source_id: Option<Uuid>,
    /// The entry's place in the tenant's hash chain (posted entries only).
    pub chain_seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
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
