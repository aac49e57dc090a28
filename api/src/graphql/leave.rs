//! Leave in the schema: requests (approved through the generic `approve`/`reject`),
//! balances, and the statutory accrual of annual leave.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::hr::{leave_request, leave_type};
use entity::org::employee;

use crate::auth::Permission;
use crate::error::{GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, load_one, settle};
use crate::graphql::hr::LeaveType;
use crate::graphql::listing::{DateFilter, IdFilter, TextFilter};
use crate::graphql::org::Employee;
use crate::graphql::scalars::Decimal;
use crate::services::hr::leave::{
    self, LeaveBalance, LeaveRequestAction, LeaveRequestState, NewLeave, state,
};
use crate::services::hr::{HrErrorCode, refuse};
use crate::services::workflow::StateMachine;
use crate::{db_enum, enum_filter, filter_input, list_query, node_object, order_field};

db_enum! {
    /// Whether a leave request is for a half day.
    LeaveHalf {
        /// Whole days.
        None = "none",
        /// The morning of one day.
        Am = "am",
        /// The afternoon of one day.
        Pm = "pm",
    }
}

enum_filter!(LeaveRequestState);

node_object! {
    /// A request for leave, approved through the workflow kernel (rules for `LeaveRequest`,
    /// amount = days, category = the leave type's code). HR (`VIEW_ATTENDANCE`) reads all; an
    /// employee reads their own; approvers read the ones they are asked about.
    LeaveRequest(leave_request) {
        /// Gapless per tenant, e.g. `LV-2026-000001`.
        async fn number(&self) -> &str {
            &self.0.number
        }
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            Ok(load_one::<employee::Entity>(ctx, Some(self.0.employee_id)).await?.map(Employee))
        }
        /// The requester: the employee's user (or HR's, for someone without one).
        async fn requester_user_id(&self) -> uuid::Uuid {
            self.0.requester_user_id
        }
        /// The leave type.
        async fn leave_type(&self, ctx: &Context<'_>) -> GqlResult<Option<LeaveType>> {
            Ok(load_one::<leave_type::Entity>(ctx, Some(self.0.leave_type_id)).await?.map(LeaveType))
        }
        /// First day.
        async fn from_date(&self) -> NaiveDate {
            self.0.from_date
        }
        /// Last day.
        async fn to_date(&self) -> NaiveDate {
            self.0.to_date
        }
        /// Whole days or a half.
        async fn half(&self) -> LeaveHalf {
            LeaveHalf::from_db(&self.0.half)
        }
        /// Working days taken.
        async fn days(&self) -> Decimal {
            Decimal(self.0.days.normalize())
        }
        /// Why.
        async fn reason(&self) -> Option<&str> {
            self.0.reason.as_deref()
        }
        /// Where it is.
        async fn status(&self) -> LeaveRequestState {
            state(&self.0)
        }
        /// The transitions allowed from the current status.
        async fn allowed_actions(&self) -> List<LeaveRequestAction> {
            List(state(&self.0).allowed())
        }
        /// When it was last submitted.
        async fn submitted_at(&self) -> Option<DateTime<Utc>> {
            self.0.submitted_at
        }
    }
}

filter_input! {
    /// Conditions on leave requests.
    LeaveRequestFilter for leave_request {
        /// The number.
        number: TextFilter => Number,
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The leave type.
        leave_type: IdFilter => LeaveTypeId ref leave_type::Entity,
        /// The status.
        status: LeaveRequestStateFilter => Status,
        /// First day.
        from_date: DateFilter => FromDate,
        /// Last day.
        to_date: DateFilter => ToDate,
    }
}

order_field! {
    /// What leave requests can be sorted by.
    LeaveRequest for leave_request {
        /// The number.
        Number => Number,
        /// First day.
        FromDate => FromDate,
    }
}

list_query! {
    entity: leave_request::Entity, node: LeaveRequest, many: leave_requests,
    what: "leave request",
    needs: [ "`VIEW_ATTENDANCE` (or `SUBMIT_REQUESTS` for one's own)" ],
    query: LeaveRequestListQuery,
}

/// A new leave request (a draft).
#[derive(InputObject)]
pub struct CreateLeaveRequestInput {
    /// The employee (default: your own record); someone else's needs `MANAGE_ATTENDANCE`.
    pub employee_id: Option<ID>,
    /// The leave type.
    pub leave_type_id: ID,
    /// First day.
    pub from_date: NaiveDate,
    /// Last day (the same day for a half day).
    pub to_date: NaiveDate,
    /// A half day (default `NONE`).
    pub half: Option<LeaveHalf>,
    /// Why, at most 1000 characters.
    pub reason: Option<String>,
}

/// Which leave request to move, at which version.
#[derive(InputObject)]
pub struct LeaveRequestTransitionInput {
    /// The request.
    pub id: ID,
    /// The version read; a stale one fails with `CONFLICT`.
    pub expected_version: i32,
    /// Why (kept with a cancellation).
    pub reason: Option<String>,
}

