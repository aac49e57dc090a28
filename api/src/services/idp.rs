//! External identity providers: tenants that bring their own sign-in (Azure AD, Okta, Keycloak,
//! Google Workspace, ...) register the provider's issuer, audience, algorithm and key, and their
//! people's tokens are accepted as they are.
//!
//! Expected claims of an external token: `iss` (the registered issuer), `aud` (the registered
//! audience), `exp`, optionally `nbf`, and the user claim (`email` unless configured otherwise)
//! naming a user who holds an active membership in the tenant. The algorithm is pinned per
//! provider (`HS256` with a shared secret, `RS256` or `ES256` with a PEM public key or a JWKS
//! URL); `none`, other algorithms and unknown `kid`s are refused. A JWKS document is cached and
//! fetched again when a token names a `kid` it lacks (key rotation), at most once per
//! `auth.jwks_min_refetch_seconds`.

use std::time::Duration;

use async_graphql::Enum;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::access::identity_provider as idp;
use entity::platform;
use entity::{TenantDb, TenantId, TenantTx};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult, InputError};
use crate::services::stamp;

/// What can be wrong with an identity-provider input.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum IdpErrorCode {
    /// The value is malformed.
    Invalid,
    /// A required value is missing.
    Required,
    /// The issuer is already registered.
    Duplicate,
    /// The provider does not exist in this tenant.
    NotFound,
}

/// The algorithms a provider may be pinned to.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum IdpAlgorithm {
    /// HMAC with SHA-256 and a shared secret.
    #[graphql(name = "HS256")]
    Hs256,
    /// RSA PKCS#1 v1.5 with SHA-256.
    #[graphql(name = "RS256")]
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    #[graphql(name = "ES256")]
    Es256,
}

impl IdpAlgorithm {
    fn jwt(self) -> Algorithm {
        match self {
            IdpAlgorithm::Hs256 => Algorithm::HS256,
            IdpAlgorithm::Rs256 => Algorithm::RS256,
            IdpAlgorithm::Es256 => Algorithm::ES256,
        }
    }

    /// The stored name (`RS256`).
    pub fn name(self) -> &'static str {
        match self {
            IdpAlgorithm::Hs256 => "HS256",
            IdpAlgorithm::Rs256 => "RS256",
            IdpAlgorithm::Es256 => "ES256",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            IdpAlgorithm::Hs256,
            IdpAlgorithm::Rs256,
            IdpAlgorithm::Es256,
        ]
        .into_iter()
        .find(|a| a.name() == name)
    }
}

/// A provider to register.
pub struct NewProvider {
    /// The `iss` of its tokens.
    pub issuer: String,
    /// The `aud` its tokens carry.
    pub audience: String,
    /// The one algorithm accepted.
    pub algorithm: IdpAlgorithm,
    /// For HS256.
    pub shared_secret: Option<String>,
    /// For RS256/ES256 with a fixed key.
    pub public_key_pem: Option<String>,
    /// For RS256/ES256 with published, rotating keys.
    pub jwks_url: Option<String>,
    /// The claim naming the user (default `email`).
    pub user_claim: Option<String>,
}

type Problems = Vec<InputError<IdpErrorCode>>;

