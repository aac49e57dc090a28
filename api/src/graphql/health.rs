//! Health checks in the schema: the check (date, kind) for HR and the employee, its results for
//! occupational health and the employee only.

use async_graphql::{Context, ID, InputObject};
use chrono::NaiveDate;
use entity::hr::health_check;
use entity::org::employee;

use crate::auth::Permission;
use crate::error::GqlResult;
use crate::graphql::core::{ContextExt, load_one};
use crate::graphql::listing::{DateFilter, IdFilter};
use crate::graphql::org::Employee;
use crate::{db_enum, enum_filter, filter_input, node_object, order_field, resource};

db_enum! {
    /// What kind of check.
    HealthCheckKind {
        /// The yearly check (定期健康診断).
        Annual = "annual",
        /// The check on hiring (雇入時健康診断).
        Hiring = "hiring",
        /// A special check for hazardous work (特殊健康診断).
        Special = "special",
        /// The stress check (ストレスチェック).
        Stress = "stress",
    }
}
enum_filter!(HealthCheckKind);

node_object! {
    /// A health check or stress check of an employee. HR (`VIEW_HR`) and the employee see that
    /// it took place; its results need `VIEW_HEALTH_RESULTS` (occupational health) or to be
    /// one's own, and every read of them is logged.
    HealthCheck(health_check) {
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            Ok(load_one::<employee::Entity>(ctx, Some(self.0.employee_id)).await?.map(Employee))
        }
        /// What kind of check.
        async fn kind(&self) -> HealthCheckKind {
            HealthCheckKind::from_db(&self.0.kind)
        }
        /// The day of the check.
        async fn checked_on(&self) -> NaiveDate {
            self.0.checked_on
        }
        /// The clinic or provider.
        async fn provider(&self) -> Option<&str> {
            self.0.provider.as_deref()
        }
        /// The result in words. Sensitive.
        async fn result(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
            self.sensitive(ctx, "result", self.0.result.clone()).await
        }
        /// The overall finding, `A` (none) to `E` (treatment needed). Sensitive.
        async fn findings_level(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
            self.sensitive(ctx, "findingsLevel", self.0.findings_level.clone()).await
        }
        /// Whether a follow-up examination is needed. Sensitive.
        async fn follow_up_required(&self, ctx: &Context<'_>) -> GqlResult<Option<bool>> {
            let v = self.0.follow_up_required.map(|b| b.to_string());
            Ok(self.sensitive(ctx, "followUpRequired", v).await?.map(|s| s == "true"))
        }
        /// A stress check's high-stress finding (高ストレス者). Sensitive.
        async fn high_stress(&self, ctx: &Context<'_>) -> GqlResult<Option<bool>> {
            let v = self.0.high_stress.map(|b| b.to_string());
            Ok(self.sensitive(ctx, "highStress", v).await?.map(|s| s == "true"))
        }
    }
}

impl HealthCheck {
    async fn sensitive(
        &self,
        ctx: &Context<'_>,
        field: &'static str,
        value: Option<String>,
    ) -> GqlResult<Option<String>> {
        let session = ctx.session()?;
        let user = load_one::<employee::Entity>(ctx, Some(self.0.employee_id))
            .await?
            .and_then(|e| e.user_id);
        let read = crate::services::personal_data::read(
            &session.principal,
            &session.reads,
            Permission::ViewHealthResults,
            "HealthCheck",
            self.0.id,
            user,
            field,
            value.as_deref(),
        )?;
        Ok(read.map(str::to_owned))
    }
}

filter_input! {
    /// Conditions on health checks.
    HealthCheckFilter for health_check {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The kind.
        kind: HealthCheckKindFilter => Kind,
        /// The day.
        checked_on: DateFilter => CheckedOn,
    }
}

order_field! {
    /// What health checks can be sorted by.
    HealthCheck for health_check {
        /// The day.
        CheckedOn => CheckedOn,
    }
}

/// A check recorded by occupational health.
#[derive(InputObject)]
pub struct CreateHealthCheckInput {
    /// The employee.
    pub employee_id: ID,
    /// What kind of check.
    pub kind: HealthCheckKind,
    /// The day of the check.
    pub checked_on: NaiveDate,
    /// The clinic or provider, at most 200 characters.
    pub provider: Option<String>,
    /// The result in words, at most 2000 characters.
    pub result: Option<String>,
    /// The overall finding, `A` to `E`.
    pub findings_level: Option<String>,
    /// Whether a follow-up examination is needed.
    pub follow_up_required: Option<bool>,
    /// A stress check's high-stress finding.
    pub high_stress: Option<bool>,
}

/// Changes to a check's results.
#[derive(InputObject)]
pub struct HealthCheckPatch {
    /// New result.
    pub result: Option<String>,
    /// New finding.
    pub findings_level: Option<String>,
    /// New follow-up.
    pub follow_up_required: Option<bool>,
    /// New high-stress finding (stress checks).
    pub high_stress: Option<bool>,
}

resource! {
    entity: health_check::Entity, node: HealthCheck, one: health_check, many: health_checks,
    what: "health check", view: ViewHr, manage: ManageHealthChecks,
    query: HealthCheckQuery, mutation: HealthCheckMutation,
}
