//! Grades, positions and employee profiles; shift assignments; training; performance cycles.
//!
//! Invariants:
//! - an employee has at most one profile and one shift a day (unique indexes); a shift is not
//!   set on a validated or paid day (`LOCKED`);
//! - a session never seats more than its capacity (`CAPACITY_REACHED`, checked with the
//!   session locked) and an employee once;
//! - a cycle starts only when every employee with goals has weights totalling 100; it then
//!   opens one review per such employee; an employee writes only their own part, and only the
//!   manager's user writes the manager's part (`SELF_APPROVAL` for one's own review); a cycle
//!   completes only when every review has the manager's part, which becomes the final score.

use chrono::{Months, NaiveDate};
use entity::TenantTx;
use entity::hr::{
    attendance_day, employee_profile, grade, performance_cycle, performance_goal,
    performance_review, position, position_required_training, shift_assignment, training_enrolment,
    training_programme, training_session, work_schedule,
};
use entity::org::{employee, org_unit};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Checked, HrErrorCode as E, refuse};
use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::development::*;
use crate::graphql::listing::DbEnum;
use crate::graphql::resource::{Editable, Problems, Resource};
use crate::services::workflow::advance;

type P = Problems<E>;

/// A plain resource's read side: its node, filter, order and the permission to read it.
macro_rules! readable {
    ($module:ident, $node:ident, $view:ident) => {
        paste::paste! {
            impl Resource for $module::Entity {
                type Node = $node;
                type Filter = [<$node Filter>];
                type Order = [<$node Order>];
                const VIEW: Permission = Permission::$view;
            }
        }
    };
    ($module:ident, $node:ident, $view:ident, own) => {
        paste::paste! {
            impl Resource for $module::Entity {
                type Node = $node;
                type Filter = [<$node Filter>];
                type Order = [<$node Order>];
                const VIEW: Permission = Permission::$view;
                crate::employee_rows!($module, $view);
            }
        }
    };
}

readable!(grade, Grade, ViewHr);
readable!(position, Position, ViewHr);
readable!(employee_profile, EmployeeProfile, ViewHr, own);
readable!(shift_assignment, ShiftAssignment, ViewAttendance, own);
readable!(training_programme, TrainingProgramme, SubmitRequests);
readable!(training_session, TrainingSession, SubmitRequests);
readable!(training_enrolment, TrainingEnrolment, ViewPerformance, own);
readable!(position_required_training, PositionRequiredTraining, ViewHr);
readable!(performance_cycle, PerformanceCycle, SubmitRequests);
readable!(performance_goal, PerformanceGoal, ViewPerformance, own);
readable!(performance_review, PerformanceReview, ViewPerformance, own);

fn code(p: &mut P, path: &str, value: &str) -> String {
    p.required_text(path, value, 30)
}

impl Editable for grade::Entity {
    type Create = CreateGradeInput;
    type Patch = GradePatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageHr;

    async fn create(
        tx: &TenantTx,
        input: &CreateGradeInput,
        p: &mut P,
    ) -> AppResult<grade::ActiveModel> {
        let c = code(p, "code", &input.code);
        p.unique::<grade::Entity>(tx, "code", grade::Column::Code, &c, None)
            .await?;
        Ok(grade::ActiveModel {
            code: Set(c),
            name: Set(p.required_text("name", &input.name, 200)),
            rank: Set(input.rank.unwrap_or(0)),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &grade::Model,
        patch: &GradePatch,
        p: &mut P,
    ) -> AppResult<grade::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        if let Some(r) = patch.rank {
            am.rank = Set(r);
        }
        Ok(am)
    }
}

impl Editable for position::Entity {
    type Create = CreatePositionInput;
    type Patch = PositionPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageHr;

