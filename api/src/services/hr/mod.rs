//! HR: employment contracts, work schedules and the working-day calendar, time events and the
//! one attendance row per employee and day, overtime under the 36 agreement, and leave.
//!
//! Invariants (each module states its own in detail):
//! - an employee has at most one running employment contract (`contracts`);
//! - an employee has at most one attendance row a day, derived from their time events or
//!   recorded by hand, and a validated day changes only after it is reopened (`time`);
//! - an overtime request that would take the month or the agreement year past the 36
//!   agreement's limits is refused, and approaching them warns (`overtime`);
//! - leave requests of one employee never overlap, and the balance of a leave type that needs
//!   allocations never goes below zero unless the type allows it (`leave`).

pub mod calendar;
pub mod contracts;
pub mod demo;
pub mod development;
pub mod formula;
pub mod health;
pub mod leave;
pub mod offboarding;
pub mod onboarding;
pub mod overtime;
pub mod payroll;
pub mod payroll_setup;
pub mod recruiting;
pub mod reports;
pub mod setup;
pub mod surveys;
pub mod time;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::TenantTx;
use entity::hr::hr_settings;
use entity::org::employee;
use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppResult, InputError};
use crate::services::approvals::ApprovalErrorCode;

crate::error_codes! {
    /// What can be wrong with an HR input.
    HrErrorCode {
        /// The period overlaps another leave request (or contract) of the employee.
        Overlap,
        /// The leave type's balance would go below zero.
        InsufficientBalance,
        /// No allocation of the leave type covers the dates.
        OutsideAllocation,
        /// The request is longer than the leave type allows in one go.
        MaxConsecutiveDays,
        /// The date is before the employee was hired.
        BeforeHire,
        /// The time is in the future, or too far in the past for a time event.
        FutureDate,
        /// The employee has left (or is suspended) and records no time.
        EmployeeInactive,
        /// The employee has a running contract already.
        ContractRunning,
        /// No employment contract covers the dates.
        NoContract,
        /// The caller's user is linked to no employee record.
        NotLinked,
        /// The overtime would exceed the 36 agreement's limits.
        OvertimeLimitExceeded,
        /// The record is validated, running or otherwise past the point where it can change.
        Locked,
        /// The transition is not allowed from the record's current state.
        IllegalTransition,
        /// The requester tried to decide their own request.
        SelfApproval,
        /// The caller may not decide this request.
        NotAnApprover,
        /// No one but the requester could approve the request.
        NoApprover,
        /// The tenant has approval rules for the document type but none applies.
        NoRule,
        /// Only the requester (or HR) may do this.
        NotRequester,
        /// A salary-component formula does not parse or evaluate.
        InvalidFormula,
        /// Working days of the period are not validated yet.
        AttendanceUnvalidated,
        /// The period has a payroll run already.
        AlreadyRun,
        /// Deductions exceed the gross pay.
        NegativeNet,
        /// The withholding tax table has no row for the pay.
        NoTaxBracket,
        /// The accounting date is locked (or no fiscal year covers it).
        PeriodLocked,
        /// The headcount plan or the requisition has no vacancy left for this.
        NoVacancy,
        /// Required checklist tasks are still open.
        ChecklistIncomplete,
        /// The training session is full.
        CapacityReached,
        /// Reviews of the cycle still lack the manager's part.
        ReviewsIncomplete,
    }
}

impl crate::services::workflow::WorkflowCodes for HrErrorCode {
    const ILLEGAL_TRANSITION: Self = Self::IllegalTransition;
}

/// A warning: the change was made, and here is what someone should know about it.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum HrWarning {
    /// The overtime is at or past the warning percent of a 36-agreement limit.
    OvertimeNearLimit,
    /// The overtime goes past the monthly limit under the agreement's special clause (at most
    /// six months a year).
    SpecialClauseUsed,
    /// The day is validated for payroll: the event is kept, but the day's attendance did not
    /// change (reopening the day recomputes it from its events).
    DayValidated,
    /// HR corrected the day by hand: the event is kept, but the day's attendance did not change.
    DayCorrected,
}

