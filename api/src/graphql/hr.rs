//! HR records in the schema: work schedules, holidays, leave types and allocations (plain
//! resources), employment contracts (a resource with its transitions) and the HR settings.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{NaiveDate, NaiveTime};
use entity::hr::{employment_contract, holiday, leave_allocation, leave_type, work_schedule};
use entity::org::employee;

use crate::auth::Permission;
use crate::error::{GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, load_one, settle};
use crate::graphql::listing::{BoolFilter, DateFilter, IdFilter, TextFilter};
use crate::graphql::org::Employee;
use crate::graphql::scalars::Decimal;
use crate::services::hr::HrErrorCode;
use crate::services::hr::contracts::{
    self, EmploymentContractAction, EmploymentContractState, state,
};
use crate::services::workflow::StateMachine;
use crate::{db_enum, enum_filter, filter_input, node_object, order_field, resource};

/// The employee a row is about.
pub(crate) async fn employee_of(ctx: &Context<'_>, id: uuid::Uuid) -> GqlResult<Option<Employee>> {
    Ok(load_one::<employee::Entity>(ctx, Some(id))
        .await?
        .map(Employee))
}

node_object! {
    /// A work schedule (a shift): the hours of a working day, its break, the grace before an
    /// arrival is late, and the weekdays it applies on. Needs `VIEW_ATTENDANCE`.
    WorkSchedule(work_schedule) {
        /// Unique code, e.g. `DAY`.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// Start of the working day (local time).
        async fn start_time(&self) -> NaiveTime {
            self.0.start_time
        }
        /// End of the working day (local time; before the start for a night shift).
        async fn end_time(&self) -> NaiveTime {
            self.0.end_time
        }
        /// Unpaid break in minutes.
        async fn break_minutes(&self) -> i32 {
            self.0.break_minutes
        }
        /// Prescribed working minutes (所定労働時間); more is overtime.
        async fn daily_minutes(&self) -> i32 {
            self.0.daily_minutes
        }
        /// Minutes after the start before an arrival counts as late.
        async fn grace_minutes(&self) -> i32 {
            self.0.grace_minutes
        }
        /// Worked minutes under which a day is a half day.
        async fn half_day_minutes(&self) -> i32 {
            self.0.half_day_minutes
        }
        /// ISO weekdays it applies on: 1 (Monday) to 7 (Sunday).
        async fn weekdays(&self) -> List<i32> {
            self.0.weekdays.chars().filter_map(|c| c.to_digit(10)).map(|d| d as i32).collect()
        }
    }
}

filter_input! {
    /// Conditions on work schedules.
    WorkScheduleFilter for work_schedule {
        /// The code.
        code: TextFilter => Code,
        /// The name.
        name: TextFilter => Name,
    }
}

order_field! {
    /// What work schedules can be sorted by.
    WorkSchedule for work_schedule {
        /// The code.
        Code => Code,
        /// The name.
        Name => Name,
    }
}

/// A new work schedule.
#[derive(InputObject)]
pub struct CreateWorkScheduleInput {
    /// Unique code, at most 30 characters.
    pub code: String,
    /// Name, at most 200 characters.
    pub name: String,
    /// Start of the working day.
    pub start_time: NaiveTime,
    /// End of the working day.
    pub end_time: NaiveTime,
    /// Unpaid break in minutes (default 60).
    pub break_minutes: Option<i32>,
    /// Prescribed minutes (default: the span less the break).
    pub daily_minutes: Option<i32>,
    /// Grace before late, 0 to 120 minutes (default 0).
    pub grace_minutes: Option<i32>,
    /// Under this many worked minutes a day is a half day (default half the daily minutes).
    pub half_day_minutes: Option<i32>,
    /// ISO weekdays, 1 (Monday) to 7 (default Monday to Friday).
    pub weekdays: Option<Vec<i32>>,
}

/// Changes to a work schedule (they apply to days computed from now on).
#[derive(InputObject)]
pub struct WorkSchedulePatch {
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New start.
    pub start_time: Option<NaiveTime>,
    /// New end.
    pub end_time: Option<NaiveTime>,
    /// New break.
    pub break_minutes: Option<i32>,
    /// New prescribed minutes.
    pub daily_minutes: Option<i32>,
    /// New grace.
    pub grace_minutes: Option<i32>,
    /// New half-day threshold.
    pub half_day_minutes: Option<i32>,
    /// New weekdays.
    pub weekdays: Option<Vec<i32>>,
}

