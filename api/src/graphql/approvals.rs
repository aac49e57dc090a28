//! Approvals in the schema: rules (a plain resource), the approval of each submitted document
//! with its tasks, delegations, the personal queues ("waiting for me", "my requests", one
//! document's history) and the generic `approve`/`reject` decisions. The rules are in
//! `services::approvals`.

use crate::graphql::list::List;
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;
use entity::kernel::{approval_delegation, approval_request, approval_rule, approval_task};
use entity::org::{cost_centre, org_unit};
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};

use crate::auth::Permission;
use crate::error::{AppError, AppResult, GqlResult, InputError};
use crate::graphql::core::{
    ContextExt, GlobalId, Node, Page, PageArgs, Session, db_err, list, load_one, page_complexity,
    resolve_node, settle,
};
use crate::graphql::listing::{
    DateFilter, DateTimeFilter, DecimalFilter, IdFilter, IntFilter, TextFilter,
};
use crate::graphql::org::{CostCentre, OrgUnit};
use crate::graphql::resource::stamp_new;
use crate::graphql::scalars::Decimal;
use crate::services::approvals::{self, ApprovalErrorCode, Approver, Decision};
use crate::{filter_input, list_query, node_object, order_field, resource};

/// Whether a tier needs one or all of its approvers.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ApprovalMode {
    /// The first approval completes the tier.
    Any,
    /// Every approver of the tier must approve.
    All,
}

/// How an approver is named.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ApproverKind {
    /// Every active member holding a role.
    Role,
    /// One member.
    User,
    /// The requester's manager, `level` steps up the chain.
    Manager,
}

/// An approver of a tier.
#[derive(InputObject)]
pub struct ApproverInput {
    /// How the approver is named.
    pub kind: ApproverKind,
    /// For `ROLE`: the role key (built-in, e.g. `purchasing_manager`, or the tenant's own).
    pub role: Option<String>,
    /// For `USER`: the member's user id.
    pub user_id: Option<uuid::Uuid>,
    /// For `MANAGER`: steps up the chain, 1 (direct manager, the default) to 5.
    pub level: Option<i32>,
}

/// A tier of an approval rule.
#[derive(InputObject)]
pub struct ApprovalTierInput {
    /// Display name, e.g. `Manager` or `Finance`.
    pub name: String,
    /// One (`ANY`, the default) or all (`ALL`) approvers.
    #[graphql(default_with = "ApprovalMode::Any")]
    pub mode: ApprovalMode,
    /// The tier applies only from this amount on (in the rule's currency).
    pub min_amount: Option<Decimal>,
    /// Who is asked (1 to 20). The requester is never asked, whatever the list says.
    pub approvers: Vec<ApproverInput>,
}

/// An approver as stored.
#[derive(SimpleObject)]
pub struct ApproverSpec {
    /// How the approver is named.
    pub kind: ApproverKind,
    /// The role key, for `ROLE`.
    pub role: Option<String>,
    /// The user id, for `USER`.
    pub user_id: Option<uuid::Uuid>,
    /// Steps up the manager chain, for `MANAGER`.
    pub level: Option<i32>,
}

/// A tier as stored.
#[derive(SimpleObject)]
pub struct ApprovalTier {
    /// Display name.
    pub name: String,
    /// One or all approvers.
    pub mode: ApprovalMode,
    /// The amount from which the tier applies.
    pub min_amount: Option<Decimal>,
    /// Who is asked.
    pub approvers: crate::graphql::list::List<ApproverSpec>,
}

fn mode(text: &str) -> ApprovalMode {
    if text == "all" {
        ApprovalMode::All
    } else {
        ApprovalMode::Any
    }
}

