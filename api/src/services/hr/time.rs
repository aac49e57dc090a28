//! Time events and attendance.
//!
//! Invariants:
//! - an employee has one attendance row a day (a unique index; every write finds the row first
//!   under the employee's row lock);
//! - a time event's work date is its local date, except that a check-out belongs to the day of
//!   the open check-in it closes (a night shift is the day it started);
//! - events are accepted up to five minutes ahead and seven days back, never before the hire
//!   date and never for someone who has left; the same event twice is stored once;
//! - a validated day (what payroll reads) is changed by nothing until it is reopened: events
//!   for it are kept and reported with the `DAY_VALIDATED` warning, manual changes are `LOCKED`.
//!
//! Minutes: worked is the sum of the check-in/check-out intervals, less the schedule's break
//! when the day is over six hours and the gaps between intervals are shorter than the break
//! (Labour Standards Act art. 34); late is the arrival past the start, once past the grace;
//! overtime is worked beyond the prescribed minutes on a working day; on a day off or holiday
//! everything worked is holiday work.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::TenantTx;
use entity::hr::{attendance_day, hr_settings, leave_request, time_event};
use entity::org::employee;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::calendar::{self, Day};
use super::{Checked, HrErrorCode as E, HrWarning, refuse};
use crate::error::AppResult;
use crate::graphql::attendance::{AttendanceStatus, TimeEventKind, TimeEventSource};
use crate::graphql::listing::DbEnum;

/// The longest range validated or reopened in one call.
pub const MAX_RANGE_DAYS: i64 = 62;

/// What the minutes of a day come to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Minutes {
    /// First check-in.
    pub first_in: Option<DateTime<Utc>>,
    /// Last check-out.
    pub last_out: Option<DateTime<Utc>>,
    /// Worked, breaks excluded.
    pub worked: i32,
    /// Late past the start.
    pub late: i32,
    /// Beyond the prescribed minutes.
    pub overtime: i32,
    /// Worked on a day off or holiday.
    pub holiday: i32,
    /// The status the minutes give.
    pub status: AttendanceStatus,
}

/// Derives a day's minutes from its check-ins and check-outs (any order).
pub fn derive(
    settings: &hr_settings::Model,
    day: &Day,
    events: &[(TimeEventKind, DateTime<Utc>)],
    remote: bool,
) -> Minutes {
    let mut sorted = events.to_vec();
    sorted.sort_by_key(|(_, at)| *at);
    let mut intervals: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    let mut open: Option<DateTime<Utc>> = None;
    for (kind, at) in &sorted {
        match (kind, open) {
            // A second check-in while one is open keeps the first.
            (TimeEventKind::In, Some(_)) => {}
            (TimeEventKind::In, None) => open = Some(*at),
            (TimeEventKind::Out, Some(start)) => {
                intervals.push((start, *at));
                open = None;
            }
            // A second check-out moves the end of the last interval.
            (TimeEventKind::Out, None) => {
                if let Some(last) = intervals.last_mut() {
                    last.1 = *at;
                }
            }
        }
    }
    let first_in = sorted
        .iter()
        .find(|(k, _)| *k == TimeEventKind::In)
        .map(|(_, at)| *at);
    let last_out = intervals.last().map(|(_, end)| *end);
    let sum: i64 = intervals.iter().map(|(a, b)| (*b - *a).num_minutes()).sum();
    let span = match (intervals.first(), intervals.last()) {
        (Some(first), Some(last)) => (last.1 - first.0).num_minutes(),
        _ => 0,
    };
    let gaps = span - sum;
    let brk = day
        .schedule
        .as_ref()
        .map_or(0, |s| i64::from(s.break_minutes));
    let deducted = if sum > 360 { (brk - gaps).max(0) } else { 0 };
    let worked = i32::try_from((sum - deducted).max(0)).unwrap_or(i32::MAX);
    let mut late = 0;
    let mut overtime = 0;
    let mut holiday = 0;
    let status;
    match (&day.schedule, day.working) {
        (Some(s), true) => {
            if let Some(first) = first_in {
                let start = super::instant(settings, day.date.and_time(s.start_time));
                let minutes = (first - start).num_minutes();
                if minutes > i64::from(s.grace_minutes) {
                    late = i32::try_from(minutes).unwrap_or(i32::MAX);
                }
            }
            overtime = (worked - s.daily_minutes).max(0);
            status = if intervals.is_empty() {
                AttendanceStatus::Present
            } else if worked < s.half_day_minutes {
                AttendanceStatus::HalfDay
            } else if late > 0 {
                AttendanceStatus::Late
            } else if remote {
                AttendanceStatus::Remote
            } else {
                AttendanceStatus::Present
            };
        }
        _ => {
            holiday = worked;
            status = if first_in.is_some() {
                AttendanceStatus::Present
            } else {
                AttendanceStatus::DayOff
            };
        }
    }
    Minutes {
        first_in,
        last_out,
        worked,
        late,
        overtime,
        holiday,
        status,
    }
}

