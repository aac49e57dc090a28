//! Typed, layered configuration.
//!
//! Layers, lowest first: built-in defaults, an optional TOML file (`--config` or
//! `URAKATA_CONFIG`), then environment variables: `URAKATA_<SECTION>__<KEY>` (for example
//! `URAKATA_HTTP__PORT=9000`) and the conventional `DATABASE_URL` and `REDIS_URL`. Unknown keys in
//! any layer are rejected, so a typo cannot silently leave a default in place. Secrets are
//! [`SecretString`]s: they never appear in `Debug` output or logs.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The JWT signing secret used when none is configured. It is public (it is in this file), so
/// production mode refuses to start with it.
pub const DEV_JWT_SECRET: &str = "urakata-development-signing-secret-do-not-use-in-production";

/// Whether the server runs for development or production. Production refuses unsafe settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Local development and the embedded default: demo data and the development secret allowed.
    #[default]
    Development,
    /// Production: requires a real signing secret, refuses demo data, logs JSON.
    Production,
}

/// The whole configuration.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `development` (default) or `production`.
    pub mode: Mode,
    /// The HTTP listener.
    pub http: HttpSettings,
    /// The database.
    pub database: DatabaseSettings,
    /// Redis; absent means the in-process cache of the embedded default.
    pub redis: RedisSettings,
    /// The read cache.
    pub cache: CacheSettings,
    /// Token signing and verification.
    pub auth: AuthSettings,
    /// Demo data.
    pub demo: DemoSettings,
    /// Logging.
    pub log: LogSettings,
    /// Request limits.
    pub limits: LimitSettings,
    /// The platform operator's access to the API.
    pub platform: PlatformSettings,
    /// Where attachments are stored.
    pub storage: StorageSettings,
    /// Delivering domain events (subscriptions, webhooks, cache invalidation).
    pub events: EventSettings,
    /// Webhook deliveries.
    pub webhooks: WebhookSettings,
    /// Rate limits per API key, user and tenant, by the tenant's plan.
    pub rate_limits: RateLimitSettings,
    /// Automatic persisted queries.
    pub persisted_queries: PersistedQuerySettings,
}

/// Rate limits. Each request costs its query complexity (at least 1) from two buckets: its
/// credential's (the user's, or the API key's) and its tenant's; both refill continuously over a
/// minute and are shared by every process through Redis.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    /// Whether requests are limited at all.
    pub enabled: bool,
    /// What happens when Redis cannot be asked: `open` lets requests through, `closed` refuses
    /// them with `RATE_LIMITED`.
    pub on_store_failure: FailMode,
    /// The plan of tenants that have none set.
    pub default_plan: String,
    /// Budgets per plan name, in complexity points per minute.
    pub plans: std::collections::BTreeMap<String, PlanLimits>,
}

/// How a limiter behaves when its store fails.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FailMode {
    /// Let requests through unmetered.
    Open,
    /// Refuse requests until the store answers again.
    Closed,
}

/// One plan's budgets, in complexity points per minute.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanLimits {
    /// The whole tenant.
    pub tenant_per_minute: u64,
    /// Each signed-in user.
    pub user_per_minute: u64,
    /// Each API key.
    pub api_key_per_minute: u64,
}

/// Automatic persisted queries (Apollo's protocol: a client sends a query's SHA-256 and, when
/// the server does not know it yet, the query with its hash).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PersistedQuerySettings {
    /// How long a registered query is kept after its last registration, in seconds.
    pub ttl_seconds: u64,
    /// The longest query text that may be registered, in bytes.
    pub max_query_bytes: usize,
}

impl Default for PersistedQuerySettings {
    fn default() -> Self {
        Self {
            ttl_seconds: 7 * 24 * 3600,
            max_query_bytes: 32 * 1024,
        }
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        let plan = |tenant, user, api_key| PlanLimits {
            tenant_per_minute: tenant,
            user_per_minute: user,
            api_key_per_minute: api_key,
        };
        Self {
            enabled: true,
            on_store_failure: FailMode::Open,
            default_plan: "standard".into(),
            plans: [
                ("free".to_owned(), plan(100_000, 30_000, 30_000)),
                ("standard".to_owned(), plan(1_000_000, 120_000, 300_000)),
                (
                    "enterprise".to_owned(),
                    plan(10_000_000, 600_000, 3_000_000),
                ),
            ]
            .into_iter()
            .collect(),
        }
    }
}

