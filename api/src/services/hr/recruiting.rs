//! Recruiting: headcount plans, job requisitions approved through the workflow kernel, job
//! openings, applicants and their pipeline, interviews with scored feedback, and offers.
//!
//! Invariants:
//! - a requisition is submitted only when the unit's headcount plan (when there is one for
//!   the day) has room: planned − (employees in the unit + vacancies of other open
//!   requisitions) ≥ its vacancies (`NO_VACANCY`); the requester never approves it
//!   (`SELF_APPROVAL`, from the kernel);
//! - openings belong to approved requisitions; applicants to open openings, once per e-mail;
//! - an applicant moves through `APPLIED → SCREENING → INTERVIEW → OFFER → HIRED`, or ends
//!   `REJECTED` or `WITHDRAWN`; the offer and hired stages are reached only through an offer
//!   and its onboarding;
//! - an offer needs an approved requisition with a vacancy not yet promised to another
//!   accepted offer (`NO_VACANCY`, checked with the requisition locked, at creation and at
//!   acceptance); an applicant has at most one live offer (a partial unique index);
//! - accepting an offer opens the onboarding with its checklist (see `onboarding`).

use chrono::{NaiveDate, Utc};
use entity::TenantTx;
use entity::hr::{
    applicant, headcount_plan, interview, interview_feedback, job_offer, job_opening,
    job_requisition, salary_structure, work_schedule,
};
use entity::org::{employee, org_unit};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Checked, HrErrorCode as E, refuse};
use crate::auth::Permission;
use crate::error::{AppError, AppResult};
use crate::graphql::core::Session;
use crate::graphql::hr::ContractType;
use crate::graphql::listing::DbEnum;
use crate::graphql::recruiting::{
    Applicant, ApplicantFilter, ApplicantOrder, ApplicantPatch, CreateApplicantInput,
    CreateHeadcountPlanInput, CreateInterviewInput, CreateJobOfferInput, CreateJobOpeningInput,
    CreateJobRequisitionInput, HeadcountPlan, HeadcountPlanFilter, HeadcountPlanOrder,
    HeadcountPlanPatch, Interview, InterviewFilter, InterviewOrder, InterviewPatch,
    InterviewStatus, JobOffer, JobOfferFilter, JobOfferOrder, JobOpening, JobOpeningFilter,
    JobOpeningOrder, JobOpeningPatch, JobRequisition, JobRequisitionFilter, JobRequisitionOrder,
    JobRequisitionPatch, OpeningStatus, Recommendation,
};
use crate::graphql::resource::{Editable, Problems, Resource};
use crate::services::approvals::{self, Facts, Outcome};
use crate::services::numbering::{self, DocumentType};
use crate::services::workflow::{StateMachine, advance, transition};

type P = Problems<E>;

crate::state_machine! {
    /// Where a job requisition is.
    JobRequisitionState / JobRequisitionAction for "job requisition" {
        states {
            /// Being written; the only state in which it changes.
            Draft = "draft",
            /// Submitted and waiting for its approval.
            ToApprove = "to_approve",
            /// Approved: openings and offers may use its vacancies.
            Approved = "approved",
            /// Every vacancy is filled.
            Filled = "filled",
            /// An approver rejected it.
            Rejected = "rejected",
            /// Withdrawn, or closed with vacancies left.
            Cancelled = "cancelled",
        }
        transitions {
            /// Send it for approval.
            Submit "submitted": [Draft] => ToApprove,
            /// The last required approval was given.
            Approve "approved": [ToApprove] => Approved,
            /// An approver rejected it.
            Reject "rejected": [ToApprove] => Rejected,
            /// The last vacancy was filled (by an onboarding).
            Fill "filled": [Approved] => Filled,
            /// Withdraw it, or stop hiring for it.
            Cancel "cancelled": [Draft, ToApprove, Approved, Rejected] => Cancelled,
            /// Take a rejected or cancelled requisition back into draft.
            Reopen "reopened": [Rejected, Cancelled] => Draft,
        }
    }
}

crate::state_machine! {
    /// Where an applicant is in the hiring pipeline.
    ApplicantStage / ApplicantAction for "applicant" {
        states {
            /// Applied; not looked at yet.
            Applied = "applied",
            /// Being screened.
            Screening = "screening",
            /// Interviewing.
            Interview = "interview",
            /// Has an offer.
            Offer = "offer",
            /// Hired: the onboarding created the employee.
            Hired = "hired",
            /// Turned down by the company.
            Rejected = "rejected",
            /// Withdrew, or declined the offer.
            Withdrawn = "withdrawn",
        }
        transitions {
            /// Start screening.
            Screen "screened": [Applied] => Screening,
            /// Invite to interviews.
            Interview "invited": [Applied, Screening] => Interview,
            /// An offer was made (by `createJobOffer`).
            Offer "offered": [Screening, Interview] => Offer,
            /// The onboarding completed (by `completeOnboarding`).
            Hire "hired": [Offer] => Hired,
            /// Turn the applicant down.
            Reject "rejected": [Applied, Screening, Interview] => Rejected,
            /// The applicant withdrew.
            Withdraw "withdrawn": [Applied, Screening, Interview, Offer] => Withdrawn,
            /// Back into the interviews (a rejected or withdrawn applicant reconsidered, or an
            /// offer withdrawn).
            Reconsider "reconsidered": [Rejected, Withdrawn, Offer] => Interview,
        }
    }
}

