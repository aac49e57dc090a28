//! Partner apps and API keys: create, use, rotate, expire, revoke, archive; the permission
//! subset rule; introspection closed to keys unless the tenant allows it.

use api::auth::BuiltinRole;
use serde_json::{Value, json};

use crate::helpers::{Gql, TestTenant, shared};

const CREATE_APP: &str = "mutation($i: CreateAppInput!) { createApp(input: $i) { app { id version permissions } errors { field code } } }";
const CREATE_KEY: &str = "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key apiKey { id lastFour status } errors { field code } } }";
const REVOKE_KEY: &str =
    "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { status } errors { code } } }";

async fn with_key(key: &str, query: &str) -> Gql {
    shared()
        .post(&[("x-api-key", key)], json!({"query": query}))
        .await
}

async fn new_app(t: &TestTenant, permissions: Value) -> String {
    let r = shared()
        .gql(
            Some(&t.token),
            CREATE_APP,
            json!({"i": {"name": "Bank feed", "permissions": permissions}}),
        )
        .await
        .ok();
    assert_eq!(r.data()["createApp"]["errors"], json!([]), "{}", r.body);
    r.data()["createApp"]["app"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn new_key(t: &TestTenant, app_id: &str, expires_at: Option<&str>) -> (String, String) {
    let r = shared()
        .gql(
            Some(&t.token),
            CREATE_KEY,
            json!({"i": {"appId": app_id, "label": "k", "expiresAt": expires_at}}),
        )
        .await
        .ok();
    let p = &r.data()["createApiKey"];
    assert_eq!(p["errors"], json!([]), "{}", r.body);
    (
        p["key"].as_str().expect("key").to_owned(),
        p["apiKey"]["id"].as_str().expect("id").to_owned(),
    )
}

#[tokio::test]
async fn keys_are_shown_once_and_act_with_the_apps_permissions() {
    let app = shared();
    let t = app.new_tenant().await;
    let app_id = new_app(&t, json!(["VIEW_EMPLOYEES"])).await;
    let (key, key_id) = new_key(&t, &app_id, None).await;
    assert!(key.starts_with("uk_test_"), "{key}");

    // Only the last four characters are remembered.
    let listed = app
        .gql(
            Some(&t.token),
            "{ apiKeys(last: 1) { nodes { id lastFour status lastUsedAt } } }",
            json!({}),
        )
        .await
        .ok();
    let row = &listed.data()["apiKeys"]["nodes"][0];
    assert_eq!(row["id"], key_id.as_str());
    assert_eq!(row["lastFour"], &key[key.len() - 4..]);
    assert!(
        !listed.body.to_string().contains(&key[8..30]),
        "the key itself is never shown again"
    );
    assert_eq!(row["lastUsedAt"], Value::Null);

    // The key works as X-API-Key and as a bearer credential, with exactly the app's permissions.
    let r = with_key(&key, "{ employees { totalCount } }").await.ok();
    assert_eq!(r.data()["employees"]["totalCount"], 5);
    let bearer = app
        .gql(Some(&key), "{ employees { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(bearer.data()["employees"]["totalCount"], 5);
    assert_eq!(
        with_key(&key, "{ orgUnits { totalCount } }").await.code(),
        "FORBIDDEN"
    );
    assert_eq!(
        with_key(&key, "{ viewer { email } }").await.code(),
        "FORBIDDEN"
    );

    let used = app
        .gql(
            Some(&t.token),
            "query($id: ID!) { node(id: $id) { ... on ApiKey { lastUsedAt } } }",
            json!({"id": key_id}),
        )
        .await
        .ok();
    assert!(
        used.data()["node"]["lastUsedAt"].is_string(),
        "lastUsedAt is tracked"
    );
}

#[tokio::test]
async fn rotation_and_revocation() {
    let app = shared();
    let t = app.new_tenant().await;
    let app_id = new_app(&t, json!(["VIEW_EMPLOYEES"])).await;
    let (old, old_id) = new_key(&t, &app_id, None).await;
    let (new, _) = new_key(&t, &app_id, None).await;
    assert_eq!(
        with_key(&old, "{ employees { totalCount } }").await.status,
        200
    );
    assert_eq!(
        with_key(&new, "{ employees { totalCount } }").await.status,
        200,
        "both keys work during rotation"
    );

    let r = app
        .gql(Some(&t.token), REVOKE_KEY, json!({"id": old_id}))
        .await
        .ok();
    assert_eq!(r.data()["revokeApiKey"]["apiKey"]["status"], "REVOKED");
    let refused = with_key(&old, "{ employees { totalCount } }").await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (401, "UNAUTHENTICATED")
    );
    assert_eq!(
        with_key(&new, "{ employees { totalCount } }").await.status,
        200
    );
    let again = app
        .gql(Some(&t.token), REVOKE_KEY, json!({"id": old_id}))
        .await
        .ok();
    assert_eq!(
        again.data()["revokeApiKey"]["errors"][0]["code"],
        "NOT_FOUND"
    );

    // Archiving the app revokes whatever keys it has left.
    let version = app
        .gql(
            Some(&t.token),
            "query($id: ID!) { node(id: $id) { ... on App { version } } }",
            json!({"id": app_id}),
        )
        .await
        .ok();
    let archive = app
        .gql(Some(&t.token), "mutation($id: ID!, $v: Int!) { archiveApp(input: {id: $id, expectedVersion: $v}) { errors { code } } }", json!({"id": app_id, "v": version.data()["node"]["version"]}))
        .await
        .ok();
    assert_eq!(archive.data()["archiveApp"]["errors"], json!([]));
    assert_eq!(
        with_key(&new, "{ employees { totalCount } }").await.status,
        401
    );
}

#[tokio::test]
async fn expiry_limits_and_malformed_keys() {
    use sea_orm::{ActiveValue::Set, IntoActiveModel};
    let app = shared();
    let t = app.new_tenant().await;
    let app_id = new_app(&t, json!(["VIEW_EMPLOYEES"])).await;
    let past = app
        .gql(
            Some(&t.token),
            CREATE_KEY,
            json!({"i": {"appId": app_id, "expiresAt": "2020-01-01T00:00:00Z"}}),
        )
        .await
        .ok();
    assert_eq!(
        past.data()["createApiKey"]["errors"][0]["code"],
        "EXPIRY_IN_PAST"
    );
    assert_eq!(past.data()["createApiKey"]["key"], Value::Null);

    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (key, key_id) = new_key(&t, &app_id, Some(&soon)).await;
    assert_eq!(
        with_key(&key, "{ employees { totalCount } }").await.status,
        200
    );
    // Let the hour pass: move the expiry into the past directly.
    let db = app.db().await;
    let id = api::graphql::core::GlobalId::decode(&key_id).expect("id").1;
    let tx = entity::TenantTx::begin(&db, entity::TenantId(t.id))
        .await
        .expect("tx");
    let row = tx
        .get::<entity::access::api_key::Entity>(id)
        .await
        .expect("get")
        .expect("row");
    let mut am = row.into_active_model();
    am.expires_at = Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1)));
    tx.update(am).await.expect("update");
    tx.commit().await.expect("commit");
    db.close().await.ok();
    assert_eq!(
        with_key(&key, "{ employees { totalCount } }").await.status,
        401,
        "an expired key is refused"
    );

    for _ in 0..4 {
        new_key(&t, &app_id, None).await;
    }
    let sixth = app
        .gql(Some(&t.token), CREATE_KEY, json!({"i": {"appId": app_id}}))
        .await
        .ok();
    assert_eq!(
        sixth.data()["createApiKey"]["errors"],
        json!([]),
        "the expired key does not count"
    );
    let seventh = app
        .gql(Some(&t.token), CREATE_KEY, json!({"i": {"appId": app_id}}))
        .await
        .ok();
    assert_eq!(
        seventh.data()["createApiKey"]["errors"][0]["code"],
        "TOO_MANY_KEYS"
    );

    let forged = format!("{}{}", &key[..key.len() - 4], "AAAA");
    for bad in [
        "uk_test_short",
        "uk_prod_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        forged.as_str(),
    ] {
        assert_eq!(
            with_key(bad, "{ employees { totalCount } }").await.status,
            401,
            "{bad}"
        );
    }
    let both = app
        .client
        .post(app.url("/graphql"))
        .header("x-api-key", &key)
        .bearer_auth(&t.token)
        .json(&json!({"query": "{ serverVersion }"}))
        .send()
        .await
        .expect("request");
    assert_eq!(both.status(), 401, "two credentials at once are refused");
}