node_object! {
    /// A rule saying who approves which documents. The first rule (lowest `priority`) whose
    /// conditions all hold applies; a document no rule matches is approved at submission. Needs
    /// `MANAGE_APPROVAL_RULES`.
    ApprovalRule(approval_rule) {
        /// The document type governed: `PurchaseRequest`, `ExpenseClaim`, `LeaveRequest` or
        /// `JobRequisition`.
        async fn document_type(&self) -> &str {
            &self.0.document_type
        }
        /// Display name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// What the rule is for.
        async fn description(&self) -> Option<&str> {
            self.0.description.as_deref()
        }
        /// Lower numbers are tried first.
        async fn priority(&self) -> i32 {
            self.0.priority
        }
        /// The currency of the amount conditions; documents in another currency do not match.
        async fn currency(&self) -> Option<&str> {
            self.0.currency.as_deref()
        }
        /// Applies from this amount on.
        async fn min_amount(&self) -> Option<Decimal> {
            self.0.min_amount.map(Decimal)
        }
        /// Applies up to this amount (inclusive).
        async fn max_amount(&self) -> Option<Decimal> {
            self.0.max_amount.map(Decimal)
        }
        /// Applies only to documents charged to this cost centre.
        async fn cost_centre(&self, ctx: &Context<'_>) -> GqlResult<Option<CostCentre>> {
            Ok(load_one::<cost_centre::Entity>(ctx, self.0.cost_centre_id).await?.map(CostCentre))
        }
        /// Applies only to documents of this department or the units below it.
        async fn org_unit(&self, ctx: &Context<'_>) -> GqlResult<Option<OrgUnit>> {
            Ok(load_one::<org_unit::Entity>(ctx, self.0.org_unit_id).await?.map(OrgUnit))
        }
        /// Applies only to documents of this category (case ignored).
        async fn category(&self) -> Option<&str> {
            self.0.category.as_deref()
        }
        /// The tiers, in order.
        async fn tiers(&self) -> List<ApprovalTier> {
            approvals::tiers(&self.0)
                .into_iter()
                .map(|t| ApprovalTier {
                    name: t.name,
                    mode: mode(&t.mode),
                    min_amount: t.min_amount.map(Decimal),
                    approvers: t
                        .approvers
                        .into_iter()
                        .map(|a| match a {
                            Approver::Role { role } => ApproverSpec { kind: ApproverKind::Role, role: Some(role), user_id: None, level: None },
                            Approver::User { user_id } => ApproverSpec { kind: ApproverKind::User, role: None, user_id: Some(user_id), level: None },
                            Approver::Manager { level } => ApproverSpec { kind: ApproverKind::Manager, role: None, user_id: None, level: Some(level) },
                        })
                        .collect(),
                })
                .collect()
        }
    }
}

filter_input! {
    /// Conditions on approval rules; every field given must hold.
    ApprovalRuleFilter for approval_rule {
        /// The document type.
        document_type: TextFilter => DocumentType,
        /// The name.
        name: TextFilter => Name,
        /// The priority.
        priority: IntFilter => Priority,
    }
}

order_field! {
    /// What approval rules can be sorted by.
    ApprovalRule for approval_rule {
        /// The priority.
        Priority => Priority,
        /// The name.
        Name => Name,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

/// A new approval rule.
#[derive(InputObject)]
pub struct CreateApprovalRuleInput {
    /// The document type governed: `PurchaseRequest`, `ExpenseClaim`, `LeaveRequest` or
    /// `JobRequisition`.
    pub document_type: String,
    /// Display name, at most 200 characters.
    pub name: String,
    /// What it is for, at most 1000 characters.
    pub description: Option<String>,
    /// Lower numbers are tried first (0 or more).
    #[graphql(default)]
    pub priority: i32,
    /// The currency of the amount conditions (required with them).
    pub currency: Option<String>,
    /// Applies from this amount on.
    pub min_amount: Option<Decimal>,
    /// Applies up to this amount (inclusive).
    pub max_amount: Option<Decimal>,
    /// Only documents charged to this cost centre.
    pub cost_centre_id: Option<ID>,
    /// Only documents of this department or the units below it.
    pub org_unit_id: Option<ID>,
    /// Only documents of this category.
    pub category: Option<String>,
    /// The tiers, in order (1 to 10).
    pub tiers: Vec<ApprovalTierInput>,
}

/// Changes to an approval rule; fields left out keep their value, `null` clears. Approvals
/// already under way keep the approvers they were given.
#[derive(InputObject)]
pub struct ApprovalRulePatch {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: MaybeUndefined<String>,
    /// New priority.
    pub priority: Option<i32>,
    /// New currency.
    pub currency: MaybeUndefined<String>,
    /// New lower bound.
    pub min_amount: MaybeUndefined<Decimal>,
    /// New upper bound.
    pub max_amount: MaybeUndefined<Decimal>,
    /// New cost centre condition.
    pub cost_centre_id: MaybeUndefined<ID>,
    /// New department condition.
    pub org_unit_id: MaybeUndefined<ID>,
    /// New category condition.
    pub category: MaybeUndefined<String>,
    /// New tiers (replacing all).
    pub tiers: Option<Vec<ApprovalTierInput>>,
}

resource! {
    entity: approval_rule::Entity, node: ApprovalRule, one: approval_rule, many: approval_rules,
    what: "approval rule", view: ManageApprovalRules, manage: ManageApprovalRules,
    query: ApprovalRuleQuery, mutation: ApprovalRuleMutation,
}

/// Where an approval stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ApprovalStatus {
    /// Waiting for a tier.
    Pending,
    /// Every tier approved, or none applied.
    Approved,
    /// A tier rejected it.
    Rejected,
    /// The requester withdrew the document.
    Cancelled,
}

/// Where one approver's task stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ApprovalTaskStatus {
    /// Its tier has not been reached yet.
    Waiting,
    /// Waiting for this approver.
    Pending,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
    /// No longer needed (another approver completed the tier, or the approval ended).
    Closed,
}

