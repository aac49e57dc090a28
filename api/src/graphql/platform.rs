//! The platform domain in the schema: who am I, my tenant and its settings, and a liveness
//! subscription.

use crate::graphql::list::List;
use std::time::Duration;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use entity::platform::{self, tenant};
use futures_util::Stream;
use sea_orm::{ActiveValue::Set, IntoActiveModel};

use crate::auth::Permission;
use crate::error::{AppError, GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId};
use crate::graphql::identity::app_state;
use crate::services::tenants::{PlatformErrorCode, SettingsCheck, check_settings};

/// A tenant: the client company the caller belongs to.
pub struct Tenant(pub tenant::Model);

/// A tenant: the client company the caller belongs to.
#[Object]
impl Tenant {
    /// The opaque global id.
    async fn id(&self) -> ID {
        GlobalId::encode("Tenant", self.0.id)
    }
    /// Short unique handle used by operators.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// ISO 4217 code of the currency the books are kept in.
    async fn base_currency(&self) -> &str {
        &self.0.base_currency
    }
    /// Month (1-12) in which the fiscal year starts.
    async fn fiscal_year_start_month(&self) -> i16 {
        self.0.fiscal_year_start_month
    }
    /// IANA time zone name.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    /// BCP 47 locale.
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    /// Whether the tenant is active.
    async fn status(&self) -> TenantStatus {
        if self.0.status == "active" {
            TenantStatus::Active
        } else {
            TenantStatus::Suspended
        }
    }
    /// Whether this is the demo tenant.
    async fn is_demo(&self) -> bool {
        self.0.is_demo
    }
    /// Whether API keys may introspect the schema (when their app holds `EXPLORE_SCHEMA`).
    async fn api_key_introspection(&self) -> bool {
        self.0.api_key_introspection
    }
    /// Which operations the tenant's API keys may run.
    async fn api_key_operations(&self) -> ApiKeyOperations {
        if self.0.api_key_operations == "allow_list" {
            ApiKeyOperations::AllowList
        } else {
            ApiKeyOperations::Any
        }
    }
    /// The rate-limit plan the tenant is on (set by the platform operator).
    async fn plan(&self, ctx: &Context<'_>) -> GqlResult<String> {
        let state = app_state(ctx)?;
        Ok(self
            .0
            .plan
            .clone()
            .filter(|p| state.settings.rate_limits.plans.contains_key(p))
            .unwrap_or_else(|| state.settings.rate_limits.default_plan.clone()))
    }
    /// When the tenant was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Whether a tenant may be used.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum TenantStatus {
    /// In service.
    Active,
    /// Suspended by the platform operator; its credentials are refused.
    Suspended,
}

/// The signed-in principal.
#[derive(SimpleObject)]
pub struct Viewer {
    /// The user's global id.
    pub user_id: ID,
    /// The user's email.
    pub email: String,
    /// The user's display name.
    pub display_name: String,
    /// Role names held in this tenant.
    pub roles: crate::graphql::list::List<String>,
    /// Permissions granted by those roles.
    pub permissions: crate::graphql::list::List<Permission>,
}

/// The platform's queries.
#[derive(Default)]
pub struct PlatformQuery;

#[Object]
impl PlatformQuery {
    /// The signed-in principal. Needs only a valid credential.
    async fn viewer(&self, ctx: &Context<'_>) -> GqlResult<Viewer> {
        let session = ctx.session()?;
        let state = app_state(ctx)?;
        if session.principal.kind != crate::auth::PrincipalKind::User {
            return Err(
                AppError::Forbidden("the viewer is a person; an API key has none".into()).into(),
            );
        }
        let user = platform::find_user(&state.db, session.principal.actor_id)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("the user no longer exists".into()))?;
        Ok(Viewer {
            user_id: GlobalId::encode("User", user.id),
            email: user.email,
            display_name: user.display_name,
            roles: List(session.principal.roles.clone()),
            permissions: session.principal.permissions.iter().copied().collect(),
        })
    }

    /// The caller's tenant and its settings. Needs `VIEW_TENANT`.
    async fn tenant(&self, ctx: &Context<'_>) -> GqlResult<Tenant> {
        let session = ctx.authorize(Permission::ViewTenant)?;
        let state = app_state(ctx)?;
        let t = platform::find_tenant(&state.db, session.principal.tenant.uuid())
            .await?
            .ok_or(AppError::NotFound("tenant"))?;
        Ok(Tenant(t))
    }

    /// The server's version. Open to everyone, signed in or not.
    async fn server_version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }
}

