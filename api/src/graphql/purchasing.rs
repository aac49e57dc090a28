//! Purchasing in the schema: purchase requests, a plain resource whose status moves only through
//! its transitions (`submitPurchaseRequest`, `cancelPurchaseRequest`, `reopenPurchaseRequest`;
//! approving and rejecting go through the generic `approve`/`reject`).

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::NaiveDate;
use entity::org::{cost_centre, org_unit};
use entity::purchasing::purchase_request;

use crate::auth::Permission;
use crate::error::{GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, load_one, settle};
use crate::graphql::listing::{DateFilter, DateTimeFilter, DecimalFilter, IdFilter, TextFilter};
use crate::graphql::org::{CostCentre, OrgUnit};
use crate::graphql::scalars::Decimal;
use crate::services::approvals::ApprovalErrorCode;
use crate::services::purchasing::{self, PurchaseRequestAction, PurchaseRequestState, state};
use crate::services::workflow::StateMachine;
use crate::{enum_filter, filter_input, node_object, order_field, resource};

node_object! {
    /// A request to buy something, approved according to the tenant's approval rules. Purchasing
    /// staff (`VIEW_PURCHASING`) read every request; a requester (`SUBMIT_REQUESTS`) reads their
    /// own; approvers read the ones they are asked about through `ApprovalRequest.document`.
    PurchaseRequest(purchase_request) {
        /// Gapless per tenant, e.g. `PR-2026-000001`.
        async fn number(&self) -> &str {
            &self.0.number
        }
        /// What is to be bought.
        async fn title(&self) -> &str {
            &self.0.title
        }
        /// Details: specification, supplier suggestions, justification.
        async fn description(&self) -> Option<&str> {
            self.0.description.as_deref()
        }
        /// The user who asks (their id).
        async fn requester_user_id(&self) -> uuid::Uuid {
            self.0.requester_user_id
        }
        /// The cost centre to charge.
        async fn cost_centre(&self, ctx: &Context<'_>) -> GqlResult<Option<CostCentre>> {
            Ok(load_one::<cost_centre::Entity>(ctx, self.0.cost_centre_id)
                .await?
                .map(CostCentre))
        }
        /// The requesting department.
        async fn org_unit(&self, ctx: &Context<'_>) -> GqlResult<Option<OrgUnit>> {
            Ok(load_one::<org_unit::Entity>(ctx, self.0.org_unit_id)
                .await?
                .map(OrgUnit))
        }
        /// A category that approval rules can select on, e.g. `IT`, `FURNITURE`.
        async fn category(&self) -> Option<&str> {
            self.0.category.as_deref()
        }
        /// The estimated total.
        async fn amount(&self) -> Decimal {
            Decimal(self.0.amount)
        }
        /// ISO 4217 currency of the amount.
        async fn currency(&self) -> &str {
            &self.0.currency
        }
        /// When it is needed.
        async fn needed_by(&self) -> Option<NaiveDate> {
            self.0.needed_by
        }
        /// Where it is in its workflow.
        async fn status(&self) -> PurchaseRequestState {
            state(&self.0)
        }
        /// The transitions allowed from the current status (to whoever may make them).
        async fn allowed_actions(&self) -> List<PurchaseRequestAction> {
            List(state(&self.0).allowed())
        }
        /// When it was last submitted.
        async fn submitted_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            self.0.submitted_at
        }
    }
}

enum_filter!(PurchaseRequestState);

filter_input! {
    /// Conditions on purchase requests; every field given must hold.
    PurchaseRequestFilter for purchase_request {
        /// The number.
        number: TextFilter => Number,
        /// The title.
        title: TextFilter => Title,
        /// The status.
        status: PurchaseRequestStateFilter => Status,
        /// The amount.
        amount: DecimalFilter => Amount,
        /// The currency.
        currency: TextFilter => Currency,
        /// The category.
        category: TextFilter => Category,
        /// The cost centre.
        cost_centre: IdFilter => CostCentreId ref cost_centre::Entity,
        /// The department.
        org_unit: IdFilter => OrgUnitId ref org_unit::Entity,
        /// When it is needed.
        needed_by: DateFilter => NeededBy,
        /// When it was created.
        created_at: DateTimeFilter => CreatedAt,
    }
}

