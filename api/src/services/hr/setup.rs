//! The plain HR records: work schedules, holidays, leave types and leave allocations.

use entity::TenantTx;
use entity::hr::{holiday, leave_allocation, leave_type, work_schedule};
use entity::org::employee;
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, IntoActiveModel};

use super::HrErrorCode as E;
use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::hr::{
    CreateHolidayInput, CreateLeaveAllocationInput, CreateLeaveTypeInput, CreateWorkScheduleInput,
    Holiday, HolidayFilter, HolidayOrder, HolidayPatch, LeaveAllocation, LeaveAllocationFilter,
    LeaveAllocationOrder, LeaveAllocationPatch, LeaveType, LeaveTypeFilter, LeaveTypeOrder,
    LeaveTypePatch, WorkSchedule, WorkScheduleFilter, WorkScheduleOrder, WorkSchedulePatch,
};
use crate::graphql::resource::{Editable, Problems, Resource};

type P = Problems<E>;

impl Resource for work_schedule::Entity {
    type Node = WorkSchedule;
    type Filter = WorkScheduleFilter;
    type Order = WorkScheduleOrder;
    const VIEW: Permission = Permission::ViewAttendance;
}

/// The weekdays as stored: ISO digits, sorted, each once.
fn weekdays(p: &mut P, path: &str, days: &[i32]) -> String {
    if days.is_empty() || days.iter().any(|d| !(1..=7).contains(d)) {
        p.row(
            path,
            E::Invalid,
            "one or more ISO weekdays, 1 (Monday) to 7",
        );
    }
    let mut d: Vec<i32> = days
        .iter()
        .copied()
        .filter(|d| (1..=7).contains(d))
        .collect();
    d.sort_unstable();
    d.dedup();
    d.iter().map(|d| d.to_string()).collect()
}

/// Checks a schedule's minutes: the span less the break is at least the prescribed time.
fn schedule_minutes(p: &mut P, s: &work_schedule::ActiveModel) {
    let (Set(start), Set(end), Set(brk), Set(daily), Set(grace), Set(half)) = (
        &s.start_time,
        &s.end_time,
        &s.break_minutes,
        &s.daily_minutes,
        &s.grace_minutes,
        &s.half_day_minutes,
    ) else {
        return;
    };
    let mut span = (*end - *start).num_minutes();
    if span <= 0 {
        // A night shift ends the next day.
        span += 24 * 60;
    }
    if *brk < 0 || i64::from(*brk) >= span {
        p.row(
            "breakMinutes",
            E::Invalid,
            "from zero to less than the span",
        );
    }
    if *daily <= 0 || i64::from(*daily) > span - i64::from(*brk) {
        p.row(
            "dailyMinutes",
            E::Invalid,
            "more than zero and at most the span less the break",
        );
    }
    if *grace < 0 || *grace > 120 {
        p.row("graceMinutes", E::Invalid, "0 to 120");
    }
    if *half <= 0 || *half > *daily {
        p.row(
            "halfDayMinutes",
            E::Invalid,
            "more than zero, at most the daily minutes",
        );
    }
}

impl Editable for work_schedule::Entity {
    type Create = CreateWorkScheduleInput;
    type Patch = WorkSchedulePatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageAttendance;

