//! Domain services: the business rules, kept out of resolvers so the CLI, the GraphQL layer and
//! the tests share one implementation.

pub mod access;
pub mod accounting;
pub mod approvals;
pub mod apps;
pub mod collab;
pub mod demo;
pub mod hr;
pub mod idempotency;
pub mod idp;
pub mod notifications;
pub mod numbering;
pub mod org;
pub mod persisted;
pub mod personal_data;
pub mod purchasing;
pub mod sessions;
pub mod tenants;
pub mod webhooks;
pub mod workflow;

/// Bumps the version and records who changed the row and when.
pub fn stamp(
    version: &mut sea_orm::ActiveValue<i32>,
    updated_at: &mut sea_orm::ActiveValue<chrono::DateTime<chrono::Utc>>,
    updated_by: &mut sea_orm::ActiveValue<Option<uuid::Uuid>>,
    current: i32,
    actor: uuid::Uuid,
) {
    *version = sea_orm::ActiveValue::Set(current + 1);
    *updated_at = sea_orm::ActiveValue::Set(chrono::Utc::now());
    *updated_by = sea_orm::ActiveValue::Set(Some(actor));
}