#[tokio::test]
async fn apps_cannot_exceed_their_creators_permissions() {
    let app = shared();
    let t = app.new_tenant().await;
    let r = app.gql(Some(&t.token), CREATE_APP, json!({"i": {"name": "Clinic", "permissions": ["VIEW_EMPLOYEES", "VIEW_HEALTH_RESULTS"]}})).await.ok();
    assert_eq!(
        r.data()["createApp"]["errors"],
        json!([{"field": ["permissions", "1"], "code": "PERMISSION_NOT_HELD"}])
    );
    let r = app
        .gql(
            Some(&t.token),
            CREATE_APP,
            json!({"i": {"name": " ", "permissions": []}}),
        )
        .await
        .ok();
    let codes: Vec<_> = r.data()["createApp"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["code"].clone())
        .collect();
    assert_eq!(codes, [json!("REQUIRED"), json!("REQUIRED")]);
    let employee = app.add_member(&t, &[BuiltinRole::Employee]).await;
    assert_eq!(
        app.gql(
            Some(&employee),
            CREATE_APP,
            json!({"i": {"name": "x", "permissions": ["VIEW_TENANT"]}})
        )
        .await
        .code(),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn introspection_is_closed_to_keys_unless_the_tenant_allows_it() {
    let app = shared();
    let t = app.new_tenant().await;
    let app_id = new_app(
        &t,
        json!([
            "EXPLORE_SCHEMA",
            "VIEW_EMPLOYEES",
            "MANAGE_TENANT",
            "VIEW_TENANT"
        ]),
    )
    .await;
    let (key, _) = new_key(&t, &app_id, None).await;
    let q = "{ __schema { queryType { name } } }";
    assert_eq!(with_key(&key, q).await.code(), "FORBIDDEN");
    let allow = "mutation { updateTenantSettings(input: {apiKeyIntrospection: true}) { tenant { apiKeyIntrospection } } }";
    let r = app.gql(Some(&t.token), allow, json!({})).await.ok();
    assert_eq!(
        r.data()["updateTenantSettings"]["tenant"]["apiKeyIntrospection"],
        true
    );
    let r = with_key(&key, q).await.ok();
    assert_eq!(r.data()["__schema"]["queryType"]["name"], "QueryRoot");

    // A change made with a key is audited as the app's.
    let renamed = with_key(
        &key,
        "mutation { updateTenantSettings(input: {name: \"Renamed by app\"}) { errors { code } } }",
    )
    .await
    .ok();
    assert_eq!(renamed.data()["updateTenantSettings"]["errors"], json!([]));
    let trail = app
        .gql(Some(&t.token), "{ auditTrail(last: 1, filter: {entityType: \"Tenant\"}) { nodes { actorKind actorId changes } } }", json!({}))
        .await
        .ok();
    let entry = &trail.data()["auditTrail"]["nodes"][0];
    assert_eq!(entry["actorKind"], "APP");
    assert_eq!(
        entry["actorId"]
            .as_str()
            .map(|s| api::graphql::core::GlobalId::decode(s).map(|d| d.0)),
        Some(Some("App".to_owned()))
    );
    assert_eq!(entry["changes"]["name"]["after"], "Renamed by app");
}
