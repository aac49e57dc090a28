//! Persisted operations in the schema: the allow-list of a tenant's API keys, a plain resource.
//! The rules (and automatic persisted queries) are in `services::persisted`.

use async_graphql::InputObject;
use entity::kernel::persisted_operation;

use crate::graphql::listing::{DateTimeFilter, TextFilter};
use crate::{filter_input, node_object, order_field, resource};

node_object! {
    /// An operation registered for the tenant's API keys: in allow-list mode
    /// (`apiKeyOperations: ALLOW_LIST`) they may run only these, sending the text or its hash
    /// (`extensions.persistedQuery.sha256Hash`). Archived operations are off the list.
    /// Needs `MANAGE_APPS`.
    PersistedOperation(persisted_operation) {
        /// What the operation is for.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// Lowercase hex SHA-256 of the query text (what clients send as `sha256Hash`).
        async fn sha256_hash(&self) -> &str {
            &self.0.query_hash
        }
        /// The GraphQL document, exactly as registered.
        async fn query(&self) -> &str {
            &self.0.query
        }
    }
}

filter_input! {
    /// Conditions on persisted operations; every field given must hold.
    PersistedOperationFilter for persisted_operation {
        /// The name.
        name: TextFilter => Name,
        /// The hash.
        sha256_hash: TextFilter => QueryHash,
        /// When it was registered.
        created_at: DateTimeFilter => CreatedAt,
    }
}

order_field! {
    /// What persisted operations can be sorted by.
    PersistedOperation for persisted_operation {
        /// The name.
        Name => Name,
        /// Registration time.
        CreatedAt => CreatedAt,
    }
}

/// An operation to register.
#[derive(InputObject)]
pub struct CreatePersistedOperationInput {
    /// What it is for (1-200 characters).
    pub name: String,
    /// The GraphQL document, exactly as clients will send it (its SHA-256 is its identity).
    pub query: String,
}

/// Changes to a persisted operation; the text never changes (register a new one instead).
#[derive(InputObject)]
pub struct PersistedOperationPatch {
    /// New name.
    pub name: Option<String>,
}

resource! {
    entity: persisted_operation::Entity, node: PersistedOperation, one: persisted_operation,
    many: persisted_operations, what: "persisted operation", view: ManageApps,
    manage: ManageApps, query: PersistedOperationQuery,
    mutation: PersistedOperationMutation,
}