resource! {
    entity: work_schedule::Entity, node: WorkSchedule, one: work_schedule, many: work_schedules,
    what: "work schedule", view: ViewAttendance, manage: ManageAttendance,
    query: WorkScheduleQuery, mutation: WorkScheduleMutation,
}

node_object! {
    /// A public or company holiday: a working day for nobody. Everyone who may submit requests
    /// reads the calendar.
    Holiday(holiday) {
        /// The day.
        async fn date(&self) -> NaiveDate {
            self.0.date
        }
        /// Its name.
        async fn name(&self) -> &str {
            &self.0.name
        }
    }
}

filter_input! {
    /// Conditions on holidays.
    HolidayFilter for holiday {
        /// The day.
        date: DateFilter => Date,
        /// The name.
        name: TextFilter => Name,
    }
}

order_field! {
    /// What holidays can be sorted by.
    Holiday for holiday {
        /// The day.
        Date => Date,
    }
}

/// A new holiday.
#[derive(InputObject)]
pub struct CreateHolidayInput {
    /// The day (one holiday a day).
    pub date: NaiveDate,
    /// Its name, at most 200 characters.
    pub name: String,
}

/// Changes to a holiday.
#[derive(InputObject)]
pub struct HolidayPatch {
    /// New day.
    pub date: Option<NaiveDate>,
    /// New name.
    pub name: Option<String>,
}

resource! {
    entity: holiday::Entity, node: Holiday, one: holiday, many: holidays,
    what: "holiday", view: SubmitRequests, manage: ManageAttendance,
    query: HolidayQuery, mutation: HolidayMutation,
}

node_object! {
    /// A kind of leave: annual paid leave, unpaid leave, special leave. Everyone who may submit
    /// requests reads the types.
    LeaveType(leave_type) {
        /// Unique code, e.g. `ANNUAL`.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// Paid leave (payroll does not deduct it).
        async fn paid(&self) -> bool {
            self.0.paid
        }
        /// Taken only from allocations (with a balance).
        async fn requires_allocation(&self) -> bool {
            self.0.requires_allocation
        }
        /// The balance may go below zero.
        async fn allow_negative(&self) -> bool {
            self.0.allow_negative
        }
        /// Half days (morning or afternoon) may be requested.
        async fn half_day_allowed(&self) -> bool {
            self.0.half_day_allowed
        }
        /// At most this many days in one request.
        async fn max_consecutive_days(&self) -> Option<i32> {
            self.0.max_consecutive_days
        }
        /// Granted by the statutory schedule (`accrueLeave`).
        async fn statutory_accrual(&self) -> bool {
            self.0.statutory_accrual
        }
    }
}

filter_input! {
    /// Conditions on leave types.
    LeaveTypeFilter for leave_type {
        /// The code.
        code: TextFilter => Code,
        /// The name.
        name: TextFilter => Name,
        /// Paid or not.
        paid: BoolFilter => Paid,
    }
}

order_field! {
    /// What leave types can be sorted by.
    LeaveType for leave_type {
        /// The code.
        Code => Code,
        /// The name.
        Name => Name,
    }
}

/// A new leave type.
#[derive(InputObject)]
pub struct CreateLeaveTypeInput {
    /// Unique code, at most 30 characters.
    pub code: String,
    /// Name, at most 200 characters.
    pub name: String,
    /// Paid (default true).
    pub paid: Option<bool>,
    /// Taken from allocations only (default true; unpaid leave usually needs none).
    pub requires_allocation: Option<bool>,
    /// The balance may go below zero (default false).
    pub allow_negative: Option<bool>,
    /// Half days allowed (default true).
    pub half_day_allowed: Option<bool>,
    /// At most this many days per request.
    pub max_consecutive_days: Option<i32>,
    /// Granted by the statutory schedule (default false; needs allocations).
    pub statutory_accrual: Option<bool>,
}

