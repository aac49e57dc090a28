//! Checklists and onboarding: an accepted offer opens an onboarding whose tasks come from a
//! template; completing it creates the employee, starts the employment contract from the offer
//! and assigns the offer's salary structure, in one transaction.
//!
//! Invariants:
//! - an onboarding completes only when every required task is done (`CHECKLIST_INCOMPLETE`);
//! - completion creates exactly one employee (through the employee's own validation, so a taken
//!   number or e-mail is reported and nothing is written), one running contract and, when the
//!   offer names one, one structure assignment; the applicant becomes `HIRED` and the
//!   requisition counts the vacancy filled;
//! - a task belongs to exactly one onboarding or separation; a done task of a completed
//!   checklist stays done.

use chrono::Utc;
use entity::TenantTx;
use entity::hr::{
    applicant, checklist_template, employment_contract, hr_checklist_task, job_offer,
    job_requisition, onboarding, salary_structure_assignment, separation,
};
use entity::org::employee;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Checked, HrErrorCode as E, refuse};
use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::core::GlobalId;
use crate::graphql::listing::DbEnum;
use crate::graphql::recruiting::{
    ChecklistItemInput, ChecklistKind, ChecklistTemplate, ChecklistTemplateFilter,
    ChecklistTemplateOrder, ChecklistTemplatePatch, CompleteOnboardingInput,
    CreateChecklistTemplateInput, HrChecklistTask, HrChecklistTaskFilter, HrChecklistTaskOrder,
    Onboarding, OnboardingFilter, OnboardingOrder,
};
use crate::graphql::resource::{Editable, Problems, Resource};
use crate::services::workflow::advance;

type P = Problems<E>;

/// One item of a checklist template, as stored.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Item {
    /// What to do.
    pub title: String,
    /// Whether completion waits for it.
    pub required: bool,
}

/// A template's items (an unreadable list is empty).
pub fn items(row: &checklist_template::Model) -> Vec<Item> {
    serde_json::from_str(&row.items).unwrap_or_default()
}

fn check_items(p: &mut P, path: &str, input: &[ChecklistItemInput]) -> String {
    if input.len() > 100 {
        p.row(path, E::Invalid, "at most 100 tasks");
    }
    let items: Vec<Item> = input
        .iter()
        .enumerate()
        .map(|(i, it)| Item {
            title: p.required_text(&format!("{path}.{i}.title"), &it.title, 200),
            required: it.required.unwrap_or(true),
        })
        .collect();
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".into())
}

impl Resource for checklist_template::Entity {
    type Node = ChecklistTemplate;
    type Filter = ChecklistTemplateFilter;
    type Order = ChecklistTemplateOrder;
    const VIEW: Permission = Permission::ViewHr;
}

impl Editable for checklist_template::Entity {
    type Create = CreateChecklistTemplateInput;
    type Patch = ChecklistTemplatePatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageHr;

    async fn create(
        tx: &TenantTx,
        input: &CreateChecklistTemplateInput,
        p: &mut P,
    ) -> AppResult<checklist_template::ActiveModel> {
        let code = p.required_text("code", &input.code, 30);
        p.unique::<checklist_template::Entity>(
            tx,
            "code",
            checklist_template::Column::Code,
            &code,
            None,
        )
        .await?;
        Ok(checklist_template::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            kind: Set(input.kind.db().into()),
            items: Set(check_items(p, "items", &input.items)),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &checklist_template::Model,
        patch: &ChecklistTemplatePatch,
        p: &mut P,
    ) -> AppResult<checklist_template::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(c) = &patch.code {
            let code = p.required_text("patch.code", c, 30);
            p.unique::<checklist_template::Entity>(
                tx,
                "patch.code",
                checklist_template::Column::Code,
                &code,
                Some(row.id),
            )
            .await?;
            am.code = Set(code);
        }
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        if let Some(items) = &patch.items {
            am.items = Set(check_items(p, "patch.items", items));
        }
        Ok(am)
    }
}