/// A new time event.
pub struct NewEvent {
    /// The employee.
    pub employee: Uuid,
    /// In or out.
    pub kind: TimeEventKind,
    /// When (default now).
    pub at: DateTime<Utc>,
    /// Worked remotely.
    pub remote: bool,
    /// Where it came from.
    pub source: TimeEventSource,
}

/// Checks that an employee records time on a date: hired by then and not gone.
fn may_record(emp: &employee::Model, date: NaiveDate, path: &str) -> Checked<()> {
    if emp.status == "left" || emp.status == "suspended" {
        return refuse(
            path,
            E::EmployeeInactive,
            "the employee has left or is suspended",
        );
    }
    if date < emp.hire_date {
        return refuse(
            path,
            E::BeforeHire,
            format!("the employee was hired on {}", emp.hire_date),
        );
    }
    Ok(())
}

/// Records one time event and updates the day's attendance row.
pub async fn record_event(
    tx: &TenantTx,
    ev: &NewEvent,
) -> AppResult<Checked<(time_event::Model, Vec<HrWarning>)>> {
    let settings = super::settings(tx).await?;
    let now = Utc::now();
    if ev.at > now + Duration::minutes(5) {
        return Ok(refuse("occurredAt", E::FutureDate, "not in the future"));
    }
    if ev.at < now - Duration::days(7) {
        return Ok(refuse(
            "occurredAt",
            E::Invalid,
            "events older than seven days are recorded as attendance by HR",
        ));
    }
    let Some(emp) = super::lock_employee(tx, ev.employee).await? else {
        return Ok(refuse("employeeId", E::NotFound, "no such employee"));
    };
    let local = super::local_date(&settings, ev.at);
    if let Err(e) = may_record(&emp, local, "employeeId") {
        return Ok(Err(e));
    }
    use time_event::Column as T;
    let same = tx
        .one(tx.select::<time_event::Entity>().refine(|q| {
            q.filter(T::EmployeeId.eq(emp.id))
                .filter(T::OccurredAt.eq(ev.at))
                .filter(T::Kind.eq(ev.kind.db()))
        }))
        .await?;
    if let Some(same) = same {
        // A device retrying: the event is stored already and the day is as it was.
        return Ok(Ok((same, Vec::new())));
    }
    // A check-out belongs to the day of the check-in it closes.
    let work_date = if ev.kind == TimeEventKind::Out {
        let open_in = tx
            .one(tx.select::<time_event::Entity>().refine(|q| {
                q.filter(T::EmployeeId.eq(emp.id))
                    .filter(T::OccurredAt.lte(ev.at))
                    .filter(T::OccurredAt.gte(ev.at - Duration::hours(24)))
                    .order_by_desc(T::OccurredAt)
            }))
            .await?;
        match open_in {
            Some(e) if e.kind == TimeEventKind::In.db() => e.work_date,
            _ => local,
        }
    } else {
        local
    };
    let mut am = time_event::ActiveModel {
        employee_id: Set(emp.id),
        kind: Set(ev.kind.db().into()),
        occurred_at: Set(ev.at),
        work_date: Set(work_date),
        source: Set(ev.source.db().into()),
        remote: Set(ev.remote),
        archived_at: Set(None),
        ..Default::default()
    };
    crate::graphql::resource::stamp_new::<time_event::Entity>(&mut am, tx.actor().id)?;
    let event = tx.insert::<time_event::Entity, _>(am).await?;
    let warnings = refresh_from_events(tx, &settings, &emp, work_date)
        .await?
        .into_iter()
        .collect();
    Ok(Ok((event, warnings)))
}

