//! Recruiting and onboarding in the schema: headcount plans, job requisitions (approved through
//! the generic `approve`/`reject`), openings, applicants, interviews and their feedback,
//! offers, checklist templates, onboardings and their tasks.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::hr::{
    applicant, checklist_template, headcount_plan, hr_checklist_task, interview,
    interview_feedback, job_offer, job_opening, job_requisition, onboarding, salary_structure,
    separation, work_schedule,
};
use entity::org::{employee, org_unit};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use crate::auth::Permission;
use crate::error::{GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, load_one, settle};
use crate::graphql::hr::{ContractType, WorkSchedule};
use crate::graphql::listing::{DateFilter, IdFilter, TextFilter};
use crate::graphql::org::{Employee, OrgUnit};
use crate::graphql::payroll::SalaryStructure;
use crate::graphql::scalars::Decimal;
use crate::services::hr::recruiting::{
    self, ApplicantAction, ApplicantStage, JobOfferAction, JobOfferState, JobRequisitionAction,
    JobRequisitionState, offer_state, requisition_state, stage,
};
use crate::services::hr::{HrErrorCode, onboarding as onboard, refuse};
use crate::services::workflow::StateMachine;
use crate::{db_enum, enum_filter, filter_input, list_query, node_object, order_field, resource};

db_enum! {
    /// Whether an opening takes applications.
    OpeningStatus {
        /// Taking applications.
        Open = "open",
        /// Closed.
        Closed = "closed",
    }
}

db_enum! {
    /// Where an interview is.
    InterviewStatus {
        /// Planned.
        Scheduled = "scheduled",
        /// Held (the first feedback marks it so).
        Done = "done",
        /// Called off.
        Cancelled = "cancelled",
    }
}

db_enum! {
    /// An interviewer's recommendation.
    Recommendation {
        /// Hire, without doubt.
        StrongYes = "strong_yes",
        /// Hire.
        Yes = "yes",
        /// Do not hire.
        No = "no",
        /// Do not hire, without doubt.
        StrongNo = "strong_no",
    }
}

db_enum! {
    /// What a checklist is for.
    ChecklistKind {
        /// A new hire's first steps.
        Onboarding = "onboarding",
        /// A leaver's last steps.
        Offboarding = "offboarding",
    }
}

db_enum! {
    /// Where an onboarding or a separation is.
    ChecklistStatus {
        /// Tasks are being done.
        Open = "open",
        /// Completed.
        Completed = "completed",
        /// Called off.
        Cancelled = "cancelled",
    }
}

db_enum! {
    /// What a checklist task is.
    TaskKind {
        /// Something to do.
        Task = "task",
        /// An asset the leaver returns (from the IT domain).
        AssetReturn = "asset_return",
    }
}

enum_filter!(JobRequisitionState);
enum_filter!(ApplicantStage);
enum_filter!(JobOfferState);
enum_filter!(OpeningStatus);
enum_filter!(ChecklistKind);
enum_filter!(ChecklistStatus);

/// Runs a service read (an expression of `AppResult`, using `$tx`) for a resolver, in one
/// read transaction of the caller's tenant.
macro_rules! tx_read {
    ($ctx:expr, $tx:ident => $body:expr) => {
        $ctx.session()?
            .db
            .read(
                async |$tx: &entity::TenantTx| -> Result<_, sea_orm::DbErr> {
                    let out: crate::error::AppResult<_> = async { $body }.await;
                    out.map_err(crate::graphql::core::db_err)
                },
            )
            .await?
    };
}
pub(crate) use tx_read;

node_object! {
    /// The headcount planned for an organisation unit over a period, against the employees it
    /// has and the vacancies being filled. Needs `VIEW_RECRUITING`.
    HeadcountPlan(headcount_plan) {
        /// The unit.
        async fn org_unit(&self, ctx: &Context<'_>) -> GqlResult<Option<OrgUnit>> {
            Ok(load_one::<org_unit::Entity>(ctx, Some(self.0.org_unit_id)).await?.map(OrgUnit))
        }
        /// First day of the period.
        async fn period_start(&self) -> NaiveDate {
            self.0.period_start
        }
        /// Last day of the period.
        async fn period_end(&self) -> NaiveDate {
            self.0.period_end
        }
        /// Employees planned.
        async fn planned_headcount(&self) -> i32 {
            self.0.planned_headcount
        }
        /// Employees in the unit now (who have not left).
        async fn actual_headcount(&self, ctx: &Context<'_>) -> GqlResult<i64> {
            let unit = self.0.org_unit_id;
            Ok(tx_read!(ctx, tx => recruiting::actual_headcount(tx, unit).await))
        }
        /// Vacancies of the unit's waiting or approved requisitions not filled yet.
        async fn open_vacancies(&self, ctx: &Context<'_>) -> GqlResult<i64> {
            let unit = self.0.org_unit_id;
            Ok(tx_read!(ctx, tx => recruiting::open_vacancies(tx, unit, None).await))
        }
        /// A note.
        async fn note(&self) -> Option<&str> {
            self.0.note.as_deref()
        }
    }
}

filter_input! {
    /// Conditions on headcount plans.
    HeadcountPlanFilter for headcount_plan {
        /// The unit.
        org_unit: IdFilter => OrgUnitId ref org_unit::Entity,
        /// First day.
        period_start: DateFilter => PeriodStart,
    }
}

order_field! {
    /// What headcount plans can be sorted by.
    HeadcountPlan for headcount_plan {
        /// First day.
        PeriodStart => PeriodStart,
    }
}

/// A new headcount plan.
#[derive(InputObject)]
pub struct CreateHeadcountPlanInput {
    /// The unit (one plan per unit for any day).
    pub org_unit_id: ID,
    /// First day.
    pub period_start: NaiveDate,
    /// Last day.
    pub period_end: NaiveDate,
    /// Employees planned, zero or more.
    pub planned_headcount: i32,
    /// A note, at most 1000 characters.
    pub note: Option<String>,
}

