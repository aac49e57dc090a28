//! The tenant's ledger settings (one row per tenant).

use sea_orm::entity::prelude::*;

/// The tenant's ledger settings (one row per tenant).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "ledger_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub lock_date: Option<Date>,
    pub soft_lock_date: Option<Date>,
    pub retained_earnings_account_id: Option<Uuid>,
    /// `floor`, `half_up` or `ceiling`: how consumption tax is rounded, once per rate per document.
    pub tax_rounding: String,
    /// The tenant's qualified-invoice issuer registration number (`T` and 13 digits).
    pub registration_number: Option<String>,
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
