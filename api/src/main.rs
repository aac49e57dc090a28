//! The `urakata` binary: parses the command line and runs one subcommand.

use std::process::ExitCode;

use anyhow::{Context, bail};
use api::cli::{Cli, Command, MigrateAction, TenantAction};
use api::config::{Mode, Settings};
use api::error::AppError;
use api::services::{demo, tenants};
use clap::Parser;
use entity::{TenantId, platform};
use migration::{Migrator, MigratorTrait};

// mimalloc rather than the system allocator: see the workspace's Cargo.toml and the README's
// performance section.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
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
    api::telemetry::init(&settings);
    match command {
        Command::Serve => serve(settings).await,
        Command::Migrate { action } => {
            let db = api::db::connect_owner(&settings).await?;
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
            let db = api::db::prepare(&settings).await?;
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
            let db = api::db::prepare(&settings).await?;
            let tenant = platform::find_tenant_by_slug(&db, &args.tenant)
                .await?
                .with_context(|| format!("no tenant with slug `{}`", args.tenant))?;
            let user = platform::find_user_by_email(&db, &args.email)
                .await?
                .with_context(|| format!("no user with email `{}`", args.email))?;
            let tokens = api::auth::TokenService::new(&settings.auth);
            let token = tokens
                .issue(user.id, TenantId(tenant.id), Some(args.ttl_seconds))
                .map_err(AppError::into_anyhow)?;
            // Verify the membership now, so the operator learns of a mistake here, not at use.
            api::auth::principal_from_token(
                &db,
                &api::cache::ReadCache::in_memory(api::metrics::Metrics::new()?.cache),
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
            let db = api::db::prepare(&settings).await?;
            let (tenant, _) = demo::ensure(&db).await.map_err(AppError::into_anyhow)?;
            println!("demo tenant ready ({tenant})");
            Ok(ExitCode::SUCCESS)
        }
        Command::ExportSchema { .. } | Command::Healthcheck { .. } => Ok(ExitCode::SUCCESS),
    }
}

async fn serve(settings: Settings) -> anyhow::Result<ExitCode> {
    let demo = settings.demo.enabled;
    let app = api::startup::Application::build(settings).await?;
    let state = app.state().clone();
    let host = &state.settings.http.host;
    let base = format!(
        "http://{}:{}",
        if host == "0.0.0.0" { "127.0.0.1" } else { host },
        app.port()
    );
    tracing::info!(address = %base, database = api::db::backend_name(&state.db), cache = state.cache.backend(), "listening");
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
    let sdl = api::graphql::sdl();
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
