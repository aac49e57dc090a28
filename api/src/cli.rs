//! The `urakata` command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Urakata: a multi-tenant GraphQL API for the whole back office.
///
/// With no configuration, `urakata` serves on 127.0.0.1:8080 from an embedded SQLite file under
/// ./data/ with a demo tenant, and prints the GraphiQL address and a demo administrator token.
/// Set DATABASE_URL=postgres://... and REDIS_URL=redis://... to run on the real parts.
#[derive(Parser, Debug)]
#[command(name = "urakata", version, propagate_version = true)]
pub struct Cli {
    /// A TOML configuration file (also URAKATA_CONFIG). Environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start the server (the default).
    Serve,
    /// Apply, roll back or list database migrations.
    Migrate {
        /// The migration action.
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Write the GraphQL schema (SDL) to schema.graphql, or check that the file is current.
    ExportSchema {
        /// Fail (exit 1) if the file differs from the server's schema instead of writing it.
        #[arg(long)]
        check: bool,
        /// Where the schema file is.
        #[arg(long, default_value = "schema.graphql")]
        path: PathBuf,
    },
    /// Manage tenants (platform operator).
    Tenant {
        /// The tenant action.
        #[command(subcommand)]
        action: TenantAction,
    },
    /// Print a development access token for a member of a tenant.
    Token(TokenArgs),
    /// Create the demo tenant with sample data if it does not exist (development only).
    SeedDemo,
    /// Exit 0 when the server on this machine answers /readyz, 1 otherwise (for container health
    /// checks).
    Healthcheck {
        /// The readiness URL to ask.
        #[arg(long, default_value = "http://127.0.0.1:8080/readyz")]
        url: String,
    },
}

/// Migration actions.
#[derive(Subcommand, Debug)]
pub enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Roll back the most recent migrations.
    Down {
        /// How many to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

/// Tenant actions.
#[derive(Subcommand, Debug)]
pub enum TenantAction {
    /// Create a tenant, optionally with its first administrator.
    Create(TenantCreateArgs),
}

/// Arguments of `tenant create`.
#[derive(Args, Debug)]
pub struct TenantCreateArgs {
    /// Unique handle: lower-case letters, digits and dashes.
    #[arg(long)]
    pub slug: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// ISO 4217 base currency.
    #[arg(long, default_value = "JPY")]
    pub currency: String,
    /// IANA time zone.
    #[arg(long, default_value = "Asia/Tokyo")]
    pub time_zone: String,
    /// BCP 47 locale.
    #[arg(long, default_value = "ja-JP")]
    pub locale: String,
    /// Month the fiscal year starts (1-12).
    #[arg(long, default_value_t = 4)]
    pub fiscal_year_start_month: i16,
    /// Email of the first tenant administrator.
    #[arg(long, requires = "admin_name")]
    pub admin_email: Option<String>,
    /// Display name of the first tenant administrator.
    #[arg(long, requires = "admin_email")]
    pub admin_name: Option<String>,
}

/// Arguments of `token`.
#[derive(Args, Debug)]
pub struct TokenArgs {
    /// The tenant's slug.
    #[arg(long, default_value = "demo")]
    pub tenant: String,
    /// The member's email.
    #[arg(long, default_value = "admin@demo.urakata.example")]
    pub email: String,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 86_400)]
    pub ttl_seconds: i64,
}
