//! The command line: migrations, tenants, tokens, the demo seed, help, and production refusal.

use std::path::Path;
use std::process::{Command, Output};

use crate::helpers::fresh_postgres_database;

/// A command with a clean environment pointing at a private database (never the shared one:
/// these tests roll migrations back).
struct Cli {
    env: Vec<(String, String)>,
    dir: tempfile::TempDir,
}

impl Cli {
    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut env = vec![("RUST_LOG".to_owned(), "warn".to_owned())];
        match fresh_postgres_database().await {
            Some((url, _)) => env.push(("DATABASE_URL".into(), url)),
            None => env.push((
                "URAKATA_DATABASE__SQLITE_PATH".into(),
                dir.path().join("cli.db").display().to_string(),
            )),
        }
        Self { env, dir }
    }

    fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_urakata"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .current_dir(self.dir.path())
            .args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.output().expect("run urakata")
    }

    /// A connection to the command's database (as the application role on PostgreSQL).
    async fn db(&self) -> sea_orm::DatabaseConnection {
        let mut s = api::config::Settings::default();
        for (k, v) in &self.env {
            match k.as_str() {
                "DATABASE_URL" => s.database.url = Some(v.clone().into()),
                "URAKATA_DATABASE__SQLITE_PATH" => s.database.sqlite_path = v.into(),
                _ => {}
            }
        }
        api::db::connect(&s).await.expect("connect")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, &[]);
        assert!(
            out.status.success(),
            "urakata {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

#[tokio::test]
async fn migrate_up_down_and_status() {
    let cli = Cli::new().await;
    cli.ok(&["migrate", "up"]);
    let status = cli.ok(&["migrate", "status"]);
    assert!(
        status.contains("m20261123_000001_platform") && !status.contains("Pending"),
        "{status}"
    );
    let total = status.lines().count();
    cli.ok(&["migrate", "down", "--steps", "2"]);
    let status = cli.ok(&["migrate", "status"]);
    assert_eq!(status.matches("Pending").count(), 2, "{status}");
    cli.ok(&["migrate", "up"]);
    let status = cli.ok(&["migrate", "status"]);
    assert_eq!(status.matches("Applied").count(), total, "{status}");
    // Every migration can be rolled back and applied again.
    cli.ok(&["migrate", "down", "--steps", &total.to_string()]);
    assert_eq!(
        cli.ok(&["migrate", "status"]).matches("Pending").count(),
        total
    );
    cli.ok(&["migrate", "up"]);
}

#[tokio::test]
async fn tenant_create_and_token() {
    let cli = Cli::new().await;
    let out = cli.ok(&[
        "tenant",
        "create",
        "--slug",
        "acme",
        "--name",
        "ACME KK",
        "--admin-email",
        "boss@acme.example",
        "--admin-name",
        "Boss",
    ]);
    assert!(out.contains("created tenant acme"), "{out}");
    let dup = cli.run(
        &["tenant", "create", "--slug", "acme", "--name", "Again"],
        &[],
    );
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let bad = cli.run(
        &["tenant", "create", "--slug", "Bad Slug", "--name", "x"],
        &[],
    );
    assert!(!bad.status.success());

    let token = cli.ok(&["token", "--tenant", "acme", "--email", "boss@acme.example"]);
    assert_eq!(token.trim().split('.').count(), 3, "a JWT: {token}");
    let missing = cli.run(
        &[
            "token",
            "--tenant",
            "acme",
            "--email",
            "nobody@acme.example",
        ],
        &[],
    );
    assert!(!missing.status.success());
}

#[tokio::test]
async fn seed_demo_is_idempotent() {
    let cli = Cli::new().await;
    let first = cli.ok(&["seed-demo"]);
    let second = cli.ok(&["seed-demo"]);
    assert_eq!(first, second, "the second run finds the same demo tenant");
    let token = cli.ok(&["token"]);
    assert_eq!(token.trim().split('.').count(), 3);
    // The demo's HR: validated attendance, two published payroll runs, development and hiring
    // records, and books whose chain
    // still verifies with the runs' entries in it.
    let tenant: uuid::Uuid = first
        .split(['(', ')'])
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no tenant id in {first}"));
    let db = cli.db().await;
    let tx = entity::TenantTx::begin(&db, entity::TenantId(tenant))
        .await
        .expect("tx");
    use entity::hr::{attendance_day, payroll_run};
    use sea_orm::{ColumnTrait, QueryFilter};
    let validated = tx
        .count(
            tx.select::<attendance_day::Entity>()
                .refine(|q| q.filter(attendance_day::Column::Validated.eq(true))),
        )
        .await
        .expect("count");
    assert!(validated >= 60 * 40, "{validated} validated days");
    let runs = tx
        .count(
            tx.select::<payroll_run::Entity>()
                .refine(|q| q.filter(payroll_run::Column::Status.eq("published"))),
        )
        .await
        .expect("count");
    assert_eq!(runs, 2);
    // Something in every HR list: a closed survey answered by all 50, whose results show, a
    // hiring pipeline and completed trainings.
    let survey = tx
        .one(tx.select::<entity::hr::survey::Entity>())
        .await
        .expect("survey")
        .expect("a demo survey");
    let results = api::services::hr::surveys::results(&tx, survey.id)
        .await
        .expect("results")
        .expect("results of the survey");
    assert_eq!(results.responses, 50);
    assert!(results.questions.iter().all(|q| q.average.is_some()));
    let applicants = tx
        .count(tx.select::<entity::hr::applicant::Entity>())
        .await
        .expect("count");
    assert_eq!(applicants, 3);
    let trained = tx
        .count(
            tx.select::<entity::hr::training_enrolment::Entity>()
                .refine(|q| {
                    q.filter(entity::hr::training_enrolment::Column::Status.eq("completed"))
                }),
        )
        .await
        .expect("count");
    assert_eq!(trained, 20);
    let chain = api::services::accounting::ledger::verify_chain(&tx)
        .await
        .expect("verify");
    assert!(chain.valid, "the demo ledger verifies");
    tx.rollback().await.ok();
    db.close().await.ok();
}

#[tokio::test]
async fn production_mode_refuses_to_start_unsafely() {
    let cli = Cli::new().await;
    let out = cli.run(
        &["serve"],
        &[
            ("URAKATA_MODE", "production"),
            ("URAKATA_DEMO__ENABLED", "false"),
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("signing secret"), "{err}");
    let out = cli.run(
        &["seed-demo"],
        &[
            ("URAKATA_MODE", "production"),
            ("URAKATA_DEMO__ENABLED", "false"),
            (
                "URAKATA_AUTH__JWT_SECRET",
                "0123456789abcdef0123456789abcdef-prod",
            ),
            ("DATABASE_URL", "postgres://127.0.0.1:1/x"),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused in production"));
    let out = cli.run(&["serve"], &[("URAKATA_HTTP__PROT", "1")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("prot"));
}

#[test]
fn help_lists_every_subcommand() {
    let out = Command::new(env!("CARGO_BIN_EXE_urakata"))
        .arg("--help")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in [
        "serve",
        "migrate",
        "export-schema",
        "tenant",
        "token",
        "seed-demo",
        "healthcheck",
    ] {
        assert!(text.contains(sub), "--help lacks {sub}: {text}");
    }
    assert!(Path::new(env!("CARGO_BIN_EXE_urakata")).exists());
}
