//! An in-app notification for one user.

use sea_orm::entity::prelude::*;

/// A notification row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The user it is for.
    pub recipient_user_id: Uuid,
    /// `approval_waiting`, `approval_approved`, `approval_rejected`, `webhook_disabled`, ...
    pub kind: String,
    pub title: String,
    pub body: Option<String>,
    /// The record it is about (type name and id).
    pub subject_type: Option<String>,
    pub subject_id: Option<Uuid>,
    pub read_at: Option<DateTimeUtc>,
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