/// The attendance row of an employee on a day.
pub async fn row_of(
    tx: &TenantTx,
    employee: Uuid,
    date: NaiveDate,
) -> AppResult<Option<attendance_day::Model>> {
    use attendance_day::Column as A;
    Ok(tx
        .one(tx.select::<attendance_day::Entity>().refine(|q| {
            q.filter(A::EmployeeId.eq(employee))
                .filter(A::WorkDate.eq(date))
        }))
        .await?)
}

/// Recomputes a day from its events; the warning says why a day was left alone (validated, or
/// corrected by HR, whose figures events do not overwrite).
async fn refresh_from_events(
    tx: &TenantTx,
    settings: &hr_settings::Model,
    emp: &employee::Model,
    date: NaiveDate,
) -> AppResult<Option<HrWarning>> {
    let existing = row_of(tx, emp.id, date).await?;
    if existing.as_ref().is_some_and(|r| r.validated) {
        return Ok(Some(HrWarning::DayValidated));
    }
    if existing.as_ref().is_some_and(|r| r.source == "manual") {
        return Ok(Some(HrWarning::DayCorrected));
    }
    use time_event::Column as T;
    let events = tx
        .all(tx.select::<time_event::Entity>().refine(|q| {
            q.filter(T::EmployeeId.eq(emp.id))
                .filter(T::WorkDate.eq(date))
        }))
        .await?;
    let remote = events.iter().any(|e| e.remote);
    let pairs: Vec<(TimeEventKind, DateTime<Utc>)> = events
        .iter()
        .map(|e| (TimeEventKind::from_db(&e.kind), e.occurred_at))
        .collect();
    let day = calendar::day(tx, emp.id, date).await?;
    let m = derive(settings, &day, &pairs, remote);
    write_day(
        tx, existing, emp.id, &day, &m, remote, "events", None, false,
    )
    .await?;
    Ok(None)
}

/// Inserts or updates the one row of a day.
#[allow(clippy::too_many_arguments)]
async fn write_day(
    tx: &TenantTx,
    existing: Option<attendance_day::Model>,
    employee: Uuid,
    day: &Day,
    m: &Minutes,
    remote: bool,
    source: &str,
    note: Option<String>,
    validated: bool,
) -> AppResult<attendance_day::Model> {
    let actor = tx.actor().id;
    match existing {
        Some(row) => {
            crate::services::workflow::advance::<attendance_day::Entity, _>(
                tx,
                actor,
                &row,
                "update",
                |am| {
                    am.first_in = Set(m.first_in);
                    am.last_out = Set(m.last_out);
                    am.worked_minutes = Set(m.worked);
                    am.late_minutes = Set(m.late);
                    am.overtime_minutes = Set(m.overtime);
                    am.holiday_minutes = Set(m.holiday);
                    am.status = Set(m.status.db().into());
                    am.remote = Set(remote);
                    am.source = Set(source.into());
                    am.validated = Set(validated);
                    if note.is_some() {
                        am.note = Set(note);
                    }
                },
            )
            .await
        }
        None => {
            let mut am = attendance_day::ActiveModel {
                employee_id: Set(employee),
                work_date: Set(day.date),
                work_schedule_id: Set(day.schedule.as_ref().map(|s| s.id)),
                status: Set(m.status.db().into()),
                first_in: Set(m.first_in),
                last_out: Set(m.last_out),
                worked_minutes: Set(m.worked),
                late_minutes: Set(m.late),
                overtime_minutes: Set(m.overtime),
                holiday_minutes: Set(m.holiday),
                remote: Set(remote),
                source: Set(source.into()),
                validated: Set(validated),
                note: Set(note),
                archived_at: Set(None),
                ..Default::default()
            };
            crate::graphql::resource::stamp_new::<attendance_day::Entity>(&mut am, actor)?;
            Ok(tx.insert::<attendance_day::Entity, _>(am).await?)
        }
    }
}