impl Resource for onboarding::Entity {
    type Node = Onboarding;
    type Filter = OnboardingFilter;
    type Order = OnboardingOrder;
    const VIEW: Permission = Permission::ViewHr;
}

impl Resource for hr_checklist_task::Entity {
    type Node = HrChecklistTask;
    type Filter = HrChecklistTaskFilter;
    type Order = HrChecklistTaskOrder;
    const VIEW: Permission = Permission::ViewHr;
}

/// The template a checklist starts from: the one named (of the right kind), or the first of
/// the kind by code; none gives an empty checklist.
pub async fn template(
    tx: &TenantTx,
    kind: ChecklistKind,
    named: Option<Uuid>,
) -> AppResult<Checked<Option<checklist_template::Model>>> {
    use checklist_template::Column as T;
    if let Some(id) = named {
        return Ok(
            match tx
                .get::<checklist_template::Entity>(id)
                .await?
                .filter(|t| t.archived_at.is_none())
            {
                Some(t) if t.kind == kind.db() => Ok(Some(t)),
                Some(_) => refuse(
                    "checklistTemplateId",
                    E::Invalid,
                    format!("an {} template", kind.db()),
                ),
                None => refuse(
                    "checklistTemplateId",
                    E::NotFound,
                    "no such checklist template",
                ),
            },
        );
    }
    Ok(Ok(tx
        .one(tx.select::<checklist_template::Entity>().refine(|q| {
            q.filter(T::Kind.eq(kind.db()))
                .filter(T::ArchivedAt.is_null())
                .order_by_asc(T::Code)
        }))
        .await?))
}

/// A task to add to a checklist.
pub struct NewTask {
    /// `task` or `asset_return`.
    pub kind: &'static str,
    /// What to do.
    pub title: String,
    /// Whether completion waits for it.
    pub required: bool,
    /// What it is about.
    pub reference: Option<String>,
}

/// Writes a checklist's tasks, numbered from 1.
pub async fn write_tasks(
    tx: &TenantTx,
    actor: Uuid,
    owner: (Option<Uuid>, Option<Uuid>),
    tasks: Vec<NewTask>,
) -> AppResult<()> {
    for (i, t) in tasks.into_iter().enumerate() {
        let mut am = hr_checklist_task::ActiveModel {
            onboarding_id: Set(owner.0),
            separation_id: Set(owner.1),
            seq: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
            kind: Set(t.kind.into()),
            title: Set(t.title),
            required: Set(t.required),
            reference: Set(t.reference),
            done_at: Set(None),
            done_by: Set(None),
            archived_at: Set(None),
            ..Default::default()
        };
        crate::graphql::resource::stamp_new::<hr_checklist_task::Entity>(&mut am, Some(actor))?;
        tx.insert::<hr_checklist_task::Entity, _>(am).await?;
    }
    Ok(())
}

/// The tasks of a template.
pub fn from_template(t: Option<&checklist_template::Model>) -> Vec<NewTask> {
    t.map(items)
        .unwrap_or_default()
        .into_iter()
        .map(|i| NewTask {
            kind: "task",
            title: i.title,
            required: i.required,
            reference: None,
        })
        .collect()
}

