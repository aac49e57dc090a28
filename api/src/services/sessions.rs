//! Built-in sign-in: passwords (argon2id), short-lived access tokens and rotating refresh tokens.
//!
//! A refresh token reads `<tenant id>.<secret>`: the tenant part lets the server open the right
//! tenant's transaction (refresh tokens are tenant-owned and protected by row-level security),
//! the secret is 32 random bytes of which only the SHA-256 is stored. Each refresh revokes the
//! presented token and issues a successor in the same family; presenting a revoked token again
//! means it was copied, so the whole family is revoked.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use entity::platform::{self, membership, refresh_token};
use entity::{TenantId, TenantTx};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, IntoActiveModel, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::TokenService;
use crate::error::{AppError, AppResult};

/// How long a refresh token lives.
pub const REFRESH_TTL_DAYS: i64 = 30;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Why a sign-in or refresh failed. Deliberately coarse: a caller must not learn which of
/// email, password, tenant or membership was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionFailure {
    /// Unknown email, wrong password, unknown or suspended tenant, or no active membership.
    InvalidCredentials,
    /// The refresh token is malformed, unknown, expired or revoked.
    InvalidRefreshToken,
}

/// A fresh pair of tokens.
pub struct Tokens {
    /// The JWT to send as `Authorization: Bearer`.
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The token to trade for a new pair.
    pub refresh_token: String,
}

/// Hashes a password with argon2id (default parameters) on a blocking thread.
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::Internal)
}

/// Checks a password against a stored hash on a blocking thread. With no hash it still does the
/// work of one verification, so response times do not reveal which emails exist.
async fn verify_password(password: &str, hash: Option<String>) -> bool {
    // A hash of a random password, used when the account has none.
    const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1kUq0z0mHcKU2Tew5LRc2aNE4Z4RWxWq6Jhk9hG9vNI";
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let stored = hash.as_deref().unwrap_or(DECOY);
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && hash.is_some()
    })
    .await
    .unwrap_or(false)
}

/// Checks a new password against the policy; `None` when acceptable.
pub fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if chars > 256 {
        return Some("the password must be at most 256 characters".into());
    }
    None
}

/// Sets a member's password for one tenant's built-in sign-in (the caller has authorised it).
/// Other tenants' memberships of the same person are untouched.
pub async fn set_password(
    db: &DatabaseConnection,
    tenant: TenantId,
    user_id: Uuid,
    password: &str,
) -> AppResult<()> {
    if let Some(problem) = password_problem(password) {
        return Err(AppError::BadRequest(problem));
    }
    let tx = TenantTx::begin(db, tenant)
        .await?
        .acting_as(as_user(user_id, "setPassword"));
    let member = member_of(&tx, user_id)
        .await?
        .ok_or(AppError::NotFound("member"))?;
    set_member_password(&tx, member, password).await?;
    tx.commit().await?;
    Ok(())
}

async fn set_member_password(
    tx: &TenantTx,
    member: membership::Model,
    password: &str,
) -> AppResult<()> {
    let hash = hash_password(password).await?;
    let version = member.version;
    let mut am = member.into_active_model();
    am.password_hash = Set(Some(hash));
    am.version = Set(version + 1);
    am.updated_at = Set(Utc::now());
    tx.update(am).await?;
    Ok(())
}

async fn member_of(tx: &TenantTx, user_id: Uuid) -> AppResult<Option<membership::Model>> {
    Ok(tx
        .one(
            tx.select::<membership::Entity>()
                .refine(|q| q.filter(membership::Column::UserId.eq(user_id))),
        )
        .await?)
}

