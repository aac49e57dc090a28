//! Spawning servers, making tenants and tokens, and sending GraphQL requests.
#![allow(dead_code)]
// The harness creates and drops whole databases, which is outside any tenant.
#![allow(clippy::disallowed_methods)]

use std::sync::OnceLock;

use api::config::Settings;
use api::services::tenants::{self, NewEmployee, NewTenant};
use api::state::AppState;
use entity::TenantId;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use uuid::Uuid;

/// The platform operator key of test servers.
pub const OPERATOR_KEY: &str = "test-operator-key-0123456789abcdef-0123";

/// Which parts the tests run on.
#[derive(Clone, Debug)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// The real parts.
    Postgres { url: String, redis: Option<String> },
}

/// The backend chosen by the environment.
pub fn backend() -> Backend {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => Backend::Postgres {
            url,
            redis: std::env::var("REDIS_URL").ok().filter(|s| !s.is_empty()),
        },
        _ => Backend::Sqlite,
    }
}

/// Settings for a test server: port 0, no demo data, quiet logs, and the chosen backend. On
/// SQLite every call gets its own database file.
pub fn test_settings() -> Settings {
    let mut s = Settings::default();
    s.http.port = 0;
    s.http.workers = 2;
    s.http.shutdown_timeout_seconds = 1;
    s.demo.enabled = false;
    s.log.filter = "warn".into();
    // Key-rotation tests wait out this interval; two seconds prove the throttle with room for a slow machine.
    s.auth.jwks_min_refetch_seconds = 2;
    // The tests' JWKS server listens on loopback.
    s.auth.jwks_allow_private_networks = true;
    s.platform.operator_key = Some(OPERATOR_KEY.to_owned().into());
    s.storage.local_path = tempfile::tempdir().expect("temp dir").keep();
    s.storage.max_file_bytes = 64 * 1024;
    // Events and webhooks at test speed: the receivers listen on loopback over http.
    s.events.poll_interval_ms = 100;
    s.webhooks.allow_private_networks = true;
    s.webhooks.backoff_base_ms = 200;
    s.webhooks.backoff_max_seconds = 1;
    s.webhooks.max_attempts = 3;
    s.webhooks.timeout_seconds = 2;
    s.webhooks.disable_after_failures = 6;
    // The default plan with room for the schema-driven isolation test, which sends every query
    // and mutation of the schema as one user within a minute or so (the rate-limit tests use
    // the tiny plan below).
    s.rate_limits.plans.insert(
        "standard".into(),
        api::config::PlanLimits {
            tenant_per_minute: 10_000_000,
            user_per_minute: 2_000_000,
            api_key_per_minute: 2_000_000,
        },
    );
    // A plan small enough to exhaust in a test (tenants are put on it one at a time).
    s.rate_limits.plans.insert(
        "tiny".into(),
        api::config::PlanLimits {
            tenant_per_minute: 15,
            user_per_minute: 10,
            api_key_per_minute: 10,
        },
    );
    match backend() {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir").keep();
            s.database.sqlite_path = dir.join("urakata.db");
        }
        Backend::Postgres { url, redis } => {
            s.database.url = Some(url.into());
            s.database.max_connections = 10;
            s.redis.url = redis.map(Into::into);
        }
    }
    s
}

/// A running server.
pub struct TestApp {
    pub port: u16,
    pub settings: Settings,
    pub state: AppState,
    pub client: reqwest::Client,
}

/// Starts a server on its own thread and runtime, so it outlives any one test's runtime.
pub fn spawn_app(settings: Settings) -> TestApp {
    let (tx, rx) = std::sync::mpsc::channel();
    let for_server = settings.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            match api::startup::Application::build(for_server).await {
                Ok(app) => {
                    let _ = tx.send(Ok((app.port(), app.state().clone())));
                    let _ = app.run_until_stopped().await;
                }
                Err(e) => {
                    let _ = tx.send(Err(format!("{e:#}")));
                }
            }
        });
    });
    let (port, state) = rx
        .recv()
        .expect("server thread")
        .unwrap_or_else(|e| panic!("server failed to start: {e}"));
    // Idle connections would stay bound to the runtime of the test that opened them and die with
    // it, so every request opens its own.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    TestApp {
        port,
        settings,
        state,
        client,
    }
}

/// The server shared by the whole test binary.
pub fn shared() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(|| {
        api::telemetry::init(&test_settings());
        spawn_app(test_settings())
    })
}

/// A fresh tenant and a token for its administrator.
pub struct TestTenant {
    pub id: Uuid,
    pub slug: String,
    pub admin_user: Uuid,
    pub token: String,
}

/// The result of a GraphQL call.
pub struct Gql {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Gql {
    /// `data` of the response.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// The first error's `extensions.code`, or `""`.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
    }

    /// Panics unless the response has no errors.
    pub fn ok(self) -> Self {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        self
    }
}

impl TestApp {
    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// A database connection on the calling test's runtime.
    pub async fn db(&self) -> DatabaseConnection {
        api::db::connect(&self.settings).await.expect("connect")
    }

