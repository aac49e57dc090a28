//! Persisted queries: Apollo's automatic persisted queries, and a tenant's allow-list of
//! operations for its API keys.
//!
//! **Automatic persisted queries.** A client sends `extensions.persistedQuery.sha256Hash`
//! without the query; if the server knows the hash it runs the stored text, otherwise it answers
//! `PERSISTED_QUERY_NOT_FOUND` and the client sends query and hash together, which registers
//! the text (after checking that the hash matches) in the shared store for
//! `persisted_queries.ttl_seconds`. Registrations are kept per tenant (anonymous requests share
//! one space), so one tenant cannot learn which operations another runs.
//!
//! **Allow-list mode.** A tenant whose `apiKeyOperations` is `ALLOW_LIST` lets its API keys run
//! only the operations registered as `PersistedOperation`s (durable rows, managed with
//! `MANAGE_APPS`): by hash alone, or with a query text whose hash is registered. Anything else
//! is refused with `OPERATION_NOT_ALLOWED`, and such keys cannot register new texts.

use std::time::Duration;

use entity::kernel::persisted_operation;
use entity::{TenantId, TenantTx};
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use sha2::{Digest, Sha256};

use crate::auth::Permission;
use crate::error::{AppResult, ErrorCode};
use crate::graphql::core::Session;
use crate::graphql::persisted::{
    CreatePersistedOperationInput, PersistedOperation, PersistedOperationFilter,
    PersistedOperationOrder, PersistedOperationPatch,
};
use crate::graphql::resource::{Editable, ErrorCodes, Problems, Resource};
use crate::state::AppState;

crate::error_codes! {
    /// What can be wrong with a persisted operation.
    PersistedOperationErrorCode {
        /// The query is not a valid GraphQL document.
        InvalidQuery,
    }
}

type P = Problems<PersistedOperationErrorCode>;

/// Lowercase hex SHA-256 of a query text, as Apollo clients compute it.
pub fn query_hash(query: &str) -> String {
    hex::encode(Sha256::digest(query.as_bytes()))
}

/// A request's `extensions.persistedQuery.sha256Hash`, if it carries one (version 1 only).
fn requested_hash(gql: &async_graphql::Request) -> Result<Option<String>, Refusal> {
    let Some(pq) = gql.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let value = pq
        .clone()
        .into_json()
        .map_err(|_| Refusal::bad("extensions.persistedQuery is malformed"))?;
    if value.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
        return Err(Refusal::bad("only persistedQuery version 1 is supported"));
    }
    let hash = value
        .get("sha256Hash")
        .and_then(serde_json::Value::as_str)
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| Refusal::bad("persistedQuery.sha256Hash must be 64 hex digits"))?;
    Ok(Some(hash.to_ascii_lowercase()))
}

/// Why a request was refused before it ran.
pub struct Refusal {
    /// The error code.
    pub code: ErrorCode,
    /// The message.
    pub message: String,
}

impl Refusal {
    fn bad(message: &str) -> Self {
        Self {
            code: ErrorCode::BadRequest,
            message: message.to_owned(),
        }
    }
}

fn store_key(tenant: Option<TenantId>, hash: &str) -> String {
    match tenant {
        Some(t) => format!("t:{}:apq:{hash}", t.uuid()),
        None => format!("anon:apq:{hash}"),
    }
}

/// The tenant's registered operation with this hash, if live (through the read cache).
pub async fn registered(
    state: &AppState,
    session: &Session,
    hash: &str,
) -> AppResult<Option<String>> {
    let db = session.db.clone();
    let wanted = hash.to_owned();
    state
        .cache
        .read_one(
            session.principal.tenant,
            &["PersistedOperation"],
            "persisted-operation",
            hash,
            async || {
                db.read(async |tx| {
                    tx.one(tx.select::<persisted_operation::Entity>().refine(|q| {
                        q.filter(persisted_operation::Column::QueryHash.eq(wanted))
                            .filter(persisted_operation::Column::ArchivedAt.is_null())
                    }))
                    .await
                })
                .await
                .map(|row| row.map(|r| r.query))
                .map_err(Into::into)
            },
        )
        .await
}