/// Opens the onboarding of an accepted offer (called by the acceptance).
pub async fn open(
    tx: &TenantTx,
    actor: Uuid,
    offer: &job_offer::Model,
    named: Option<Uuid>,
) -> AppResult<Checked<onboarding::Model>> {
    let tpl = match template(tx, ChecklistKind::Onboarding, named).await? {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    let mut am = onboarding::ActiveModel {
        offer_id: Set(offer.id),
        applicant_id: Set(offer.applicant_id),
        employee_id: Set(None),
        status: Set("open".into()),
        completed_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    crate::graphql::resource::stamp_new::<onboarding::Entity>(&mut am, Some(actor))?;
    let row = tx.insert::<onboarding::Entity, _>(am).await?;
    write_tasks(tx, actor, (Some(row.id), None), from_template(tpl.as_ref())).await?;
    Ok(Ok(row))
}

/// The tasks of a checklist, in order.
pub async fn tasks_of(
    tx: &TenantTx,
    owner: (Option<Uuid>, Option<Uuid>),
) -> AppResult<Vec<hr_checklist_task::Model>> {
    use hr_checklist_task::Column as T;
    Ok(tx
        .all(tx.select::<hr_checklist_task::Entity>().refine(|q| {
            let q = match owner {
                (Some(o), _) => q.filter(T::OnboardingId.eq(o)),
                (None, Some(s)) => q.filter(T::SeparationId.eq(s)),
                (None, None) => q.filter(T::Id.eq(Uuid::nil())),
            };
            q.filter(T::ArchivedAt.is_null()).order_by_asc(T::Seq)
        }))
        .await?)
}

/// The required tasks not done yet, as one refusal.
pub fn incomplete<T>(tasks: &[hr_checklist_task::Model]) -> Option<Checked<T>> {
    let open: Vec<&str> = tasks
        .iter()
        .filter(|t| t.required && t.done_at.is_none())
        .map(|t| t.title.as_str())
        .collect();
    (!open.is_empty()).then(|| {
        refuse(
            "id",
            E::ChecklistIncomplete,
            format!(
                "{} required task(s) open: {}",
                open.len(),
                open.iter().take(5).copied().collect::<Vec<_>>().join("; ")
            ),
        )
    })
}

/// Marks a task done (or not done) while its checklist is open.
pub async fn complete_task(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    done: bool,
) -> AppResult<Checked<hr_checklist_task::Model>> {
    let Some(peek) = tx.get::<hr_checklist_task::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such checklist task"));
    };
    // Lock order, as completion: the checklist, then its task; so a task cannot be reopened
    // while its checklist completes.
    let open = match (peek.onboarding_id, peek.separation_id) {
        (Some(o), _) => tx
            .get_for_update::<onboarding::Entity>(o)
            .await?
            .is_some_and(|o| o.status == "open"),
        (None, Some(s)) => tx
            .get_for_update::<separation::Entity>(s)
            .await?
            .is_some_and(|s| s.status == "open"),
        (None, None) => false,
    };
    let Some(task) = tx.get_for_update::<hr_checklist_task::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such checklist task"));
    };
    crate::services::access::check_version(task.version, expected_version)?;
    if !open {
        return Ok(refuse("id", E::Locked, "the checklist is closed"));
    }
    Ok(Ok(advance::<hr_checklist_task::Entity, _>(
        tx,
        Some(actor),
        &task,
        if done { "done" } else { "undone" },
        |am| {
            am.done_at = Set(done.then(Utc::now));
            am.done_by = Set(done.then_some(actor));
        },
    )
    .await?))
}

