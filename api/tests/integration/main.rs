//! Urakata's one integration-test binary (one binary links once; see the developers' guide).
//!
//! Tests share one server per run (started on first use, on its own thread and runtime) and
//! isolate themselves by creating a fresh tenant each. The backend follows the environment:
//! with `DATABASE_URL` (and `REDIS_URL`) set, PostgreSQL and Redis; otherwise SQLite and the
//! in-process cache, as on the embedded default. `scripts/test` runs the binary both ways.

// Tests may panic on a broken precondition; that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod access;
mod accounting;
mod approvals;
mod apps;
mod audit;
mod cli;
mod collab;
mod config;
mod data_layer;
mod errors;
mod events;
mod graphql;
mod health;
mod hr;
mod hr_development;
mod hr_lifecycle;
mod idempotency;
mod identity;
mod idp;
mod isolation;
mod numbering;
mod operator;
mod payroll;
mod personal_data;
mod schema;
mod schema_isolation;
mod shared_cache;
mod subscriptions;