/// Signs a user in to a tenant with email and password. The password is the membership's: each
/// tenant's built-in sign-in is independent.
pub async fn login(
    db: &DatabaseConnection,
    tokens: &TokenService,
    email: &str,
    password: &str,
    tenant_slug: &str,
) -> AppResult<Result<Tokens, SessionFailure>> {
    let user = platform::find_user_by_email(db, email.trim()).await?;
    let tenant = platform::find_tenant_by_slug(db, tenant_slug.trim())
        .await?
        .filter(|t| t.status == "active");
    let (tx, member) = match (&user, &tenant) {
        (Some(u), Some(t)) => {
            let tx = TenantTx::begin(db, TenantId(t.id))
                .await?
                .acting_as(as_user(u.id, "login"));
            let member = member_of(&tx, u.id).await?;
            (Some(tx), member)
        }
        _ => (None, None),
    };
    // The password is checked (against a decoy when there is nothing to check) before anything
    // else is decided, so every failure takes the same time.
    let ok = verify_password(
        password,
        member.as_ref().and_then(|m| m.password_hash.clone()),
    )
    .await;
    let active = member
        .as_ref()
        .is_some_and(|m| m.status == "active" && m.archived_at.is_none());
    let (Some(tx), Some(user), true, true) = (tx, user, ok, active) else {
        return Ok(Err(SessionFailure::InvalidCredentials));
    };
    let pair = issue(&tx, tokens, user.id, Uuid::now_v7()).await?;
    tx.commit().await?;
    Ok(Ok(pair))
}

/// Trades a refresh token for a new pair, revoking the one presented.
pub async fn refresh(
    db: &DatabaseConnection,
    tokens: &TokenService,
    presented: &str,
) -> AppResult<Result<Tokens, SessionFailure>> {
    let Some((tenant, hash)) = parse_tenant_token(presented) else {
        return Ok(Err(SessionFailure::InvalidRefreshToken));
    };
    let Some(t) = platform::find_tenant(db, tenant.uuid()).await? else {
        return Ok(Err(SessionFailure::InvalidRefreshToken));
    };
    if t.status != "active" {
        return Ok(Err(SessionFailure::InvalidRefreshToken));
    }
    let tx = TenantTx::begin(db, tenant).await?;
    let found = find_by_hash(&tx, &hash).await?;
    let tx = tx.acting_as(as_user(
        found.as_ref().map_or(Uuid::nil(), |r| r.user_id),
        "refreshToken",
    ));
    let Some(row) = found else {
        return Ok(Err(SessionFailure::InvalidRefreshToken));
    };
    if row.revoked_at.is_some() {
        // A revoked token came back: someone kept a copy. End the whole sign-in.
        revoke_family(&tx, row.family_id).await?;
        tx.commit().await?;
        tracing::warn!(family = %row.family_id, "a revoked refresh token was presented; its family is revoked");
        return Ok(Err(SessionFailure::InvalidRefreshToken));
    }
    if row.expires_at <= Utc::now() || !has_active_membership(&tx, row.user_id).await? {
        return Ok(Err(SessionFailure::InvalidRefreshToken));
    }
    let (user_id, family) = (row.user_id, row.family_id);
    revoke(&tx, row).await?;
    let pair = issue(&tx, tokens, user_id, family).await?;
    tx.commit().await?;
    Ok(Ok(pair))
}

/// Signs out: revokes the refresh token's whole family. Unknown tokens are ignored, so logout
/// is idempotent and reveals nothing.
pub async fn logout(db: &DatabaseConnection, presented: &str) -> AppResult<()> {
    let Some((tenant, hash)) = parse_tenant_token(presented) else {
        return Ok(());
    };
    if platform::find_tenant(db, tenant.uuid()).await?.is_none() {
        return Ok(());
    }
    let tx = TenantTx::begin(db, tenant).await?;
    if let Some(row) = find_by_hash(&tx, &hash).await? {
        let tx = tx.acting_as(as_user(row.user_id, "logout"));
        revoke_family(&tx, row.family_id).await?;
        tx.commit().await?;
        return Ok(());
    }
    tx.commit().await?;
    Ok(())
}

