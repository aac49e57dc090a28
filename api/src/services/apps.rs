//! Partner apps and their API keys.
//!
//! A key reads `uk_<env>_<tenant><secret>`: `env` is `live` in production and `test` elsewhere,
//! `<tenant>` is the tenant id in 22 base64url characters (so the server can open that tenant's
//! row-level-security scope; the tenant still comes only from the credential), `<secret>` is 32
//! random bytes in 43 characters. Only the SHA-256 of the whole key and its last four characters
//! are stored; the key itself is shown once, when created.
//!
//! Rules: an app's permissions are a subset of its creator's (an app cannot be used to escalate);
//! expiry, when given, lies in the future; an app holds at most [`MAX_ACTIVE_KEYS`] live keys, so
//! rotation means creating the next key and then revoking the old one; archiving an app revokes
//! its keys.

use std::collections::BTreeSet;

use async_graphql::Enum;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::access::{api_key, app};
use entity::platform::membership::RoleNames;
use entity::{TenantId, TenantTx};
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppResult, InputError};
use crate::permissions::{Permission, permission_name};
use crate::services::access::check_version;
use crate::services::stamp;

/// Live keys an app may hold at once (two suffice for rotation; a few more for staged rollouts).
pub const MAX_ACTIVE_KEYS: usize = 5;

/// What can be wrong with an app or key input.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum AppsErrorCode {
    /// The value is malformed or out of range.
    Invalid,
    /// A required value is missing or empty.
    Required,
    /// The app or key does not exist in this tenant (or is archived or revoked).
    NotFound,
    /// You cannot give an app a permission you do not hold yourself.
    PermissionNotHeld,
    /// The expiry lies in the past.
    ExpiryInPast,
    /// The app already has the most live keys allowed; revoke one first.
    TooManyKeys,
}

type Problems = Vec<InputError<AppsErrorCode>>;

/// A new key: the row, and the key itself (shown once).
pub struct NewKey {
    /// The stored row.
    pub row: api_key::Model,
    /// The full key. It is not stored anywhere.
    pub key: String,
}

fn check_app(
    name: Option<&str>,
    description: Option<&str>,
    perms: Option<&[Permission]>,
    held: &BTreeSet<Permission>,
    problems: &mut Problems,
) {
    if let Some(name) = name {
        let len = name.trim().chars().count();
        if len == 0 {
            problems.push(InputError::new(
                "name",
                AppsErrorCode::Required,
                "the name must not be empty",
            ));
        } else if len > 100 {
            problems.push(InputError::new(
                "name",
                AppsErrorCode::Invalid,
                "the name must be at most 100 characters",
            ));
        }
    }
    if description.is_some_and(|d| d.chars().count() > 1000) {
        problems.push(InputError::new(
            "description",
            AppsErrorCode::Invalid,
            "the description must be at most 1000 characters",
        ));
    }
    if let Some(perms) = perms {
        if perms.is_empty() {
            problems.push(InputError::new(
                "permissions",
                AppsErrorCode::Required,
                "an app needs at least one permission",
            ));
        }
        for (i, p) in perms.iter().enumerate() {
            if !held.contains(p) {
                problems.push(InputError::new(
                    &format!("permissions.{i}"),
                    AppsErrorCode::PermissionNotHeld,
                    format!("you do not hold {} yourself", permission_name(*p)),
                ));
            }
        }
    }
}

fn names(perms: &[Permission]) -> RoleNames {
    let set: BTreeSet<Permission> = perms.iter().copied().collect();
    RoleNames(set.into_iter().map(permission_name).collect())
}

/// Registers an app.
pub async fn create_app(
    tx: &TenantTx,
    actor: Uuid,
    held: &BTreeSet<Permission>,
    name: &str,
    description: &str,
    perms: &[Permission],
) -> AppResult<Result<app::Model, Problems>> {
    let mut problems = Vec::new();
    check_app(
        Some(name),
        Some(description),
        Some(perms),
        held,
        &mut problems,
    );
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let now = Utc::now();
    Ok(Ok(tx
        .insert(app::ActiveModel {
            tenant_id: Set(tx.tenant().uuid()),
            id: Set(Uuid::now_v7()),
            name: Set(name.trim().to_owned()),
            description: Set(description.to_owned()),
            permissions: Set(names(perms)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            created_by: Set(Some(actor)),
            updated_by: Set(Some(actor)),
            archived_at: Set(None),
        })
        .await?))
}

/// Changes an app; its keys get the new permissions at their next request.
#[allow(clippy::too_many_arguments)]
pub async fn update_app(
    tx: &TenantTx,
    actor: Uuid,
    held: &BTreeSet<Permission>,
    id: Uuid,
    expected_version: i32,
    name: Option<&str>,
    description: Option<&str>,
    perms: Option<&[Permission]>,
) -> AppResult<Result<app::Model, Problems>> {
    let mut problems = Vec::new();
    check_app(name, description, perms, held, &mut problems);
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let Some(current) = live_app(tx, id).await? else {
        return Ok(Err(not_found()));
    };
    check_version(current.version, expected_version)?;
    let version = current.version;
    let mut am = current.into_active_model();
    if let Some(v) = name {
        am.name = Set(v.trim().to_owned());
    }
    if let Some(v) = description {
        am.description = Set(v.to_owned());
    }
    if let Some(v) = perms {
        am.permissions = Set(names(v));
    }
    stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        version,
        actor,
    );
    Ok(Ok(tx.update(am).await?))
}

