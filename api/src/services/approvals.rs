//! Tiered approvals, for any document type.
//!
//! A tenant's approval rules say, per document type, which documents need whose approval: the
//! first rule (by priority) whose conditions hold (amount range in the rule's currency, cost
//! centre, department including its sub-units, category) applies, and its tiers apply in order,
//! each only when the amount reaches the tier's threshold. Approvers are named by role, by user,
//! or as the requester's manager chain; a tier needs one (`ANY`) or all (`ALL`) of them.
//!
//! Invariants, all checked here inside the caller's transaction:
//! - nobody approves their own request: the requester is never given a task (not through a role,
//!   a named user, or as their own manager: the chain skips them), and a decision by the
//!   requester is refused even when they act as someone's delegate;
//! - one person, one decision per tier (an `ALL` tier is not completed by one person acting for
//!   two);
//! - a rejection has a reason; a submitted document stays locked while its approval is pending
//!   (the document's state machine enforces it);
//! - a delegate acts only within the delegation's dates and document type, and the decision
//!   records who decided (`decidedBy`) for whom (`approver`).

use chrono::Utc;
use entity::TenantTx;
use entity::kernel::{approval_delegation, approval_request, approval_rule, approval_task};
use entity::org::{employee, org_unit};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppResult, InputError};
use crate::graphql::resource::stamp_new;
use crate::services::notifications::{Notice, notify};
use crate::services::workflow::WorkflowCodes;

crate::error_codes! {
    /// What can be wrong with an approval input or decision.
    ApprovalErrorCode {
        /// The transition is not allowed from the document's current state.
        IllegalTransition,
        /// The requester tried to decide their own request.
        SelfApproval,
        /// The caller is not an approver (or an approver's delegate) of the tier now deciding.
        NotAnApprover,
        /// The caller already decided in this tier.
        AlreadyDecided,
        /// The document has no pending approval.
        NotPending,
        /// No one but the requester could approve one of the tiers that apply.
        NoApprover,
        /// The tenant has approval rules for the document type but none applies to this document
        /// (add a catch-all rule, possibly with no tiers, for what needs no approval).
        NoRule,
        /// Only the requester may do this to the document.
        NotRequester,
        /// The document is locked while its approval is pending.
        Locked,
    }
}

impl WorkflowCodes for ApprovalErrorCode {
    const ILLEGAL_TRANSITION: Self = Self::IllegalTransition;
}

/// Problems or a value.
pub type Checked<T> = Result<T, Vec<InputError<ApprovalErrorCode>>>;

fn fail<T>(
    path: &str,
    code: ApprovalErrorCode,
    message: impl Into<String>,
) -> AppResult<Checked<T>> {
    Ok(Err(vec![InputError::new(path, code, message)]))
}

/// One tier of a rule, as stored in `approval_rules.tiers`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Tier {
    /// Display name (`Manager`, `Finance`).
    pub name: String,
    /// `any` or `all`.
    pub mode: String,
    /// The tier applies only from this amount on (in the rule's currency).
    pub min_amount: Option<Decimal>,
    /// Who is asked.
    pub approvers: Vec<Approver>,
}

/// Who a tier asks.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Approver {
    /// Every active member holding the role (built-in or the tenant's own key).
    Role {
        /// The role key.
        role: String,
    },
    /// One member.
    User {
        /// The user.
        user_id: Uuid,
    },
    /// The requester's manager, `level` steps up (1 = direct manager).
    Manager {
        /// Steps up the chain.
        level: i32,
    },
}

/// The tiers of a rule.
pub fn tiers(rule: &approval_rule::Model) -> Vec<Tier> {
    serde_json::from_value(rule.tiers.clone()).unwrap_or_default()
}

/// What an approval needs to know about a submitted document.
pub struct Facts {
    /// The document type (`PurchaseRequest`).
    pub document_type: &'static str,
    /// The document.
    pub document_id: Uuid,
    /// Its number, for lists and notifications.
    pub document_number: Option<String>,
    /// Who asks.
    pub requester: Uuid,
    /// The amount.
    pub amount: Decimal,
    /// Its currency.
    pub currency: String,
    /// The cost centre charged.
    pub cost_centre_id: Option<Uuid>,
    /// The requesting department.
    pub org_unit_id: Option<Uuid>,
    /// The category.
    pub category: Option<String>,
    /// When the document is needed (approvers are reminded as it nears).
    pub due_on: Option<chrono::NaiveDate>,
}

/// The outcome of a submission or a decision for the document.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// Still waiting for a tier.
    Pending,
    /// Every tier approved (or none applied).
    Approved,
    /// A tier rejected it.
    Rejected,
}

async fn ancestors(tx: &TenantTx, unit: Option<Uuid>) -> AppResult<Vec<Uuid>> {
    let mut chain = Vec::new();
    let mut next = unit;
    while let Some(id) = next {
        if chain.contains(&id) || chain.len() > 50 {
            break;
        }
        chain.push(id);
        next = tx
            .get::<org_unit::Entity>(id)
            .await?
            .and_then(|u| u.parent_id);
    }
    Ok(chain)
}