    /// Creates a tenant with an administrator, three units and `employees` employees.
    pub async fn new_tenant_with(&self, employees: usize) -> TestTenant {
        let db = self.db().await;
        let slug = format!("t-{}", &Uuid::new_v4().simple().to_string()[..12]);
        let mut new = NewTenant::japanese(&slug, &format!("Test company {slug}"));
        let admin_email = format!("admin@{slug}.test.example");
        new.admin = Some((admin_email, "Test Admin".into()));
        let slug_for_fill = slug.clone();
        let created = tenants::create_tenant_with(&db, new, async |tx, admin| {
            let slug = &slug_for_fill;
            let root = tx
                .insert(tenants::new_unit(tx, "HQ", "Head Office", None))
                .await?;
            let mut units = vec![root.id];
            for (code, name) in [("ACC", "Accounting"), ("HR", "Human Resources")] {
                units.push(
                    tx.insert(tenants::new_unit(tx, code, name, Some(root.id)))
                        .await?
                        .id,
                );
            }
            // One custom role, so every node type has a row to protect in isolation tests.
            let role = api::services::access::RoleInput {
                key: Some("auditor_light".into()),
                name: Some("Light auditor".into()),
                description: Some("Reads the directory".into()),
                permissions: Some(vec!["VIEW_EMPLOYEES".into()]),
            };
            api::services::access::create_role(
                tx,
                uuid::Uuid::nil(),
                &api::auth::Permission::ALL.iter().copied().collect(),
                role,
            )
            .await?
            .map_err(|e| api::error::AppError::BadRequest(format!("{e:?}")))?;
            // One partner app with one key, for the same reason.
            let all: std::collections::BTreeSet<_> =
                api::auth::Permission::ALL.iter().copied().collect();
            let app = api::services::apps::create_app(
                tx,
                uuid::Uuid::nil(),
                &all,
                "Payroll bureau",
                "",
                &[api::auth::Permission::ViewEmployees],
            )
            .await?
            .map_err(|e| api::error::AppError::BadRequest(format!("{e:?}")))?;
            api::services::apps::create_key(
                tx,
                uuid::Uuid::nil(),
                &all,
                app.id,
                "seed",
                None,
                "test",
            )
            .await?
            .map_err(|e| api::error::AppError::BadRequest(format!("{e:?}")))?;
            // And one identity provider.
            let provider = api::services::idp::NewProvider {
                issuer: format!("https://idp.{slug}.test.example"),
                audience: "urakata".into(),
                algorithm: api::services::idp::IdpAlgorithm::Hs256,
                shared_secret: Some(format!("{slug}-shared-secret-of-enough-length")),
                public_key_pem: None,
                jwks_url: None,
                user_claim: None,
            };
            api::services::idp::register(tx, uuid::Uuid::nil(), "urakata", false, provider)
                .await?
                .map_err(|e| api::error::AppError::BadRequest(format!("{e:?}")))?;
            // Everyone but the first reports to the first, so relations have rows to load.
            let mut first: Option<uuid::Uuid> = None;
            for i in 0..employees {
                if i == 0 {
                    // One logged read of personal data, so the log has a row to protect too.
                    let reader = api::auth::Principal {
                        tenant: tx.tenant(),
                        kind: api::auth::PrincipalKind::User,
                        actor_id: uuid::Uuid::nil(),
                        roles: Vec::new(),
                        permissions: Default::default(),
                        key_id: None,
                        key_last_used_at: None,
                        key_expires_at: None,
                        plan: None,
                        allow_listed_only: false,
                    };
                    let read = api::services::personal_data::Read {
                        subject_type: "Employee",
                        subject_id: uuid::Uuid::now_v7(),
                        field: "bankAccount",
                        self_access: false,
                    };
                    api::services::personal_data::record(tx, &reader, None, read).await?;
                }
                let e = NewEmployee {
                    number: format!("E{i:05}"),
                    family: "Yamada",
                    given: "Taro",
                    email: format!("e{i}@example.test"),
                    unit: Some(units[i % units.len()]),
                    manager: first,
                    hire_date: chrono::NaiveDate::from_ymd_opt(2020, 4, 1).expect("date"),
                    user_id: None,
                    national_id_number: Some(format!("{:012}", 100_000_000_000u64 + i as u64)),
                    bank_account: Some(format!("Test Bank 001 {i:07}")),
                };
                let inserted = tx.insert(e.into_active(tx)).await?;
                first.get_or_insert(inserted.id);
            }
            // One row of each organisation-core type, and a tag, comment and attachment on the
            // first employee.
            seed_org_core(tx, first).await?;
            seed_workflow(tx, admin.expect("an administrator")).await?;
            seed_accounting(tx, admin.expect("an administrator")).await?;
            if let Some(first) = first {
                seed_hr(tx, admin.expect("an administrator"), first).await?;
            }
            Ok(())
        })
        .await
        .unwrap_or_else(|e| panic!("creating a tenant: {e:?}"))
        .unwrap_or_else(|e| panic!("creating a tenant: {e:?}"));
        let admin_user = created.admin_user_id.expect("admin");
        let token = self.token(admin_user, created.tenant.id);
        db.close().await.ok();
        TestTenant {
            id: created.tenant.id,
            slug,
            admin_user,
            token,
        }
    }

    /// A tenant with five employees.
    pub async fn new_tenant(&self) -> TestTenant {
        self.new_tenant_with(5).await
    }

    /// Adds a user with the given built-in roles to a tenant; returns their token.
    pub async fn add_member(
        &self,
        tenant: &TestTenant,
        roles: &[api::auth::BuiltinRole],
    ) -> String {
        self.add_user(tenant, roles).await.1
    }