/// Changes to a headcount plan.
#[derive(InputObject)]
pub struct HeadcountPlanPatch {
    /// New last day.
    pub period_end: Option<NaiveDate>,
    /// New planned headcount.
    pub planned_headcount: Option<i32>,
    /// New note.
    pub note: Option<String>,
}

resource! {
    entity: headcount_plan::Entity, node: HeadcountPlan, one: headcount_plan, many: headcount_plans,
    what: "headcount plan", view: ViewRecruiting, manage: ManageRecruiting,
    query: HeadcountPlanQuery, mutation: HeadcountPlanMutation,
}

node_object! {
    /// A request to hire, approved through the workflow kernel (rules for `JobRequisition`,
    /// amount = top salary × 12 × vacancies). Recruiting (`VIEW_RECRUITING`) reads all; a
    /// requester reads their own.
    JobRequisition(job_requisition) {
        /// Gapless per tenant, e.g. `REQ-2026-00001`.
        async fn number(&self) -> &str {
            &self.0.number
        }
        /// Who asked.
        async fn requester_user_id(&self) -> uuid::Uuid {
            self.0.requester_user_id
        }
        /// The unit that hires.
        async fn org_unit(&self, ctx: &Context<'_>) -> GqlResult<Option<OrgUnit>> {
            Ok(load_one::<org_unit::Entity>(ctx, Some(self.0.org_unit_id)).await?.map(OrgUnit))
        }
        /// The headcount plan it draws on, when named.
        async fn headcount_plan(&self, ctx: &Context<'_>) -> GqlResult<Option<HeadcountPlan>> {
            let Some(id) = self.0.headcount_plan_id else { return Ok(None) };
            Ok(crate::graphql::resource::resource_node::<headcount_plan::Entity>(ctx, id).await?)
        }
        /// The job title.
        async fn title(&self) -> &str {
            &self.0.title
        }
        /// People to hire.
        async fn vacancies(&self) -> i32 {
            self.0.vacancies
        }
        /// People hired so far.
        async fn filled(&self) -> i32 {
            self.0.filled
        }
        /// Top of the monthly salary range.
        async fn salary_max(&self) -> Decimal {
            Decimal(self.0.salary_max)
        }
        /// The salary's currency.
        async fn currency(&self) -> &str {
            &self.0.currency
        }
        /// Why.
        async fn reason(&self) -> Option<&str> {
            self.0.reason.as_deref()
        }
        /// Where it is.
        async fn status(&self) -> JobRequisitionState {
            requisition_state(&self.0)
        }
        /// The transitions allowed from the current status.
        async fn allowed_actions(&self) -> List<JobRequisitionAction> {
            List(requisition_state(&self.0).allowed())
        }
        /// When it was last submitted.
        async fn submitted_at(&self) -> Option<DateTime<Utc>> {
            self.0.submitted_at
        }
    }
}

filter_input! {
    /// Conditions on job requisitions.
    JobRequisitionFilter for job_requisition {
        /// The number.
        number: TextFilter => Number,
        /// The unit.
        org_unit: IdFilter => OrgUnitId ref org_unit::Entity,
        /// The title.
        title: TextFilter => Title,
        /// The status.
        status: JobRequisitionStateFilter => Status,
    }
}

order_field! {
    /// What job requisitions can be sorted by.
    JobRequisition for job_requisition {
        /// The number.
        Number => Number,
        /// The title.
        Title => Title,
    }
}

/// A new job requisition (a draft).
#[derive(InputObject)]
pub struct CreateJobRequisitionInput {
    /// The unit that hires.
    pub org_unit_id: ID,
    /// The headcount plan it draws on (default: the unit's plan on the day it is submitted).
    pub headcount_plan_id: Option<ID>,
    /// The job title, at most 200 characters.
    pub title: String,
    /// People to hire, 1 to 1000.
    pub vacancies: i32,
    /// Top of the monthly salary range, in the base currency.
    pub salary_max: Decimal,
    /// Why, at most 1000 characters.
    pub reason: Option<String>,
}

/// Changes to a draft requisition.
#[derive(InputObject)]
pub struct JobRequisitionPatch {
    /// New title.
    pub title: Option<String>,
    /// New vacancies.
    pub vacancies: Option<i32>,
    /// New top salary.
    pub salary_max: Option<Decimal>,
    /// New reason.
    pub reason: Option<String>,
}

resource! {
    entity: job_requisition::Entity, node: JobRequisition, one: job_requisition, many: job_requisitions,
    what: "job requisition", view: ViewRecruiting, manage: SubmitRequests,
    query: JobRequisitionQuery, mutation: JobRequisitionMutation,
}

node_object! {
    /// A published job opening of an approved requisition. Needs `VIEW_RECRUITING`.
    JobOpening(job_opening) {
        /// The requisition.
        async fn requisition(&self, ctx: &Context<'_>) -> GqlResult<Option<JobRequisition>> {
            Ok(load_one::<job_requisition::Entity>(ctx, Some(self.0.requisition_id)).await?.map(JobRequisition))
        }
        /// The advertised title.
        async fn title(&self) -> &str {
            &self.0.title
        }
        /// The advertisement.
        async fn description(&self) -> Option<&str> {
            self.0.description.as_deref()
        }
        /// Last day to apply.
        async fn closes_on(&self) -> Option<NaiveDate> {
            self.0.closes_on
        }
        /// Open or closed.
        async fn status(&self) -> OpeningStatus {
            OpeningStatus::from_db(&self.0.status)
        }
    }
}

filter_input! {
    /// Conditions on job openings.
    JobOpeningFilter for job_opening {
        /// The requisition.
        requisition: IdFilter => RequisitionId ref job_requisition::Entity,
        /// The title.
        title: TextFilter => Title,
        /// The status.
        status: OpeningStatusFilter => Status,
    }
}