/// Writes a day's row as validated history (the demo tenant's past months).
pub(crate) async fn write_validated(
    tx: &TenantTx,
    employee: Uuid,
    day: &Day,
    m: &Minutes,
    remote: bool,
) -> AppResult<()> {
    write_day(tx, None, employee, day, m, remote, "events", None, true).await?;
    Ok(())
}

/// A day recorded or corrected by hand.
pub struct ManualDay<'a> {
    /// The status; derived from the times when not given.
    pub status: Option<AttendanceStatus>,
    /// First check-in.
    pub first_in: Option<DateTime<Utc>>,
    /// Last check-out.
    pub last_out: Option<DateTime<Utc>>,
    /// Worked remotely.
    pub remote: bool,
    /// Why (required for a correction).
    pub note: Option<&'a str>,
}

async fn manual_minutes(
    tx: &TenantTx,
    settings: &hr_settings::Model,
    employee: Uuid,
    date: NaiveDate,
    input: &ManualDay<'_>,
) -> AppResult<Checked<(Day, Minutes)>> {
    let mut events = Vec::new();
    let no_work = matches!(
        input.status,
        Some(AttendanceStatus::Absent | AttendanceStatus::OnLeave | AttendanceStatus::DayOff)
    );
    if no_work && (input.first_in.is_some() || input.last_out.is_some()) {
        return Ok(refuse(
            "status",
            E::Invalid,
            "a day not worked has no check-in or check-out",
        ));
    }
    if let Some(i) = input.first_in {
        events.push((TimeEventKind::In, i));
    }
    if let Some(o) = input.last_out {
        match input.first_in {
            Some(i) if o > i && o - i <= chrono::Duration::hours(24) => {}
            _ => {
                return Ok(refuse(
                    "lastOut",
                    E::Invalid,
                    "after the first check-in, within 24 hours",
                ));
            }
        }
        events.push((TimeEventKind::Out, o));
    }
    if let Some(i) = input.first_in
        && (super::local_date(settings, i) - date).num_days().abs() > 1
    {
        return Ok(refuse("firstIn", E::Invalid, "on or next to the work date"));
    }
    let day = calendar::day(tx, employee, date).await?;
    let mut m = derive(settings, &day, &events, input.remote);
    if let Some(s) = input.status {
        m.status = s;
    }
    Ok(Ok((day, m)))
}

/// Records a day by hand: `DUPLICATE` when the day has a row already.
pub async fn record_day(
    tx: &TenantTx,
    employee: Uuid,
    date: NaiveDate,
    input: &ManualDay<'_>,
) -> AppResult<Checked<attendance_day::Model>> {
    let settings = super::settings(tx).await?;
    let Some(emp) = super::lock_employee(tx, employee).await? else {
        return Ok(refuse("employeeId", E::NotFound, "no such employee"));
    };
    if date > super::local_date(&settings, Utc::now()) {
        return Ok(refuse("workDate", E::FutureDate, "not in the future"));
    }
    if let Err(e) = may_record(&emp, date, "workDate") {
        return Ok(Err(e));
    }
    if row_of(tx, emp.id, date).await?.is_some() {
        return Ok(refuse(
            "workDate",
            E::Duplicate,
            "the day has its attendance already; correct it instead",
        ));
    }
    let note = input.note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Ok(refuse("note", E::TooLong, "at most 500 characters"));
    }
    let (day, m) = match manual_minutes(tx, &settings, emp.id, date, input).await? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(write_day(
        tx,
        None,
        emp.id,
        &day,
        &m,
        input.remote,
        "manual",
        note.map(str::to_owned),
        false,
    )
    .await?))
}