/// Completes an onboarding: the employee, the running contract and the structure assignment.
pub async fn complete(
    tx: &TenantTx,
    principal: &crate::auth::Principal,
    input: &CompleteOnboardingInput,
) -> AppResult<Checked<onboarding::Model>> {
    let actor = principal.actor_id;
    let Some(id) = GlobalId::decode_for::<onboarding::Entity>(&input.id) else {
        return Ok(refuse("id", E::NotFound, "no such onboarding"));
    };
    let Some(row) = tx.get_for_update::<onboarding::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such onboarding"));
    };
    crate::services::access::check_version(row.version, input.expected_version)?;
    if row.status != "open" {
        return Ok(refuse(
            "id",
            E::IllegalTransition,
            "the onboarding is closed",
        ));
    }
    if let Some(refusal) = incomplete(&tasks_of(tx, (Some(row.id), None)).await?) {
        return Ok(refusal);
    }
    let (Some(offer), Some(who)) = (
        tx.get::<job_offer::Entity>(row.offer_id).await?,
        tx.get::<applicant::Entity>(row.applicant_id).await?,
    ) else {
        return Ok(refuse("id", E::NotFound, "the offer or applicant is gone"));
    };
    let Some(req) = tx
        .get::<job_requisition::Entity>(offer.requisition_id)
        .await?
    else {
        return Ok(refuse("id", E::NotFound, "the requisition is gone"));
    };
    let person = crate::graphql::org::CreateEmployeeInput {
        employee_number: input.employee_number.clone(),
        family_name: who.family_name.clone(),
        given_name: who.given_name.clone(),
        work_email: input.work_email.clone(),
        hire_date: offer.proposed_start,
        org_unit_id: Some(
            input
                .org_unit_id
                .clone()
                .unwrap_or_else(|| GlobalId::of::<entity::org::org_unit::Entity>(req.org_unit_id)),
        ),
        manager_id: input.manager_id.clone(),
        user_id: input.user_id,
    };
    let emp =
        match crate::graphql::resource::create_in::<employee::Entity, E>(tx, principal, &person)
            .await?
        {
            Ok(e) => e,
            Err(e) => return Ok(Err(e)),
        };
    let terms = crate::graphql::hr::CreateEmploymentContractInput {
        employee_id: GlobalId::of::<employee::Entity>(emp.id),
        contract_type: crate::graphql::hr::ContractType::from_db(&offer.contract_type),
        start_date: offer.proposed_start,
        end_date: offer.end_date,
        trial_end: offer.trial_end,
        wage_type: None,
        wage: crate::graphql::scalars::Decimal(offer.wage),
        work_schedule_id: GlobalId::of::<entity::hr::work_schedule::Entity>(offer.work_schedule_id),
        renewal_of_id: None,
    };
    let contract = match crate::graphql::resource::create_in::<employment_contract::Entity, E>(
        tx, principal, &terms,
    )
    .await?
    {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = super::contracts::act(
        tx,
        actor,
        contract.id,
        contract.version,
        super::contracts::EmploymentContractAction::Start,
        None,
    )
    .await?
    {
        return Ok(Err(e));
    }
    if let Some(structure) = offer.structure_id {
        let assignment = crate::graphql::payroll::CreateSalaryStructureAssignmentInput {
            employee_id: GlobalId::of::<employee::Entity>(emp.id),
            structure_id: GlobalId::of::<entity::hr::salary_structure::Entity>(structure),
            from_date: offer.proposed_start,
            to_date: None,
            amounts: None,
            dependents: None,
            tax_column: None,
        };
        if let Err(e) =
            crate::graphql::resource::create_in::<salary_structure_assignment::Entity, E>(
                tx,
                principal,
                &assignment,
            )
            .await?
        {
            return Ok(Err(e));
        }
    }
    super::recruiting::hired(tx, actor, &offer).await?;
    Ok(Ok(advance::<onboarding::Entity, _>(
        tx,
        Some(actor),
        &row,
        "completed",
        |am| {
            am.status = Set("completed".into());
            am.employee_id = Set(Some(emp.id));
            am.completed_at = Set(Some(Utc::now()));
        },
    )
    .await?))
}

/// Cancels an open onboarding (the hire fell through): the offer is withdrawn, so it no longer
/// holds a vacancy, and the applicant goes back to interviewing.
pub async fn cancel(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Checked<onboarding::Model>> {
    let Some(row) = tx.get_for_update::<onboarding::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such onboarding"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.status != "open" {
        return Ok(refuse(
            "id",
            E::IllegalTransition,
            "the onboarding is closed",
        ));
    }
    super::recruiting::released(tx, actor, row.offer_id).await?;
    Ok(Ok(advance::<onboarding::Entity, _>(
        tx,
        Some(actor),
        &row,
        "cancelled",
        |am| am.status = Set("cancelled".into()),
    )
    .await?))
}
