//! The platform operator's mutations: creating and suspending tenants. They need the operator key
//! (`X-Platform-Key`), which belongs to no tenant; tenant credentials cannot call them.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::platform;
use sea_orm::{ActiveValue::Set, IntoActiveModel};

use crate::error::{AppError, GqlResult, InputError};
use crate::graphql::core::GlobalId;
use crate::graphql::identity::app_state;
use crate::graphql::platform::{Tenant, TenantStatus};
use crate::services::tenants::{self, NewTenant, PlatformErrorCode};

/// Present in a request's data when it carries the platform operator's key.
pub struct PlatformOperator;

fn operator(ctx: &Context<'_>) -> Result<(), AppError> {
    ctx.data_opt::<PlatformOperator>()
        .map(|_| ())
        .ok_or_else(|| {
            AppError::Forbidden("this needs the platform operator's key (X-Platform-Key)".into())
        })
}

/// A new tenant and its first administrator.
#[derive(InputObject)]
pub struct CreateTenantInput {
    /// Unique handle: lower-case letters, digits and dashes.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// ISO 4217 base currency.
    #[graphql(default = "JPY")]
    pub base_currency: String,
    /// Month the fiscal year starts (1-12).
    #[graphql(default = 4)]
    pub fiscal_year_start_month: i32,
    /// IANA time zone.
    #[graphql(default = "Asia/Tokyo")]
    pub time_zone: String,
    /// BCP 47 locale.
    #[graphql(default = "ja-JP")]
    pub locale: String,
    /// The first tenant administrator's email.
    pub admin_email: String,
    /// The first tenant administrator's display name.
    pub admin_display_name: String,
}

/// A tenant to suspend or reactivate.
#[derive(InputObject)]
pub struct SetTenantStatusInput {
    /// The tenant's global id.
    pub tenant_id: ID,
    /// The new status. A suspended tenant's credentials are refused at once.
    pub status: TenantStatus,
}

/// A tenant to put on a rate-limit plan.
#[derive(InputObject)]
pub struct SetTenantPlanInput {
    /// The tenant's global id.
    pub tenant_id: ID,
    /// The plan's name; `null` puts the tenant on the default plan.
    pub plan: Option<String>,
}

/// A member of a tenant to make its occupational health (産業医・保健師).
#[derive(InputObject)]
pub struct GrantOccupationalHealthInput {
    /// The tenant's global id.
    pub tenant_id: ID,
    /// The member's user id.
    pub user_id: uuid::Uuid,
}

/// The result of a platform mutation.
#[derive(SimpleObject)]
pub struct TenantPayload {
    /// The tenant; `null` when there were errors.
    pub tenant: Option<Tenant>,
    /// Problems with the input; empty on success. Nothing changes when there are any.
    pub errors: crate::graphql::list::List<InputError<PlatformErrorCode>>,
}

/// The platform operator's mutations.
#[derive(Default)]
pub struct OperatorMutation;

#[Object]
impl OperatorMutation {
    /// Creates a tenant with its first administrator (who then signs in through an identity
    /// provider or is given a password). Needs the platform operator's key.
    async fn create_tenant(
        &self,
        ctx: &Context<'_>,
        input: CreateTenantInput,
    ) -> GqlResult<TenantPayload> {
        operator(ctx)?;
        let state = app_state(ctx)?;
        let month = i16::try_from(input.fiscal_year_start_month).unwrap_or(0);
        let new = NewTenant {
            slug: input.slug,
            name: input.name,
            base_currency: input.base_currency,
            time_zone: input.time_zone,
            locale: input.locale,
            fiscal_year_start_month: month,
            is_demo: false,
            admin: Some((input.admin_email, input.admin_display_name)),
        };
        Ok(
            match tenants::create_tenant_with(&state.db, new, async |_, _| Ok(())).await? {
                Ok(created) => TenantPayload {
                    tenant: Some(Tenant(created.tenant)),
                    errors: List::default(),
                },
                Err(errors) => TenantPayload {
                    tenant: None,
                    errors: List(errors),
                },
            },
        )
    }

    /// Suspends or reactivates a tenant. Needs the platform operator's key.
    async fn set_tenant_status(
        &self,
        ctx: &Context<'_>,
        input: SetTenantStatusInput,
    ) -> GqlResult<TenantPayload> {
        let status = if input.status == TenantStatus::Active {
            "active"
        } else {
            "suspended"
        };
        change_tenant(ctx, &input.tenant_id, "setTenantStatus", |am| {
            am.status = Set(status.into());
        })
        .await
    }

