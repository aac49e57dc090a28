//! A task of an onboarding or a separation.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "hr_checklist_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The onboarding (or none).
    pub onboarding_id: Option<Uuid>,
    /// The separation (or none).
    pub separation_id: Option<Uuid>,
    /// Its place in the list.
    pub seq: i32,
    /// `task` or `asset_return`.
    pub kind: String,
    /// What to do.
    pub title: String,
    /// Whether completion waits for it.
    pub required: bool,
    /// What it is about (an asset tag, for a return).
    pub reference: Option<String>,
    /// When done.
    pub done_at: Option<DateTimeUtc>,
    /// Who did it.
    pub done_by: Option<Uuid>,
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