/// The average of scores (interview feedback, survey answers), to two places; `None` without
/// any.
pub fn average(scores: &[i32]) -> Option<rust_decimal::Decimal> {
    if scores.is_empty() {
        return None;
    }
    let sum: i64 = scores.iter().map(|s| i64::from(*s)).sum();
    Some(
        (rust_decimal::Decimal::from(sum) / rust_decimal::Decimal::from(scores.len() as i64))
            .round_dp(2)
            .normalize(),
    )
}

/// Problems or a value.
pub type Checked<T> = Result<T, Vec<InputError<HrErrorCode>>>;

/// One problem as a refusal.
pub fn refuse<T>(path: &str, code: HrErrorCode, message: impl Into<String>) -> Checked<T> {
    Err(vec![InputError::new(path, code, message)])
}

/// The approval kernel's codes, in HR's terms (same names where HR has them), so a leave
/// request's payload reports balance and approval problems in one list.
impl From<InputError<ApprovalErrorCode>> for InputError<HrErrorCode> {
    fn from(e: InputError<ApprovalErrorCode>) -> Self {
        use ApprovalErrorCode as A;
        use HrErrorCode as H;
        let code = match e.code {
            A::Required => H::Required,
            A::Invalid => H::Invalid,
            A::TooLong => H::TooLong,
            A::Duplicate => H::Duplicate,
            A::NotFound => H::NotFound,
            A::Archived => H::Archived,
            A::Conflict => H::Conflict,
            A::NotSaved => H::NotSaved,
            A::IllegalTransition => H::IllegalTransition,
            A::SelfApproval => H::SelfApproval,
            A::NotAnApprover | A::AlreadyDecided | A::NotPending => H::NotAnApprover,
            A::NoApprover => H::NoApprover,
            A::NoRule => H::NoRule,
            A::NotRequester => H::NotRequester,
            A::Locked => H::Locked,
        };
        InputError {
            field: e.field,
            code,
            message: e.message,
        }
    }
}

/// The approval kernel's problems in HR's terms.
pub fn from_approvals(errors: Vec<InputError<ApprovalErrorCode>>) -> Vec<InputError<HrErrorCode>> {
    errors.into_iter().map(Into::into).collect()
}

/// The settings a tenant has until it changes them: the statutory limits of a 36 agreement
/// (45 h a month, 360 h a year; with the special clause under 100 h a month including holiday
/// work, 720 h a year, at most six months over 45 h, 80 h on average over two to six months),
/// an agreement year from April, and Japan's UTC+9.
pub fn default_settings(tenant: Uuid) -> hr_settings::Model {
    let now = Utc::now();
    hr_settings::Model {
        tenant_id: tenant,
        id: Uuid::nil(),
        ot_month_limit: 45 * 60,
        ot_year_limit: 360 * 60,
        ot_warn_percent: 80,
        special_clause: false,
        special_month_max: 100 * 60,
        special_year_max: 720 * 60,
        special_months_max: 6,
        special_average_max: 80 * 60,
        agreement_year_start_month: 4,
        utc_offset_minutes: 540,
        version: 0,
        created_at: now,
        updated_at: now,
        created_by: None,
        updated_by: None,
        archived_at: None,
    }
}

/// The tenant's HR settings (the defaults while it has stored none).
pub async fn settings(tx: &TenantTx) -> AppResult<hr_settings::Model> {
    Ok(tx
        .one(tx.select::<hr_settings::Entity>())
        .await?
        .unwrap_or_else(|| default_settings(tx.tenant().uuid())))
}