/// Registers a provider for the transaction's tenant.
pub async fn register(
    tx: &TenantTx,
    actor: Uuid,
    own_issuer: &str,
    allow_private_networks: bool,
    p: NewProvider,
) -> AppResult<Result<idp::Model, Problems>> {
    let mut problems: Problems = Vec::new();
    let bad =
        |problems: &mut Problems, f: &str, c, m: &str| problems.push(InputError::new(f, c, m));
    let issuer = p.issuer.trim().to_owned();
    if issuer.is_empty() || issuer.len() > 500 {
        bad(
            &mut problems,
            "issuer",
            IdpErrorCode::Required,
            "the issuer must be 1-500 characters",
        );
    } else if issuer == own_issuer {
        bad(
            &mut problems,
            "issuer",
            IdpErrorCode::Invalid,
            "that is this server's own issuer",
        );
    }
    if p.audience.trim().is_empty() || p.audience.len() > 500 {
        bad(
            &mut problems,
            "audience",
            IdpErrorCode::Required,
            "the audience must be 1-500 characters",
        );
    }
    let user_claim = p.user_claim.unwrap_or_else(|| "email".into());
    if user_claim.trim().is_empty() || user_claim.len() > 100 {
        bad(
            &mut problems,
            "userClaim",
            IdpErrorCode::Invalid,
            "the user claim must be 1-100 characters",
        );
    }
    let sources = [
        p.shared_secret.is_some(),
        p.public_key_pem.is_some(),
        p.jwks_url.is_some(),
    ];
    match p.algorithm {
        IdpAlgorithm::Hs256 => {
            if p.public_key_pem.is_some() || p.jwks_url.is_some() {
                bad(
                    &mut problems,
                    "algorithm",
                    IdpErrorCode::Invalid,
                    "HS256 takes a shared secret, not a public key",
                );
            }
            match &p.shared_secret {
                Some(s) if s.len() >= 32 => {}
                _ => bad(
                    &mut problems,
                    "sharedSecret",
                    IdpErrorCode::Required,
                    "HS256 needs a shared secret of at least 32 characters",
                ),
            }
        }
        alg => {
            if p.shared_secret.is_some() {
                bad(
                    &mut problems,
                    "sharedSecret",
                    IdpErrorCode::Invalid,
                    "a shared secret is only for HS256",
                );
            }
            if sources[1] == sources[2] {
                bad(
                    &mut problems,
                    "publicKeyPem",
                    IdpErrorCode::Required,
                    "give either a PEM public key or a JWKS URL",
                );
            }
            if let Some(pem) = &p.public_key_pem
                && key_from_pem(alg, pem).is_none()
            {
                bad(
                    &mut problems,
                    "publicKeyPem",
                    IdpErrorCode::Invalid,
                    "not a PEM public key for this algorithm",
                );
            }
            if let Some(url) = &p.jwks_url
                && !(url.starts_with("https://")
                    || (allow_private_networks && url.starts_with("http://")))
            {
                bad(
                    &mut problems,
                    "jwksUrl",
                    IdpErrorCode::Invalid,
                    "the JWKS URL must use https",
                );
            }
        }
    }
    if problems.is_empty()
        && platform::find_idp_route(tx.connection(), &issuer)
            .await?
            .is_some()
    {
        bad(
            &mut problems,
            "issuer",
            IdpErrorCode::Duplicate,
            "this issuer is already registered",
        );
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    platform::insert_idp_route(tx.connection(), &issuer, tx.tenant().uuid()).await?;
    let now = Utc::now();
    // A provider removed earlier keeps its row (the audit trail refers to it): registering its
    // issuer again revives that row with the new settings.
    let owned = issuer.clone();
    let archived = tx
        .one(
            tx.select::<idp::Entity>()
                .refine(|q| q.filter(idp::Column::Issuer.eq(owned))),
        )
        .await?;
    if let Some(old) = archived {
        let version = old.version;
        let mut am = old.into_active_model();
        am.audience = Set(p.audience.trim().to_owned());
        am.algorithm = Set(p.algorithm.name().to_owned());
        am.shared_secret = Set(p.shared_secret);
        am.public_key_pem = Set(p.public_key_pem);
        am.jwks_url = Set(p.jwks_url);
        am.jwks_json = Set(None);
        am.jwks_fetched_at = Set(None);
        am.user_claim = Set(user_claim.trim().to_owned());
        am.archived_at = Set(None);
        stamp(
            &mut am.version,
            &mut am.updated_at,
            &mut am.updated_by,
            version,
            actor,
        );
        return Ok(Ok(tx.update(am).await?));
    }
    let row = tx
        .insert(idp::ActiveModel {
            tenant_id: Set(tx.tenant().uuid()),
            id: Set(Uuid::now_v7()),
            issuer: Set(issuer),
            audience: Set(p.audience.trim().to_owned()),
            algorithm: Set(p.algorithm.name().to_owned()),
            shared_secret: Set(p.shared_secret),
            public_key_pem: Set(p.public_key_pem),
            jwks_url: Set(p.jwks_url),
            jwks_json: Set(None),
            jwks_fetched_at: Set(None),
            user_claim: Set(user_claim.trim().to_owned()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            created_by: Set(Some(actor)),
            updated_by: Set(Some(actor)),
            archived_at: Set(None),
        })
        .await?;
    Ok(Ok(row))
}

/// Removes a provider: its tokens are refused from the next request on.
pub async fn remove(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
) -> AppResult<Result<idp::Model, Problems>> {
    let Some(current) = tx
        .get::<idp::Entity>(id)
        .await?
        .filter(|p| p.archived_at.is_none())
    else {
        return Ok(Err(vec![InputError::new(
            "id",
            IdpErrorCode::NotFound,
            "no such identity provider",
        )]));
    };
    platform::delete_idp_route(tx.connection(), &current.issuer, tx.tenant().uuid()).await?;
    let version = current.version;
    let mut am = current.into_active_model();
    am.archived_at = Set(Some(Utc::now()));
    stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        version,
        actor,
    );
    Ok(Ok(tx.update(am).await?))
}

/// The `iss` of a token, read without verifying it: only to find the provider whose key will
/// verify it.
pub fn unverified_issuer(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("iss")?.as_str().map(str::to_owned)
}

/// Verifies a token of a registered provider; returns the tenant and the user claim's value.
pub async fn verify(
    db: &DatabaseConnection,
    issuer: &str,
    token: &str,
    leeway: u64,
    policy: JwksPolicy,
) -> AppResult<(TenantId, String)> {
    let refused = |why: &str| AppError::Unauthenticated(why.to_owned());
    let route = platform::find_idp_route(db, issuer)
        .await?
        .ok_or_else(|| refused("the token's issuer or key is not known"))?;
    let tenant = TenantId(route.tenant_id);
    let tdb = TenantDb::new(db.clone(), tenant);
    let owned_issuer = issuer.to_owned();
    let provider = tdb
        .read(async |tx| {
            tx.one(tx.select::<idp::Entity>().refine(|q| {
                q.filter(idp::Column::Issuer.eq(owned_issuer))
                    .filter(idp::Column::ArchivedAt.is_null())
            }))
            .await
        })
        .await?
        .ok_or_else(|| refused("the token's issuer or key is not known"))?;
    let alg = IdpAlgorithm::from_name(&provider.algorithm)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad stored algorithm")))?;
    let header = jsonwebtoken::decode_header(token).map_err(|_| refused("the token is invalid"))?;
    if header.alg != alg.jwt() {
        return Err(refused("the token uses an algorithm that is not accepted"));
    }
    let key = match alg {
        IdpAlgorithm::Hs256 => provider
            .shared_secret
            .as_deref()
            .map(|s| DecodingKey::from_secret(s.as_bytes())),
        _ => match (&provider.public_key_pem, &provider.jwks_url) {
            (Some(pem), _) => key_from_pem(alg, pem),
            (None, Some(_)) => {
                jwks_key(&tdb, &provider, header.kid.as_deref(), alg, policy).await?
            }
            (None, None) => None,
        },
    }
    .ok_or_else(|| refused("the token's issuer or key is not known"))?;
    let mut validation = Validation::new(alg.jwt());
    validation.set_issuer(&[&provider.issuer]);
    validation.set_audience(&[&provider.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.validate_nbf = true;
    validation.leeway = leeway;
    let data =
        jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            refused(match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::ImmatureSignature => "the token is not valid yet",
                ErrorKind::InvalidAudience => "the token has the wrong audience",
                ErrorKind::InvalidIssuer => "the token has the wrong issuer",
                _ => "the token is invalid",
            })
        })?;
    let who = data
        .claims
        .get(&provider.user_claim)
        .and_then(|v| v.as_str())
        .ok_or_else(|| refused("the token lacks the user claim"))?;
    Ok((tenant, who.to_lowercase()))
}