/// The rule that applies to a document: the first active one, by priority, whose conditions hold.
pub async fn matching_rule(
    tx: &TenantTx,
    facts: &Facts,
) -> AppResult<Option<approval_rule::Model>> {
    let document_type = facts.document_type.to_owned();
    let rules = tx
        .all(tx.select::<approval_rule::Entity>().refine(|q| {
            q.filter(approval_rule::Column::DocumentType.eq(document_type))
                .filter(approval_rule::Column::ArchivedAt.is_null())
                .order_by_asc(approval_rule::Column::Priority)
                .order_by_asc(approval_rule::Column::Id)
        }))
        .await?;
    let units = ancestors(tx, facts.org_unit_id).await?;
    Ok(rules.into_iter().find(|r| {
        // Amount conditions always come with a currency (checked when the rule is saved).
        let currency_ok = r.currency.as_deref().is_none_or(|c| c == facts.currency);
        let min_ok = r.min_amount.is_none_or(|m| facts.amount >= m);
        let max_ok = r.max_amount.is_none_or(|m| facts.amount <= m);
        let cc_ok = r
            .cost_centre_id
            .is_none_or(|c| facts.cost_centre_id == Some(c));
        let unit_ok = r.org_unit_id.is_none_or(|u| units.contains(&u));
        let category_ok = r.category.as_deref().is_none_or(|c| {
            facts
                .category
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case(c))
        });
        currency_ok && min_ok && max_ok && cc_ok && unit_ok && category_ok
    }))
}

/// Whether the tenant has any live rule for a document type.
async fn has_rules(tx: &TenantTx, document_type: &str) -> AppResult<bool> {
    let document_type = document_type.to_owned();
    Ok(tx
        .count(tx.select::<approval_rule::Entity>().refine(|q| {
            q.filter(approval_rule::Column::DocumentType.eq(document_type))
                .filter(approval_rule::Column::ArchivedAt.is_null())
        }))
        .await?
        > 0)
}

/// The employee record of a user (live ones only).
async fn employee_of(tx: &TenantTx, user: Uuid) -> AppResult<Option<employee::Model>> {
    Ok(tx
        .one(tx.select::<employee::Entity>().refine(|q| {
            q.filter(employee::Column::UserId.eq(user))
                .filter(employee::Column::ArchivedAt.is_null())
        }))
        .await?)
}

/// An employee's manager: their own `manager`, else the manager of their unit (or of the nearest
/// unit above whose manager is not themselves).
async fn manager_of(tx: &TenantTx, e: &employee::Model) -> AppResult<Option<employee::Model>> {
    if let Some(m) = e.manager_id
        && m != e.id
        && let Some(m) = tx.get::<employee::Entity>(m).await?
    {
        return Ok(Some(m));
    }
    for unit in ancestors(tx, e.org_unit_id).await? {
        if let Some(u) = tx.get::<org_unit::Entity>(unit).await?
            && let Some(m) = u.manager_id
            && m != e.id
        {
            return Ok(tx.get::<employee::Entity>(m).await?);
        }
    }
    Ok(None)
}

/// The requester's manager `level` steps up; anyone who is the requester is stepped over, so a
/// manager never approves as their own manager.
async fn manager_at(tx: &TenantTx, requester: Uuid, level: i32) -> AppResult<Option<Uuid>> {
    let Some(mut current) = employee_of(tx, requester).await? else {
        return Ok(None);
    };
    let mut steps = 0;
    let mut seen = vec![current.id];
    while steps < level {
        let Some(next) = manager_of(tx, &current).await? else {
            return Ok(None);
        };
        if seen.contains(&next.id) {
            return Ok(None);
        }
        seen.push(next.id);
        if next.user_id != Some(requester) {
            steps += 1;
        }
        current = next;
    }
    Ok(current.user_id)
}

/// The active members with their role keys and permissions.
type Members = Vec<(
    Uuid,
    Vec<String>,
    std::collections::BTreeSet<crate::auth::Permission>,
)>;

/// The users a tier asks (from the tenant's active `members`), without the requester and without
/// duplicates, with why each is asked.
async fn resolve(
    tx: &TenantTx,
    members: &Members,
    tier: &Tier,
    requester: Uuid,
) -> AppResult<Vec<(Uuid, String)>> {
    let mut out: Vec<(Uuid, String)> = Vec::new();
    let mut add = |user: Uuid, source: String| {
        if user != requester && !out.iter().any(|(u, _)| *u == user) {
            out.push((user, source));
        }
    };
    for approver in &tier.approvers {
        match approver {
            Approver::Role { role } => {
                for (user, roles, _) in members {
                    if roles.contains(role) {
                        add(*user, format!("role:{role}"));
                    }
                }
            }
            Approver::User { user_id } => {
                if members.iter().any(|(u, _, _)| u == user_id) {
                    add(*user_id, "user".into());
                }
            }
            Approver::Manager { level } => {
                if let Some(user) = manager_at(tx, requester, *level).await?
                    && members.iter().any(|(u, _, _)| *u == user)
                {
                    add(user, format!("manager:{level}"));
                }
            }
        }
    }
    Ok(out)
}

/// The pending approval of a document, locked.
async fn pending_for(
    tx: &TenantTx,
    document_type: &str,
    document_id: Uuid,
) -> AppResult<Option<approval_request::Model>> {
    let document_type = document_type.to_owned();
    Ok(tx
        .one(
            tx.select::<approval_request::Entity>()
                .refine(|q| {
                    q.filter(approval_request::Column::DocumentType.eq(document_type))
                        .filter(approval_request::Column::DocumentId.eq(document_id))
                        .filter(approval_request::Column::Status.eq("pending"))
                })
                .for_update(),
        )
        .await?)
}