/// One approver's part in an approval.
#[derive(SimpleObject)]
pub struct ApprovalTask {
    /// The tier (from 1).
    pub tier: i32,
    /// The tier's name.
    pub tier_name: String,
    /// Whether the tier needs one or all approvers.
    pub mode: ApprovalMode,
    /// Who is asked (user id).
    pub approver_user_id: uuid::Uuid,
    /// Why: `user`, `role:<key>` or `manager:<level>`.
    pub source: String,
    /// Where it stands.
    pub status: ApprovalTaskStatus,
    /// Who decided: the approver, or their delegate.
    pub decided_by: Option<uuid::Uuid>,
    /// When.
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The comment or rejection reason.
    pub comment: Option<String>,
}

impl From<approval_task::Model> for ApprovalTask {
    fn from(t: approval_task::Model) -> Self {
        Self {
            tier: t.tier,
            tier_name: t.tier_name,
            mode: mode(&t.mode),
            approver_user_id: t.approver_user_id,
            source: t.source,
            status: match t.status.as_str() {
                "waiting" => ApprovalTaskStatus::Waiting,
                "pending" => ApprovalTaskStatus::Pending,
                "approved" => ApprovalTaskStatus::Approved,
                "rejected" => ApprovalTaskStatus::Rejected,
                _ => ApprovalTaskStatus::Closed,
            },
            decided_by: t.decided_by,
            decided_at: t.decided_at,
            comment: t.comment,
        }
    }
}

node_object! {
    /// The approval of one submission of a document: its tiers' tasks and decisions. Its
    /// requester, its approvers (and their delegates) and `MANAGE_APPROVAL_RULES` holders read it.
    ApprovalRequest(approval_request) {
        /// The document type, e.g. `PurchaseRequest`.
        async fn document_type(&self) -> &str {
            &self.0.document_type
        }
        /// The document's global id.
        async fn document_id(&self) -> ID {
            GlobalId::encode(&self.0.document_type, self.0.document_id)
        }
        /// The document's number when it was submitted.
        async fn document_number(&self) -> Option<&str> {
            self.0.document_number.as_deref()
        }
        /// The document itself; readable by everyone who may read this approval.
        async fn document(&self, ctx: &Context<'_>) -> GqlResult<Option<Node>> {
            Ok(document_node(ctx, &self.0).await?)
        }
        /// Who asked (user id).
        async fn requester_user_id(&self) -> uuid::Uuid {
            self.0.requester_user_id
        }
        /// The amount when submitted.
        async fn amount(&self) -> Decimal {
            Decimal(self.0.amount)
        }
        /// Its currency.
        async fn currency(&self) -> &str {
            &self.0.currency
        }
        /// The rule that chose the tiers; `null` when none applied (approved at once). Needs
        /// `MANAGE_APPROVAL_RULES` (thresholds are not the requester's business).
        async fn rule(&self, ctx: &Context<'_>) -> GqlResult<Option<ApprovalRule>> {
            ctx.authorize(Permission::ManageApprovalRules)?;
            Ok(load_one::<approval_rule::Entity>(ctx, self.0.rule_id).await?.map(ApprovalRule))
        }
        /// Where it stands.
        async fn status(&self) -> ApprovalStatus {
            match self.0.status.as_str() {
                "approved" => ApprovalStatus::Approved,
                "rejected" => ApprovalStatus::Rejected,
                "cancelled" => ApprovalStatus::Cancelled,
                _ => ApprovalStatus::Pending,
            }
        }
        /// The tier now deciding (from 1; 0 when no tier applied).
        async fn current_tier(&self) -> i32 {
            self.0.current_tier
        }
        /// When it was submitted.
        async fn submitted_at(&self) -> chrono::DateTime<chrono::Utc> {
            self.0.submitted_at
        }
        /// When it was decided.
        async fn decided_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            self.0.decided_at
        }
        /// The rejection or cancellation reason.
        async fn reason(&self) -> Option<&str> {
            self.0.reason.as_deref()
        }
        /// Every approver's task, tier by tier.
        async fn tasks(&self, ctx: &Context<'_>) -> GqlResult<List<ApprovalTask>> {
            let session = ctx.session()?;
            Ok(tasks_of(session, self.0.id)
                .await?
                .into_iter()
                .map(ApprovalTask::from)
                .collect())
        }
    }
}

