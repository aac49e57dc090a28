//! Purchase requests: an employee asks for something to be bought, and the tenant's approval
//! rules decide who must agree.
//!
//! Invariants:
//! - only the requester edits, submits, cancels or reopens their request, and only a draft can be
//!   edited (a submitted request is locked while its approval is pending, and stays as approved);
//! - the status changes only through the state machine below, one transition per mutation;
//! - the amount is positive, in a three-letter currency; the number is gapless per tenant.

use chrono::Utc;
use entity::TenantTx;
use entity::org::{cost_centre, org_unit};
use entity::purchasing::purchase_request;
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel};
use uuid::Uuid;

use crate::auth::Permission;
use crate::error::{AppResult, InputError};
use crate::graphql::core::Session;
use crate::graphql::purchasing::{
    CreatePurchaseRequestInput, PurchaseRequest, PurchaseRequestFilter, PurchaseRequestOrder,
    PurchaseRequestPatch,
};
use crate::graphql::resource::{Editable, Problems, Resource};
use crate::services::approvals::{self, ApprovalErrorCode, Checked, Facts, Outcome};
use crate::services::workflow::{StateMachine, transition};

crate::state_machine! {
    /// Where a purchase request is in its workflow.
    PurchaseRequestState / PurchaseRequestAction for "purchase request" {
        states {
            /// Being written by the requester; the only state in which it can be edited.
            Draft = "draft",
            /// Submitted and waiting for its approval; locked.
            ToApprove = "to_approve",
            /// Every required approval was given (or none was required).
            Approved = "approved",
            /// An approver rejected it (the reason is on its approval).
            Rejected = "rejected",
            /// Withdrawn by the requester.
            Cancelled = "cancelled",
        }
        transitions {
            /// Send it for approval.
            Submit "submitted": [Draft] => ToApprove,
            /// The last required approval was given.
            Approve "approved": [ToApprove] => Approved,
            /// An approver rejected it.
            Reject "rejected": [ToApprove] => Rejected,
            /// Withdraw it.
            Cancel "cancelled": [Draft, ToApprove, Rejected, Approved] => Cancelled,
            /// Take a rejected or cancelled request back into draft, to change and resubmit it.
            Reopen "reopened": [Rejected, Cancelled] => Draft,
        }
    }
}

type P = Problems<ApprovalErrorCode>;

/// The state of a stored request.
pub fn state(row: &purchase_request::Model) -> PurchaseRequestState {
    // An unknown stored status (never written by this code) is treated as the most locked
    // state, never as an editable draft.
    PurchaseRequestState::from_db(&row.status).unwrap_or(PurchaseRequestState::Cancelled)
}

fn currency(p: &mut P, path: &str, value: &str) -> String {
    let c = value.trim().to_ascii_uppercase();
    if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
        p.row(
            path,
            ApprovalErrorCode::Invalid,
            "a three-letter ISO 4217 code, e.g. JPY",
        );
    }
    c
}

fn amount(p: &mut P, path: &str, value: Decimal) -> Decimal {
    if value <= Decimal::ZERO {
        p.row(path, ApprovalErrorCode::Invalid, "must be more than zero");
    } else if value.scale() > 2 || value >= Decimal::from(10_000_000_000_000_000i64) {
        p.row(
            path,
            ApprovalErrorCode::Invalid,
            "at most 16 digits and 2 decimals",
        );
    }
    value
}

fn category(p: &mut P, path: &str, value: Option<&str>) -> Option<String> {
    p.optional_text(path, value, 60)
}

impl Resource for purchase_request::Entity {
    type Node = PurchaseRequest;
    type Filter = PurchaseRequestFilter;
    type Order = PurchaseRequestOrder;
    const VIEW: Permission = Permission::ViewPurchasing;

    /// Purchasing staff read every request; anyone who may submit requests reads their own.
    fn authorize<'a>(ctx: &'a async_graphql::Context<'_>) -> AppResult<&'a Session> {
        use crate::graphql::core::ContextExt;
        let session = ctx.session()?;
        if !session.principal.can(Permission::ViewPurchasing) {
            session.principal.require(Permission::SubmitRequests)?;
        }
        Ok(session)
    }

    fn visible(session: &Session) -> Option<Condition> {
        (!session.principal.can(Permission::ViewPurchasing)).then(|| {
            Condition::all()
                .add(purchase_request::Column::RequesterUserId.eq(session.principal.actor_id))
        })
    }

