//! A party: a customer, supplier or other counterparty.

use sea_orm::entity::prelude::*;

/// A party row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "parties")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Short code unique within the tenant, e.g. `C-0001`.
    pub code: String,
    pub name: String,
    /// The name's reading in katakana, for sorting and search.
    pub name_kana: Option<String>,
    /// `company`, `individual` or `government`.
    pub kind: String,
    pub is_customer: bool,
    pub is_supplier: bool,
    /// Tax registration number; for Japan the qualified invoice issuer number (`T` and 13
    /// digits).
    pub tax_registration_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Default payment terms in days after the invoice date.
    pub payment_terms_days: Option<i32>,
    /// ISO 4217 currency of the party's documents.
    pub currency: String,
    /// Credit limit in `currency`.
    pub credit_limit: Option<Decimal>,
    /// ISO 3166-1 alpha-2 country code, e.g. `JP`.
    pub country: String,
    pub postal_code: Option<String>,
    /// Prefecture, state or province.
    pub region: Option<String>,
    pub city: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
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