/// The result of a leave request mutation.
#[derive(SimpleObject)]
pub struct LeaveRequestPayload {
    /// The request; `null` when there are errors.
    pub leave_request: Option<LeaveRequest>,
    /// What was wrong (balance and approval problems alike); nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The result of the statutory accrual.
#[derive(SimpleObject)]
pub struct AccrueLeavePayload {
    /// Allocations written; `null` when there are errors.
    pub granted: Option<i32>,
    /// What was wrong.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The leave queries.
#[derive(Default)]
pub struct LeaveReadQuery;

#[Object]
impl LeaveReadQuery {
    /// One leave request by id (HR, or its employee).
    async fn leave_request(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<LeaveRequest>> {
        Ok(crate::graphql::resource::get::<leave_request::Entity>(ctx, &id).await?)
    }

    /// An employee's leave balances on a day, one per leave type with allocations (default:
    /// your own, today). Someone else's needs `VIEW_ATTENDANCE`.
    async fn leave_balances(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The employee (default: your own record).")] employee_id: Option<ID>,
        #[graphql(desc = "The day (default: today).")] on: Option<NaiveDate>,
    ) -> GqlResult<Vec<LeaveBalance>> {
        let session = ctx.authorize(Permission::SubmitRequests)?;
        let Ok(employee) = crate::graphql::attendance::whose(
            session,
            employee_id.as_ref(),
            Permission::ViewAttendance,
        )
        .await?
        else {
            return Ok(Vec::new());
        };
        let on = on.unwrap_or_else(|| Utc::now().date_naive());
        Ok(session
            .db
            .read(async |tx| {
                if tx.get::<employee::Entity>(employee).await?.is_none() {
                    return Ok(Vec::new());
                }
                leave::balances(tx, employee, on)
                    .await
                    .map_err(crate::graphql::core::db_err)
            })
            .await?)
    }
}

/// The leave mutations.
#[derive(Default)]
pub struct LeaveWriteMutation;

#[Object]
impl LeaveWriteMutation {
    /// Writes a draft leave request, checked for overlaps, allocations and the balance. Needs
    /// `SUBMIT_REQUESTS` (someone else's: `MANAGE_ATTENDANCE`).
    async fn create_leave_request(
        &self,
        ctx: &Context<'_>,
        input: CreateLeaveRequestInput,
    ) -> GqlResult<LeaveRequestPayload> {
        let session = ctx.authorize(Permission::SubmitRequests)?;
        let manage = session.principal.can(Permission::ManageAttendance);
        let tx = session.begin_write(ctx).await?;
        let employee = input
            .employee_id
            .as_ref()
            .map(|id| GlobalId::decode_for::<employee::Entity>(id).unwrap_or_default());
        let out = match GlobalId::decode_for::<leave_type::Entity>(&input.leave_type_id) {
            None => refuse("leaveTypeId", HrErrorCode::NotFound, "no such leave type"),
            Some(t) => {
                let new = NewLeave {
                    employee,
                    leave_type: t,
                    from: input.from_date,
                    to: input.to_date,
                    half: input.half.unwrap_or(LeaveHalf::None),
                    reason: input.reason.as_deref(),
                };
                leave::create(&tx, session.principal.actor_id, manage, &new).await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(LeaveRequestPayload {
            leave_request: row.map(LeaveRequest),
            errors: List(errors),
        })
    }

    /// Submits a draft for approval (its requester, or `MANAGE_ATTENDANCE`), checked again;
    /// with no approval rule that applies it is approved at once and the days are taken.
    async fn submit_leave_request(
        &self,
        ctx: &Context<'_>,
        input: LeaveRequestTransitionInput,
    ) -> GqlResult<LeaveRequestPayload> {
        leave_action(ctx, input, LeaveRequestAction::Submit).await
    }

    /// Withdraws a request; approved leave gives its days back and reopens its attendance.
    async fn cancel_leave_request(
        &self,
        ctx: &Context<'_>,
        input: LeaveRequestTransitionInput,
    ) -> GqlResult<LeaveRequestPayload> {
        leave_action(ctx, input, LeaveRequestAction::Cancel).await
    }

    /// Takes a rejected or cancelled request back into draft.
    async fn reopen_leave_request(
        &self,
        ctx: &Context<'_>,
        input: LeaveRequestTransitionInput,
    ) -> GqlResult<LeaveRequestPayload> {
        leave_action(ctx, input, LeaveRequestAction::Reopen).await
    }

    /// Grants the statutory annual leave due by a date (default today) to everyone who has not
    /// left: 10 days six months after hire, then 11, 12, 14, 16, 18 and 20 each year, each
    /// valid two years; grants made already are not repeated. Needs `MANAGE_ATTENDANCE`.
    async fn accrue_leave(
        &self,
        ctx: &Context<'_>,
        as_of: Option<NaiveDate>,
    ) -> GqlResult<AccrueLeavePayload> {
        let session = ctx.authorize(Permission::ManageAttendance)?;
        let tx = session.begin_write(ctx).await?;
        let out = leave::accrue(&tx, session.principal.actor_id, as_of).await?;
        let (granted, errors) = settle(tx, out).await?;
        Ok(AccrueLeavePayload {
            granted,
            errors: List(errors),
        })
    }
}

async fn leave_action(
    ctx: &Context<'_>,
    input: LeaveRequestTransitionInput,
    action: LeaveRequestAction,
) -> GqlResult<LeaveRequestPayload> {
    let session = ctx.authorize(Permission::SubmitRequests)?;
    let manage = session.principal.can(Permission::ManageAttendance);
    let tx = session.begin_write(ctx).await?;
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let out = match GlobalId::decode_for::<leave_request::Entity>(&input.id) {
        None => refuse("id", HrErrorCode::NotFound, "no such leave request"),
        Some(_) if reason.is_some_and(|r| r.chars().count() > 1000) => {
            refuse("reason", HrErrorCode::TooLong, "at most 1000 characters")
        }
        Some(id) => {
            leave::act(
                &tx,
                session.principal.actor_id,
                manage,
                id,
                input.expected_version,
                action,
                reason,
            )
            .await?
        }
    };
    let (row, errors) = settle(tx, out).await?;
    Ok(LeaveRequestPayload {
        leave_request: row.map(LeaveRequest),
        errors: List(errors),
    })
}

/// Every leave query.
#[derive(async_graphql::MergedObject, Default)]
pub struct LeaveQuery(LeaveRequestListQuery, LeaveReadQuery);

/// Every leave mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct LeaveMutation(LeaveWriteMutation);
