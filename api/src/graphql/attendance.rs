//! Attendance in the schema: time events from the app and from devices, the one attendance
//! row per employee and day, its manual recording, correction and validation for payroll, and
//! overtime requests under the 36 agreement.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::hr::{attendance_day, overtime_request, time_event, work_schedule};
use entity::org::{employee, org_unit};
use sea_orm::{ColumnTrait, QueryFilter};

use crate::auth::{Permission, PrincipalKind};
use crate::error::{AppResult, GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, Session, load_one, settle};
use crate::graphql::hr::WorkSchedule;
use crate::graphql::listing::{BoolFilter, DateFilter, DateTimeFilter, IdFilter, IntFilter};
use crate::graphql::org::Employee;
use crate::graphql::resource::{ErrorPolicy, Resource};
use crate::services::hr::overtime::{
    self, OvertimeLevel, OvertimeRequestAction, OvertimeRequestState,
};
use crate::services::hr::time::{self, ManualDay, NewEvent, Scope, Validation};
use crate::services::hr::{Checked, HrErrorCode, HrWarning, refuse};
use crate::services::workflow::StateMachine;
use crate::{db_enum, enum_filter, filter_input, list_query, node_object, order_field};

db_enum! {
    /// A check-in or a check-out.
    TimeEventKind {
        /// Check-in.
        In = "in",
        /// Check-out.
        Out = "out",
    }
}
enum_filter!(TimeEventKind);

db_enum! {
    /// Where a time event came from.
    TimeEventSource {
        /// The employee, in the app.
        App = "app",
        /// A time clock or another device, through an API key.
        Device = "device",
        /// Entered by HR for the employee.
        Manual = "manual",
    }
}

db_enum! {
    /// What a day of attendance was.
    AttendanceStatus {
        /// Worked.
        Present = "present",
        /// A working day not worked, without leave.
        Absent = "absent",
        /// Arrived after the start and the grace.
        Late = "late",
        /// Worked less than the half-day threshold.
        HalfDay = "half_day",
        /// On approved leave.
        OnLeave = "on_leave",
        /// Worked remotely.
        Remote = "remote",
        /// Not a working day.
        DayOff = "day_off",
    }
}
enum_filter!(AttendanceStatus);
enum_filter!(OvertimeRequestState);

impl Resource for time_event::Entity {
    type Node = TimeEvent;
    type Filter = TimeEventFilter;
    type Order = TimeEventOrder;
    const VIEW: Permission = Permission::ViewAttendance;
    crate::employee_rows!(time_event, ViewAttendance);
}

impl Resource for attendance_day::Entity {
    type Node = AttendanceDay;
    type Filter = AttendanceDayFilter;
    type Order = AttendanceDayOrder;
    const VIEW: Permission = Permission::ViewAttendance;
    crate::employee_rows!(attendance_day, ViewAttendance);
}

impl Resource for overtime_request::Entity {
    type Node = OvertimeRequest;
    type Filter = OvertimeRequestFilter;
    type Order = OvertimeRequestOrder;
    const VIEW: Permission = Permission::ViewAttendance;
    crate::employee_rows!(overtime_request, ViewAttendance);
}

async fn employee_of(ctx: &Context<'_>, id: uuid::Uuid) -> GqlResult<Option<Employee>> {
    Ok(load_one::<employee::Entity>(ctx, Some(id))
        .await?
        .map(Employee))
}

node_object! {
    /// A check-in or check-out: the raw log attendance is derived from. HR
    /// (`VIEW_ATTENDANCE`) reads all; an employee reads their own.
    TimeEvent(time_event) {
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// In or out.
        async fn kind(&self) -> TimeEventKind {
            TimeEventKind::from_db(&self.0.kind)
        }
        /// When.
        async fn occurred_at(&self) -> DateTime<Utc> {
            self.0.occurred_at
        }
        /// The day it counts for (a check-out counts for the day of its check-in).
        async fn work_date(&self) -> NaiveDate {
            self.0.work_date
        }
        /// Where it came from.
        async fn source(&self) -> TimeEventSource {
            TimeEventSource::from_db(&self.0.source)
        }
        /// Worked remotely.
        async fn remote(&self) -> bool {
            self.0.remote
        }
    }
}