order_field! {
    /// What job openings can be sorted by.
    JobOpening for job_opening {
        /// The title.
        Title => Title,
        /// The closing day.
        ClosesOn => ClosesOn,
    }
}

/// A new job opening.
#[derive(InputObject)]
pub struct CreateJobOpeningInput {
    /// The requisition (approved).
    pub requisition_id: ID,
    /// The advertised title (default: the requisition's).
    pub title: Option<String>,
    /// The advertisement, at most 4000 characters.
    pub description: Option<String>,
    /// Last day to apply.
    pub closes_on: Option<NaiveDate>,
}

/// Changes to an opening.
#[derive(InputObject)]
pub struct JobOpeningPatch {
    /// New title.
    pub title: Option<String>,
    /// New advertisement.
    pub description: Option<String>,
    /// New closing day (`null` removes it).
    pub closes_on: MaybeUndefined<NaiveDate>,
    /// Open or close it.
    pub status: Option<OpeningStatus>,
}

resource! {
    entity: job_opening::Entity, node: JobOpening, one: job_opening, many: job_openings,
    what: "job opening", view: ViewRecruiting, manage: ManageRecruiting,
    query: JobOpeningQuery, mutation: JobOpeningMutation,
}

node_object! {
    /// A candidate for an opening and where they are in the pipeline. Contact details are
    /// personal data: reading them is logged. Needs `VIEW_RECRUITING`.
    Applicant(applicant) {
        /// The opening.
        async fn opening(&self, ctx: &Context<'_>) -> GqlResult<Option<JobOpening>> {
            Ok(load_one::<job_opening::Entity>(ctx, Some(self.0.opening_id)).await?.map(JobOpening))
        }
        /// Family name.
        async fn family_name(&self) -> &str {
            &self.0.family_name
        }
        /// Given name.
        async fn given_name(&self) -> &str {
            &self.0.given_name
        }
        /// Contact e-mail (logged).
        async fn email(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
            self.contact(ctx, "email", Some(&self.0.email))
        }
        /// Phone (logged).
        async fn phone(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
            self.contact(ctx, "phone", self.0.phone.as_deref())
        }
        /// Where they came from.
        async fn source(&self) -> Option<&str> {
            self.0.source.as_deref()
        }
        /// The pipeline stage.
        async fn stage(&self) -> ApplicantStage {
            stage(&self.0)
        }
        /// The moves allowed from the current stage.
        async fn allowed_actions(&self) -> List<ApplicantAction> {
            List(stage(&self.0).allowed())
        }
        /// A note.
        async fn note(&self) -> Option<&str> {
            self.0.note.as_deref()
        }
        /// The interviews, in round order.
        async fn interviews(&self, ctx: &Context<'_>) -> GqlResult<List<Interview>> {
            let id = self.0.id;
            let rows = tx_read!(ctx, tx => Ok(tx.all(tx.select::<interview::Entity>().refine(|q| {
                q.filter(interview::Column::ApplicantId.eq(id))
                    .order_by_asc(interview::Column::Round)
                    .order_by_asc(interview::Column::ScheduledAt)
            })).await?));
            Ok(rows.into_iter().map(Interview).collect())
        }
        /// The average interview score (1 to 5), over every interviewer's feedback.
        async fn rating(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            let id = self.0.id;
            let all = tx_read!(ctx, tx => recruiting::feedback_of_applicant(tx, id).await);
            let scores: Vec<i32> = all.iter().map(|f| f.score).collect();
            Ok(crate::services::hr::average(&scores).map(|d| Decimal(d.normalize())))
        }
    }
}

impl Applicant {
    fn contact(
        &self,
        ctx: &Context<'_>,
        field: &'static str,
        value: Option<&str>,
    ) -> GqlResult<Option<String>> {
        let session = ctx.session()?;
        Ok(crate::services::personal_data::read(
            &session.principal,
            &session.reads,
            Permission::ViewRecruiting,
            "Applicant",
            self.0.id,
            None,
            field,
            value,
        )?
        .map(str::to_owned))
    }
}

filter_input! {
    /// Conditions on applicants.
    ApplicantFilter for applicant {
        /// The opening.
        opening: IdFilter => OpeningId ref job_opening::Entity,
        /// Family name.
        family_name: TextFilter => FamilyName,
        /// The stage.
        stage: ApplicantStageFilter => Stage,
    }
}

order_field! {
    /// What applicants can be sorted by.
    Applicant for applicant {
        /// Family name.
        FamilyName => FamilyName,
    }
}

/// A new applicant (stage `APPLIED`).
#[derive(InputObject)]
pub struct CreateApplicantInput {
    /// The opening (open).
    pub opening_id: ID,
    /// Family name, at most 100 characters.
    pub family_name: String,
    /// Given name, at most 100 characters.
    pub given_name: String,
    /// Contact e-mail, once per opening.
    pub email: String,
    /// Phone, at most 40 characters.
    pub phone: Option<String>,
    /// Where they came from (agency, referral, site), at most 100 characters.
    pub source: Option<String>,
    /// A note, at most 2000 characters.
    pub note: Option<String>,
}

/// Changes to an applicant (the stage moves with `advanceApplicant`).
#[derive(InputObject)]
pub struct ApplicantPatch {
    /// New family name.
    pub family_name: Option<String>,
    /// New given name.
    pub given_name: Option<String>,
    /// New e-mail.
    pub email: Option<String>,
    /// New phone.
    pub phone: Option<String>,
    /// New source.
    pub source: Option<String>,
    /// New note.
    pub note: Option<String>,
}

resource! {
    entity: applicant::Entity, node: Applicant, one: applicant, many: applicants,
    what: "applicant", view: ViewRecruiting, manage: ManageRecruiting,
    query: ApplicantQuery, mutation: ApplicantMutation,
}

