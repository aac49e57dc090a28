//! The shared cache: Redis in production, an in-process cache on the embedded default.
//!
//! Both implement [`Cache`]. Every Redis command is bounded by `redis.timeout_ms`, so a slow or
//! absent Redis delays a request by at most that much.

use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;

use crate::config::Settings;

/// A byte-valued key-value cache with expiry.
#[async_trait]
pub trait Cache: Send + Sync {
    /// Reads a value.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>>;
    /// Writes a value with a time to live.
    async fn set(&self, key: &str, value: Vec<u8>, ttl: Duration) -> anyhow::Result<()>;
    /// Removes a value.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
    /// Removes several values (one round trip on Redis).
    async fn delete_many(&self, keys: &[String]) -> anyhow::Result<()> {
        for key in keys {
            self.delete(key).await?;
        }
        Ok(())
    }
    /// Checks that the cache answers (for `/readyz`).
    async fn ping(&self) -> anyhow::Result<()>;
    /// `redis` or `memory`.
    fn backend(&self) -> &'static str;
}

/// The key of a cached record. It always names the tenant, so no cached value can be served to
/// another tenant; the dispatcher drops it when the record's change event is published.
pub fn entity_key(tenant: entity::TenantId, type_name: &str, id: uuid::Uuid) -> String {
    format!("t:{}:{type_name}:{id}", tenant.uuid())
}

/// Opens the configured cache.
pub async fn connect(settings: &Settings) -> anyhow::Result<Box<dyn Cache>> {
    match settings.redis_url() {
        Some(url) => Ok(Box::new(
            RedisCache::connect(url, Duration::from_millis(settings.redis.timeout_ms)).await?,
        )),
        None => Ok(Box::new(MemoryCache::new(
            settings.cache.max_entries,
            Duration::from_secs(settings.cache.ttl_seconds),
        ))),
    }
}

/// The in-process cache of the embedded default.
pub struct MemoryCache {
    inner: moka::future::Cache<String, (Vec<u8>, std::time::Instant)>,
}

impl MemoryCache {
    /// A cache holding at most `max_entries`, none for longer than `max_ttl`.
    pub fn new(max_entries: u64, max_ttl: Duration) -> Self {
        Self {
            inner: moka::future::Cache::builder()
                .max_capacity(max_entries)
                .time_to_live(max_ttl)
                .build(),
        }
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        // Each entry carries its own deadline; moka's cache-wide TTL is only the upper bound.
        Ok(self
            .inner
            .get(key)
            .await
            .filter(|(_, until)| *until > std::time::Instant::now())
            .map(|(v, _)| v))
    }

    async fn set(&self, key: &str, value: Vec<u8>, ttl: Duration) -> anyhow::Result<()> {
        self.inner
            .insert(key.to_owned(), (value, std::time::Instant::now() + ttl))
            .await;
        Ok(())
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.inner.invalidate(key).await;
        Ok(())
    }

    async fn ping(&self) -> anyhow::Result<()> {
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}

/// Redis through a multiplexed, self-reconnecting connection.
pub struct RedisCache {
    conn: redis::aio::ConnectionManager,
    timeout: Duration,
}

impl RedisCache {
    /// Connects; fails if Redis does not answer within the timeout.
    pub async fn connect(url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("parsing redis.url")?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout.max(Duration::from_secs(2))))
            .set_response_timeout(Some(timeout));
        let conn = tokio::time::timeout(
            timeout.max(Duration::from_secs(5)),
            redis::aio::ConnectionManager::new_with_config(client, config),
        )
        .await
        .context("connecting to Redis timed out")?
        .context("connecting to Redis")?;
        Ok(Self { conn, timeout })
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> anyhow::Result<T> {
        let mut conn = self.conn.clone();
        let fut = async move { cmd.query_async::<T>(&mut conn).await };
        tokio::time::timeout(self.timeout, fut)
            .await
            .context("Redis timed out")?
            .context("Redis command failed")
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        self.run(redis::cmd("GET").arg(key).to_owned()).await
    }

    async fn set(&self, key: &str, value: Vec<u8>, ttl: Duration) -> anyhow::Result<()> {
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.run(
            redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("PX")
                .arg(ms)
                .to_owned(),
        )
        .await
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.run::<i64>(redis::cmd("DEL").arg(key).to_owned())
            .await
            .map(|_| ())
    }

    async fn delete_many(&self, keys: &[String]) -> anyhow::Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        self.run::<i64>(redis::cmd("DEL").arg(keys).to_owned())
            .await
            .map(|_| ())
    }

    async fn ping(&self) -> anyhow::Result<()> {
        self.run::<String>(redis::cmd("PING").to_owned())
            .await
            .map(|_| ())
    }

    fn backend(&self) -> &'static str {
        "redis"
    }
}