/// The document of an approval, for anyone who may read the approval (approvers need not hold
/// the document type's view permission to see what they approve).
async fn document_node(
    ctx: &Context<'_>,
    request: &approval_request::Model,
) -> AppResult<Option<Node>> {
    let session = ctx.session()?;
    if !may_read(session, request).await? {
        return Ok(None);
    }
    match request.document_type.as_str() {
        "PurchaseRequest" => Ok(load_one::<entity::purchasing::purchase_request::Entity>(
            ctx,
            Some(request.document_id),
        )
        .await?
        .map(|r| Node::PurchaseRequest(crate::graphql::purchasing::PurchaseRequest(r)))),
        "ExpenseClaim" => Ok(load_one::<entity::accounting::expense_claim::Entity>(
            ctx,
            Some(request.document_id),
        )
        .await?
        .map(|r| Node::ExpenseClaim(crate::graphql::expenses::ExpenseClaim(r)))),
        "LeaveRequest" => Ok(load_one::<entity::hr::leave_request::Entity>(
            ctx,
            Some(request.document_id),
        )
        .await?
        .map(|r| Node::LeaveRequest(crate::graphql::leave::LeaveRequest(r)))),
        "JobRequisition" => Ok(load_one::<entity::hr::job_requisition::Entity>(
            ctx,
            Some(request.document_id),
        )
        .await?
        .map(|r| Node::JobRequisition(crate::graphql::recruiting::JobRequisition(r)))),
        _ => resolve_node(
            ctx,
            &GlobalId::encode(&request.document_type, request.document_id),
        )
        .await
        .map_err(|_| AppError::Forbidden("cannot read the document".into())),
    }
}

async fn may_read(session: &Session, request: &approval_request::Model) -> AppResult<bool> {
    let me = session.principal.actor_id;
    if session.principal.can(Permission::ManageApprovalRules) || request.requester_user_id == me {
        return Ok(true);
    }
    let principals = session
        .loader_with(|| ActingForLoader {
            db: session.db.clone(),
            user: me,
        })
        .load_one(request.document_type.clone())
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e:?}")))?
        .unwrap_or_default();
    Ok(tasks_of(session, request.id)
        .await?
        .iter()
        .any(|t| principals.contains(&t.approver_user_id) || t.decided_by == Some(me)))
}

/// The tasks of an approval, through the request's loader (a page of approvals costs one query).
async fn tasks_of(session: &Session, request: uuid::Uuid) -> AppResult<Vec<approval_task::Model>> {
    Ok(session
        .loader_with(|| TasksLoader {
            db: session.db.clone(),
        })
        .load_one(request)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e:?}")))?
        .unwrap_or_default())
}

/// Loads the tasks of many approvals at once, tier by tier.
struct TasksLoader {
    db: entity::TenantDb,
}

impl Loader<uuid::Uuid> for TasksLoader {
    type Value = Vec<approval_task::Model>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[uuid::Uuid],
    ) -> Result<HashMap<uuid::Uuid, Vec<approval_task::Model>>, Self::Error> {
        let keys = keys.to_vec();
        let tasks = self
            .db
            .read(async |tx| {
                tx.all(tx.select::<approval_task::Entity>().refine(|q| {
                    q.filter(approval_task::Column::RequestId.is_in(keys))
                        .order_by_asc(approval_task::Column::Tier)
                        .order_by_asc(approval_task::Column::Id)
                }))
                .await
            })
            .await
            .map_err(|e| Arc::new(e.into()))?;
        let mut out: HashMap<uuid::Uuid, Vec<approval_task::Model>> = HashMap::new();
        for t in tasks {
            out.entry(t.request_id).or_default().push(t);
        }
        Ok(out)
    }
}