async fn has_active_membership(tx: &TenantTx, user_id: Uuid) -> AppResult<bool> {
    let m = tx
        .one(
            tx.select::<membership::Entity>()
                .refine(|q| q.filter(membership::Column::UserId.eq(user_id))),
        )
        .await?;
    Ok(m.is_some_and(|m| m.status == "active" && m.archived_at.is_none()))
}

async fn find_by_hash(tx: &TenantTx, hash: &str) -> AppResult<Option<refresh_token::Model>> {
    let hash = hash.to_owned();
    Ok(tx
        .one(
            // Locked: two concurrent refreshes of one token must not both succeed.
            tx.select::<refresh_token::Entity>()
                .refine(|q| q.filter(refresh_token::Column::TokenHash.eq(hash)))
                .for_update(),
        )
        .await?)
}

async fn revoke(tx: &TenantTx, row: refresh_token::Model) -> AppResult<()> {
    let mut am = row.into_active_model();
    am.revoked_at = Set(Some(Utc::now()));
    am.updated_at = Set(Utc::now());
    tx.update(am).await?;
    Ok(())
}

async fn revoke_family(tx: &TenantTx, family: Uuid) -> AppResult<()> {
    // Access tokens of this sign-in depend on this generation (see `auth`): moving it at commit
    // ends them on every process before the sign-out returns.
    tx.touch(&format!("Session:{family}"));
    let live = tx
        .all(tx.select::<refresh_token::Entity>().refine(|q| {
            q.filter(refresh_token::Column::FamilyId.eq(family))
                .filter(refresh_token::Column::RevokedAt.is_null())
        }))
        .await?;
    for row in live {
        revoke(tx, row).await?;
    }
    Ok(())
}

/// Whether a sign-in still holds an unrevoked refresh token (its access tokens are honoured
/// only then).
pub async fn is_live(db: &DatabaseConnection, tenant: TenantId, family: Uuid) -> AppResult<bool> {
    let tx = TenantTx::begin_read(db, tenant).await?;
    let live = tx
        .count(tx.select::<refresh_token::Entity>().refine(|q| {
            q.filter(refresh_token::Column::FamilyId.eq(family))
                .filter(refresh_token::Column::RevokedAt.is_null())
        }))
        .await?;
    tx.commit().await?;
    Ok(live > 0)
}

async fn issue(
    tx: &TenantTx,
    tokens: &TokenService,
    user_id: Uuid,
    family: Uuid,
) -> AppResult<Tokens> {
    let (refresh_token, token_hash) = new_tenant_token(tx.tenant());
    let now = Utc::now();
    tx.insert(refresh_token::ActiveModel {
        tenant_id: Set(tx.tenant().uuid()),
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        family_id: Set(family),
        token_hash: Set(token_hash),
        expires_at: Set(now + Duration::days(REFRESH_TTL_DAYS)),
        revoked_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        created_by: Set(Some(user_id)),
        updated_by: Set(Some(user_id)),
        archived_at: Set(None),
    })
    .await?;
    Ok(Tokens {
        access_token: tokens.issue_for_session(user_id, tx.tenant(), family)?,
        expires_in: tokens.access_ttl_seconds(),
        refresh_token,
    })
}

fn as_user(user_id: Uuid, operation: &str) -> entity::Actor {
    entity::Actor {
        kind: "user",
        id: Some(user_id),
        request_id: None,
        operation: Some(operation.to_owned()),
    }
}

/// A new tenant-bound secret token, `<tenant id>.<43 random characters>`, and the hash to store.
/// Refresh tokens and invitations use it: the tenant part opens the right row-level-security
/// scope, and only the hash of the secret part is kept.
pub fn new_tenant_token(tenant: TenantId) -> (String, String) {
    let secret = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let hash = sha256_hex(&secret);
    (format!("{}.{secret}", tenant.uuid().simple()), hash)
}

