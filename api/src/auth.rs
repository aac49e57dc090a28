//! Credentials and the per-request [`Principal`].
//!
//! The principal is built once per request from the credential and is the only source of the
//! tenant. Tokens this server issues are HS256 JWTs carrying the user (`sub`) and the tenant
//! (`tid`); roles are *not* trusted from the token but read from the membership at request time,
//! so a role change or a suspension takes effect at once.

use std::collections::BTreeSet;

use chrono::Utc;
use entity::access::role;
use entity::platform::{self, membership};
use entity::{TenantDb, TenantId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::AuthSettings;
use crate::error::{AppError, AppResult};

pub use crate::permissions::{BuiltinRole, Permission, permission_from_name, permission_name};

/// Whether the caller is a person or a partner app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// A signed-in user, through a JWT.
    User,
    /// A partner app, through an API key.
    App,
}

/// Who is calling.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The tenant every query of this request is scoped to.
    pub tenant: TenantId,
    /// A person or an app.
    pub kind: PrincipalKind,
    /// The user's id, or the app's.
    pub actor_id: Uuid,
    /// Role names held (empty for apps, which hold permissions directly).
    pub roles: Vec<String>,
    /// The union of the roles' permissions, or the app's.
    pub permissions: BTreeSet<Permission>,
}

impl Principal {
    /// Whether the principal holds a permission.
    pub fn can(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// Fails with `FORBIDDEN` unless the principal holds the permission.
    pub fn require(&self, p: Permission) -> AppResult<()> {
        if self.can(p) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "this needs the {} permission",
                permission_name(p)
            )))
        }
    }
}

/// The claims of tokens this server issues.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The tenant id.
    pub tid: Uuid,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Not before, seconds since the epoch.
    pub nbf: i64,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Token id.
    pub jti: String,
}

/// Issues and verifies this server's tokens.
#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    default_ttl: i64,
    jwks_policy: crate::services::idp::JwksPolicy,
}

impl TokenService {
    /// Builds the service from the auth settings.
    pub fn new(settings: &AuthSettings) -> Self {
        let secret = settings.jwt_secret.expose_secret().as_bytes();
        // The algorithm is pinned: a token that names another one (including `none`) fails.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = settings.leeway_seconds;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            default_ttl: i64::try_from(settings.access_token_ttl_seconds).unwrap_or(900),
            jwks_policy: crate::services::idp::JwksPolicy {
                min_refetch_seconds: i64::try_from(settings.jwks_min_refetch_seconds).unwrap_or(30),
                allow_private_networks: settings.jwks_allow_private_networks,
            },
        }
    }

    /// Issues a token for a user in a tenant, valid for `ttl_seconds` (the configured access-token
    /// lifetime when `None`).
    pub fn issue(
        &self,
        user_id: Uuid,
        tenant: TenantId,
        ttl_seconds: Option<i64>,
    ) -> AppResult<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            tid: tenant.uuid(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + ttl_seconds.unwrap_or(self.default_ttl),
            nbf: now,
            iat: now,
            jti: Uuid::now_v7().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// Lifetime of access tokens issued without an explicit one, in seconds.
    pub fn access_ttl_seconds(&self) -> i64 {
        self.default_ttl
    }

    /// How identity providers' JWKS documents may be fetched.
    pub fn jwks_policy(&self) -> crate::services::idp::JwksPolicy {
        self.jwks_policy
    }

    /// Allowed clock skew, in seconds.
    pub fn leeway(&self) -> u64 {
        self.validation.leeway
    }

    /// Verifies a token's signature and registered claims.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired",
                    ErrorKind::ImmatureSignature => "the token is not valid yet",
                    ErrorKind::InvalidIssuer => "the token has the wrong issuer",
                    ErrorKind::InvalidAudience => "the token has the wrong audience",
                    ErrorKind::InvalidAlgorithm => {
                        "the token uses an algorithm that is not accepted"
                    }
                    ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                    _ => "the token is invalid",
                };
                AppError::Unauthenticated(why.into())
            })
    }
}

/// Turns a verified token into a principal: the tenant must exist and be active, and the user
/// must hold an active membership in it. Every failure answers the same way, so a caller cannot
/// tell a missing tenant from a missing membership.
pub async fn principal_from_token(
    db: &DatabaseConnection,
    tokens: &TokenService,
    token: &str,
) -> AppResult<Principal> {
    let claims = tokens.verify(token)?;
    let user_id = Uuid::parse_str(&claims.sub).map_err(|_| not_a_member())?;
    principal_for_user(db, TenantId(claims.tid), user_id).await
}

/// Turns any JWT into a principal: this server's own tokens by [`principal_from_token`], an
/// external identity provider's by the provider registered for the token's issuer.
pub async fn principal_from_jwt(
    db: &DatabaseConnection,
    tokens: &TokenService,
    token: &str,
) -> AppResult<Principal> {
    match crate::services::idp::unverified_issuer(token) {
        Some(issuer) if issuer != tokens.issuer => {
            let (tenant, email) = crate::services::idp::verify(
                db,
                &issuer,
                token,
                tokens.leeway(),
                tokens.jwks_policy(),
            )
            .await?;
            let user = platform::find_user_by_email(db, &email)
                .await?
                .ok_or_else(not_a_member)?;
            principal_for_user(db, tenant, user.id).await
        }
        _ => principal_from_token(db, tokens, token).await,
    }
}

