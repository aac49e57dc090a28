//! A location: an office, warehouse, factory or other site.

use sea_orm::entity::prelude::*;

/// A location row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "locations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Short code unique within the tenant, e.g. `TYO-HQ`.
    pub code: String,
    pub name: String,
    /// `office`, `warehouse`, `factory`, `store`, `data_centre` or `other`.
    pub kind: String,
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