/// The outbox dispatcher.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventSettings {
    /// Whether this process runs the dispatcher and the webhook worker. Several processes may
    /// (they share the work through row locks); turn it off on processes that only serve.
    pub dispatcher: bool,
    /// How often the dispatcher looks for pending events and due deliveries when idle.
    pub poll_interval_ms: u64,
    /// Events handled per tenant in one dispatcher transaction.
    pub batch_size: u64,
    /// How often approvers of documents coming due are reminded (each once per document).
    pub reminder_interval_seconds: u64,
    /// Days published events and finished webhook deliveries are kept (the audit trail keeps
    /// every change regardless); 0 keeps them for ever.
    pub retention_days: u32,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            dispatcher: true,
            poll_interval_ms: 500,
            batch_size: 100,
            reminder_interval_seconds: 900,
            retention_days: 30,
        }
    }
}

/// Webhook delivery: retries, timeouts and when an endpoint is switched off.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Attempts before a delivery is parked (given up; it can be replayed).
    pub max_attempts: i32,
    /// The wait before the first retry; each further retry waits twice as long.
    pub backoff_base_ms: u64,
    /// The longest wait between two attempts.
    pub backoff_max_seconds: u64,
    /// How long one attempt may take.
    pub timeout_seconds: u64,
    /// Failed attempts in a row (across deliveries) after which the endpoint is disabled and
    /// its administrators are notified.
    pub disable_after_failures: i32,
    /// Whether endpoints may use http and loopback or private addresses (on-premise receivers,
    /// tests). Off by default: webhooks go to public https URLs only.
    pub allow_private_networks: bool,
    /// Deliveries sent at the same time by one process.
    pub concurrency: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            backoff_base_ms: 30_000,
            backoff_max_seconds: 6 * 3600,
            timeout_seconds: 10,
            disable_after_failures: 20,
            allow_private_networks: false,
            concurrency: 4,
        }
    }
}

/// Where attachment content is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    /// A directory on local disk (the default).
    #[default]
    Local,
    /// An S3-compatible object store (AWS S3, MinIO, Ceph, ...).
    S3,
}

/// Attachment storage and its limits.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// `local` or `s3`.
    pub backend: StorageBackend,
    /// The directory of the local backend.
    pub local_path: PathBuf,
    /// The bucket of the S3 backend.
    pub s3_bucket: Option<String>,
    /// The region of the S3 backend.
    pub s3_region: String,
    /// The endpoint of an S3-compatible store other than AWS (`https://minio.internal:9000`).
    pub s3_endpoint: Option<String>,
    /// The access key id of the S3 backend.
    pub s3_access_key_id: Option<String>,
    /// The secret access key of the S3 backend.
    #[serde(serialize_with = "serialize_secret_opt")]
    pub s3_secret_access_key: Option<SecretString>,
    /// Largest attachment, in bytes.
    pub max_file_bytes: usize,
    /// Content types accepted for attachments.
    pub allowed_types: Vec<String>,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            backend: StorageBackend::Local,
            local_path: PathBuf::from("data/attachments"),
            s3_bucket: None,
            s3_region: "us-east-1".into(),
            s3_endpoint: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            max_file_bytes: 10 * 1024 * 1024,
            allowed_types: [
                "application/pdf",
                "image/png",
                "image/jpeg",
                "image/gif",
                "image/webp",
                "text/plain",
                "text/csv",
                "application/zip",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

/// The platform operator's access to the API.
#[derive(Clone, Debug, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PlatformSettings {
    /// A key (at least 32 characters) that, sent as `X-Platform-Key`, allows the platform
    /// mutations (`createTenant`, `setTenantStatus`). Unset disables them.
    #[serde(serialize_with = "serialize_secret_opt")]
    pub operator_key: Option<SecretString>,
}

/// The HTTP listener.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// Address to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// Seconds in-flight requests get to finish after SIGTERM.
    pub shutdown_timeout_seconds: u64,
    /// Whether `/graphiql` is served.
    pub graphiql: bool,
}

/// The database connection.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `postgres://...` or `sqlite://...`; empty means the embedded SQLite file at `sqlite_path`.
    /// Treated as a secret because it may carry a password.
    #[serde(serialize_with = "serialize_secret_opt")]
    pub url: Option<SecretString>,
    /// Where the embedded SQLite database lives when no URL is set.
    pub sqlite_path: PathBuf,
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// Connections kept open when idle.
    pub min_connections: u32,
    /// Milliseconds to wait for a pooled connection before failing the request.
    pub acquire_timeout_ms: u64,
    /// Whether `serve` applies pending migrations at start.
    pub migrate_on_start: bool,
}

/// Redis.
#[derive(Clone, Debug, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RedisSettings {
    /// `redis://...`; absent selects the in-process cache. Treated as a secret.
    #[serde(serialize_with = "serialize_secret_opt")]
    pub url: Option<SecretString>,
    /// Milliseconds any single Redis command may take before it is abandoned.
    pub timeout_ms: u64,
    /// After a failed command, how long Redis is left alone (reads go to the database, rate
    /// limits follow `rate_limits.on_store_failure`) before it is tried again, in milliseconds.
    pub retry_after_ms: u64,
}

