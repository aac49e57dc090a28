//! Overtime under the 36 agreement (時間外・休日労働に関する協定).
//!
//! Worked time is never refused: it happened and must be paid (Labour Standards Act art. 37).
//! The limits act on overtime requests (残業申請): a request that would take the month or the
//! agreement year past a limit is `OVERTIME_LIMIT_EXCEEDED` and changes nothing, one at the
//! warning percent is accepted with `OVERTIME_NEAR_LIMIT`, and one past the monthly limit
//! under the special clause with `SPECIAL_CLAUSE_USED`. The summary reports actual overtime at
//! `OK`, `WARN` or `OVER`.
//!
//! Limits, in minutes from the tenant's settings: without the special clause, overtime stays
//! within the monthly (45 h) and yearly (360 h) limits; with it, the yearly limit is 720 h and
//! at most six months a year go past 45 h. Always (art. 36(6)): overtime plus holiday work stays
//! under 100 h in a month, and averages at most 80 h over any two to six consecutive months.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate, Utc};
use entity::TenantTx;
use entity::hr::{attendance_day, hr_settings, overtime_request};
use entity::org::employee;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter};
use uuid::Uuid;

use super::calendar::month_start;
use super::{Checked, HrErrorCode as E, HrWarning, refuse};
use crate::error::AppResult;
use crate::services::workflow::{StateMachine, transition};

crate::state_machine! {
    /// Where an overtime request is.
    OvertimeRequestState / OvertimeRequestAction for "overtime request" {
        states {
            /// Waiting for the manager or HR.
            Requested = "requested",
            /// Approved.
            Approved = "approved",
            /// Rejected.
            Rejected = "rejected",
            /// Withdrawn.
            Cancelled = "cancelled",
        }
        transitions {
            /// The manager or HR approves it.
            Approve "approved": [Requested] => Approved,
            /// The manager or HR rejects it.
            Reject "rejected": [Requested] => Rejected,
            /// The requester (or HR) withdraws it.
            Cancel "cancelled": [Requested, Approved] => Cancelled,
        }
    }
}

/// The state of a stored request.
pub fn state(row: &overtime_request::Model) -> OvertimeRequestState {
    OvertimeRequestState::from_db(&row.status).unwrap_or(OvertimeRequestState::Cancelled)
}

/// How an employee's overtime stands against the agreement.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum OvertimeLevel {
    /// Within the limits.
    Ok,
    /// At the warning percent of a limit, or using the special clause.
    Warn,
    /// Past a limit.
    Over,
}

/// Overtime and holiday work per month (first day of the month → minutes).
pub type MonthlyMinutes = BTreeMap<NaiveDate, (i64, i64)>;

/// What the figures of a month come to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// The level.
    pub level: OvertimeLevel,
    /// The limits past which it is, in words.
    pub exceeded: Vec<String>,
    /// Warnings.
    pub warnings: Vec<HrWarning>,
    /// Overtime in the month.
    pub month_overtime: i64,
    /// Holiday work in the month.
    pub month_holiday: i64,
    /// Overtime in the agreement year up to the month.
    pub year_overtime: i64,
    /// Months of the agreement year past the monthly limit.
    pub months_over_limit: i64,
    /// The highest average of overtime plus holiday work over two to six months ending with it.
    pub highest_average: i64,
    /// The first day of the agreement year.
    pub year_start: NaiveDate,
}

/// The first day of the agreement year a month belongs to.
pub fn year_start(settings: &hr_settings::Model, month: NaiveDate) -> NaiveDate {
    let start_month = u32::try_from(settings.agreement_year_start_month.clamp(1, 12)).unwrap_or(4);
    let year = if month.month() >= start_month {
        month.year()
    } else {
        month.year() - 1
    };
    NaiveDate::from_ymd_opt(year, start_month, 1).unwrap_or(month)
}

fn hours(minutes: i64) -> String {
    format!("{}:{:02} h", minutes / 60, minutes % 60)
}