filter_input! {
    /// Conditions on time events.
    TimeEventFilter for time_event {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// In or out.
        kind: TimeEventKindFilter => Kind,
        /// When.
        occurred_at: DateTimeFilter => OccurredAt,
        /// The work date.
        work_date: DateFilter => WorkDate,
    }
}

order_field! {
    /// What time events can be sorted by.
    TimeEvent for time_event {
        /// When.
        OccurredAt => OccurredAt,
        /// The work date.
        WorkDate => WorkDate,
    }
}

list_query! {
    entity: time_event::Entity, node: TimeEvent, many: time_events, what: "time event",
    needs: [ "`VIEW_ATTENDANCE` (or `SUBMIT_REQUESTS` for one's own)" ],
    query: TimeEventListQuery,
}

node_object! {
    /// One employee's attendance on one day (one row per employee and day): derived from time
    /// events or recorded by HR, validated for payroll. HR (`VIEW_ATTENDANCE`) reads all; an
    /// employee reads their own.
    AttendanceDay(attendance_day) {
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// The day.
        async fn work_date(&self) -> NaiveDate {
            self.0.work_date
        }
        /// The schedule of the day (`null` on a day off).
        async fn work_schedule(&self, ctx: &Context<'_>) -> GqlResult<Option<WorkSchedule>> {
            Ok(load_one::<work_schedule::Entity>(ctx, self.0.work_schedule_id).await?.map(WorkSchedule))
        }
        /// What the day was.
        async fn status(&self) -> AttendanceStatus {
            AttendanceStatus::from_db(&self.0.status)
        }
        /// First check-in.
        async fn first_in(&self) -> Option<DateTime<Utc>> {
            self.0.first_in
        }
        /// Last check-out.
        async fn last_out(&self) -> Option<DateTime<Utc>> {
            self.0.last_out
        }
        /// Minutes worked, breaks excluded.
        async fn worked_minutes(&self) -> i32 {
            self.0.worked_minutes
        }
        /// Minutes late.
        async fn late_minutes(&self) -> i32 {
            self.0.late_minutes
        }
        /// Overtime minutes (beyond the prescribed minutes on a working day).
        async fn overtime_minutes(&self) -> i32 {
            self.0.overtime_minutes
        }
        /// Minutes worked on a day off or holiday.
        async fn holiday_minutes(&self) -> i32 {
            self.0.holiday_minutes
        }
        /// Worked remotely.
        async fn remote(&self) -> bool {
            self.0.remote
        }
        /// `events`, `manual` or `validation` (written by validation for a day without one).
        async fn source(&self) -> &str {
            &self.0.source
        }
        /// Validated for payroll: it changes only after `reopenAttendance`.
        async fn validated(&self) -> bool {
            self.0.validated
        }
        /// The reason of the last correction.
        async fn note(&self) -> Option<&str> {
            self.0.note.as_deref()
        }
    }
}

filter_input! {
    /// Conditions on attendance days.
    AttendanceDayFilter for attendance_day {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The day.
        work_date: DateFilter => WorkDate,
        /// The status.
        status: AttendanceStatusFilter => Status,
        /// Validated or not.
        validated: BoolFilter => Validated,
        /// Overtime minutes.
        overtime_minutes: IntFilter => OvertimeMinutes,
    }
}

order_field! {
    /// What attendance days can be sorted by.
    AttendanceDay for attendance_day {
        /// The day.
        WorkDate => WorkDate,
        /// Overtime minutes.
        OvertimeMinutes => OvertimeMinutes,
    }
}

list_query! {
    entity: attendance_day::Entity, node: AttendanceDay, many: attendance_days,
    what: "attendance day",
    needs: [ "`VIEW_ATTENDANCE` (or `SUBMIT_REQUESTS` for one's own)" ],
    query: AttendanceDayListQuery,
}