/// Starts the approval of a submitted document: picks the rule, resolves every applicable
/// tier's approvers (refusing when a tier would have none but the requester), and asks the
/// first tier. With no rule or no applicable tier the document is approved at once.
pub async fn submit(
    tx: &TenantTx,
    facts: &Facts,
) -> AppResult<Checked<(approval_request::Model, Outcome)>> {
    if pending_for(tx, facts.document_type, facts.document_id)
        .await?
        .is_some()
    {
        return fail(
            "id",
            ApprovalErrorCode::IllegalTransition,
            "the document is already waiting for approval",
        );
    }
    let rule = matching_rule(tx, facts).await?;
    // Fail closed: once a tenant governs a document type with rules, a document none of them
    // covers (another currency, a department no rule names) is refused rather than approved.
    if rule.is_none() && has_rules(tx, facts.document_type).await? {
        return fail(
            "id",
            ApprovalErrorCode::NoRule,
            "no approval rule applies to this document; an administrator must add one",
        );
    }
    let applicable: Vec<Tier> = rule
        .as_ref()
        .map(tiers)
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t.min_amount.is_none_or(|m| facts.amount >= m))
        .collect();
    let mut resolved = Vec::with_capacity(applicable.len());
    let mut problems = Vec::new();
    // Read once for every tier.
    let members = if applicable.is_empty() {
        Vec::new()
    } else {
        crate::services::access::member_permissions(tx).await?
    };
    for (i, tier) in applicable.iter().enumerate() {
        let users = resolve(tx, &members, tier, facts.requester).await?;
        if users.is_empty() {
            problems.push(InputError::new(
                "id",
                ApprovalErrorCode::NoApprover,
                format!(
                    "no one but the requester can approve the tier \"{}\"",
                    tier.name
                ),
            ));
        }
        resolved.push((i as i32 + 1, tier, users));
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let now = Utc::now();
    let outcome = if resolved.is_empty() {
        Outcome::Approved
    } else {
        Outcome::Pending
    };
    let mut am = approval_request::ActiveModel {
        document_type: Set(facts.document_type.to_owned()),
        document_id: Set(facts.document_id),
        document_number: Set(facts.document_number.clone()),
        requester_user_id: Set(facts.requester),
        rule_id: Set(rule.as_ref().map(|r| r.id)),
        amount: Set(facts.amount),
        currency: Set(facts.currency.clone()),
        status: Set(if outcome == Outcome::Approved {
            "approved"
        } else {
            "pending"
        }
        .into()),
        current_tier: Set(if resolved.is_empty() { 0 } else { 1 }),
        submitted_at: Set(now),
        decided_at: Set((outcome == Outcome::Approved).then_some(now)),
        reason: Set(None),
        due_on: Set(facts.due_on),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<approval_request::Entity>(&mut am, Some(facts.requester))?;
    let request = tx.insert::<approval_request::Entity, _>(am).await?;
    for (n, tier, users) in &resolved {
        for (user, source) in users {
            let mut task = approval_task::ActiveModel {
                request_id: Set(request.id),
                tier: Set(*n),
                tier_name: Set(tier.name.clone()),
                mode: Set(tier.mode.clone()),
                approver_user_id: Set(*user),
                source: Set(source.clone()),
                status: Set(if *n == 1 { "pending" } else { "waiting" }.into()),
                decided_by: Set(None),
                decided_at: Set(None),
                comment: Set(None),
                archived_at: Set(None),
                ..Default::default()
            };
            stamp_new::<approval_task::Entity>(&mut task, Some(facts.requester))?;
            tx.insert::<approval_task::Entity, _>(task).await?;
        }
    }
    if outcome == Outcome::Pending {
        ask_tier(tx, &request, 1).await?;
    }
    Ok(Ok((request, outcome)))
}

fn label(request: &approval_request::Model) -> String {
    match &request.document_number {
        Some(n) => format!("{} {n}", request.document_type),
        None => request.document_type.clone(),
    }
}

/// Notifies a tier's approvers, and their delegates of the day, that a decision waits.
async fn ask_tier(tx: &TenantTx, request: &approval_request::Model, tier: i32) -> AppResult<()> {
    let recipients = deciders(tx, request, Some(tier)).await?;
    notify(
        tx,
        &recipients,
        &Notice {
            kind: "approval_waiting",
            title: format!("{} waits for your approval", label(request)),
            body: Some(format!("Amount {} {}.", request.amount, request.currency)),
            subject: Some((&request.document_type, request.document_id)),
        },
    )
    .await
}

/// Who may decide a request now: the approvers of its pending tasks (of one tier, or any) and
/// their delegates of the day, never the requester.
async fn deciders(
    tx: &TenantTx,
    request: &approval_request::Model,
    tier: Option<i32>,
) -> AppResult<Vec<Uuid>> {
    let approvers: Vec<Uuid> = tasks_of(tx, request.id)
        .await?
        .into_iter()
        .filter(|t| t.status == "pending" && tier.is_none_or(|n| t.tier == n))
        .map(|t| t.approver_user_id)
        .collect();
    let mut out = approvers.clone();
    for d in active_delegations(tx, &request.document_type).await? {
        if approvers.contains(&d.delegator_user_id)
            && d.delegate_user_id != request.requester_user_id
        {
            out.push(d.delegate_user_id);
        }
    }
    Ok(out)
}

/// The tasks of a request, tier by tier.
pub async fn tasks_of(tx: &TenantTx, request: Uuid) -> AppResult<Vec<approval_task::Model>> {
    Ok(tx
        .all(tx.select::<approval_task::Entity>().refine(|q| {
            q.filter(approval_task::Column::RequestId.eq(request))
                .order_by_asc(approval_task::Column::Tier)
                .order_by_asc(approval_task::Column::Id)
        }))
        .await?)
}

/// Delegations in force today (for a document type, or for all types).
pub async fn active_delegations(
    tx: &TenantTx,
    document_type: &str,
) -> AppResult<Vec<approval_delegation::Model>> {
    let today = Utc::now().date_naive();
    let document_type = document_type.to_owned();
    Ok(tx
        .all(tx.select::<approval_delegation::Entity>().refine(|q| {
            q.filter(approval_delegation::Column::ArchivedAt.is_null())
                .filter(approval_delegation::Column::StartsOn.lte(today))
                .filter(approval_delegation::Column::EndsOn.gte(today))
                .filter(
                    sea_orm::Condition::any()
                        .add(approval_delegation::Column::DocumentType.is_null())
                        .add(approval_delegation::Column::DocumentType.eq(document_type)),
                )
        }))
        .await?)
}

/// Whom `user` may act for today: themselves and everyone who delegated to them.
pub async fn acting_for(tx: &TenantTx, user: Uuid, document_type: &str) -> AppResult<Vec<Uuid>> {
    let mut out = vec![user];
    for d in active_delegations(tx, document_type).await? {
        if d.delegate_user_id == user && !out.contains(&d.delegator_user_id) {
            out.push(d.delegator_user_id);
        }
    }
    Ok(out)
}

/// A decision.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Decision {
    /// Approve the current tier's task.
    Approve,
    /// Reject the request.
    Reject,
}