order_field! {
    /// What purchase requests can be sorted by.
    PurchaseRequest for purchase_request {
        /// The number.
        Number => Number,
        /// The amount.
        Amount => Amount,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

/// A new purchase request (a draft of the caller's).
#[derive(InputObject)]
pub struct CreatePurchaseRequestInput {
    /// What is to be bought, at most 200 characters.
    pub title: String,
    /// Details, at most 2000 characters.
    pub description: Option<String>,
    /// The estimated total, more than zero, at most 2 decimals.
    pub amount: Decimal,
    /// ISO 4217 currency, e.g. `JPY`.
    pub currency: String,
    /// The cost centre to charge.
    pub cost_centre_id: Option<ID>,
    /// The requesting department.
    pub org_unit_id: Option<ID>,
    /// A category for approval rules, at most 60 characters.
    pub category: Option<String>,
    /// When it is needed.
    pub needed_by: Option<NaiveDate>,
}

/// Changes to a draft purchase request; fields left out keep their value, `null` clears.
#[derive(InputObject)]
pub struct PurchaseRequestPatch {
    /// New title.
    pub title: Option<String>,
    /// New description (`null` clears).
    pub description: MaybeUndefined<String>,
    /// New amount.
    pub amount: Option<Decimal>,
    /// New currency.
    pub currency: Option<String>,
    /// New cost centre (`null` clears).
    pub cost_centre_id: MaybeUndefined<ID>,
    /// New department (`null` clears).
    pub org_unit_id: MaybeUndefined<ID>,
    /// New category (`null` clears).
    pub category: MaybeUndefined<String>,
    /// New date needed (`null` clears).
    pub needed_by: MaybeUndefined<NaiveDate>,
}

resource! {
    entity: purchase_request::Entity, node: PurchaseRequest, one: purchase_request,
    many: purchase_requests, what: "purchase request", view: ViewPurchasing,
    manage: SubmitRequests, query: PurchaseRequestQuery,
    mutation: PurchaseRequestResourceMutation,
}

/// Which purchase request to move, at which version.
#[derive(InputObject)]
pub struct PurchaseRequestTransitionInput {
    /// The request.
    pub id: ID,
    /// The `version` the transition was decided against; a stale one fails with `CONFLICT`.
    pub expected_version: i32,
    /// Why (kept with a cancellation).
    pub reason: Option<String>,
}

/// The workflow transitions of purchase requests.
#[derive(Default)]
pub struct PurchaseRequestTransitionMutation;

#[Object]
impl PurchaseRequestTransitionMutation {
    /// Submits a draft for approval (the requester only). The tenant's approval rules pick the
    /// tiers; with none that applies the request is approved at once. `NO_APPROVER` when a tier
    /// would have nobody but the requester. Needs `SUBMIT_REQUESTS`.
    async fn submit_purchase_request(
        &self,
        ctx: &Context<'_>,
        input: PurchaseRequestTransitionInput,
    ) -> GqlResult<PurchaseRequestPayload> {
        transition(ctx, input, Transition::Submit).await
    }

    /// Cancels a request in any state but cancelled, withdrawing a pending approval (the
    /// requester only). Needs `SUBMIT_REQUESTS`.
    async fn cancel_purchase_request(
        &self,
        ctx: &Context<'_>,
        input: PurchaseRequestTransitionInput,
    ) -> GqlResult<PurchaseRequestPayload> {
        transition(ctx, input, Transition::Cancel).await
    }

    /// Takes a rejected or cancelled request back into draft (the requester only). Needs
    /// `SUBMIT_REQUESTS`.
    async fn reopen_purchase_request(
        &self,
        ctx: &Context<'_>,
        input: PurchaseRequestTransitionInput,
    ) -> GqlResult<PurchaseRequestPayload> {
        transition(ctx, input, Transition::Reopen).await
    }
}

enum Transition {
    Submit,
    Cancel,
    Reopen,
}

async fn transition(
    ctx: &Context<'_>,
    input: PurchaseRequestTransitionInput,
    which: Transition,
) -> GqlResult<PurchaseRequestPayload> {
    let session = ctx.authorize(Permission::SubmitRequests)?;
    let Some(id) = GlobalId::decode_for::<purchase_request::Entity>(&input.id) else {
        return Ok(PurchaseRequestPayload {
            purchase_request: None,
            errors: vec![InputError::new(
                "id",
                ApprovalErrorCode::NotFound,
                "no such purchase request",
            )]
            .into(),
        });
    };
    let actor = session.principal.actor_id;
    let tx = session.begin_write(ctx).await?;
    let v = input.expected_version;
    let out = match which {
        Transition::Submit => purchasing::submit(&tx, actor, id, v).await?,
        Transition::Cancel => {
            let reason = input
                .reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty());
            if reason.is_some_and(|r| r.chars().count() > 1000) {
                Err(vec![InputError::new(
                    "reason",
                    ApprovalErrorCode::TooLong,
                    "at most 1000 characters",
                )])
            } else {
                purchasing::cancel(&tx, actor, id, v, reason).await?
            }
        }
        Transition::Reopen => purchasing::reopen(&tx, actor, id, v).await?,
    };
    let (row, errors) = settle(tx, out).await?;
    Ok(PurchaseRequestPayload {
        purchase_request: row.map(PurchaseRequest),
        errors: List(errors),
    })
}

/// Every purchasing mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct PurchasingMutation(
    PurchaseRequestResourceMutation,
    PurchaseRequestTransitionMutation,
);
