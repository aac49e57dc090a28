//! Grades, positions, employee profiles, shifts, training and performance in the schema.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;
use entity::hr::{
    employee_profile, grade, performance_cycle, performance_goal, performance_review, position,
    position_required_training, shift_assignment, training_enrolment, training_programme,
    training_session, work_schedule,
};
use entity::org::{employee, org_unit};

use crate::auth::Permission;
use crate::error::{GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, load_one, settle};
use crate::graphql::hr::{WorkSchedule, employee_of};
use crate::graphql::listing::{DateFilter, IdFilter, TextFilter};
use crate::graphql::org::{Employee, OrgUnit};
use crate::graphql::recruiting::tx_read;
use crate::services::hr::{HrErrorCode, development, refuse};
use crate::{db_enum, enum_filter, filter_input, node_object, order_field, resource};

db_enum! {
    /// Where a training enrolment is.
    EnrolmentStatus {
        /// Has a seat.
        Enrolled = "enrolled",
        /// Completed the training.
        Completed = "completed",
        /// Gave the seat back.
        Cancelled = "cancelled",
    }
}

db_enum! {
    /// Where a performance cycle is.
    CycleStatus {
        /// Goals are being set.
        NotStarted = "not_started",
        /// Reviews are being written.
        InProgress = "in_progress",
        /// Final scores are set.
        Completed = "completed",
    }
}

db_enum! {
    /// Where a performance review is.
    ReviewStatus {
        /// Nothing written yet.
        Open = "open",
        /// The employee wrote their part.
        SelfDone = "self_done",
        /// The manager wrote their part.
        ManagerDone = "manager_done",
        /// The cycle completed: the final score is set.
        Final = "final",
    }
}

enum_filter!(EnrolmentStatus);
enum_filter!(CycleStatus);

node_object! {
    /// A grade (等級) of the tenant's ladder. Needs `VIEW_HR`.
    Grade(grade) {
        /// Unique code.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// Its place on the ladder (higher is more senior).
        async fn rank(&self) -> i32 {
            self.0.rank
        }
    }
}

filter_input! {
    /// Conditions on grades.
    GradeFilter for grade {
        /// The code.
        code: TextFilter => Code,
    }
}

order_field! {
    /// What grades can be sorted by.
    Grade for grade {
        /// The code.
        Code => Code,
        /// The rank.
        Rank => Rank,
    }
}

/// A new grade.
#[derive(InputObject)]
pub struct CreateGradeInput {
    /// Unique code, at most 30 characters.
    pub code: String,
    /// Name, at most 200 characters.
    pub name: String,
    /// Place on the ladder (default 0).
    pub rank: Option<i32>,
}

/// Changes to a grade.
#[derive(InputObject)]
pub struct GradePatch {
    /// New name.
    pub name: Option<String>,
    /// New rank.
    pub rank: Option<i32>,
}

resource! {
    entity: grade::Entity, node: Grade, one: grade, many: grades,
    what: "grade", view: ViewHr, manage: ManageHr,
    query: GradeQuery, mutation: GradeMutation,
}

node_object! {
    /// A position (職位), with the trainings its holders must have. Needs `VIEW_HR`.
    Position(position) {
        /// Unique code.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// The unit it belongs to.
        async fn org_unit(&self, ctx: &Context<'_>) -> GqlResult<Option<OrgUnit>> {
            Ok(load_one::<org_unit::Entity>(ctx, self.0.org_unit_id).await?.map(OrgUnit))
        }
        /// Its usual grade.
        async fn grade(&self, ctx: &Context<'_>) -> GqlResult<Option<Grade>> {
            Ok(load_one::<grade::Entity>(ctx, self.0.grade_id).await?.map(Grade))
        }
    }
}

filter_input! {
    /// Conditions on positions.
    PositionFilter for position {
        /// The code.
        code: TextFilter => Code,
        /// The unit.
        org_unit: IdFilter => OrgUnitId ref org_unit::Entity,
    }
}

order_field! {
    /// What positions can be sorted by.
    Position for position {
        /// The code.
        Code => Code,
    }
}

