//! A purchase request: an employee asks for something to be bought.

use sea_orm::entity::prelude::*;

/// A purchase request row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "purchase_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Gapless per tenant, e.g. `PR-2026-00001`.
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub requester_user_id: Uuid,
    pub cost_centre_id: Option<Uuid>,
    pub org_unit_id: Option<Uuid>,
    pub category: Option<String>,
    pub amount: Decimal,
    pub currency: String,
    pub needed_by: Option<Date>,
    /// The workflow state (`api::services::purchasing::PurchaseRequestState`).
    pub status: String,
    pub submitted_at: Option<DateTimeUtc>,
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