fn key_from_pem(alg: IdpAlgorithm, pem: &str) -> Option<DecodingKey> {
    match alg {
        IdpAlgorithm::Rs256 => DecodingKey::from_rsa_pem(pem.as_bytes()).ok(),
        IdpAlgorithm::Es256 => DecodingKey::from_ec_pem(pem.as_bytes()).ok(),
        IdpAlgorithm::Hs256 => None,
    }
}

/// The key for `kid` from the provider's JWKS: from the cached document, or after fetching it
/// again when the `kid` is new and the last fetch is old enough.
async fn jwks_key(
    tdb: &TenantDb,
    provider: &idp::Model,
    kid: Option<&str>,
    alg: IdpAlgorithm,
    policy: JwksPolicy,
) -> AppResult<Option<DecodingKey>> {
    let Some(kid) = kid else { return Ok(None) };
    if let Some(key) = provider
        .jwks_json
        .as_deref()
        .and_then(|doc| find_jwk(doc, kid, alg))
    {
        return Ok(Some(key));
    }
    let fresh_enough = provider
        .jwks_fetched_at
        .is_some_and(|t| (Utc::now() - t).num_milliseconds() < policy.min_refetch_seconds * 1000);
    let Some(url) = provider.jwks_url.as_deref().filter(|_| !fresh_enough) else {
        return Ok(None);
    };
    let fetched = fetch(url, policy.allow_private_networks).await;
    if let Err(e) = &fetched {
        tracing::warn!(issuer = %provider.issuer, error = %e, "fetching a JWKS document failed");
    }
    // Failures are stamped too, so made-up kids cannot make the server fetch without pause.
    let tx = tdb
        .acting_as(entity::Actor::system("refreshJwks"))
        .begin()
        .await?;
    let mut am = provider.clone().into_active_model();
    if let Ok(doc) = &fetched {
        am.jwks_json = Set(Some(doc.clone()));
    }
    am.jwks_fetched_at = Set(Some(Utc::now()));
    tx.update(am).await?;
    tx.commit().await?;
    Ok(fetched.ok().and_then(|doc| find_jwk(&doc, kid, alg)))
}