/// A new position.
#[derive(InputObject)]
pub struct CreatePositionInput {
    /// Unique code, at most 30 characters.
    pub code: String,
    /// Name, at most 200 characters.
    pub name: String,
    /// The unit.
    pub org_unit_id: Option<ID>,
    /// The usual grade.
    pub grade_id: Option<ID>,
}

/// Changes to a position.
#[derive(InputObject)]
pub struct PositionPatch {
    /// New name.
    pub name: Option<String>,
    /// New unit (`null` clears).
    pub org_unit_id: MaybeUndefined<ID>,
    /// New grade (`null` clears).
    pub grade_id: MaybeUndefined<ID>,
}

resource! {
    entity: position::Entity, node: Position, one: position, many: positions,
    what: "position", view: ViewHr, manage: ManageHr,
    query: PositionQuery, mutation: PositionMutation,
}

node_object! {
    /// The HR extension of an employee record: grade, position and emergency contact. HR
    /// (`VIEW_HR`) reads all; an employee reads their own.
    EmployeeProfile(employee_profile) {
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// The grade.
        async fn grade(&self, ctx: &Context<'_>) -> GqlResult<Option<Grade>> {
            Ok(load_one::<grade::Entity>(ctx, self.0.grade_id).await?.map(Grade))
        }
        /// The position.
        async fn position(&self, ctx: &Context<'_>) -> GqlResult<Option<Position>> {
            Ok(load_one::<position::Entity>(ctx, self.0.position_id).await?.map(Position))
        }
        /// Who to call in an emergency. Sensitive: `VIEW_HR` or your own; reads are logged.
        async fn emergency_contact(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
            let session = ctx.session()?;
            let user = load_one::<employee::Entity>(ctx, Some(self.0.employee_id)).await?.and_then(|e| e.user_id);
            Ok(crate::services::personal_data::read(
                &session.principal,
                &session.reads,
                Permission::ViewHr,
                "EmployeeProfile",
                self.0.id,
                user,
                "emergency_contact",
                self.0.emergency_contact.as_deref(),
            )?
            .map(str::to_owned))
        }
        /// Trainings the position requires that the employee has not completed (or whose
        /// completion has run out) today.
        async fn missing_trainings(&self, ctx: &Context<'_>) -> GqlResult<List<TrainingProgramme>> {
            let employee = self.0.employee_id;
            let rows = tx_read!(ctx, tx => {
                let today = crate::services::hr::today(&crate::services::hr::settings(tx).await?);
                development::missing_trainings(tx, employee, today).await
            });
            Ok(rows.into_iter().map(TrainingProgramme).collect())
        }
    }
}

filter_input! {
    /// Conditions on employee profiles.
    EmployeeProfileFilter for employee_profile {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The position.
        position: IdFilter => PositionId ref position::Entity,
    }
}

order_field! {
    /// What employee profiles can be sorted by.
    EmployeeProfile for employee_profile {
        /// When created.
        CreatedAt => CreatedAt,
    }
}

/// A new employee profile (one per employee).
#[derive(InputObject)]
pub struct CreateEmployeeProfileInput {
    /// The employee.
    pub employee_id: ID,
    /// The grade.
    pub grade_id: Option<ID>,
    /// The position.
    pub position_id: Option<ID>,
    /// Who to call in an emergency, at most 500 characters.
    pub emergency_contact: Option<String>,
}

/// Changes to a profile.
#[derive(InputObject)]
pub struct EmployeeProfilePatch {
    /// New grade (`null` clears).
    pub grade_id: MaybeUndefined<ID>,
    /// New position (`null` clears).
    pub position_id: MaybeUndefined<ID>,
    /// New emergency contact (`null` clears).
    pub emergency_contact: MaybeUndefined<String>,
}

resource! {
    entity: employee_profile::Entity, node: EmployeeProfile, one: employee_profile, many: employee_profiles,
    what: "employee profile", view: ViewHr, manage: ManageHr,
    query: EmployeeProfileQuery, mutation: EmployeeProfileMutation,
}

