//! What several API processes share through Redis: the read cache and its invalidation,
//! rate limits, revocation, persisted queries — and surviving Redis going away.
//!
//! "Two processes" are two servers in this test process that share nothing but the database and
//! Redis. On the SQLite run (no Redis) the tests that need a shared store run against one server.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{
    Backend, Gql, OPERATOR_KEY, TestApp, TestTenant, backend, shared, spawn_app, test_settings,
};

fn has_redis() -> bool {
    matches!(backend(), Backend::Postgres { redis: Some(_), .. })
}

/// A second server sharing the database and Redis (with no dispatcher of its own, so whatever
/// it knows came through the shared parts). `None` without Redis.
fn second_server() -> Option<TestApp> {
    has_redis().then(|| {
        let mut settings = test_settings();
        settings.events.dispatcher = false;
        spawn_app(settings)
    })
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn hits(app: &TestApp) -> u64 {
    app.state
        .metrics
        .cache
        .lookups
        .with_label_values(&["hit"])
        .get()
}

const EMPLOYEE: &str = "query($id: ID!) { employee(id: $id) { familyName version } }";
const TAG: &str = "query($id: ID!) { tag(id: $id) { name version } }";
const RENAME: &str = "mutation($i: UpdateTagInput!) { updateTag(input: $i) { errors { code } } }";

async fn first_employee(app: &TestApp, t: &TestTenant) -> String {
    let r = app
        .gql(
            Some(&t.token),
            "{ employees(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await
        .ok();
    r.data()["employees"]["nodes"][0]["id"]
        .as_str()
        .expect("an employee")
        .to_owned()
}

/// A new tag (a plain record without sensitive fields, so it is cached).
async fn new_tag(app: &TestApp, t: &TestTenant) -> String {
    let r = app
        .gql(
            Some(&t.token),
            "mutation { createTag(input: {name: \"Cached\"}) { tag { id } } }",
            json!({}),
        )
        .await
        .ok();
    r.data()["createTag"]["tag"]["id"]
        .as_str()
        .expect("a tag")
        .to_owned()
}

#[tokio::test]
async fn a_write_on_one_process_is_never_served_stale_by_another() {
    let app = shared();
    let second = second_server();
    let reader = second.as_ref().unwrap_or(app);
    let t = app.new_tenant().await;
    let id = new_tag(app, &t).await;

    // The reader caches the row (a second read is a hit)...
    let before = hits(reader);
    for _ in 0..2 {
        reader
            .gql(Some(&t.token), TAG, json!({"id": id}))
            .await
            .ok();
    }
    assert!(hits(reader) > before, "the second read came from the cache");

    // ...and every write on the other process shows there the moment the write has returned.
    for version in 1..=3 {
        let name = format!("Renamed{version}");
        let w = app
            .gql(
                Some(&t.token),
                RENAME,
                json!({"i": {"id": id, "expectedVersion": version, "patch": {"name": name}}}),
            )
            .await
            .ok();
        assert_eq!(w.data()["updateTag"]["errors"], json!([]), "{}", w.body);
        let r = reader
            .gql(Some(&t.token), TAG, json!({"id": id}))
            .await
            .ok();
        assert_eq!(r.data()["tag"]["name"], name.as_str());
        assert_eq!(r.data()["tag"]["version"], version + 1);
    }

    // The metrics show the cache at work.
    let metrics = reader
        .client
        .get(reader.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for name in [
        "urakata_cache_lookups_total{result=\"hit\"}",
        "urakata_cache_lookups_total{result=\"miss\"}",
        "urakata_cache_evictions",
    ] {
        assert!(metrics.contains(name), "/metrics lacks {name}");
    }
}

#[tokio::test]
async fn cached_values_never_cross_tenants_or_permission_sets() {
    let app = shared();
    let a = app.new_tenant().await;
    let b = app.new_tenant().await;
    let id = new_tag(app, &a).await;
    for _ in 0..2 {
        let own = app.gql(Some(&a.token), TAG, json!({"id": id})).await.ok();
        assert!(own.data()["tag"]["name"].is_string());
    }
    // The row is cached now; another tenant asking for the same id still finds nothing.
    let other = app.gql(Some(&b.token), TAG, json!({"id": id})).await;
    assert!(
        other.body["data"]["tag"].is_null(),
        "another tenant read a cached row: {}",
        other.body
    );

    // A persisted operation read (and cached) by an administrator stays closed to a plain
    // employee, who lacks MANAGE_APPS.
    let list = app
        .gql(
            Some(&a.token),
            "{ persistedOperations(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await
        .ok();
    let op = list.data()["persistedOperations"]["nodes"][0]["id"].clone();
    let q = "query($id: ID!) { persistedOperation(id: $id) { name } }";
    for _ in 0..2 {
        let r = app.gql(Some(&a.token), q, json!({"id": op})).await.ok();
        assert!(r.data()["persistedOperation"]["name"].is_string());
    }
    let employee = app
        .add_member(&a, &[api::auth::BuiltinRole::Employee])
        .await;
    let r = app.gql(Some(&employee), q, json!({"id": op})).await;
    assert!(
        r.body["data"]["persistedOperation"].is_null(),
        "a cached row crossed permission sets: {}",
        r.body
    );
    assert_eq!(r.code(), "FORBIDDEN", "{}", r.body);
}

const WHOLE: &str = "{ employees(first: 3) { totalCount nodes { displayName orgUnit { name } } } invoiceTotals { currency documents untaxed } }";

/// POSTs `WHOLE` asking for the response cache; returns the body and whether it was a hit.
async fn cached_query(app: &TestApp, token: &str) -> (Value, bool) {
    let r = app
        .post(
            &[("Authorization", &bearer(token))],
            json!({"query": WHOLE, "extensions": {"cache": true}}),
        )
        .await;
    let hit = r.headers.get("urakata-cache").is_some_and(|v| v == "hit");
    (r.body, hit)
}

#[tokio::test]
async fn whole_responses_are_cached_on_request_and_never_outlive_a_write() {
    let app = shared();
    let second = second_server();
    let reader = second.as_ref().unwrap_or(app);
    let t = app.new_tenant().await;

    // Without the extension nothing is cached; with it the second answer is the first one.
    let plain = app.gql(Some(&t.token), WHOLE, json!({})).await.ok();
    let (first, hit) = cached_query(app, &t.token).await;
    assert!(!hit, "the first request cannot be a hit");
    assert_eq!(first["data"], plain.data().clone());
    // Every commit in the tenant retires its cached responses, the event dispatcher's too, and a
    // new tenant's seed leaves it events to dispatch: the repeat is a hit once they are done.
    let mut again = Value::Null;
    let mut hit = false;
    for _ in 0..50 {
        (again, hit) = cached_query(reader, &t.token).await;
        if hit {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(hit, "the repeat was computed again: {again}");
    assert_eq!(again["data"], first["data"]);

    // The invoiced total is the sum of the stored totals of the posted customer invoices.
    let listed = app
        .gql(
            Some(&t.token),
            "{ invoices(first: 100, filter: {kind: {eq: CUSTOMER_INVOICE}, status: {in: [POSTED, REVERSED]}}) { nodes { amountUntaxed } } }",
            json!({}),
        )
        .await
        .ok();
    let nodes = listed.data()["invoices"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    let sum: f64 = nodes
        .iter()
        .map(|n| {
            n["amountUntaxed"]
                .as_str()
                .expect("decimal")
                .parse::<f64>()
                .expect("number")
        })
        .sum();
    let totals = &first["data"]["invoiceTotals"];
    assert_eq!(totals[0]["documents"], json!(nodes.len()), "{totals}");
    assert_eq!(
        totals[0]["untaxed"]
            .as_str()
            .expect("decimal")
            .parse::<f64>()
            .expect("number"),
        sum
    );

    // Another member with other permissions never gets that answer.
    let employee = app
        .add_member(&t, &[api::auth::BuiltinRole::Employee])
        .await;
    let (theirs, hit) = cached_query(reader, &employee).await;
    assert!(!hit, "a cached response crossed principals: {theirs}");

    // A write anywhere in the tenant, on either process, ends every cached answer before the
    // write returns.
    let before = first["data"]["employees"]["totalCount"]
        .as_i64()
        .expect("count");
    app.gql(
        Some(&t.token),
        "mutation { createEmployee(input: {employeeNumber: \"C-1\", familyName: \"Cache\", givenName: \"Buster\", workEmail: \"cache-buster@example.com\", hireDate: \"2026-04-01\"}) { employee { id } errors { code } } }",
        json!({}),
    )
    .await
    .ok();
    let (after, hit) = cached_query(reader, &t.token).await;
    assert!(!hit, "a cached response outlived a write: {after}");
    assert_eq!(after["data"]["employees"]["totalCount"], json!(before + 1));

    // Mutations are never answered from the cache.
    let m = app
        .post(
            &[("Authorization", &bearer(&t.token))],
            json!({"query": "mutation { createTag(input: {name: \"Twice\"}) { tag { id } } }", "extensions": {"cache": true}}),
        )
        .await;
    assert!(m.headers.get("urakata-cache").is_none());
}

const CHEAP: &str = "{ serverVersion }";
const SET_PLAN: &str = "mutation($i: SetTenantPlanInput!) { setTenantPlan(input: $i) { tenant { plan } errors { field code } } }";

/// Puts a tenant on a plan through the operator API.
async fn set_plan(t: &TestTenant, plan: Option<&str>) -> Gql {
    let id = api::graphql::core::GlobalId::encode("Tenant", t.id);
    shared()
        .post(
            &[("x-platform-key", OPERATOR_KEY)],
            json!({"query": SET_PLAN, "variables": {"i": {"tenantId": id, "plan": plan}}}),
        )
        .await
}

#[tokio::test]
async fn rate_limits_are_shared_by_processes_per_credential_and_tenant() {
    let app = shared();
    let second = second_server();
    let other = second.as_ref().unwrap_or(app);
    let t = app.new_tenant().await;

    let unknown = set_plan(&t, Some("platinum")).await.ok();
    assert_eq!(
        unknown.data()["setTenantPlan"]["errors"][0]["code"],
        "INVALID"
    );
    // `tiny`: 10 points a minute per user, 15 per tenant (test settings).
    let set = set_plan(&t, Some("tiny")).await.ok();
    assert_eq!(set.data()["setTenantPlan"]["tenant"]["plan"], "tiny");

    // Ten one-point requests, alternating between the processes, use up the user's bucket.
    for i in 0..10u64 {
        let server = if i % 2 == 0 { app } else { other };
        let r = server.gql(Some(&t.token), CHEAP, json!({})).await.ok();
        assert_eq!(r.headers["ratelimit-limit"], "10");
        assert_eq!(
            r.headers["ratelimit-remaining"].to_str().unwrap(),
            (9 - i).to_string(),
            "request {i}"
        );
    }
    let refused = other.gql(Some(&t.token), CHEAP, json!({})).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.code(), "RATE_LIMITED");
    let retry: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=6).contains(&retry),
        "one point refills in 6 s: {retry}"
    );
    assert_eq!(
        refused.body["errors"][0]["extensions"]["retryAfter"],
        json!(retry)
    );
    assert!(refused.headers.contains_key("ratelimit-reset"));
    // A refused mutation with an Idempotency-Key did not run, so its key is released: the
    // retry is refused again (or runs), never a replay of the refusal as a success.
    let tag = json!({"query": "mutation { createTag(input: {name: \"Later\"}) { tag { id } } }"});
    for _ in 0..2 {
        let m = other
            .post(
                &[
                    ("Authorization", &bearer(&t.token)),
                    ("idempotency-key", "rate-limited-once"),
                ],
                tag.clone(),
            )
            .await;
        assert_eq!(m.status, 429, "{}", m.body);
        assert!(m.headers.get("idempotent-replayed").is_none());
    }

    // Another user has a bucket of their own, but the tenant's (15) runs out after five more.
    let colleague = app
        .add_member(&t, &[api::auth::BuiltinRole::Employee])
        .await;
    for _ in 0..5 {
        app.gql(Some(&colleague), CHEAP, json!({})).await.ok();
    }
    let tenant_refused = other.gql(Some(&colleague), CHEAP, json!({})).await;
    assert_eq!(tenant_refused.status, 429);
    assert!(
        tenant_refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("tenant"),
        "{}",
        tenant_refused.body
    );

    // Heavier queries cost more: a page of five employees is several points at once.
    let fresh = app.new_tenant().await;
    set_plan(&fresh, Some("tiny")).await.ok();
    let page = app
        .gql(
            Some(&fresh.token),
            "{ employees(first: 5) { nodes { id } } }",
            json!({}),
        )
        .await;
    let remaining: u64 = page.headers["ratelimit-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(remaining < 9, "complexity is charged: {remaining} left");

    // Other tenants are untouched.
    let untouched = app.new_tenant().await;
    app.gql(Some(&untouched.token), CHEAP, json!({})).await.ok();
}

#[tokio::test]
async fn revocation_reaches_every_process_at_once() {
    let app = shared();
    let second = second_server();
    let other = second.as_ref().unwrap_or(app);
    let t = app.new_tenant().await;

    // A suspended member's cached principal stops working on the other process.
    let member = app
        .add_member(&t, &[api::auth::BuiltinRole::Employee])
        .await;
    for _ in 0..2 {
        other.gql(Some(&member), CHEAP, json!({})).await.ok();
    }
    suspend_added_member(app, &t).await;
    let r = other.gql(Some(&member), CHEAP, json!({})).await;
    assert_eq!(r.code(), "UNAUTHENTICATED", "{}", r.body);

    // A revoked API key stops on the other process.
    let (key, key_id) = app.api_key(&t, &["VIEW_ORGANISATION"]).await;
    for _ in 0..2 {
        let r = other
            .post(
                &[("x-api-key", &key)],
                json!({"query": "{ orgUnits(first: 1) { totalCount } }"}),
            )
            .await
            .ok();
        assert!(r.data()["orgUnits"]["totalCount"].is_number());
    }
    app.gql(
        Some(&t.token),
        "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { errors { code } } }",
        json!({"id": key_id}),
    )
    .await
    .ok();
    let r = other
        .post(&[("x-api-key", &key)], json!({"query": CHEAP}))
        .await;
    assert_eq!(r.code(), "UNAUTHENTICATED", "{}", r.body);

    // Signing out ends the session's access tokens on the other process too.
    let db = app.db().await;
    api::services::sessions::set_password(
        &db,
        entity::TenantId(t.id),
        t.admin_user,
        "a long enough password 1",
    )
    .await
    .expect("password");
    db.close().await.ok();
    let login = app
        .gql(
            None,
            "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }",
            json!({"i": {"email": format!("admin@{}.test.example", t.slug), "password": "a long enough password 1", "tenant": t.slug}}),
        )
        .await
        .ok();
    let access = login.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = login.data()["login"]["refreshToken"].clone();
    for _ in 0..2 {
        other.gql(Some(&access), CHEAP, json!({})).await.ok();
    }
    app.gql(
        None,
        "mutation($t: String!) { logout(input: {refreshToken: $t}) { ok } }",
        json!({"t": refresh}),
    )
    .await
    .ok();
    let r = other.gql(Some(&access), CHEAP, json!({})).await;
    assert_eq!(r.code(), "UNAUTHENTICATED", "{}", r.body);
    // Tokens of other sign-ins (the test token has none) still work.
    other.gql(Some(&t.token), CHEAP, json!({})).await.ok();
}

/// Suspends the member `add_member` added (display name `Member`) to a tenant.
pub async fn suspend_added_member(app: &TestApp, t: &TestTenant) {
    let list = app
        .gql(
            Some(&t.token),
            "{ members(first: 50) { nodes { id version displayName } } }",
            json!({}),
        )
        .await
        .ok();
    let member = list.data()["members"]["nodes"]
        .as_array()
        .and_then(|all| all.iter().find(|m| m["displayName"] == "Member"))
        .cloned()
        .expect("the added member");
    let s = app
        .gql(
            Some(&t.token),
            "mutation($i: VersionedIdInput!) { suspendMember(input: $i) { errors { code } } }",
            json!({"i": {"id": member["id"], "expectedVersion": member["version"]}}),
        )
        .await
        .ok();
    assert_eq!(s.data()["suspendMember"]["errors"], json!([]), "{}", s.body);
}

fn sha256(text: &str) -> String {
    api::services::persisted::query_hash(text)
}

fn persisted(hash: &str) -> Value {
    json!({"persistedQuery": {"version": 1, "sha256Hash": hash}})
}

#[tokio::test]
async fn automatic_persisted_queries_and_the_allow_list() {
    let app = shared();
    let second = second_server();
    let other = second.as_ref().unwrap_or(app);
    let t = app.new_tenant().await;
    let auth = bearer(&t.token);
    let headers = [("authorization", auth.as_str())];
    let query = "query Units { orgUnits(first: 3) { totalCount } }";
    let hash = sha256(query);

    // Unknown hash: the client is told to send the text.
    let r = app
        .post(&headers, json!({"extensions": persisted(&hash)}))
        .await;
    assert_eq!(r.code(), "PERSISTED_QUERY_NOT_FOUND", "{}", r.body);
    assert_eq!(r.body["errors"][0]["message"], "PersistedQueryNotFound");
    // A text that does not match its hash is refused and not stored.
    let r = app
        .post(
            &headers,
            json!({"query": "{ serverVersion }", "extensions": persisted(&hash)}),
        )
        .await;
    assert_eq!(r.code(), "BAD_REQUEST", "{}", r.body);
    // Text and hash register it; then the hash alone runs it, on every process.
    let r = app
        .post(
            &headers,
            json!({"query": query, "extensions": persisted(&hash)}),
        )
        .await
        .ok();
    assert!(r.data()["orgUnits"]["totalCount"].is_number());
    let r = other
        .post(&headers, json!({"extensions": persisted(&hash)}))
        .await
        .ok();
    assert!(r.data()["orgUnits"]["totalCount"].is_number());
    // Registrations are per tenant.
    let b = app.new_tenant().await;
    let b_auth = bearer(&b.token);
    let r = app
        .post(
            &[("authorization", b_auth.as_str())],
            json!({"extensions": persisted(&hash)}),
        )
        .await;
    assert_eq!(r.code(), "PERSISTED_QUERY_NOT_FOUND");

    // Allow-list mode: the tenant's API keys run only registered operations.
    let (key, _) = app.api_key(&t, &["VIEW_ORGANISATION"]).await;
    let key_headers = [("x-api-key", key.as_str())];
    let allowed = "query Allowed { orgUnits(first: 1) { totalCount } }";
    app.post(&key_headers, json!({"query": allowed})).await.ok();

    let mode = app
        .gql(
            Some(&t.token),
            "mutation { updateTenantSettings(input: {apiKeyOperations: ALLOW_LIST}) { tenant { apiKeyOperations } errors { code } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        mode.data()["updateTenantSettings"]["tenant"]["apiKeyOperations"],
        "ALLOW_LIST"
    );
    // Nothing is registered yet: refused, on either process, with text or by hash.
    let r = other.post(&key_headers, json!({"query": allowed})).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.code(), "OPERATION_NOT_ALLOWED");
    let r = app
        .post(
            &key_headers,
            json!({"query": allowed, "extensions": persisted(&sha256(allowed))}),
        )
        .await;
    assert_eq!(r.code(), "OPERATION_NOT_ALLOWED", "keys cannot register");
    // The APQ registration made by a user does not put an operation on the list either.
    let r = other
        .post(&key_headers, json!({"extensions": persisted(&hash)}))
        .await;
    assert_eq!(r.code(), "OPERATION_NOT_ALLOWED");

    let reg = app
        .gql(
            Some(&t.token),
            "mutation($i: CreatePersistedOperationInput!) { createPersistedOperation(input: $i) { persistedOperation { id version sha256Hash } errors { field code } } }",
            json!({"i": {"name": "Unit count", "query": allowed}}),
        )
        .await
        .ok();
    let op = reg.data()["createPersistedOperation"]["persistedOperation"].clone();
    assert_eq!(op["sha256Hash"], sha256(allowed).as_str());
    let bad = app
        .gql(
            Some(&t.token),
            "mutation($i: CreatePersistedOperationInput!) { createPersistedOperation(input: $i) { errors { field code } } }",
            json!({"i": {"name": "Broken", "query": "query {"}}),
        )
        .await
        .ok();
    assert_eq!(
        bad.data()["createPersistedOperation"]["errors"][0]["code"],
        "INVALID_QUERY"
    );
    // Registered: it runs by text or by hash alone, on every process; other texts still fail.
    let r = other
        .post(&key_headers, json!({"query": allowed}))
        .await
        .ok();
    assert!(r.data()["orgUnits"]["totalCount"].is_number());
    let r = app
        .post(
            &key_headers,
            json!({"extensions": persisted(&sha256(allowed))}),
        )
        .await
        .ok();
    assert!(r.data()["orgUnits"]["totalCount"].is_number());
    let r = app
        .post(
            &key_headers,
            json!({"query": "query Other { orgUnits(first: 2) { totalCount } }"}),
        )
        .await;
    assert_eq!(r.code(), "OPERATION_NOT_ALLOWED");
    // People are not bound by the list.
    app.gql(Some(&t.token), "{ serverVersion }", json!({}))
        .await
        .ok();
    // Archiving takes it off the list at once.
    app.gql(
        Some(&t.token),
        "mutation($i: ArchiveInput!) { archivePersistedOperation(input: $i) { errors { code } } }",
        json!({"i": {"id": op["id"], "expectedVersion": op["version"]}}),
    )
    .await
    .ok();
    let r = other.post(&key_headers, json!({"query": allowed})).await;
    assert_eq!(r.code(), "OPERATION_NOT_ALLOWED");
}

/// A Redis server of this test's own, so stopping it disturbs no other test.
struct OwnRedis {
    port: u16,
    child: std::process::Child,
}

impl OwnRedis {
    fn start(port: u16) -> Option<Self> {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        Some(Self { port, child })
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("redis on {port} did not start");
}

async fn readyz(app: &TestApp) -> (u16, Value) {
    let r = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    (r.status().as_u16(), r.json().await.expect("json"))
}

#[tokio::test]
async fn requests_survive_redis_going_away_and_the_cache_recovers() {
    if !has_redis() {
        return;
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let Some(mut redis) = OwnRedis::start(port) else {
        return;
    };
    wait_for_port(redis.port).await;
    let mut settings = test_settings();
    settings.events.dispatcher = false;
    settings.redis.url = Some(format!("redis://127.0.0.1:{port}").into());
    settings.redis.timeout_ms = 200;
    settings.redis.retry_after_ms = 300;
    let app = spawn_app(settings);
    let t = app.new_tenant().await;
    let id = new_tag(&app, &t).await;
    let read = async || {
        let started = Instant::now();
        let r = app.gql(Some(&t.token), TAG, json!({"id": id})).await.ok();
        assert!(r.data()["tag"]["name"].is_string());
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "a request waited {:?} on Redis",
            started.elapsed()
        );
        r
    };
    read().await;
    let r = read().await;
    assert!(r.headers.contains_key("ratelimit-limit"));
    assert_eq!(readyz(&app).await.1["status"], "ready");
    // Rows with personal data never go to Redis: a warm employee read hits only the principal.
    let employee = first_employee(&app, &t).await;
    let by_id = async || {
        app.gql(Some(&t.token), EMPLOYEE, json!({"id": employee}))
            .await
            .ok()
    };
    by_id().await;
    let before = hits(&app);
    by_id().await;
    assert_eq!(
        hits(&app) - before,
        1,
        "only the principal came from the cache"
    );

    redis.stop();
    // Reads fall through to the database, writes still commit, rate limiting fails open (the
    // default), and readiness says degraded without leaving rotation.
    for _ in 0..5 {
        let r = read().await;
        assert!(!r.headers.contains_key("ratelimit-limit"));
    }
    let w = app
        .gql(
            Some(&t.token),
            RENAME,
            json!({"i": {"id": id, "expectedVersion": 1, "patch": {"name": "During"}}}),
        )
        .await
        .ok();
    assert_eq!(w.data()["updateTag"]["errors"], json!([]));
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["cache"]["status"], "unavailable", "{body}");

    // Redis comes back (empty, as after a restart): the server finds it by itself.
    let _redis = OwnRedis::start(port).expect("restart redis");
    wait_for_port(port).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if readyz(&app).await.1["status"] == "ready" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server never saw Redis return"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Other tests' commits reach this server's cache too, and one that failed just before
    // Redis returned keeps it skipped for `retry_after_ms`: the cache is used again soon after.
    let before = hits(&app);
    let deadline = Instant::now() + Duration::from_secs(10);
    while hits(&app) == before {
        let r = read().await.body;
        assert_eq!(r["data"]["tag"]["name"], "During", "never stale: {r}");
        assert!(Instant::now() < deadline, "the cache was never used again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = read().await;
    assert!(r.headers.contains_key("ratelimit-limit"));
}