/// Changes to a leave type (whether it is paid or needs allocations does not change once
/// leave was taken under it; make a new type).
#[derive(InputObject)]
pub struct LeaveTypePatch {
    /// New name.
    pub name: Option<String>,
    /// Whether the balance may go below zero.
    pub allow_negative: Option<bool>,
    /// Whether half days are allowed.
    pub half_day_allowed: Option<bool>,
    /// New limit per request (`null` removes it).
    pub max_consecutive_days: MaybeUndefined<i32>,
}

resource! {
    entity: leave_type::Entity, node: LeaveType, one: leave_type, many: leave_types,
    what: "leave type", view: SubmitRequests, manage: ManageAttendance,
    query: LeaveTypeQuery, mutation: LeaveTypeMutation,
}

node_object! {
    /// Days of a leave type granted to an employee for a validity period. HR
    /// (`VIEW_ATTENDANCE`) reads all; an employee reads their own.
    LeaveAllocation(leave_allocation) {
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// The leave type.
        async fn leave_type(&self, ctx: &Context<'_>) -> GqlResult<Option<LeaveType>> {
            Ok(load_one::<leave_type::Entity>(ctx, Some(self.0.leave_type_id)).await?.map(LeaveType))
        }
        /// First day it can be used.
        async fn valid_from(&self) -> NaiveDate {
            self.0.valid_from
        }
        /// Last day; it expires after.
        async fn valid_to(&self) -> NaiveDate {
            self.0.valid_to
        }
        /// Days granted.
        async fn days(&self) -> Decimal {
            Decimal(self.0.days.normalize())
        }
        /// `manual` or `statutory`.
        async fn source(&self) -> &str {
            &self.0.source
        }
        /// A note.
        async fn note(&self) -> Option<&str> {
            self.0.note.as_deref()
        }
    }
}

filter_input! {
    /// Conditions on leave allocations.
    LeaveAllocationFilter for leave_allocation {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The leave type.
        leave_type: IdFilter => LeaveTypeId ref leave_type::Entity,
        /// First valid day.
        valid_from: DateFilter => ValidFrom,
        /// Last valid day.
        valid_to: DateFilter => ValidTo,
    }
}

order_field! {
    /// What leave allocations can be sorted by.
    LeaveAllocation for leave_allocation {
        /// First valid day.
        ValidFrom => ValidFrom,
        /// Last valid day.
        ValidTo => ValidTo,
    }
}

/// A new leave allocation.
#[derive(InputObject)]
pub struct CreateLeaveAllocationInput {
    /// The employee.
    pub employee_id: ID,
    /// A leave type that needs allocations.
    pub leave_type_id: ID,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day (default two years, the statutory life of annual leave).
    pub valid_to: Option<NaiveDate>,
    /// Days, whole or half.
    pub days: Decimal,
    /// A note, at most 500 characters.
    pub note: Option<String>,
}

/// Changes to a leave allocation.
#[derive(InputObject)]
pub struct LeaveAllocationPatch {
    /// New days (never below what was taken from it).
    pub days: Option<Decimal>,
    /// New last valid day.
    pub valid_to: Option<NaiveDate>,
    /// New note.
    pub note: Option<String>,
}

resource! {
    entity: leave_allocation::Entity, node: LeaveAllocation, one: leave_allocation,
    many: leave_allocations, what: "leave allocation", view: ViewAttendance,
    manage: ManageAttendance, query: LeaveAllocationQuery, mutation: LeaveAllocationMutation,
}

db_enum! {
    /// The kind of an employment contract.
    ContractType {
        /// Indefinite (無期雇用).
        Permanent = "permanent",
        /// Fixed term (有期雇用): has an end date.
        FixedTerm = "fixed_term",
        /// Part time.
        PartTime = "part_time",
        /// Re-employment after retirement (再雇用).
        ReEmployment = "re_employment",
    }
}
enum_filter!(ContractType);

db_enum! {
    /// What the wage of a contract is per.
    WageType {
        /// A monthly salary.
        Monthly = "monthly",
        /// A daily wage.
        Daily = "daily",
        /// An hourly wage.
        Hourly = "hourly",
    }
}

enum_filter!(EmploymentContractState);