node_object! {
    /// An employee's shift on one day: it replaces the contract's schedule that day and makes
    /// it a working day. Attendance (`VIEW_ATTENDANCE`) reads all; an employee their own.
    ShiftAssignment(shift_assignment) {
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// The day.
        async fn work_date(&self) -> NaiveDate {
            self.0.work_date
        }
        /// The shift's schedule.
        async fn work_schedule(&self, ctx: &Context<'_>) -> GqlResult<Option<WorkSchedule>> {
            Ok(load_one::<work_schedule::Entity>(ctx, Some(self.0.work_schedule_id)).await?.map(WorkSchedule))
        }
    }
}

filter_input! {
    /// Conditions on shift assignments.
    ShiftAssignmentFilter for shift_assignment {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The day.
        work_date: DateFilter => WorkDate,
    }
}

order_field! {
    /// What shift assignments can be sorted by.
    ShiftAssignment for shift_assignment {
        /// The day.
        WorkDate => WorkDate,
    }
}

/// A new shift assignment.
#[derive(InputObject)]
pub struct CreateShiftAssignmentInput {
    /// The employee.
    pub employee_id: ID,
    /// The day (one shift a day; not a validated day).
    pub work_date: NaiveDate,
    /// The shift's schedule.
    pub work_schedule_id: ID,
}

/// Changes to a shift assignment.
#[derive(InputObject)]
pub struct ShiftAssignmentPatch {
    /// New schedule.
    pub work_schedule_id: Option<ID>,
}

resource! {
    entity: shift_assignment::Entity, node: ShiftAssignment, one: shift_assignment, many: shift_assignments,
    what: "shift assignment", view: ViewAttendance, manage: ManageAttendance,
    query: ShiftAssignmentQuery, mutation: ShiftAssignmentMutation,
}

node_object! {
    /// A training programme. Everyone who may submit requests reads the catalogue.
    TrainingProgramme(training_programme) {
        /// Unique code.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// How long a completion counts, in months (null: for ever).
        async fn validity_months(&self) -> Option<i32> {
            self.0.validity_months
        }
    }
}

filter_input! {
    /// Conditions on training programmes.
    TrainingProgrammeFilter for training_programme {
        /// The code.
        code: TextFilter => Code,
        /// The name.
        name: TextFilter => Name,
    }
}

order_field! {
    /// What training programmes can be sorted by.
    TrainingProgramme for training_programme {
        /// The code.
        Code => Code,
    }
}

/// A new training programme.
#[derive(InputObject)]
pub struct CreateTrainingProgrammeInput {
    /// Unique code, at most 30 characters.
    pub code: String,
    /// Name, at most 200 characters.
    pub name: String,
    /// How long a completion counts, 1 to 120 months (default: for ever).
    pub validity_months: Option<i32>,
}

/// Changes to a training programme.
#[derive(InputObject)]
pub struct TrainingProgrammePatch {
    /// New name.
    pub name: Option<String>,
}

resource! {
    entity: training_programme::Entity, node: TrainingProgramme, one: training_programme, many: training_programmes,
    what: "training programme", view: SubmitRequests, manage: ManagePerformance,
    query: TrainingProgrammeQuery, mutation: TrainingProgrammeMutation,
}

node_object! {
    /// A session of a training programme, with its seats.
    TrainingSession(training_session) {
        /// The programme.
        async fn programme(&self, ctx: &Context<'_>) -> GqlResult<Option<TrainingProgramme>> {
            Ok(load_one::<training_programme::Entity>(ctx, Some(self.0.programme_id)).await?.map(TrainingProgramme))
        }
        /// First day.
        async fn starts_on(&self) -> NaiveDate {
            self.0.starts_on
        }
        /// Last day.
        async fn ends_on(&self) -> NaiveDate {
            self.0.ends_on
        }
        /// Seats.
        async fn capacity(&self) -> i32 {
            self.0.capacity
        }
        /// Where.
        async fn location(&self) -> Option<&str> {
            self.0.location.as_deref()
        }
    }
}

