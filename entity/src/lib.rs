//! Urakata's database entities, one module per domain, and the tenancy seam.
//!
//! Every tenant-owned table is reached through [`tenancy::TenantTx`] or [`tenancy::TenantDb`]:
//! they add the tenant predicate to every read and write, set the tenant on every insert, and on
//! PostgreSQL put the tenant into the transaction for row-level security. Bare sea-orm execution
//! is banned everywhere else by `clippy.toml` (`disallowed-methods`).

pub mod access;
pub mod accounting;
pub mod audit;
pub mod hr;
pub mod kernel;
pub mod org;
pub mod platform;
pub mod purchasing;
pub mod tenancy;

pub use tenancy::{
    Actor, CommitListener, TenantDb, TenantId, TenantScoped, TenantTx, model_id, on_commit,
};