/// Corrects a day at the expected version, with a reason: `LOCKED` when validated.
pub async fn correct_day(
    tx: &TenantTx,
    id: Uuid,
    expected_version: i32,
    input: &ManualDay<'_>,
) -> AppResult<Checked<attendance_day::Model>> {
    let settings = super::settings(tx).await?;
    let Some(peek) = tx.get::<attendance_day::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such attendance day"));
    };
    super::lock_employee(tx, peek.employee_id).await?;
    let Some(row) = tx.get_for_update::<attendance_day::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such attendance day"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.validated {
        return Ok(refuse(
            "id",
            E::Locked,
            "the day is validated; reopen it first",
        ));
    }
    let Some(reason) = input.note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(refuse("reason", E::Required, "why the day is corrected"));
    };
    if reason.chars().count() > 500 {
        return Ok(refuse("reason", E::TooLong, "at most 500 characters"));
    }
    let (day, m) =
        match manual_minutes(tx, &settings, row.employee_id, row.work_date, input).await? {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
    let employee = row.employee_id;
    Ok(Ok(write_day(
        tx,
        Some(row),
        employee,
        &day,
        &m,
        input.remote,
        "manual",
        Some(reason.to_owned()),
        false,
    )
    .await?))
}

/// Which employees a validation or reopening covers.
pub struct Scope {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Only the employees of this unit.
    pub org_unit: Option<Uuid>,
    /// Only these employees.
    pub employees: Option<Vec<Uuid>>,
}

/// What a validation did.
#[derive(Debug, Default, Clone, Copy, async_graphql::SimpleObject)]
pub struct Validation {
    /// Employees covered.
    pub employees: i32,
    /// Days marked validated (rows that existed).
    pub validated: i32,
    /// Working days without a row, written as absent.
    pub absent: i32,
    /// Working days without a row, written as on leave (approved leave).
    pub on_leave: i32,
    /// Days reopened.
    pub reopened: i32,
}

fn check_range(scope: &Scope) -> Checked<()> {
    if scope.to < scope.from {
        return refuse("to", E::Invalid, "on or after from");
    }
    if (scope.to - scope.from).num_days() >= MAX_RANGE_DAYS {
        return refuse(
            "to",
            E::Invalid,
            format!("at most {MAX_RANGE_DAYS} days at a time"),
        );
    }
    Ok(())
}

async fn employees_in(tx: &TenantTx, scope: &Scope) -> AppResult<Vec<employee::Model>> {
    let unit = scope.org_unit;
    let ids = scope.employees.clone();
    Ok(tx
        .all(tx.select::<employee::Entity>().refine(|q| {
            let q = q
                .filter(employee::Column::HireDate.lte(scope.to))
                .order_by_asc(employee::Column::EmployeeNumber);
            let q = match unit {
                Some(u) => q.filter(employee::Column::OrgUnitId.eq(u)),
                None => q,
            };
            match ids {
                Some(ids) => q.filter(employee::Column::Id.is_in(ids)),
                None => q,
            }
        }))
        .await?)
}