/// Splits a tenant-bound token into its tenant and the hash to look up; `None` when malformed.
pub fn parse_tenant_token(presented: &str) -> Option<(TenantId, String)> {
    let (tenant, secret) = presented.trim().split_once('.')?;
    let tenant = Uuid::try_parse(tenant).ok()?;
    if secret.len() != 43 {
        return None;
    }
    Some((TenantId(tenant), sha256_hex(secret)))
}

fn sha256_hex(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// How long an invitation to set a password stays valid.
pub const INVITATION_DAYS: i64 = 7;

/// Creates an invitation for a member without a password; returns the token (shown once).
pub async fn invite(tx: &TenantTx, actor: Uuid, user_id: Uuid) -> AppResult<String> {
    use entity::access::invitation;
    let (token, hash) = new_tenant_token(tx.tenant());
    let now = Utc::now();
    tx.insert(invitation::ActiveModel {
        tenant_id: Set(tx.tenant().uuid()),
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        token_hash: Set(hash),
        expires_at: Set(now + Duration::days(INVITATION_DAYS)),
        accepted_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        created_by: Set(Some(actor)),
        updated_by: Set(Some(actor)),
        archived_at: Set(None),
    })
    .await?;
    Ok(token)
}

/// Why an invitation could not be accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvitationFailure {
    /// Unknown, expired or already used.
    InvalidToken,
    /// The password breaks the policy (the message says how).
    WeakPassword(String),
}

/// Accepts an invitation: sets the member's password and signs them in.
pub async fn accept_invitation(
    db: &DatabaseConnection,
    tokens: &TokenService,
    presented: &str,
    password: &str,
) -> AppResult<Result<Tokens, InvitationFailure>> {
    use entity::access::invitation;
    if let Some(problem) = password_problem(password) {
        return Ok(Err(InvitationFailure::WeakPassword(problem)));
    }
    let Some((tenant, hash)) = parse_tenant_token(presented) else {
        return Ok(Err(InvitationFailure::InvalidToken));
    };
    if platform::find_tenant(db, tenant.uuid())
        .await?
        .is_none_or(|t| t.status != "active")
    {
        return Ok(Err(InvitationFailure::InvalidToken));
    }
    let tx = TenantTx::begin(db, tenant).await?;
    let found = tx
        .one(
            tx.select::<invitation::Entity>()
                .refine(|q| q.filter(invitation::Column::TokenHash.eq(hash)))
                .for_update(),
        )
        .await?;
    let Some(inv) = found.filter(|i| i.accepted_at.is_none() && i.expires_at > Utc::now()) else {
        return Ok(Err(InvitationFailure::InvalidToken));
    };
    if !has_active_membership(&tx, inv.user_id).await? {
        return Ok(Err(InvitationFailure::InvalidToken));
    }
    let tx = tx.acting_as(as_user(inv.user_id, "acceptInvitation"));
    let user_id = inv.user_id;
    // An invitation sets a first password; it never replaces one.
    let Some(member) = member_of(&tx, user_id)
        .await?
        .filter(|m| m.password_hash.is_none())
    else {
        return Ok(Err(InvitationFailure::InvalidToken));
    };
    set_member_password(&tx, member, password).await?;
    let mut am = inv.into_active_model();
    am.accepted_at = Set(Some(Utc::now()));
    tx.update(am).await?;
    let pair = issue(&tx, tokens, user_id, Uuid::now_v7()).await?;
    tx.commit().await?;
    Ok(Ok(pair))
}

/// Sets a member's password only if they have none (the demo tenant's first start).
pub async fn ensure_password(
    db: &DatabaseConnection,
    tenant: TenantId,
    user_id: Uuid,
    password: &str,
) -> AppResult<()> {
    let tx = TenantTx::begin(db, tenant)
        .await?
        .acting_as(as_user(user_id, "setPassword"));
    if let Some(member) = member_of(&tx, user_id)
        .await?
        .filter(|m| m.password_hash.is_none())
    {
        set_member_password(&tx, member, password).await?;
    }
    tx.commit().await?;
    Ok(())
}
