//! The approval of one submitted document.

use sea_orm::entity::prelude::*;

/// An approval request row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "approval_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub document_type: String,
    pub document_id: Uuid,
    /// The document's number when it was submitted, for lists.
    pub document_number: Option<String>,
    pub requester_user_id: Uuid,
    /// The rule that chose the tiers; `None` when no rule matched (approved at once).
    pub rule_id: Option<Uuid>,
    pub amount: Decimal,
    pub currency: String,
    /// `pending`, `approved`, `rejected` or `cancelled`.
    pub status: String,
    /// The tier now deciding (1-based); 0 when no tier applies.
    pub current_tier: i32,
    pub submitted_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    /// The rejection or cancellation reason.
    pub reason: Option<String>,
    /// When the document is needed; approvers are reminded as it nears.
    pub due_on: Option<Date>,
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