crate::state_machine! {
    /// Where a job offer is.
    JobOfferState / JobOfferAction for "job offer" {
        states {
            /// Being prepared.
            Draft = "draft",
            /// Sent to the applicant.
            Sent = "sent",
            /// Accepted: the onboarding is open.
            Accepted = "accepted",
            /// The applicant declined.
            Declined = "declined",
            /// The company withdrew it.
            Withdrawn = "withdrawn",
        }
        transitions {
            /// Send it.
            Send "sent": [Draft] => Sent,
            /// The applicant accepted.
            Accept "accepted": [Sent] => Accepted,
            /// The applicant declined.
            Decline "declined": [Sent] => Declined,
            /// The company withdrew it.
            Withdraw "withdrawn": [Draft, Sent] => Withdrawn,
        }
    }
}

/// The state of a stored requisition.
pub fn requisition_state(row: &job_requisition::Model) -> JobRequisitionState {
    JobRequisitionState::from_db(&row.status).unwrap_or(JobRequisitionState::Cancelled)
}

/// The stage of a stored applicant.
pub fn stage(row: &applicant::Model) -> ApplicantStage {
    ApplicantStage::from_db(&row.stage).unwrap_or(ApplicantStage::Withdrawn)
}

/// The state of a stored offer.
pub fn offer_state(row: &job_offer::Model) -> JobOfferState {
    JobOfferState::from_db(&row.status).unwrap_or(JobOfferState::Withdrawn)
}

impl Resource for headcount_plan::Entity {
    type Node = HeadcountPlan;
    type Filter = HeadcountPlanFilter;
    type Order = HeadcountPlanOrder;
    const VIEW: Permission = Permission::ViewRecruiting;
}

/// The first day of a plan's period must not be after its last.
fn period(p: &mut P, start: NaiveDate, end: NaiveDate) {
    if end < start {
        p.row("periodEnd", E::Invalid, "on or after periodStart");
    }
}

impl Editable for headcount_plan::Entity {
    type Create = CreateHeadcountPlanInput;
    type Patch = HeadcountPlanPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageRecruiting;

