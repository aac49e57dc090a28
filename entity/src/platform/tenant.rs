//! A tenant: one client company served by this deployment.

use sea_orm::entity::prelude::*;

/// A tenant row. Settings that every domain reads (base currency, fiscal year, time zone,
/// locale) live here.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Short unique handle used by operators (`urakata tenant create --slug acme`).
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// ISO 4217 code of the currency the books are kept in.
    pub base_currency: String,
    /// Month (1-12) in which the fiscal year starts.
    pub fiscal_year_start_month: i16,
    /// IANA time zone name, e.g. `Asia/Tokyo`.
    pub time_zone: String,
    /// BCP 47 locale, e.g. `ja-JP`.
    pub locale: String,
    /// `active` or `suspended`; a suspended tenant's credentials are refused.
    pub status: String,
    /// Whether this is the demo tenant created by `seed-demo` (refused in production mode).
    pub is_demo: bool,
    /// Whether API keys may introspect the schema (people need `EXPLORE_SCHEMA` either way).
    pub api_key_introspection: bool,
    /// The rate-limit plan (a name from `rate_limits.plans`); `None` means the default plan.
    pub plan: Option<String>,
    /// `any`, or `allow_list`: API keys may run only registered persisted operations.
    pub api_key_operations: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
