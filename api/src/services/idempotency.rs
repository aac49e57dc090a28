//! `Idempotency-Key` on mutations: the same key from the same principal within 24 hours
//! returns the first response without doing the work again.
//!
//! The key is claimed in its own short transaction before the mutation runs (a row marked as
//! running, locked while claimed), and the response is stored after it. A duplicate that
//! arrives while the first is still running gets `CONFLICT`; the same key with a different
//! request gets `IDEMPOTENCY_KEY_REUSED`. A request that failed for reasons the client cannot
//! fix (`INTERNAL`, `TIMEOUT`) releases its key so a retry runs again. If the process dies
//! between the mutation's commit and storing its response, the key stays "running"; after
//! [`ABANDONED_AFTER_SECONDS`] a retry runs again, so that narrow window can repeat the work.

use chrono::{Duration, Utc};
use entity::TenantDb;
use entity::kernel::idempotency_key as ik;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// How long a key is remembered.
pub const TTL_HOURS: i64 = 24;
/// How long a claimed key may stay without a response before a retry may run again.
pub const ABANDONED_AFTER_SECONDS: i64 = 300;

/// What a claim found.
pub enum Claim {
    /// First use: run the request, then call [`complete`] or [`release`] with this row.
    Fresh(Uuid),
    /// Seen before: answer with this stored body.
    Replay(String),
}

/// The hash that identifies a request: operation name, query and variables.
pub fn request_hash(operation: Option<&str>, query: &str, variables: &serde_json::Value) -> String {
    let mut h = Sha256::new();
    h.update(operation.unwrap_or("").as_bytes());
    h.update([0]);
    h.update(query.as_bytes());
    h.update([0]);
    h.update(variables.to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a key's shape: 1-255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Claims a key for a request.
pub async fn claim(db: &TenantDb, actor: Uuid, key: &str, hash: &str) -> AppResult<Claim> {
    let tx = db.begin().await?;
    let owned = key.to_owned();
    let found = tx
        .one(
            tx.select::<ik::Entity>()
                .refine(|q| {
                    q.filter(ik::Column::ActorId.eq(actor))
                        .filter(ik::Column::Key.eq(owned))
                })
                .for_update(),
        )
        .await?;
    let now = Utc::now();
    let outcome = match found {
        Some(row) if row.expires_at > now => {
            if row.request_hash != hash {
                return Err(AppError::IdempotencyKeyReused(
                    "this Idempotency-Key was used with a different request".into(),
                ));
            }
            match &row.response {
                Some(body) => Claim::Replay(body.clone()),
                None if (now - row.updated_at).num_seconds() < ABANDONED_AFTER_SECONDS => {
                    return Err(AppError::Conflict(
                        "a request with this Idempotency-Key is still running".into(),
                    ));
                }
                None => {
                    let id = row.id;
                    let mut am = row.into_active_model();
                    am.updated_at = Set(now);
                    tx.update(am).await?;
                    Claim::Fresh(id)
                }
            }
        }
        Some(expired) => {
            let id = expired.id;
            let mut am = expired.into_active_model();
            am.request_hash = Set(hash.to_owned());
            am.response = Set(None);
            am.expires_at = Set(now + Duration::hours(TTL_HOURS));
            am.updated_at = Set(now);
            tx.update(am).await?;
            Claim::Fresh(id)
        }
        None => {
            let id = Uuid::now_v7();
            let inserted = tx
                .insert(ik::ActiveModel {
                    tenant_id: Set(tx.tenant().uuid()),
                    id: Set(id),
                    actor_id: Set(actor),
                    key: Set(key.to_owned()),
                    request_hash: Set(hash.to_owned()),
                    response: Set(None),
                    expires_at: Set(now + Duration::hours(TTL_HOURS)),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    created_by: Set(Some(actor)),
                    updated_by: Set(Some(actor)),
                    archived_at: Set(None),
                })
                .await;
            match inserted {
                Ok(_) => Claim::Fresh(id),
                // Two first uses raced; the other one claimed the key.
                Err(e)
                    if matches!(
                        e.sql_err(),
                        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                    ) =>
                {
                    return Err(AppError::Conflict(
                        "a request with this Idempotency-Key is still running".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Stores the response of a claimed request.
pub async fn complete(db: &TenantDb, id: Uuid, body: &str) -> AppResult<()> {
    let tx = db.begin().await?;
    if let Some(row) = tx.get_for_update::<ik::Entity>(id).await? {
        let mut am = row.into_active_model();
        am.response = Set(Some(body.to_owned()));
        am.updated_at = Set(Utc::now());
        tx.update(am).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Forgets a claimed key, so a retry runs again.
pub async fn release(db: &TenantDb, id: Uuid) -> AppResult<()> {
    let tx = db.begin().await?;
    tx.delete_where::<ik::Entity>(sea_orm::Condition::all().add(ik::Column::Id.eq(id)))
        .await?;
    tx.commit().await?;
    Ok(())
}
