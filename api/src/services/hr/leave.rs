//! Leave requests, balances and the leave ledger.
//!
//! Invariants, checked under the employee's row lock when a request is created, submitted and
//! approved:
//! - a request lies inside an employment contract (`NO_CONTRACT`) and covers at least one
//!   working day; a half day is one day, on a type that allows halves;
//! - requests of one employee that are waiting or approved never overlap (`OVERLAP`); a
//!   morning and an afternoon half of the same day do not overlap;
//! - a type that needs allocations is taken only inside allocations that cover the dates
//!   (`OUTSIDE_ALLOCATION`), and its balance less what is pending never goes below zero unless
//!   the type allows it (`INSUFFICIENT_BALANCE`);
//! - approval writes the days taken to the ledger, from the allocation that expires first;
//!   cancelling approved leave writes the reversal and reopens its days' attendance.
//!
//! An allocation's balance is its days plus its ledger entries (negative when taken); it
//! expires on its `validTo`, which is how the two-year life of statutory leave (carry-over to
//! the next year, then expiry) is kept without expiry entries.

use chrono::{Months, NaiveDate, Utc};
use entity::TenantTx;
use entity::hr::{attendance_day, leave_allocation, leave_ledger_entry, leave_request, leave_type};
use entity::org::employee;
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Checked, HrErrorCode as E, refuse};
use crate::auth::Permission;
use crate::error::{AppError, AppResult};
use crate::graphql::leave::{LeaveHalf, LeaveRequest, LeaveRequestFilter, LeaveRequestOrder};
use crate::graphql::listing::DbEnum;
use crate::graphql::resource::Resource;
use crate::services::approvals::{self, Facts, Outcome};
use crate::services::workflow::{StateMachine, transition};

crate::state_machine! {
    /// Where a leave request is.
    LeaveRequestState / LeaveRequestAction for "leave request" {
        states {
            /// Being written; the only state in which its dates change.
            Draft = "draft",
            /// Submitted and waiting for its approval.
            ToApprove = "to_approve",
            /// Approved: the days are taken.
            Approved = "approved",
            /// An approver rejected it.
            Rejected = "rejected",
            /// Withdrawn.
            Cancelled = "cancelled",
        }
        transitions {
            /// Send it for approval.
            Submit "submitted": [Draft] => ToApprove,
            /// The last required approval was given.
            Approve "approved": [ToApprove] => Approved,
            /// An approver rejected it.
            Reject "rejected": [ToApprove] => Rejected,
            /// Withdraw it (approved leave gives its days back).
            Cancel "cancelled": [Draft, ToApprove, Approved, Rejected] => Cancelled,
            /// Take a rejected or cancelled request back into draft.
            Reopen "reopened": [Rejected, Cancelled] => Draft,
        }
    }
}

/// The state of a stored request.
pub fn state(row: &leave_request::Model) -> LeaveRequestState {
    LeaveRequestState::from_db(&row.status).unwrap_or(LeaveRequestState::Cancelled)
}

impl Resource for leave_request::Entity {
    type Node = LeaveRequest;
    type Filter = LeaveRequestFilter;
    type Order = LeaveRequestOrder;
    const VIEW: Permission = Permission::ViewAttendance;
    crate::employee_rows!(leave_request, ViewAttendance);
}

/// The days drawn from an allocation so far (negative when taken).
pub async fn drawn_from(tx: &TenantTx, allocation: Uuid) -> AppResult<Decimal> {
    use leave_ledger_entry::Column as L;
    Ok(tx
        .all(
            tx.select::<leave_ledger_entry::Entity>()
                .refine(|q| q.filter(L::AllocationId.eq(allocation))),
        )
        .await?
        .iter()
        .map(|e| e.days)
        .sum())
}

/// The days of an employee's requests of a type waiting for approval.
pub async fn pending_days(tx: &TenantTx, employee: Uuid, leave_type: Uuid) -> AppResult<Decimal> {
    use leave_request::Column as R;
    Ok(tx
        .all(tx.select::<leave_request::Entity>().refine(|q| {
            q.filter(R::EmployeeId.eq(employee))
                .filter(R::LeaveTypeId.eq(leave_type))
                .filter(R::Status.eq("to_approve"))
        }))
        .await?
        .iter()
        .map(|r| r.days)
        .sum())
}