fn not_a_member() -> AppError {
    AppError::Unauthenticated("the credential is not valid for any active tenant".into())
}

/// The principal of a user in a tenant: the tenant must be active and the user an active member.
/// Every failure answers the same way, so a caller cannot tell a missing tenant from a missing
/// membership.
async fn principal_for_user(
    db: &DatabaseConnection,
    tenant_id: TenantId,
    user_id: Uuid,
) -> AppResult<Principal> {
    let refused = not_a_member;
    let tenant = platform::find_tenant(db, tenant_id.uuid())
        .await?
        .ok_or_else(refused)?;
    if tenant.status != "active" {
        return Err(refused());
    }
    let tenant_id = TenantId(tenant.id);
    let tdb = TenantDb::new(db.clone(), tenant_id);
    let (member, custom) = tdb
        .read(async |tx| {
            let member = tx
                .one(
                    tx.select::<membership::Entity>()
                        .refine(|q| q.filter(membership::Column::UserId.eq(user_id))),
                )
                .await?;
            // Keys that are not built in name the tenant's own roles.
            let custom_keys: Vec<String> = member
                .iter()
                .flat_map(|m| m.roles.0.iter())
                .filter(|k| BuiltinRole::from_key(k).is_none())
                .cloned()
                .collect();
            let custom = if custom_keys.is_empty() {
                Vec::new()
            } else {
                tx.all(tx.select::<role::Entity>().refine(|q| {
                    q.filter(role::Column::Key.is_in(custom_keys))
                        .filter(role::Column::ArchivedAt.is_null())
                }))
                .await?
            };
            Ok((member, custom))
        })
        .await?;
    let member = member.ok_or_else(refused)?;
    if member.status != "active" || member.archived_at.is_some() {
        return Err(refused());
    }
    let permissions = crate::permissions::granted_by(&member.roles.0, &custom);
    Ok(Principal {
        tenant: tenant_id,
        kind: PrincipalKind::User,
        actor_id: user_id,
        roles: member.roles.0,
        permissions,
    })
}

/// Turns an API key into a principal with its app's permissions. Unknown, malformed, revoked
/// and expired keys, archived apps and inactive tenants all answer the same way. Schema
/// introspection stays closed to keys unless the tenant allows it.
pub async fn principal_from_api_key(db: &DatabaseConnection, key: &str) -> AppResult<Principal> {
    use entity::access::{api_key, app};
    let refused = || AppError::Unauthenticated("the API key is not valid".into());
    let (tenant_id, hash) = crate::services::apps::parse_key(key).ok_or_else(refused)?;
    let tenant = platform::find_tenant(db, tenant_id.uuid())
        .await?
        .ok_or_else(refused)?;
    if tenant.status != "active" {
        return Err(refused());
    }
    let now = chrono::Utc::now();
    let tdb = TenantDb::new(db.clone(), tenant_id);
    let found = tdb
        .read(async |tx| {
            let key = tx
                .one(
                    tx.select::<api_key::Entity>()
                        .refine(|q| q.filter(api_key::Column::KeyHash.eq(hash))),
                )
                .await?;
            let app = match &key {
                Some(k) => tx.get::<app::Entity>(k.app_id).await?,
                None => None,
            };
            Ok(key.zip(app))
        })
        .await?;
    let (key, app) = found.ok_or_else(refused)?;
    if key.revoked_at.is_some()
        || key.expires_at.is_some_and(|e| e <= now)
        || app.archived_at.is_some()
    {
        return Err(refused());
    }
    // Recording every use would make each read a write; once a minute is enough to spot
    // unused keys. A failure here must not fail the request.
    if key
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::seconds(60))
    {
        let actor = entity::Actor {
            kind: "app",
            id: Some(app.id),
            ..Default::default()
        };
        let mut am = sea_orm::IntoActiveModel::into_active_model(key.clone());
        am.last_used_at = sea_orm::ActiveValue::Set(Some(now));
        let touch = async {
            let tx = tdb.acting_as(actor).begin().await?;
            tx.update(am).await?;
            tx.commit().await
        };
        if let Err(e) = touch.await {
            tracing::warn!(error = %e, "could not record an API key's use");
        }
    }
    let permissions = app
        .permissions
        .0
        .iter()
        .filter_map(|p| permission_from_name(p))
        .filter(|p| *p != Permission::ExploreSchema || tenant.api_key_introspection)
        .collect();
    Ok(Principal {
        tenant: tenant_id,
        kind: PrincipalKind::App,
        actor_id: app.id,
        roles: Vec::new(),
        permissions,
    })
}

/// Reads the bearer credential from an `Authorization` header value.
pub fn bearer(header: &str) -> AppResult<&str> {
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || rest.trim().is_empty() {
        return Err(AppError::Unauthenticated(
            "the Authorization header must be `Bearer <token>`".into(),
        ));
    }
    Ok(rest.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_names_are_screaming_case() {
        assert_eq!(
            permission_name(Permission::ManageOrganisation),
            "MANAGE_ORGANISATION"
        );
        assert_eq!(permission_name(Permission::ExploreSchema), "EXPLORE_SCHEMA");
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer("Bearer abc").ok(), Some("abc"));
        assert_eq!(bearer("bearer  abc ").ok(), Some("abc"));
        assert!(bearer("Basic abc").is_err());
        assert!(bearer("Bearer").is_err());
    }
}
