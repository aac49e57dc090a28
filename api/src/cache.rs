//! The shared read cache: Redis in production, an in-process cache on the embedded default.
//!
//! Both stores implement [`Cache`]; [`ReadCache`] is what the rest of the server uses.
//!
//! **Exact invalidation by generations.** Every cached value depends on one or more
//! *generations*: counters named after a tenant and an entity type (`t:{tenant}:Employee`), or a
//! finer thing such as one sign-in (`t:{tenant}:Session:{id}`). A value is stored under its key
//! plus the generations current when its read began (`...@1700000000123456.3`), and reading
//! fetches the generations and the value in one round trip. After a tenant transaction commits,
//! the seam tells [`ReadCache`] which types it wrote ([`entity::on_commit`]) and their
//! generations move on *before the write returns*, so no process can find the old value again.
//! A reader that loaded the old row just before the commit stores it under the old generation,
//! where nobody looks. The outbox dispatcher moves the generations again when it publishes the
//! events (the event path), which repairs a bump lost to a crash or a Redis outage; the TTL
//! bounds everything else.
//!
//! Keys always start with the tenant, so nothing cached for one tenant can be found by another;
//! values are raw rows and principals, and every permission check runs on them after the cache.
//!
//! Every Redis command is bounded by `redis.timeout_ms`, and after a failure Redis is left alone
//! for `redis.retry_after_ms` (reads fall through to the database), so a slow or absent Redis
//! delays a request by at most one timeout.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use async_trait::async_trait;
use entity::TenantId;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::Settings;

/// A byte-valued key-value store with expiry and generation counters.
#[async_trait]
pub trait Cache: Send + Sync {
    /// Reads a value.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>>;
    /// Writes a value with a time to live.
    async fn set(&self, key: &str, value: Vec<u8>, ttl: Duration) -> anyhow::Result<()>;
    /// Reads the current generations `gens` (starting any that do not exist yet) and the values
    /// stored under each of `keys` at exactly those generations, in one round trip. Returns the
    /// stamp (the generations joined) and the values.
    async fn get_versioned(
        &self,
        gens: &[String],
        keys: &[String],
    ) -> anyhow::Result<(String, Vec<Option<Vec<u8>>>)>;
    /// Writes several values, each under `{key}@{stamp}`.
    async fn set_versioned(
        &self,
        stamp: &str,
        entries: Vec<(String, Vec<u8>)>,
        ttl: Duration,
    ) -> anyhow::Result<()>;
    /// Moves each generation on, so values stored under the old ones are never read again.
    async fn bump(&self, gens: &[String]) -> anyhow::Result<()>;
    /// Charges `cost` points to every bucket `(key, points per minute)` at once, or to none
    /// when any of them lacks the room (the generic cell rate algorithm, [`gcra`]).
    async fn charge(&self, buckets: &[(String, u64)], cost: u64) -> anyhow::Result<Charge>;
    /// Keys the store evicted for want of room since it started, when it can tell.
    async fn evictions(&self) -> Option<u64>;
    /// Checks that the store answers (for `/readyz`).
    async fn ping(&self) -> anyhow::Result<()>;
    /// `redis` or `memory`.
    fn backend(&self) -> &'static str;
}

/// The window every rate-limit bucket refills over.
pub const RATE_WINDOW_MS: f64 = 60_000.0;

/// What charging rate-limit buckets answered, for the bucket with the least room left.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Charge {
    /// Whether the points were taken.
    pub allowed: bool,
    /// Which bucket (index into the charged ones) the figures below describe.
    pub bucket: usize,
    /// That bucket's points per minute.
    pub limit: u64,
    /// Points left in it after this request.
    pub remaining: u64,
    /// Milliseconds until it is full again.
    pub reset_ms: u64,
    /// When refused, milliseconds until the request would fit.
    pub retry_after_ms: u64,
}