/// Validates a range for payroll: every row in it is marked validated, and every working day
/// without one gets one (on leave when approved leave covers it, else absent).
pub async fn validate(tx: &TenantTx, scope: &Scope) -> AppResult<Checked<Validation>> {
    if let Err(e) = check_range(scope) {
        return Ok(Err(e));
    }
    let settings = super::settings(tx).await?;
    if scope.to > super::local_date(&settings, Utc::now()) {
        return Ok(refuse(
            "to",
            E::FutureDate,
            "days still to come are not validated",
        ));
    }
    let mut out = Validation::default();
    for emp in employees_in(tx, scope).await? {
        super::lock_employee(tx, emp.id).await?;
        let days = calendar::days(tx, emp.id, scope.from, scope.to).await?;
        if !days.iter().any(|d| d.contract.is_some()) {
            continue;
        }
        out.employees += 1;
        use attendance_day::Column as A;
        let rows = tx
            .all(tx.select::<attendance_day::Entity>().refine(|q| {
                q.filter(A::EmployeeId.eq(emp.id))
                    .filter(A::WorkDate.between(scope.from, scope.to))
            }))
            .await?;
        let have: BTreeSet<NaiveDate> = rows.iter().map(|r| r.work_date).collect();
        for row in rows.into_iter().filter(|r| !r.validated) {
            crate::services::workflow::advance::<attendance_day::Entity, _>(
                tx,
                tx.actor().id,
                &row,
                "validated",
                |am| {
                    am.validated = Set(true);
                },
            )
            .await?;
            out.validated += 1;
        }
        let leave = approved_leave(tx, emp.id, scope.from, scope.to).await?;
        for day in days.iter().filter(|d| d.working && !have.contains(&d.date)) {
            let on_leave = leave
                .iter()
                .any(|l| l.from_date <= day.date && day.date <= l.to_date);
            let status = if on_leave {
                out.on_leave += 1;
                AttendanceStatus::OnLeave
            } else {
                out.absent += 1;
                AttendanceStatus::Absent
            };
            let m = Minutes {
                first_in: None,
                last_out: None,
                worked: 0,
                late: 0,
                overtime: 0,
                holiday: 0,
                status,
            };
            write_day(tx, None, emp.id, day, &m, false, "validation", None, true).await?;
        }
    }
    Ok(Ok(out))
}

/// The approved leave of an employee overlapping a range.
pub async fn approved_leave(
    tx: &TenantTx,
    employee: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<leave_request::Model>> {
    use leave_request::Column as L;
    Ok(tx
        .all(tx.select::<leave_request::Entity>().refine(|q| {
            q.filter(L::EmployeeId.eq(employee))
                .filter(L::Status.eq("approved"))
                .filter(L::FromDate.lte(to))
                .filter(L::ToDate.gte(from))
        }))
        .await?)
}

/// Reopens validated days so they can change again.
pub async fn reopen(tx: &TenantTx, scope: &Scope) -> AppResult<Checked<Validation>> {
    if let Err(e) = check_range(scope) {
        return Ok(Err(e));
    }
    let mut out = Validation::default();
    for emp in employees_in(tx, scope).await? {
        super::lock_employee(tx, emp.id).await?;
        if super::payroll::paid_on(tx, emp.id, scope.from, scope.to).await? {
            return Ok(refuse(
                "from",
                E::Locked,
                format!(
                    "{} was paid for these days; cancel the payroll run first",
                    emp.employee_number
                ),
            ));
        }
        use attendance_day::Column as A;
        let rows = tx
            .all(tx.select::<attendance_day::Entity>().refine(|q| {
                q.filter(A::EmployeeId.eq(emp.id))
                    .filter(A::WorkDate.between(scope.from, scope.to))
                    .filter(A::Validated.eq(true))
            }))
            .await?;
        if !rows.is_empty() {
            out.employees += 1;
        }
        let settings = super::settings(tx).await?;
        for row in rows {
            let (date, from_events) = (row.work_date, row.source == "events");
            crate::services::workflow::advance::<attendance_day::Entity, _>(
                tx,
                tx.actor().id,
                &row,
                "reopened",
                |am| am.validated = Set(false),
            )
            .await?;
            // Events stored while the day was validated count now.
            if from_events {
                refresh_from_events(tx, &settings, &emp, date).await?;
            }
            out.reopened += 1;
        }
    }
    Ok(Ok(out))
}