node_object! {
    /// An employment contract: type, term, trial period, wage and schedule. At most one per
    /// employee is running. HR (`VIEW_HR`) reads all; an employee reads their own. The wage is
    /// sensitive: `VIEW_PAY` or one's own, and every read is logged.
    EmploymentContract(employment_contract) {
        /// Gapless per tenant, e.g. `EC-2026-00001`.
        async fn number(&self) -> &str {
            &self.0.number
        }
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// The kind of contract.
        async fn contract_type(&self) -> ContractType {
            ContractType::from_db(&self.0.contract_type)
        }
        /// Where it is.
        async fn status(&self) -> EmploymentContractState {
            state(&self.0)
        }
        /// The transitions allowed from the current status.
        async fn allowed_actions(&self) -> List<EmploymentContractAction> {
            List(state(&self.0).allowed())
        }
        /// First day.
        async fn start_date(&self) -> NaiveDate {
            self.0.start_date
        }
        /// Last day (`null`: open-ended).
        async fn end_date(&self) -> Option<NaiveDate> {
            self.0.end_date
        }
        /// Last day of the trial period.
        async fn trial_end(&self) -> Option<NaiveDate> {
            self.0.trial_end
        }
        /// What the wage is per.
        async fn wage_type(&self) -> WageType {
            WageType::from_db(&self.0.wage_type)
        }
        /// The wage. Sensitive: needs `VIEW_PAY` unless it is your own contract; every read is
        /// recorded in the personal-data access log.
        async fn wage(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            let session = ctx.session()?;
            let user = load_one::<employee::Entity>(ctx, Some(self.0.employee_id))
                .await?
                .and_then(|e| e.user_id);
            let text = self.0.wage.to_string();
            let value = crate::services::personal_data::read(
                &session.principal,
                &session.reads,
                Permission::ViewPay,
                "EmploymentContract",
                self.0.id,
                user,
                "wage",
                Some(&text),
            )?;
            Ok(value.map(|_| Decimal(self.0.wage)))
        }
        /// The work schedule.
        async fn work_schedule(&self, ctx: &Context<'_>) -> GqlResult<Option<WorkSchedule>> {
            Ok(load_one::<work_schedule::Entity>(ctx, Some(self.0.work_schedule_id)).await?.map(WorkSchedule))
        }
        /// The contract this one renews.
        async fn renewal_of(&self, ctx: &Context<'_>) -> GqlResult<Option<EmploymentContract>> {
            let Some(id) = self.0.renewal_of_id else { return Ok(None) };
            Ok(crate::graphql::resource::resource_node::<employment_contract::Entity>(ctx, id).await?)
        }
        /// Why it ended.
        async fn end_reason(&self) -> Option<&str> {
            self.0.end_reason.as_deref()
        }
    }
}

filter_input! {
    /// Conditions on employment contracts.
    EmploymentContractFilter for employment_contract {
        /// The number.
        number: TextFilter => Number,
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The status.
        status: EmploymentContractStateFilter => Status,
        /// The kind.
        contract_type: ContractTypeFilter => ContractType,
        /// First day.
        start_date: DateFilter => StartDate,
    }
}

order_field! {
    /// What employment contracts can be sorted by.
    EmploymentContract for employment_contract {
        /// The number.
        Number => Number,
        /// First day.
        StartDate => StartDate,
    }
}

/// A new employment contract (a draft; `startEmploymentContract` puts it in force).
#[derive(InputObject)]
pub struct CreateEmploymentContractInput {
    /// The employee.
    pub employee_id: ID,
    /// The kind of contract.
    pub contract_type: ContractType,
    /// First day (not before the hire date).
    pub start_date: NaiveDate,
    /// Last day (required for a fixed term).
    pub end_date: Option<NaiveDate>,
    /// Last day of the trial period (inside the contract).
    pub trial_end: Option<NaiveDate>,
    /// What the wage is per (default `MONTHLY`).
    pub wage_type: Option<WageType>,
    /// The wage, more than zero, in the base currency.
    pub wage: Decimal,
    /// The work schedule.
    pub work_schedule_id: ID,
    /// The contract this one renews (starting this one ends it the day before).
    pub renewal_of_id: Option<ID>,
}

/// Changes to a draft contract.
#[derive(InputObject)]
pub struct EmploymentContractPatch {
    /// New kind.
    pub contract_type: Option<ContractType>,
    /// New first day.
    pub start_date: Option<NaiveDate>,
    /// New last day (`null` removes it).
    pub end_date: MaybeUndefined<NaiveDate>,
    /// New trial end (`null` removes it).
    pub trial_end: MaybeUndefined<NaiveDate>,
    /// New wage type.
    pub wage_type: Option<WageType>,
    /// New wage.
    pub wage: Option<Decimal>,
    /// New schedule.
    pub work_schedule_id: Option<ID>,
}