    /// Adds a user with the given built-in roles to a tenant; returns their id and token.
    pub async fn add_user(
        &self,
        tenant: &TestTenant,
        roles: &[api::auth::BuiltinRole],
    ) -> (Uuid, String) {
        use sea_orm::ActiveValue::Set;
        let db = self.db().await;
        let now = chrono::Utc::now();
        let user = entity::platform::insert_user(
            &db,
            entity::platform::user::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(format!(
                    "{}@{}.test.example",
                    Uuid::new_v4().simple(),
                    tenant.slug
                )),
                display_name: Set("Member".into()),
                created_at: Set(now),
                updated_at: Set(now),
            },
        )
        .await
        .expect("user");
        let tx = entity::TenantTx::begin(&db, TenantId(tenant.id))
            .await
            .expect("tx");
        tenants::add_membership(&tx, user.id, roles)
            .await
            .expect("membership");
        tx.commit().await.expect("commit");
        db.close().await.ok();
        (user.id, self.token(user.id, tenant.id))
    }

    /// A token for a user in a tenant, signed with the server's secret.
    pub fn token(&self, user: Uuid, tenant: Uuid) -> String {
        api::auth::TokenService::new(&self.settings.auth)
            .issue(user, TenantId(tenant), None)
            .expect("token")
    }

    /// POSTs a GraphQL body with the given headers (credentials of any kind, extensions).
    pub async fn post(&self, headers: &[(&str, &str)], body: Value) -> Gql {
        let mut req = self.client.post(self.url("/graphql")).json(&body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request");
        let (status, headers) = (resp.status(), resp.headers().clone());
        Gql {
            status,
            headers,
            body: resp.json().await.expect("json body"),
        }
    }

    /// A new app holding `permissions`, and a key of it; returns the key and its global id.
    pub async fn api_key(&self, tenant: &TestTenant, permissions: &[&str]) -> (String, Value) {
        let app = self
            .gql(
                Some(&tenant.token),
                "mutation($p: [Permission!]!) { createApp(input: {name: \"Test app\", permissions: $p}) { app { id } } }",
                json!({"p": permissions}),
            )
            .await
            .ok();
        let key = self
            .gql(
                Some(&tenant.token),
                "mutation($a: ID!) { createApiKey(input: {appId: $a, label: \"k\"}) { key apiKey { id } } }",
                json!({"a": app.data()["createApp"]["app"]["id"]}),
            )
            .await
            .ok();
        let created = &key.data()["createApiKey"];
        (
            created["key"].as_str().expect("key").to_owned(),
            created["apiKey"]["id"].clone(),
        )
    }

    /// POSTs a GraphQL request.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.json().await.expect("json body");
        Gql {
            status,
            headers,
            body,
        }
    }
}

