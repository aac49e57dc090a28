//! Urakata: a multi-tenant GraphQL API for the whole back office.
//!
//! `startup::Application` builds the server for `main` and for the tests; `config` reads the
//! layered settings; `auth` turns a credential into the request's `Principal`; `graphql` holds
//! the schema, one module per domain; `services` holds the business rules.
// The merged root objects nest deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod outbound;
pub mod permissions;
pub mod ratelimit;
pub mod services;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