/// One bucket of the generic cell rate algorithm: with `tat` the bucket's theoretical arrival
/// time (when it would be full again), a request of `cost` fits when the new arrival time is at
/// most one window ahead. Returns the new arrival time and the figures. The Redis script in
/// [`CHARGE`] is the same arithmetic.
pub fn gcra(now: f64, tat: Option<f64>, cost: u64, limit: u64) -> (f64, Charge) {
    #[allow(clippy::cast_precision_loss)]
    let interval = RATE_WINDOW_MS / limit.max(1) as f64;
    let tat = tat.unwrap_or(now).max(now);
    #[allow(clippy::cast_precision_loss)]
    let next = tat + cost as f64 * interval;
    let allowed = next - now <= RATE_WINDOW_MS;
    let used = if allowed { next } else { tat };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let charge = Charge {
        allowed,
        bucket: 0,
        limit,
        remaining: ((RATE_WINDOW_MS - (used - now)) / interval)
            .floor()
            .max(0.0) as u64,
        reset_ms: (used - now).ceil().max(0.0) as u64,
        retry_after_ms: if allowed {
            0
        } else {
            (next - RATE_WINDOW_MS - now).ceil().max(1.0) as u64
        },
    };
    (used, charge)
}

/// Folds the per-bucket figures into the answer: refused if any bucket refused (with the longest
/// wait), otherwise the bucket with the fewest points left.
fn worst(charges: &[Charge]) -> Charge {
    let refused: Vec<(usize, &Charge)> = charges
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.allowed)
        .collect();
    let pick = if refused.is_empty() {
        charges.iter().enumerate().min_by_key(|(_, c)| c.remaining)
    } else {
        refused.into_iter().max_by_key(|(_, c)| c.retry_after_ms)
    };
    pick.map(|(i, c)| Charge { bucket: i, ..*c })
        .unwrap_or(Charge {
            allowed: true,
            ..Charge::default()
        })
}

/// Opens the configured store.
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

/// How reads went, for `/metrics`.
#[derive(Clone)]
pub struct CacheCounters {
    /// Lookups by result: `hit`, `miss`, `bypass` (the store was skipped after a failure).
    pub lookups: prometheus::IntCounterVec,
    /// Failed store commands.
    pub errors: prometheus::IntCounter,
    /// Generations moved on by writes.
    pub invalidations: prometheus::IntCounter,
}

/// The read cache every part of the server uses: generations, a circuit breaker in front of the
/// store, and counters.
pub struct ReadCache {
    store: Box<dyn Cache>,
    enabled: bool,
    ttl: Duration,
    retry_after: Duration,
    /// Until when (milliseconds since `epoch`) the store is left alone after a failure.
    open_until_ms: AtomicU64,
    epoch: Instant,
    /// Generations a failed bump could not move; moved before the store is read again.
    pending: Mutex<BTreeSet<String>>,
    counters: CacheCounters,
}

/// The name of a generation: a tenant's entity type, or a finer dependency under it.
pub fn generation(tenant: TenantId, name: &str) -> String {
    format!("g:t:{}:{name}", tenant.uuid())
}

/// The generation every tenant commit moves, whatever it wrote: what a cached whole response
/// depends on (it may have read anything of the tenant's).
pub const ANY_WRITE: &str = "*";

/// A response-cache lookup: the stored value, when there is one at the current generations, and
/// the stamp a freshly computed value is to be stored under (taken before computing it, so a
/// write that lands meanwhile makes the stored value unreadable rather than stale).
pub struct Lookup {
    /// The generations read, joined.
    pub stamp: String,
    /// The value stored at exactly those generations.
    pub value: Option<Vec<u8>>,
}

impl ReadCache {
    /// Wraps a store. `ttl` bounds how long any value lives; `retry_after` is how long the
    /// store is skipped after a failure.
    pub fn new(
        store: Box<dyn Cache>,
        ttl: Duration,
        retry_after: Duration,
        counters: CacheCounters,
    ) -> Self {
        Self {
            store,
            enabled: true,
            ttl,
            retry_after,
            open_until_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            pending: Mutex::new(BTreeSet::new()),
            counters,
        }
    }

