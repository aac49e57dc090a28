//! An expense claim: an employee asks to be paid back what they spent for the company.

use sea_orm::entity::prelude::*;

/// An expense claim row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "expense_claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Gapless per tenant, e.g. `EXP-2026-000001`.
    pub number: String,
    pub claimant_user_id: Uuid,
    pub title: String,
    pub currency: String,
    /// The sum of the lines.
    pub total: Decimal,
    /// An advance the claimant already received, netted when the claim is posted.
    pub advance: Decimal,
    pub cost_centre_id: Option<Uuid>,
    /// The workflow state (`api::services::accounting::expenses::ExpenseClaimState`).
    pub status: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub entry_id: Option<Uuid>,
    pub payment_entry_id: Option<Uuid>,
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