/// Which operations a tenant's API keys may run.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyOperations {
    /// Any operation their permissions allow.
    Any,
    /// Only the tenant's registered persisted operations (`persistedOperations`).
    AllowList,
}

/// Changes to the tenant's settings; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateTenantSettingsInput {
    /// New display name (1-200 characters).
    pub name: Option<String>,
    /// New base currency, an ISO 4217 code such as `JPY`.
    pub base_currency: Option<String>,
    /// New fiscal-year start month (1-12).
    pub fiscal_year_start_month: Option<i32>,
    /// New IANA time zone, such as `Asia/Tokyo`.
    pub time_zone: Option<String>,
    /// New BCP 47 locale, such as `ja-JP`.
    pub locale: Option<String>,
    /// Whether API keys may introspect the schema (when their app holds `EXPLORE_SCHEMA`).
    pub api_key_introspection: Option<bool>,
    /// Which operations API keys may run; `ALLOW_LIST` takes effect on every process at once.
    pub api_key_operations: Option<ApiKeyOperations>,
}

/// The result of `updateTenantSettings`.
#[derive(SimpleObject)]
pub struct UpdateTenantSettingsPayload {
    /// The tenant after the change; `null` when there were errors.
    pub tenant: Option<Tenant>,
    /// Problems with the input; empty on success. Nothing changes when there are any.
    pub errors: crate::graphql::list::List<InputError<PlatformErrorCode>>,
}

/// The platform's mutations.
#[derive(Default)]
pub struct PlatformMutation;

#[Object]
impl PlatformMutation {
    /// Changes the caller's tenant settings. Needs `MANAGE_TENANT`.
    async fn update_tenant_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateTenantSettingsInput,
    ) -> GqlResult<UpdateTenantSettingsPayload> {
        let session = ctx.authorize(Permission::ManageTenant)?;
        let errors = validate_settings(&input);
        if !errors.is_empty() {
            return Ok(UpdateTenantSettingsPayload {
                tenant: None,
                errors: List(errors),
            });
        }
        let tx = session.begin_write(ctx).await?;
        let current = platform::find_tenant(tx.connection(), session.principal.tenant.uuid())
            .await?
            .ok_or(AppError::NotFound("tenant"))?;
        let before = current.clone();
        let mut am = current.into_active_model();
        if let Some(v) = input.name {
            am.name = Set(v.trim().to_owned());
        }
        if let Some(v) = input.base_currency {
            am.base_currency = Set(v);
        }
        if let Some(v) = input.fiscal_year_start_month {
            am.fiscal_year_start_month = Set(v as i16);
        }
        if let Some(v) = input.time_zone {
            am.time_zone = Set(v);
        }
        if let Some(v) = input.locale {
            am.locale = Set(v);
        }
        if let Some(v) = input.api_key_introspection {
            am.api_key_introspection = Set(v);
        }
        if let Some(v) = input.api_key_operations {
            am.api_key_operations = Set(match v {
                ApiKeyOperations::Any => "any",
                ApiKeyOperations::AllowList => "allow_list",
            }
            .into());
        }
        let updated = crate::services::tenants::save_tenant(&tx, &before, am).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(UpdateTenantSettingsPayload {
            tenant: Some(Tenant(updated)),
            errors: List::default(),
        })
    }
}

fn validate_settings(input: &UpdateTenantSettingsInput) -> Vec<InputError<PlatformErrorCode>> {
    check_settings(&SettingsCheck {
        name: input.name.as_deref(),
        base_currency: input.base_currency.as_deref(),
        fiscal_year_start_month: input.fiscal_year_start_month,
        time_zone: input.time_zone.as_deref(),
        locale: input.locale.as_deref(),
    })
}

/// The platform's subscriptions.
#[derive(Default)]
pub struct PlatformSubscription;

#[Subscription]
impl PlatformSubscription {
    /// Emits the server time every `intervalSeconds` (1-300, default 10): a liveness probe for
    /// live connections. Needs a valid credential.
    async fn heartbeat(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] interval_seconds: i32,
    ) -> Result<
        impl Stream<Item = Result<DateTime<Utc>, async_graphql::Error>> + use<>,
        async_graphql::Error,
    > {
        ctx.session()?;
        if !(1..=300).contains(&interval_seconds) {
            return Err(
                AppError::BadRequest("intervalSeconds must be between 1 and 300".into()).into(),
            );
        }
        let period = Duration::from_secs(interval_seconds as u64);
        let beats =
            futures_util::stream::unfold(tokio::time::interval(period), |mut timer| async move {
                timer.tick().await;
                Some((Utc::now(), timer))
            });
        Ok(crate::graphql::core::while_credential_holds(ctx, beats))
    }
}