/// The read cache.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheSettings {
    /// Whether rows and principals are read through the cache (rate limits and persisted
    /// queries use the store either way). Off is for measuring what the cache saves.
    pub enabled: bool,
    /// Entries held by the in-process cache.
    pub max_entries: u64,
    /// Default time to live of a cached value, in seconds.
    pub ttl_seconds: u64,
}

/// Token signing and verification.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// HS256 secret for the tokens this server issues (at least 32 characters).
    #[serde(serialize_with = "serialize_secret")]
    pub jwt_secret: SecretString,
    /// `iss` claim of issued tokens, and the issuer accepted for them.
    pub issuer: String,
    /// `aud` claim of issued tokens, and the audience accepted for them.
    pub audience: String,
    /// Lifetime of access tokens, in seconds.
    pub access_token_ttl_seconds: u64,
    /// Allowed clock skew when checking `exp` and `nbf`, in seconds.
    pub leeway_seconds: u64,
    /// The shortest interval between two fetches of an identity provider's JWKS document
    /// (a token naming an unknown `kid` triggers a fetch; this bounds how often).
    pub jwks_min_refetch_seconds: u64,
    /// Allow identity-provider JWKS URLs over plain http and on loopback or private networks.
    /// Off by default: otherwise a tenant admin could make the server probe internal addresses.
    pub jwks_allow_private_networks: bool,
}

/// Demo data.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoSettings {
    /// Create the demo tenant at start (once; later starts find it). Refused in production.
    pub enabled: bool,
}

/// Logging.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// `pretty`, `json`, or `auto` (JSON in production, pretty otherwise).
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `info,sqlx=warn`; `RUST_LOG` overrides it.
    pub filter: String,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON in production, pretty in development.
    #[default]
    Auto,
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Request limits, on by default.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Deepest selection set. GraphiQL's own introspection query nests 15 deep, so the default
    /// leaves room for it.
    pub max_depth: usize,
    /// Highest query complexity (each field counts 1, lists multiply by their page size).
    pub max_complexity: usize,
    /// Most aliases in one document (aliases multiply work without deepening a query).
    pub max_aliases: usize,
    /// Most root mutation fields in one request (each runs its own transaction).
    pub max_root_mutations: usize,
    /// Longest a request may execute, in milliseconds.
    pub timeout_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: Mode::Development,
            http: HttpSettings::default(),
            database: DatabaseSettings::default(),
            redis: RedisSettings {
                url: None,
                timeout_ms: 250,
                retry_after_ms: 1_000,
            },
            cache: CacheSettings::default(),
            auth: AuthSettings::default(),
            demo: DemoSettings { enabled: true },
            log: LogSettings::default(),
            limits: LimitSettings::default(),
            platform: PlatformSettings::default(),
            storage: StorageSettings::default(),
            events: EventSettings::default(),
            webhooks: WebhookSettings::default(),
            rate_limits: RateLimitSettings::default(),
            persisted_queries: PersistedQuerySettings::default(),
        }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: 0,
            shutdown_timeout_seconds: 30,
            graphiql: true,
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            sqlite_path: PathBuf::from("data/urakata.db"),
            max_connections: 20,
            min_connections: 1,
            acquire_timeout_ms: 5_000,
            migrate_on_start: true,
        }
    }
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_entries: 100_000,
            ttl_seconds: 300,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: SecretString::from(DEV_JWT_SECRET),
            issuer: "urakata".into(),
            audience: "urakata-api".into(),
            access_token_ttl_seconds: 900,
            leeway_seconds: 30,
            jwks_min_refetch_seconds: 30,
            jwks_allow_private_networks: false,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Auto,
            filter: "info,sqlx=warn,sea_orm=warn".into(),
        }
    }
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self { enabled: true }
    }
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_depth: 16,
            max_complexity: 5_000,
            max_aliases: 30,
            max_root_mutations: 10,
            timeout_ms: 30_000,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A layer could not be read or had an unknown key or a value of the wrong type.
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    /// The settings are readable but unsafe or inconsistent.
    #[error("refusing to start: {0}")]
    Refused(String),
}