filter_input! {
    /// Conditions on training sessions.
    TrainingSessionFilter for training_session {
        /// The programme.
        programme: IdFilter => ProgrammeId ref training_programme::Entity,
        /// First day.
        starts_on: DateFilter => StartsOn,
    }
}

order_field! {
    /// What training sessions can be sorted by.
    TrainingSession for training_session {
        /// First day.
        StartsOn => StartsOn,
    }
}

/// A new training session.
#[derive(InputObject)]
pub struct CreateTrainingSessionInput {
    /// The programme.
    pub programme_id: ID,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Seats, 1 to 10000.
    pub capacity: i32,
    /// Where, at most 200 characters.
    pub location: Option<String>,
}

/// Changes to a session.
#[derive(InputObject)]
pub struct TrainingSessionPatch {
    /// New capacity (not below the seats taken).
    pub capacity: Option<i32>,
    /// New location.
    pub location: Option<String>,
}

resource! {
    entity: training_session::Entity, node: TrainingSession, one: training_session, many: training_sessions,
    what: "training session", view: SubmitRequests, manage: ManagePerformance,
    query: TrainingSessionQuery, mutation: TrainingSessionMutation,
}

node_object! {
    /// An employee's seat in a training session and its completion. HR (`VIEW_PERFORMANCE`)
    /// reads all; an employee their own.
    TrainingEnrolment(training_enrolment) {
        /// The session.
        async fn session(&self, ctx: &Context<'_>) -> GqlResult<Option<TrainingSession>> {
            Ok(load_one::<training_session::Entity>(ctx, Some(self.0.session_id)).await?.map(TrainingSession))
        }
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// Where it is.
        async fn status(&self) -> EnrolmentStatus {
            EnrolmentStatus::from_db(&self.0.status)
        }
        /// When completed.
        async fn completed_on(&self) -> Option<NaiveDate> {
            self.0.completed_on
        }
        /// The score, 0 to 100.
        async fn score(&self) -> Option<i32> {
            self.0.score
        }
    }
}

filter_input! {
    /// Conditions on training enrolments.
    TrainingEnrolmentFilter for training_enrolment {
        /// The session.
        session: IdFilter => SessionId ref training_session::Entity,
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The status.
        status: EnrolmentStatusFilter => Status,
    }
}

order_field! {
    /// What training enrolments can be sorted by.
    TrainingEnrolment for training_enrolment {
        /// When completed.
        CompletedOn => CompletedOn,
    }
}

/// A new enrolment.
#[derive(InputObject)]
pub struct CreateTrainingEnrolmentInput {
    /// The session (`CAPACITY_REACHED` when full).
    pub session_id: ID,
    /// The employee (once per session).
    pub employee_id: ID,
}

/// Changes to an enrolment: completion or cancellation.
#[derive(InputObject)]
pub struct TrainingEnrolmentPatch {
    /// New status (`COMPLETED` records the completion day).
    pub status: Option<EnrolmentStatus>,
    /// The completion day (default today).
    pub completed_on: Option<NaiveDate>,
    /// The score, 0 to 100.
    pub score: Option<i32>,
}

resource! {
    entity: training_enrolment::Entity, node: TrainingEnrolment, one: training_enrolment, many: training_enrolments,
    what: "training enrolment", view: ViewPerformance, manage: ManagePerformance,
    query: TrainingEnrolmentQuery, mutation: TrainingEnrolmentMutation,
}

node_object! {
    /// A programme every holder of a position must have completed. Needs `VIEW_HR`.
    PositionRequiredTraining(position_required_training) {
        /// The position.
        async fn position(&self, ctx: &Context<'_>) -> GqlResult<Option<Position>> {
            Ok(load_one::<position::Entity>(ctx, Some(self.0.position_id)).await?.map(Position))
        }
        /// The programme.
        async fn programme(&self, ctx: &Context<'_>) -> GqlResult<Option<TrainingProgramme>> {
            Ok(load_one::<training_programme::Entity>(ctx, Some(self.0.programme_id)).await?.map(TrainingProgramme))
        }
    }
}