    async fn create(
        tx: &TenantTx,
        input: &CreateWorkScheduleInput,
        p: &mut P,
    ) -> AppResult<work_schedule::ActiveModel> {
        let code = p.required_text("code", &input.code, 30);
        p.unique::<work_schedule::Entity>(tx, "code", work_schedule::Column::Code, &code, None)
            .await?;
        let brk = input.break_minutes.unwrap_or(60);
        let mut span = (input.end_time - input.start_time).num_minutes();
        if span <= 0 {
            span += 24 * 60;
        }
        let daily = input
            .daily_minutes
            .unwrap_or_else(|| i32::try_from(span).unwrap_or(0) - brk);
        let am = work_schedule::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            start_time: Set(input.start_time),
            end_time: Set(input.end_time),
            break_minutes: Set(brk),
            daily_minutes: Set(daily),
            grace_minutes: Set(input.grace_minutes.unwrap_or(0)),
            half_day_minutes: Set(input.half_day_minutes.unwrap_or(daily / 2)),
            weekdays: Set(weekdays(
                p,
                "weekdays",
                input.weekdays.as_deref().unwrap_or(&[1, 2, 3, 4, 5]),
            )),
            archived_at: Set(None),
            ..Default::default()
        };
        schedule_minutes(p, &am);
        Ok(am)
    }

    async fn patch(
        tx: &TenantTx,
        row: &work_schedule::Model,
        patch: &WorkSchedulePatch,
        p: &mut P,
    ) -> AppResult<work_schedule::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(c) = &patch.code {
            let code = p.required_text("patch.code", c, 30);
            p.unique::<work_schedule::Entity>(
                tx,
                "patch.code",
                work_schedule::Column::Code,
                &code,
                Some(row.id),
            )
            .await?;
            am.code = Set(code);
        }
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        if let Some(w) = &patch.weekdays {
            am.weekdays = Set(weekdays(p, "patch.weekdays", w));
        }
        // The whole schedule is checked with the changes applied.
        let full = work_schedule::ActiveModel {
            start_time: Set(patch.start_time.unwrap_or(row.start_time)),
            end_time: Set(patch.end_time.unwrap_or(row.end_time)),
            break_minutes: Set(patch.break_minutes.unwrap_or(row.break_minutes)),
            daily_minutes: Set(patch.daily_minutes.unwrap_or(row.daily_minutes)),
            grace_minutes: Set(patch.grace_minutes.unwrap_or(row.grace_minutes)),
            half_day_minutes: Set(patch.half_day_minutes.unwrap_or(row.half_day_minutes)),
            ..Default::default()
        };
        am.start_time = full.start_time.clone();
        am.end_time = full.end_time.clone();
        am.break_minutes = full.break_minutes.clone();
        am.daily_minutes = full.daily_minutes.clone();
        am.grace_minutes = full.grace_minutes.clone();
        am.half_day_minutes = full.half_day_minutes.clone();
        schedule_minutes(p, &full);
        Ok(am)
    }
}

impl Resource for holiday::Entity {
    type Node = Holiday;
    type Filter = HolidayFilter;
    type Order = HolidayOrder;
    /// Everyone who may submit requests reads the holiday calendar.
    const VIEW: Permission = Permission::SubmitRequests;
}

impl Editable for holiday::Entity {
    type Create = CreateHolidayInput;
    type Patch = HolidayPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageAttendance;

    async fn create(
        tx: &TenantTx,
        input: &CreateHolidayInput,
        p: &mut P,
    ) -> AppResult<holiday::ActiveModel> {
        taken_date(tx, p, "date", input.date, None).await?;
        Ok(holiday::ActiveModel {
            date: Set(input.date),
            name: Set(p.required_text("name", &input.name, 200)),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &holiday::Model,
        patch: &HolidayPatch,
        p: &mut P,
    ) -> AppResult<holiday::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(d) = patch.date {
            taken_date(tx, p, "patch.date", d, Some(row.id)).await?;
            am.date = Set(d);
        }
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        Ok(am)
    }
}

async fn taken_date(
    tx: &TenantTx,
    p: &mut P,
    path: &str,
    date: chrono::NaiveDate,
    except: Option<uuid::Uuid>,
) -> AppResult<()> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let taken = tx
        .one(tx.select::<holiday::Entity>().refine(|q| {
            let q = q.filter(holiday::Column::Date.eq(date));
            match except {
                Some(id) => q.filter(holiday::Column::Id.ne(id)),
                None => q,
            }
        }))
        .await?;
    if taken.is_some() {
        p.row(path, E::Duplicate, "that day is a holiday already");
    }
    Ok(())
}

impl Resource for leave_type::Entity {
    type Node = LeaveType;
    type Filter = LeaveTypeFilter;
    type Order = LeaveTypeOrder;
    /// Everyone who may request leave reads the leave types.
    const VIEW: Permission = Permission::SubmitRequests;
}

impl Editable for leave_type::Entity {
    type Create = CreateLeaveTypeInput;
    type Patch = LeaveTypePatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageAttendance;

    async fn create(
        tx: &TenantTx,
        input: &CreateLeaveTypeInput,
        p: &mut P,
    ) -> AppResult<leave_type::ActiveModel> {
        let code = p.required_text("code", &input.code, 30);
        p.unique::<leave_type::Entity>(tx, "code", leave_type::Column::Code, &code, None)
            .await?;
        if input.max_consecutive_days.is_some_and(|d| d < 1) {
            p.row("maxConsecutiveDays", E::Invalid, "at least 1");
        }
        let requires = input.requires_allocation.unwrap_or(true);
        if input.statutory_accrual == Some(true) && !requires {
            p.row(
                "statutoryAccrual",
                E::Invalid,
                "statutory leave is taken from its grants",
            );
        }
        Ok(leave_type::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            paid: Set(input.paid.unwrap_or(true)),
            requires_allocation: Set(requires),
            allow_negative: Set(input.allow_negative.unwrap_or(false)),
            half_day_allowed: Set(input.half_day_allowed.unwrap_or(true)),
            max_consecutive_days: Set(input.max_consecutive_days),
            statutory_accrual: Set(input.statutory_accrual.unwrap_or(false)),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &leave_type::Model,
        patch: &LeaveTypePatch,
        p: &mut P,
    ) -> AppResult<leave_type::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        if let Some(v) = patch.allow_negative {
            am.allow_negative = Set(v);
        }
        if let Some(v) = patch.half_day_allowed {
            am.half_day_allowed = Set(v);
        }
        match patch.max_consecutive_days {
            async_graphql::MaybeUndefined::Undefined => {}
            async_graphql::MaybeUndefined::Null => am.max_consecutive_days = Set(None),
            async_graphql::MaybeUndefined::Value(d) => {
                if d < 1 {
                    p.row("patch.maxConsecutiveDays", E::Invalid, "at least 1");
                }
                am.max_consecutive_days = Set(Some(d));
            }
        }
        Ok(am)
    }
}

