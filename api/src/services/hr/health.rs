//! Health checks and stress checks (労働安全衛生法 arts. 66 and 66-10).
//!
//! Invariants:
//! - a check's date and kind are visible to HR (`VIEW_HR`) and to the employee; its results
//!   (the result, the finding, the follow-up, a stress check's high-stress finding) only to
//!   holders of `VIEW_HEALTH_RESULTS` and to the employee, and every read is logged;
//! - only holders of `MANAGE_HEALTH_CHECKS` record and change checks. No built-in role holds
//!   either permission (a tenant administrator neither): the platform operator grants the
//!   tenant's occupational-health staff the `occupational_health` role
//!   (`grantOccupationalHealth`), so the employer cannot read stress-check results without the
//!   employee's consent going through them.

use entity::TenantTx;
use entity::hr::health_check;
use entity::org::employee;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use super::HrErrorCode as E;
use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::health::{
    CreateHealthCheckInput, HealthCheck, HealthCheckFilter, HealthCheckKind, HealthCheckOrder,
    HealthCheckPatch,
};
use crate::graphql::listing::DbEnum;
use crate::graphql::resource::{Editable, Problems, Resource};

type P = Problems<E>;

/// The key of the role the operator grants.
pub const ROLE_KEY: &str = "occupational_health";

impl Resource for health_check::Entity {
    type Node = HealthCheck;
    type Filter = HealthCheckFilter;
    type Order = HealthCheckOrder;
    const VIEW: Permission = Permission::ViewHr;
    crate::employee_rows!(health_check, ViewHr);
}

fn level(p: &mut P, path: &str, v: Option<&str>) -> Option<String> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    if !matches!(v, "A" | "B" | "C" | "D" | "E") {
        p.row(path, E::Invalid, "A to E");
    }
    Some(v.to_owned())
}

impl Editable for health_check::Entity {
    type Create = CreateHealthCheckInput;
    type Patch = HealthCheckPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageHealthChecks;

    async fn create(
        tx: &TenantTx,
        input: &CreateHealthCheckInput,
        p: &mut P,
    ) -> AppResult<health_check::ActiveModel> {
        let employee = p
            .reference::<employee::Entity>(tx, "employeeId", Some(&input.employee_id))
            .await?;
        if input.checked_on > chrono::Utc::now().date_naive() + chrono::Duration::days(1) {
            p.row("checkedOn", E::FutureDate, "a check is recorded once done");
        }
        if input.high_stress.is_some() && input.kind != HealthCheckKind::Stress {
            p.row("highStress", E::Invalid, "only a stress check has it");
        }
        Ok(health_check::ActiveModel {
            employee_id: Set(employee.unwrap_or_default()),
            kind: Set(input.kind.db().into()),
            checked_on: Set(input.checked_on),
            provider: Set(p.optional_text("provider", input.provider.as_deref(), 200)),
            result: Set(p.optional_text("result", input.result.as_deref(), 2000)),
            findings_level: Set(level(p, "findingsLevel", input.findings_level.as_deref())),
            follow_up_required: Set(input.follow_up_required),
            high_stress: Set(input.high_stress),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &health_check::Model,
        patch: &HealthCheckPatch,
        p: &mut P,
    ) -> AppResult<health_check::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(r) = &patch.result {
            am.result = Set(p.optional_text("patch.result", Some(r), 2000));
        }
        if let Some(l) = &patch.findings_level {
            am.findings_level = Set(level(p, "patch.findingsLevel", Some(l)));
        }
        if let Some(f) = patch.follow_up_required {
            am.follow_up_required = Set(Some(f));
        }
        if let Some(h) = patch.high_stress {
            if row.kind != "stress" {
                p.row("patch.highStress", E::Invalid, "only a stress check has it");
            }
            am.high_stress = Set(Some(h));
        }
        Ok(am)
    }
}

/// Gives a member of the tenant the `occupational_health` role (created on first use with
/// `VIEW_HEALTH_RESULTS`, `MANAGE_HEALTH_CHECKS` and `VIEW_HR`). The platform operator's act:
/// nobody in the tenant holds these permissions to pass on.
pub async fn grant_occupational_health(tx: &TenantTx, user: Uuid) -> AppResult<Result<(), String>> {
    use entity::access::role;
    use entity::platform::membership;
    let all: std::collections::BTreeSet<Permission> = Permission::ALL.iter().copied().collect();
    let exists = tx
        .one(
            tx.select::<role::Entity>()
                .refine(|q| q.filter(role::Column::Key.eq(ROLE_KEY))),
        )
        .await?
        .is_some();
    if !exists {
        let input = crate::services::access::RoleInput {
            key: Some(ROLE_KEY.into()),
            name: Some("Occupational health".into()),
            description: Some(
                "Occupational physicians and nurses: record health and stress checks and read their results"
                    .into(),
            ),
            permissions: Some(vec![
                "VIEW_HEALTH_RESULTS".into(),
                "MANAGE_HEALTH_CHECKS".into(),
                "VIEW_HR".into(),
            ]),
        };
        if let Err(e) = crate::services::access::create_role(tx, Uuid::nil(), &all, input).await? {
            return Ok(Err(format!("{e:?}")));
        }
    }
    let Some(member) = tx
        .one(
            tx.select::<membership::Entity>()
                .refine(|q| q.filter(membership::Column::UserId.eq(user))),
        )
        .await?
    else {
        return Ok(Err("the user is not a member of the tenant".into()));
    };
    let mut roles = member.roles.0.clone();
    if !roles.iter().any(|r| r == ROLE_KEY) {
        roles.push(ROLE_KEY.into());
    }
    match crate::services::access::set_member_roles(
        tx,
        Uuid::nil(),
        &all,
        member.id,
        member.version,
        &roles,
    )
    .await?
    {
        Ok(_) => Ok(Ok(())),
        Err(e) => Ok(Err(format!("{e:?}"))),
    }
}