/// Assesses a month against the agreement (a pure function of the monthly figures).
pub fn assess(
    settings: &hr_settings::Model,
    months: &MonthlyMinutes,
    month: NaiveDate,
) -> Assessment {
    let month = month_start(month);
    let ys = year_start(settings, month);
    let get = |m: NaiveDate| months.get(&m).copied().unwrap_or((0, 0));
    let (m_ot, m_hol) = get(month);
    // The whole agreement year counts, so overtime planned for later months is not forgotten
    // when an earlier month is asked about.
    let year_end = ys.checked_add_months(Months::new(12)).unwrap_or(month);
    let in_year: Vec<(NaiveDate, (i64, i64))> =
        months.range(ys..year_end).map(|(k, v)| (*k, *v)).collect();
    let y_ot: i64 = in_year.iter().map(|(_, v)| v.0).sum();
    let month_limit = i64::from(settings.ot_month_limit);
    let over45 = in_year.iter().filter(|(_, v)| v.0 > month_limit).count() as i64;
    let mut highest = 0;
    let mut average_exceeded = false;
    for k in 2..=6u32 {
        let mut total = 0;
        for back in 0..k {
            let m = month.checked_sub_months(Months::new(back)).unwrap_or(month);
            let (ot, hol) = get(m);
            total += ot + hol;
        }
        highest = highest.max(total / i64::from(k));
        // Compared on the total, so a fraction of a minute over the average counts.
        average_exceeded |= total > i64::from(settings.special_average_max) * i64::from(k);
    }
    let mut exceeded = Vec::new();
    let year_limit = if settings.special_clause {
        i64::from(settings.special_year_max)
    } else {
        i64::from(settings.ot_year_limit)
    };
    if !settings.special_clause && m_ot > month_limit {
        exceeded.push(format!(
            "{} of overtime in the month, past the limit of {}",
            hours(m_ot),
            hours(month_limit)
        ));
    }
    if settings.special_clause && over45 > i64::from(settings.special_months_max) {
        exceeded.push(format!(
            "{over45} months past {} this agreement year, more than the {} the special clause allows",
            hours(month_limit),
            settings.special_months_max
        ));
    }
    if y_ot > year_limit {
        exceeded.push(format!(
            "{} of overtime in the agreement year, past the limit of {}",
            hours(y_ot),
            hours(year_limit)
        ));
    }
    let month_max = i64::from(settings.special_month_max);
    if m_ot + m_hol >= month_max {
        exceeded.push(format!(
            "{} of overtime and holiday work in the month; it must stay under {}",
            hours(m_ot + m_hol),
            hours(month_max)
        ));
    }
    if average_exceeded {
        exceeded.push(format!(
            "an average of {} a month over recent months, past {}",
            hours(highest),
            hours(settings.special_average_max.into())
        ));
    }
    let pct = i64::from(settings.ot_warn_percent);
    let mut warnings = Vec::new();
    let monthly_cap = if settings.special_clause {
        month_max
    } else {
        month_limit
    };
    if m_ot * 100 >= monthly_cap * pct
        || y_ot * 100 >= year_limit * pct
        || (m_ot <= month_limit && m_ot * 100 >= month_limit * pct)
    {
        warnings.push(HrWarning::OvertimeNearLimit);
    }
    if settings.special_clause && m_ot > month_limit {
        warnings.push(HrWarning::SpecialClauseUsed);
    }
    let level = if !exceeded.is_empty() {
        OvertimeLevel::Over
    } else if !warnings.is_empty() {
        OvertimeLevel::Warn
    } else {
        OvertimeLevel::Ok
    };
    Assessment {
        level,
        exceeded,
        warnings,
        month_overtime: m_ot,
        month_holiday: m_hol,
        year_overtime: y_ot,
        months_over_limit: over45,
        highest_average: highest,
        year_start: ys,
    }
}

