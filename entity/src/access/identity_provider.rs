//! An external identity provider a tenant brings (Azure AD, Okta, Keycloak, Google, ...).

use sea_orm::entity::prelude::*;

/// An identity provider row; tenant-owned. Secrets and keys never leave the server.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "identity_providers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The `iss` of its tokens; unique across the platform (see `idp_routes`).
    pub issuer: String,
    /// The `aud` its tokens must carry.
    pub audience: String,
    /// `HS256`, `RS256` or `ES256`: the only algorithm accepted from it.
    pub algorithm: String,
    /// HS256 shared secret. Never serialized (so never audited or returned).
    #[serde(skip)]
    pub shared_secret: Option<String>,
    /// PEM public key (RS256 or ES256), when not using JWKS.
    pub public_key_pem: Option<String>,
    /// Where its JWKS document is published.
    pub jwks_url: Option<String>,
    /// The last JWKS document fetched.
    #[serde(skip)]
    pub jwks_json: Option<String>,
    pub jwks_fetched_at: Option<DateTimeUtc>,
    /// The claim that names the user: `email` by default.
    pub user_claim: String,
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