node_object! {
    /// An advance request to work overtime (残業申請), checked against the 36 agreement. HR
    /// (`VIEW_ATTENDANCE`) reads all; an employee reads their own.
    OvertimeRequest(overtime_request) {
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// Who asked (their user id).
        async fn requester_user_id(&self) -> uuid::Uuid {
            self.0.requester_user_id
        }
        /// The day.
        async fn work_date(&self) -> NaiveDate {
            self.0.work_date
        }
        /// Overtime planned, in minutes.
        async fn planned_minutes(&self) -> i32 {
            self.0.planned_minutes
        }
        /// Why.
        async fn reason(&self) -> &str {
            &self.0.reason
        }
        /// Where it is.
        async fn status(&self) -> OvertimeRequestState {
            overtime::state(&self.0)
        }
        /// The transitions allowed from the current status.
        async fn allowed_actions(&self) -> List<OvertimeRequestAction> {
            List(overtime::state(&self.0).allowed())
        }
        /// Who decided (their user id).
        async fn decided_by(&self) -> Option<uuid::Uuid> {
            self.0.decided_by
        }
        /// When.
        async fn decided_at(&self) -> Option<DateTime<Utc>> {
            self.0.decided_at
        }
    }
}

filter_input! {
    /// Conditions on overtime requests.
    OvertimeRequestFilter for overtime_request {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The day.
        work_date: DateFilter => WorkDate,
        /// The status.
        status: OvertimeRequestStateFilter => Status,
    }
}