/// Whom the caller acts for today, per document type: themselves and those who delegated to
/// them (one query per document type in a request).
struct ActingForLoader {
    db: entity::TenantDb,
    user: uuid::Uuid,
}

impl Loader<String> for ActingForLoader {
    type Value = Vec<uuid::Uuid>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Vec<uuid::Uuid>>, Self::Error> {
        let keys = keys.to_vec();
        let user = self.user;
        self.db
            .read(async |tx| {
                let mut out = HashMap::new();
                for k in keys {
                    let principals = approvals::acting_for(tx, user, &k).await.map_err(db_err)?;
                    out.insert(k, principals);
                }
                Ok(out)
            })
            .await
            .map_err(|e| Arc::new(e.into()))
    }
}

/// The `node(id:)` resolver of approvals: participants and rule managers only.
pub async fn approval_request_node(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> AppResult<Option<ApprovalRequest>> {
    let session = ctx.session()?;
    let Some(row) = load_one::<approval_request::Entity>(ctx, Some(id)).await? else {
        return Ok(None);
    };
    Ok(may_read(session, &row)
        .await?
        .then_some(ApprovalRequest(row)))
}

filter_input! {
    /// Conditions on approvals; every field given must hold.
    ApprovalRequestFilter for approval_request {
        /// The document type.
        document_type: TextFilter => DocumentType,
        /// The document number.
        document_number: TextFilter => DocumentNumber,
        /// The status as stored: `pending`, `approved`, `rejected`, `cancelled`.
        status: TextFilter => Status,
        /// The amount.
        amount: DecimalFilter => Amount,
        /// The rule applied.
        rule: IdFilter => RuleId ref approval_rule::Entity,
        /// When it was submitted.
        submitted_at: DateTimeFilter => SubmittedAt,
    }
}

order_field! {
    /// What approvals can be sorted by.
    ApprovalRequest for approval_request {
        /// Submission time.
        SubmittedAt => SubmittedAt,
        /// The amount.
        Amount => Amount,
    }
}

list_query! {
    entity: approval_request::Entity, node: ApprovalRequest, many: approval_requests,
    what: "approval", needs: ["`MANAGE_APPROVAL_RULES`"], query: ApprovalRequestListQuery,
}

node_object! {
    /// An approver's delegation of their approvals to someone else while away. The delegator,
    /// the delegate and `MANAGE_APPROVAL_RULES` holders read it.
    ApprovalDelegation(approval_delegation) {
        /// Who delegates (user id).
        async fn delegator_user_id(&self) -> uuid::Uuid {
            self.0.delegator_user_id
        }
        /// Who decides in their place (user id).
        async fn delegate_user_id(&self) -> uuid::Uuid {
            self.0.delegate_user_id
        }
        /// The first day.
        async fn starts_on(&self) -> NaiveDate {
            self.0.starts_on
        }
        /// The last day (inclusive).
        async fn ends_on(&self) -> NaiveDate {
            self.0.ends_on
        }
        /// Only approvals of this document type; `null` for all.
        async fn document_type(&self) -> Option<&str> {
            self.0.document_type.as_deref()
        }
        /// Why.
        async fn reason(&self) -> Option<&str> {
            self.0.reason.as_deref()
        }
    }
}

filter_input! {
    /// Conditions on delegations; every field given must hold.
    ApprovalDelegationFilter for approval_delegation {
        /// The first day.
        starts_on: DateFilter => StartsOn,
        /// The last day.
        ends_on: DateFilter => EndsOn,
        /// The document type.
        document_type: TextFilter => DocumentType,
    }
}

order_field! {
    /// What delegations can be sorted by.
    ApprovalDelegation for approval_delegation {
        /// The first day.
        StartsOn => StartsOn,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

list_query! {
    entity: approval_delegation::Entity, node: ApprovalDelegation, many: approval_delegations,
    what: "approval delegation", needs: ["a signed-in user (their own; `MANAGE_APPROVAL_RULES` for all)"],
    query: ApprovalDelegationListQuery,
}

/// The personal approval queues.
#[derive(Default)]
pub struct ApprovalQueueQuery;

#[Object]
impl ApprovalQueueQuery {
    /// Approvals waiting for the caller's decision now: their own tasks in the deciding tier,
    /// and those of anyone who delegated to them today. Oldest first.
    #[graphql(complexity = "page_complexity(first, last, child_complexity)")]
    async fn approvals_waiting_for_me(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> GqlResult<Page<ApprovalRequest>> {
        let session = ctx.session()?;
        let args = PageArgs::parse(first, after, last, before)?;
        let me = session.principal.actor_id;
        let ids = session
            .db
            .read(async |tx| waiting_for(tx, me).await.map_err(db_err))
            .await
            .map_err(AppError::from)?;
        if ids.is_empty() {
            return Ok(Page::empty());
        }
        Ok(list::<approval_request::Entity, _>(
            ctx,
            session,
            args,
            |q| q.filter(approval_request::Column::Id.is_in(ids.clone())),
            ApprovalRequest,
        )
        .await?)
    }

    /// The caller's own submissions and where they stand, oldest first.
    #[graphql(complexity = "page_complexity(first, last, child_complexity)")]
    async fn my_approval_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only those with this status.")] status: Option<ApprovalStatus>,
        #[graphql(desc = "Page size from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> GqlResult<Page<ApprovalRequest>> {
        let session = ctx.session()?;
        let args = PageArgs::parse(first, after, last, before)?;
        let me = session.principal.actor_id;
        let status = status.map(|s| format!("{s:?}").to_ascii_lowercase());
        Ok(list::<approval_request::Entity, _>(
            ctx,
            session,
            args,
            |q| {
                let q = q.filter(approval_request::Column::RequesterUserId.eq(me));
                match &status {
                    Some(s) => q.filter(approval_request::Column::Status.eq(s.clone())),
                    None => q,
                }
            },
            ApprovalRequest,
        )
        .await?)
    }

    /// Every approval of one document, oldest first, with each decision (who, when, why). For
    /// its requester, its approvers and their delegates, and `MANAGE_APPROVAL_RULES` holders;
    /// others get an empty list.
    async fn approval_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document's global id.")] document_id: ID,
    ) -> GqlResult<Vec<ApprovalRequest>> {
        let session = ctx.session()?;
        let Some((ty, id)) = GlobalId::decode(&document_id) else {
            return Ok(Vec::new());
        };
        let rows = session
            .db
            .read(async |tx| {
                tx.all(tx.select::<approval_request::Entity>().refine(|q| {
                    q.filter(approval_request::Column::DocumentType.eq(ty.clone()))
                        .filter(approval_request::Column::DocumentId.eq(id))
                        .order_by_asc(approval_request::Column::Id)
                }))
                .await
            })
            .await
            .map_err(AppError::from)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            if may_read(session, &row).await? {
                out.push(ApprovalRequest(row));
            }
        }
        Ok(out)
    }
}

use sea_orm::QueryOrder;

/// The approvals whose deciding tier has a pending task for `user` or for someone who delegated
/// to them today.
async fn waiting_for(tx: &entity::TenantTx, user: uuid::Uuid) -> AppResult<Vec<uuid::Uuid>> {
    let delegations = approvals::active_delegations_to(tx, user).await?;
    let mut principals = vec![user];
    principals.extend(delegations.iter().map(|d| d.delegator_user_id));
    let tasks = tx
        .all(tx.select::<approval_task::Entity>().refine(|q| {
            q.filter(approval_task::Column::Status.eq("pending"))
                .filter(approval_task::Column::ApproverUserId.is_in(principals.clone()))
        }))
        .await?;
    let mut ids = Vec::new();
    for t in tasks {
        if ids.contains(&t.request_id) {
            continue;
        }
        let Some(request) = tx.get::<approval_request::Entity>(t.request_id).await? else {
            continue;
        };
        // Never one's own request; a delegation may be limited to one document type.
        let allowed = request.requester_user_id != user
            && (t.approver_user_id == user
                || delegations.iter().any(|d| {
                    d.delegator_user_id == t.approver_user_id
                        && d.document_type
                            .as_deref()
                            .is_none_or(|dt| dt == request.document_type)
                }));
        if allowed && ids.len() < 1000 {
            ids.push(t.request_id);
        }
    }
    Ok(ids)
}

/// An approval decision on a document.
#[derive(InputObject)]
pub struct ApproveInput {
    /// The document's global id (e.g. a purchase request's).
    pub document_id: ID,
    /// An optional comment, at most 1000 characters.
    pub comment: Option<String>,
}

/// A rejection of a document.
#[derive(InputObject)]
pub struct RejectInput {
    /// The document's global id.
    pub document_id: ID,
    /// Why (required), at most 1000 characters.
    pub reason: String,
}

/// The result of an approval decision.
#[derive(SimpleObject)]
pub struct ApprovalPayload {
    /// The approval after the decision; `null` when the decision was refused.
    pub approval_request: Option<ApprovalRequest>,
    /// Why the decision was refused (`SELF_APPROVAL`, `NOT_AN_APPROVER`, `ALREADY_DECIDED`,
    /// `NOT_PENDING`, `REQUIRED`, ...).
    pub errors: crate::graphql::list::List<InputError<ApprovalErrorCode>>,
}

/// A delegation of one's approvals.
#[derive(InputObject)]
pub struct DelegateApprovalsInput {
    /// Whose approvals: the caller's when omitted; someone else's needs `MANAGE_APPROVAL_RULES`.
    pub delegator_user_id: Option<uuid::Uuid>,
    /// Who decides in their place (an active member, not the delegator).
    pub delegate_user_id: uuid::Uuid,
    /// The first day.
    pub starts_on: NaiveDate,
    /// The last day (inclusive; not in the past, at most a year after `startsOn`).
    pub ends_on: NaiveDate,
    /// Only approvals of this document type (e.g. `PurchaseRequest`); all when omitted.
    pub document_type: Option<String>,
    /// Why, at most 500 characters.
    pub reason: Option<String>,
}

/// The result of a delegation mutation.
#[derive(SimpleObject)]
pub struct ApprovalDelegationPayload {
    /// The delegation; `null` when the input had problems.
    pub approval_delegation: Option<ApprovalDelegation>,
    /// Problems with the input.
    pub errors: crate::graphql::list::List<InputError<ApprovalErrorCode>>,
}

/// Which delegation to revoke.
#[derive(InputObject)]
pub struct RevokeApprovalDelegationInput {
    /// The delegation.
    pub id: ID,
    /// The `version` it was read at.
    pub expected_version: i32,
}

/// Approval decisions and delegations.
#[derive(Default)]
pub struct ApprovalActionMutation;

#[Object]
impl ApprovalActionMutation {
    /// Approves the deciding tier of a document's pending approval, as one of its approvers or
    /// as an approver's delegate. Nobody approves their own request, whatever role or
    /// delegation they hold. When the last tier approves, the document moves on (e.g. the
    /// purchase request becomes `APPROVED`).
    async fn approve(&self, ctx: &Context<'_>, input: ApproveInput) -> GqlResult<ApprovalPayload> {
        decide(
            ctx,
            &input.document_id,
            Decision::Approve,
            input.comment.as_deref(),
        )
        .await
    }

    /// Rejects a document's pending approval, with a reason, as an approver of the deciding tier
    /// or their delegate; the document moves to its rejected state.
    async fn reject(&self, ctx: &Context<'_>, input: RejectInput) -> GqlResult<ApprovalPayload> {
        decide(
            ctx,
            &input.document_id,
            Decision::Reject,
            Some(&input.reason),
        )
        .await
    }

    /// Lets someone decide the caller's approvals (or, with `MANAGE_APPROVAL_RULES`, anyone's)
    /// for a period. Periods of one delegator must not overlap for the same document types.
    async fn delegate_approvals(
        &self,
        ctx: &Context<'_>,
        input: DelegateApprovalsInput,
    ) -> GqlResult<ApprovalDelegationPayload> {
        let session = users_only(ctx)?;
        let me = session.principal.actor_id;
        let delegator = input.delegator_user_id.unwrap_or(me);
        if delegator != me {
            session.principal.require(Permission::ManageApprovalRules)?;
        }
        let tx = session.begin_write(ctx).await?;
        let mut problems = approvals::check_delegation(
            &tx,
            delegator,
            input.delegate_user_id,
            input.starts_on,
            input.ends_on,
            input.document_type.as_deref(),
        )
        .await?;
        let reason = input
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if reason.is_some_and(|r| r.chars().count() > 500) {
            problems.push(InputError::new(
                "reason",
                ApprovalErrorCode::TooLong,
                "at most 500 characters",
            ));
        }
        let out = if problems.is_empty() {
            let mut am = approval_delegation::ActiveModel {
                delegator_user_id: Set(delegator),
                delegate_user_id: Set(input.delegate_user_id),
                starts_on: Set(input.starts_on),
                ends_on: Set(input.ends_on),
                document_type: Set(input.document_type.clone()),
                reason: Set(reason.map(str::to_owned)),
                archived_at: Set(None),
                ..Default::default()
            };
            stamp_new::<approval_delegation::Entity>(&mut am, Some(me))?;
            Ok(tx
                .insert::<approval_delegation::Entity, _>(am)
                .await
                .map_err(AppError::from)?)
        } else {
            Err(problems)
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(ApprovalDelegationPayload {
            approval_delegation: row.map(ApprovalDelegation),
            errors: List(errors),
        })
    }

    /// Ends a delegation now (by its delegator, or a `MANAGE_APPROVAL_RULES` holder).
    async fn revoke_approval_delegation(
        &self,
        ctx: &Context<'_>,
        input: RevokeApprovalDelegationInput,
    ) -> GqlResult<ApprovalDelegationPayload> {
        let session = users_only(ctx)?;
        let me = session.principal.actor_id;
        let not_found = || ApprovalDelegationPayload {
            approval_delegation: None,
            errors: vec![InputError::new(
                "id",
                ApprovalErrorCode::NotFound,
                "no such delegation",
            )]
            .into(),
        };
        let Some(id) = GlobalId::decode_for::<approval_delegation::Entity>(&input.id) else {
            return Ok(not_found());
        };
        let tx = session.begin_write(ctx).await?;
        let Some(row) = tx
            .get_for_update::<approval_delegation::Entity>(id)
            .await
            .map_err(AppError::from)?
        else {
            return Ok(not_found());
        };
        if row.delegator_user_id != me && !session.principal.can(Permission::ManageApprovalRules) {
            return Ok(not_found());
        }
        crate::services::access::check_version(row.version, input.expected_version)?;
        let out = if row.archived_at.is_some() {
            Err(vec![InputError::new(
                "id",
                ApprovalErrorCode::Archived,
                "the delegation was revoked already",
            )])
        } else {
            let mut am = row.clone().into_active_model();
            am.archived_at = Set(Some(chrono::Utc::now()));
            crate::services::stamp(
                &mut am.version,
                &mut am.updated_at,
                &mut am.updated_by,
                row.version,
                me,
            );
            Ok(tx
                .update::<approval_delegation::Entity, _>(am)
                .await
                .map_err(AppError::from)?)
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(ApprovalDelegationPayload {
            approval_delegation: row.map(ApprovalDelegation),
            errors: List(errors),
        })
    }
}

fn users_only<'a>(ctx: &'a Context<'_>) -> AppResult<&'a Session> {
    let session = ctx.session()?;
    if session.principal.kind != crate::auth::PrincipalKind::User {
        return Err(AppError::Forbidden(
            "approvals are decided by people, not API keys".into(),
        ));
    }
    Ok(session)
}

async fn decide(
    ctx: &Context<'_>,
    document: &ID,
    decision: Decision,
    comment: Option<&str>,
) -> GqlResult<ApprovalPayload> {
    let session = users_only(ctx)?;
    let tx = session.begin_write(ctx).await?;
    let out =
        approvals::decide_document(&tx, session.principal.actor_id, document, decision, comment)
            .await?;
    let (row, errors) = settle(tx, out).await?;
    Ok(ApprovalPayload {
        approval_request: row.map(ApprovalRequest),
        errors: List(errors),
    })
}

/// Every approval query.
#[derive(async_graphql::MergedObject, Default)]
pub struct ApprovalsQuery(
    ApprovalRuleQuery,
    ApprovalRequestListQuery,
    ApprovalDelegationListQuery,
    ApprovalQueueQuery,
);

/// Every approval mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct ApprovalsMutation(ApprovalRuleMutation, ApprovalActionMutation);
