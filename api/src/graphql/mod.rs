//! The GraphQL schema, split per domain and merged at the root.
//!
//! The root lists domains, not entities: each domain module contributes a query (and mutation)
//! object that [`QueryRoot`] and [`MutationRoot`] merge. What every entity needs (global ids,
//! connections, loaders, the per-request session) lives in [`core`] and is written once.

pub mod access;
pub mod accounting;
pub mod approvals;
pub mod apps;
pub mod assets;
pub mod attendance;
pub mod audit;
pub mod budgets;
pub mod collab;
pub mod core;
pub mod development;
pub mod events;
pub mod expenses;
pub mod health;
pub mod hr;
pub mod hr_reports;
pub mod identity;
pub mod idp;
pub mod leave;
pub mod list;
pub mod listing;
pub mod numbering;
pub mod offboarding;
pub mod operator;
pub mod org;
pub mod payroll;
pub mod persisted;
pub mod platform;
pub mod purchasing;
pub mod recruiting;
pub mod reports;
pub mod resource;
pub mod scalars;
pub mod webhooks;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::config::LimitSettings;

/// The root query: one object per domain.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    platform::PlatformQuery,
    access::AccessQuery,
    access::CustomRoleListQuery,
    access::MemberListQuery,
    apps::AppListQuery,
    apps::ApiKeyListQuery,
    idp::IdpQuery,
    numbering::NumberingQuery,
    audit::AuditQuery,
    audit::PersonalDataQuery,
    org::OrgUnitQuery,
    org::EmployeeQuery,
    org::CostCentreQuery,
    org::LocationQuery,
    org::PartyQuery,
    org::TagQuery,
    collab::CollabQuery,
    webhooks::WebhookEndpointQuery,
    approvals::ApprovalsQuery,
    purchasing::PurchaseRequestQuery,
    accounting::AccountingQuery,
    hr::HrQuery,
    webhooks::WebhookDeliveryListQuery,
    persisted::PersistedOperationQuery,
    events::NotificationListQuery,
    events::NotificationQuery,
    core::NodeQuery,
);

/// The root mutation: one object per domain.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    platform::PlatformMutation,
    identity::IdentityMutation,
    access::AccessMutation,
    apps::AppsMutation,
    idp::IdpMutation,
    operator::OperatorMutation,
    operator::OccupationalHealthMutation,
    numbering::NumberingMutation,
    org::OrgUnitMutation,
    org::EmployeeMutation,
    org::CostCentreMutation,
    org::LocationMutation,
    org::PartyMutation,
    org::TagMutation,
    collab::CollabMutation,
    webhooks::WebhookMutation,
    approvals::ApprovalsMutation,
    purchasing::PurchasingMutation,
    accounting::AccountingMutation,
    hr::HrMutation,
    events::NotificationMutation,
    persisted::PersistedOperationMutation,
);

/// The root subscription: one object per domain.
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(platform::PlatformSubscription, events::EventSubscription);

/// The executable schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema builder with the request limits and the extensions applied (the schema that
/// validates, charges and runs subscriptions: [`Schemas::full`]). Data shared by all requests is
/// added by the caller.
pub fn builder(limits: &LimitSettings) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    bare_builder(limits)
        .extension(core::SubscriptionsOnlyOverWebSocket)
        .extension(crate::ratelimit::RateLimit)
}

fn bare_builder(
    limits: &LimitSettings,
) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
}

/// The two schemas a server runs, built from the same types.
///
/// As soon as a schema has one extension, async-graphql resolves every field through the
/// extension chain: a registry lookup and two boxed futures per field, whether or not an
/// extension looks at fields (measured at about a tenth of the server's CPU on a 50-row list).
/// Ours act before execution only (validation and parsing), so an HTTP request meets them in
/// [`Schemas::admit`] on [`Schemas::full`] — validated with every rule, charged to the rate
/// limits, not executed — and is then executed by [`Schemas::fast`], which has no extensions
/// and does not repeat the rules already applied (async-graphql's `ValidationMode::Fast`; the
/// complexity and depth limits still hold there). WebSocket subscriptions run on `full`.
#[derive(Clone)]
pub struct Schemas {
    /// Extensions on, strict validation: admission of HTTP requests and WebSocket subscriptions.
    pub full: AppSchema,
    /// No extensions: the execution of admitted HTTP requests.
    pub fast: AppSchema,
}

/// Marks a request sent to [`Schemas::full`] only to be admitted: the rate limit charges its
/// principal, and execution stops before any resolver runs.
pub struct Admission {
    /// Who is charged (`None` for an anonymous request, which is only validated).
    pub principal: Option<crate::auth::Principal>,
}

impl Schemas {
    /// Both schemas, with the state every request shares.
    pub fn new(limits: &LimitSettings, state: crate::state::AppState) -> Self {
        Self {
            full: builder(limits).data(state.clone()).finish(),
            fast: bare_builder(limits)
                .validation_mode(async_graphql::ValidationMode::Fast)
                .data(list::NoExtensions)
                .data(state)
                .finish(),
        }
    }

    /// Validates `request` with every rule and charges its complexity to the principal's rate
    /// limits (the figures land in `slot`). `Some(response)` carries the errors of a request that
    /// must not run; `None` admits it to [`Schemas::fast`].
    pub async fn admit(
        &self,
        request: &mut async_graphql::Request,
        principal: Option<crate::auth::Principal>,
        slot: std::sync::Arc<crate::ratelimit::RateLimitSlot>,
    ) -> Option<async_graphql::Response> {
        let mut probe = async_graphql::Request::new(request.query.clone())
            .variables(request.variables.clone())
            .data(Admission { principal })
            .data(slot);
        probe.operation_name = request.operation_name.clone();
        if let Ok(doc) = request.parsed_query() {
            probe.set_parsed_query(doc.clone());
        }
        let answer = self.full.execute(probe).await;
        (!answer.errors.is_empty()).then_some(answer)
    }
}

/// The SDL written to `schema.graphql`.
pub fn sdl() -> String {
    let schema = builder(&LimitSettings::default()).finish();
    let mut out = String::from(
        "# Generated by `urakata export-schema`; do not edit. A test fails when this file is stale.\n\n",
    );
    out.push_str(&schema.sdl());
    out
}
