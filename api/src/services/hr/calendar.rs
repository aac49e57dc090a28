//! The working-day calendar: which days an employee is expected to work.
//!
//! A day is a working day when a running or ended contract covers it, the contract's schedule
//! includes its weekday, and it is not a holiday; or when a shift is assigned for it (inside a
//! contract), whose schedule then applies. Schedules, wages and structures live on the
//! contract rather than the employee record, so a past period recomputes with what applied then.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use entity::TenantTx;
use entity::hr::{employment_contract, holiday, work_schedule};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::AppResult;

/// One day of an employee's calendar.
#[derive(Clone, Debug)]
pub struct Day {
    /// The date.
    pub date: NaiveDate,
    /// The contract covering it, if any.
    pub contract: Option<Uuid>,
    /// The schedule of that contract.
    pub schedule: Option<work_schedule::Model>,
    /// A holiday.
    pub holiday: bool,
    /// A working day: covered, on the schedule's weekdays and not a holiday.
    pub working: bool,
}

/// Whether a schedule applies on a date's weekday.
pub fn on_weekday(schedule: &work_schedule::Model, date: NaiveDate) -> bool {
    let iso = date.weekday().number_from_monday();
    schedule
        .weekdays
        .chars()
        .any(|c| c.to_digit(10) == Some(iso))
}

/// The contracts that count for the calendar (running or ended) overlapping the range: of one
/// employee, or of everyone (payroll runs and reports), oldest first.
pub async fn contracts_of(
    tx: &TenantTx,
    employee: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<employment_contract::Model>> {
    use employment_contract::Column as C;
    Ok(tx
        .all(tx.select::<employment_contract::Entity>().refine(|q| {
            let q = match employee {
                Some(e) => q.filter(C::EmployeeId.eq(e)),
                None => q,
            };
            q.filter(C::Status.is_in(["running", "ended"]))
                .filter(C::StartDate.lte(to))
                .filter(
                    sea_orm::Condition::any()
                        .add(C::EndDate.is_null())
                        .add(C::EndDate.gte(from)),
                )
                .order_by_asc(C::StartDate)
        }))
        .await?)
}

/// One employee's contracts that count for the calendar, overlapping the range.
pub async fn contracts_in(
    tx: &TenantTx,
    employee: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<employment_contract::Model>> {
    contracts_of(tx, Some(employee), from, to).await
}

/// The holidays in a range.
pub async fn holidays(
    tx: &TenantTx,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<BTreeSet<NaiveDate>> {
    Ok(tx
        .all(tx.select::<holiday::Entity>().refine(|q| {
            q.filter(holiday::Column::Date.between(from, to))
                .filter(holiday::Column::ArchivedAt.is_null())
        }))
        .await?
        .into_iter()
        .map(|h| h.date)
        .collect())
}

/// An employee's calendar over a range (at most a few months: one row per day).
pub async fn days(
    tx: &TenantTx,
    employee: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Day>> {
    let contracts = contracts_in(tx, employee, from, to).await?;
    let shifts = super::development::shifts(tx, employee, from, to).await?;
    let ids: Vec<Uuid> = contracts
        .iter()
        .map(|c| c.work_schedule_id)
        .chain(shifts.values().copied())
        .collect();
    let schedules: HashMap<Uuid, work_schedule::Model> =
        tx.get_map::<work_schedule::Entity>(&ids).await?;
    let off = holidays(tx, from, to).await?;
    let mut out = Vec::new();
    for date in from.iter_days().take_while(|d| *d <= to) {
        let contract = contracts
            .iter()
            .rev()
            .find(|c| c.start_date <= date && c.end_date.is_none_or(|e| date <= e));
        let holiday = off.contains(&date);
        // A shift assigned for the day (inside a contract) replaces the contract's schedule
        // and makes the day a working day, holiday or not: shift work is planned day by day.
        let shift = contract
            .and(shifts.get(&date))
            .and_then(|s| schedules.get(s).cloned());
        let (schedule, working) = match shift {
            Some(s) => (Some(s), true),
            None => {
                let s = contract.and_then(|c| schedules.get(&c.work_schedule_id).cloned());
                let working = !holiday && s.as_ref().is_some_and(|s| on_weekday(s, date));
                (s, working)
            }
        };
        out.push(Day {
            date,
            contract: contract.map(|c| c.id),
            schedule,
            holiday,
            working,
        });
    }
    Ok(out)
}

/// One day of an employee's calendar (a day off outside every contract).
pub async fn day(tx: &TenantTx, employee: Uuid, date: NaiveDate) -> AppResult<Day> {
    Ok(days(tx, employee, date, date).await?.pop().unwrap_or(Day {
        date,
        contract: None,
        schedule: None,
        holiday: false,
        working: false,
    }))
}

/// The working days of an employee in a range.
pub async fn working_days(
    tx: &TenantTx,
    employee: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<NaiveDate>> {
    Ok(days(tx, employee, from, to)
        .await?
        .into_iter()
        .filter(|d| d.working)
        .map(|d| d.date)
        .collect())
}

/// The first day of a date's month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The last day of a date's month.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    month_start(date)
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(date)
}