    /// The same cache with reading through it turned off (`cache.enabled = false`).
    pub fn disabled(self) -> Self {
        Self {
            enabled: false,
            ..self
        }
    }

    /// A small in-process cache, for command-line tools.
    pub fn in_memory(counters: CacheCounters) -> Self {
        Self::new(
            Box::new(MemoryCache::new(1_000, Duration::from_secs(60))),
            Duration::from_secs(60),
            Duration::from_secs(1),
            counters,
        )
    }

    /// `redis` or `memory`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// Keys the store evicted for want of room, when it can tell.
    pub async fn evictions(&self) -> Option<u64> {
        if self.is_open() {
            return None;
        }
        self.store.evictions().await
    }

    /// Whether the store answers now (it is asked even while the breaker is open, so `/readyz`
    /// sees it come back).
    pub async fn ping(&self) -> anyhow::Result<()> {
        self.store.ping().await?;
        // The store answers: stop skipping it, once the invalidations it missed are applied.
        if self.flush_pending().await {
            self.open_until_ms.store(0, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Whether the store is being skipped after a failure.
    pub fn is_open(&self) -> bool {
        self.now_ms() < self.open_until_ms.load(Ordering::Relaxed)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn failed(&self, what: &str, e: &anyhow::Error) {
        self.counters.errors.inc();
        let until = self.now_ms()
            + u64::try_from(self.retry_after.as_millis())
                .unwrap_or(1000)
                .max(1);
        let was_open = self.is_open();
        self.open_until_ms.store(until, Ordering::Relaxed);
        if !was_open {
            tracing::warn!(error = %e, what, "the cache store failed; reading from the database");
        }
    }

    /// Tries the generations a failed bump left behind; `false` while some are still pending
    /// (reads must not trust the store until they are moved).
    async fn flush_pending(&self) -> bool {
        let gens: Vec<String> = match self.pending.lock() {
            Ok(p) if p.is_empty() => return true,
            Ok(p) => p.iter().cloned().collect(),
            Err(_) => return false,
        };
        match self.store.bump(&gens).await {
            Ok(()) => {
                if let Ok(mut p) = self.pending.lock() {
                    for g in &gens {
                        p.remove(g);
                    }
                }
                tracing::info!(
                    generations = gens.len(),
                    "the cache store is back; missed invalidations applied"
                );
                true
            }
            Err(e) => {
                self.failed("bump", &e);
                false
            }
        }
    }

    /// Moves the tenant's generations `names` on (entity types or finer dependencies). A failure
    /// is remembered and retried before this process reads the store again.
    pub async fn invalidate(&self, tenant: TenantId, names: &[String]) {
        let mut gens: Vec<String> = names.iter().map(|n| generation(tenant, n)).collect();
        if gens.is_empty() || !self.enabled {
            return;
        }
        gens.push(generation(tenant, ANY_WRITE));
        self.counters
            .invalidations
            .inc_by(u64::try_from(gens.len()).unwrap_or(0));
        let result = if self.is_open() {
            Err(anyhow::anyhow!("the cache store is being skipped"))
        } else {
            self.store.bump(&gens).await
        };
        if let Err(e) = result {
            if !self.is_open() {
                self.failed("bump", &e);
            }
            if let Ok(mut p) = self.pending.lock() {
                p.extend(gens);
            }
        }
    }

    /// Reads values through the cache. Each id's value is stored under
    /// `t:{tenant}:{kind}:{id}` and depends on the tenant's generations `deps`; the ids not
    /// found are loaded by `load` (which may leave some out: those are not cached) and stored.
    /// When the store fails, everything is loaded.
    pub async fn read_through<K, V, E, F>(
        &self,
        tenant: TenantId,
        deps: &[&str],
        kind: &str,
        ids: &[K],
        load: F,
    ) -> Result<HashMap<K, V>, E>
    where
        K: std::fmt::Display + Eq + Hash + Clone,
        V: Serialize + DeserializeOwned,
        F: AsyncFnOnce(Vec<K>) -> Result<HashMap<K, V>, E>,
    {
        if !self.enabled {
            return load(ids.to_vec()).await;
        }
        let keys: Vec<String> = ids
            .iter()
            .map(|id| format!("t:{}:{kind}:{id}", tenant.uuid()))
            .collect();
        let Some((stamp, values)) = self.lookup_many(tenant, deps, &keys).await else {
            return load(ids.to_vec()).await;
        };
        let mut out = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        for ((id, key), value) in ids.iter().zip(&keys).zip(values) {
            match value.and_then(|v| serde_json::from_slice::<V>(&v).ok()) {
                Some(v) => {
                    out.insert(id.clone(), v);
                }
                None => missing.push((id.clone(), key.clone())),
            }
        }
        self.count_lookups(out.len(), missing.len());
        if missing.is_empty() {
            return Ok(out);
        }
        let loaded = load(missing.iter().map(|(id, _)| id.clone()).collect()).await?;
        let entries: Vec<(String, Vec<u8>)> = missing
            .iter()
            .filter_map(|(id, key)| {
                let value = serde_json::to_vec(loaded.get(id)?).ok()?;
                Some((key.clone(), value))
            })
            .collect();
        self.store_many(&stamp, entries).await;
        out.extend(loaded);
        Ok(out)
    }

    // What `read_through` does with the store, kept out of it: it is generic over the values it
    // reads (one copy per entity type in the binary), these are not.

    /// Looks up `keys` at the tenant's current generations `deps`: the stamp and each key's
    /// value. `None`, counted as bypassed, when the store is skipped or failed.
    async fn lookup_many(
        &self,
        tenant: TenantId,
        deps: &[&str],
        keys: &[String],
    ) -> Option<(String, Vec<Option<Vec<u8>>>)> {
        let gens: Vec<String> = deps.iter().map(|d| generation(tenant, d)).collect();
        let looked_up = if self.is_open() || !self.flush_pending().await {
            None
        } else {
            self.answer("read", self.store.get_versioned(&gens, keys).await)
        };
        if looked_up.is_none() {
            self.counters
                .lookups
                .with_label_values(&["bypass"])
                .inc_by(u64::try_from(keys.len()).unwrap_or(0));
        }
        looked_up
    }

    fn count_lookups(&self, hits: usize, misses: usize) {
        self.counters
            .lookups
            .with_label_values(&["hit"])
            .inc_by(u64::try_from(hits).unwrap_or(0));
        self.counters
            .lookups
            .with_label_values(&["miss"])
            .inc_by(u64::try_from(misses).unwrap_or(0));
    }

    /// Stores values computed after [`ReadCache::lookup_many`] missed, under its stamp.
    async fn store_many(&self, stamp: &str, entries: Vec<(String, Vec<u8>)>) {
        if !entries.is_empty()
            && !self.is_open()
            && let Err(e) = self.store.set_versioned(stamp, entries, self.ttl).await
        {
            self.failed("write", &e);
        }
    }

    /// [`ReadCache::read_through`] for one value.
    pub async fn read_one<V, E, F>(
        &self,
        tenant: TenantId,
        deps: &[&str],
        kind: &str,
        id: &str,
        load: F,
    ) -> Result<Option<V>, E>
    where
        V: Serialize + DeserializeOwned,
        F: AsyncFnOnce() -> Result<Option<V>, E>,
    {
        let mut found = self
            .read_through(tenant, deps, kind, &[id.to_owned()], async |_| {
                Ok(load()
                    .await?
                    .map(|v| HashMap::from([(id.to_owned(), v)]))
                    .unwrap_or_default())
            })
            .await?;
        Ok(found.remove(id))
    }

    /// Looks up one value stored under `key` (already tenant-qualified by the caller) at the
    /// tenant's current generations `deps`. `None` when the cache is off, skipped or failed:
    /// then nothing is to be stored either.
    pub async fn lookup(&self, tenant: TenantId, deps: &[&str], key: &str) -> Option<Lookup> {
        if !self.enabled || self.is_open() || !self.flush_pending().await {
            self.counters.lookups.with_label_values(&["bypass"]).inc();
            return None;
        }
        let gens: Vec<String> = deps.iter().map(|d| generation(tenant, d)).collect();
        let (stamp, mut values) = self.answer(
            "read",
            self.store.get_versioned(&gens, &[key.to_owned()]).await,
        )?;
        let value = values.pop().flatten();
        self.counters
            .lookups
            .with_label_values(&[if value.is_some() { "hit" } else { "miss" }])
            .inc();
        Some(Lookup { stamp, value })
    }

    /// Stores a value computed after [`ReadCache::lookup`] missed, under that lookup's stamp.
    pub async fn store(&self, stamp: &str, key: &str, value: Vec<u8>) {
        if self.is_open() {
            return;
        }
        let stored = self
            .store
            .set_versioned(stamp, vec![(key.to_owned(), value)], self.ttl)
            .await;
        self.answer("write", stored);
    }

    /// Charges rate-limit buckets (see [`Cache::charge`]); `None` when the store was skipped
    /// or failed.
    pub async fn charge(&self, buckets: &[(String, u64)], cost: u64) -> Option<Charge> {
        if self.is_open() {
            return None;
        }
        self.answer("rate limit", self.store.charge(buckets, cost).await)
    }

    /// Reads a plain value (not read-through: persisted queries); `None` when absent, skipped or
    /// failed.
    pub async fn get_plain(&self, key: &str) -> Option<Vec<u8>> {
        if self.is_open() {
            return None;
        }
        self.answer("read", self.store.get(key).await).flatten()
    }

    /// Writes a plain value; `false` when skipped or failed.
    pub async fn set_plain(&self, key: &str, value: Vec<u8>, ttl: Duration) -> bool {
        if self.is_open() {
            return false;
        }
        self.answer("write", self.store.set(key, value, ttl).await)
            .is_some()
    }

    fn answer<T>(&self, what: &str, result: anyhow::Result<T>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.failed(what, &e);
                None
            }
        }
    }
}

/// Connects the read cache to the seam: after every tenant commit, the written types'
/// generations move on before the write returns. The returned handle must be kept alive.
///
/// The move runs on the runtime that built the cache (awaited by the committer): a commit can
/// happen on any runtime, and a Redis connection that reconnected from a short-lived one would
/// die with it.
pub fn listen_to_commits(
    cache: std::sync::Arc<ReadCache>,
) -> std::sync::Arc<entity::CommitListener> {
    let weak = std::sync::Arc::downgrade(&cache);
    let home = tokio::runtime::Handle::current();
    let listener: std::sync::Arc<entity::CommitListener> =
        std::sync::Arc::new(move |tenant, touched| {
            let weak = weak.clone();
            let home = home.clone();
            Box::pin(async move {
                let work = async move {
                    if let Some(cache) = weak.upgrade() {
                        cache.invalidate(tenant, &touched).await;
                    }
                };
                if let Err(e) = home.spawn(work).await {
                    tracing::error!(error = %e, "moving cache generations failed");
                }
            })
        });
    entity::on_commit(&listener);
    listener
}

/// The in-process store of the embedded default.
pub struct MemoryCache {
    inner: moka::future::Cache<String, (Vec<u8>, Instant)>,
    generations: Mutex<HashMap<String, u64>>,
    buckets: Mutex<HashMap<String, f64>>,
    evicted: std::sync::Arc<AtomicU64>,
}

impl MemoryCache {
    /// A store holding at most `max_entries`, none for longer than `max_ttl`.
    pub fn new(max_entries: u64, max_ttl: Duration) -> Self {
        let evicted = std::sync::Arc::new(AtomicU64::new(0));
        let counter = evicted.clone();
        Self {
            inner: moka::future::Cache::builder()
                .max_capacity(max_entries)
                .time_to_live(max_ttl)
                .eviction_listener(move |_k, _v, cause| {
                    if cause == moka::notification::RemovalCause::Size {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .build(),
            // Generations are never evicted (one per tenant and type): losing one would let an
            // old value be read again.
            generations: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            evicted,
        }
    }

    fn stamp(&self, gens: &[String]) -> String {
        let Ok(map) = self.generations.lock() else {
            return String::new();
        };
        gens.iter()
            .map(|g| map.get(g).copied().unwrap_or(0).to_string())
            .collect::<Vec<_>>()
            .join(".")
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
            .filter(|(_, until)| *until > Instant::now())
            .map(|(v, _)| v))
    }

    async fn set(&self, key: &str, value: Vec<u8>, ttl: Duration) -> anyhow::Result<()> {
        self.inner
            .insert(key.to_owned(), (value, Instant::now() + ttl))
            .await;
        Ok(())
    }

    async fn get_versioned(
        &self,
        gens: &[String],
        keys: &[String],
    ) -> anyhow::Result<(String, Vec<Option<Vec<u8>>>)> {
        let stamp = self.stamp(gens);
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            values.push(self.get(&format!("{key}@{stamp}")).await?);
        }
        Ok((stamp, values))
    }

    async fn set_versioned(
        &self,
        stamp: &str,
        entries: Vec<(String, Vec<u8>)>,
        ttl: Duration,
    ) -> anyhow::Result<()> {
        for (key, value) in entries {
            self.set(&format!("{key}@{stamp}"), value, ttl).await?;
        }
        Ok(())
    }

    async fn bump(&self, gens: &[String]) -> anyhow::Result<()> {
        let mut map = self
            .generations
            .lock()
            .map_err(|_| anyhow::anyhow!("generation map poisoned"))?;
        for g in gens {
            *map.entry(g.clone()).or_insert(0) += 1;
        }
        Ok(())
    }

    async fn charge(&self, buckets: &[(String, u64)], cost: u64) -> anyhow::Result<Charge> {
        #[allow(clippy::cast_precision_loss)]
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or(0.0);
        let mut map = self
            .buckets
            .lock()
            .map_err(|_| anyhow::anyhow!("rate buckets poisoned"))?;
        // Full buckets need no entry; dropping them keeps the map to the active callers.
        if map.len() > 10_000 {
            map.retain(|_, tat| *tat > now);
        }
        let figures: Vec<(f64, Charge)> = buckets
            .iter()
            .map(|(key, limit)| gcra(now, map.get(key).copied(), cost, *limit))
            .collect();
        let charges: Vec<Charge> = figures.iter().map(|(_, c)| *c).collect();
        let answer = worst(&charges);
        if answer.allowed {
            for ((key, _), (tat, _)) in buckets.iter().zip(&figures) {
                map.insert(key.clone(), *tat);
            }
        }
        Ok(answer)
    }

    async fn evictions(&self) -> Option<u64> {
        Some(self.evicted.load(Ordering::Relaxed))
    }

    async fn ping(&self) -> anyhow::Result<()> {
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}

/// Reads generations (starting missing ones from the server's clock in microseconds, so a
/// generation lost to eviction or a flush restarts above every value it ever had) and the
/// values stored under them, in one script.
const GET_VERSIONED: &str = r"
local parts = {}
for i, k in ipairs(KEYS) do
  local g = redis.call('GET', k)
  if not g then
    local t = redis.call('TIME')
    redis.call('SET', k, t[1] .. string.format('%06d', tonumber(t[2])), 'NX')
    g = redis.call('GET', k)
  end
  parts[i] = g
end
local stamp = table.concat(parts, '.')
local out = { stamp }
for i, v in ipairs(ARGV) do
  out[i + 1] = redis.call('GET', v .. '@' .. stamp)
end
return out
";

/// Moves generations on (a missing one starts from the clock, as above).
const BUMP: &str = r"
for _, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 1 then
    redis.call('INCR', k)
  else
    local t = redis.call('TIME')
    redis.call('SET', k, t[1] .. string.format('%06d', tonumber(t[2])))
  end
end
return #KEYS
";

/// [`gcra`] over several buckets at once: ARGV[1] is the cost, ARGV[i + 1] bucket i's points
/// per minute. Answers, per bucket, `allowed, remaining, reset_ms, retry_after_ms`, and stores
/// the new arrival times only when every bucket had room.
const CHARGE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = 60000
local cost = tonumber(ARGV[1])
local all = true
local news = {}
local out = {}
for i, k in ipairs(KEYS) do
  local limit = tonumber(ARGV[i + 1])
  local interval = window / limit
  local tat = tonumber(redis.call('GET', k) or now)
  if tat < now then tat = now end
  local nxt = tat + cost * interval
  local allowed = (nxt - now) <= window
  local used = tat
  if allowed then used = nxt else all = false end
  news[i] = nxt
  local retry = 0
  if not allowed then retry = math.max(1, math.ceil(nxt - window - now)) end
  out[#out + 1] = allowed and 1 or 0
  out[#out + 1] = math.max(0, math.floor((window - (used - now)) / interval))
  out[#out + 1] = math.max(0, math.ceil(used - now))
  out[#out + 1] = retry
end
if all then
  for i, k in ipairs(KEYS) do
    redis.call('SET', k, string.format('%.3f', news[i]), 'PX', math.max(1, math.ceil(news[i] - now)))
  end
end
return out
";

/// Redis through a multiplexed, self-reconnecting connection.
pub struct RedisCache {
    conn: redis::aio::ConnectionManager,
    timeout: Duration,
    get_versioned: redis::Script,
    bump: redis::Script,
    charge: redis::Script,
}

impl RedisCache {
    /// Connects; fails if Redis does not answer within the timeout.
    pub async fn connect(url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("parsing redis.url")?;
        let conn = connection_manager(client, timeout).await?;
        Ok(Self {
            conn,
            timeout,
            get_versioned: redis::Script::new(GET_VERSIONED),
            bump: redis::Script::new(BUMP),
            charge: redis::Script::new(CHARGE),
        })
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> anyhow::Result<T> {
        let mut conn = self.conn.clone();
        let fut = async move { cmd.query_async::<T>(&mut conn).await };
        tokio::time::timeout(self.timeout, fut)
            .await
            .context("Redis timed out")?
            .context("Redis command failed")
    }

    async fn run_script<T: redis::FromRedisValue>(
        &self,
        invocation: redis::ScriptInvocation<'_>,
    ) -> anyhow::Result<T> {
        let mut conn = self.conn.clone();
        tokio::time::timeout(self.timeout, invocation.invoke_async::<T>(&mut conn))
            .await
            .context("Redis timed out")?
            .context("Redis script failed")
    }

    /// Runs a script with its keys and arguments (used by the rate limiter too).
    pub async fn script<T: redis::FromRedisValue>(
        &self,
        script: &redis::Script,
        keys: &[String],
        args: &[String],
    ) -> anyhow::Result<T> {
        let mut invocation = script.prepare_invoke();
        for k in keys {
            invocation.key(k);
        }
        for a in args {
            invocation.arg(a);
        }
        self.run_script(invocation).await
    }
}

/// A self-reconnecting connection whose every command gives up after `timeout`.
pub async fn connection_manager(
    client: redis::Client,
    timeout: Duration,
) -> anyhow::Result<redis::aio::ConnectionManager> {
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout.max(Duration::from_secs(2))))
        .set_response_timeout(Some(timeout));
    tokio::time::timeout(
        timeout.max(Duration::from_secs(5)),
        redis::aio::ConnectionManager::new_with_config(client, config),
    )
    .await
    .context("connecting to Redis timed out")?
    .context("connecting to Redis")
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

    async fn get_versioned(
        &self,
        gens: &[String],
        keys: &[String],
    ) -> anyhow::Result<(String, Vec<Option<Vec<u8>>>)> {
        let mut out: Vec<Option<Vec<u8>>> = self.script(&self.get_versioned, gens, keys).await?;
        if out.is_empty() {
            anyhow::bail!("the cache script answered nothing");
        }
        let stamp = String::from_utf8(out.remove(0).unwrap_or_default())?;
        Ok((stamp, out))
    }

    async fn set_versioned(
        &self,
        stamp: &str,
        entries: Vec<(String, Vec<u8>)>,
        ttl: Duration,
    ) -> anyhow::Result<()> {
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut pipe = redis::pipe();
        for (key, value) in entries {
            pipe.cmd("SET")
                .arg(format!("{key}@{stamp}"))
                .arg(value)
                .arg("PX")
                .arg(ms)
                .ignore();
        }
        let mut conn = self.conn.clone();
        tokio::time::timeout(self.timeout, pipe.query_async::<()>(&mut conn))
            .await
            .context("Redis timed out")?
            .context("Redis pipeline failed")
    }

    async fn bump(&self, gens: &[String]) -> anyhow::Result<()> {
        self.script::<i64>(&self.bump, gens, &[]).await.map(|_| ())
    }

    async fn charge(&self, buckets: &[(String, u64)], cost: u64) -> anyhow::Result<Charge> {
        let keys: Vec<String> = buckets.iter().map(|(k, _)| k.clone()).collect();
        let mut args = vec![cost.to_string()];
        args.extend(buckets.iter().map(|(_, limit)| limit.max(&1).to_string()));
        let raw: Vec<i64> = self.script(&self.charge, &keys, &args).await?;
        let num = |v: i64| u64::try_from(v).unwrap_or(0);
        let charges: Vec<Charge> = raw
            .chunks(4)
            .zip(buckets)
            .map(|(c, (_, limit))| Charge {
                allowed: c.first() == Some(&1),
                bucket: 0,
                limit: *limit,
                remaining: num(c.get(1).copied().unwrap_or(0)),
                reset_ms: num(c.get(2).copied().unwrap_or(0)),
                retry_after_ms: num(c.get(3).copied().unwrap_or(0)),
            })
            .collect();
        Ok(worst(&charges))
    }

    async fn evictions(&self) -> Option<u64> {
        let info: String = self
            .run(redis::cmd("INFO").arg("stats").to_owned())
            .await
            .ok()?;
        info.lines()
            .find_map(|l| l.strip_prefix("evicted_keys:"))
            .and_then(|v| v.trim().parse().ok())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcra_allows_a_full_window_then_refuses_until_it_refills() {
        // 60 points a minute: one point a second.
        let (tat, c) = gcra(0.0, None, 60, 60);
        assert!(c.allowed);
        assert_eq!(c.remaining, 0);
        assert_eq!(c.reset_ms, 60_000);
        let (_, refused) = gcra(0.0, Some(tat), 1, 60);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after_ms, 1_000);
        // A second later one point fits again.
        let (_, later) = gcra(1_000.0, Some(tat), 1, 60);
        assert!(later.allowed);
    }

    #[test]
    fn the_tightest_bucket_answers() {
        let a = Charge {
            allowed: true,
            remaining: 5,
            ..Charge::default()
        };
        let b = Charge {
            allowed: true,
            remaining: 2,
            ..Charge::default()
        };
        assert_eq!(worst(&[a, b]).bucket, 1);
        let c = Charge {
            allowed: false,
            retry_after_ms: 10,
            ..Charge::default()
        };
        assert!(!worst(&[a, c]).allowed);
    }

    #[tokio::test]
    async fn memory_charges_all_buckets_or_none() {
        let store = MemoryCache::new(100, Duration::from_secs(60));
        let buckets = vec![("a".to_owned(), 10), ("b".to_owned(), 100)];
        assert!(store.charge(&buckets, 10).await.unwrap().allowed);
        // Bucket a is empty, so b must not be charged for the refused request.
        let refused = store.charge(&buckets, 5).await.unwrap();
        assert!(!refused.allowed);
        assert_eq!(refused.bucket, 0);
        let b_only = store.charge(&buckets[1..], 90).await.unwrap();
        assert!(b_only.allowed, "b kept its 90 points");
    }
}