filter_input! {
    /// Conditions on required trainings.
    PositionRequiredTrainingFilter for position_required_training {
        /// The position.
        position: IdFilter => PositionId ref position::Entity,
    }
}

order_field! {
    /// What required trainings can be sorted by.
    PositionRequiredTraining for position_required_training {
        /// When created.
        CreatedAt => CreatedAt,
    }
}

/// A new required training.
#[derive(InputObject)]
pub struct CreatePositionRequiredTrainingInput {
    /// The position.
    pub position_id: ID,
    /// The programme.
    pub programme_id: ID,
}

/// Nothing of a required training changes (archive it instead).
#[derive(InputObject)]
pub struct PositionRequiredTrainingPatch {
    /// Unused.
    pub note: Option<String>,
}

resource! {
    entity: position_required_training::Entity, node: PositionRequiredTraining, one: position_required_training, many: position_required_trainings,
    what: "required training", view: ViewHr, manage: ManageHr,
    query: PositionRequiredTrainingQuery, mutation: PositionRequiredTrainingMutation,
}

node_object! {
    /// A performance review cycle. Everyone who may submit requests reads the cycles.
    PerformanceCycle(performance_cycle) {
        /// Name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// First day reviewed.
        async fn period_start(&self) -> NaiveDate {
            self.0.period_start
        }
        /// Last day reviewed.
        async fn period_end(&self) -> NaiveDate {
            self.0.period_end
        }
        /// Where it is.
        async fn status(&self) -> CycleStatus {
            CycleStatus::from_db(&self.0.status)
        }
    }
}

filter_input! {
    /// Conditions on performance cycles.
    PerformanceCycleFilter for performance_cycle {
        /// The name.
        name: TextFilter => Name,
        /// The status.
        status: CycleStatusFilter => Status,
    }
}

order_field! {
    /// What performance cycles can be sorted by.
    PerformanceCycle for performance_cycle {
        /// First day.
        PeriodStart => PeriodStart,
    }
}

/// A new performance cycle (not started).
#[derive(InputObject)]
pub struct CreatePerformanceCycleInput {
    /// Name, at most 200 characters.
    pub name: String,
    /// First day reviewed.
    pub period_start: NaiveDate,
    /// Last day reviewed.
    pub period_end: NaiveDate,
}

/// Changes to a cycle.
#[derive(InputObject)]
pub struct PerformanceCyclePatch {
    /// New name.
    pub name: Option<String>,
}

resource! {
    entity: performance_cycle::Entity, node: PerformanceCycle, one: performance_cycle, many: performance_cycles,
    what: "performance cycle", view: SubmitRequests, manage: ManagePerformance,
    query: PerformanceCycleQuery, mutation: PerformanceCycleMutation,
}

node_object! {
    /// A goal of an employee in a cycle. HR (`VIEW_PERFORMANCE`) reads all; an employee their
    /// own.
    PerformanceGoal(performance_goal) {
        /// The cycle.
        async fn cycle(&self, ctx: &Context<'_>) -> GqlResult<Option<PerformanceCycle>> {
            Ok(load_one::<performance_cycle::Entity>(ctx, Some(self.0.cycle_id)).await?.map(PerformanceCycle))
        }
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// The goal.
        async fn title(&self) -> &str {
            &self.0.title
        }
        /// Its weight in percent.
        async fn weight(&self) -> i32 {
            self.0.weight
        }
    }
}

filter_input! {
    /// Conditions on goals.
    PerformanceGoalFilter for performance_goal {
        /// The cycle.
        cycle: IdFilter => CycleId ref performance_cycle::Entity,
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
    }
}

order_field! {
    /// What goals can be sorted by.
    PerformanceGoal for performance_goal {
        /// The weight.
        Weight => Weight,
    }
}

/// A new goal (before the cycle starts).
#[derive(InputObject)]
pub struct CreatePerformanceGoalInput {
    /// The cycle.
    pub cycle_id: ID,
    /// The employee.
    pub employee_id: ID,
    /// The goal, at most 500 characters.
    pub title: String,
    /// Its weight, 1 to 100 percent; an employee's weights total 100 when the cycle starts.
    pub weight: i32,
}

