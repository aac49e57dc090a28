//! Which tenant an external issuer belongs to.

use sea_orm::entity::prelude::*;

/// A routing row: nothing but an issuer and its tenant. A token names its issuer before anyone
/// knows the tenant, so this one lookup happens outside any tenant scope; everything else about
/// the provider lives in the tenant-owned `identity_providers` table.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "idp_routes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub issuer: String,
    pub tenant_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