/// One leave type's balance for an employee on a day.
#[derive(Clone, Debug, async_graphql::SimpleObject)]
#[graphql(complex)]
pub struct LeaveBalance {
    #[graphql(skip)]
    /// The leave type.
    pub leave_type: leave_type::Model,
    /// Days granted by the allocations valid on the day.
    pub granted: crate::graphql::scalars::Decimal,
    /// Days taken from them (and beyond them, where the type allows it).
    pub taken: crate::graphql::scalars::Decimal,
    /// Days in requests waiting for approval.
    pub pending: crate::graphql::scalars::Decimal,
    /// What can still be requested: granted less taken less pending.
    pub available: crate::graphql::scalars::Decimal,
    /// The earliest expiry among the allocations with days left.
    pub next_expiry: Option<NaiveDate>,
}

#[async_graphql::ComplexObject]
impl LeaveBalance {
    /// The leave type.
    async fn leave_type(&self) -> crate::graphql::hr::LeaveType {
        crate::graphql::hr::LeaveType(self.leave_type.clone())
    }
}

struct Pool {
    allocations: Vec<(leave_allocation::Model, Decimal)>,
    unassigned: Decimal,
    pending: Decimal,
}

/// The allocations of a type valid over `[from, to]` with what is left of each, the days
/// taken beyond every allocation, and the days pending (but `except`).
async fn pool(
    tx: &TenantTx,
    employee: Uuid,
    leave_type: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    except: Option<Uuid>,
) -> AppResult<Pool> {
    use leave_allocation::Column as A;
    let allocations = tx
        .all(tx.select::<leave_allocation::Entity>().refine(|q| {
            q.filter(A::EmployeeId.eq(employee))
                .filter(A::LeaveTypeId.eq(leave_type))
                .filter(A::ArchivedAt.is_null())
                .filter(A::ValidFrom.lte(from))
                .filter(A::ValidTo.gte(to))
                .order_by_asc(A::ValidTo)
                .order_by_asc(A::Id)
        }))
        .await?;
    let mut with_left = Vec::new();
    for a in allocations {
        let left = a.days + drawn_from(tx, a.id).await?;
        with_left.push((a, left));
    }
    use leave_ledger_entry::Column as L;
    let unassigned = tx
        .all(tx.select::<leave_ledger_entry::Entity>().refine(|q| {
            q.filter(L::EmployeeId.eq(employee))
                .filter(L::LeaveTypeId.eq(leave_type))
                .filter(L::AllocationId.is_null())
        }))
        .await?
        .iter()
        .map(|e| e.days)
        .sum();
    use leave_request::Column as R;
    let pending = tx
        .all(tx.select::<leave_request::Entity>().refine(|q| {
            let q = q
                .filter(R::EmployeeId.eq(employee))
                .filter(R::LeaveTypeId.eq(leave_type))
                .filter(R::Status.eq("to_approve"));
            match except {
                Some(id) => q.filter(R::Id.ne(id)),
                None => q,
            }
        }))
        .await?
        .iter()
        .map(|r| r.days)
        .sum();
    Ok(Pool {
        allocations: with_left,
        unassigned,
        pending,
    })
}

/// An employee's balances on a day, one per leave type that needs allocations.
pub async fn balances(
    tx: &TenantTx,
    employee: Uuid,
    on: NaiveDate,
) -> AppResult<Vec<LeaveBalance>> {
    let types = tx
        .all(tx.select::<leave_type::Entity>().refine(|q| {
            q.filter(leave_type::Column::RequiresAllocation.eq(true))
                .filter(leave_type::Column::ArchivedAt.is_null())
                .order_by_asc(leave_type::Column::Code)
        }))
        .await?;
    let mut out = Vec::new();
    for t in types {
        let p = pool(tx, employee, t.id, on, on, None).await?;
        let granted: Decimal = p.allocations.iter().map(|(a, _)| a.days).sum();
        let left: Decimal = p.allocations.iter().map(|(_, l)| *l).sum::<Decimal>() + p.unassigned;
        let next_expiry = p
            .allocations
            .iter()
            .filter(|(_, l)| *l > Decimal::ZERO)
            .map(|(a, _)| a.valid_to)
            .min();
        out.push(LeaveBalance {
            leave_type: t,
            granted: crate::graphql::scalars::Decimal((granted).normalize()),
            taken: crate::graphql::scalars::Decimal((granted - left).normalize()),
            pending: crate::graphql::scalars::Decimal((p.pending).normalize()),
            available: crate::graphql::scalars::Decimal((left - p.pending).normalize()),
            next_expiry,
        });
    }
    Ok(out)
}

