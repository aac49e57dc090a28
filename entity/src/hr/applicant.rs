//! A candidate for an opening, moving through the pipeline's stages.

use sea_orm::entity::prelude::*;

/// A row; tenant-owned.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "applicants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The opening.
    pub opening_id: Uuid,
    /// Family name.
    pub family_name: String,
    /// Given name.
    pub given_name: String,
    /// Contact e-mail: sensitive.
    pub email: String,
    /// Phone: sensitive.
    pub phone: Option<String>,
    /// Where they came from.
    pub source: Option<String>,
    /// The pipeline stage.
    pub stage: String,
    /// A note.
    pub note: Option<String>,
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