/// Stores changed settings, creating the row on the first change.
pub async fn save_settings(
    tx: &TenantTx,
    actor: Uuid,
    current: &hr_settings::Model,
    change: impl FnOnce(&mut hr_settings::ActiveModel),
) -> AppResult<hr_settings::Model> {
    use sea_orm::IntoActiveModel;
    if current.version == 0 {
        let mut am = current.clone().into_active_model();
        change(&mut am);
        crate::graphql::resource::stamp_new::<hr_settings::Entity>(&mut am, Some(actor))?;
        return Ok(tx.insert::<hr_settings::Entity, _>(am).await?);
    }
    let mut am = current.clone().into_active_model();
    change(&mut am);
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        current.version,
        actor,
    );
    Ok(tx.update::<hr_settings::Entity, _>(am).await?)
}

// The offset arithmetic saturates: times at the ends of chrono's range (which a client can
// send) must not panic.

/// The local date of an instant, by the tenant's offset.
pub fn local_date(settings: &hr_settings::Model, at: DateTime<Utc>) -> NaiveDate {
    local_time(settings, at).date()
}

/// The local wall-clock time of an instant, by the tenant's offset.
pub fn local_time(settings: &hr_settings::Model, at: DateTime<Utc>) -> chrono::NaiveDateTime {
    at.checked_add_signed(Duration::minutes(settings.utc_offset_minutes.into()))
        .unwrap_or(at)
        .naive_utc()
}

/// The instant of a local wall-clock time, by the tenant's offset.
pub fn instant(settings: &hr_settings::Model, local: chrono::NaiveDateTime) -> DateTime<Utc> {
    let at = local.and_utc();
    at.checked_sub_signed(Duration::minutes(settings.utc_offset_minutes.into()))
        .unwrap_or(at)
}

/// Today in the tenant's local time.
pub fn today(settings: &hr_settings::Model) -> NaiveDate {
    local_date(settings, Utc::now())
}

/// The employee record linked to a user.
pub async fn employee_of_user(tx: &TenantTx, user: Uuid) -> AppResult<Option<employee::Model>> {
    Ok(tx
        .one(
            tx.select::<employee::Entity>()
                .refine(|q| q.filter(employee::Column::UserId.eq(user))),
        )
        .await?)
}

/// Locks an employee's row: every HR check that spans several rows of one employee (running
/// contracts, overlapping leave, balances, overtime totals) runs under this lock, so two
/// requests for the same employee are checked one after the other.
pub async fn lock_employee(tx: &TenantTx, id: Uuid) -> AppResult<Option<employee::Model>> {
    Ok(tx.get_for_update::<employee::Entity>(id).await?)
}

/// The visibility of rows about one employee (their `employee_id` column): holders of the view
/// permission see every row; anyone who may submit requests sees the rows of their own
/// employee record. Expands to the [`Resource`](crate::graphql::resource::Resource) methods.
#[macro_export]
macro_rules! employee_rows {
    ($module:ident, $view:ident) => {
        fn authorize<'a>(
            ctx: &'a async_graphql::Context<'_>,
        ) -> $crate::error::AppResult<&'a $crate::graphql::core::Session> {
            use $crate::graphql::core::ContextExt;
            let session = ctx.session()?;
            if !session.principal.can($crate::auth::Permission::$view) {
                session
                    .principal
                    .require($crate::auth::Permission::SubmitRequests)?;
            }
            Ok(session)
        }

        async fn prepare(session: &$crate::graphql::core::Session) -> $crate::error::AppResult<()> {
            if !session.principal.can($crate::auth::Permission::$view) {
                session.own_employee().await?;
            }
            Ok(())
        }

        fn visible(session: &$crate::graphql::core::Session) -> Option<sea_orm::Condition> {
            (!session.principal.can($crate::auth::Permission::$view)).then(|| {
                sea_orm::Condition::all().add(sea_orm::ColumnTrait::eq(
                    &$module::Column::EmployeeId,
                    session.own_employee_loaded().unwrap_or(uuid::Uuid::nil()),
                ))
            })
        }

        fn may_see(session: &$crate::graphql::core::Session, row: &$module::Model) -> bool {
            session.principal.can($crate::auth::Permission::$view)
                || session.own_employee_loaded() == Some(row.employee_id)
        }
    };
}