/// Records `actor`'s decision on a document's pending approval and moves the approval on.
/// Returns the approval and what it now means for the document.
pub async fn decide(
    tx: &TenantTx,
    actor: Uuid,
    document_type: &str,
    document_id: Uuid,
    decision: Decision,
    comment: Option<&str>,
) -> AppResult<Checked<(approval_request::Model, Outcome)>> {
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > 1000) {
        return fail(
            "comment",
            ApprovalErrorCode::TooLong,
            "at most 1000 characters",
        );
    }
    if decision == Decision::Reject && comment.is_none() {
        return fail(
            "reason",
            ApprovalErrorCode::Required,
            "a rejection needs a reason",
        );
    }
    let Some(request) = pending_for(tx, document_type, document_id).await? else {
        return fail(
            "documentId",
            ApprovalErrorCode::NotPending,
            "the document has no pending approval",
        );
    };
    if request.requester_user_id == actor {
        return fail(
            "documentId",
            ApprovalErrorCode::SelfApproval,
            "nobody decides their own request",
        );
    }
    let tasks = tasks_of(tx, request.id).await?;
    let tier: Vec<&approval_task::Model> = tasks
        .iter()
        .filter(|t| t.tier == request.current_tier)
        .collect();
    if tier.iter().any(|t| t.decided_by == Some(actor)) {
        return fail(
            "documentId",
            ApprovalErrorCode::AlreadyDecided,
            "you already decided in this tier",
        );
    }
    let principals = acting_for(tx, actor, document_type).await?;
    // One's own task first; otherwise one held by someone who delegated to the actor.
    let task = principals.iter().find_map(|p| {
        tier.iter().find(|t| {
            t.status == "pending" && t.approver_user_id == *p && *p != request.requester_user_id
        })
    });
    let Some(task) = task.copied() else {
        return fail(
            "documentId",
            ApprovalErrorCode::NotAnApprover,
            "you are not an approver of the tier now deciding, nor anyone's delegate for it",
        );
    };
    let now = Utc::now();
    let mut am = task.clone().into_active_model();
    am.status = Set(match decision {
        Decision::Approve => "approved",
        Decision::Reject => "rejected",
    }
    .into());
    am.decided_by = Set(Some(actor));
    am.decided_at = Set(Some(now));
    am.comment = Set(comment.map(str::to_owned));
    bump_task(&mut am, task, actor);
    tx.update::<approval_task::Entity, _>(am).await?;

    let mut req = request.clone().into_active_model();
    crate::services::stamp(
        &mut req.version,
        &mut req.updated_at,
        &mut req.updated_by,
        request.version,
        actor,
    );
    let outcome = match decision {
        Decision::Reject => {
            close_open(tx, &tasks, task.id, actor, None).await?;
            req.status = Set("rejected".into());
            req.decided_at = Set(Some(now));
            req.reason = Set(comment.map(str::to_owned));
            Outcome::Rejected
        }
        Decision::Approve => {
            let tier_done = task.mode != "all"
                || tier
                    .iter()
                    .all(|t| t.id == task.id || t.status == "approved");
            if !tier_done {
                Outcome::Pending
            } else {
                // The tier's other open tasks are no longer needed.
                close_open(tx, &tasks, task.id, actor, Some(request.current_tier)).await?;
                let next = request.current_tier + 1;
                let later: Vec<&approval_task::Model> =
                    tasks.iter().filter(|t| t.tier == next).collect();
                if later.is_empty() {
                    req.status = Set("approved".into());
                    req.decided_at = Set(Some(now));
                    Outcome::Approved
                } else {
                    for t in later {
                        let mut am = t.clone().into_active_model();
                        am.status = Set("pending".into());
                        bump_task(&mut am, t, actor);
                        tx.update::<approval_task::Entity, _>(am).await?;
                    }
                    req.current_tier = Set(next);
                    Outcome::Pending
                }
            }
        }
    };
    let request = tx.update::<approval_request::Entity, _>(req).await?;
    match outcome {
        Outcome::Pending if request.current_tier != task.tier => {
            ask_tier(tx, &request, request.current_tier).await?;
        }
        Outcome::Pending => {}
        Outcome::Approved | Outcome::Rejected => {
            let (kind, verb) = if outcome == Outcome::Approved {
                ("approval_approved", "approved")
            } else {
                ("approval_rejected", "rejected")
            };
            notify(
                tx,
                &[request.requester_user_id],
                &Notice {
                    kind,
                    title: format!("{} was {verb}", label(&request)),
                    body: request.reason.clone(),
                    subject: Some((&request.document_type, request.document_id)),
                },
            )
            .await?;
        }
    }
    Ok(Ok((request, outcome)))
}