/// Changes to a goal (before the cycle starts).
#[derive(InputObject)]
pub struct PerformanceGoalPatch {
    /// New title.
    pub title: Option<String>,
    /// New weight.
    pub weight: Option<i32>,
}

resource! {
    entity: performance_goal::Entity, node: PerformanceGoal, one: performance_goal, many: performance_goals,
    what: "performance goal", view: ViewPerformance, manage: ManagePerformance,
    query: PerformanceGoalQuery, mutation: PerformanceGoalMutation,
}

node_object! {
    /// An employee's review in a cycle. HR (`VIEW_PERFORMANCE`) reads all; an employee reads
    /// their own, and the manager's part once the cycle is completed.
    PerformanceReview(performance_review) {
        /// The cycle.
        async fn cycle(&self, ctx: &Context<'_>) -> GqlResult<Option<PerformanceCycle>> {
            Ok(load_one::<performance_cycle::Entity>(ctx, Some(self.0.cycle_id)).await?.map(PerformanceCycle))
        }
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// Their own score, 1 to 5.
        async fn self_score(&self) -> Option<i32> {
            self.0.self_score
        }
        /// Their own words.
        async fn self_comment(&self) -> Option<&str> {
            self.0.self_comment.as_deref()
        }
        /// The manager's score (the employee sees it once final).
        async fn manager_score(&self, ctx: &Context<'_>) -> GqlResult<Option<i32>> {
            Ok(if self.manager_part_visible(ctx)? { self.0.manager_score } else { None })
        }
        /// The manager's feedback (the employee sees it once final).
        async fn manager_comment(&self, ctx: &Context<'_>) -> GqlResult<Option<&str>> {
            Ok(if self.manager_part_visible(ctx)? { self.0.manager_comment.as_deref() } else { None })
        }
        /// The final score, once the cycle completed.
        async fn final_score(&self) -> Option<i32> {
            self.0.final_score
        }
        /// Where it is.
        async fn status(&self) -> ReviewStatus {
            ReviewStatus::from_db(&self.0.status)
        }
    }
}

impl PerformanceReview {
    fn manager_part_visible(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        let session = ctx.session()?;
        Ok(session.principal.can(Permission::ViewPerformance) || self.0.status == "final")
    }
}

filter_input! {
    /// Conditions on reviews.
    PerformanceReviewFilter for performance_review {
        /// The cycle.
        cycle: IdFilter => CycleId ref performance_cycle::Entity,
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
    }
}

order_field! {
    /// What reviews can be sorted by.
    PerformanceReview for performance_review {
        /// When created.
        CreatedAt => CreatedAt,
    }
}

crate::list_query! {
    entity: performance_review::Entity, node: PerformanceReview, many: performance_reviews,
    what: "performance review",
    needs: [ "`VIEW_PERFORMANCE` (or `SUBMIT_REQUESTS` for one's own)" ],
    query: PerformanceReviewListQuery,
}

/// Which cycle to move.
#[derive(InputObject)]
pub struct PerformanceCycleTransitionInput {
    /// The cycle.
    pub id: ID,
    /// The version read.
    pub expected_version: i32,
}

/// A part of a review.
#[derive(InputObject)]
pub struct ReviewInput {
    /// The cycle.
    pub cycle_id: ID,
    /// For the manager's part: the employee reviewed (leave out for your own part).
    pub employee_id: Option<ID>,
    /// The review's version, when you read it.
    pub expected_version: Option<i32>,
    /// The score, 1 to 5.
    pub score: i32,
    /// Words, at most 4000 characters.
    pub comment: Option<String>,
}