/// A request's terms.
pub struct Terms<'a> {
    /// The leave type.
    pub leave_type: &'a leave_type::Model,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// A half day.
    pub half: LeaveHalf,
}

/// Checks a request's terms for an employee (whose row the caller holds locked): the days it
/// takes, or the problems.
pub async fn check(
    tx: &TenantTx,
    employee: &employee::Model,
    t: &Terms<'_>,
    except: Option<Uuid>,
) -> AppResult<Checked<Decimal>> {
    let mut p = crate::graphql::resource::Problems::<E>::default();
    if t.to < t.from {
        return Ok(refuse("toDate", E::Invalid, "on or after fromDate"));
    }
    if (t.to - t.from).num_days() > 366 {
        return Ok(refuse("toDate", E::Invalid, "at most a year at a time"));
    }
    if t.half != LeaveHalf::None {
        if t.from != t.to {
            p.row(
                "half",
                E::Invalid,
                "a half day is one day: fromDate = toDate",
            );
        }
        if !t.leave_type.half_day_allowed {
            p.row("half", E::Invalid, "this leave type is taken in whole days");
        }
    }
    if super::payroll::paid_on(tx, employee.id, t.from, t.to).await? {
        p.row(
            "fromDate",
            E::Locked,
            "a payroll run paid these days already",
        );
    }
    if t.from < employee.hire_date {
        p.row(
            "fromDate",
            E::BeforeHire,
            format!("the employee was hired on {}", employee.hire_date),
        );
    }
    let days = super::calendar::days(tx, employee.id, t.from, t.to).await?;
    if days.iter().any(|d| d.contract.is_none()) {
        p.row(
            "fromDate",
            E::NoContract,
            "leave lies inside an employment contract",
        );
    }
    let working = days.iter().filter(|d| d.working).count();
    let taken = if t.half == LeaveHalf::None {
        Decimal::from(working)
    } else {
        Decimal::from(working) / Decimal::TWO
    };
    if taken <= Decimal::ZERO && p.is_empty() {
        p.row("fromDate", E::Invalid, "no working day in the dates");
    }
    if let Some(max) = t.leave_type.max_consecutive_days
        && taken > Decimal::from(max)
    {
        p.row(
            "toDate",
            E::MaxConsecutiveDays,
            format!("at most {max} days in one request"),
        );
    }
    use leave_request::Column as R;
    let (from, to) = (t.from, t.to);
    let others = tx
        .all(tx.select::<leave_request::Entity>().refine(|q| {
            let q = q
                .filter(R::EmployeeId.eq(employee.id))
                .filter(R::Status.is_in(["to_approve", "approved"]))
                .filter(R::FromDate.lte(to))
                .filter(R::ToDate.gte(from));
            match except {
                Some(id) => q.filter(R::Id.ne(id)),
                None => q,
            }
        }))
        .await?;
    let clash = others.iter().find(|o| {
        let halves = LeaveHalf::from_db(&o.half);
        // A morning and an afternoon of the same single day share it.
        !(t.half != LeaveHalf::None
            && halves != LeaveHalf::None
            && halves != t.half
            && o.from_date == o.to_date
            && t.from == t.to)
    });
    if let Some(o) = clash {
        p.row(
            "fromDate",
            E::Overlap,
            format!("{} covers some of these days", o.number),
        );
    }
    if t.leave_type.requires_allocation && p.is_empty() {
        let pool = pool(tx, employee.id, t.leave_type.id, t.from, t.to, except).await?;
        if pool.allocations.is_empty() && !t.leave_type.allow_negative {
            p.row(
                "fromDate",
                E::OutsideAllocation,
                "no allocation of this leave type covers the dates",
            );
        } else {
            let left: Decimal =
                pool.allocations.iter().map(|(_, l)| *l).sum::<Decimal>() + pool.unassigned;
            let available = left - pool.pending;
            if taken > available && !t.leave_type.allow_negative {
                p.row(
                    "toDate",
                    E::InsufficientBalance,
                    format!(
                        "{} days available ({} left, {} pending), {taken} asked",
                        available.normalize(),
                        left.normalize(),
                        pool.pending.normalize()
                    ),
                );
            }
        }
    }
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    Ok(Ok(taken))
}