fn bump_task(am: &mut approval_task::ActiveModel, row: &approval_task::Model, actor: Uuid) {
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        row.version,
        actor,
    );
}

/// Closes the open tasks of a request (of one tier, or all), except `decided`.
async fn close_open(
    tx: &TenantTx,
    tasks: &[approval_task::Model],
    decided: Uuid,
    actor: Uuid,
    tier: Option<i32>,
) -> AppResult<()> {
    for t in tasks.iter().filter(|t| {
        t.id != decided
            && (t.status == "pending" || t.status == "waiting")
            && tier.is_none_or(|n| t.tier == n)
    }) {
        let mut am = t.clone().into_active_model();
        am.status = Set("closed".into());
        bump_task(&mut am, t, actor);
        tx.update::<approval_task::Entity, _>(am).await?;
    }
    Ok(())
}

/// Withdraws a document's pending approval (the requester cancelled the document).
pub async fn withdraw(
    tx: &TenantTx,
    actor: Uuid,
    document_type: &str,
    document_id: Uuid,
    reason: Option<&str>,
) -> AppResult<()> {
    let Some(request) = pending_for(tx, document_type, document_id).await? else {
        return Ok(());
    };
    let tasks = tasks_of(tx, request.id).await?;
    close_open(tx, &tasks, Uuid::nil(), actor, None).await?;
    let mut am = request.clone().into_active_model();
    am.status = Set("cancelled".into());
    am.decided_at = Set(Some(Utc::now()));
    am.reason = Set(reason.map(str::to_owned));
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        request.version,
        actor,
    );
    tx.update::<approval_request::Entity, _>(am).await?;
    Ok(())
}

/// Checks a delegation before it is saved: dates in order and not over, a live delegate who is
/// not the delegator, and no overlap with another of the delegator's delegations for the same
/// document types.
pub async fn check_delegation(
    tx: &TenantTx,
    delegator: Uuid,
    delegate: Uuid,
    starts_on: chrono::NaiveDate,
    ends_on: chrono::NaiveDate,
    document_type: Option<&str>,
) -> AppResult<Vec<InputError<ApprovalErrorCode>>> {
    let mut problems = Vec::new();
    if delegate == delegator {
        problems.push(InputError::new(
            "delegateUserId",
            ApprovalErrorCode::Invalid,
            "nobody delegates to themselves",
        ));
    }
    let members = crate::services::access::member_permissions(tx).await?;
    if !members.iter().any(|(u, _, _)| *u == delegate) {
        problems.push(InputError::new(
            "delegateUserId",
            ApprovalErrorCode::NotFound,
            "no such active member",
        ));
    }
    if ends_on < starts_on {
        problems.push(InputError::new(
            "endsOn",
            ApprovalErrorCode::Invalid,
            "must not be before startsOn",
        ));
    }
    if ends_on < Utc::now().date_naive() {
        problems.push(InputError::new(
            "endsOn",
            ApprovalErrorCode::Invalid,
            "must not be in the past",
        ));
    }
    if (ends_on - starts_on).num_days() > 366 {
        problems.push(InputError::new(
            "endsOn",
            ApprovalErrorCode::Invalid,
            "a delegation lasts at most a year",
        ));
    }
    if let Some(t) = document_type
        && !APPROVABLE.contains(&t)
    {
        problems.push(InputError::new(
            "documentType",
            ApprovalErrorCode::Invalid,
            "not a document type with approvals",
        ));
    }
    let overlapping = tx
        .all(tx.select::<approval_delegation::Entity>().refine(|q| {
            q.filter(approval_delegation::Column::DelegatorUserId.eq(delegator))
                .filter(approval_delegation::Column::ArchivedAt.is_null())
                .filter(approval_delegation::Column::StartsOn.lte(ends_on))
                .filter(approval_delegation::Column::EndsOn.gte(starts_on))
        }))
        .await?;
    if overlapping.iter().any(|d| {
        d.document_type.is_none()
            || document_type.is_none()
            || d.document_type.as_deref() == document_type
    }) {
        problems.push(InputError::new(
            "startsOn",
            ApprovalErrorCode::Duplicate,
            "another delegation covers part of this period; revoke it first",
        ));
    }
    Ok(problems)
}

/// The document types that go through approvals.
pub const APPROVABLE: &[&str] = &[
    "PurchaseRequest",
    "ExpenseClaim",
    "LeaveRequest",
    "JobRequisition",
];