node_object! {
    /// An interview of an applicant, with every interviewer's scored feedback. Needs
    /// `VIEW_RECRUITING`.
    Interview(interview) {
        /// The applicant.
        async fn applicant(&self, ctx: &Context<'_>) -> GqlResult<Option<Applicant>> {
            Ok(load_one::<applicant::Entity>(ctx, Some(self.0.applicant_id)).await?.map(Applicant))
        }
        /// The round, from 1.
        async fn round(&self) -> i32 {
            self.0.round
        }
        /// When.
        async fn scheduled_at(&self) -> DateTime<Utc> {
            self.0.scheduled_at
        }
        /// Where (or the call link).
        async fn location(&self) -> Option<&str> {
            self.0.location.as_deref()
        }
        /// Where it is.
        async fn status(&self) -> InterviewStatus {
            InterviewStatus::from_db(&self.0.status)
        }
        /// The interviewers' feedback.
        async fn feedback(&self, ctx: &Context<'_>) -> GqlResult<List<InterviewFeedback>> {
            let id = self.0.id;
            let rows = tx_read!(ctx, tx => Ok(tx.all(tx.select::<interview_feedback::Entity>().refine(|q| {
                q.filter(interview_feedback::Column::InterviewId.eq(id))
                    .order_by_asc(interview_feedback::Column::CreatedAt)
            })).await?));
            Ok(rows.into_iter().map(InterviewFeedback::from).collect())
        }
        /// The average score of its feedback.
        async fn average_score(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            let id = self.0.id;
            let rows = tx_read!(ctx, tx => Ok(tx.all(tx.select::<interview_feedback::Entity>().refine(|q| {
                q.filter(interview_feedback::Column::InterviewId.eq(id))
            })).await?));
            let scores: Vec<i32> = rows.iter().map(|f| f.score).collect();
            Ok(crate::services::hr::average(&scores).map(|d| Decimal(d.normalize())))
        }
    }
}

/// One interviewer's feedback on an interview.
#[derive(SimpleObject)]
pub struct InterviewFeedback {
    /// The interviewer.
    pub interviewer_user_id: uuid::Uuid,
    /// 1 (poor) to 5 (excellent).
    pub score: i32,
    /// Hire or not.
    pub recommendation: Recommendation,
    /// Comments.
    pub comments: Option<String>,
    /// When it was last written.
    pub updated_at: DateTime<Utc>,
}

impl From<interview_feedback::Model> for InterviewFeedback {
    fn from(f: interview_feedback::Model) -> Self {
        Self {
            interviewer_user_id: f.interviewer_user_id,
            score: f.score,
            recommendation: Recommendation::from_db(&f.recommendation),
            comments: f.comments,
            updated_at: f.updated_at,
        }
    }
}

filter_input! {
    /// Conditions on interviews.
    InterviewFilter for interview {
        /// The applicant.
        applicant: IdFilter => ApplicantId ref applicant::Entity,
    }
}

order_field! {
    /// What interviews can be sorted by.
    Interview for interview {
        /// When.
        ScheduledAt => ScheduledAt,
    }
}

/// A new interview.
#[derive(InputObject)]
pub struct CreateInterviewInput {
    /// The applicant (still in the pipeline).
    pub applicant_id: ID,
    /// The round, 1 to 20 (default 1).
    pub round: Option<i32>,
    /// When.
    pub scheduled_at: DateTime<Utc>,
    /// Where, at most 200 characters.
    pub location: Option<String>,
}

/// Changes to an interview.
#[derive(InputObject)]
pub struct InterviewPatch {
    /// New time.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// New place.
    pub location: Option<String>,
    /// New status.
    pub status: Option<InterviewStatus>,
}

resource! {
    entity: interview::Entity, node: Interview, one: interview, many: interviews,
    what: "interview", view: ViewRecruiting, manage: ManageRecruiting,
    query: InterviewQuery, mutation: InterviewMutation,
}

node_object! {
    /// An offer of employment. The wage is personal data (read with `VIEW_RECRUITING`, logged).
    JobOffer(job_offer) {
        /// The applicant.
        async fn applicant(&self, ctx: &Context<'_>) -> GqlResult<Option<Applicant>> {
            Ok(load_one::<applicant::Entity>(ctx, Some(self.0.applicant_id)).await?.map(Applicant))
        }
        /// The requisition whose vacancy it fills.
        async fn requisition(&self, ctx: &Context<'_>) -> GqlResult<Option<JobRequisition>> {
            Ok(load_one::<job_requisition::Entity>(ctx, Some(self.0.requisition_id)).await?.map(JobRequisition))
        }
        /// The contract type offered.
        async fn contract_type(&self) -> ContractType {
            ContractType::from_db(&self.0.contract_type)
        }
        /// First day of work.
        async fn proposed_start(&self) -> NaiveDate {
            self.0.proposed_start
        }
        /// End of a fixed term.
        async fn end_date(&self) -> Option<NaiveDate> {
            self.0.end_date
        }
        /// End of the trial period.
        async fn trial_end(&self) -> Option<NaiveDate> {
            self.0.trial_end
        }
        /// Monthly wage (logged).
        async fn wage(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            let session = ctx.session()?;
            let text = self.0.wage.to_string();
            let value = crate::services::personal_data::read(
                &session.principal,
                &session.reads,
                Permission::ViewRecruiting,
                "JobOffer",
                self.0.id,
                None,
                "wage",
                Some(&text),
            )?;
            Ok(value.map(|_| Decimal(self.0.wage)))
        }
        /// The work schedule.
        async fn work_schedule(&self, ctx: &Context<'_>) -> GqlResult<Option<WorkSchedule>> {
            Ok(load_one::<work_schedule::Entity>(ctx, Some(self.0.work_schedule_id)).await?.map(WorkSchedule))
        }
        /// The salary structure to assign.
        async fn structure(&self, ctx: &Context<'_>) -> GqlResult<Option<SalaryStructure>> {
            Ok(load_one::<salary_structure::Entity>(ctx, self.0.structure_id).await?.map(SalaryStructure))
        }
        /// Where it is.
        async fn status(&self) -> JobOfferState {
            offer_state(&self.0)
        }
        /// The transitions allowed from the current status.
        async fn allowed_actions(&self) -> List<JobOfferAction> {
            List(offer_state(&self.0).allowed())
        }
        /// When the applicant answered.
        async fn decided_at(&self) -> Option<DateTime<Utc>> {
            self.0.decided_at
        }
    }
}