impl Resource for leave_allocation::Entity {
    type Node = LeaveAllocation;
    type Filter = LeaveAllocationFilter;
    type Order = LeaveAllocationOrder;
    const VIEW: Permission = Permission::ViewAttendance;
    crate::employee_rows!(leave_allocation, ViewAttendance);
}

/// Leave is counted in whole and half days.
fn check_days(p: &mut P, path: &str, days: Decimal) {
    if days <= Decimal::ZERO
        || (days * Decimal::TWO).fract() != Decimal::ZERO
        || days > Decimal::from(366)
    {
        p.row(path, E::Invalid, "whole or half days, more than zero");
    }
}

impl Editable for leave_allocation::Entity {
    type Create = CreateLeaveAllocationInput;
    type Patch = LeaveAllocationPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageAttendance;

    async fn create(
        tx: &TenantTx,
        input: &CreateLeaveAllocationInput,
        p: &mut P,
    ) -> AppResult<leave_allocation::ActiveModel> {
        let employee = p
            .reference::<employee::Entity>(tx, "employeeId", Some(&input.employee_id))
            .await?;
        let leave_type = p
            .reference::<leave_type::Entity>(tx, "leaveTypeId", Some(&input.leave_type_id))
            .await?;
        if let Some(t) = leave_type
            && let Some(t) = tx.get::<leave_type::Entity>(t).await?
            && !t.requires_allocation
        {
            p.row(
                "leaveTypeId",
                E::Invalid,
                "this leave type is taken without allocations",
            );
        }
        let valid_to = input.valid_to.unwrap_or_else(|| {
            input
                .valid_from
                .checked_add_months(chrono::Months::new(24))
                .and_then(|d| d.pred_opt())
                .unwrap_or(input.valid_from)
        });
        if valid_to < input.valid_from {
            p.row("validTo", E::Invalid, "on or after validFrom");
        }
        check_days(p, "days", input.days.0);
        Ok(leave_allocation::ActiveModel {
            employee_id: Set(employee.unwrap_or_default()),
            leave_type_id: Set(leave_type.unwrap_or_default()),
            valid_from: Set(input.valid_from),
            valid_to: Set(valid_to),
            days: Set(input.days.0),
            source: Set("manual".into()),
            note: Set(p.optional_text("note", input.note.as_deref(), 500)),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &leave_allocation::Model,
        patch: &LeaveAllocationPatch,
        p: &mut P,
    ) -> AppResult<leave_allocation::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(d) = patch.days {
            check_days(p, "patch.days", d.0);
            // The days taken from it and those waiting for approval stay covered: an
            // allocation never goes below zero (checked under the employee's lock, like leave).
            super::lock_employee(tx, row.employee_id).await?;
            let taken = super::leave::drawn_from(tx, row.id).await?;
            let pending =
                super::leave::pending_days(tx, row.employee_id, row.leave_type_id).await?;
            if d.0 + taken - pending < Decimal::ZERO {
                p.row(
                    "patch.days",
                    E::InsufficientBalance,
                    format!(
                        "{} days were taken from it and {} are waiting for approval",
                        (-taken).normalize(),
                        pending.normalize()
                    ),
                );
            }
            am.days = Set(d.0);
        }
        if let Some(v) = patch.valid_to {
            if v < row.valid_from {
                p.row("patch.validTo", E::Invalid, "on or after validFrom");
            }
            am.valid_to = Set(v);
        }
        if let Some(n) = &patch.note {
            am.note = Set(p.optional_text("patch.note", Some(n), 500));
        }
        Ok(am)
    }

    async fn check_archive(
        tx: &TenantTx,
        row: &leave_allocation::Model,
        p: &mut P,
    ) -> AppResult<()> {
        if super::leave::drawn_from(tx, row.id).await? != Decimal::ZERO {
            p.row("id", E::Locked, "days were taken from it");
        }
        Ok(())
    }
}