/// Decides the pending approval of any approvable document (by global id) and moves the
/// document on when the approval is complete: the one place that knows which service owns
/// which document type.
pub async fn decide_document(
    tx: &TenantTx,
    actor: Uuid,
    document: &async_graphql::ID,
    decision: Decision,
    comment: Option<&str>,
) -> AppResult<Checked<approval_request::Model>> {
    let Some((ty, id)) = crate::graphql::core::GlobalId::decode(document)
        .filter(|(ty, _)| APPROVABLE.contains(&ty.as_str()))
    else {
        return fail(
            "documentId",
            ApprovalErrorCode::NotFound,
            "no such document",
        );
    };
    // Lock order: the document, then its approval (as cancelling does), so a decision racing a
    // cancellation waits instead of deadlocking.
    match ty.as_str() {
        "PurchaseRequest" => {
            tx.get_for_update::<entity::purchasing::purchase_request::Entity>(id)
                .await?;
        }
        "ExpenseClaim" => {
            tx.get_for_update::<entity::accounting::expense_claim::Entity>(id)
                .await?;
        }
        "LeaveRequest" => {
            // Leave is checked under the employee's lock, which comes first.
            if let Some(r) = tx.get::<entity::hr::leave_request::Entity>(id).await? {
                crate::services::hr::lock_employee(tx, r.employee_id).await?;
            }
            tx.get_for_update::<entity::hr::leave_request::Entity>(id)
                .await?;
        }
        "JobRequisition" => {
            tx.get_for_update::<entity::hr::job_requisition::Entity>(id)
                .await?;
        }
        other => {
            return Err(crate::error::AppError::internal(anyhow::anyhow!(
                "no service owns approvable documents of type {other}"
            )));
        }
    }
    let (request, outcome) = match decide(tx, actor, &ty, id, decision, comment).await? {
        Ok(done) => done,
        Err(e) => return Ok(Err(e)),
    };
    match ty.as_str() {
        "PurchaseRequest" => {
            crate::services::purchasing::on_decided(tx, actor, id, outcome).await?
        }
        "ExpenseClaim" => {
            crate::services::accounting::expenses::on_decided(tx, actor, id, outcome).await?
        }
        "LeaveRequest" => crate::services::hr::leave::on_decided(tx, actor, id, outcome).await?,
        "JobRequisition" => {
            crate::services::hr::recruiting::on_decided(tx, actor, id, outcome).await?
        }
        other => {
            return Err(crate::error::AppError::internal(anyhow::anyhow!(
                "no service owns approvable documents of type {other}"
            )));
        }
    }
    Ok(Ok(request))
}

impl crate::graphql::resource::Resource for approval_rule::Entity {
    type Node = crate::graphql::approvals::ApprovalRule;
    type Filter = crate::graphql::approvals::ApprovalRuleFilter;
    type Order = crate::graphql::approvals::ApprovalRuleOrder;
    const VIEW: crate::auth::Permission = crate::auth::Permission::ManageApprovalRules;
}

type P = crate::graphql::resource::Problems<ApprovalErrorCode>;

/// The most tiers a rule has, and approvers a tier names.
const MAX_TIERS: usize = 10;
const MAX_APPROVERS: usize = 20;

async fn check_tiers(
    tx: &TenantTx,
    p: &mut P,
    path: &str,
    input: &[crate::graphql::approvals::ApprovalTierInput],
) -> AppResult<serde_json::Value> {
    use crate::graphql::approvals::{ApprovalMode, ApproverKind};
    // No tiers is allowed: a rule that says what needs no approval.
    if input.len() > MAX_TIERS {
        p.row(
            path,
            ApprovalErrorCode::Invalid,
            format!("at most {MAX_TIERS} tiers"),
        );
    }
    let members = crate::services::access::member_permissions(tx).await?;
    let custom_roles = tx
        .all(
            tx.select::<entity::access::role::Entity>()
                .refine(|q| q.filter(entity::access::role::Column::ArchivedAt.is_null())),
        )
        .await?;
    let mut tiers = Vec::with_capacity(input.len());
    for (i, t) in input.iter().enumerate() {
        let at = format!("{path}.{i}");
        let name = p.required_text(&format!("{at}.name"), &t.name, 200);
        if let Some(m) = t.min_amount
            && m.0 < Decimal::ZERO
        {
            p.row(
                &format!("{at}.minAmount"),
                ApprovalErrorCode::Invalid,
                "must not be negative",
            );
        }
        if t.approvers.is_empty() || t.approvers.len() > MAX_APPROVERS {
            p.row(
                &format!("{at}.approvers"),
                ApprovalErrorCode::Invalid,
                format!("1 to {MAX_APPROVERS} approvers"),
            );
        }
        let mut approvers = Vec::with_capacity(t.approvers.len());
        for (j, a) in t.approvers.iter().enumerate() {
            let ap = format!("{at}.approvers.{j}");
            match a.kind {
                ApproverKind::Role => {
                    let key = a.role.as_deref().map(str::trim).unwrap_or_default();
                    let known = crate::permissions::BuiltinRole::from_key(key).is_some()
                        || custom_roles.iter().any(|r| r.key == key);
                    if key.is_empty() {
                        p.row(
                            &format!("{ap}.role"),
                            ApprovalErrorCode::Required,
                            "a ROLE approver names a role key",
                        );
                    } else if !known {
                        p.row(
                            &format!("{ap}.role"),
                            ApprovalErrorCode::NotFound,
                            "no such role",
                        );
                    }
                    approvers.push(Approver::Role {
                        role: key.to_owned(),
                    });
                }
                ApproverKind::User => match a.user_id {
                    Some(u) if members.iter().any(|(m, _, _)| *m == u) => {
                        approvers.push(Approver::User { user_id: u });
                    }
                    Some(_) => p.row(
                        &format!("{ap}.userId"),
                        ApprovalErrorCode::NotFound,
                        "no such active member",
                    ),
                    None => p.row(
                        &format!("{ap}.userId"),
                        ApprovalErrorCode::Required,
                        "a USER approver names a user",
                    ),
                },
                ApproverKind::Manager => {
                    let level = a.level.unwrap_or(1);
                    if !(1..=5).contains(&level) {
                        p.row(
                            &format!("{ap}.level"),
                            ApprovalErrorCode::Invalid,
                            "a level from 1 (direct manager) to 5",
                        );
                    }
                    approvers.push(Approver::Manager { level });
                }
            }
        }
        tiers.push(Tier {
            name,
            mode: match t.mode {
                ApprovalMode::Any => "any",
                ApprovalMode::All => "all",
            }
            .into(),
            min_amount: t.min_amount.map(|m| m.0),
            approvers,
        });
    }
    Ok(serde_json::to_value(tiers).unwrap_or_default())
}

