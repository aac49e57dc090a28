//! Rate limits: each signed-in request costs its query complexity (at least one point) from two
//! buckets at once — its credential's (the user's, or the API key's) and its tenant's — with
//! budgets from the tenant's plan (`rate_limits.plans`). The buckets live in the shared store
//! (Redis), so every process draws from the same ones; [`crate::cache::gcra`] is the arithmetic.
//!
//! The charge happens in [`RateLimit`], a schema extension, right after validation (where the
//! complexity is known) and before anything executes: for HTTP requests in their admission
//! ([`crate::graphql::Schemas::admit`]), for subscriptions on the WebSocket. Its figures travel
//! back to the HTTP layer in [`RateLimitSlot`], which turns them into the standard
//! `RateLimit-*` headers and, on refusal, `429` with `Retry-After`.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextValidation,
};
use async_graphql::{ServerError, ValidationResult};

use crate::auth::{Principal, PrincipalKind};
use crate::cache::Charge;
use crate::config::FailMode;
use crate::error::ErrorCode;
use crate::graphql::Admission;
use crate::graphql::core::Session;
use crate::state::AppState;

/// What the limiter answered for this request, read by the HTTP layer.
#[derive(Default)]
pub struct RateLimitSlot(Mutex<Option<Charge>>);

impl RateLimitSlot {
    /// The charge made for this request, if any.
    pub fn get(&self) -> Option<Charge> {
        self.0.lock().ok().and_then(|c| *c)
    }

    fn set(&self, charge: Charge) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(charge);
        }
    }
}

/// The rate-limit bucket names of a principal: its own, then its tenant's.
pub fn buckets(state: &AppState, p: &Principal) -> Vec<(String, u64)> {
    let settings = &state.settings.rate_limits;
    let plan = p
        .plan
        .as_deref()
        .and_then(|name| settings.plans.get(name))
        .or_else(|| settings.plans.get(&settings.default_plan));
    let Some(plan) = plan else {
        return Vec::new();
    };
    let tenant = p.tenant.uuid();
    let own = match (p.kind, p.key_id) {
        (PrincipalKind::App, Some(key)) => {
            (format!("rl:t:{tenant}:k:{key}"), plan.api_key_per_minute)
        }
        (PrincipalKind::App, None) => (
            format!("rl:t:{tenant}:a:{}", p.actor_id),
            plan.api_key_per_minute,
        ),
        (PrincipalKind::User, _) => (
            format!("rl:t:{tenant}:u:{}", p.actor_id),
            plan.user_per_minute,
        ),
    };
    vec![own, (format!("rl:t:{tenant}"), plan.tenant_per_minute)]
}

/// Charges `cost` points for a principal. `None` when limits are off, or when the store failed
/// and the limiter fails open.
pub async fn charge(state: &AppState, p: &Principal, cost: u64) -> Option<Charge> {
    if !state.settings.rate_limits.enabled {
        return None;
    }
    let buckets = buckets(state, p);
    if buckets.is_empty() {
        return None;
    }
    let charged = state.cache.charge(&buckets, cost.max(1)).await;
    match (charged, state.settings.rate_limits.on_store_failure) {
        (Some(c), _) => Some(c),
        (None, FailMode::Open) => None,
        (None, FailMode::Closed) => Some(Charge {
            allowed: false,
            bucket: 0,
            limit: buckets[0].1,
            remaining: 0,
            reset_ms: 1_000,
            retry_after_ms: 1_000,
        }),
    }
}

/// Whole seconds, rounded up (headers count in seconds).
pub fn seconds(ms: u64) -> u64 {
    ms.div_ceil(1000)
}

/// The `RATE_LIMITED` error for a refused charge.
pub fn refusal(charge: &Charge) -> ServerError {
    let who = if charge.bucket == 0 {
        "this credential"
    } else {
        "this tenant"
    };
    let retry = seconds(charge.retry_after_ms).max(1);
    let mut err = ServerError::new(
        format!("too many requests for {who}; retry after {retry} seconds"),
        None,
    );
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", ErrorCode::RateLimited.as_str());
    ext.set("retryAfter", retry);
    err
}

/// The schema extension that charges each operation once it is validated.
pub struct RateLimit;

impl ExtensionFactory for RateLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RateLimit)
    }
}

#[async_trait::async_trait]
impl Extension for RateLimit {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        // An HTTP request is charged at its admission (`Schemas::admit`); a subscription here.
        let principal = match ctx.data_opt::<Admission>() {
            Some(admission) => admission.principal.as_ref(),
            None => ctx.data_opt::<Session>().map(|s| &s.principal),
        };
        let (Some(principal), Some(state)) = (principal, ctx.data_opt::<AppState>()) else {
            return Ok(result);
        };
        let cost = u64::try_from(result.complexity).unwrap_or(u64::MAX);
        let Some(charge) = charge(state, principal, cost).await else {
            return Ok(result);
        };
        if let Some(slot) = ctx.data_opt::<Arc<RateLimitSlot>>() {
            slot.set(charge);
        }
        if charge.allowed {
            Ok(result)
        } else {
            state
                .metrics
                .rate_limited
                .with_label_values(&[if charge.bucket == 0 {
                    "principal"
                } else {
                    "tenant"
                }])
                .inc();
            Err(vec![refusal(&charge)])
        }
    }

    /// An admission ends here, validated and charged: its request runs on the schema without
    /// extensions.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        if ctx.data_opt::<Admission>().is_some() {
            return async_graphql::Response::new(async_graphql::Value::Null);
        }
        next.run(ctx, operation_name).await
    }
}