    async fn create(
        tx: &TenantTx,
        input: &CreatePositionInput,
        p: &mut P,
    ) -> AppResult<position::ActiveModel> {
        let c = code(p, "code", &input.code);
        p.unique::<position::Entity>(tx, "code", position::Column::Code, &c, None)
            .await?;
        Ok(position::ActiveModel {
            code: Set(c),
            name: Set(p.required_text("name", &input.name, 200)),
            org_unit_id: Set(p
                .reference::<org_unit::Entity>(tx, "orgUnitId", input.org_unit_id.as_ref())
                .await?),
            grade_id: Set(p
                .reference::<grade::Entity>(tx, "gradeId", input.grade_id.as_ref())
                .await?),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &position::Model,
        patch: &PositionPatch,
        p: &mut P,
    ) -> AppResult<position::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        if let Some(u) = p
            .reference_patch::<org_unit::Entity>(tx, "patch.orgUnitId", &patch.org_unit_id)
            .await?
        {
            am.org_unit_id = Set(u);
        }
        if let Some(g) = p
            .reference_patch::<grade::Entity>(tx, "patch.gradeId", &patch.grade_id)
            .await?
        {
            am.grade_id = Set(g);
        }
        Ok(am)
    }
}

impl Editable for employee_profile::Entity {
    type Create = CreateEmployeeProfileInput;
    type Patch = EmployeeProfilePatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageHr;

    async fn create(
        tx: &TenantTx,
        input: &CreateEmployeeProfileInput,
        p: &mut P,
    ) -> AppResult<employee_profile::ActiveModel> {
        let emp = p
            .reference::<employee::Entity>(tx, "employeeId", Some(&input.employee_id))
            .await?;
        if let Some(e) = emp {
            p.taken::<employee_profile::Entity>(
                tx,
                "employeeId",
                Condition::all().add(employee_profile::Column::EmployeeId.eq(e)),
                "the employee has a profile; update it",
            )
            .await?;
        }
        Ok(employee_profile::ActiveModel {
            employee_id: Set(emp.unwrap_or_default()),
            grade_id: Set(p
                .reference::<grade::Entity>(tx, "gradeId", input.grade_id.as_ref())
                .await?),
            position_id: Set(p
                .reference::<position::Entity>(tx, "positionId", input.position_id.as_ref())
                .await?),
            emergency_contact: Set(p.optional_text(
                "emergencyContact",
                input.emergency_contact.as_deref(),
                500,
            )),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &employee_profile::Model,
        patch: &EmployeeProfilePatch,
        p: &mut P,
    ) -> AppResult<employee_profile::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(g) = p
            .reference_patch::<grade::Entity>(tx, "patch.gradeId", &patch.grade_id)
            .await?
        {
            am.grade_id = Set(g);
        }
        if let Some(x) = p
            .reference_patch::<position::Entity>(tx, "patch.positionId", &patch.position_id)
            .await?
        {
            am.position_id = Set(x);
        }
        match &patch.emergency_contact {
            async_graphql::MaybeUndefined::Value(v) => {
                am.emergency_contact = Set(p.optional_text("patch.emergencyContact", Some(v), 500));
            }
            async_graphql::MaybeUndefined::Null => am.emergency_contact = Set(None),
            async_graphql::MaybeUndefined::Undefined => {}
        }
        Ok(am)
    }
}

/// The programmes a position requires that the employee has not completed, or whose
/// completion has run out by `on`.
pub async fn missing_trainings(
    tx: &TenantTx,
    employee: Uuid,
    on: NaiveDate,
) -> AppResult<Vec<training_programme::Model>> {
    let Some(profile) = tx
        .one(
            tx.select::<employee_profile::Entity>()
                .refine(|q| q.filter(employee_profile::Column::EmployeeId.eq(employee))),
        )
        .await?
    else {
        return Ok(Vec::new());
    };
    let Some(pos) = profile.position_id else {
        return Ok(Vec::new());
    };
    let required: Vec<Uuid> = tx
        .all(
            tx.select::<position_required_training::Entity>()
                .refine(|q| {
                    q.filter(position_required_training::Column::PositionId.eq(pos))
                        .filter(position_required_training::Column::ArchivedAt.is_null())
                }),
        )
        .await?
        .into_iter()
        .map(|r| r.programme_id)
        .collect();
    let programmes = tx.get_many::<training_programme::Entity>(&required).await?;
    let done = tx
        .all(tx.select::<training_enrolment::Entity>().refine(|q| {
            q.filter(training_enrolment::Column::EmployeeId.eq(employee))
                .filter(training_enrolment::Column::Status.eq("completed"))
        }))
        .await?;
    let sessions: Vec<Uuid> = done.iter().map(|e| e.session_id).collect();
    let by_session: std::collections::HashMap<Uuid, Uuid> = tx
        .get_many::<training_session::Entity>(&sessions)
        .await?
        .into_iter()
        .map(|s| (s.id, s.programme_id))
        .collect();
    Ok(programmes
        .into_iter()
        .filter(|prog| {
            !done.iter().any(|e| {
                by_session.get(&e.session_id) == Some(&prog.id)
                    && e.completed_on.is_some_and(|c| {
                        c <= on
                            && prog.validity_months.is_none_or(|m| {
                                c.checked_add_months(Months::new(u32::try_from(m).unwrap_or(0)))
                                    .is_some_and(|until| until > on)
                            })
                    })
            })
        })
        .collect())
}

impl Editable for shift_assignment::Entity {
    type Create = CreateShiftAssignmentInput;
    type Patch = ShiftAssignmentPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageAttendance;

