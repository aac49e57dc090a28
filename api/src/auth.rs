//! Credentials and the per-request [`Principal`].
//!
//! The principal is built once per request from the credential and is the only source of the
//! tenant. Tokens this server issues are HS256 JWTs carrying the user (`sub`) and the tenant
//! (`tid`); roles are *not* trusted from the token but read from the membership at request time,
//! so a role change or a suspension takes effect at once.
//!
//! Resolved principals are kept in the read cache (the permission set is the hottest read of
//! all). Each depends on the generations of what it was built from: the tenant, memberships and
//! custom roles for a user, plus the sign-in (`Session:{id}`) its token belongs to; the tenant,
//! apps and API keys for a key. Any commit touching those moves the generations before it
//! returns, so a suspension, a revoked key or a signed-out session stops working on every
//! process at once.

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

use crate::cache::ReadCache;
use crate::config::AuthSettings;
use crate::error::{AppError, AppResult};

pub use crate::permissions::{BuiltinRole, Permission, permission_from_name, permission_name};

/// Whether the caller is a person or a partner app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrincipalKind {
    /// A signed-in user, through a JWT.
    User,
    /// A partner app, through an API key.
    App,
}

/// Who is calling.
#[derive(Clone, Debug, Serialize, Deserialize)]
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
    /// The API key an app called with (its rate-limit bucket).
    #[serde(default)]
    pub key_id: Option<Uuid>,
    /// When the API key was last recorded as used.
    #[serde(default)]
    pub key_last_used_at: Option<chrono::DateTime<Utc>>,
    /// When the API key expires.
    #[serde(default)]
    pub key_expires_at: Option<chrono::DateTime<Utc>>,
    /// The tenant's rate-limit plan (`None`: the configured default).
    #[serde(default)]
    pub plan: Option<String>,
    /// Whether this credential may run only the tenant's registered persisted operations (API
    /// keys of a tenant in allow-list mode).
    #[serde(default)]
    pub allow_listed_only: bool,
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
    /// The sign-in (refresh-token family) the token was issued for; signing out ends it.
    /// Tokens issued outside a sign-in (the CLI's) have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
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
        self.issue_in(user_id, tenant, ttl_seconds, None)
    }

    /// Issues an access token belonging to a sign-in: it stops working when the sign-in ends.
    pub fn issue_for_session(
        &self,
        user_id: Uuid,
        tenant: TenantId,
        session: Uuid,
    ) -> AppResult<String> {
        self.issue_in(user_id, tenant, None, Some(session))
    }

    fn issue_in(
        &self,
        user_id: Uuid,
        tenant: TenantId,
        ttl_seconds: Option<i64>,
        sid: Option<Uuid>,
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
            sid,
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
    cache: &ReadCache,
    tokens: &TokenService,
    token: &str,
) -> AppResult<Principal> {
    let claims = tokens.verify(token)?;
    let user_id = Uuid::parse_str(&claims.sub).map_err(|_| not_a_member())?;
    cached_user_principal(db, cache, TenantId(claims.tid), user_id, claims.sid).await
}

/// A user's principal through the cache (see the module comment for what it depends on).
async fn cached_user_principal(
    db: &DatabaseConnection,
    cache: &ReadCache,
    tenant: TenantId,
    user_id: Uuid,
    session: Option<Uuid>,
) -> AppResult<Principal> {
    let session_dep = session.map(|s| format!("Session:{s}"));
    let mut deps = vec!["Tenant", "Member", "CustomRole"];
    deps.extend(session_dep.as_deref());
    let id = match session {
        Some(s) => format!("{user_id}:{s}"),
        None => user_id.to_string(),
    };
    cache
        .read_one(tenant, &deps, "principal:user", &id, async || {
            if let Some(s) = session
                && !crate::services::sessions::is_live(db, tenant, s).await?
            {
                return Err(not_a_member());
            }
            principal_for_user(db, tenant, user_id).await.map(Some)
        })
        .await?
        .ok_or_else(not_a_member)
}

