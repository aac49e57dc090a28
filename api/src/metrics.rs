//! Prometheus metrics, served at `/metrics`.
//!
//! Operation names come from clients, so the label is bounded: names that are not plain
//! identifiers, and new names beyond [`MAX_OPERATION_LABELS`], are counted as `other`.

use std::collections::HashSet;
use std::sync::Mutex;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Distinct operation names kept as their own label value.
pub const MAX_OPERATION_LABELS: usize = 500;

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
    pool: IntGaugeVec,
    statements: prometheus::IntCounter,
    /// Domain events published by the dispatcher.
    pub events_published: prometheus::IntCounter,
    /// Webhook delivery attempts by outcome (`delivered`, `failed`, `parked`).
    pub webhook_attempts: IntCounterVec,
    /// Read-cache lookups, failures and invalidations.
    pub cache: crate::cache::CacheCounters,
    cache_evictions: prometheus::IntGauge,
    /// Requests refused by the rate limiter, by the bucket that refused (`principal`, `tenant`).
    pub rate_limited: IntCounterVec,
    seen_operations: Mutex<HashSet<String>>,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new_custom(Some("urakata".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "graphql_requests_total",
                "GraphQL requests by operation name",
            ),
            &["operation"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "graphql_request_duration_seconds",
                "GraphQL request latency by operation name",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["operation"],
        )?;
        let errors = IntCounterVec::new(
            Opts::new("graphql_errors_total", "GraphQL errors by code"),
            &["code"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database pool connections by state (in_use, idle, max)",
            ),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        let statements =
            prometheus::IntCounter::new("db_statements_total", "SQL statements executed")?;
        registry.register(Box::new(statements.clone()))?;
        let events_published = prometheus::IntCounter::new(
            "events_published_total",
            "Domain events published from the outbox",
        )?;
        registry.register(Box::new(events_published.clone()))?;
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "webhook_attempts_total",
                "Webhook delivery attempts by outcome",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(webhook_attempts.clone()))?;
        let cache = crate::cache::CacheCounters {
            lookups: IntCounterVec::new(
                Opts::new(
                    "cache_lookups_total",
                    "Read-cache lookups by result (hit, miss, bypass)",
                ),
                &["result"],
            )?,
            errors: prometheus::IntCounter::new(
                "cache_errors_total",
                "Failed commands to the cache store",
            )?,
            invalidations: prometheus::IntCounter::new(
                "cache_invalidations_total",
                "Cache generations moved on by writes",
            )?,
        };
        registry.register(Box::new(cache.lookups.clone()))?;
        registry.register(Box::new(cache.errors.clone()))?;
        registry.register(Box::new(cache.invalidations.clone()))?;
        let cache_evictions = prometheus::IntGauge::new(
            "cache_evictions",
            "Keys the cache store evicted for want of room since it started",
        )?;
        registry.register(Box::new(cache_evictions.clone()))?;
        let rate_limited = IntCounterVec::new(
            Opts::new(
                "rate_limited_total",
                "Requests refused by the rate limiter, by bucket",
            ),
            &["bucket"],
        )?;
        registry.register(Box::new(rate_limited.clone()))?;
        Ok(Self {
            cache,
            cache_evictions,
            rate_limited,
            events_published,
            webhook_attempts,
            registry,
            requests,
            latency,
            errors,
            pool,
            statements,
            seen_operations: Mutex::new(HashSet::new()),
        })
    }

    /// The label for an operation name.
    pub fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return "anonymous".into();
        };
        let plain = name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !plain {
            return "other".into();
        }
        let Ok(mut seen) = self.seen_operations.lock() else {
            return "other".into();
        };
        if seen.contains(name) || seen.len() < MAX_OPERATION_LABELS {
            seen.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".into()
        }
    }

    /// Records one finished GraphQL request.
    pub fn observe_request(&self, operation: &str, seconds: f64, error_codes: &[String]) {
        self.requests.with_label_values(&[operation]).inc();
        self.latency
            .with_label_values(&[operation])
            .observe(seconds);
        for code in error_codes {
            self.errors.with_label_values(&[code.as_str()]).inc();
        }
    }

    /// Updates the pool gauges (called at scrape time).
    pub fn set_pool(&self, open: u32, idle: usize, max: u32) {
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(open) - idle);
        self.pool.with_label_values(&["idle"]).set(idle);
        self.pool.with_label_values(&["max"]).set(i64::from(max));
    }

    /// Sets the store's eviction count (called at scrape time).
    pub fn set_cache_evictions(&self, evicted: u64) {
        self.cache_evictions
            .set(i64::try_from(evicted).unwrap_or(i64::MAX));
    }

    /// Brings the statement counter up to `total` (it only ever grows).
    pub fn set_statements(&self, total: u64) {
        let seen = self.statements.get();
        if total > seen {
            self.statements.inc_by(total - seen);
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> anyhow::Result<String> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        Ok(String::from_utf8(buf)?)
    }
}