filter_input! {
    /// Conditions on job offers.
    JobOfferFilter for job_offer {
        /// The applicant.
        applicant: IdFilter => ApplicantId ref applicant::Entity,
        /// The requisition.
        requisition: IdFilter => RequisitionId ref job_requisition::Entity,
        /// The status.
        status: JobOfferStateFilter => Status,
    }
}

order_field! {
    /// What job offers can be sorted by.
    JobOffer for job_offer {
        /// First day of work.
        ProposedStart => ProposedStart,
    }
}

list_query! {
    entity: job_offer::Entity, node: JobOffer, many: job_offers,
    what: "job offer",
    needs: [ "`VIEW_RECRUITING`" ],
    query: JobOfferListQuery,
}

/// An item of a checklist template.
#[derive(InputObject)]
pub struct ChecklistItemInput {
    /// What to do, at most 200 characters.
    pub title: String,
    /// Whether completion waits for it (default true).
    pub required: Option<bool>,
}

/// An item of a checklist template.
#[derive(SimpleObject)]
pub struct ChecklistItem {
    /// What to do.
    pub title: String,
    /// Whether completion waits for it.
    pub required: bool,
}

node_object! {
    /// The tasks an onboarding or a separation starts with. Needs `VIEW_HR`.
    ChecklistTemplate(checklist_template) {
        /// Unique code.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// Onboarding or offboarding.
        async fn kind(&self) -> ChecklistKind {
            ChecklistKind::from_db(&self.0.kind)
        }
        /// The tasks, in order.
        async fn items(&self) -> List<ChecklistItem> {
            onboard::items(&self.0).into_iter().map(|i| ChecklistItem { title: i.title, required: i.required }).collect()
        }
    }
}

filter_input! {
    /// Conditions on checklist templates.
    ChecklistTemplateFilter for checklist_template {
        /// The code.
        code: TextFilter => Code,
        /// The kind.
        kind: ChecklistKindFilter => Kind,
    }
}

order_field! {
    /// What checklist templates can be sorted by.
    ChecklistTemplate for checklist_template {
        /// The code.
        Code => Code,
    }
}

/// A new checklist template.
#[derive(InputObject)]
pub struct CreateChecklistTemplateInput {
    /// Unique code, at most 30 characters.
    pub code: String,
    /// Name, at most 200 characters.
    pub name: String,
    /// Onboarding or offboarding.
    pub kind: ChecklistKind,
    /// The tasks, at most 100 (checklists started later copy them).
    pub items: Vec<ChecklistItemInput>,
}

/// Changes to a checklist template (open checklists keep their tasks).
#[derive(InputObject)]
pub struct ChecklistTemplatePatch {
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New tasks (replace all).
    pub items: Option<Vec<ChecklistItemInput>>,
}

resource! {
    entity: checklist_template::Entity, node: ChecklistTemplate, one: checklist_template, many: checklist_templates,
    what: "checklist template", view: ViewHr, manage: ManageHr,
    query: ChecklistTemplateQuery, mutation: ChecklistTemplateMutation,
}

/// The tasks of a checklist.
async fn tasks(
    ctx: &Context<'_>,
    owner: (Option<uuid::Uuid>, Option<uuid::Uuid>),
) -> GqlResult<Vec<HrChecklistTask>> {
    let rows = tx_read!(ctx, tx => onboard::tasks_of(tx, owner).await);
    Ok(rows.into_iter().map(HrChecklistTask).collect())
}

node_object! {
    /// The onboarding of an accepted offer: its tasks, and the employee its completion
    /// created. Needs `VIEW_HR`.
    Onboarding(onboarding) {
        /// The accepted offer.
        async fn offer(&self, ctx: &Context<'_>) -> GqlResult<Option<JobOffer>> {
            Ok(load_one::<job_offer::Entity>(ctx, Some(self.0.offer_id)).await?.map(JobOffer))
        }
        /// The applicant.
        async fn applicant(&self, ctx: &Context<'_>) -> GqlResult<Option<Applicant>> {
            Ok(load_one::<applicant::Entity>(ctx, Some(self.0.applicant_id)).await?.map(Applicant))
        }
        /// The employee it created.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            Ok(load_one::<employee::Entity>(ctx, self.0.employee_id).await?.map(Employee))
        }
        /// Where it is.
        async fn status(&self) -> ChecklistStatus {
            ChecklistStatus::from_db(&self.0.status)
        }
        /// When completed.
        async fn completed_at(&self) -> Option<DateTime<Utc>> {
            self.0.completed_at
        }
        /// Its tasks, in order.
        async fn tasks(&self, ctx: &Context<'_>) -> GqlResult<List<HrChecklistTask>> {
            Ok(tasks(ctx, (Some(self.0.id), None)).await?.into())
        }
    }
}

filter_input! {
    /// Conditions on onboardings.
    OnboardingFilter for onboarding {
        /// The status.
        status: ChecklistStatusFilter => Status,
    }
}

order_field! {
    /// What onboardings can be sorted by.
    Onboarding for onboarding {
        /// When completed.
        CompletedAt => CompletedAt,
    }
}

