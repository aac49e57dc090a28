//! An approval rule: which documents it applies to and its ordered tiers of approvers.

use sea_orm::entity::prelude::*;

/// An approval rule row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "approval_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The document type it governs, e.g. `PurchaseRequest`.
    pub document_type: String,
    pub name: String,
    pub description: Option<String>,
    /// Lower numbers are tried first; the first rule whose conditions hold applies.
    pub priority: i32,
    /// The currency of the amount conditions (documents in another currency do not match).
    pub currency: Option<String>,
    pub min_amount: Option<Decimal>,
    pub max_amount: Option<Decimal>,
    pub cost_centre_id: Option<Uuid>,
    pub org_unit_id: Option<Uuid>,
    pub category: Option<String>,
    /// The ordered tiers, a JSON array (see `api::services::approvals::Tier`).
    #[sea_orm(column_type = "JsonBinary")]
    pub tiers: Json,
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