    async fn create(
        tx: &TenantTx,
        input: &CreateShiftAssignmentInput,
        p: &mut P,
    ) -> AppResult<shift_assignment::ActiveModel> {
        let emp = p
            .reference::<employee::Entity>(tx, "employeeId", Some(&input.employee_id))
            .await?;
        let schedule = p
            .reference::<work_schedule::Entity>(tx, "workScheduleId", Some(&input.work_schedule_id))
            .await?;
        if let Some(e) = emp {
            let date = input.work_date;
            p.taken::<shift_assignment::Entity>(
                tx,
                "workDate",
                Condition::all()
                    .add(shift_assignment::Column::EmployeeId.eq(e))
                    .add(shift_assignment::Column::WorkDate.eq(date)),
                "the employee has a shift that day",
            )
            .await?;
            day_open(tx, p, e, date).await?;
        }
        Ok(shift_assignment::ActiveModel {
            employee_id: Set(emp.unwrap_or_default()),
            work_date: Set(input.work_date),
            work_schedule_id: Set(schedule.unwrap_or_default()),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &shift_assignment::Model,
        patch: &ShiftAssignmentPatch,
        p: &mut P,
    ) -> AppResult<shift_assignment::ActiveModel> {
        let mut am = row.clone().into_active_model();
        day_open(tx, p, row.employee_id, row.work_date).await?;
        if let Some(s) = &patch.work_schedule_id {
            am.work_schedule_id = Set(p
                .reference::<work_schedule::Entity>(tx, "patch.workScheduleId", Some(s))
                .await?
                .unwrap_or(row.work_schedule_id));
        }
        Ok(am)
    }

    async fn check_archive(
        tx: &TenantTx,
        row: &shift_assignment::Model,
        p: &mut P,
    ) -> AppResult<()> {
        day_open(tx, p, row.employee_id, row.work_date).await
    }

    async fn check_restore(
        tx: &TenantTx,
        row: &shift_assignment::Model,
        p: &mut P,
    ) -> AppResult<()> {
        day_open(tx, p, row.employee_id, row.work_date).await
    }
}

/// A shift is planned ahead: it changes only on a day without attendance yet (a recorded day
/// is corrected instead), and never on a paid one. The employee's row lock orders it against
/// time events and validation.
async fn day_open(tx: &TenantTx, p: &mut P, employee: Uuid, date: NaiveDate) -> AppResult<()> {
    super::lock_employee(tx, employee).await?;
    let recorded = tx
        .one(tx.select::<attendance_day::Entity>().refine(|q| {
            q.filter(attendance_day::Column::EmployeeId.eq(employee))
                .filter(attendance_day::Column::WorkDate.eq(date))
        }))
        .await?;
    if recorded.is_some() || super::payroll::paid_on(tx, employee, date, date).await? {
        p.row(
            "workDate",
            E::Locked,
            "the day has attendance already; correct the attendance instead",
        );
    }
    Ok(())
}

/// The shifts of an employee in a range, by day.
pub async fn shifts(
    tx: &TenantTx,
    employee: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<std::collections::HashMap<NaiveDate, Uuid>> {
    Ok(tx
        .all(tx.select::<shift_assignment::Entity>().refine(|q| {
            q.filter(shift_assignment::Column::EmployeeId.eq(employee))
                .filter(shift_assignment::Column::WorkDate.between(from, to))
                .filter(shift_assignment::Column::ArchivedAt.is_null())
        }))
        .await?
        .into_iter()
        .map(|s| (s.work_date, s.work_schedule_id))
        .collect())
}

impl Editable for training_programme::Entity {
    type Create = CreateTrainingProgrammeInput;
    type Patch = TrainingProgrammePatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePerformance;

    async fn create(
        tx: &TenantTx,
        input: &CreateTrainingProgrammeInput,
        p: &mut P,
    ) -> AppResult<training_programme::ActiveModel> {
        let c = code(p, "code", &input.code);
        p.unique::<training_programme::Entity>(
            tx,
            "code",
            training_programme::Column::Code,
            &c,
            None,
        )
        .await?;
        if input
            .validity_months
            .is_some_and(|m| !(1..=120).contains(&m))
        {
            p.row("validityMonths", E::Invalid, "1 to 120 months");
        }
        Ok(training_programme::ActiveModel {
            code: Set(c),
            name: Set(p.required_text("name", &input.name, 200)),
            validity_months: Set(input.validity_months),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &training_programme::Model,
        patch: &TrainingProgrammePatch,
        p: &mut P,
    ) -> AppResult<training_programme::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        Ok(am)
    }
}

impl Editable for training_session::Entity {
    type Create = CreateTrainingSessionInput;
    type Patch = TrainingSessionPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePerformance;

    async fn create(
        tx: &TenantTx,
        input: &CreateTrainingSessionInput,
        p: &mut P,
    ) -> AppResult<training_session::ActiveModel> {
        let prog = p
            .reference::<training_programme::Entity>(tx, "programmeId", Some(&input.programme_id))
            .await?;
        if input.ends_on < input.starts_on {
            p.row("endsOn", E::Invalid, "on or after startsOn");
        }
        if !(1..=10_000).contains(&input.capacity) {
            p.row("capacity", E::Invalid, "1 to 10000 seats");
        }
        Ok(training_session::ActiveModel {
            programme_id: Set(prog.unwrap_or_default()),
            starts_on: Set(input.starts_on),
            ends_on: Set(input.ends_on),
            capacity: Set(input.capacity),
            location: Set(p.optional_text("location", input.location.as_deref(), 200)),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &training_session::Model,
        patch: &TrainingSessionPatch,
        p: &mut P,
    ) -> AppResult<training_session::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(c) = patch.capacity {
            let seated = seated(tx, row.id, None).await?;
            if c < 1 || i64::from(c) < seated {
                p.row(
                    "patch.capacity",
                    E::Invalid,
                    format!("at least 1 and the {seated} already enrolled"),
                );
            }
            am.capacity = Set(c);
        }
        if let Some(l) = &patch.location {
            am.location = Set(p.optional_text("patch.location", Some(l), 200));
        }
        Ok(am)
    }
}

/// Seats taken in a session (but `except`).
async fn seated(tx: &TenantTx, session: Uuid, except: Option<Uuid>) -> AppResult<i64> {
    use training_enrolment::Column as T;
    Ok(tx
        .count(tx.select::<training_enrolment::Entity>().refine(|q| {
            let q = q
                .filter(T::SessionId.eq(session))
                .filter(T::Status.ne("cancelled"));
            match except {
                Some(id) => q.filter(T::Id.ne(id)),
                None => q,
            }
        }))
        .await? as i64)
}

impl Editable for training_enrolment::Entity {
    type Create = CreateTrainingEnrolmentInput;
    type Patch = TrainingEnrolmentPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePerformance;

    async fn create(
        tx: &TenantTx,
        input: &CreateTrainingEnrolmentInput,
        p: &mut P,
    ) -> AppResult<training_enrolment::ActiveModel> {
        let emp = p
            .reference::<employee::Entity>(tx, "employeeId", Some(&input.employee_id))
            .await?;
        let session = p
            .reference::<training_session::Entity>(tx, "sessionId", Some(&input.session_id))
            .await?;
        if let (Some(s), Some(e)) = (session, emp) {
            // The session's row lock orders concurrent enrolments: each counts the others'.
            if let Some(s) = tx.get_for_update::<training_session::Entity>(s).await?
                && seated(tx, s.id, None).await? >= i64::from(s.capacity)
            {
                p.row(
                    "sessionId",
                    E::CapacityReached,
                    format!("all {} seats are taken", s.capacity),
                );
            }
            p.taken::<training_enrolment::Entity>(
                tx,
                "employeeId",
                Condition::all()
                    .add(training_enrolment::Column::SessionId.eq(s))
                    .add(training_enrolment::Column::EmployeeId.eq(e)),
                "the employee is enrolled already",
            )
            .await?;
        }
        Ok(training_enrolment::ActiveModel {
            session_id: Set(session.unwrap_or_default()),
            employee_id: Set(emp.unwrap_or_default()),
            status: Set(EnrolmentStatus::Enrolled.db().into()),
            completed_on: Set(None),
            score: Set(None),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &training_enrolment::Model,
        patch: &TrainingEnrolmentPatch,
        p: &mut P,
    ) -> AppResult<training_enrolment::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(s) = patch.status {
            if s != EnrolmentStatus::Cancelled
                && row.status == "cancelled"
                && let Some(session) = tx
                    .get_for_update::<training_session::Entity>(row.session_id)
                    .await?
                && seated(tx, session.id, Some(row.id)).await? >= i64::from(session.capacity)
            {
                p.row("patch.status", E::CapacityReached, "the session is full");
            }
            am.status = Set(s.db().into());
            if s == EnrolmentStatus::Completed {
                let on = patch
                    .completed_on
                    .unwrap_or(super::today(&super::settings(tx).await?));
                am.completed_on = Set(Some(on));
            } else {
                am.completed_on = Set(None);
            }
        }
        if let Some(score) = patch.score {
            if !(0..=100).contains(&score) {
                p.row("patch.score", E::Invalid, "0 to 100");
            }
            am.score = Set(Some(score));
        }
        Ok(am)
    }
}

impl Editable for position_required_training::Entity {
    type Create = CreatePositionRequiredTrainingInput;
    type Patch = PositionRequiredTrainingPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageHr;

    async fn create(
        tx: &TenantTx,
        input: &CreatePositionRequiredTrainingInput,
        p: &mut P,
    ) -> AppResult<position_required_training::ActiveModel> {
        let pos = p
            .reference::<position::Entity>(tx, "positionId", Some(&input.position_id))
            .await?;
        let prog = p
            .reference::<training_programme::Entity>(tx, "programmeId", Some(&input.programme_id))
            .await?;
        if let (Some(a), Some(b)) = (pos, prog) {
            p.taken::<position_required_training::Entity>(
                tx,
                "programmeId",
                Condition::all()
                    .add(position_required_training::Column::PositionId.eq(a))
                    .add(position_required_training::Column::ProgrammeId.eq(b)),
                "the position requires it already",
            )
            .await?;
        }
        Ok(position_required_training::ActiveModel {
            position_id: Set(pos.unwrap_or_default()),
            programme_id: Set(prog.unwrap_or_default()),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &position_required_training::Model,
        _patch: &PositionRequiredTrainingPatch,
        _p: &mut P,
    ) -> AppResult<position_required_training::ActiveModel> {
        Ok(row.clone().into_active_model())
    }
}

impl Editable for performance_cycle::Entity {
    type Create = CreatePerformanceCycleInput;
    type Patch = PerformanceCyclePatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePerformance;

    async fn create(
        _tx: &TenantTx,
        input: &CreatePerformanceCycleInput,
        p: &mut P,
    ) -> AppResult<performance_cycle::ActiveModel> {
        if input.period_end < input.period_start {
            p.row("periodEnd", E::Invalid, "on or after periodStart");
        }
        Ok(performance_cycle::ActiveModel {
            name: Set(p.required_text("name", &input.name, 200)),
            period_start: Set(input.period_start),
            period_end: Set(input.period_end),
            status: Set(CycleStatus::NotStarted.db().into()),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &performance_cycle::Model,
        patch: &PerformanceCyclePatch,
        p: &mut P,
    ) -> AppResult<performance_cycle::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        Ok(am)
    }
}

impl Editable for performance_goal::Entity {
    type Create = CreatePerformanceGoalInput;
    type Patch = PerformanceGoalPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePerformance;

    async fn create(
        tx: &TenantTx,
        input: &CreatePerformanceGoalInput,
        p: &mut P,
    ) -> AppResult<performance_goal::ActiveModel> {
        let cycle = p
            .reference::<performance_cycle::Entity>(tx, "cycleId", Some(&input.cycle_id))
            .await?;
        // The cycle's row lock orders this against starting it.
        if let Some(c) = cycle
            && tx
                .get_for_update::<performance_cycle::Entity>(c)
                .await?
                .is_some_and(|c| c.status != "not_started")
        {
            p.row(
                "cycleId",
                E::Locked,
                "goals are set before the cycle starts",
            );
        }
        if !(1..=100).contains(&input.weight) {
            p.row("weight", E::Invalid, "1 to 100 percent");
        }
        Ok(performance_goal::ActiveModel {
            cycle_id: Set(cycle.unwrap_or_default()),
            employee_id: Set(p
                .reference::<employee::Entity>(tx, "employeeId", Some(&input.employee_id))
                .await?
                .unwrap_or_default()),
            title: Set(p.required_text("title", &input.title, 500)),
            weight: Set(input.weight),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn check_restore(
        tx: &TenantTx,
        row: &performance_goal::Model,
        p: &mut P,
    ) -> AppResult<()> {
        Self::check_archive(tx, row, p).await
    }

    async fn check_archive(
        tx: &TenantTx,
        row: &performance_goal::Model,
        p: &mut P,
    ) -> AppResult<()> {
        if tx
            .get_for_update::<performance_cycle::Entity>(row.cycle_id)
            .await?
            .is_some_and(|c| c.status != "not_started")
        {
            p.row("id", E::Locked, "goals are set before the cycle starts");
        }
        Ok(())
    }

    async fn patch(
        tx: &TenantTx,
        row: &performance_goal::Model,
        patch: &PerformanceGoalPatch,
        p: &mut P,
    ) -> AppResult<performance_goal::ActiveModel> {
        if tx
            .get_for_update::<performance_cycle::Entity>(row.cycle_id)
            .await?
            .is_some_and(|c| c.status != "not_started")
        {
            p.row("id", E::Locked, "goals are set before the cycle starts");
        }
        let mut am = row.clone().into_active_model();
        if let Some(t) = &patch.title {
            am.title = Set(p.required_text("patch.title", t, 500));
        }
        if let Some(w) = patch.weight {
            if !(1..=100).contains(&w) {
                p.row("patch.weight", E::Invalid, "1 to 100 percent");
            }
            am.weight = Set(w);
        }
        Ok(am)
    }
}

/// Starts or completes a cycle.
pub async fn cycle_act(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    complete: bool,
) -> AppResult<Checked<performance_cycle::Model>> {
    let Some(cycle) = tx.get_for_update::<performance_cycle::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such performance cycle"));
    };
    crate::services::access::check_version(cycle.version, expected_version)?;
    let want = if complete {
        "in_progress"
    } else {
        "not_started"
    };
    if cycle.status != want {
        return Ok(refuse(
            "id",
            E::IllegalTransition,
            format!("the cycle is {}", cycle.status),
        ));
    }
    if complete {
        let reviews = tx
            .all(
                tx.select::<performance_review::Entity>()
                    .refine(|q| q.filter(performance_review::Column::CycleId.eq(id))),
            )
            .await?;
        let open = reviews.iter().filter(|r| r.manager_score.is_none()).count();
        if open > 0 {
            return Ok(refuse(
                "id",
                E::ReviewsIncomplete,
                format!("{open} review(s) lack the manager's part"),
            ));
        }
        for r in reviews {
            advance::<performance_review::Entity, _>(tx, Some(actor), &r, "finalised", |am| {
                am.final_score = Set(r.manager_score);
                am.status = Set(ReviewStatus::Final.db().into());
            })
            .await?;
        }
        return Ok(Ok(advance::<performance_cycle::Entity, _>(
            tx,
            Some(actor),
            &cycle,
            "completed",
            |am| {
                am.status = Set(CycleStatus::Completed.db().into());
            },
        )
        .await?));
    }
    let goals = tx
        .all(tx.select::<performance_goal::Entity>().refine(|q| {
            q.filter(performance_goal::Column::CycleId.eq(id))
                .filter(performance_goal::Column::ArchivedAt.is_null())
                .order_by_asc(performance_goal::Column::EmployeeId)
        }))
        .await?;
    let mut weights: std::collections::BTreeMap<Uuid, i32> = Default::default();
    for g in &goals {
        *weights.entry(g.employee_id).or_default() += g.weight;
    }
    if weights.is_empty() {
        return Ok(refuse(
            "id",
            E::Invalid,
            "no goals: set goals before starting the cycle",
        ));
    }
    let off: Vec<String> = weights
        .iter()
        .filter(|(_, w)| **w != 100)
        .map(|(e, w)| format!("{e}: {w}"))
        .collect();
    if !off.is_empty() {
        return Ok(refuse(
            "id",
            E::Invalid,
            format!(
                "each employee's goal weights total 100; not so for {}",
                off.join(", ")
            ),
        ));
    }
    // Every reviewed employee needs a manager who signs in to write the manager's part,
    // or the cycle could never complete.
    let people = tx
        .get_many::<employee::Entity>(&weights.keys().copied().collect::<Vec<_>>())
        .await?;
    let mut unmanaged = Vec::new();
    for e in &people {
        let manager_user = match e.manager_id {
            Some(m) => tx.get::<employee::Entity>(m).await?.and_then(|m| m.user_id),
            None => None,
        };
        if manager_user.is_none() {
            unmanaged.push(e.employee_number.clone());
        }
    }
    if !unmanaged.is_empty() {
        return Ok(refuse(
            "id",
            E::Invalid,
            format!(
                "these employees have no manager who signs in to review them: {}",
                unmanaged.join(", ")
            ),
        ));
    }
    for employee in weights.keys() {
        let mut am = performance_review::ActiveModel {
            cycle_id: Set(id),
            employee_id: Set(*employee),
            self_score: Set(None),
            self_comment: Set(None),
            manager_score: Set(None),
            manager_comment: Set(None),
            final_score: Set(None),
            status: Set(ReviewStatus::Open.db().into()),
            archived_at: Set(None),
            ..Default::default()
        };
        crate::graphql::resource::stamp_new::<performance_review::Entity>(&mut am, Some(actor))?;
        tx.insert::<performance_review::Entity, _>(am).await?;
    }
    Ok(Ok(advance::<performance_cycle::Entity, _>(
        tx,
        Some(actor),
        &cycle,
        "started",
        |am| {
            am.status = Set(CycleStatus::InProgress.db().into());
        },
    )
    .await?))
}

/// Writes the employee's own part of their review in a cycle (`employee` none), or the
/// manager's part of an employee's review.
#[allow(clippy::too_many_arguments)]
pub async fn review(
    tx: &TenantTx,
    actor: Uuid,
    cycle: Uuid,
    employee: Option<Uuid>,
    expected_version: Option<i32>,
    score: i32,
    comment: Option<&str>,
) -> AppResult<Checked<performance_review::Model>> {
    let manager_part = employee.is_some();
    let employee = match employee {
        Some(e) => e,
        None => match super::employee_of_user(tx, actor).await? {
            Some(e) => e.id,
            None => return Ok(refuse("", E::NotLinked, "your user has no employee record")),
        },
    };
    let Some(row) = tx
        .one(tx.select::<performance_review::Entity>().refine(|q| {
            q.filter(performance_review::Column::CycleId.eq(cycle))
                .filter(performance_review::Column::EmployeeId.eq(employee))
        }))
        .await?
    else {
        return Ok(refuse(
            "cycleId",
            E::NotFound,
            "no review of the employee in this cycle (is the cycle started?)",
        ));
    };
    let Some(row) = tx
        .get_for_update::<performance_review::Entity>(row.id)
        .await?
    else {
        return Ok(refuse("cycleId", E::NotFound, "no such performance review"));
    };
    if let Some(v) = expected_version {
        crate::services::access::check_version(row.version, v)?;
    }
    if row.status == "final" {
        return Ok(refuse("id", E::Locked, "the review is final"));
    }
    if !(1..=5).contains(&score) {
        return Ok(refuse("score", E::Invalid, "1 to 5"));
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > 4000) {
        return Ok(refuse("comment", E::TooLong, "at most 4000 characters"));
    }
    let Some(emp) = tx.get::<employee::Entity>(row.employee_id).await? else {
        return Ok(refuse("id", E::NotFound, "no such employee"));
    };
    if manager_part {
        if emp.user_id == Some(actor) {
            return Ok(refuse(
                "id",
                E::SelfApproval,
                "your manager writes this part of your review",
            ));
        }
        let manager_user = match emp.manager_id {
            Some(m) => tx.get::<employee::Entity>(m).await?.and_then(|m| m.user_id),
            None => None,
        };
        if manager_user != Some(actor) {
            return Ok(refuse(
                "id",
                E::NotAnApprover,
                "only the employee's manager writes this part",
            ));
        }
    } else if emp.user_id != Some(actor) {
        return Ok(refuse(
            "id",
            E::NotRequester,
            "only the employee writes their own part",
        ));
    }
    let comment = comment.map(str::to_owned);
    Ok(Ok(advance::<performance_review::Entity, _>(
        tx,
        Some(actor),
        &row,
        if manager_part {
            "manager_reviewed"
        } else {
            "self_reviewed"
        },
        |am| {
            if manager_part {
                am.manager_score = Set(Some(score));
                am.manager_comment = Set(comment);
                am.status = Set(ReviewStatus::ManagerDone.db().into());
            } else {
                am.self_score = Set(Some(score));
                am.self_comment = Set(comment);
                if row.manager_score.is_none() {
                    am.status = Set(ReviewStatus::SelfDone.db().into());
                }
            }
        },
    )
    .await?))
}