order_field! {
    /// What overtime requests can be sorted by.
    OvertimeRequest for overtime_request {
        /// The day.
        WorkDate => WorkDate,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

list_query! {
    entity: overtime_request::Entity, node: OvertimeRequest, many: overtime_requests,
    what: "overtime request",
    needs: [ "`VIEW_ATTENDANCE` (or `SUBMIT_REQUESTS` for one's own)" ],
    query: OvertimeRequestListQuery,
}

/// An employee's overtime in a month against the 36 agreement.
#[derive(SimpleObject)]
pub struct OvertimeSummary {
    /// The first day of the month.
    pub month: NaiveDate,
    /// The first day of the agreement year.
    pub agreement_year_start: NaiveDate,
    /// Overtime minutes in the month.
    pub overtime_minutes: i32,
    /// Holiday-work minutes in the month.
    pub holiday_minutes: i32,
    /// Overtime minutes in the agreement year up to the month.
    pub year_overtime_minutes: i32,
    /// Months of the agreement year past the monthly limit.
    pub months_over_limit: i32,
    /// The highest average of overtime plus holiday work over two to six months ending with
    /// this one, in minutes.
    pub highest_average_minutes: i32,
    /// `OK`, `WARN` or `OVER`.
    pub level: OvertimeLevel,
    /// The limits it is past, in words.
    pub exceeded: crate::graphql::list::List<String>,
    /// Why it warns.
    pub warnings: crate::graphql::list::List<HrWarning>,
}

fn minutes(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl From<overtime::Assessment> for OvertimeSummary {
    fn from(a: overtime::Assessment) -> Self {
        Self {
            month: NaiveDate::default(),
            agreement_year_start: a.year_start,
            overtime_minutes: minutes(a.month_overtime),
            holiday_minutes: minutes(a.month_holiday),
            year_overtime_minutes: minutes(a.year_overtime),
            months_over_limit: minutes(a.months_over_limit),
            highest_average_minutes: minutes(a.highest_average),
            level: a.level,
            exceeded: List(a.exceeded),
            warnings: List(a.warnings),
        }
    }
}

/// The employee a request is about: the one named (needs `permission`) or the caller's own.
pub(crate) async fn whose(
    session: &Session,
    named: Option<&ID>,
    permission: Permission,
) -> AppResult<Result<uuid::Uuid, Vec<InputError<HrErrorCode>>>> {
    let own = session.own_employee().await?;
    match named {
        Some(id) => {
            let Some(e) = GlobalId::decode_for::<employee::Entity>(id) else {
                return Ok(refuse(
                    "employeeId",
                    HrErrorCode::NotFound,
                    "no such employee",
                ));
            };
            if Some(e) != own {
                session.principal.require(permission)?;
            }
            Ok(Ok(e))
        }
        None => match own {
            Some(e) => Ok(Ok(e)),
            None => Ok(refuse(
                "employeeId",
                HrErrorCode::NotLinked,
                "your user has no employee record; name the employee",
            )),
        },
    }
}

/// The attendance queries.
#[derive(Default)]
pub struct AttendanceReadQuery;

#[Object]
impl AttendanceReadQuery {
    /// An employee's overtime in a month against the 36 agreement (default: the caller's own,
    /// this month). Someone else's needs `VIEW_ATTENDANCE`.
    async fn overtime_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The employee (default: your own record).")] employee_id: Option<ID>,
        #[graphql(desc = "Any day of the month (default: today).")] month: Option<NaiveDate>,
    ) -> GqlResult<Option<OvertimeSummary>> {
        let session = ctx.authorize(Permission::SubmitRequests)?;
        let Ok(employee) = whose(session, employee_id.as_ref(), Permission::ViewAttendance).await?
        else {
            return Ok(None);
        };
        let month = crate::services::hr::calendar::month_start(
            month.unwrap_or_else(|| Utc::now().date_naive()),
        );
        let a = session
            .db
            .read(async |tx| {
                // An id from another tenant (or none) answers like a missing employee.
                if tx.get::<employee::Entity>(employee).await?.is_none() {
                    return Ok(None);
                }
                overtime::summary(tx, employee, month)
                    .await
                    .map(Some)
                    .map_err(crate::graphql::core::db_err)
            })
            .await?;
        let Some(a) = a else { return Ok(None) };
        let mut s = OvertimeSummary::from(a);
        s.month = month;
        Ok(Some(s))
    }
}

/// A time event to record.
#[derive(InputObject)]
pub struct TimeEventInput {
    /// The employee (default: your own record). Someone else's needs `RECORD_TIME_EVENTS`.
    pub employee_id: Option<ID>,
    /// The employee by number, for devices that know badges rather than ids (needs
    /// `RECORD_TIME_EVENTS`).
    pub employee_number: Option<String>,
    /// In or out.
    pub kind: TimeEventKind,
    /// When (default now; at most five minutes ahead, seven days back).
    pub occurred_at: Option<DateTime<Utc>>,
    /// Worked remotely (default false).
    pub remote: Option<bool>,
}

/// The result of recording a time event.
#[derive(SimpleObject)]
pub struct TimeEventPayload {
    /// The event; `null` when there are errors. The same event sent twice is stored once and
    /// returned both times.
    pub time_event: Option<TimeEvent>,
    /// What the event means for its day (`DAY_VALIDATED`: the day did not change).
    pub warnings: crate::graphql::list::List<HrWarning>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// One row's result of `recordTimeEvents`.
#[derive(SimpleObject)]
pub struct TimeEventRowResult {
    /// The row's position in the input, from 0.
    pub index: i32,
    /// The event; `null` when not saved.
    pub time_event: Option<TimeEvent>,
    /// Warnings.
    pub warnings: crate::graphql::list::List<HrWarning>,
    /// The row's problems.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The result of `recordTimeEvents`.
#[derive(SimpleObject)]
pub struct TimeEventsPayload {
    /// One result per input row, in input order.
    pub rows: crate::graphql::list::List<TimeEventRowResult>,
    /// How many were saved.
    pub saved: i32,
    /// How many failed.
    pub failed: i32,
}

async fn resolve_event(
    tx: &entity::TenantTx,
    session: &Session,
    input: &TimeEventInput,
) -> AppResult<Checked<NewEvent>> {
    let own = session.own_employee().await?;
    let employee = match (&input.employee_id, &input.employee_number) {
        (Some(_), Some(_)) => {
            return Ok(refuse(
                "employeeId",
                HrErrorCode::Invalid,
                "name the employee by id or by number, not both",
            ));
        }
        (Some(id), None) => match GlobalId::decode_for::<employee::Entity>(id) {
            Some(e) => e,
            None => {
                return Ok(refuse(
                    "employeeId",
                    HrErrorCode::NotFound,
                    "no such employee",
                ));
            }
        },
        (None, Some(number)) => {
            let number = number.trim().to_owned();
            match tx
                .one(
                    tx.select::<employee::Entity>()
                        .refine(|q| q.filter(employee::Column::EmployeeNumber.eq(number))),
                )
                .await?
            {
                Some(e) => e.id,
                None => {
                    return Ok(refuse(
                        "employeeNumber",
                        HrErrorCode::NotFound,
                        "no such employee",
                    ));
                }
            }
        }
        (None, None) => match own {
            Some(e) => e,
            None => {
                return Ok(refuse(
                    "employeeId",
                    HrErrorCode::NotLinked,
                    "your user has no employee record; name the employee",
                ));
            }
        },
    };
    let mine = Some(employee) == own;
    let clock = session.principal.can(Permission::RecordTimeEvents);
    if !mine && !clock {
        session.principal.require(Permission::RecordTimeEvents)?;
    }
    // One's own check-in happens now: a time given by the app may differ by a few minutes (a
    // phone's clock, a retry), not more. Past times are recorded by HR or a time clock.
    if mine
        && !clock
        && let Some(at) = input.occurred_at
        && (at - Utc::now()).num_minutes().abs() > 5
    {
        return Ok(refuse(
            "occurredAt",
            HrErrorCode::Invalid,
            "your own check-ins and check-outs are recorded as they happen; HR records past times",
        ));
    }
    let source = match (session.principal.kind, mine) {
        (PrincipalKind::App, _) => TimeEventSource::Device,
        (PrincipalKind::User, true) => TimeEventSource::App,
        (PrincipalKind::User, false) => TimeEventSource::Manual,
    };
    Ok(Ok(NewEvent {
        employee,
        kind: input.kind,
        at: input.occurred_at.unwrap_or_else(Utc::now),
        remote: input.remote.unwrap_or(false),
        source,
    }))
}

async fn record_one(
    tx: &entity::TenantTx,
    session: &Session,
    input: &TimeEventInput,
) -> AppResult<Checked<(time_event::Model, Vec<HrWarning>)>> {
    let ev = match resolve_event(tx, session, input).await? {
        Ok(ev) => ev,
        Err(e) => return Ok(Err(e)),
    };
    time::record_event(tx, &ev).await
}

/// A day recorded by hand.
#[derive(InputObject)]
pub struct RecordAttendanceInput {
    /// The employee.
    pub employee_id: ID,
    /// The day (not in the future).
    pub work_date: NaiveDate,
    /// What the day was (default: derived from the times).
    pub status: Option<AttendanceStatus>,
    /// First check-in.
    pub first_in: Option<DateTime<Utc>>,
    /// Last check-out.
    pub last_out: Option<DateTime<Utc>>,
    /// Worked remotely.
    pub remote: Option<bool>,
    /// A note, at most 500 characters.
    pub note: Option<String>,
}

/// A correction of a day.
#[derive(InputObject)]
pub struct CorrectAttendanceInput {
    /// The attendance day.
    pub id: ID,
    /// The version read.
    pub expected_version: i32,
    /// What the day was (default: derived from the times).
    pub status: Option<AttendanceStatus>,
    /// First check-in.
    pub first_in: Option<DateTime<Utc>>,
    /// Last check-out.
    pub last_out: Option<DateTime<Utc>>,
    /// Worked remotely.
    pub remote: Option<bool>,
    /// Why it is corrected (required), at most 500 characters.
    pub reason: String,
}

/// The result of recording or correcting a day.
#[derive(SimpleObject)]
pub struct AttendanceDayPayload {
    /// The day; `null` when there are errors.
    pub attendance_day: Option<AttendanceDay>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// A range of days to validate or reopen.
#[derive(InputObject)]
pub struct AttendanceRangeInput {
    /// First day.
    pub from: NaiveDate,
    /// Last day (at most 62 days after `from`; validation: not in the future).
    pub to: NaiveDate,
    /// Only the employees of this unit.
    pub org_unit_id: Option<ID>,
    /// Only these employees.
    pub employee_ids: Option<Vec<ID>>,
}

/// The result of validating or reopening days.
#[derive(SimpleObject)]
pub struct AttendanceValidationPayload {
    /// What was done; `null` when there are errors.
    pub result: Option<Validation>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// A new overtime request.
#[derive(InputObject)]
pub struct RequestOvertimeInput {
    /// The day.
    pub work_date: NaiveDate,
    /// Overtime planned, in minutes (1 to 960).
    pub planned_minutes: i32,
    /// Why, at most 500 characters.
    pub reason: String,
}

/// Which overtime request to decide or withdraw.
#[derive(InputObject)]
pub struct OvertimeDecisionInput {
    /// The request.
    pub id: ID,
    /// The version read.
    pub expected_version: i32,
}

/// The result of an overtime request mutation.
#[derive(SimpleObject)]
pub struct OvertimeRequestPayload {
    /// The request; `null` when there are errors.
    pub overtime_request: Option<OvertimeRequest>,
    /// How the month stands (`OVERTIME_NEAR_LIMIT`, `SPECIAL_CLAUSE_USED`).
    pub warnings: crate::graphql::list::List<HrWarning>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

fn scope(input: &AttendanceRangeInput) -> Scope {
    Scope {
        from: input.from,
        to: input.to,
        // An id that names no unit matches nobody rather than everybody.
        org_unit: input
            .org_unit_id
            .as_ref()
            .map(|id| GlobalId::decode_for::<org_unit::Entity>(id).unwrap_or_default()),
        employees: input.employee_ids.as_ref().map(|ids| {
            ids.iter()
                .filter_map(|id| GlobalId::decode_for::<employee::Entity>(id))
                .collect()
        }),
    }
}

/// The attendance mutations.
#[derive(Default)]
pub struct AttendanceWriteMutation;

#[Object]
impl AttendanceWriteMutation {
    /// Records a check-in or check-out and updates the day's attendance. One's own needs
    /// `SUBMIT_REQUESTS`; anyone's (time clocks, devices) `RECORD_TIME_EVENTS`.
    async fn record_time_event(
        &self,
        ctx: &Context<'_>,
        input: TimeEventInput,
    ) -> GqlResult<TimeEventPayload> {
        let session = ctx.session()?;
        if !session.principal.can(Permission::RecordTimeEvents) {
            session.principal.require(Permission::SubmitRequests)?;
        }
        let tx = session.begin_write(ctx).await?;
        let out = record_one(&tx, session, &input).await?;
        let (row, errors) = settle(tx, out).await?;
        let (event, warnings) = row.map_or((None, Vec::new()), |(e, w)| (Some(TimeEvent(e)), w));
        Ok(TimeEventPayload {
            time_event: event,
            warnings: List(warnings),
            errors: List(errors),
        })
    }

    /// Records up to 100 events in one transaction (a device uploading its buffer), each row in
    /// its own savepoint; the error policy decides what happens to the others when one fails.
    /// Needs `RECORD_TIME_EVENTS`.
    async fn record_time_events(
        &self,
        ctx: &Context<'_>,
        inputs: Vec<TimeEventInput>,
        #[graphql(
            desc = "What to do with the other rows when one fails (default `REJECT_EVERYTHING`)."
        )]
        error_policy: Option<ErrorPolicy>,
    ) -> GqlResult<TimeEventsPayload> {
        let session = ctx.authorize(Permission::RecordTimeEvents)?;
        if inputs.len() > crate::graphql::core::MAX_PAGE {
            return Err(crate::error::AppError::BadRequest(format!(
                "at most {} events at a time",
                crate::graphql::core::MAX_PAGE
            ))
            .into());
        }
        let policy = error_policy.unwrap_or_default();
        let tx = session.begin_write(ctx).await?;
        let mut rows = Vec::with_capacity(inputs.len());
        for (index, input) in inputs.iter().enumerate() {
            let sp = tx.savepoint().await?;
            let index = i32::try_from(index).unwrap_or(i32::MAX);
            match record_one(&sp, session, input).await? {
                Ok((event, warnings)) => {
                    sp.commit().await?;
                    rows.push(TimeEventRowResult {
                        index,
                        time_event: Some(TimeEvent(event)),
                        warnings: List(warnings),
                        errors: List::default(),
                    });
                }
                Err(errors) => {
                    sp.rollback().await?;
                    rows.push(TimeEventRowResult {
                        index,
                        time_event: None,
                        warnings: List::default(),
                        errors: List(errors),
                    });
                }
            }
        }
        let failed = rows.iter().filter(|r| r.time_event.is_none()).count();
        if failed > 0 && policy == ErrorPolicy::RejectEverything {
            tx.rollback().await?;
            for r in rows.iter_mut().filter(|r| r.time_event.is_some()) {
                r.time_event = None;
                r.errors.push(InputError::new(
                    "",
                    HrErrorCode::NotSaved,
                    "not saved: another row failed and the error policy is REJECT_EVERYTHING",
                ));
            }
            return Ok(TimeEventsPayload {
                saved: 0,
                failed: i32::try_from(failed).unwrap_or(i32::MAX),
                rows: List(rows),
            });
        }
        tx.commit().await?;
        Ok(TimeEventsPayload {
            saved: i32::try_from(rows.len() - failed).unwrap_or(i32::MAX),
            failed: i32::try_from(failed).unwrap_or(i32::MAX),
            rows: List(rows),
        })
    }

    /// Records a day by hand (`DUPLICATE` when it has a row; correct it instead). Needs
    /// `MANAGE_ATTENDANCE`.
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        input: RecordAttendanceInput,
    ) -> GqlResult<AttendanceDayPayload> {
        let session = ctx.authorize(Permission::ManageAttendance)?;
        let tx = session.begin_write(ctx).await?;
        let day = ManualDay {
            status: input.status,
            first_in: input.first_in,
            last_out: input.last_out,
            remote: input.remote.unwrap_or(false),
            note: input.note.as_deref(),
        };
        let out = match GlobalId::decode_for::<employee::Entity>(&input.employee_id) {
            None => refuse("employeeId", HrErrorCode::NotFound, "no such employee"),
            Some(e) => time::record_day(&tx, e, input.work_date, &day).await?,
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(AttendanceDayPayload {
            attendance_day: row.map(AttendanceDay),
            errors: List(errors),
        })
    }

    /// Corrects a day that is not validated, with a reason. Needs `MANAGE_ATTENDANCE`.
    async fn correct_attendance(
        &self,
        ctx: &Context<'_>,
        input: CorrectAttendanceInput,
    ) -> GqlResult<AttendanceDayPayload> {
        let session = ctx.authorize(Permission::ManageAttendance)?;
        let tx = session.begin_write(ctx).await?;
        let day = ManualDay {
            status: input.status,
            first_in: input.first_in,
            last_out: input.last_out,
            remote: input.remote.unwrap_or(false),
            note: Some(&input.reason),
        };
        let out = match GlobalId::decode_for::<attendance_day::Entity>(&input.id) {
            None => refuse("id", HrErrorCode::NotFound, "no such attendance day"),
            Some(id) => time::correct_day(&tx, id, input.expected_version, &day).await?,
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(AttendanceDayPayload {
            attendance_day: row.map(AttendanceDay),
            errors: List(errors),
        })
    }

    /// Validates a range for payroll: its days are marked validated, and working days without
    /// a row get one (on leave under approved leave, else absent). Needs `MANAGE_ATTENDANCE`.
    async fn validate_attendance(
        &self,
        ctx: &Context<'_>,
        input: AttendanceRangeInput,
    ) -> GqlResult<AttendanceValidationPayload> {
        let session = ctx.authorize(Permission::ManageAttendance)?;
        let tx = session.begin_write(ctx).await?;
        let out = time::validate(&tx, &scope(&input)).await?;
        let (result, errors) = settle(tx, out).await?;
        Ok(AttendanceValidationPayload {
            result,
            errors: List(errors),
        })
    }

    /// Reopens validated days so they can be corrected. Needs `MANAGE_ATTENDANCE`.
    async fn reopen_attendance(
        &self,
        ctx: &Context<'_>,
        input: AttendanceRangeInput,
    ) -> GqlResult<AttendanceValidationPayload> {
        let session = ctx.authorize(Permission::ManageAttendance)?;
        let tx = session.begin_write(ctx).await?;
        let out = time::reopen(&tx, &scope(&input)).await?;
        let (result, errors) = settle(tx, out).await?;
        Ok(AttendanceValidationPayload {
            result,
            errors: List(errors),
        })
    }

    /// Asks to work overtime on a day (for one's own employee record). A request that would
    /// break the 36 agreement is `OVERTIME_LIMIT_EXCEEDED`; one near a limit warns. Needs
    /// `SUBMIT_REQUESTS`.
    async fn request_overtime(
        &self,
        ctx: &Context<'_>,
        input: RequestOvertimeInput,
    ) -> GqlResult<OvertimeRequestPayload> {
        let session = ctx.authorize(Permission::SubmitRequests)?;
        let tx = session.begin_write(ctx).await?;
        let out = match session.own_employee().await? {
            None => refuse(
                "",
                HrErrorCode::NotLinked,
                "your user has no employee record",
            ),
            Some(e) => {
                overtime::request(
                    &tx,
                    session.principal.actor_id,
                    e,
                    input.work_date,
                    input.planned_minutes,
                    &input.reason,
                )
                .await?
            }
        };
        overtime_payload(tx, out).await
    }

    /// Approves an overtime request (the employee's manager or `MANAGE_ATTENDANCE`, never the
    /// requester), checked again against the agreement.
    async fn approve_overtime_request(
        &self,
        ctx: &Context<'_>,
        input: OvertimeDecisionInput,
    ) -> GqlResult<OvertimeRequestPayload> {
        overtime_action(ctx, input, OvertimeRequestAction::Approve).await
    }

    /// Rejects an overtime request (the employee's manager or `MANAGE_ATTENDANCE`).
    async fn reject_overtime_request(
        &self,
        ctx: &Context<'_>,
        input: OvertimeDecisionInput,
    ) -> GqlResult<OvertimeRequestPayload> {
        overtime_action(ctx, input, OvertimeRequestAction::Reject).await
    }

    /// Withdraws an overtime request (its requester, or `MANAGE_ATTENDANCE`).
    async fn cancel_overtime_request(
        &self,
        ctx: &Context<'_>,
        input: OvertimeDecisionInput,
    ) -> GqlResult<OvertimeRequestPayload> {
        overtime_action(ctx, input, OvertimeRequestAction::Cancel).await
    }
}

async fn overtime_payload(
    tx: entity::TenantTx,
    out: Checked<(overtime_request::Model, Vec<HrWarning>)>,
) -> GqlResult<OvertimeRequestPayload> {
    let (row, errors) = settle(tx, out).await?;
    let (request, warnings) =
        row.map_or((None, Vec::new()), |(r, w)| (Some(OvertimeRequest(r)), w));
    Ok(OvertimeRequestPayload {
        overtime_request: request,
        warnings: List(warnings),
        errors: List(errors),
    })
}

async fn overtime_action(
    ctx: &Context<'_>,
    input: OvertimeDecisionInput,
    action: OvertimeRequestAction,
) -> GqlResult<OvertimeRequestPayload> {
    let session = ctx.authorize(Permission::SubmitRequests)?;
    let manage = session.principal.can(Permission::ManageAttendance);
    let tx = session.begin_write(ctx).await?;
    let out = match GlobalId::decode_for::<overtime_request::Entity>(&input.id) {
        None => refuse("id", HrErrorCode::NotFound, "no such overtime request"),
        Some(id) => {
            overtime::decide(
                &tx,
                session.principal.actor_id,
                manage,
                id,
                input.expected_version,
                action,
            )
            .await?
        }
    };
    overtime_payload(tx, out).await
}

/// Every attendance query.
#[derive(async_graphql::MergedObject, Default)]
pub struct AttendanceQuery(
    TimeEventListQuery,
    AttendanceDayListQuery,
    OvertimeRequestListQuery,
    AttendanceReadQuery,
);

/// Every attendance mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct AttendanceMutation(AttendanceWriteMutation);