/// Applies persisted queries and the allow-list to a request before it runs: fills in the query
/// of a hash-only request, registers a new text, and refuses what the credential may not run.
pub async fn apply(
    state: &AppState,
    session: Option<&Session>,
    gql: &mut async_graphql::Request,
) -> Result<(), Refusal> {
    let hash = requested_hash(gql)?;
    let tenant = session.map(|s| s.principal.tenant);
    let allow_listed_only = session.is_some_and(|s| s.principal.allow_listed_only);
    let internal = |e: crate::error::AppError| Refusal {
        code: e.code(),
        message: e.message(),
    };
    if let Some(hash) = &hash {
        if gql.query.trim().is_empty() {
            // A hash alone: the stored text, or the tenant's registered operation.
            let stored = state
                .cache
                .get_plain(&store_key(tenant, hash))
                .await
                .and_then(|b| String::from_utf8(b).ok());
            let text = match (stored, session) {
                (Some(t), _) => Some(t),
                (None, Some(s)) => registered(state, s, hash).await.map_err(internal)?,
                (None, None) => None,
            };
            let Some(text) = text else {
                return Err(Refusal {
                    code: ErrorCode::PersistedQueryNotFound,
                    message: "PersistedQueryNotFound".into(),
                });
            };
            gql.query = text;
        } else {
            if query_hash(&gql.query) != *hash {
                return Err(Refusal::bad(
                    "persistedQuery.sha256Hash does not match the query",
                ));
            }
            if !allow_listed_only {
                if gql.query.len() > state.settings.persisted_queries.max_query_bytes {
                    return Err(Refusal::bad("the query is too long to be persisted"));
                }
                // A failure to store only means the client sends the text again next time.
                state
                    .cache
                    .set_plain(
                        &store_key(tenant, hash),
                        gql.query.clone().into_bytes(),
                        Duration::from_secs(state.settings.persisted_queries.ttl_seconds),
                    )
                    .await;
            }
        }
    }
    if let Some(s) = session
        && !may_run(state, s, &gql.query).await.map_err(internal)?
    {
        return Err(Refusal {
            code: ErrorCode::OperationNotAllowed,
            message: "this tenant's API keys may run only registered persisted operations".into(),
        });
    }
    Ok(())
}

/// Whether a principal may run `query` (only allow-listed principals are restricted).
pub async fn may_run(state: &AppState, session: &Session, query: &str) -> AppResult<bool> {
    if !session.principal.allow_listed_only {
        return Ok(true);
    }
    Ok(registered(state, session, &query_hash(query))
        .await?
        .as_deref()
        == Some(query))
}

impl Resource for persisted_operation::Entity {
    type Node = PersistedOperation;
    type Filter = PersistedOperationFilter;
    type Order = PersistedOperationOrder;
    const VIEW: Permission = Permission::ManageApps;
}

fn check_query(p: &mut P, path: &str, query: &str) {
    if query.trim().is_empty() {
        p.row(
            path,
            PersistedOperationErrorCode::REQUIRED,
            "must not be blank",
        );
    } else if query.len() > 100_000 {
        p.row(
            path,
            PersistedOperationErrorCode::TOO_LONG,
            "at most 100000 bytes",
        );
    } else if let Err(e) = async_graphql::parser::parse_query(query) {
        p.row(
            path,
            PersistedOperationErrorCode::InvalidQuery,
            format!("not a GraphQL document: {e}"),
        );
    }
}

impl Editable for persisted_operation::Entity {
    type Create = CreatePersistedOperationInput;
    type Patch = PersistedOperationPatch;
    type Code = PersistedOperationErrorCode;
    const MANAGE: Permission = Permission::ManageApps;

    async fn create(
        tx: &TenantTx,
        input: &CreatePersistedOperationInput,
        p: &mut P,
    ) -> AppResult<persisted_operation::ActiveModel> {
        let name = p.required_text("name", &input.name, 200);
        check_query(p, "query", &input.query);
        // The text is kept exactly as sent: its hash is what clients send.
        let hash = query_hash(&input.query);
        p.unique::<persisted_operation::Entity>(
            tx,
            "query",
            persisted_operation::Column::QueryHash,
            &hash,
            None,
        )
        .await?;
        Ok(persisted_operation::ActiveModel {
            name: Set(name),
            query_hash: Set(hash),
            query: Set(input.query.clone()),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &persisted_operation::Model,
        patch: &PersistedOperationPatch,
        p: &mut P,
    ) -> AppResult<persisted_operation::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(name) = &patch.name {
            am.name = Set(p.required_text("patch.name", name, 200));
        }
        Ok(am)
    }
}