fn check_conditions(
    p: &mut P,
    prefix: &str,
    currency: Option<&str>,
    min: Option<Decimal>,
    max: Option<Decimal>,
    tier_thresholds: bool,
) -> Option<String> {
    let currency = currency
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty());
    if let Some(c) = &currency
        && (c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()))
    {
        p.row(
            &format!("{prefix}currency"),
            ApprovalErrorCode::Invalid,
            "a three-letter ISO 4217 code",
        );
    }
    // Amounts of different currencies are never compared, so thresholds name theirs.
    if (min.is_some() || max.is_some() || tier_thresholds) && currency.is_none() {
        p.row(
            &format!("{prefix}currency"),
            ApprovalErrorCode::Required,
            "amount conditions and tier thresholds need a currency",
        );
    }
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        p.row(
            &format!("{prefix}maxAmount"),
            ApprovalErrorCode::Invalid,
            "must not be below minAmount",
        );
    }
    currency
}

impl crate::graphql::resource::Editable for approval_rule::Entity {
    type Create = crate::graphql::approvals::CreateApprovalRuleInput;
    type Patch = crate::graphql::approvals::ApprovalRulePatch;
    type Code = ApprovalErrorCode;
    const MANAGE: crate::auth::Permission = crate::auth::Permission::ManageApprovalRules;

    async fn create(
        tx: &TenantTx,
        input: &Self::Create,
        p: &mut P,
    ) -> AppResult<approval_rule::ActiveModel> {
        if !APPROVABLE.contains(&input.document_type.as_str()) {
            p.row(
                "documentType",
                ApprovalErrorCode::Invalid,
                format!("one of {}", APPROVABLE.join(", ")),
            );
        }
        if input.priority < 0 {
            p.row(
                "priority",
                ApprovalErrorCode::Invalid,
                "must not be negative",
            );
        }
        let min = input.min_amount.map(|m| m.0);
        let max = input.max_amount.map(|m| m.0);
        let thresholds = input.tiers.iter().any(|t| t.min_amount.is_some());
        let currency = check_conditions(p, "", input.currency.as_deref(), min, max, thresholds);
        Ok(approval_rule::ActiveModel {
            document_type: Set(input.document_type.clone()),
            name: Set(p.required_text("name", &input.name, 200)),
            description: Set(p.optional_text("description", input.description.as_deref(), 1000)),
            priority: Set(input.priority),
            currency: Set(currency),
            min_amount: Set(min),
            max_amount: Set(max),
            cost_centre_id: Set(p
                .reference::<entity::org::cost_centre::Entity>(
                    tx,
                    "costCentreId",
                    input.cost_centre_id.as_ref(),
                )
                .await?),
            org_unit_id: Set(p
                .reference::<org_unit::Entity>(tx, "orgUnitId", input.org_unit_id.as_ref())
                .await?),
            category: Set(p.optional_text("category", input.category.as_deref(), 60)),
            tiers: Set(check_tiers(tx, p, "tiers", &input.tiers).await?),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &approval_rule::Model,
        patch: &Self::Patch,
        p: &mut P,
    ) -> AppResult<approval_rule::ActiveModel> {
        use async_graphql::MaybeUndefined;
        fn decimal(
            v: &MaybeUndefined<crate::graphql::scalars::Decimal>,
            now: Option<Decimal>,
        ) -> Option<Decimal> {
            match v {
                MaybeUndefined::Undefined => now,
                MaybeUndefined::Null => None,
                MaybeUndefined::Value(d) => Some(d.0),
            }
        }
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        if let Some(d) = crate::services::org::optional_patch(&patch.description) {
            am.description = Set(p.optional_text("patch.description", d, 1000));
        }
        if let Some(n) = patch.priority {
            if n < 0 {
                p.row(
                    "patch.priority",
                    ApprovalErrorCode::Invalid,
                    "must not be negative",
                );
            }
            am.priority = Set(n);
        }
        let min = decimal(&patch.min_amount, row.min_amount);
        let max = decimal(&patch.max_amount, row.max_amount);
        let currency = match crate::services::org::optional_patch(&patch.currency) {
            None => row.currency.clone(),
            Some(c) => c.map(str::to_owned),
        };
        let thresholds = match &patch.tiers {
            Some(t) => t.iter().any(|t| t.min_amount.is_some()),
            None => tiers(row).iter().any(|t| t.min_amount.is_some()),
        };
        am.currency = Set(check_conditions(
            p,
            "patch.",
            currency.as_deref(),
            min,
            max,
            thresholds,
        ));
        am.min_amount = Set(min);
        am.max_amount = Set(max);
        if let Some(cc) = p
            .reference_patch::<entity::org::cost_centre::Entity>(
                tx,
                "patch.costCentreId",
                &patch.cost_centre_id,
            )
            .await?
        {
            am.cost_centre_id = Set(cc);
        }
        if let Some(u) = p
            .reference_patch::<org_unit::Entity>(tx, "patch.orgUnitId", &patch.org_unit_id)
            .await?
        {
            am.org_unit_id = Set(u);
        }
        if let Some(c) = crate::services::org::optional_patch(&patch.category) {
            am.category = Set(p.optional_text("patch.category", c, 60));
        }
        if let Some(t) = &patch.tiers {
            am.tiers = Set(check_tiers(tx, p, "patch.tiers", t).await?);
        }
        Ok(am)
    }
}

impl crate::graphql::resource::Resource for approval_request::Entity {
    type Node = crate::graphql::approvals::ApprovalRequest;
    type Filter = crate::graphql::approvals::ApprovalRequestFilter;
    type Order = crate::graphql::approvals::ApprovalRequestOrder;
    const VIEW: crate::auth::Permission = crate::auth::Permission::ManageApprovalRules;
}

impl crate::graphql::resource::Resource for approval_delegation::Entity {
    type Node = crate::graphql::approvals::ApprovalDelegation;
    type Filter = crate::graphql::approvals::ApprovalDelegationFilter;
    type Order = crate::graphql::approvals::ApprovalDelegationOrder;
    const VIEW: crate::auth::Permission = crate::auth::Permission::ManageApprovalRules;

    /// Everyone reads the delegations they gave or received; rule managers read all.
    fn authorize<'a>(
        ctx: &'a async_graphql::Context<'_>,
    ) -> AppResult<&'a crate::graphql::core::Session> {
        use crate::graphql::core::ContextExt;
        ctx.session()
    }