impl Settings {
    /// Loads the layers from the process environment and the optional file.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::from_figment(Self::figment(file))
    }

    /// The layered sources, lowest first. Exposed so tests can inspect and extend it.
    pub fn figment(file: Option<&Path>) -> Figment {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("URAKATA_CONFIG").map(PathBuf::from));
        if let Some(path) = file {
            // `Toml::file` silently yields nothing for a missing file; a named file must exist.
            fig = fig.merge(Toml::file_exact(path));
        }
        fig.merge(Env::prefixed("URAKATA_").ignore(&["config"]).split("__"))
            .merge(
                Env::raw()
                    .only(&["database_url"])
                    .map(|_| "database.url".into()),
            )
            .merge(Env::raw().only(&["redis_url"]).map(|_| "redis.url".into()))
    }

    /// Extracts and validates settings from a figment.
    pub fn from_figment(fig: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = fig.extract().map_err(Box::new)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks what types cannot: production safety and consistency.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let secret = self.auth.jwt_secret.expose_secret();
        if self.mode == Mode::Production {
            if secret == DEV_JWT_SECRET {
                return Err(ConfigError::Refused(
                    "production mode needs its own signing secret (set URAKATA_AUTH__JWT_SECRET)"
                        .into(),
                ));
            }
            if self.demo.enabled {
                return Err(ConfigError::Refused(
                    "production mode does not create demo data (set URAKATA_DEMO__ENABLED=false)"
                        .into(),
                ));
            }
            if self.database_url().is_none() {
                return Err(ConfigError::Refused(
                    "production mode needs PostgreSQL (set DATABASE_URL=postgres://...)".into(),
                ));
            }
        }
        if secret.len() < 32 {
            return Err(ConfigError::Refused(
                "auth.jwt_secret must be at least 32 characters".into(),
            ));
        }
        if let Some(url) = self.database_url()
            && !(url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.starts_with("sqlite:"))
        {
            return Err(ConfigError::Refused(
                "database.url must start with postgres:// or sqlite:".into(),
            ));
        }
        if let Some(url) = &self.redis.url
            && !(url.expose_secret().starts_with("redis://")
                || url.expose_secret().starts_with("rediss://"))
        {
            return Err(ConfigError::Refused(
                "redis.url must start with redis:// or rediss://".into(),
            ));
        }
        if self
            .platform
            .operator_key
            .as_ref()
            .is_some_and(|k| k.expose_secret().len() < 32)
        {
            return Err(ConfigError::Refused(
                "platform.operator_key must be at least 32 characters".into(),
            ));
        }
        if self.limits.max_depth == 0
            || self.limits.max_complexity == 0
            || self.limits.max_body_bytes == 0
            || self.limits.max_aliases == 0
            || self.limits.max_root_mutations == 0
        {
            return Err(ConfigError::Refused("limits must be positive".into()));
        }
        if self.storage.backend == StorageBackend::S3 && self.storage.s3_bucket.is_none() {
            return Err(ConfigError::Refused(
                "storage.backend = \"s3\" needs storage.s3_bucket".into(),
            ));
        }
        if !self
            .rate_limits
            .plans
            .contains_key(&self.rate_limits.default_plan)
        {
            return Err(ConfigError::Refused(format!(
                "rate_limits.default_plan names no plan in rate_limits.plans: {}",
                self.rate_limits.default_plan
            )));
        }
        if self.rate_limits.plans.values().any(|p| {
            p.tenant_per_minute == 0 || p.user_per_minute == 0 || p.api_key_per_minute == 0
        }) {
            return Err(ConfigError::Refused(
                "every rate_limits plan needs positive budgets".into(),
            ));
        }
        if self.storage.max_file_bytes == 0 {
            return Err(ConfigError::Refused(
                "storage.max_file_bytes must be positive".into(),
            ));
        }
        if self.database.max_connections == 0
            || self.database.min_connections > self.database.max_connections
        {
            return Err(ConfigError::Refused(
                "database.max_connections must be positive and at least min_connections".into(),
            ));
        }
        Ok(())
    }

    /// The configured database URL, if any (empty strings count as unset).
    pub fn database_url(&self) -> Option<&str> {
        self.database
            .url
            .as_ref()
            .map(|s| s.expose_secret())
            .filter(|s| !s.is_empty())
    }

    /// The configured Redis URL, if any (empty strings count as unset).
    pub fn redis_url(&self) -> Option<&str> {
        self.redis
            .url
            .as_ref()
            .map(|s| s.expose_secret())
            .filter(|s| !s.is_empty())
    }

    /// Whether logs should be JSON.
    pub fn json_logs(&self) -> bool {
        match self.log.format {
            LogFormat::Json => true,
            LogFormat::Pretty => false,
            LogFormat::Auto => self.mode == Mode::Production,
        }
    }
}

/// Secrets serialize in clear only so that `Serialized::defaults` can carry the built-in defaults
/// into figment (the only default secret is the public development one). Nothing else serializes
/// `Settings`; `Debug` output masks every secret.
fn serialize_secret<S: serde::Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

fn serialize_secret_opt<S: serde::Serializer>(
    secret: &Option<SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(v) => s.serialize_some(v.expose_secret()),
        None => s.serialize_none(),
    }
}