/// On PostgreSQL, a fresh empty database and its URL; `None` on SQLite.
pub async fn fresh_postgres_database() -> Option<(String, String)> {
    let Backend::Postgres { url, .. } = backend() else {
        return None;
    };
    let name = format!("urakata_t_{}", Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(&url)
        .await
        .expect("connect admin");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    admin.close().await.ok();
    let (base, _) = url.rsplit_once('/').expect("database url has a path");
    Some((format!("{base}/{name}"), name))
}

/// Drops a database even while the server still holds connections to it.
pub async fn drop_postgres_database(name: &str) {
    let Backend::Postgres { url, .. } = backend() else {
        return;
    };
    let admin = sea_orm::Database::connect(&url)
        .await
        .expect("connect admin");
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop database");
    admin.close().await.ok();
}

/// One cost centre, location, party and tag, through the same validation as the API.
async fn seed_org_core(
    tx: &entity::TenantTx,
    employee: Option<uuid::Uuid>,
) -> api::error::AppResult<()> {
    use api::graphql::org::*;
    use api::graphql::resource::create_valid;
    use entity::org::{cost_centre, location, party, tag};
    create_valid::<cost_centre::Entity>(
        tx,
        &CreateCostCentreInput {
            code: "CC-1".into(),
            name: "Head office costs".into(),
            description: None,
            org_unit_id: None,
            manager_id: None,
        },
    )
    .await?;
    create_valid::<location::Entity>(
        tx,
        &CreateLocationInput {
            code: "HQ".into(),
            name: "Head office".into(),
            kind: None,
            address: None,
        },
    )
    .await?;
    create_valid::<party::Entity>(
        tx,
        &CreatePartyInput {
            code: "C-1".into(),
            name: "Seed customer".into(),
            name_kana: None,
            kind: None,
            is_customer: true,
            is_supplier: false,
            tax_registration_number: None,
            email: None,
            phone: None,
            payment_terms_days: Some(30),
            currency: None,
            credit_limit: None,
            address: None,
        },
    )
    .await?;
    let tag = create_valid::<tag::Entity>(
        tx,
        &CreateTagInput {
            name: "Seed".into(),
            color: None,
            description: None,
        },
    )
    .await?;
    let Some(employee) = employee else {
        return Ok(());
    };
    use api::graphql::core::GlobalId;
    use api::services::collab;
    let admin = api::auth::Principal {
        tenant: tx.tenant(),
        kind: api::auth::PrincipalKind::User,
        actor_id: uuid::Uuid::nil(),
        roles: Vec::new(),
        permissions: api::auth::Permission::ALL.iter().copied().collect(),
        key_id: None,
        key_last_used_at: None,
        key_expires_at: None,
        plan: None,
        allow_listed_only: false,
    };
    let subject = GlobalId::of::<entity::org::employee::Entity>(employee);
    let failed = |e| api::error::AppError::BadRequest(format!("{e:?}"));
    collab::add_tag(tx, &admin, &subject, &GlobalId::of::<tag::Entity>(tag.id))
        .await?
        .map_err(failed)?;
    collab::add_comment(tx, &admin, &subject, "Seed comment")
        .await?
        .map_err(failed)?;
    // The row only: the seeded attachment has no content in the store.
    let storage = api::storage::Storage::open(&api::config::StorageSettings {
        local_path: std::env::temp_dir().join("urakata-seed-attachments"),
        ..Default::default()
    })
    .map_err(api::error::AppError::internal)?;
    let upload = collab::Upload {
        subject_id: &subject,
        file_name: "seed.txt",
        content_type: "text/plain",
        content: b"seed",
    };
    collab::add_attachment(tx, &admin, &storage, upload)
        .await?
        .map_err(failed)?;
    Ok(())
}

/// One row of each workflow and event type: a webhook endpoint with a delivery, an approval rule,
/// a submitted purchase request with its approval, a delegation and a notification.
/// One posted journal entry, invoice, payment and bank transaction, so every accounting node
/// type has a row (the chart, journals, tax rates and fiscal year come with every tenant).
async fn seed_accounting(tx: &entity::TenantTx, admin: Uuid) -> api::error::AppResult<()> {
    use api::graphql::accounting::{InvoiceInput, InvoiceKind, InvoiceLineInput};
    use api::services::accounting::{chart, invoices, payments};
    use entity::org::party;
    let customer = tx
        .one(tx.select::<party::Entity>())
        .await?
        .expect("the seed customer");
    let today = chrono::Utc::now().date_naive();
    let input = InvoiceInput {
        kind: InvoiceKind::CustomerInvoice,
        party_id: api::graphql::core::GlobalId::of::<party::Entity>(customer.id),
        issue_date: today,
        due_date: None,
        received_on: None,
        currency: None,
        exchange_rate: None,
        supplier_reference: None,
        notes: None,
        lines: vec![InvoiceLineInput {
            description: "Seed service".into(),
            account_id: None,
            quantity: api::graphql::scalars::Decimal(1.into()),
            unit_price: api::graphql::scalars::Decimal(1000.into()),
            tax_rate_id: None,
            cost_centre_id: None,
        }],
    };
    let invoice = invoices::create(tx, Some(admin), &input)
        .await?
        .expect("seed invoice");
    invoices::post(tx, Some(admin), invoice.id, None, true)
        .await?
        .expect("seed invoice posted");
    let bank = chart::journal_of_type(tx, "bank")
        .await?
        .expect("a bank journal");
    let payment = payments::NewPayment {
        inbound: true,
        party: customer.id,
        journal: bank.id,
        date: today,
        amount: 1000.into(),
        currency: None,
        rate: None,
        reference: None,
        allocations: vec![(0, invoice.id, 1000.into())],
    };
    payments::record(tx, admin, &payment, true)
        .await?
        .expect("seed payment");
    // A budget, for the rent account of the current year.
    let fy = tx
        .one(tx.select::<entity::accounting::fiscal_year::Entity>())
        .await?
        .expect("a fiscal year");
    let rent = tx
        .all(tx.select::<entity::accounting::account::Entity>())
        .await?
        .into_iter()
        .find(|a| a.code == "6020")
        .expect("the rent account");
    api::graphql::resource::create_valid::<entity::accounting::budget::Entity>(
        tx,
        &api::graphql::budgets::CreateBudgetInput {
            name: "Rent".into(),
            fiscal_year_id: api::graphql::core::GlobalId::of::<
                entity::accounting::fiscal_year::Entity,
            >(fy.id),
            account_id: api::graphql::core::GlobalId::of::<entity::accounting::account::Entity>(
                rent.id,
            ),
            cost_centre_id: None,
            amount: api::graphql::scalars::Decimal(12_000_000.into()),
            action: None,
            distribution: None,
        },
    )
    .await?;
    // And a fixed asset.
    let accounts = tx
        .all(tx.select::<entity::accounting::account::Entity>())
        .await?;
    let by_code = |code: &str| {
        api::graphql::core::GlobalId::of::<entity::accounting::account::Entity>(
            accounts
                .iter()
                .find(|a| a.code == code)
                .expect("account")
                .id,
        )
    };
    api::graphql::resource::create_valid::<entity::accounting::fixed_asset::Entity>(
        tx,
        &api::graphql::assets::CreateFixedAssetInput {
            code: "FA-1".into(),
            name: "Seed laptop".into(),
            asset_account_id: by_code("1500"),
            accumulated_account_id: by_code("1510"),
            expense_account_id: by_code("6070"),
            cost: api::graphql::scalars::Decimal(240_000.into()),
            salvage_value: None,
            in_use_date: today,
            method: api::graphql::assets::DepreciationMethod::StraightLine,
            useful_life_months: 48,
            declining_rate: None,
            cost_centre_id: None,
        },
    )
    .await?;
    // And an expense claim of the administrator's (written directly: the seeding transaction
    // acts as the platform, and claims are made by people).
    {
        use sea_orm::ActiveValue::Set;
        let mut claim = entity::accounting::expense_claim::ActiveModel {
            number: Set("EXP-SEED-1".into()),
            claimant_user_id: Set(admin),
            title: Set("Seed taxi".into()),
            currency: Set("JPY".into()),
            total: Set(2000.into()),
            advance: Set(0.into()),
            cost_centre_id: Set(None),
            status: Set("draft".into()),
            submitted_at: Set(None),
            entry_id: Set(None),
            payment_entry_id: Set(None),
            archived_at: Set(None),
            ..Default::default()
        };
        api::graphql::resource::stamp_new::<entity::accounting::expense_claim::Entity>(
            &mut claim,
            Some(admin),
        )?;
        tx.insert::<entity::accounting::expense_claim::Entity, _>(claim)
            .await?;
    }
    let csv = format!("date,amount,description\n{today},1000,Seed receipt\n");
    payments::import(tx, admin, bank.id, &csv)
        .await?
        .map_err(|e| api::error::AppError::BadRequest(format!("{e:?}")))?;
    Ok(())
}

/// One row of every HR node type, so the isolation test covers them: a schedule, a holiday, a
/// leave type and allocation, a running contract, a time event, an attendance day, an overtime
/// request and a leave request, all for the first employee.
async fn seed_hr(tx: &entity::TenantTx, admin: Uuid, employee: Uuid) -> api::error::AppResult<()> {
    use api::graphql::core::GlobalId;
    use api::graphql::hr::{
        ContractType, CreateEmploymentContractInput, CreateHolidayInput,
        CreateLeaveAllocationInput, CreateLeaveTypeInput, CreateWorkScheduleInput,
    };
    use api::graphql::resource::{create_valid, stamp_new};
    use entity::hr::{
        attendance_day, employment_contract, holiday, leave_allocation, leave_request, leave_type,
        overtime_request, time_event, work_schedule,
    };
    use sea_orm::ActiveValue::Set;
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let time = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let schedule = create_valid::<work_schedule::Entity>(
        tx,
        &CreateWorkScheduleInput {
            code: "SEED".into(),
            name: "Seed day".into(),
            start_time: time(9),
            end_time: time(18),
            break_minutes: None,
            daily_minutes: None,
            grace_minutes: None,
            half_day_minutes: None,
            weekdays: None,
        },
    )
    .await?;
    create_valid::<holiday::Entity>(
        tx,
        &CreateHolidayInput {
            date: date(2026, 1, 1),
            name: "New Year's Day".into(),
        },
    )
    .await?;
    let kind = create_valid::<leave_type::Entity>(
        tx,
        &CreateLeaveTypeInput {
            code: "SEED".into(),
            name: "Seed leave".into(),
            paid: None,
            requires_allocation: None,
            allow_negative: None,
            half_day_allowed: None,
            max_consecutive_days: None,
            statutory_accrual: None,
        },
    )
    .await?;
    create_valid::<leave_allocation::Entity>(
        tx,
        &CreateLeaveAllocationInput {
            employee_id: GlobalId::of::<entity::org::employee::Entity>(employee),
            leave_type_id: GlobalId::of::<leave_type::Entity>(kind.id),
            valid_from: date(2026, 4, 1),
            valid_to: None,
            days: api::graphql::scalars::Decimal(10.into()),
            note: None,
        },
    )
    .await?;
    let contract = create_valid::<employment_contract::Entity>(
        tx,
        &CreateEmploymentContractInput {
            employee_id: GlobalId::of::<entity::org::employee::Entity>(employee),
            contract_type: ContractType::Permanent,
            start_date: date(2020, 4, 1),
            end_date: None,
            trial_end: None,
            wage_type: None,
            wage: api::graphql::scalars::Decimal(300_000.into()),
            work_schedule_id: GlobalId::of::<work_schedule::Entity>(schedule.id),
            renewal_of_id: None,
        },
    )
    .await?;
    let contract_id = contract.id;
    let mut running: employment_contract::ActiveModel = contract.into();
    running.status = Set("running".into());
    tx.update::<employment_contract::Entity, _>(running).await?;
    let at = chrono::Utc::now() - chrono::Duration::days(30);
    let mut ev = time_event::ActiveModel {
        employee_id: Set(employee),
        kind: Set("in".into()),
        occurred_at: Set(at),
        work_date: Set(at.date_naive()),
        source: Set("manual".into()),
        remote: Set(false),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<time_event::Entity>(&mut ev, Some(admin))?;
    tx.insert::<time_event::Entity, _>(ev).await?;
    let mut day = attendance_day::ActiveModel {
        employee_id: Set(employee),
        work_date: Set(at.date_naive()),
        work_schedule_id: Set(Some(schedule.id)),
        status: Set("present".into()),
        first_in: Set(Some(at)),
        last_out: Set(None),
        worked_minutes: Set(0),
        late_minutes: Set(0),
        overtime_minutes: Set(0),
        holiday_minutes: Set(0),
        remote: Set(false),
        source: Set("events".into()),
        validated: Set(false),
        note: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<attendance_day::Entity>(&mut day, Some(admin))?;
    tx.insert::<attendance_day::Entity, _>(day).await?;
    let mut ot = overtime_request::ActiveModel {
        employee_id: Set(employee),
        requester_user_id: Set(admin),
        work_date: Set(at.date_naive()),
        planned_minutes: Set(60),
        reason: Set("Seed".into()),
        status: Set("requested".into()),
        decided_by: Set(None),
        decided_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<overtime_request::Entity>(&mut ot, Some(admin))?;
    tx.insert::<overtime_request::Entity, _>(ot).await?;
    let mut lv = leave_request::ActiveModel {
        number: Set("LV-SEED-1".into()),
        employee_id: Set(employee),
        requester_user_id: Set(admin),
        leave_type_id: Set(kind.id),
        from_date: Set(date(2026, 8, 3)),
        to_date: Set(date(2026, 8, 3)),
        half: Set("none".into()),
        days: Set(1.into()),
        reason: Set(None),
        status: Set("draft".into()),
        submitted_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<leave_request::Entity>(&mut lv, Some(admin))?;
    tx.insert::<leave_request::Entity, _>(lv).await?;
    let mut check = entity::hr::health_check::ActiveModel {
        employee_id: Set(employee),
        kind: Set("annual".into()),
        checked_on: Set(date(2026, 5, 1)),
        provider: Set(Some("Seed clinic".into())),
        result: Set(Some("No findings".into())),
        findings_level: Set(Some("A".into())),
        follow_up_required: Set(Some(false)),
        high_stress: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<entity::hr::health_check::Entity>(&mut check, Some(admin))?;
    tx.insert::<entity::hr::health_check::Entity, _>(check)
        .await?;
    seed_payroll(tx, admin, employee, contract_id).await?;
    seed_recruiting(tx, admin, employee, schedule.id).await?;
    seed_development(tx, admin, employee, schedule.id).await
}

/// One row of every grade, position, profile, shift, training, performance and survey node
/// type, for the first employee (dates far from any test's).
async fn seed_development(
    tx: &entity::TenantTx,
    admin: Uuid,
    employee: Uuid,
    schedule: Uuid,
) -> api::error::AppResult<()> {
    use api::graphql::core::GlobalId;
    use api::graphql::development::*;
    use api::graphql::resource::{create_valid, stamp_new};
    use entity::hr::{
        grade, performance_cycle, performance_review, position, survey, training_programme,
        training_session,
    };
    use sea_orm::ActiveValue::Set;
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let emp = GlobalId::of::<entity::org::employee::Entity>(employee);
    let g = create_valid::<grade::Entity>(
        tx,
        &CreateGradeInput {
            code: "G1".into(),
            name: "Grade 1".into(),
            rank: Some(1),
        },
    )
    .await?;
    let pos = create_valid::<position::Entity>(
        tx,
        &CreatePositionInput {
            code: "ENG".into(),
            name: "Engineer".into(),
            org_unit_id: None,
            grade_id: Some(GlobalId::of::<grade::Entity>(g.id)),
        },
    )
    .await?;
    create_valid::<entity::hr::employee_profile::Entity>(
        tx,
        &CreateEmployeeProfileInput {
            employee_id: emp.clone(),
            grade_id: Some(GlobalId::of::<grade::Entity>(g.id)),
            position_id: Some(GlobalId::of::<position::Entity>(pos.id)),
            emergency_contact: Some("Yamada Hanako, +81 3 0000 0000".into()),
        },
    )
    .await?;
    create_valid::<entity::hr::shift_assignment::Entity>(
        tx,
        &CreateShiftAssignmentInput {
            employee_id: emp.clone(),
            work_date: date(2030, 1, 5),
            work_schedule_id: GlobalId::of::<entity::hr::work_schedule::Entity>(schedule),
        },
    )
    .await?;
    let prog = create_valid::<training_programme::Entity>(
        tx,
        &CreateTrainingProgrammeInput {
            code: "SAFETY".into(),
            name: "Safety".into(),
            validity_months: Some(12),
        },
    )
    .await?;
    create_valid::<entity::hr::position_required_training::Entity>(
        tx,
        &CreatePositionRequiredTrainingInput {
            position_id: GlobalId::of::<position::Entity>(pos.id),
            programme_id: GlobalId::of::<training_programme::Entity>(prog.id),
        },
    )
    .await?;
    let session = create_valid::<training_session::Entity>(
        tx,
        &CreateTrainingSessionInput {
            programme_id: GlobalId::of::<training_programme::Entity>(prog.id),
            starts_on: date(2030, 2, 1),
            ends_on: date(2030, 2, 1),
            capacity: 10,
            location: None,
        },
    )
    .await?;
    create_valid::<entity::hr::training_enrolment::Entity>(
        tx,
        &CreateTrainingEnrolmentInput {
            session_id: GlobalId::of::<training_session::Entity>(session.id),
            employee_id: emp.clone(),
        },
    )
    .await?;
    let cycle = create_valid::<performance_cycle::Entity>(
        tx,
        &CreatePerformanceCycleInput {
            name: "Seed cycle".into(),
            period_start: date(2030, 4, 1),
            period_end: date(2031, 3, 31),
        },
    )
    .await?;
    create_valid::<entity::hr::performance_goal::Entity>(
        tx,
        &CreatePerformanceGoalInput {
            cycle_id: GlobalId::of::<performance_cycle::Entity>(cycle.id),
            employee_id: emp,
            title: "Seed goal".into(),
            weight: 100,
        },
    )
    .await?;
    let mut review = performance_review::ActiveModel {
        cycle_id: Set(cycle.id),
        employee_id: Set(employee),
        self_score: Set(None),
        self_comment: Set(None),
        manager_score: Set(None),
        manager_comment: Set(None),
        final_score: Set(None),
        status: Set("open".into()),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<performance_review::Entity>(&mut review, Some(admin))?;
    tx.insert::<performance_review::Entity, _>(review).await?;
    create_valid::<survey::Entity>(
        tx,
        &api::graphql::hr_reports::CreateSurveyInput {
            title: "Seed survey".into(),
            min_group_size: None,
            questions: vec!["How satisfied are you?".into()],
        },
    )
    .await?;
    Ok(())
}

/// One row of every recruiting, onboarding and offboarding node type. The separation is
/// cancelled and the scheme inactive, so tests that use the first employee are not affected.
async fn seed_recruiting(
    tx: &entity::TenantTx,
    admin: Uuid,
    employee: Uuid,
    schedule: Uuid,
) -> api::error::AppResult<()> {
    use api::graphql::core::GlobalId;
    use api::graphql::recruiting::*;
    use api::graphql::resource::{create_valid, stamp_new};
    use api::graphql::scalars::Decimal as D;
    use entity::hr::{
        final_settlement, job_offer, job_opening, job_requisition, onboarding, separation,
        severance_scheme,
    };
    use sea_orm::ActiveValue::Set;
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let unit = tx
        .get::<entity::org::employee::Entity>(employee)
        .await?
        .and_then(|e| e.org_unit_id)
        .expect("the first employee has a unit");
    create_valid::<entity::hr::headcount_plan::Entity>(
        tx,
        &CreateHeadcountPlanInput {
            org_unit_id: GlobalId::of::<entity::org::org_unit::Entity>(unit),
            period_start: date(2026, 4, 1),
            period_end: date(2027, 3, 31),
            planned_headcount: 10,
            note: None,
        },
    )
    .await?;
    let mut req = job_requisition::ActiveModel {
        number: Set("REQ-SEED-1".into()),
        requester_user_id: Set(admin),
        org_unit_id: Set(unit),
        headcount_plan_id: Set(None),
        title: Set("Seed engineer".into()),
        vacancies: Set(1),
        filled: Set(0),
        salary_max: Set(400_000.into()),
        currency: Set("JPY".into()),
        reason: Set(None),
        status: Set("approved".into()),
        submitted_at: Set(None),
        approved_at: Set(Some(chrono::Utc::now())),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<job_requisition::Entity>(&mut req, Some(admin))?;
    let req = tx.insert::<job_requisition::Entity, _>(req).await?;
    let opening = create_valid::<job_opening::Entity>(
        tx,
        &CreateJobOpeningInput {
            requisition_id: GlobalId::of::<job_requisition::Entity>(req.id),
            title: None,
            description: None,
            closes_on: None,
        },
    )
    .await?;
    let who = create_valid::<entity::hr::applicant::Entity>(
        tx,
        &CreateApplicantInput {
            opening_id: GlobalId::of::<job_opening::Entity>(opening.id),
            family_name: "Suzuki".into(),
            given_name: "Hanako".into(),
            email: "hanako@candidate.test.example".into(),
            phone: None,
            source: None,
            note: None,
        },
    )
    .await?;
    create_valid::<entity::hr::interview::Entity>(
        tx,
        &CreateInterviewInput {
            applicant_id: GlobalId::of::<entity::hr::applicant::Entity>(who.id),
            round: None,
            scheduled_at: chrono::Utc::now(),
            location: None,
        },
    )
    .await?;
    create_valid::<entity::hr::checklist_template::Entity>(
        tx,
        &CreateChecklistTemplateInput {
            code: "SEED".into(),
            name: "Seed onboarding".into(),
            kind: ChecklistKind::Onboarding,
            items: vec![ChecklistItemInput {
                title: "Sign the contract".into(),
                required: None,
            }],
        },
    )
    .await?;
    let mut offer = job_offer::ActiveModel {
        applicant_id: Set(who.id),
        requisition_id: Set(req.id),
        contract_type: Set("permanent".into()),
        proposed_start: Set(date(2026, 10, 1)),
        end_date: Set(None),
        trial_end: Set(None),
        wage: Set(300_000.into()),
        work_schedule_id: Set(schedule),
        structure_id: Set(None),
        status: Set("accepted".into()),
        decided_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<job_offer::Entity>(&mut offer, Some(admin))?;
    let offer = tx.insert::<job_offer::Entity, _>(offer).await?;
    let mut ob = onboarding::ActiveModel {
        offer_id: Set(offer.id),
        applicant_id: Set(who.id),
        employee_id: Set(None),
        status: Set("open".into()),
        completed_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<onboarding::Entity>(&mut ob, Some(admin))?;
    let ob = tx.insert::<onboarding::Entity, _>(ob).await?;
    api::services::hr::onboarding::write_tasks(
        tx,
        admin,
        (Some(ob.id), None),
        api::services::hr::onboarding::from_template(None)
            .into_iter()
            .chain([api::services::hr::onboarding::NewTask {
                kind: "task",
                title: "Issue a laptop".into(),
                required: true,
                reference: None,
            }])
            .collect(),
    )
    .await?;
    let mut sep = separation::ActiveModel {
        employee_id: Set(employee),
        last_working_day: Set(date(2030, 3, 31)),
        reason: Set("retirement".into()),
        note: Set(None),
        status: Set("cancelled".into()),
        completed_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<separation::Entity>(&mut sep, Some(admin))?;
    let sep = tx.insert::<separation::Entity, _>(sep).await?;
    let scheme = create_valid::<severance_scheme::Entity>(
        tx,
        &api::graphql::offboarding::CreateSeveranceSchemeInput {
            code: "SEED".into(),
            name: "Seed scheme".into(),
            bands: vec![api::graphql::offboarding::SeveranceBandInput {
                from_years: 0,
                to_years: None,
                months_per_year: D(1.into()),
            }],
            reason_factors: None,
            active: Some(false),
        },
    )
    .await?;
    let zero = rust_decimal::Decimal::ZERO;
    let mut settlement = final_settlement::ActiveModel {
        separation_id: Set(sep.id),
        employee_id: Set(employee),
        scheme_id: Set(Some(scheme.id)),
        service_months: Set(0),
        base_wage: Set(zero),
        severance: Set(zero),
        retirement_deduction: Set(zero),
        taxable_income: Set(zero),
        income_tax: Set(zero),
        resident_tax: Set(zero),
        net: Set(zero),
        declaration_submitted: Set(false),
        status: Set("computed".into()),
        entry_id: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<final_settlement::Entity>(&mut settlement, Some(admin))?;
    tx.insert::<final_settlement::Entity, _>(settlement).await?;
    Ok(())
}

/// One row of every payroll node type, for the first employee.
async fn seed_payroll(
    tx: &entity::TenantTx,
    admin: Uuid,
    employee: Uuid,
    contract: Uuid,
) -> api::error::AppResult<()> {
    use api::graphql::core::GlobalId;
    use api::graphql::payroll::*;
    use api::graphql::resource::{create_valid, stamp_new};
    use api::graphql::scalars::Decimal as D;
    use api::services::hr::payroll::ComponentCalc;
    use entity::hr::{
        payroll_run, payslip, salary_component, salary_structure, salary_structure_assignment,
        salary_structure_component, social_insurance_enrolment, withholding_tax_bracket,
    };
    use sea_orm::ActiveValue::Set;
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let emp = GlobalId::of::<entity::org::employee::Entity>(employee);
    create_valid::<social_insurance_enrolment::Entity>(
        tx,
        &CreateSocialInsuranceEnrolmentInput {
            employee_id: emp.clone(),
            scheme: InsuranceScheme::Health,
            effective_from: date(2020, 4, 1),
            standard_monthly_remuneration: Some(D(300_000.into())),
        },
    )
    .await?;
    create_valid::<withholding_tax_bracket::Entity>(
        tx,
        &CreateWithholdingTaxBracketInput {
            valid_from: date(2026, 1, 1),
            tax_column: None,
            dependents: None,
            lower: D(0.into()),
            upper: D(88_000.into()),
            amount: D(0.into()),
        },
    )
    .await?;
    let component = create_valid::<salary_component::Entity>(
        tx,
        &CreateSalaryComponentInput {
            code: "BASE".into(),
            name: "Base pay".into(),
            kind: ComponentKind::Earning,
            calc: ComponentCalc::Formula,
            amount: None,
            formula: Some("base".into()),
            sequence: None,
            rounding: None,
            taxable: None,
            in_overtime_base: None,
            in_insurance_base: None,
            account_id: None,
        },
    )
    .await?;
    let structure = create_valid::<salary_structure::Entity>(
        tx,
        &CreateSalaryStructureInput {
            code: "SEED".into(),
            name: "Seed structure".into(),
        },
    )
    .await?;
    create_valid::<salary_structure_component::Entity>(
        tx,
        &CreateSalaryStructureComponentInput {
            structure_id: GlobalId::of::<salary_structure::Entity>(structure.id),
            component_id: GlobalId::of::<salary_component::Entity>(component.id),
        },
    )
    .await?;
    create_valid::<salary_structure_assignment::Entity>(
        tx,
        &CreateSalaryStructureAssignmentInput {
            employee_id: emp,
            structure_id: GlobalId::of::<salary_structure::Entity>(structure.id),
            from_date: date(2020, 4, 1),
            to_date: None,
            amounts: None,
            dependents: None,
            tax_column: None,
        },
    )
    .await?;
    let zero = rust_decimal::Decimal::ZERO;
    let mut run = payroll_run::ActiveModel {
        number: Set("PRL-SEED-1".into()),
        period_start: Set(date(2020, 4, 1)),
        period_end: Set(date(2020, 4, 30)),
        pay_date: Set(date(2020, 4, 25)),
        status: Set("computed".into()),
        employees: Set(1),
        gross_total: Set(zero),
        deductions_total: Set(zero),
        net_total: Set(zero),
        entry_id: Set(None),
        reversal_entry_id: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<payroll_run::Entity>(&mut run, Some(admin))?;
    let run = tx.insert::<payroll_run::Entity, _>(run).await?;
    let mut slip = payslip::ActiveModel {
        run_id: Set(run.id),
        employee_id: Set(employee),
        contract_id: Set(contract),
        structure_id: Set(structure.id),
        period_start: Set(date(2020, 4, 1)),
        pay_date: Set(date(2020, 4, 25)),
        working_days: Set(21),
        payment_days: Set(21.into()),
        unpaid_days: Set(zero),
        absent_days: Set(zero),
        overtime_minutes: Set(0),
        holiday_minutes: Set(0),
        gross: Set(zero),
        taxable: Set(zero),
        social_insurance: Set(zero),
        income_tax: Set(zero),
        deductions: Set(zero),
        net: Set(zero),
        ytd_gross: Set(zero),
        ytd_taxable: Set(zero),
        ytd_social_insurance: Set(zero),
        ytd_income_tax: Set(zero),
        ytd_net: Set(zero),
        status: Set("draft".into()),
        published_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<payslip::Entity>(&mut slip, Some(admin))?;
    tx.insert::<payslip::Entity, _>(slip).await?;
    Ok(())
}

async fn seed_workflow(tx: &entity::TenantTx, admin: Uuid) -> api::error::AppResult<()> {
    use api::graphql::resource::{create_valid, stamp_new};
    use entity::kernel::{
        approval_delegation, approval_request, approval_rule, webhook_delivery, webhook_endpoint,
    };
    use entity::purchasing::purchase_request;
    use sea_orm::ActiveValue::Set;
    let endpoint = create_valid::<webhook_endpoint::Entity>(
        tx,
        &api::graphql::webhooks::CreateWebhookEndpointInput {
            url: "https://hooks.test.example/urakata".into(),
            description: None,
            // An event type nothing emits: the seeded endpoint must never be sent anything.
            event_types: vec!["Seeded.never".into()],
        },
    )
    .await?;
    let mut delivery = webhook_delivery::ActiveModel {
        endpoint_id: Set(endpoint.id),
        event_id: Set(Uuid::now_v7()),
        event_type: Set("Employee.created".into()),
        payload: Set(json!({})),
        status: Set("parked".into()),
        attempts: Set(0),
        next_attempt_at: Set(chrono::Utc::now()),
        last_attempt_at: Set(None),
        last_status_code: Set(None),
        last_error: Set(None),
        delivered_at: Set(None),
        replay_of: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<webhook_delivery::Entity>(&mut delivery, None)?;
    tx.insert::<webhook_delivery::Entity, _>(delivery).await?;
    create_valid::<entity::kernel::persisted_operation::Entity>(
        tx,
        &api::graphql::persisted::CreatePersistedOperationInput {
            name: "Seeded operation".into(),
            query: "query Seeded { serverVersion }".into(),
        },
    )
    .await?;
    // A catch-all with no tiers (approved at submission), behind any rule a test adds.
    let rule = create_valid::<approval_rule::Entity>(
        tx,
        &api::graphql::approvals::CreateApprovalRuleInput {
            document_type: "PurchaseRequest".into(),
            name: "Seeded catch-all".into(),
            description: None,
            priority: 1000,
            currency: None,
            min_amount: None,
            max_amount: None,
            cost_centre_id: None,
            org_unit_id: None,
            category: None,
            tiers: Vec::new(),
        },
    )
    .await?;
    let mut pr = purchase_request::ActiveModel {
        number: Set("PR-SEED-1".into()),
        title: Set("Seeded request".into()),
        description: Set(None),
        requester_user_id: Set(admin),
        cost_centre_id: Set(None),
        org_unit_id: Set(None),
        category: Set(None),
        amount: Set(rust_decimal::Decimal::from(1000)),
        currency: Set("JPY".into()),
        needed_by: Set(None),
        status: Set("to_approve".into()),
        submitted_at: Set(Some(chrono::Utc::now())),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<purchase_request::Entity>(&mut pr, Some(admin))?;
    let pr = tx.insert::<purchase_request::Entity, _>(pr).await?;
    let mut request = approval_request::ActiveModel {
        document_type: Set("PurchaseRequest".into()),
        document_id: Set(pr.id),
        document_number: Set(Some(pr.number.clone())),
        requester_user_id: Set(admin),
        rule_id: Set(Some(rule.id)),
        amount: Set(pr.amount),
        currency: Set("JPY".into()),
        status: Set("pending".into()),
        current_tier: Set(1),
        submitted_at: Set(chrono::Utc::now()),
        decided_at: Set(None),
        reason: Set(None),
        due_on: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<approval_request::Entity>(&mut request, Some(admin))?;
    tx.insert::<approval_request::Entity, _>(request).await?;
    let today = chrono::Utc::now().date_naive();
    let mut delegation = approval_delegation::ActiveModel {
        delegator_user_id: Set(admin),
        delegate_user_id: Set(admin),
        starts_on: Set(today),
        ends_on: Set(today),
        document_type: Set(None),
        reason: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<approval_delegation::Entity>(&mut delegation, Some(admin))?;
    tx.insert::<approval_delegation::Entity, _>(delegation)
        .await?;
    api::services::notifications::notify(
        tx,
        &[admin],
        &api::services::notifications::Notice {
            kind: "seed",
            title: "Seeded".into(),
            body: None,
            subject: None,
        },
    )
    .await
}