/// The months an assessment of `month` reads: the agreement year and the five months before.
fn window(settings: &hr_settings::Model, month: NaiveDate) -> (NaiveDate, NaiveDate) {
    let month = month_start(month);
    let ys = year_start(settings, month);
    let back = month.checked_sub_months(Months::new(5)).unwrap_or(month);
    let year_end = ys
        .checked_add_months(Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(month);
    (
        ys.min(back),
        super::calendar::month_end(month).max(year_end),
    )
}

/// Actual overtime and holiday work per month, from attendance.
pub async fn actual(
    tx: &TenantTx,
    employee: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<MonthlyMinutes> {
    use attendance_day::Column as A;
    let rows = tx
        .all(tx.select::<attendance_day::Entity>().refine(|q| {
            q.filter(A::EmployeeId.eq(employee))
                .filter(A::WorkDate.between(from, to))
        }))
        .await?;
    let mut out = MonthlyMinutes::new();
    for r in rows {
        let e = out.entry(month_start(r.work_date)).or_default();
        e.0 += i64::from(r.overtime_minutes);
        e.1 += i64::from(r.holiday_minutes);
    }
    Ok(out)
}

/// An employee's overtime in a month against the agreement.
pub async fn summary(tx: &TenantTx, employee: Uuid, month: NaiveDate) -> AppResult<Assessment> {
    let settings = super::settings(tx).await?;
    let (from, to) = window(&settings, month);
    let months = actual(tx, employee, from, to).await?;
    Ok(assess(&settings, &months, month))
}

/// Actual overtime plus what open requests plan for days not yet worked (excluding one request).
async fn projected(
    tx: &TenantTx,
    settings: &hr_settings::Model,
    employee: Uuid,
    month: NaiveDate,
    except: Option<Uuid>,
) -> AppResult<MonthlyMinutes> {
    let (from, to) = window(settings, month);
    let mut months = actual(tx, employee, from, to).await?;
    use overtime_request::Column as O;
    let open = tx
        .all(tx.select::<overtime_request::Entity>().refine(|q| {
            q.filter(O::EmployeeId.eq(employee))
                .filter(O::Status.is_in(["requested", "approved"]))
                .filter(O::WorkDate.between(from, to))
        }))
        .await?;
    for r in open.into_iter().filter(|r| Some(r.id) != except) {
        let extra = planned_beyond_actual(tx, employee, r.work_date, r.planned_minutes).await?;
        months.entry(month_start(r.work_date)).or_default().0 += extra;
    }
    Ok(months)
}

/// What planned overtime adds to a day's actual overtime (already in the month's figures): the
/// plan where it exceeds what was worked, unless the day is validated (then it is what it was).
async fn planned_beyond_actual(
    tx: &TenantTx,
    employee: Uuid,
    date: NaiveDate,
    planned: i32,
) -> AppResult<i64> {
    Ok(match super::time::row_of(tx, employee, date).await? {
        Some(d) if d.validated => 0,
        Some(d) => i64::from((planned - d.overtime_minutes).max(0)),
        None => i64::from(planned),
    })
}

/// Checks planned overtime on a day against the agreement: the warnings, or the refusal.
async fn check_plan(
    tx: &TenantTx,
    settings: &hr_settings::Model,
    employee: Uuid,
    date: NaiveDate,
    planned: i32,
    except: Option<Uuid>,
) -> AppResult<Checked<Vec<HrWarning>>> {
    let mut months = projected(tx, settings, employee, date, except).await?;
    months.entry(month_start(date)).or_default().0 +=
        planned_beyond_actual(tx, employee, date, planned).await?;
    let a = assess(settings, &months, date);
    if !a.exceeded.is_empty() {
        return Ok(refuse(
            "plannedMinutes",
            E::OvertimeLimitExceeded,
            format!(
                "the 36 agreement would be broken: {}",
                a.exceeded.join("; ")
            ),
        ));
    }
    Ok(Ok(a.warnings))
}

/// Asks for overtime on a day, for the caller's own employee record.
pub async fn request(
    tx: &TenantTx,
    requester: Uuid,
    employee: Uuid,
    date: NaiveDate,
    planned: i32,
    reason: &str,
) -> AppResult<Checked<(overtime_request::Model, Vec<HrWarning>)>> {
    let settings = super::settings(tx).await?;
    if !(1..=16 * 60).contains(&planned) {
        return Ok(refuse("plannedMinutes", E::Invalid, "1 minute to 16 hours"));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Ok(refuse("reason", E::Required, "why the overtime is needed"));
    }
    if reason.chars().count() > 500 {
        return Ok(refuse("reason", E::TooLong, "at most 500 characters"));
    }
    let today = super::today(&settings);
    if date < today - chrono::Duration::days(7) {
        return Ok(refuse("workDate", E::Invalid, "at most seven days back"));
    }
    let Some(emp) = super::lock_employee(tx, employee).await? else {
        return Ok(refuse("employeeId", E::NotFound, "no such employee"));
    };
    if emp.status == "left" {
        return Ok(refuse(
            "employeeId",
            E::EmployeeInactive,
            "the employee has left",
        ));
    }
    if date > today + chrono::Duration::days(92) {
        return Ok(refuse("workDate", E::Invalid, "at most three months ahead"));
    }
    if super::calendar::contracts_in(tx, emp.id, date, date)
        .await?
        .is_empty()
    {
        return Ok(refuse(
            "workDate",
            E::NoContract,
            "no contract covers the day",
        ));
    }
    use overtime_request::Column as O;
    let day_total: i32 = tx
        .all(tx.select::<overtime_request::Entity>().refine(|q| {
            q.filter(O::EmployeeId.eq(emp.id))
                .filter(O::WorkDate.eq(date))
                .filter(O::Status.is_in(["requested", "approved"]))
        }))
        .await?
        .iter()
        .map(|r| r.planned_minutes)
        .sum();
    if day_total + planned > 16 * 60 {
        return Ok(refuse(
            "plannedMinutes",
            E::Invalid,
            format!("at most 16 hours of overtime a day; {day_total} minutes are asked already"),
        ));
    }
    let warnings = match check_plan(tx, &settings, emp.id, date, planned, None).await? {
        Ok(w) => w,
        Err(e) => return Ok(Err(e)),
    };
    let mut am = overtime_request::ActiveModel {
        employee_id: Set(emp.id),
        requester_user_id: Set(requester),
        work_date: Set(date),
        planned_minutes: Set(planned),
        reason: Set(reason.to_owned()),
        status: Set(OvertimeRequestState::Requested.db().into()),
        decided_by: Set(None),
        decided_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    crate::graphql::resource::stamp_new::<overtime_request::Entity>(&mut am, Some(requester))?;
    let row = tx.insert::<overtime_request::Entity, _>(am).await?;
    Ok(Ok((row, warnings)))
}

/// Whether a user manages an employee (is the user of their manager's record).
async fn is_manager(tx: &TenantTx, emp: &employee::Model, user: Uuid) -> AppResult<bool> {
    let Some(m) = emp.manager_id else {
        return Ok(false);
    };
    Ok(tx
        .get::<employee::Entity>(m)
        .await?
        .is_some_and(|m| m.user_id == Some(user)))
}

/// Approves, rejects or cancels a request. `manage` is whether the caller holds
/// `MANAGE_ATTENDANCE`.
pub async fn decide(
    tx: &TenantTx,
    actor: Uuid,
    manage: bool,
    id: Uuid,
    expected_version: i32,
    action: OvertimeRequestAction,
) -> AppResult<Checked<(overtime_request::Model, Vec<HrWarning>)>> {
    let settings = super::settings(tx).await?;
    let Some(peek) = tx.get::<overtime_request::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such overtime request"));
    };
    let Some(emp) = super::lock_employee(tx, peek.employee_id).await? else {
        return Ok(refuse("id", E::NotFound, "no such employee"));
    };
    let Some(row) = tx.get_for_update::<overtime_request::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such overtime request"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    let next = match transition::<_, E>(state(&row), action) {
        Ok(n) => n,
        Err(e) => return Ok(Err(vec![e])),
    };
    let mut warnings = Vec::new();
    match action {
        OvertimeRequestAction::Cancel => {
            if row.requester_user_id != actor && !manage {
                return Ok(refuse(
                    "id",
                    E::NotRequester,
                    "only the requester or HR withdraws it",
                ));
            }
        }
        OvertimeRequestAction::Approve | OvertimeRequestAction::Reject => {
            if row.requester_user_id == actor || emp.user_id == Some(actor) {
                return Ok(refuse(
                    "id",
                    E::SelfApproval,
                    "nobody decides their own overtime",
                ));
            }
            if !manage && !is_manager(tx, &emp, actor).await? {
                return Ok(refuse(
                    "id",
                    E::NotAnApprover,
                    "the employee's manager or HR decides",
                ));
            }
            if action == OvertimeRequestAction::Approve {
                match check_plan(
                    tx,
                    &settings,
                    emp.id,
                    row.work_date,
                    row.planned_minutes,
                    Some(row.id),
                )
                .await?
                {
                    Ok(w) => warnings = w,
                    Err(e) => return Ok(Err(e)),
                }
            }
        }
    }
    let row = crate::services::workflow::advance::<overtime_request::Entity, _>(
        tx,
        Some(actor),
        &row,
        OvertimeRequestState::past(action),
        |am| {
            am.status = Set(next.db().into());
            if action != OvertimeRequestAction::Cancel {
                am.decided_by = Set(Some(actor));
                am.decided_at = Set(Some(Utc::now()));
            }
        },
    )
    .await?;
    Ok(Ok((row, warnings)))
}