/// How JWKS documents may be fetched.
#[derive(Clone, Copy, Debug)]
pub struct JwksPolicy {
    /// The shortest interval between two fetches of one provider's document.
    pub min_refetch_seconds: i64,
    /// Whether http and loopback or private addresses are allowed.
    pub allow_private_networks: bool,
}

/// The largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 64 * 1024;

/// Fetches a JWKS document: https only and public addresses only (unless allowed), the address
/// checked is the one connected to (no DNS rebinding), no redirects, at most 64 KiB.
async fn fetch(url: &str, allow_private_networks: bool) -> anyhow::Result<String> {
    let (client, parsed) =
        crate::outbound::pinned_client(url, allow_private_networks, Duration::from_secs(5)).await?;
    let mut resp = client.get(parsed).send().await?.error_for_status()?;
    if resp
        .content_length()
        .is_some_and(|l| l > MAX_JWKS_BYTES as u64)
    {
        anyhow::bail!("the JWKS document is too large");
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_JWKS_BYTES {
            anyhow::bail!("the JWKS document is too large");
        }
    }
    let text = String::from_utf8(body)?;
    // Parse once here so a broken document is never cached.
    serde_json::from_str::<JwkSet>(&text)?;
    Ok(text)
}

fn find_jwk(doc: &str, kid: &str, alg: IdpAlgorithm) -> Option<DecodingKey> {
    let set: JwkSet = serde_json::from_str(doc).ok()?;
    let jwk = set.find(kid)?;
    // A key that names its algorithm must name the pinned one.
    if let Some(key_alg) = jwk.common.key_algorithm
        && format!("{key_alg:?}") != alg.name()
    {
        return None;
    }
    DecodingKey::from_jwk(jwk).ok()
}