/// The result of a cycle transition.
#[derive(SimpleObject)]
pub struct PerformanceCyclePayloadFlow {
    /// The cycle; `null` when there are errors.
    pub performance_cycle: Option<PerformanceCycle>,
    /// What was wrong.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The result of writing a review.
#[derive(SimpleObject)]
pub struct PerformanceReviewPayload {
    /// The review; `null` when there are errors.
    pub performance_review: Option<PerformanceReview>,
    /// What was wrong.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The performance mutations.
#[derive(Default)]
pub struct PerformanceFlowMutation;

#[Object]
impl PerformanceFlowMutation {
    /// Starts a cycle: every employee with goals (weights totalling 100) gets a review. Needs
    /// `MANAGE_PERFORMANCE`.
    async fn start_performance_cycle(
        &self,
        ctx: &Context<'_>,
        input: PerformanceCycleTransitionInput,
    ) -> GqlResult<PerformanceCyclePayloadFlow> {
        cycle_action(ctx, input, false).await
    }

    /// Completes a cycle once every review has the manager's part, which becomes the final
    /// score. Needs `MANAGE_PERFORMANCE`.
    async fn complete_performance_cycle(
        &self,
        ctx: &Context<'_>,
        input: PerformanceCycleTransitionInput,
    ) -> GqlResult<PerformanceCyclePayloadFlow> {
        cycle_action(ctx, input, true).await
    }

    /// Writes your own part of your review, or (with `employeeId`) the manager's part of a
    /// report's review: only the employee's manager may, never for themselves.
    async fn submit_performance_review(
        &self,
        ctx: &Context<'_>,
        input: ReviewInput,
    ) -> GqlResult<PerformanceReviewPayload> {
        let session = ctx.authorize(Permission::SubmitRequests)?;
        let tx = session.begin_write(ctx).await?;
        let employee = input
            .employee_id
            .as_ref()
            .map(|e| GlobalId::decode_for::<employee::Entity>(e).unwrap_or_default());
        let out = match GlobalId::decode_for::<performance_cycle::Entity>(&input.cycle_id) {
            None => refuse(
                "cycleId",
                HrErrorCode::NotFound,
                "no such performance cycle",
            ),
            Some(cycle) => {
                development::review(
                    &tx,
                    session.principal.actor_id,
                    cycle,
                    employee,
                    input.expected_version,
                    input.score,
                    input.comment.as_deref(),
                )
                .await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(PerformanceReviewPayload {
            performance_review: row.map(PerformanceReview),
            errors: List(errors),
        })
    }
}

async fn cycle_action(
    ctx: &Context<'_>,
    input: PerformanceCycleTransitionInput,
    complete: bool,
) -> GqlResult<PerformanceCyclePayloadFlow> {
    let session = ctx.authorize(Permission::ManagePerformance)?;
    let tx = session.begin_write(ctx).await?;
    let out = match GlobalId::decode_for::<performance_cycle::Entity>(&input.id) {
        None => refuse("id", HrErrorCode::NotFound, "no such performance cycle"),
        Some(id) => {
            development::cycle_act(
                &tx,
                session.principal.actor_id,
                id,
                input.expected_version,
                complete,
            )
            .await?
        }
    };
    let (row, errors) = settle(tx, out).await?;
    Ok(PerformanceCyclePayloadFlow {
        performance_cycle: row.map(PerformanceCycle),
        errors: List(errors),
    })
}

/// Every development query.
#[derive(async_graphql::MergedObject, Default)]
pub struct DevelopmentQuery(
    GradeQuery,
    PositionQuery,
    EmployeeProfileQuery,
    ShiftAssignmentQuery,
    TrainingProgrammeQuery,
    TrainingSessionQuery,
    TrainingEnrolmentQuery,
    PositionRequiredTrainingQuery,
    PerformanceCycleQuery,
    PerformanceGoalQuery,
    PerformanceReviewListQuery,
);

/// Every development mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct DevelopmentMutation(
    GradeMutation,
    PositionMutation,
    EmployeeProfileMutation,
    ShiftAssignmentMutation,
    TrainingProgrammeMutation,
    TrainingSessionMutation,
    TrainingEnrolmentMutation,
    PositionRequiredTrainingMutation,
    PerformanceCycleMutation,
    PerformanceGoalMutation,
    PerformanceFlowMutation,
);