    /// Puts a tenant on a rate-limit plan (a name from the server's `rate_limits.plans`), or
    /// back on the default plan with `null`. Takes effect on every process at once. Needs the
    /// platform operator's key.
    async fn set_tenant_plan(
        &self,
        ctx: &Context<'_>,
        input: SetTenantPlanInput,
    ) -> GqlResult<TenantPayload> {
        operator(ctx)?;
        let state = app_state(ctx)?;
        if let Some(plan) = &input.plan
            && !state.settings.rate_limits.plans.contains_key(plan)
        {
            let known: Vec<&str> = state
                .settings
                .rate_limits
                .plans
                .keys()
                .map(String::as_str)
                .collect();
            return Ok(TenantPayload {
                tenant: None,
                errors: vec![InputError::new(
                    "plan",
                    PlatformErrorCode::Invalid,
                    format!("no such plan; the plans are {}", known.join(", ")),
                )]
                .into(),
            });
        }
        change_tenant(ctx, &input.tenant_id, "setTenantPlan", |am| {
            am.plan = Set(input.plan.clone());
        })
        .await
    }
}

/// The occupational-health grant.
#[derive(Default)]
pub struct OccupationalHealthMutation;

#[Object]
impl OccupationalHealthMutation {
    /// Gives a member of a tenant the `occupational_health` role (`VIEW_HEALTH_RESULTS`,
    /// `MANAGE_HEALTH_CHECKS`, `VIEW_HR`), creating the role on first use. Health results are
    /// out of every built-in role's reach, a tenant administrator's included, so the operator
    /// grants them (audited in the tenant's trail). Needs the platform operator's key.
    async fn grant_occupational_health(
        &self,
        ctx: &Context<'_>,
        input: GrantOccupationalHealthInput,
    ) -> GqlResult<TenantPayload> {
        operator(ctx)?;
        let state = app_state(ctx)?;
        let refuse = |code, message: &str| TenantPayload {
            tenant: None,
            errors: vec![InputError::new("tenantId", code, message)].into(),
        };
        let Some(id) = GlobalId::decode(&input.tenant_id)
            .filter(|(ty, _)| ty == "Tenant")
            .map(|(_, id)| id)
        else {
            return Ok(refuse(PlatformErrorCode::NotFound, "no such tenant"));
        };
        let Some(tenant) = platform::find_tenant(&state.db, id).await? else {
            return Ok(refuse(PlatformErrorCode::NotFound, "no such tenant"));
        };
        let tx = entity::TenantTx::begin(&state.db, entity::TenantId(id))
            .await?
            .acting_as(entity::Actor::system("grantOccupationalHealth"));
        match crate::services::hr::health::grant_occupational_health(&tx, input.user_id).await? {
            Ok(()) => {
                tx.commit().await.map_err(AppError::from)?;
                Ok(TenantPayload {
                    tenant: Some(Tenant(tenant)),
                    errors: List::default(),
                })
            }
            Err(message) => Ok(TenantPayload {
                tenant: None,
                errors: vec![InputError::new(
                    "userId",
                    PlatformErrorCode::NotFound,
                    message,
                )]
                .into(),
            }),
        }
    }
}

/// Changes a tenant row and records the change in the tenant's own audit trail, in one
/// transaction (whose commit moves the `Tenant` cache generation, so every process sees it).
async fn change_tenant(
    ctx: &Context<'_>,
    tenant_id: &ID,
    operation: &'static str,
    change: impl FnOnce(&mut platform::tenant::ActiveModel),
) -> GqlResult<TenantPayload> {
    operator(ctx)?;
    let state = app_state(ctx)?;
    let not_found = || TenantPayload {
        tenant: None,
        errors: vec![InputError::new(
            "tenantId",
            PlatformErrorCode::NotFound,
            "no such tenant",
        )]
        .into(),
    };
    let Some(id) = GlobalId::decode(tenant_id)
        .filter(|(ty, _)| ty == "Tenant")
        .map(|(_, id)| id)
    else {
        return Ok(not_found());
    };
    let Some(tenant) = platform::find_tenant(&state.db, id).await? else {
        return Ok(not_found());
    };
    let before = tenant.clone();
    let mut am = tenant.into_active_model();
    change(&mut am);
    let tx = entity::TenantTx::begin(&state.db, entity::TenantId(id))
        .await?
        .acting_as(entity::Actor::system(operation));
    let updated = tenants::save_tenant(&tx, &before, am).await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(TenantPayload {
        tenant: Some(Tenant(updated)),
        errors: List::default(),
    })
}
