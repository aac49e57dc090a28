//! Opening the database and applying migrations.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};

use crate::config::Settings;

/// Opens the pool the API uses. On PostgreSQL its connections run as [`migration::APP_ROLE`]
/// (set at connection start), which owns no table and cannot bypass row-level security; the role
/// is created by the migrations, so run them first ([`prepare`] does both).
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    open(settings, true).await
}

/// Like [`connect`], counting every statement the pool executes into `counter` (for
/// `/metrics` and for tests that prove a page costs the same number of statements at any size).
pub async fn connect_counted(
    settings: &Settings,
    counter: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> anyhow::Result<DatabaseConnection> {
    let mut db = open(settings, true).await?;
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    Ok(db)
}

/// Applies pending migrations over a short-lived connection as the configured (owning) role.
pub async fn migrate_as_owner(settings: &Settings) -> anyhow::Result<()> {
    let owner = open(settings, false).await?;
    let result = migrate(&owner).await;
    owner.close().await.ok();
    result
}

/// Migrates when `database.migrate_on_start` says so, then opens the API's pool.
pub async fn prepare(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    if settings.database.migrate_on_start {
        migrate_as_owner(settings).await?;
    }
    connect(settings).await
}

/// [`prepare`] with statement counting (see [`connect_counted`]).
pub async fn prepare_counted(
    settings: &Settings,
    counter: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> anyhow::Result<DatabaseConnection> {
    if settings.database.migrate_on_start {
        migrate_as_owner(settings).await?;
    }
    connect_counted(settings, counter).await
}

/// Opens the owning role's connection, for migrations and operator commands that manage the
/// schema itself.
pub async fn connect_owner(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    open(settings, false).await
}

/// Opens the configured database: PostgreSQL when `database.url` says so, otherwise the embedded
/// SQLite file (its folder is created on first use).
async fn open(settings: &Settings, as_app_role: bool) -> anyhow::Result<DatabaseConnection> {
    let url = match settings.database_url() {
        Some(url) => url.to_owned(),
        None => {
            let path = &settings.database.sqlite_path;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            format!("sqlite://{}?mode=rwc", path.display())
        }
    };
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(settings.database.max_connections)
        .min_connections(settings.database.min_connections)
        .acquire_timeout(Duration::from_millis(settings.database.acquire_timeout_ms))
        .connect_timeout(Duration::from_millis(settings.database.acquire_timeout_ms))
        .sqlx_logging(false)
        // sqlx pings a pooled connection on every checkout by default: one more round trip on
        // every transaction of every request. A connection in steady use is known to be alive;
        // only one idle for a while is checked (a server or proxy may have dropped it).
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .map_sqlx_postgres_opts(move |o| {
            if as_app_role {
                o.options([("role", migration::APP_ROLE)])
            } else {
                o
            }
        })
        .map_sqlx_sqlite_opts(|o| {
            // WAL lets readers run beside the single writer; the busy timeout makes writers queue
            // instead of failing with SQLITE_BUSY; foreign keys are off by default in SQLite.
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    // The URL may hold a password, so it is not part of the error.
    Database::connect(opts)
        .await
        .context("connecting to the database")
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("applying migrations")
}

/// A short human name for the backend, for logs and `/readyz`.
pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Postgres => "postgres",
        DbBackend::Sqlite => "sqlite",
        _ => "other",
    }
}

/// Connections in the pool: `(open, idle)`.
pub fn pool_usage(db: &DatabaseConnection) -> (u32, usize) {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle())
        }
        DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle())
        }
        _ => (0, 0),
    }
}