list_query! {
    entity: onboarding::Entity, node: Onboarding, many: onboardings,
    what: "onboarding",
    needs: [ "`VIEW_HR`" ],
    query: OnboardingListQuery,
}

node_object! {
    /// A task of an onboarding or a separation. Needs `VIEW_HR`.
    HrChecklistTask(hr_checklist_task) {
        /// The onboarding, for an onboarding task.
        async fn onboarding(&self, ctx: &Context<'_>) -> GqlResult<Option<Onboarding>> {
            Ok(load_one::<onboarding::Entity>(ctx, self.0.onboarding_id).await?.map(Onboarding))
        }
        /// The separation, for an offboarding task.
        async fn separation(&self, ctx: &Context<'_>) -> GqlResult<Option<crate::graphql::offboarding::Separation>> {
            Ok(load_one::<separation::Entity>(ctx, self.0.separation_id).await?.map(crate::graphql::offboarding::Separation))
        }
        /// Its place in the list.
        async fn seq(&self) -> i32 {
            self.0.seq
        }
        /// A task or an asset to return.
        async fn kind(&self) -> TaskKind {
            TaskKind::from_db(&self.0.kind)
        }
        /// What to do.
        async fn title(&self) -> &str {
            &self.0.title
        }
        /// Whether completion waits for it.
        async fn required(&self) -> bool {
            self.0.required
        }
        /// What it is about (an asset's tag).
        async fn reference(&self) -> Option<&str> {
            self.0.reference.as_deref()
        }
        /// When done.
        async fn done_at(&self) -> Option<DateTime<Utc>> {
            self.0.done_at
        }
        /// Who did it.
        async fn done_by(&self) -> Option<uuid::Uuid> {
            self.0.done_by
        }
    }
}

filter_input! {
    /// Conditions on checklist tasks.
    HrChecklistTaskFilter for hr_checklist_task {
        /// The onboarding.
        onboarding: IdFilter => OnboardingId ref onboarding::Entity,
        /// The separation.
        separation: IdFilter => SeparationId ref separation::Entity,
        /// The title.
        title: TextFilter => Title,
    }
}

order_field! {
    /// What checklist tasks can be sorted by.
    HrChecklistTask for hr_checklist_task {
        /// Place in the list.
        Seq => Seq,
    }
}

list_query! {
    entity: hr_checklist_task::Entity, node: HrChecklistTask, many: hr_checklist_tasks,
    what: "checklist task",
    needs: [ "`VIEW_HR`" ],
    query: HrChecklistTaskListQuery,
}

/// Which record to move, at which version.
#[derive(InputObject)]
pub struct HrTransitionInput {
    /// The record.
    pub id: ID,
    /// The version read; a stale one fails with `CONFLICT`.
    pub expected_version: i32,
    /// Why (kept with a cancellation).
    pub reason: Option<String>,
}

/// Where to move an applicant.
#[derive(InputObject)]
pub struct AdvanceApplicantInput {
    /// The applicant.
    pub id: ID,
    /// The version read.
    pub expected_version: i32,
    /// The move: `SCREEN`, `INTERVIEW`, `REJECT`, `WITHDRAW` or `RECONSIDER` (offers and
    /// hiring move the applicant themselves).
    pub action: ApplicantAction,
}

/// An interviewer's feedback (the caller's own; recording again replaces it).
#[derive(InputObject)]
pub struct RecordInterviewFeedbackInput {
    /// The interview.
    pub interview_id: ID,
    /// 1 (poor) to 5 (excellent).
    pub score: i32,
    /// Hire or not.
    pub recommendation: Recommendation,
    /// Comments, at most 4000 characters.
    pub comments: Option<String>,
}

/// A new offer (a draft).
#[derive(InputObject)]
pub struct CreateJobOfferInput {
    /// The applicant (screening or interviewing, of an approved requisition's opening).
    pub applicant_id: ID,
    /// The contract type (not `RE_EMPLOYMENT`).
    pub contract_type: ContractType,
    /// First day of work.
    pub proposed_start: NaiveDate,
    /// End of a fixed term.
    pub end_date: Option<NaiveDate>,
    /// End of the trial period.
    pub trial_end: Option<NaiveDate>,
    /// Monthly wage, at most the requisition's top salary.
    pub wage: Decimal,
    /// The work schedule.
    pub work_schedule_id: ID,
    /// The salary structure to assign on hiring.
    pub structure_id: Option<ID>,
}

/// Which offer to move.
#[derive(InputObject)]
pub struct JobOfferTransitionInput {
    /// The offer.
    pub id: ID,
    /// The version read.
    pub expected_version: i32,
    /// On acceptance: the onboarding checklist (default: the first onboarding template by
    /// code).
    pub checklist_template_id: Option<ID>,
}

/// Marks a checklist task done or not.
#[derive(InputObject)]
pub struct CompleteChecklistTaskInput {
    /// The task.
    pub id: ID,
    /// The version read.
    pub expected_version: i32,
    /// Done (default) or not done.
    pub done: Option<bool>,
}

/// What completing an onboarding needs to create the employee.
#[derive(InputObject)]
pub struct CompleteOnboardingInput {
    /// The onboarding.
    pub id: ID,
    /// The version read.
    pub expected_version: i32,
    /// The employee number, unique.
    pub employee_number: String,
    /// The work e-mail, unique.
    pub work_email: String,
    /// The unit (default: the requisition's).
    pub org_unit_id: Option<ID>,
    /// The manager.
    pub manager_id: Option<ID>,
    /// The member the employee signs in as.
    pub user_id: Option<uuid::Uuid>,
}

