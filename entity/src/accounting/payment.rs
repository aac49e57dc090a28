//! A payment received or made; posted when recorded.

use sea_orm::entity::prelude::*;

/// A payment received or made; posted when recorded.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `inbound` or `outbound`.
    pub kind: String,
    pub number: String,
    pub party_id: Uuid,
    pub journal_id: Uuid,
    pub date: Date,
    pub amount: Decimal,
    pub currency: String,
    pub rate: Decimal,
    pub reference: Option<String>,
    pub entry_id: Uuid,
    pub amount_allocated: Decimal,
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
