//! Sensitive personal fields: who may read them, and the log of every read.
//!
//! A sensitive field (pay, bank account, national ID number, health results, whistleblower
//! identity) is readable with its own permission, and by the person it describes. Each read
//! that returns a value is collected during the request and written to the append-only
//! `personal_data_access_log` in one transaction before the response is sent; if that write
//! fails the response is replaced by an error, so no personal data leaves unlogged.

use std::sync::Mutex;

use chrono::Utc;
use entity::audit::personal_data_access as log;
use entity::{TenantDb, TenantTx};
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use crate::auth::{Principal, PrincipalKind};
use crate::error::{AppError, AppResult};
use crate::permissions::{Permission, permission_name};

/// One read waiting to be logged.
#[derive(Clone, Debug)]
pub struct Read {
    /// The GraphQL type of the person's record.
    pub subject_type: &'static str,
    /// The record's id.
    pub subject_id: Uuid,
    /// The field read.
    pub field: &'static str,
    /// Whether the reader is the person.
    pub self_access: bool,
}

/// The reads of one request.
#[derive(Default)]
pub struct Reads(Mutex<Vec<Read>>);

impl Reads {
    fn push(&self, read: Read) -> AppResult<()> {
        self.0.lock().map(|mut v| v.push(read)).map_err(|_| {
            AppError::internal(anyhow::anyhow!("the access log collector is poisoned"))
        })
    }

    /// Takes the collected reads.
    pub fn take(&self) -> Vec<Read> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// Returns a sensitive value if the principal may read it, and collects the read for the log.
/// `subject_user` is the user the record belongs to, for self-access.
#[allow(clippy::too_many_arguments)]
pub fn read<'a>(
    principal: &Principal,
    reads: &Reads,
    permission: Permission,
    subject_type: &'static str,
    subject_id: Uuid,
    subject_user: Option<Uuid>,
    field: &'static str,
    value: Option<&'a str>,
) -> AppResult<Option<&'a str>> {
    let self_access =
        principal.kind == PrincipalKind::User && subject_user == Some(principal.actor_id);
    if !self_access && !principal.can(permission) {
        return Err(AppError::Forbidden(format!(
            "this field needs the {} permission (or to be your own)",
            permission_name(permission)
        )));
    }
    if value.is_some() {
        reads.push(Read {
            subject_type,
            subject_id,
            field,
            self_access,
        })?;
    }
    Ok(value)
}

/// Writes the collected reads in one transaction.
pub async fn flush(
    db: &TenantDb,
    principal: &Principal,
    request_id: &str,
    reads: Vec<Read>,
) -> AppResult<()> {
    if reads.is_empty() {
        return Ok(());
    }
    let tx = db.begin().await?;
    for r in reads {
        record(&tx, principal, Some(request_id), r).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Appends one entry.
pub async fn record(
    tx: &TenantTx,
    principal: &Principal,
    request_id: Option<&str>,
    r: Read,
) -> AppResult<()> {
    tx.insert(log::ActiveModel {
        tenant_id: Set(tx.tenant().uuid()),
        id: Set(Uuid::now_v7()),
        occurred_at: Set(Utc::now()),
        actor_kind: Set(if principal.kind == PrincipalKind::App {
            "app"
        } else {
            "user"
        }
        .into()),
        actor_id: Set(principal.actor_id),
        request_id: Set(request_id.map(str::to_owned)),
        subject_type: Set(r.subject_type.into()),
        subject_id: Set(r.subject_id),
        field: Set(r.field.into()),
        self_access: Set(r.self_access),
    })
    .await?;
    Ok(())
}