    async fn create(
        tx: &TenantTx,
        input: &CreateHeadcountPlanInput,
        p: &mut P,
    ) -> AppResult<headcount_plan::ActiveModel> {
        let unit = p
            .reference::<org_unit::Entity>(tx, "orgUnitId", Some(&input.org_unit_id))
            .await?;
        period(p, input.period_start, input.period_end);
        if input.planned_headcount < 0 {
            p.row("plannedHeadcount", E::Invalid, "zero or more");
        }
        if let Some(u) = unit {
            let start = input.period_start;
            let end = input.period_end;
            let clash = tx
                .one(tx.select::<headcount_plan::Entity>().refine(|q| {
                    q.filter(headcount_plan::Column::OrgUnitId.eq(u))
                        .filter(headcount_plan::Column::PeriodStart.lte(end))
                        .filter(headcount_plan::Column::PeriodEnd.gte(start))
                        .filter(headcount_plan::Column::ArchivedAt.is_null())
                }))
                .await?;
            if clash.is_some() {
                p.row(
                    "periodStart",
                    E::Overlap,
                    "the unit has a plan for part of this period",
                );
            }
        }
        Ok(headcount_plan::ActiveModel {
            org_unit_id: Set(unit.unwrap_or_default()),
            period_start: Set(input.period_start),
            period_end: Set(input.period_end),
            planned_headcount: Set(input.planned_headcount),
            note: Set(p.optional_text("note", input.note.as_deref(), 1000)),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &headcount_plan::Model,
        patch: &HeadcountPlanPatch,
        p: &mut P,
    ) -> AppResult<headcount_plan::ActiveModel> {
        let mut am = row.clone().into_active_model();
        let end = patch.period_end.unwrap_or(row.period_end);
        period(p, row.period_start, end);
        let (unit, start, id) = (row.org_unit_id, row.period_start, row.id);
        let clash = tx
            .one(tx.select::<headcount_plan::Entity>().refine(|q| {
                q.filter(headcount_plan::Column::OrgUnitId.eq(unit))
                    .filter(headcount_plan::Column::PeriodStart.lte(end))
                    .filter(headcount_plan::Column::PeriodEnd.gte(start))
                    .filter(headcount_plan::Column::Id.ne(id))
                    .filter(headcount_plan::Column::ArchivedAt.is_null())
            }))
            .await?;
        if clash.is_some() {
            p.row(
                "patch.periodEnd",
                E::Overlap,
                "the unit has a plan for part of this period",
            );
        }
        am.period_end = Set(end);
        if let Some(n) = patch.planned_headcount {
            if n < 0 {
                p.row("patch.plannedHeadcount", E::Invalid, "zero or more");
            }
            am.planned_headcount = Set(n);
        }
        if let Some(n) = &patch.note {
            am.note = Set(p.optional_text("patch.note", Some(n), 1000));
        }
        Ok(am)
    }
}

/// Employees in a unit who have not left.
pub async fn actual_headcount(tx: &TenantTx, unit: Uuid) -> AppResult<i64> {
    Ok(tx
        .count(tx.select::<employee::Entity>().refine(|q| {
            q.filter(employee::Column::OrgUnitId.eq(unit))
                .filter(employee::Column::Status.ne("left"))
                .filter(employee::Column::ArchivedAt.is_null())
        }))
        .await? as i64)
}

/// Vacancies not yet filled in a unit's requisitions that are waiting or approved (but
/// `except`).
pub async fn open_vacancies(tx: &TenantTx, unit: Uuid, except: Option<Uuid>) -> AppResult<i64> {
    use job_requisition::Column as R;
    Ok(tx
        .all(tx.select::<job_requisition::Entity>().refine(|q| {
            let q = q
                .filter(R::OrgUnitId.eq(unit))
                .filter(R::Status.is_in(["to_approve", "approved"]));
            match except {
                Some(id) => q.filter(R::Id.ne(id)),
                None => q,
            }
        }))
        .await?
        .iter()
        .map(|r| i64::from((r.vacancies - r.filled).max(0)))
        .sum())
}

/// The plan of a unit covering a day.
pub async fn plan_on(
    tx: &TenantTx,
    unit: Uuid,
    day: NaiveDate,
) -> AppResult<Option<headcount_plan::Model>> {
    use headcount_plan::Column as H;
    Ok(tx
        .one(tx.select::<headcount_plan::Entity>().refine(|q| {
            q.filter(H::OrgUnitId.eq(unit))
                .filter(H::PeriodStart.lte(day))
                .filter(H::PeriodEnd.gte(day))
                .filter(H::ArchivedAt.is_null())
        }))
        .await?)
}

impl Resource for job_requisition::Entity {
    type Node = JobRequisition;
    type Filter = JobRequisitionFilter;
    type Order = JobRequisitionOrder;
    const VIEW: Permission = Permission::ViewRecruiting;

    // Line managers ask for people: they read their own requisitions without recruiting's
    // permission.
    fn authorize<'a>(ctx: &'a async_graphql::Context<'_>) -> AppResult<&'a Session> {
        use crate::graphql::core::ContextExt;
        let session = ctx.session()?;
        if !session.principal.can(Permission::ViewRecruiting) {
            session.principal.require(Permission::SubmitRequests)?;
        }
        Ok(session)
    }

    fn visible(session: &Session) -> Option<sea_orm::Condition> {
        (!session.principal.can(Permission::ViewRecruiting)).then(|| {
            sea_orm::Condition::all()
                .add(job_requisition::Column::RequesterUserId.eq(session.principal.actor_id))
        })
    }

    fn may_see(session: &Session, row: &job_requisition::Model) -> bool {
        session.principal.can(Permission::ViewRecruiting)
            || row.requester_user_id == session.principal.actor_id
    }
}

/// Checks a requisition's numbers.
fn requisition_terms(p: &mut P, vacancies: i32, salary_max: Decimal, decimals: u32) {
    if !(1..=1000).contains(&vacancies) {
        p.row("vacancies", E::Invalid, "1 to 1000");
    }
    if salary_max <= Decimal::ZERO || salary_max.normalize().scale() > decimals {
        p.row(
            "salaryMax",
            E::Invalid,
            "more than zero, in whole minor units",
        );
    }
}

impl Editable for job_requisition::Entity {
    type Create = CreateJobRequisitionInput;
    type Patch = JobRequisitionPatch;
    type Code = E;
    // Anyone who files requests may ask for a hire; its approval decides.
    const MANAGE: Permission = Permission::SubmitRequests;

    async fn create(
        tx: &TenantTx,
        input: &CreateJobRequisitionInput,
        p: &mut P,
    ) -> AppResult<job_requisition::ActiveModel> {
        let currency = crate::services::accounting::base_currency(tx).await?;
        let decimals = crate::services::accounting::currency_decimals(&currency);
        requisition_terms(p, input.vacancies, input.salary_max.0, decimals);
        let unit = p
            .reference::<org_unit::Entity>(tx, "orgUnitId", Some(&input.org_unit_id))
            .await?;
        let plan = p
            .reference::<headcount_plan::Entity>(
                tx,
                "headcountPlanId",
                input.headcount_plan_id.as_ref(),
            )
            .await?;
        if let (Some(plan), Some(unit)) = (plan, unit)
            && tx
                .get::<headcount_plan::Entity>(plan)
                .await?
                .is_some_and(|h| h.org_unit_id != unit)
        {
            p.row("headcountPlanId", E::Invalid, "a plan of the same unit");
        }
        let Some(actor) = tx.actor().id else {
            return Err(AppError::internal(anyhow::anyhow!(
                "a requisition needs a requester"
            )));
        };
        let number =
            numbering::allocate(tx, DocumentType::JobRequisition, Utc::now().date_naive()).await?;
        Ok(job_requisition::ActiveModel {
            number: Set(number),
            requester_user_id: Set(actor),
            org_unit_id: Set(unit.unwrap_or_default()),
            headcount_plan_id: Set(plan),
            title: Set(p.required_text("title", &input.title, 200)),
            vacancies: Set(input.vacancies),
            filled: Set(0),
            salary_max: Set(input.salary_max.0),
            currency: Set(currency),
            reason: Set(p.optional_text("reason", input.reason.as_deref(), 1000)),
            status: Set(JobRequisitionState::Draft.db().into()),
            submitted_at: Set(None),
            approved_at: Set(None),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &job_requisition::Model,
        patch: &JobRequisitionPatch,
        p: &mut P,
    ) -> AppResult<job_requisition::ActiveModel> {
        if requisition_state(row) != JobRequisitionState::Draft {
            p.row("id", E::Locked, "only a draft requisition changes");
        }
        let mut am = row.clone().into_active_model();
        if let Some(t) = &patch.title {
            am.title = Set(p.required_text("patch.title", t, 200));
        }
        let vacancies = patch.vacancies.unwrap_or(row.vacancies);
        let salary = patch.salary_max.map_or(row.salary_max, |s| s.0);
        requisition_terms(
            p,
            vacancies,
            salary,
            crate::services::accounting::currency_decimals(&row.currency),
        );
        am.vacancies = Set(vacancies);
        am.salary_max = Set(salary);
        if let Some(r) = &patch.reason {
            am.reason = Set(p.optional_text("patch.reason", Some(r), 1000));
        }
        let _ = tx;
        Ok(am)
    }
}

/// Submits, cancels or reopens a requisition (its requester, or `MANAGE_RECRUITING`).
pub async fn requisition_act(
    tx: &TenantTx,
    actor: Uuid,
    manage: bool,
    id: Uuid,
    expected_version: i32,
    action: JobRequisitionAction,
    reason: Option<&str>,
) -> AppResult<Checked<job_requisition::Model>> {
    let Some(row) = tx.get_for_update::<job_requisition::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such job requisition"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.requester_user_id != actor && !manage {
        return Ok(refuse(
            "id",
            E::NotRequester,
            "only the requester or recruiting moves a requisition",
        ));
    }
    let was = requisition_state(&row);
    if !matches!(
        action,
        JobRequisitionAction::Submit | JobRequisitionAction::Cancel | JobRequisitionAction::Reopen
    ) {
        return Ok(refuse(
            "id",
            E::IllegalTransition,
            "approval and filling happen through the approval and the onboarding",
        ));
    }
    if let Err(e) = transition::<_, E>(was, action) {
        return Ok(Err(vec![e]));
    }
    match action {
        JobRequisitionAction::Submit => {
            let today = super::today(&super::settings(tx).await?);
            let plan = match row.headcount_plan_id {
                Some(p) => Some(p),
                None => plan_on(tx, row.org_unit_id, today).await?.map(|p| p.id),
            };
            // The plan's row lock serialises submissions against it: each sees the others'.
            let plan = match plan {
                Some(p) => tx.get_for_update::<headcount_plan::Entity>(p).await?,
                None => None,
            };
            if let Some(plan) = plan {
                let actual = actual_headcount(tx, row.org_unit_id).await?;
                let open = open_vacancies(tx, row.org_unit_id, Some(row.id)).await?;
                let room = i64::from(plan.planned_headcount) - actual - open;
                if room < i64::from(row.vacancies) {
                    return Ok(refuse(
                        "vacancies",
                        E::NoVacancy,
                        format!(
                            "the unit's plan allows {} people; {actual} are employed and {open} \
                             more are being hired, so {} can be asked for",
                            plan.planned_headcount,
                            room.max(0)
                        ),
                    ));
                }
            }
            let facts = Facts {
                document_type: "JobRequisition",
                document_id: row.id,
                document_number: Some(row.number.clone()),
                requester: row.requester_user_id,
                amount: row.salary_max * Decimal::from(12) * Decimal::from(row.vacancies),
                currency: row.currency.clone(),
                cost_centre_id: None,
                org_unit_id: Some(row.org_unit_id),
                category: None,
                due_on: None,
            };
            let (_, outcome) = match approvals::submit(tx, &facts).await? {
                Ok(done) => done,
                Err(e) => return Ok(Err(super::from_approvals(e))),
            };
            let submitted = move_requisition(tx, actor, &row, action, |am| {
                am.submitted_at = Set(Some(Utc::now()));
            })
            .await?;
            if outcome == Outcome::Approved {
                return Ok(Ok(move_requisition(
                    tx,
                    actor,
                    &submitted,
                    JobRequisitionAction::Approve,
                    |_| {},
                )
                .await?));
            }
            Ok(Ok(submitted))
        }
        JobRequisitionAction::Cancel => {
            if was == JobRequisitionState::ToApprove {
                approvals::withdraw(tx, actor, "JobRequisition", row.id, reason).await?;
            }
            Ok(Ok(move_requisition(tx, actor, &row, action, |_| {}).await?))
        }
        _ => Ok(Ok(move_requisition(tx, actor, &row, action, |_| {}).await?)),
    }
}

async fn move_requisition(
    tx: &TenantTx,
    actor: Uuid,
    row: &job_requisition::Model,
    action: JobRequisitionAction,
    change: impl FnOnce(&mut job_requisition::ActiveModel),
) -> AppResult<job_requisition::Model> {
    let to = requisition_state(row)
        .next(action)
        .unwrap_or(requisition_state(row));
    advance::<job_requisition::Entity, _>(
        tx,
        Some(actor),
        row,
        JobRequisitionState::past(action),
        |am| {
            am.status = Set(to.db().into());
            if action == JobRequisitionAction::Approve {
                am.approved_at = Set(Some(Utc::now()));
            }
            change(am);
        },
    )
    .await
}

/// Moves a requisition on when its approval completes (called by `approvals::decide_document`).
pub async fn on_decided(tx: &TenantTx, actor: Uuid, id: Uuid, outcome: Outcome) -> AppResult<()> {
    let Some(row) = tx.get_for_update::<job_requisition::Entity>(id).await? else {
        return Err(AppError::internal(anyhow::anyhow!(
            "a decided job requisition vanished"
        )));
    };
    let action = match outcome {
        Outcome::Pending => return Ok(()),
        Outcome::Approved => JobRequisitionAction::Approve,
        Outcome::Rejected => JobRequisitionAction::Reject,
    };
    move_requisition(tx, actor, &row, action, |_| {}).await?;
    Ok(())
}

impl Resource for job_opening::Entity {
    type Node = JobOpening;
    type Filter = JobOpeningFilter;
    type Order = JobOpeningOrder;
    const VIEW: Permission = Permission::ViewRecruiting;
}

impl Editable for job_opening::Entity {
    type Create = CreateJobOpeningInput;
    type Patch = JobOpeningPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageRecruiting;

    async fn create(
        tx: &TenantTx,
        input: &CreateJobOpeningInput,
        p: &mut P,
    ) -> AppResult<job_opening::ActiveModel> {
        let req = p
            .reference::<job_requisition::Entity>(tx, "requisitionId", Some(&input.requisition_id))
            .await?;
        let title = match req {
            Some(r) => {
                let r = tx.get::<job_requisition::Entity>(r).await?;
                if r.as_ref().map(requisition_state) != Some(JobRequisitionState::Approved) {
                    p.row(
                        "requisitionId",
                        E::Locked,
                        "openings are published for approved requisitions with vacancies",
                    );
                }
                input
                    .title
                    .clone()
                    .or_else(|| r.map(|r| r.title))
                    .unwrap_or_default()
            }
            None => input.title.clone().unwrap_or_default(),
        };
        Ok(job_opening::ActiveModel {
            requisition_id: Set(req.unwrap_or_default()),
            title: Set(p.required_text("title", &title, 200)),
            description: Set(p.optional_text("description", input.description.as_deref(), 4000)),
            closes_on: Set(input.closes_on),
            status: Set(OpeningStatus::Open.db().into()),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &job_opening::Model,
        patch: &JobOpeningPatch,
        p: &mut P,
    ) -> AppResult<job_opening::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(t) = &patch.title {
            am.title = Set(p.required_text("patch.title", t, 200));
        }
        if let Some(d) = &patch.description {
            am.description = Set(p.optional_text("patch.description", Some(d), 4000));
        }
        match &patch.closes_on {
            async_graphql::MaybeUndefined::Value(c) => am.closes_on = Set(Some(*c)),
            async_graphql::MaybeUndefined::Null => am.closes_on = Set(None),
            async_graphql::MaybeUndefined::Undefined => {}
        }
        if let Some(s) = patch.status {
            am.status = Set(s.db().into());
        }
        Ok(am)
    }
}

impl Resource for applicant::Entity {
    type Node = Applicant;
    type Filter = ApplicantFilter;
    type Order = ApplicantOrder;
    const VIEW: Permission = Permission::ViewRecruiting;
}

fn applicant_email(p: &mut P, path: &str, value: &str) -> String {
    let value = value.trim().to_lowercase();
    if !crate::services::org::valid_email(&value) {
        p.row(path, E::Invalid, "not an email address");
    }
    value
}

impl Editable for applicant::Entity {
    type Create = CreateApplicantInput;
    type Patch = ApplicantPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageRecruiting;

    async fn create(
        tx: &TenantTx,
        input: &CreateApplicantInput,
        p: &mut P,
    ) -> AppResult<applicant::ActiveModel> {
        let opening = p
            .reference::<job_opening::Entity>(tx, "openingId", Some(&input.opening_id))
            .await?;
        if let Some(o) = opening
            && tx
                .get::<job_opening::Entity>(o)
                .await?
                .is_some_and(|o| o.status != "open")
        {
            p.row("openingId", E::Locked, "the opening is closed");
        }
        let email = applicant_email(p, "email", &input.email);
        if let Some(o) = opening {
            p.taken::<applicant::Entity>(
                tx,
                "email",
                Condition::all()
                    .add(applicant::Column::OpeningId.eq(o))
                    .add(applicant::Column::Email.eq(email.clone())),
                "this person applied for the opening already",
            )
            .await?;
        }
        Ok(applicant::ActiveModel {
            opening_id: Set(opening.unwrap_or_default()),
            family_name: Set(p.required_text("familyName", &input.family_name, 100)),
            given_name: Set(p.required_text("givenName", &input.given_name, 100)),
            email: Set(email),
            phone: Set(p.optional_text("phone", input.phone.as_deref(), 40)),
            source: Set(p.optional_text("source", input.source.as_deref(), 100)),
            stage: Set(ApplicantStage::Applied.db().into()),
            note: Set(p.optional_text("note", input.note.as_deref(), 2000)),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &applicant::Model,
        patch: &ApplicantPatch,
        p: &mut P,
    ) -> AppResult<applicant::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.family_name {
            am.family_name = Set(p.required_text("patch.familyName", n, 100));
        }
        if let Some(n) = &patch.given_name {
            am.given_name = Set(p.required_text("patch.givenName", n, 100));
        }
        if let Some(e) = &patch.email {
            let email = applicant_email(p, "patch.email", e);
            p.taken::<applicant::Entity>(
                tx,
                "patch.email",
                Condition::all()
                    .add(applicant::Column::OpeningId.eq(row.opening_id))
                    .add(applicant::Column::Email.eq(email.clone()))
                    .add(applicant::Column::Id.ne(row.id)),
                "another applicant has it",
            )
            .await?;
            am.email = Set(email);
        }
        if let Some(v) = &patch.phone {
            am.phone = Set(p.optional_text("patch.phone", Some(v), 40));
        }
        if let Some(v) = &patch.source {
            am.source = Set(p.optional_text("patch.source", Some(v), 100));
        }
        if let Some(v) = &patch.note {
            am.note = Set(p.optional_text("patch.note", Some(v), 2000));
        }
        Ok(am)
    }
}

/// Moves an applicant through the pipeline by hand (`MANAGE_RECRUITING`): screening,
/// interviews, rejection, withdrawal, reconsideration. Offers and hiring move it themselves.
pub async fn advance_applicant(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    action: ApplicantAction,
) -> AppResult<Checked<applicant::Model>> {
    let Some(row) = tx.get_for_update::<applicant::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such applicant"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if matches!(action, ApplicantAction::Offer | ApplicantAction::Hire) {
        return Ok(refuse(
            "action",
            E::IllegalTransition,
            "an offer (createJobOffer) and its onboarding (completeOnboarding) do this",
        ));
    }
    if action == ApplicantAction::Reconsider && stage(&row) == ApplicantStage::Offer {
        return Ok(refuse(
            "action",
            E::IllegalTransition,
            "withdraw the offer instead",
        ));
    }
    if action == ApplicantAction::Withdraw && stage(&row) == ApplicantStage::Offer {
        return Ok(refuse(
            "action",
            E::IllegalTransition,
            "the applicant declines the offer instead (declineJobOffer)",
        ));
    }
    if let Err(e) = transition::<_, E>(stage(&row), action) {
        return Ok(Err(vec![e]));
    }
    Ok(Ok(move_applicant(tx, Some(actor), &row, action).await?))
}

async fn move_applicant(
    tx: &TenantTx,
    actor: Option<Uuid>,
    row: &applicant::Model,
    action: ApplicantAction,
) -> AppResult<applicant::Model> {
    let to = stage(row).next(action).unwrap_or(stage(row));
    advance::<applicant::Entity, _>(tx, actor, row, ApplicantStage::past(action), |am| {
        am.stage = Set(to.db().into());
    })
    .await
}

/// Whether an applicant is still in the running (not hired, rejected or withdrawn).
fn in_pipeline(a: &applicant::Model) -> bool {
    matches!(
        stage(a),
        ApplicantStage::Applied
            | ApplicantStage::Screening
            | ApplicantStage::Interview
            | ApplicantStage::Offer
    )
}

impl Resource for interview::Entity {
    type Node = Interview;
    type Filter = InterviewFilter;
    type Order = InterviewOrder;
    const VIEW: Permission = Permission::ViewRecruiting;
}

impl Editable for interview::Entity {
    type Create = CreateInterviewInput;
    type Patch = InterviewPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageRecruiting;

    async fn create(
        tx: &TenantTx,
        input: &CreateInterviewInput,
        p: &mut P,
    ) -> AppResult<interview::ActiveModel> {
        let who = p
            .reference::<applicant::Entity>(tx, "applicantId", Some(&input.applicant_id))
            .await?;
        if let Some(a) = who
            && tx
                .get::<applicant::Entity>(a)
                .await?
                .is_some_and(|a| !in_pipeline(&a))
        {
            p.row(
                "applicantId",
                E::Locked,
                "the applicant was hired, rejected or withdrew",
            );
        }
        let round = input.round.unwrap_or(1);
        if !(1..=20).contains(&round) {
            p.row("round", E::Invalid, "1 to 20");
        }
        Ok(interview::ActiveModel {
            applicant_id: Set(who.unwrap_or_default()),
            round: Set(round),
            scheduled_at: Set(input.scheduled_at),
            location: Set(p.optional_text("location", input.location.as_deref(), 200)),
            status: Set(InterviewStatus::Scheduled.db().into()),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &interview::Model,
        patch: &InterviewPatch,
        p: &mut P,
    ) -> AppResult<interview::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(at) = patch.scheduled_at {
            am.scheduled_at = Set(at);
        }
        if let Some(l) = &patch.location {
            am.location = Set(p.optional_text("patch.location", Some(l), 200));
        }
        if let Some(s) = patch.status {
            am.status = Set(s.db().into());
        }
        Ok(am)
    }
}

/// What an interviewer thought.
pub struct Feedback<'a> {
    /// 1 to 5.
    pub score: i32,
    /// Hire or not.
    pub recommendation: Recommendation,
    /// In words.
    pub comments: Option<&'a str>,
}

/// Records (or replaces) the caller's feedback on an interview: one per interviewer.
pub async fn record_feedback(
    tx: &TenantTx,
    actor: Uuid,
    interview_id: Uuid,
    f: &Feedback<'_>,
) -> AppResult<Checked<interview_feedback::Model>> {
    let Some(iv) = tx.get_for_update::<interview::Entity>(interview_id).await? else {
        return Ok(refuse("interviewId", E::NotFound, "no such interview"));
    };
    if iv.status == "cancelled" {
        return Ok(refuse(
            "interviewId",
            E::Locked,
            "the interview was cancelled",
        ));
    }
    if !(1..=5).contains(&f.score) {
        return Ok(refuse("score", E::Invalid, "1 (poor) to 5 (excellent)"));
    }
    let comments = f.comments.map(str::trim).filter(|c| !c.is_empty());
    if comments.is_some_and(|c| c.chars().count() > 4000) {
        return Ok(refuse("comments", E::TooLong, "at most 4000 characters"));
    }
    use interview_feedback::Column as F;
    let mine = tx
        .one(tx.select::<interview_feedback::Entity>().refine(|q| {
            q.filter(F::InterviewId.eq(interview_id))
                .filter(F::InterviewerUserId.eq(actor))
        }))
        .await?;
    let row = match mine {
        Some(old) => {
            advance::<interview_feedback::Entity, _>(tx, Some(actor), &old, "updated", |am| {
                am.score = Set(f.score);
                am.recommendation = Set(f.recommendation.db().into());
                am.comments = Set(comments.map(str::to_owned));
            })
            .await?
        }
        None => {
            let mut am = interview_feedback::ActiveModel {
                interview_id: Set(interview_id),
                interviewer_user_id: Set(actor),
                score: Set(f.score),
                recommendation: Set(f.recommendation.db().into()),
                comments: Set(comments.map(str::to_owned)),
                archived_at: Set(None),
                ..Default::default()
            };
            crate::graphql::resource::stamp_new::<interview_feedback::Entity>(
                &mut am,
                Some(actor),
            )?;
            tx.insert::<interview_feedback::Entity, _>(am).await?
        }
    };
    if iv.status == "scheduled" {
        advance::<interview::Entity, _>(tx, Some(actor), &iv, "held", |am| {
            am.status = Set(InterviewStatus::Done.db().into());
        })
        .await?;
    }
    Ok(Ok(row))
}

/// Every feedback on an applicant's interviews.
pub async fn feedback_of_applicant(
    tx: &TenantTx,
    applicant: Uuid,
) -> AppResult<Vec<interview_feedback::Model>> {
    let interviews: Vec<Uuid> = tx
        .all(
            tx.select::<interview::Entity>()
                .refine(|q| q.filter(interview::Column::ApplicantId.eq(applicant))),
        )
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    Ok(tx
        .all(tx.select::<interview_feedback::Entity>().refine(|q| {
            q.filter(interview_feedback::Column::InterviewId.is_in(interviews))
                .order_by_asc(interview_feedback::Column::CreatedAt)
        }))
        .await?)
}

impl Resource for job_offer::Entity {
    type Node = JobOffer;
    type Filter = JobOfferFilter;
    type Order = JobOfferOrder;
    const VIEW: Permission = Permission::ViewRecruiting;
}

/// Offers accepted for a requisition whose onboarding has not completed yet: vacancies
/// promised but not yet filled.
async fn promised(tx: &TenantTx, requisition: Uuid, except: Option<Uuid>) -> AppResult<i64> {
    use job_offer::Column as O;
    let accepted: Vec<Uuid> = tx
        .all(tx.select::<job_offer::Entity>().refine(|q| {
            let q = q
                .filter(O::RequisitionId.eq(requisition))
                .filter(O::Status.eq("accepted"));
            match except {
                Some(id) => q.filter(O::Id.ne(id)),
                None => q,
            }
        }))
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    if accepted.is_empty() {
        return Ok(0);
    }
    use entity::hr::onboarding::Column as B;
    Ok(tx
        .count(tx.select::<entity::hr::onboarding::Entity>().refine(|q| {
            q.filter(B::OfferId.is_in(accepted))
                .filter(B::Status.eq("open"))
        }))
        .await? as i64)
}

/// The requisition an offer draws on, locked, if it has a vacancy left for it.
async fn vacancy(
    tx: &TenantTx,
    requisition: Uuid,
    except: Option<Uuid>,
) -> AppResult<Checked<job_requisition::Model>> {
    let Some(req) = tx
        .get_for_update::<job_requisition::Entity>(requisition)
        .await?
    else {
        return Ok(refuse(
            "requisitionId",
            E::NotFound,
            "no such job requisition",
        ));
    };
    if requisition_state(&req) != JobRequisitionState::Approved {
        return Ok(refuse(
            "requisitionId",
            E::NoVacancy,
            format!("{} is not approved with vacancies left", req.number),
        ));
    }
    let promised = promised(tx, req.id, except).await?;
    if i64::from(req.filled) + promised >= i64::from(req.vacancies) {
        return Ok(refuse(
            "requisitionId",
            E::NoVacancy,
            format!(
                "{} has {} vacancies: {} filled and {promised} promised to accepted offers",
                req.number, req.vacancies, req.filled
            ),
        ));
    }
    Ok(Ok(req))
}

/// Writes a draft offer for an applicant of an approved requisition with a vacancy; the
/// applicant moves to the offer stage.
pub async fn create_offer(
    tx: &TenantTx,
    actor: Uuid,
    input: &CreateJobOfferInput,
) -> AppResult<Checked<job_offer::Model>> {
    use crate::graphql::core::GlobalId;
    let Some(who) = GlobalId::decode_for::<applicant::Entity>(&input.applicant_id) else {
        return Ok(refuse("applicantId", E::NotFound, "no such applicant"));
    };
    let Some(peek) = tx.get::<applicant::Entity>(who).await? else {
        return Ok(refuse("applicantId", E::NotFound, "no such applicant"));
    };
    let Some(opening) = tx.get::<job_opening::Entity>(peek.opening_id).await? else {
        return Ok(refuse(
            "applicantId",
            E::NotFound,
            "the applicant's opening is gone",
        ));
    };
    // Lock order, as on acceptance: the requisition, then the applicant.
    let req = match vacancy(tx, opening.requisition_id, None).await? {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let Some(who) = tx.get_for_update::<applicant::Entity>(who).await? else {
        return Ok(refuse("applicantId", E::NotFound, "no such applicant"));
    };
    let live = tx
        .one(tx.select::<job_offer::Entity>().refine(|q| {
            q.filter(job_offer::Column::ApplicantId.eq(who.id))
                .filter(job_offer::Column::Status.is_in(["draft", "sent", "accepted"]))
        }))
        .await?;
    if live.is_some() {
        return Ok(refuse(
            "applicantId",
            E::Duplicate,
            "the applicant has a live offer; withdraw it first",
        ));
    }
    if let Err(e) = transition::<_, E>(stage(&who), ApplicantAction::Offer) {
        return Ok(Err(vec![e]));
    }
    let mut p = P::default();
    let schedule = p
        .reference::<work_schedule::Entity>(tx, "workScheduleId", Some(&input.work_schedule_id))
        .await?;
    let structure = p
        .reference::<salary_structure::Entity>(tx, "structureId", input.structure_id.as_ref())
        .await?;
    let base = crate::services::accounting::base_currency(tx).await?;
    if input.wage.0 <= Decimal::ZERO
        || input.wage.0.normalize().scale() > crate::services::accounting::currency_decimals(&base)
    {
        p.row(
            "wage",
            E::Invalid,
            format!("more than zero, in whole {base} minor units"),
        );
    }
    if input.wage.0 > req.salary_max {
        p.row(
            "wage",
            E::Invalid,
            format!(
                "above the requisition's range (at most {})",
                req.salary_max.normalize()
            ),
        );
    }
    if let Some(end) = input.end_date
        && end < input.proposed_start
    {
        p.row("endDate", E::Invalid, "on or after the start");
    }
    if input.contract_type == ContractType::FixedTerm && input.end_date.is_none() {
        p.row("endDate", E::Required, "a fixed-term contract has an end");
    }
    if input.contract_type == ContractType::ReEmployment {
        p.row(
            "contractType",
            E::Invalid,
            "re-employment follows a retirement (reemployEmployee)",
        );
    }
    if let Some(trial) = input.trial_end
        && (trial < input.proposed_start || input.end_date.is_some_and(|e| trial > e))
    {
        p.row("trialEnd", E::Invalid, "the trial ends inside the contract");
    }
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    let mut am = job_offer::ActiveModel {
        applicant_id: Set(who.id),
        requisition_id: Set(req.id),
        contract_type: Set(input.contract_type.db().into()),
        proposed_start: Set(input.proposed_start),
        end_date: Set(input.end_date),
        trial_end: Set(input.trial_end),
        wage: Set(input.wage.0),
        work_schedule_id: Set(schedule.unwrap_or_default()),
        structure_id: Set(structure),
        status: Set(JobOfferState::Draft.db().into()),
        decided_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    crate::graphql::resource::stamp_new::<job_offer::Entity>(&mut am, Some(actor))?;
    let offer = tx.insert::<job_offer::Entity, _>(am).await?;
    move_applicant(tx, Some(actor), &who, ApplicantAction::Offer).await?;
    Ok(Ok(offer))
}

/// Sends, accepts, declines or withdraws an offer. Accepting (recorded by recruiting for the
/// applicant) checks the vacancy again and opens the onboarding with the checklist of
/// `template` (default: the first onboarding template by code).
pub async fn offer_act(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    action: JobOfferAction,
    template: Option<Uuid>,
) -> AppResult<Checked<job_offer::Model>> {
    let Some(peek) = tx.get::<job_offer::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such job offer"));
    };
    // Lock order: the requisition, the applicant, then the offer.
    if action == JobOfferAction::Accept
        && let Err(e) = vacancy(tx, peek.requisition_id, Some(peek.id)).await?
    {
        return Ok(Err(e));
    }
    let Some(who) = tx
        .get_for_update::<applicant::Entity>(peek.applicant_id)
        .await?
    else {
        return Ok(refuse("id", E::NotFound, "the offer's applicant is gone"));
    };
    let Some(row) = tx.get_for_update::<job_offer::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such job offer"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if let Err(e) = transition::<_, E>(offer_state(&row), action) {
        return Ok(Err(vec![e]));
    }
    let to = offer_state(&row).next(action).unwrap_or(offer_state(&row));
    let decided = matches!(action, JobOfferAction::Accept | JobOfferAction::Decline);
    let moved =
        advance::<job_offer::Entity, _>(tx, Some(actor), &row, JobOfferState::past(action), |am| {
            am.status = Set(to.db().into());
            if decided {
                am.decided_at = Set(Some(Utc::now()));
            }
        })
        .await?;
    match action {
        JobOfferAction::Accept => {
            if let Err(e) = super::onboarding::open(tx, actor, &moved, template).await? {
                return Ok(Err(e));
            }
        }
        JobOfferAction::Decline if stage(&who) == ApplicantStage::Offer => {
            move_applicant(tx, Some(actor), &who, ApplicantAction::Withdraw).await?;
        }
        JobOfferAction::Withdraw if stage(&who) == ApplicantStage::Offer => {
            move_applicant(tx, Some(actor), &who, ApplicantAction::Reconsider).await?;
        }
        _ => {}
    }
    Ok(Ok(moved))
}

/// Marks an applicant hired and counts the vacancy filled (the requisition is `FILLED` with
/// its last one): called by the onboarding's completion.
pub async fn hired(tx: &TenantTx, actor: Uuid, offer: &job_offer::Model) -> AppResult<()> {
    // Lock order, as everywhere in recruiting: the requisition, then the applicant.
    let req = tx
        .get_for_update::<job_requisition::Entity>(offer.requisition_id)
        .await?;
    if let Some(who) = tx
        .get_for_update::<applicant::Entity>(offer.applicant_id)
        .await?
        && stage(&who) == ApplicantStage::Offer
    {
        move_applicant(tx, Some(actor), &who, ApplicantAction::Hire).await?;
    }
    let Some(req) = req else {
        return Ok(());
    };
    let filled = req.filled + 1;
    let full = filled >= req.vacancies && requisition_state(&req) == JobRequisitionState::Approved;
    advance::<job_requisition::Entity, _>(
        tx,
        Some(actor),
        &req,
        if full { "filled" } else { "vacancy_filled" },
        |am| {
            am.filled = Set(filled);
            if full {
                am.status = Set(JobRequisitionState::Filled.db().into());
            }
        },
    )
    .await?;
    Ok(())
}

/// Releases an accepted offer whose onboarding was called off: the offer is withdrawn (it no
/// longer holds a vacancy or blocks a new offer) and the applicant goes back to interviewing.
pub async fn released(tx: &TenantTx, actor: Uuid, offer_id: Uuid) -> AppResult<()> {
    let Some(offer) = tx.get::<job_offer::Entity>(offer_id).await? else {
        return Ok(());
    };
    tx.get_for_update::<job_requisition::Entity>(offer.requisition_id)
        .await?;
    if let Some(who) = tx
        .get_for_update::<applicant::Entity>(offer.applicant_id)
        .await?
        && stage(&who) == ApplicantStage::Offer
    {
        move_applicant(tx, Some(actor), &who, ApplicantAction::Reconsider).await?;
    }
    if let Some(offer) = tx.get_for_update::<job_offer::Entity>(offer_id).await? {
        advance::<job_offer::Entity, _>(tx, Some(actor), &offer, "withdrawn", |am| {
            am.status = Set(JobOfferState::Withdrawn.db().into());
        })
        .await?;
    }
    Ok(())
}