/// Archives an app and revokes all its keys.
pub async fn archive_app(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Result<app::Model, Problems>> {
    let Some(current) = live_app(tx, id).await? else {
        return Ok(Err(not_found()));
    };
    check_version(current.version, expected_version)?;
    for key in live_keys(tx, id).await? {
        revoke(tx, actor, key).await?;
    }
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

/// Creates a key for an app. `env` is `live` or `test`.
pub async fn create_key(
    tx: &TenantTx,
    actor: Uuid,
    held: &BTreeSet<Permission>,
    app_id: Uuid,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
    env: &str,
) -> AppResult<Result<NewKey, Problems>> {
    let mut problems = Vec::new();
    if label.chars().count() > 100 {
        problems.push(InputError::new(
            "label",
            AppsErrorCode::Invalid,
            "the label must be at most 100 characters",
        ));
    }
    if expires_at.is_some_and(|e| e <= Utc::now()) {
        problems.push(InputError::new(
            "expiresAt",
            AppsErrorCode::ExpiryInPast,
            "the expiry must lie in the future",
        ));
    }
    let Some(app) = live_app(tx, app_id).await? else {
        return Ok(Err(vec![InputError::new(
            "appId",
            AppsErrorCode::NotFound,
            "no such app",
        )]));
    };
    // A key acts with the app's permissions, so only someone holding all of them may mint one.
    if app
        .permissions
        .0
        .iter()
        .filter_map(|p| crate::permissions::permission_from_name(p))
        .any(|p| !held.contains(&p))
    {
        problems.push(InputError::new(
            "appId",
            AppsErrorCode::PermissionNotHeld,
            "the app holds permissions you do not",
        ));
    }
    if live_keys(tx, app_id).await?.len() >= MAX_ACTIVE_KEYS {
        problems.push(InputError::new(
            "appId",
            AppsErrorCode::TooManyKeys,
            format!("an app holds at most {MAX_ACTIVE_KEYS} live keys"),
        ));
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let key = format!(
        "uk_{env}_{}{}",
        URL_SAFE_NO_PAD.encode(tx.tenant().uuid().as_bytes()),
        URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    );
    let now = Utc::now();
    let row = tx
        .insert(api_key::ActiveModel {
            tenant_id: Set(tx.tenant().uuid()),
            id: Set(Uuid::now_v7()),
            app_id: Set(app_id),
            label: Set(label.trim().to_owned()),
            key_hash: Set(sha256_hex(&key)),
            last_four: Set(key[key.len() - 4..].to_owned()),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            last_used_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            created_by: Set(Some(actor)),
            updated_by: Set(Some(actor)),
            archived_at: Set(None),
        })
        .await?;
    Ok(Ok(NewKey { row, key }))
}

/// Revokes a key at once.
pub async fn revoke_key(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
) -> AppResult<Result<api_key::Model, Problems>> {
    match tx.get::<api_key::Entity>(id).await? {
        Some(key) if key.revoked_at.is_none() => Ok(Ok(revoke(tx, actor, key).await?)),
        _ => Ok(Err(not_found())),
    }
}

async fn revoke(tx: &TenantTx, actor: Uuid, key: api_key::Model) -> AppResult<api_key::Model> {
    let version = key.version;
    let mut am = key.into_active_model();
    am.revoked_at = Set(Some(Utc::now()));
    stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        version,
        actor,
    );
    Ok(tx.update(am).await?)
}

async fn live_app(tx: &TenantTx, id: Uuid) -> AppResult<Option<app::Model>> {
    // Locked, so concurrent key creations for one app count its keys one after another.
    Ok(tx
        .get_for_update::<app::Entity>(id)
        .await?
        .filter(|a| a.archived_at.is_none()))
}

/// The app's keys that are neither revoked nor expired.
pub async fn live_keys(tx: &TenantTx, app_id: Uuid) -> AppResult<Vec<api_key::Model>> {
    let now = Utc::now();
    Ok(tx
        .all(tx.select::<api_key::Entity>().refine(|q| {
            q.filter(api_key::Column::AppId.eq(app_id))
                .filter(api_key::Column::RevokedAt.is_null())
        }))
        .await?
        .into_iter()
        .filter(|k| k.expires_at.is_none_or(|e| e > now))
        .collect())
}

fn not_found() -> Problems {
    vec![InputError::new(
        "id",
        AppsErrorCode::NotFound,
        "no such app or key",
    )]
}

/// Whether a credential looks like an API key (rather than a JWT).
pub fn is_api_key(credential: &str) -> bool {
    credential.starts_with("uk_")
}

/// Splits a key into its tenant and the hash to look up; `None` when malformed.
pub fn parse_key(key: &str) -> Option<(TenantId, String)> {
    // Keys are ASCII; checking first keeps the byte slicing below on character boundaries.
    if !key.is_ascii() {
        return None;
    }
    let rest = key.strip_prefix("uk_")?;
    let (env, body) = rest.split_once('_')?;
    if !matches!(env, "live" | "test") || body.len() != 22 + 43 {
        return None;
    }
    let tenant = URL_SAFE_NO_PAD.decode(&body[..22]).ok()?;
    let tenant = Uuid::from_slice(&tenant).ok()?;
    Some((TenantId(tenant), sha256_hex(key)))
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
