//! What every request shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::TokenService;
use crate::cache::ReadCache;
use crate::config::Settings;
use crate::metrics::Metrics;

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState {
    /// The validated settings.
    pub settings: Arc<Settings>,
    /// The connection pool. Tenant-owned data is reached only through `entity::TenantDb`.
    pub db: DatabaseConnection,
    /// The read cache over Redis or the in-process store; also holds rate-limit buckets and
    /// persisted queries.
    pub cache: Arc<ReadCache>,
    /// Keeps the cache hearing every tenant commit (see `cache::listen_to_commits`).
    pub commit_listener: Arc<entity::CommitListener>,
    /// Issues and verifies tokens.
    pub tokens: TokenService,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// SQL statements executed by the pool since start.
    pub statements: Arc<std::sync::atomic::AtomicU64>,
    /// Attachment content.
    pub storage: Arc<crate::storage::Storage>,
    /// Where published domain events reach the subscriptions of every process.
    pub bus: Arc<crate::events::EventBus>,
    /// Parsed GraphQL documents by their text. Clients send the same few documents over and
    /// over, and parsing was the largest single cost of an answer from the response cache
    /// (`scripts/bench`); a parsed document does not depend on who sent it.
    pub documents:
        moka::future::Cache<String, Arc<async_graphql::parser::types::ExecutableDocument>>,
}

/// Longest query text whose parsed document is kept.
pub const MAX_KEPT_DOCUMENT: usize = 16 * 1024;

/// The parsed-document cache of [`AppState::documents`].
pub fn document_cache()
-> moka::future::Cache<String, Arc<async_graphql::parser::types::ExecutableDocument>> {
    moka::future::Cache::builder().max_capacity(2_000).build()
}