/// The result of a requisition transition.
#[derive(SimpleObject)]
pub struct JobRequisitionFlowPayload {
    /// The requisition; `null` when there are errors.
    pub job_requisition: Option<JobRequisition>,
    /// What was wrong (vacancy and approval problems alike); nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The result of moving an applicant.
#[derive(SimpleObject)]
pub struct AdvanceApplicantPayload {
    /// The applicant; `null` when there are errors.
    pub applicant: Option<Applicant>,
    /// What was wrong.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The result of recording feedback.
#[derive(SimpleObject)]
pub struct InterviewFeedbackPayload {
    /// The interview with its feedback; `null` when there are errors.
    pub interview: Option<Interview>,
    /// What was wrong.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The result of an offer mutation.
#[derive(SimpleObject)]
pub struct JobOfferPayload {
    /// The offer; `null` when there are errors.
    pub job_offer: Option<JobOffer>,
    /// What was wrong.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The result of a checklist task mutation.
#[derive(SimpleObject)]
pub struct HrChecklistTaskPayload {
    /// The task; `null` when there are errors.
    pub task: Option<HrChecklistTask>,
    /// What was wrong.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The result of an onboarding mutation.
#[derive(SimpleObject)]
pub struct OnboardingPayload {
    /// The onboarding (with the employee it created); `null` when there are errors.
    pub onboarding: Option<Onboarding>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

fn decode<E: entity::TenantScoped>(id: &ID) -> Option<uuid::Uuid> {
    GlobalId::decode_for::<E>(id)
}

/// The recruiting and onboarding workflow mutations.
#[derive(Default)]
pub struct RecruitingFlowMutation;

#[Object]
impl RecruitingFlowMutation {
    /// Submits a draft requisition for approval (its requester, or `MANAGE_RECRUITING`),
    /// checked against the unit's headcount plan (`NO_VACANCY`); with no approval rule that
    /// applies it is approved at once.
    async fn submit_job_requisition(
        &self,
        ctx: &Context<'_>,
        input: HrTransitionInput,
    ) -> GqlResult<JobRequisitionFlowPayload> {
        requisition_action(ctx, input, JobRequisitionAction::Submit).await
    }

    /// Withdraws a requisition, or stops hiring for an approved one.
    async fn cancel_job_requisition(
        &self,
        ctx: &Context<'_>,
        input: HrTransitionInput,
    ) -> GqlResult<JobRequisitionFlowPayload> {
        requisition_action(ctx, input, JobRequisitionAction::Cancel).await
    }

    /// Takes a rejected or cancelled requisition back into draft.
    async fn reopen_job_requisition(
        &self,
        ctx: &Context<'_>,
        input: HrTransitionInput,
    ) -> GqlResult<JobRequisitionFlowPayload> {
        requisition_action(ctx, input, JobRequisitionAction::Reopen).await
    }