    fn visible(session: &crate::graphql::core::Session) -> Option<sea_orm::Condition> {
        let me = session.principal.actor_id;
        (!session
            .principal
            .can(crate::auth::Permission::ManageApprovalRules))
        .then(|| {
            sea_orm::Condition::any()
                .add(approval_delegation::Column::DelegatorUserId.eq(me))
                .add(approval_delegation::Column::DelegateUserId.eq(me))
        })
    }

    fn may_see(session: &crate::graphql::core::Session, row: &approval_delegation::Model) -> bool {
        let me = session.principal.actor_id;
        session
            .principal
            .can(crate::auth::Permission::ManageApprovalRules)
            || row.delegator_user_id == me
            || row.delegate_user_id == me
    }
}

/// Delegations to `user` in force today (any document type).
pub async fn active_delegations_to(
    tx: &TenantTx,
    user: Uuid,
) -> AppResult<Vec<approval_delegation::Model>> {
    let today = Utc::now().date_naive();
    Ok(tx
        .all(tx.select::<approval_delegation::Entity>().refine(|q| {
            q.filter(approval_delegation::Column::ArchivedAt.is_null())
                .filter(approval_delegation::Column::DelegateUserId.eq(user))
                .filter(approval_delegation::Column::StartsOn.lte(today))
                .filter(approval_delegation::Column::EndsOn.gte(today))
        }))
        .await?)
}

/// How many days before a document's due date its approvers are reminded.
pub const REMIND_DAYS_BEFORE: u64 = 2;

/// Reminds the approvers of every pending approval coming due (within
/// [`REMIND_DAYS_BEFORE`] days, or overdue) in every tenant: one `approval_due` notification per
/// approver and document, however often it runs. Returns how many were sent.
pub async fn send_reminders(db: &sea_orm::DatabaseConnection) -> anyhow::Result<usize> {
    let by = Utc::now().date_naive() + chrono::Days::new(REMIND_DAYS_BEFORE);
    let tenants = entity::platform::dispatch::tenants_with_due_approvals(db, by).await?;
    let mut sent = 0;
    for tenant in tenants {
        let tx = TenantTx::begin(db, entity::TenantId(tenant))
            .await?
            .acting_as(entity::Actor::system("approval reminders"));
        // One tenant's failure must not keep the others' reminders back.
        match remind_tenant(&tx, by).await {
            Ok(n) => {
                tx.commit().await?;
                sent += n;
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:?}"), "approval reminders of a tenant failed");
                tx.rollback().await?;
            }
        }
    }
    Ok(sent)
}

async fn remind_tenant(tx: &TenantTx, by: chrono::NaiveDate) -> AppResult<usize> {
    use entity::kernel::notification;
    // Locked and skipped when another process holds them, so two sweeps never remind twice.
    let due = tx
        .all(
            tx.select::<approval_request::Entity>()
                .refine(|q| {
                    q.filter(approval_request::Column::Status.eq("pending"))
                        .filter(approval_request::Column::DueOn.lte(by))
                })
                .skip_locked(),
        )
        .await?;
    let mut sent = 0;
    for request in due {
        let mut recipients = deciders(tx, &request, None).await?;
        let told: Vec<Uuid> = tx
            .all(tx.select::<notification::Entity>().refine(|q| {
                // Reminders of this submission (a resubmitted document's new approvers are
                // reminded again).
                q.filter(notification::Column::Kind.eq("approval_due"))
                    .filter(notification::Column::SubjectId.eq(request.document_id))
                    .filter(notification::Column::CreatedAt.gte(request.submitted_at))
            }))
            .await?
            .into_iter()
            .map(|n| n.recipient_user_id)
            .collect();
        recipients.retain(|r| !told.contains(r));
        recipients.dedup();
        if recipients.is_empty() {
            continue;
        }
        let due_on = request.due_on.map(|d| d.to_string()).unwrap_or_default();
        notify(
            tx,
            &recipients,
            &Notice {
                kind: "approval_due",
                title: format!("{} is needed by {due_on}", label(&request)),
                body: Some("It still waits for your approval.".into()),
                subject: Some((&request.document_type, request.document_id)),
            },
        )
        .await?;
        sent += recipients.len();
    }
    Ok(sent)
}