/// A new leave request.
pub struct NewLeave<'a> {
    /// The employee (default: the caller's own record).
    pub employee: Option<Uuid>,
    /// The leave type.
    pub leave_type: Uuid,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// A half day.
    pub half: LeaveHalf,
    /// Why.
    pub reason: Option<&'a str>,
}

/// Writes a draft request. Someone else's needs `manage` (`MANAGE_ATTENDANCE`); the requester
/// is always the employee's user when they have one.
pub async fn create(
    tx: &TenantTx,
    actor: Uuid,
    manage: bool,
    input: &NewLeave<'_>,
) -> AppResult<Checked<leave_request::Model>> {
    let own = super::employee_of_user(tx, actor).await?;
    let employee = match (input.employee, &own) {
        (Some(e), Some(o)) if e == o.id => e,
        (Some(e), _) if manage => e,
        (Some(_), _) => {
            return Ok(refuse(
                "employeeId",
                E::NotRequester,
                "HR (MANAGE_ATTENDANCE) files leave for someone else",
            ));
        }
        (None, Some(o)) => o.id,
        (None, None) => {
            return Ok(refuse(
                "employeeId",
                E::NotLinked,
                "your user has no employee record; name the employee",
            ));
        }
    };
    let Some(emp) = super::lock_employee(tx, employee).await? else {
        return Ok(refuse("employeeId", E::NotFound, "no such employee"));
    };
    let Some(lt) = tx
        .get::<leave_type::Entity>(input.leave_type)
        .await?
        .filter(|t| t.archived_at.is_none())
    else {
        return Ok(refuse("leaveTypeId", E::NotFound, "no such leave type"));
    };
    let reason = input.reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 1000) {
        return Ok(refuse("reason", E::TooLong, "at most 1000 characters"));
    }
    let terms = Terms {
        leave_type: &lt,
        from: input.from,
        to: input.to,
        half: input.half,
    };
    let days = match check(tx, &emp, &terms, None).await? {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let number = crate::services::numbering::allocate(
        tx,
        crate::services::numbering::DocumentType::LeaveRequest,
        Utc::now().date_naive(),
    )
    .await?;
    let mut am = leave_request::ActiveModel {
        number: Set(number),
        employee_id: Set(emp.id),
        requester_user_id: Set(emp.user_id.unwrap_or(actor)),
        leave_type_id: Set(lt.id),
        from_date: Set(input.from),
        to_date: Set(input.to),
        half: Set(input.half.db().into()),
        days: Set(days),
        reason: Set(reason.map(str::to_owned)),
        status: Set(LeaveRequestState::Draft.db().into()),
        submitted_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    crate::graphql::resource::stamp_new::<leave_request::Entity>(&mut am, Some(actor))?;
    Ok(Ok(tx.insert::<leave_request::Entity, _>(am).await?))
}

async fn apply(
    tx: &TenantTx,
    actor: Uuid,
    row: &leave_request::Model,
    action: LeaveRequestAction,
    change: impl FnOnce(&mut leave_request::ActiveModel),
) -> AppResult<leave_request::Model> {
    let to = state(row).next(action).unwrap_or(state(row));
    crate::services::workflow::advance::<leave_request::Entity, _>(
        tx,
        Some(actor),
        row,
        LeaveRequestState::past(action),
        |am| {
            am.status = Set(to.db().into());
            change(am);
        },
    )
    .await
}

/// Locks a request's employee, then the request.
async fn lock(
    tx: &TenantTx,
    id: Uuid,
) -> AppResult<Option<(employee::Model, leave_request::Model)>> {
    let Some(peek) = tx.get::<leave_request::Entity>(id).await? else {
        return Ok(None);
    };
    let Some(emp) = super::lock_employee(tx, peek.employee_id).await? else {
        return Ok(None);
    };
    Ok(tx
        .get_for_update::<leave_request::Entity>(id)
        .await?
        .map(|r| (emp, r)))
}

/// The requester's (or HR's) transitions: submit, cancel or reopen.
pub async fn act(
    tx: &TenantTx,
    actor: Uuid,
    manage: bool,
    id: Uuid,
    expected_version: i32,
    action: LeaveRequestAction,
    reason: Option<&str>,
) -> AppResult<Checked<leave_request::Model>> {
    let Some((emp, row)) = lock(tx, id).await? else {
        return Ok(refuse("id", E::NotFound, "no such leave request"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.requester_user_id != actor && !manage {
        return Ok(refuse(
            "id",
            E::NotRequester,
            "only the requester or HR moves a leave request",
        ));
    }
    let was = state(&row);
    if let Err(e) = transition::<_, E>(was, action) {
        return Ok(Err(vec![e]));
    }
    match action {
        LeaveRequestAction::Submit => {
            let Some(lt) = tx.get::<leave_type::Entity>(row.leave_type_id).await? else {
                return Ok(refuse("leaveTypeId", E::NotFound, "no such leave type"));
            };
            let terms = Terms {
                leave_type: &lt,
                from: row.from_date,
                to: row.to_date,
                half: LeaveHalf::from_db(&row.half),
            };
            let days = match check(tx, &emp, &terms, Some(row.id)).await? {
                Ok(d) => d,
                Err(e) => return Ok(Err(e)),
            };
            let facts = Facts {
                document_type: "LeaveRequest",
                document_id: row.id,
                document_number: Some(row.number.clone()),
                requester: row.requester_user_id,
                amount: days,
                currency: "DAY".into(),
                cost_centre_id: None,
                org_unit_id: emp.org_unit_id,
                category: Some(lt.code.clone()),
                due_on: Some(row.from_date),
            };
            let (_, outcome) = match approvals::submit(tx, &facts).await? {
                Ok(done) => done,
                Err(e) => return Ok(Err(super::from_approvals(e))),
            };
            let submitted = apply(tx, actor, &row, action, |am| {
                am.days = Set(days);
                am.submitted_at = Set(Some(Utc::now()));
            })
            .await?;
            if outcome == Outcome::Approved {
                return Ok(Ok(approve(tx, actor, &submitted).await?));
            }
            Ok(Ok(submitted))
        }
        LeaveRequestAction::Cancel => {
            if was == LeaveRequestState::Approved {
                if super::payroll::paid_on(tx, row.employee_id, row.from_date, row.to_date).await? {
                    return Ok(refuse(
                        "id",
                        E::Locked,
                        "the leave was paid by a payroll run; cancel the run first",
                    ));
                }
                let today = super::today(&super::settings(tx).await?);
                if !manage && row.from_date <= today {
                    return Ok(refuse(
                        "id",
                        E::Locked,
                        "leave that has begun is cancelled by HR",
                    ));
                }
            }
            if was == LeaveRequestState::ToApprove {
                approvals::withdraw(tx, actor, "LeaveRequest", row.id, reason).await?;
            }
            if was == LeaveRequestState::Approved {
                give_back(tx, &row).await?;
            }
            Ok(Ok(apply(tx, actor, &row, action, |_| {}).await?))
        }
        _ => Ok(Ok(apply(tx, actor, &row, action, |_| {}).await?)),
    }
}

/// Approves: the days are taken from the allocations that expire first.
async fn approve(
    tx: &TenantTx,
    actor: Uuid,
    row: &leave_request::Model,
) -> AppResult<leave_request::Model> {
    let lt = tx
        .get::<leave_type::Entity>(row.leave_type_id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a leave type vanished")))?;
    if lt.requires_allocation {
        let p = pool(
            tx,
            row.employee_id,
            lt.id,
            row.from_date,
            row.to_date,
            Some(row.id),
        )
        .await?;
        let mut left = row.days;
        let mut draws: Vec<(Option<Uuid>, Decimal)> = Vec::new();
        for (a, remaining) in &p.allocations {
            if left <= Decimal::ZERO {
                break;
            }
            let take = left.min(*remaining);
            if take > Decimal::ZERO {
                draws.push((Some(a.id), take));
                left -= take;
            }
        }
        if left > Decimal::ZERO {
            // Beyond every allocation: a type that allows a negative balance (or an allocation
            // shortened since submission) carries it unassigned.
            draws.push((None, left));
        }
        for (allocation, days) in draws {
            ledger(tx, row, allocation, -days, "taken").await?;
        }
    }
    // Days already validated as absent are the leave's now, so payroll does not count them
    // twice (once from the balance, once as an absence).
    use attendance_day::Column as A;
    let absences = tx
        .all(tx.select::<attendance_day::Entity>().refine(|q| {
            q.filter(A::EmployeeId.eq(row.employee_id))
                .filter(A::WorkDate.between(row.from_date, row.to_date))
                .filter(A::Status.eq("absent"))
        }))
        .await?;
    for r in absences {
        crate::services::workflow::advance::<attendance_day::Entity, _>(
            tx,
            tx.actor().id,
            &r,
            "on_leave",
            |am| {
                am.status = Set("on_leave".into());
            },
        )
        .await?;
    }
    apply(tx, actor, row, LeaveRequestAction::Approve, |_| {}).await
}

async fn ledger(
    tx: &TenantTx,
    row: &leave_request::Model,
    allocation: Option<Uuid>,
    days: Decimal,
    kind: &str,
) -> AppResult<()> {
    let mut am = leave_ledger_entry::ActiveModel {
        employee_id: Set(row.employee_id),
        leave_type_id: Set(row.leave_type_id),
        allocation_id: Set(allocation),
        leave_request_id: Set(row.id),
        on_date: Set(super::today(&super::settings(tx).await?)),
        days: Set(days),
        kind: Set(kind.into()),
        archived_at: Set(None),
        ..Default::default()
    };
    crate::graphql::resource::stamp_new::<leave_ledger_entry::Entity>(&mut am, tx.actor().id)?;
    tx.insert::<leave_ledger_entry::Entity, _>(am).await?;
    Ok(())
}

/// Gives approved leave back: reversal entries, and the days' attendance reopened (the rows
/// validation wrote as on leave are removed, so the next validation decides them again).
async fn give_back(tx: &TenantTx, row: &leave_request::Model) -> AppResult<()> {
    use leave_ledger_entry::Column as L;
    let taken = tx
        .all(
            tx.select::<leave_ledger_entry::Entity>()
                .refine(|q| q.filter(L::LeaveRequestId.eq(row.id))),
        )
        .await?;
    for e in taken.iter().filter(|e| e.kind == "taken") {
        ledger(tx, row, e.allocation_id, -e.days, "reversal").await?;
    }
    use attendance_day::Column as A;
    let range = Condition::all()
        .add(A::EmployeeId.eq(row.employee_id))
        .add(A::WorkDate.between(row.from_date, row.to_date));
    tx.delete_where::<attendance_day::Entity>(
        range
            .clone()
            .add(A::Status.eq("on_leave"))
            .add(A::Source.eq("validation")),
    )
    .await?;
    let rows = tx
        .all(
            tx.select::<attendance_day::Entity>()
                .refine(|q| q.filter(range).filter(A::Validated.eq(true))),
        )
        .await?;
    for r in rows {
        crate::services::workflow::advance::<attendance_day::Entity, _>(
            tx,
            tx.actor().id,
            &r,
            "reopened",
            |am| {
                am.validated = Set(false);
            },
        )
        .await?;
    }
    Ok(())
}

/// Moves a request on when its approval completes (called by `approvals::decide_document`).
pub async fn on_decided(tx: &TenantTx, actor: Uuid, id: Uuid, outcome: Outcome) -> AppResult<()> {
    let Some((_, row)) = lock(tx, id).await? else {
        return Err(AppError::internal(anyhow::anyhow!(
            "a decided leave request vanished"
        )));
    };
    match outcome {
        Outcome::Pending => Ok(()),
        Outcome::Approved => approve(tx, actor, &row).await.map(|_| ()),
        Outcome::Rejected => apply(tx, actor, &row, LeaveRequestAction::Reject, |_| {})
            .await
            .map(|_| ()),
    }
}

/// Days of statutory annual leave (年次有給休暇, LSA art. 39) granted after a length of service
/// in months, for full-time employees: 10 days at six months, then 11, 12, 14, 16, 18 and 20
/// days each following year. `None` before six months.
pub fn statutory_days(months_of_service: u32) -> Option<u32> {
    match months_of_service {
        0..6 => None,
        6..18 => Some(10),
        18..30 => Some(11),
        30..42 => Some(12),
        42..54 => Some(14),
        54..66 => Some(16),
        66..78 => Some(18),
        _ => Some(20),
    }
}

/// Grants the statutory annual leave due by a date: for every employee who has not left, each
/// grant date (six months after hire, then yearly) up to the date whose two-year validity has
/// not run out and that has no statutory allocation yet. Attendance of at least 80 % is assumed
/// (the attendance records cannot show it for days before the system). Returns the number of
/// allocations written.
pub async fn accrue(
    tx: &TenantTx,
    actor: Uuid,
    as_of: Option<NaiveDate>,
) -> AppResult<Checked<i32>> {
    let today = super::today(&super::settings(tx).await?);
    let as_of = as_of.unwrap_or(today);
    if as_of > today {
        return Ok(refuse(
            "asOf",
            E::FutureDate,
            "leave is granted once earned",
        ));
    }
    let Some(lt) = tx
        .one(tx.select::<leave_type::Entity>().refine(|q| {
            q.filter(leave_type::Column::StatutoryAccrual.eq(true))
                .filter(leave_type::Column::ArchivedAt.is_null())
                .order_by_asc(leave_type::Column::Code)
        }))
        .await?
    else {
        return Ok(refuse(
            "",
            E::NotFound,
            "no leave type has statutory accrual",
        ));
    };
    let employees = tx
        .all(tx.select::<employee::Entity>().refine(|q| {
            q.filter(employee::Column::Status.ne("left"))
                .filter(employee::Column::HireDate.lte(as_of))
        }))
        .await?;
    let mut written = 0;
    for emp in employees {
        // Two accruals at once grant each day once: the second waits and sees the first's rows.
        super::lock_employee(tx, emp.id).await?;
        use leave_allocation::Column as A;
        let existing: std::collections::BTreeSet<NaiveDate> = tx
            .all(tx.select::<leave_allocation::Entity>().refine(|q| {
                q.filter(A::EmployeeId.eq(emp.id))
                    .filter(A::LeaveTypeId.eq(lt.id))
                    .filter(A::Source.eq("statutory"))
            }))
            .await?
            .into_iter()
            .map(|a| a.valid_from)
            .collect();
        let mut months = 6u32;
        while let Some(grant) = emp.hire_date.checked_add_months(Months::new(months)) {
            if grant > as_of {
                break;
            }
            let valid_to = grant
                .checked_add_months(Months::new(24))
                .and_then(|d| d.pred_opt())
                .unwrap_or(grant);
            if valid_to >= as_of
                && !existing.contains(&grant)
                && let Some(days) = statutory_days(months)
            {
                let mut am = leave_allocation::ActiveModel {
                    employee_id: Set(emp.id),
                    leave_type_id: Set(lt.id),
                    valid_from: Set(grant),
                    valid_to: Set(valid_to),
                    days: Set(Decimal::from(days)),
                    source: Set("statutory".into()),
                    note: Set(Some(format!(
                        "Statutory grant after {} years {} months of service",
                        months / 12,
                        months % 12
                    ))),
                    archived_at: Set(None),
                    ..Default::default()
                };
                crate::graphql::resource::stamp_new::<leave_allocation::Entity>(
                    &mut am,
                    Some(actor),
                )?;
                tx.insert::<leave_allocation::Entity, _>(am).await?;
                written += 1;
            }
            months += 12;
        }
    }
    Ok(Ok(written))
}