    /// Moves an applicant through the pipeline. Needs `MANAGE_RECRUITING`.
    async fn advance_applicant(
        &self,
        ctx: &Context<'_>,
        input: AdvanceApplicantInput,
    ) -> GqlResult<AdvanceApplicantPayload> {
        let session = ctx.authorize(Permission::ManageRecruiting)?;
        let tx = session.begin_write(ctx).await?;
        let out = match decode::<applicant::Entity>(&input.id) {
            None => refuse("id", HrErrorCode::NotFound, "no such applicant"),
            Some(id) => {
                recruiting::advance_applicant(
                    &tx,
                    session.principal.actor_id,
                    id,
                    input.expected_version,
                    input.action,
                )
                .await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(AdvanceApplicantPayload {
            applicant: row.map(Applicant),
            errors: List(errors),
        })
    }

    /// Records (or replaces) your feedback on an interview; the first feedback marks it held.
    /// Needs `VIEW_RECRUITING` (interviewers are given it).
    async fn record_interview_feedback(
        &self,
        ctx: &Context<'_>,
        input: RecordInterviewFeedbackInput,
    ) -> GqlResult<InterviewFeedbackPayload> {
        let session = ctx.authorize(Permission::ViewRecruiting)?;
        let tx = session.begin_write(ctx).await?;
        let out = match decode::<interview::Entity>(&input.interview_id) {
            None => refuse("interviewId", HrErrorCode::NotFound, "no such interview"),
            Some(id) => {
                let f = recruiting::Feedback {
                    score: input.score,
                    recommendation: input.recommendation,
                    comments: input.comments.as_deref(),
                };
                match recruiting::record_feedback(&tx, session.principal.actor_id, id, &f).await? {
                    Ok(_) => Ok(tx.get::<interview::Entity>(id).await?),
                    Err(e) => Err(e),
                }
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(InterviewFeedbackPayload {
            interview: row.flatten().map(Interview),
            errors: List(errors),
        })
    }

    /// Writes a draft offer for an applicant (`NO_VACANCY` when the requisition has no
    /// vacancy left); the applicant moves to `OFFER`. Needs `MANAGE_RECRUITING`.
    async fn create_job_offer(
        &self,
        ctx: &Context<'_>,
        input: CreateJobOfferInput,
    ) -> GqlResult<JobOfferPayload> {
        let session = ctx.authorize(Permission::ManageRecruiting)?;
        let tx = session.begin_write(ctx).await?;
        let out = recruiting::create_offer(&tx, session.principal.actor_id, &input).await?;
        let (row, errors) = settle(tx, out).await?;
        Ok(JobOfferPayload {
            job_offer: row.map(JobOffer),
            errors: List(errors),
        })
    }

    /// Sends a draft offer.
    async fn send_job_offer(
        &self,
        ctx: &Context<'_>,
        input: JobOfferTransitionInput,
    ) -> GqlResult<JobOfferPayload> {
        offer_action(ctx, input, JobOfferAction::Send).await
    }

    /// Records the applicant's acceptance: the vacancy is checked again and the onboarding
    /// opens with its checklist.
    async fn accept_job_offer(
        &self,
        ctx: &Context<'_>,
        input: JobOfferTransitionInput,
    ) -> GqlResult<JobOfferPayload> {
        offer_action(ctx, input, JobOfferAction::Accept).await
    }

    /// Records the applicant's refusal; the applicant is `WITHDRAWN`.
    async fn decline_job_offer(
        &self,
        ctx: &Context<'_>,
        input: JobOfferTransitionInput,
    ) -> GqlResult<JobOfferPayload> {
        offer_action(ctx, input, JobOfferAction::Decline).await
    }

    /// Withdraws a draft or sent offer; the applicant goes back to interviewing.
    async fn withdraw_job_offer(
        &self,
        ctx: &Context<'_>,
        input: JobOfferTransitionInput,
    ) -> GqlResult<JobOfferPayload> {
        offer_action(ctx, input, JobOfferAction::Withdraw).await
    }

    /// Marks an onboarding or separation task done (or not). Needs `MANAGE_HR`.
    async fn complete_checklist_task(
        &self,
        ctx: &Context<'_>,
        input: CompleteChecklistTaskInput,
    ) -> GqlResult<HrChecklistTaskPayload> {
        let session = ctx.authorize(Permission::ManageHr)?;
        let tx = session.begin_write(ctx).await?;
        let out = match decode::<hr_checklist_task::Entity>(&input.id) {
            None => refuse("id", HrErrorCode::NotFound, "no such checklist task"),
            Some(id) => {
                onboard::complete_task(
                    &tx,
                    session.principal.actor_id,
                    id,
                    input.expected_version,
                    input.done.unwrap_or(true),
                )
                .await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(HrChecklistTaskPayload {
            task: row.map(HrChecklistTask),
            errors: List(errors),
        })
    }

    /// Completes an onboarding once its required tasks are done (`CHECKLIST_INCOMPLETE`
    /// otherwise): creates the employee, starts the contract from the offer and assigns its
    /// salary structure; the applicant is `HIRED` and the vacancy filled. Needs `MANAGE_HR`.
    async fn complete_onboarding(
        &self,
        ctx: &Context<'_>,
        input: CompleteOnboardingInput,
    ) -> GqlResult<OnboardingPayload> {
        let session = ctx.authorize(Permission::ManageHr)?;
        let tx = session.begin_write(ctx).await?;
        let out = onboard::complete(&tx, &session.principal, &input).await?;
        let (row, errors) = settle(tx, out).await?;
        Ok(OnboardingPayload {
            onboarding: row.map(Onboarding),
            errors: List(errors),
        })
    }

    /// Calls off an open onboarding (the vacancy is free again). Needs `MANAGE_HR`.
    async fn cancel_onboarding(
        &self,
        ctx: &Context<'_>,
        input: HrTransitionInput,
    ) -> GqlResult<OnboardingPayload> {
        let session = ctx.authorize(Permission::ManageHr)?;
        let tx = session.begin_write(ctx).await?;
        let out = match decode::<onboarding::Entity>(&input.id) {
            None => refuse("id", HrErrorCode::NotFound, "no such onboarding"),
            Some(id) => {
                onboard::cancel(&tx, session.principal.actor_id, id, input.expected_version).await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(OnboardingPayload {
            onboarding: row.map(Onboarding),
            errors: List(errors),
        })
    }
}

async fn requisition_action(
    ctx: &Context<'_>,
    input: HrTransitionInput,
    action: JobRequisitionAction,
) -> GqlResult<JobRequisitionFlowPayload> {
    let session = ctx.authorize(Permission::SubmitRequests)?;
    let manage = session.principal.can(Permission::ManageRecruiting);
    let tx = session.begin_write(ctx).await?;
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let out = match decode::<job_requisition::Entity>(&input.id) {
        None => refuse("id", HrErrorCode::NotFound, "no such job requisition"),
        Some(_) if reason.is_some_and(|r| r.chars().count() > 1000) => {
            refuse("reason", HrErrorCode::TooLong, "at most 1000 characters")
        }
        Some(id) => {
            recruiting::requisition_act(
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
    Ok(JobRequisitionFlowPayload {
        job_requisition: row.map(JobRequisition),
        errors: List(errors),
    })
}

async fn offer_action(
    ctx: &Context<'_>,
    input: JobOfferTransitionInput,
    action: JobOfferAction,
) -> GqlResult<JobOfferPayload> {
    let session = ctx.authorize(Permission::ManageRecruiting)?;
    let tx = session.begin_write(ctx).await?;
    let template = match &input.checklist_template_id {
        Some(t) => match decode::<checklist_template::Entity>(t) {
            Some(t) => Ok(Some(t)),
            None => Err(()),
        },
        None => Ok(None),
    };
    let out = match (decode::<job_offer::Entity>(&input.id), template) {
        (None, _) => refuse("id", HrErrorCode::NotFound, "no such job offer"),
        (_, Err(())) => refuse(
            "checklistTemplateId",
            HrErrorCode::NotFound,
            "no such checklist template",
        ),
        (Some(id), Ok(t)) => {
            recruiting::offer_act(
                &tx,
                session.principal.actor_id,
                id,
                input.expected_version,
                action,
                t,
            )
            .await?
        }
    };
    let (row, errors) = settle(tx, out).await?;
    Ok(JobOfferPayload {
        job_offer: row.map(JobOffer),
        errors: List(errors),
    })
}

/// Every recruiting and onboarding query.
#[derive(async_graphql::MergedObject, Default)]
pub struct RecruitingQuery(
    HeadcountPlanQuery,
    JobRequisitionQuery,
    JobOpeningQuery,
    ApplicantQuery,
    InterviewQuery,
    JobOfferListQuery,
    ChecklistTemplateQuery,
    OnboardingListQuery,
    HrChecklistTaskListQuery,
);

/// Every recruiting and onboarding mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct RecruitingMutation(
    HeadcountPlanMutation,
    JobRequisitionMutation,
    JobOpeningMutation,
    ApplicantMutation,
    InterviewMutation,
    ChecklistTemplateMutation,
    RecruitingFlowMutation,
);