/// Turns any JWT into a principal: this server's own tokens by [`principal_from_token`], an
/// external identity provider's by the provider registered for the token's issuer.
pub async fn principal_from_jwt(
    db: &DatabaseConnection,
    cache: &ReadCache,
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
            cached_user_principal(db, cache, tenant, user.id, None).await
        }
        _ => principal_from_token(db, cache, tokens, token).await,
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
        key_id: None,
        key_last_used_at: None,
        key_expires_at: None,
        plan: tenant.plan,
        allow_listed_only: false,
    })
}

/// Turns an API key into a principal with its app's permissions. Unknown, malformed, revoked
/// and expired keys, archived apps and inactive tenants all answer the same way. Schema
/// introspection stays closed to keys unless the tenant allows it.
pub async fn principal_from_api_key(
    db: &DatabaseConnection,
    cache: &ReadCache,
    key: &str,
) -> AppResult<Principal> {
    let refused = || AppError::Unauthenticated("the API key is not valid".into());
    let (tenant_id, hash) = crate::services::apps::parse_key(key).ok_or_else(refused)?;
    let principal = cache
        .read_one(
            tenant_id,
            &["Tenant", "ApiKey", "App"],
            "principal:key",
            &hash,
            async || app_principal(db, tenant_id, &hash).await,
        )
        .await?
        .ok_or_else(refused)?;
    // An expiry passes without any write, so it is checked on every use, cached or not.
    let now = chrono::Utc::now();
    if principal.key_expires_at.is_some_and(|e| e <= now) {
        return Err(refused());
    }
    // Recording every use would make each read a write; once a minute is enough to spot
    // unused keys. The write moves the ApiKey generation, so the next request reloads.
    // A failure here must not fail the request.
    if let Some(key_id) = principal.key_id
        && principal
            .key_last_used_at
            .is_none_or(|t| now - t > chrono::Duration::seconds(60))
    {
        record_key_use(db, tenant_id, principal.actor_id, key_id, now).await;
    }
    Ok(principal)
}

async fn record_key_use(
    db: &DatabaseConnection,
    tenant: TenantId,
    app_id: Uuid,
    key_id: Uuid,
    now: chrono::DateTime<Utc>,
) {
    use entity::access::api_key;
    let actor = entity::Actor {
        kind: "app",
        id: Some(app_id),
        ..Default::default()
    };
    let touch = async {
        let tx = TenantDb::new(db.clone(), tenant)
            .acting_as(actor)
            .begin()
            .await?;
        if let Some(key) = tx.get::<api_key::Entity>(key_id).await? {
            let mut am = sea_orm::IntoActiveModel::into_active_model(key);
            am.last_used_at = sea_orm::ActiveValue::Set(Some(now));
            tx.update(am).await?;
        }
        tx.commit().await
    };
    if let Err(e) = touch.await {
        tracing::warn!(error = %e, "could not record an API key's use");
    }
}

/// The principal of a live API key with its app's permissions; `None` for unknown, revoked or
/// expired keys, archived apps and inactive tenants.
async fn app_principal(
    db: &DatabaseConnection,
    tenant_id: TenantId,
    hash: &str,
) -> AppResult<Option<Principal>> {
    use entity::access::{api_key, app};
    let hash = hash.to_owned();
    let Some(tenant) = platform::find_tenant(db, tenant_id.uuid()).await? else {
        return Ok(None);
    };
    if tenant.status != "active" {
        return Ok(None);
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
    let Some((key, app)) = found else {
        return Ok(None);
    };
    if key.revoked_at.is_some()
        || key.expires_at.is_some_and(|e| e <= now)
        || app.archived_at.is_some()
    {
        return Ok(None);
    }
    let permissions = app
        .permissions
        .0
        .iter()
        .filter_map(|p| permission_from_name(p))
        .filter(|p| *p != Permission::ExploreSchema || tenant.api_key_introspection)
        .collect();
    Ok(Some(Principal {
        tenant: tenant_id,
        kind: PrincipalKind::App,
        actor_id: app.id,
        roles: Vec::new(),
        permissions,
        key_id: Some(key.id),
        key_last_used_at: key.last_used_at,
        key_expires_at: key.expires_at,
        plan: tenant.plan,
        allow_listed_only: tenant.api_key_operations == "allow_list",
    }))
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