resource! {
    entity: employment_contract::Entity, node: EmploymentContract, one: employment_contract,
    many: employment_contracts, what: "employment contract", view: ViewHr, manage: ManageHr,
    query: EmploymentContractQuery, mutation: EmploymentContractMutation,
}

/// Which contract to move, at which version.
#[derive(InputObject)]
pub struct EmploymentContractTransitionInput {
    /// The contract.
    pub id: ID,
    /// The version read; a stale one fails with `CONFLICT`.
    pub expected_version: i32,
    /// The last day (ending only).
    pub end_date: Option<NaiveDate>,
    /// Why it ends (ending only), at most 500 characters.
    pub reason: Option<String>,
}

/// The result of a contract transition.
#[derive(SimpleObject)]
pub struct EmploymentContractTransitionPayload {
    /// The contract; `null` when there are errors.
    pub employment_contract: Option<EmploymentContract>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// Employment contract transitions.
#[derive(Default)]
pub struct EmploymentContractFlowMutation;

#[Object]
impl EmploymentContractFlowMutation {
    /// Puts a draft in force. A renewal ends the contract it renews the day before; any other
    /// running contract makes it `CONTRACT_RUNNING`. Needs `MANAGE_HR`.
    async fn start_employment_contract(
        &self,
        ctx: &Context<'_>,
        input: EmploymentContractTransitionInput,
    ) -> GqlResult<EmploymentContractTransitionPayload> {
        contract_action(ctx, input, EmploymentContractAction::Start).await
    }

    /// Ends a running contract on a date, with a reason. Needs `MANAGE_HR`.
    async fn end_employment_contract(
        &self,
        ctx: &Context<'_>,
        input: EmploymentContractTransitionInput,
    ) -> GqlResult<EmploymentContractTransitionPayload> {
        contract_action(ctx, input, EmploymentContractAction::End).await
    }

