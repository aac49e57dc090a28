//! A read of a sensitive personal field.

use sea_orm::entity::prelude::*;

/// One read of one sensitive field of one person: who read it, when, in which request, and
/// whether it was their own. Append-only, like the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "personal_data_access_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occurred_at: DateTimeUtc,
    /// `user` or `app`.
    pub actor_kind: String,
    pub actor_id: Uuid,
    pub request_id: Option<String>,
    /// The GraphQL type of the person's record, e.g. `Employee`.
    pub subject_type: String,
    pub subject_id: Uuid,
    /// The GraphQL field read, e.g. `nationalIdNumber`.
    pub field: String,
    /// Whether the person read their own data.
    pub self_access: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
