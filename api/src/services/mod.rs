//! Domain services: the business rules, kept out of resolvers so the CLI, the GraphQL layer and
//! the tests share one implementation.

pub mod access;
pub mod apps;
pub mod demo;
pub mod idempotency;
pub mod idp;
pub mod numbering;
pub mod personal_data;
pub mod sessions;
pub mod tenants;
