//! The `urakata` command line: its arguments and what each subcommand does.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use entity::{TenantId, platform};
use migration::{Migrator, MigratorTrait};

use crate::config::{Mode, Settings};
use crate::error::AppError;
use crate::services::{demo, tenants};

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

/// The whole `urakata` binary but its allocator: parses the command line and runs one subcommand.
///
/// It lives in the library, not in `main.rs`: a binary crate compiles its own copy of every
/// generic function it reaches (the migrator, tenant creation, the runtime's `block_on`), which
/// cost ~45 s of every release build; here they share the library's (issue #9, build time).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.unwrap_or(Command::Serve);
    // These two need no configuration, so a broken config cannot stop a health check or a schema
    // export.
    match &command {
        Command::ExportSchema { check, path } => return export_schema(*check, path),
        Command::Healthcheck { url } => return healthcheck(url).await,
        _ => {}
    }
    let settings = Settings::load(cli.config.as_deref())?;
    crate::telemetry::init(&settings);
    match command {
        Command::Serve => serve(settings).await,
        Command::Migrate { action } => {
            let db = crate::db::connect_owner(&settings).await?;
            match action {
                MigrateAction::Up => Migrator::up(&db, None).await?,
                MigrateAction::Down { steps } => Migrator::down(&db, Some(steps)).await?,
                MigrateAction::Status => {
                    for m in Migrator::get_migration_with_status(&db).await? {
                        println!("{:<40} {:?}", m.name(), m.status());
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tenant {
            action: TenantAction::Create(args),
        } => {
            let db = crate::db::prepare(&settings).await?;
            let mut new = tenants::NewTenant::japanese(&args.slug, &args.name);
            new.base_currency = args.currency;
            new.time_zone = args.time_zone;
            new.locale = args.locale;
            new.fiscal_year_start_month = args.fiscal_year_start_month;
            new.admin = args.admin_email.zip(args.admin_name);
            let created = tenants::create_tenant_with(&db, new, async |_, _| Ok(()))
                .await
                .map_err(AppError::into_anyhow)?
                .map_err(|p| tenants::problems_to_error(p).into_anyhow())?;
            println!(
                "created tenant {} ({})",
                created.tenant.slug, created.tenant.id
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(args) => {
            let db = crate::db::prepare(&settings).await?;
            let tenant = platform::find_tenant_by_slug(&db, &args.tenant)
                .await?
                .with_context(|| format!("no tenant with slug `{}`", args.tenant))?;
            let user = platform::find_user_by_email(&db, &args.email)
                .await?
                .with_context(|| format!("no user with email `{}`", args.email))?;
            let tokens = crate::auth::TokenService::new(&settings.auth);
            let token = tokens
                .issue(user.id, TenantId(tenant.id), Some(args.ttl_seconds))
                .map_err(AppError::into_anyhow)?;
            // Verify the membership now, so the operator learns of a mistake here, not at use.
            crate::auth::principal_from_token(
                &db,
                &crate::cache::ReadCache::in_memory(crate::metrics::Metrics::new()?.cache),
                &tokens,
                &token,
            )
            .await
            .map_err(AppError::into_anyhow)?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::SeedDemo => {
            if settings.mode == Mode::Production {
                bail!("demo data is refused in production mode");
            }
            let db = crate::db::prepare(&settings).await?;
            let (tenant, _) = demo::ensure(&db).await.map_err(AppError::into_anyhow)?;
            println!("demo tenant ready ({tenant})");
            Ok(ExitCode::SUCCESS)
        }
        Command::ExportSchema { .. } | Command::Healthcheck { .. } => Ok(ExitCode::SUCCESS),
    }
}

async fn serve(settings: Settings) -> anyhow::Result<ExitCode> {
    let demo = settings.demo.enabled;
    let app = crate::startup::Application::build(settings).await?;
    let state = app.state().clone();
    let host = &state.settings.http.host;
    let base = format!(
        "http://{}:{}",
        if host == "0.0.0.0" { "127.0.0.1" } else { host },
        app.port()
    );
    tracing::info!(address = %base, database = crate::db::backend_name(&state.db), cache = state.cache.backend(), "listening");
    println!("Urakata is listening on {base}");
    println!("  GraphiQL:  {base}/graphiql");
    println!("  GraphQL:   {base}/graphql");
    if demo {
        // Printing a token is acceptable only for the demo tenant, which production refuses.
        let (tenant, admin) = demo::ensure(&state.db)
            .await
            .map_err(AppError::into_anyhow)?;
        let token = state
            .tokens
            .issue(admin, TenantId(tenant), Some(86_400))
            .map_err(AppError::into_anyhow)?;
        println!(
            "  Demo sign-in: {} / {} (tenant `{}`)",
            demo::DEMO_ADMIN_EMAIL,
            demo::DEMO_ADMIN_PASSWORD,
            demo::DEMO_SLUG
        );
        println!("  Demo tenant administrator token (valid 24 h; paste it into GraphiQL):");
        println!("    {token}");
        println!("  Try: curl -s {base}/graphql -H 'Content-Type: application/json' \\");
        println!(
            "         -H \"Authorization: Bearer $TOKEN\" -d '{{\"query\":\"{{ employees(first: 3) {{ nodes {{ displayName }} }} }}\"}}'"
        );
    }
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

fn export_schema(check: bool, path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let sdl = crate::graphql::sdl();
    if check {
        let current = std::fs::read_to_string(path).unwrap_or_default();
        if current == sdl {
            println!("{} is up to date", path.display());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "{} is stale: run `urakata export-schema` and commit the result",
            path.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    std::fs::write(path, sdl).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// A minimal HTTP/1.0 GET, so the container image needs no curl.
async fn healthcheck(url: &str) -> anyhow::Result<ExitCode> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url
        .strip_prefix("http://")
        .context("only http:// URLs are supported")?;
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let io = async {
        let mut stream = tokio::net::TcpStream::connect(authority).await?;
        stream
            .write_all(format!("GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n").as_bytes())
            .await?;
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(buf)
    };
    let buf = match tokio::time::timeout(std::time::Duration::from_secs(5), io).await {
        Ok(Ok(buf)) => buf,
        _ => return Ok(ExitCode::FAILURE),
    };
    let status_line = String::from_utf8_lossy(&buf)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    Ok(if status_line.split_whitespace().nth(1) == Some("200") {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