    fn may_see(session: &Session, row: &purchase_request::Model) -> bool {
        session.principal.can(Permission::ViewPurchasing)
            || row.requester_user_id == session.principal.actor_id
    }
}

fn requester_only(tx: &TenantTx, row: &purchase_request::Model, p: &mut P) {
    if tx.actor().id != Some(row.requester_user_id) {
        p.row(
            "id",
            ApprovalErrorCode::NotRequester,
            "only the requester changes a purchase request",
        );
    }
}

impl Editable for purchase_request::Entity {
    type Create = CreatePurchaseRequestInput;
    type Patch = PurchaseRequestPatch;
    type Code = ApprovalErrorCode;
    const MANAGE: Permission = Permission::SubmitRequests;

    async fn create(
        tx: &TenantTx,
        input: &CreatePurchaseRequestInput,
        p: &mut P,
    ) -> AppResult<purchase_request::ActiveModel> {
        let Some(requester) = tx.actor().id.filter(|_| tx.actor().kind == "user") else {
            p.row(
                "",
                ApprovalErrorCode::NotRequester,
                "purchase requests are made by people, not API keys",
            );
            return Ok(Default::default());
        };
        let title = p.required_text("title", &input.title, 200);
        let amount = amount(p, "amount", input.amount.0);
        let currency = currency(p, "currency", &input.currency);
        let cost_centre = p
            .reference::<cost_centre::Entity>(tx, "costCentreId", input.cost_centre_id.as_ref())
            .await?;
        let org_unit = p
            .reference::<org_unit::Entity>(tx, "orgUnitId", input.org_unit_id.as_ref())
            .await?;
        let number = if p.is_empty() {
            crate::services::numbering::allocate(
                tx,
                crate::services::numbering::DocumentType::PurchaseRequest,
                Utc::now().date_naive(),
            )
            .await?
        } else {
            String::new()
        };
        Ok(purchase_request::ActiveModel {
            number: Set(number),
            title: Set(title),
            description: Set(p.optional_text("description", input.description.as_deref(), 2000)),
            requester_user_id: Set(requester),
            cost_centre_id: Set(cost_centre),
            org_unit_id: Set(org_unit),
            category: Set(category(p, "category", input.category.as_deref())),
            amount: Set(amount),
            currency: Set(currency),
            needed_by: Set(input.needed_by),
            status: Set(PurchaseRequestState::Draft.db().into()),
            submitted_at: Set(None),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &purchase_request::Model,
        patch: &PurchaseRequestPatch,
        p: &mut P,
    ) -> AppResult<purchase_request::ActiveModel> {
        requester_only(tx, row, p);
        let current = state(row);
        if current != PurchaseRequestState::Draft {
            p.row(
                "id",
                ApprovalErrorCode::Locked,
                format!(
                    "only a draft can be changed; this request is {}",
                    current.name()
                ),
            );
        }
        let mut am = row.clone().into_active_model();
        if let Some(t) = &patch.title {
            am.title = Set(p.required_text("patch.title", t, 200));
        }
        if let Some(d) = crate::services::org::optional_patch(&patch.description) {
            am.description = Set(p.optional_text("patch.description", d, 2000));
        }
        if let Some(a) = &patch.amount {
            am.amount = Set(amount(p, "patch.amount", a.0));
        }
        if let Some(c) = &patch.currency {
            am.currency = Set(currency(p, "patch.currency", c));
        }
        if let Some(cc) = p
            .reference_patch::<cost_centre::Entity>(tx, "patch.costCentreId", &patch.cost_centre_id)
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
            am.category = Set(category(p, "patch.category", c));
        }
        match patch.needed_by {
            async_graphql::MaybeUndefined::Undefined => {}
            async_graphql::MaybeUndefined::Null => am.needed_by = Set(None),
            async_graphql::MaybeUndefined::Value(d) => am.needed_by = Set(Some(d)),
        }
        Ok(am)
    }

    async fn check_restore(
        tx: &TenantTx,
        row: &purchase_request::Model,
        p: &mut P,
    ) -> AppResult<()> {
        requester_only(tx, row, p);
        Ok(())
    }

    async fn check_archive(
        tx: &TenantTx,
        row: &purchase_request::Model,
        p: &mut P,
    ) -> AppResult<()> {
        requester_only(tx, row, p);
        if state(row) == PurchaseRequestState::ToApprove {
            p.row(
                "id",
                ApprovalErrorCode::Locked,
                "a request waiting for approval cannot be archived; cancel it first",
            );
        }
        Ok(())
    }
}

/// Loads a request for `action` by its requester, at the expected version, with the state the
/// action leads to.
async fn for_transition(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    action: PurchaseRequestAction,
) -> AppResult<Checked<(purchase_request::Model, PurchaseRequestState)>> {
    let Some(row) = tx.get_for_update::<purchase_request::Entity>(id).await? else {
        return Ok(Err(vec![InputError::new(
            "id",
            ApprovalErrorCode::NotFound,
            "no such purchase request",
        )]));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.requester_user_id != actor {
        return Ok(Err(vec![InputError::new(
            "id",
            ApprovalErrorCode::NotRequester,
            "only the requester submits, cancels or reopens a purchase request",
        )]));
    }
    Ok(transition(state(&row), action)
        .map(|next| (row, next))
        .map_err(|e| vec![e]))
}

/// Moves a request to `to`, recorded as the action's event.
async fn apply(
    tx: &TenantTx,
    actor: Uuid,
    row: &purchase_request::Model,
    action: PurchaseRequestAction,
    to: PurchaseRequestState,
) -> AppResult<purchase_request::Model> {
    crate::services::workflow::advance::<purchase_request::Entity, _>(
        tx,
        Some(actor),
        row,
        PurchaseRequestState::past(action),
        |am| {
            am.status = Set(to.db().into());
            if action == PurchaseRequestAction::Submit {
                am.submitted_at = Set(Some(Utc::now()));
            }
        },
    )
    .await
}

/// Submits a draft: its approval starts (or, with no rule that applies, it is approved at once).
pub async fn submit(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Checked<purchase_request::Model>> {
    let (row, next) = match for_transition(
        tx,
        actor,
        id,
        expected_version,
        PurchaseRequestAction::Submit,
    )
    .await?
    {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    let facts = Facts {
        document_type: "PurchaseRequest",
        document_id: row.id,
        document_number: Some(row.number.clone()),
        requester: row.requester_user_id,
        amount: row.amount,
        currency: row.currency.clone(),
        cost_centre_id: row.cost_centre_id,
        org_unit_id: row.org_unit_id,
        category: row.category.clone(),
        due_on: row.needed_by,
    };
    let (_, outcome) = match approvals::submit(tx, &facts).await? {
        Ok(done) => done,
        Err(e) => return Ok(Err(e)),
    };
    let submitted = apply(tx, actor, &row, PurchaseRequestAction::Submit, next).await?;
    if outcome == Outcome::Approved {
        return Ok(Ok(apply(
            tx,
            actor,
            &submitted,
            PurchaseRequestAction::Approve,
            PurchaseRequestState::Approved,
        )
        .await?));
    }
    Ok(Ok(submitted))
}

/// Cancels a request (withdrawing its pending approval, if any).
pub async fn cancel(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    reason: Option<&str>,
) -> AppResult<Checked<purchase_request::Model>> {
    let (row, next) = match for_transition(
        tx,
        actor,
        id,
        expected_version,
        PurchaseRequestAction::Cancel,
    )
    .await?
    {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    approvals::withdraw(tx, actor, "PurchaseRequest", row.id, reason).await?;
    Ok(Ok(apply(
        tx,
        actor,
        &row,
        PurchaseRequestAction::Cancel,
        next,
    )
    .await?))
}

/// Takes a rejected or cancelled request back into draft.
pub async fn reopen(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Checked<purchase_request::Model>> {
    let (row, next) = match for_transition(
        tx,
        actor,
        id,
        expected_version,
        PurchaseRequestAction::Reopen,
    )
    .await?
    {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(apply(
        tx,
        actor,
        &row,
        PurchaseRequestAction::Reopen,
        next,
    )
    .await?))
}

/// Moves a request on when its approval completes (called by `approvals::decide_document`).
pub async fn on_decided(tx: &TenantTx, actor: Uuid, id: Uuid, outcome: Outcome) -> AppResult<()> {
    let action = match outcome {
        Outcome::Pending => return Ok(()),
        Outcome::Approved => PurchaseRequestAction::Approve,
        Outcome::Rejected => PurchaseRequestAction::Reject,
    };
    let Some(row) = tx.get_for_update::<purchase_request::Entity>(id).await? else {
        return Err(crate::error::AppError::internal(anyhow::anyhow!(
            "an approved request vanished"
        )));
    };
    let next = transition::<_, ApprovalErrorCode>(state(&row), action)
        .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("{}", e.message)))?;
    apply(tx, actor, &row, action, next).await?;
    Ok(())
}