    /// Drops a draft. Needs `MANAGE_HR`.
    async fn cancel_employment_contract(
        &self,
        ctx: &Context<'_>,
        input: EmploymentContractTransitionInput,
    ) -> GqlResult<EmploymentContractTransitionPayload> {
        contract_action(ctx, input, EmploymentContractAction::Cancel).await
    }
}

async fn contract_action(
    ctx: &Context<'_>,
    input: EmploymentContractTransitionInput,
    action: EmploymentContractAction,
) -> GqlResult<EmploymentContractTransitionPayload> {
    let session = ctx.authorize(Permission::ManageHr)?;
    let tx = session.begin_write(ctx).await?;
    let out = match GlobalId::decode_for::<employment_contract::Entity>(&input.id) {
        None => {
            crate::services::hr::refuse("id", HrErrorCode::NotFound, "no such employment contract")
        }
        Some(id) => {
            let ending = input.end_date.map(|end_date| contracts::Ending {
                end_date,
                reason: input.reason.as_deref().unwrap_or(""),
            });
            contracts::act(
                &tx,
                session.principal.actor_id,
                id,
                input.expected_version,
                action,
                ending,
            )
            .await?
        }
    };
    let (row, errors) = settle(tx, out).await?;
    Ok(EmploymentContractTransitionPayload {
        employment_contract: row.map(EmploymentContract),
        errors: List(errors),
    })
}

/// The tenant's HR settings: the 36 agreement's overtime limits (in minutes) and the local
/// time offset that decides an event's work date.
#[derive(SimpleObject)]
pub struct HrSettings {
    /// Monthly overtime limit (45 h = 2700).
    pub overtime_month_limit: i32,
    /// Yearly overtime limit (360 h = 21600).
    pub overtime_year_limit: i32,
    /// Percent of a limit at which requests warn (80).
    pub overtime_warn_percent: i32,
    /// Whether the agreement has the special clause (特別条項).
    pub special_clause: bool,
    /// Overtime plus holiday work in a month stays under this (100 h = 6000).
    pub special_month_max: i32,
    /// With the special clause, the yearly overtime limit (720 h = 43200).
    pub special_year_max: i32,
    /// With the special clause, months a year past the monthly limit (6).
    pub special_months_max: i32,
    /// Average of overtime plus holiday work over two to six months (80 h = 4800).
    pub special_average_max: i32,
    /// The month the agreement year starts (4: April).
    pub agreement_year_start_month: i32,
    /// The local time offset from UTC in minutes (540: Japan).
    pub utc_offset_minutes: i32,
    /// The settings' version (0 until first changed).
    pub version: i32,
}

impl From<entity::hr::hr_settings::Model> for HrSettings {
    fn from(s: entity::hr::hr_settings::Model) -> Self {
        Self {
            overtime_month_limit: s.ot_month_limit,
            overtime_year_limit: s.ot_year_limit,
            overtime_warn_percent: s.ot_warn_percent,
            special_clause: s.special_clause,
            special_month_max: s.special_month_max,
            special_year_max: s.special_year_max,
            special_months_max: s.special_months_max,
            special_average_max: s.special_average_max,
            agreement_year_start_month: s.agreement_year_start_month,
            utc_offset_minutes: s.utc_offset_minutes,
            version: s.version,
        }
    }
}

/// Changes to the HR settings.
#[derive(InputObject, Default)]
pub struct HrSettingsInput {
    /// The version read (0 before the first change).
    pub expected_version: i32,
    /// Monthly overtime limit in minutes.
    pub overtime_month_limit: Option<i32>,
    /// Yearly overtime limit in minutes.
    pub overtime_year_limit: Option<i32>,
    /// Warning percent, 1 to 100.
    pub overtime_warn_percent: Option<i32>,
    /// Whether the special clause applies.
    pub special_clause: Option<bool>,
    /// Monthly cap of overtime plus holiday work in minutes.
    pub special_month_max: Option<i32>,
    /// Yearly overtime cap under the special clause in minutes.
    pub special_year_max: Option<i32>,
    /// Months a year past the monthly limit under the special clause.
    pub special_months_max: Option<i32>,
    /// Cap of the two-to-six-month average in minutes.
    pub special_average_max: Option<i32>,
    /// The month the agreement year starts, 1 to 12.
    pub agreement_year_start_month: Option<i32>,
    /// Local time offset from UTC in minutes (-720 to 840).
    pub utc_offset_minutes: Option<i32>,
}

/// The result of changing the HR settings.
#[derive(SimpleObject)]
pub struct HrSettingsPayload {
    /// The settings; `null` when there are errors.
    pub hr_settings: Option<HrSettings>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The HR settings query.
#[derive(Default)]
pub struct HrSettingsQuery;

#[Object]
impl HrSettingsQuery {
    /// The tenant's HR settings. Needs `VIEW_ATTENDANCE`.
    async fn hr_settings(&self, ctx: &Context<'_>) -> GqlResult<HrSettings> {
        let session = ctx.authorize(Permission::ViewAttendance)?;
        Ok(session
            .db
            .read(async |tx| {
                crate::services::hr::settings(tx)
                    .await
                    .map_err(crate::graphql::core::db_err)
            })
            .await?
            .into())
    }
}

/// The HR settings mutation.
#[derive(Default)]
pub struct HrSettingsMutation;

#[Object]
impl HrSettingsMutation {
    /// Changes the HR settings (the 36 agreement as filed with the labour standards office).
    /// Needs `MANAGE_ATTENDANCE`.
    async fn update_hr_settings(
        &self,
        ctx: &Context<'_>,
        input: HrSettingsInput,
    ) -> GqlResult<HrSettingsPayload> {
        let session = ctx.authorize(Permission::ManageAttendance)?;
        let tx = session.begin_write(ctx).await?;
        let current = crate::services::hr::settings(&tx).await?;
        crate::services::access::check_version(current.version, input.expected_version)?;
        let mut p = crate::graphql::resource::Problems::<HrErrorCode>::default();
        // A 36 agreement may be stricter than the Labour Standards Act, never looser (art. 36).
        let minutes = [
            ("overtimeMonthLimit", input.overtime_month_limit, 45 * 60),
            ("overtimeYearLimit", input.overtime_year_limit, 360 * 60),
            ("specialMonthMax", input.special_month_max, 100 * 60),
            ("specialYearMax", input.special_year_max, 720 * 60),
            ("specialAverageMax", input.special_average_max, 80 * 60),
        ];
        for (path, v, max) in minutes {
            if v.is_some_and(|v| !(1..=max).contains(&v)) {
                p.row(
                    path,
                    HrErrorCode::Invalid,
                    format!("1 to {max} minutes (the statutory maximum)"),
                );
            }
        }
        if input
            .overtime_warn_percent
            .is_some_and(|v| !(1..=100).contains(&v))
        {
            p.row("overtimeWarnPercent", HrErrorCode::Invalid, "1 to 100");
        }
        if input
            .special_months_max
            .is_some_and(|v| !(0..=6).contains(&v))
        {
            p.row(
                "specialMonthsMax",
                HrErrorCode::Invalid,
                "0 to 6 (the statutory maximum)",
            );
        }
        if input
            .agreement_year_start_month
            .is_some_and(|v| !(1..=12).contains(&v))
        {
            p.row("agreementYearStartMonth", HrErrorCode::Invalid, "1 to 12");
        }
        if input
            .utc_offset_minutes
            .is_some_and(|v| !(-720..=840).contains(&v))
        {
            p.row("utcOffsetMinutes", HrErrorCode::Invalid, "-720 to 840");
        }
        let out = if p.is_empty() {
            let row = crate::services::hr::save_settings(
                &tx,
                session.principal.actor_id,
                &current,
                |am| {
                    use sea_orm::ActiveValue::Set;
                    if let Some(v) = input.overtime_month_limit {
                        am.ot_month_limit = Set(v);
                    }
                    if let Some(v) = input.overtime_year_limit {
                        am.ot_year_limit = Set(v);
                    }
                    if let Some(v) = input.overtime_warn_percent {
                        am.ot_warn_percent = Set(v);
                    }
                    if let Some(v) = input.special_clause {
                        am.special_clause = Set(v);
                    }
                    if let Some(v) = input.special_month_max {
                        am.special_month_max = Set(v);
                    }
                    if let Some(v) = input.special_year_max {
                        am.special_year_max = Set(v);
                    }
                    if let Some(v) = input.special_months_max {
                        am.special_months_max = Set(v);
                    }
                    if let Some(v) = input.special_average_max {
                        am.special_average_max = Set(v);
                    }
                    if let Some(v) = input.agreement_year_start_month {
                        am.agreement_year_start_month = Set(v);
                    }
                    if let Some(v) = input.utc_offset_minutes {
                        am.utc_offset_minutes = Set(v);
                    }
                },
            )
            .await?;
            Ok(row)
        } else {
            Err(p.into_errors())
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(HrSettingsPayload {
            hr_settings: row.map(Into::into),
            errors: List(errors),
        })
    }
}

/// Every HR query of this module.
#[derive(async_graphql::MergedObject, Default)]
pub struct HrQuery(
    WorkScheduleQuery,
    HolidayQuery,
    LeaveTypeQuery,
    LeaveAllocationQuery,
    EmploymentContractQuery,
    HrSettingsQuery,
    crate::graphql::attendance::AttendanceQuery,
    crate::graphql::leave::LeaveQuery,
    crate::graphql::payroll::PayrollQuery,
    crate::graphql::health::HealthCheckQuery,
    crate::graphql::recruiting::RecruitingQuery,
    crate::graphql::offboarding::OffboardingQuery,
    crate::graphql::development::DevelopmentQuery,
    crate::graphql::hr_reports::HrReportsQuery,
);

/// Every HR mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct HrMutation(
    WorkScheduleMutation,
    HolidayMutation,
    LeaveTypeMutation,
    LeaveAllocationMutation,
    EmploymentContractMutation,
    EmploymentContractFlowMutation,
    HrSettingsMutation,
    crate::graphql::attendance::AttendanceMutation,
    crate::graphql::leave::LeaveMutation,
    crate::graphql::payroll::PayrollMutation,
    crate::graphql::health::HealthCheckMutation,
    crate::graphql::recruiting::RecruitingMutation,
    crate::graphql::offboarding::OffboardingMutation,
    crate::graphql::development::DevelopmentMutation,
    crate::graphql::hr_reports::HrReportsMutation,
);
