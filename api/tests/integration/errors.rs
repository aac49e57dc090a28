//! The error shape: stable codes in `extensions.code`, the request id in every error and in the
//! `x-request-id` header, statuses per GraphQL over HTTP, and nothing internal leaked.

use serde_json::{Value, json};

use crate::helpers::shared;

/// Replaces the request id (which differs per request) so whole bodies can be pinned.
fn pin(mut body: Value, request_id: &str) -> Value {
    if let Some(errors) = body["errors"].as_array_mut() {
        for e in errors {
            assert_eq!(
                e["extensions"]["requestId"], request_id,
                "the error carries the header's request id"
            );
            e["extensions"]["requestId"] = json!("<request-id>");
        }
    }
    body
}

#[tokio::test]
async fn anonymous_access_to_a_protected_field() {
    let app = shared();
    let r = app
        .gql(None, "{ employees { totalCount } }", json!({}))
        .await;
    assert_eq!(
        r.status, 200,
        "application/json answers 200 for a well-formed request"
    );
    let rid = r.headers["x-request-id"]
        .to_str()
        .expect("header")
        .to_owned();
    assert_eq!(
        pin(r.body, &rid),
        json!({
            "data": null,
            "errors": [{
                "message": "sign in to use this field",
                "locations": [{"line": 1, "column": 3}],
                "path": ["employees"],
                "extensions": {"code": "UNAUTHENTICATED", "requestId": "<request-id>"}
            }]
        })
    );
}

#[tokio::test]
async fn a_bad_token_is_refused_before_execution() {
    let app = shared();
    let r = app
        .gql(Some("not-a-jwt"), "{ serverVersion }", json!({}))
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    let rid = r.headers["x-request-id"]
        .to_str()
        .expect("header")
        .to_owned();
    assert_eq!(
        pin(r.body, &rid),
        json!({"errors": [{"message": "the token is invalid", "extensions": {"code": "UNAUTHENTICATED", "requestId": "<request-id>"}}]})
    );
}

#[tokio::test]
async fn a_token_for_an_unknown_tenant_is_refused() {
    let app = shared();
    let token = app.token(uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let r = app.gql(Some(&token), "{ serverVersion }", json!({})).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_token_signed_with_another_secret_is_refused() {
    let app = shared();
    let tenant = app.new_tenant().await;
    let mut other = app.settings.auth.clone();
    other.jwt_secret = "another-secret-that-is-long-enough-0123456789"
        .to_owned()
        .into();
    let forged = api::auth::TokenService::new(&other)
        .issue(tenant.admin_user, entity::TenantId(tenant.id), None)
        .expect("token");
    let r = app.gql(Some(&forged), "{ serverVersion }", json!({})).await;
    assert_eq!(r.status, 401);
    let expired = api::auth::TokenService::new(&app.settings.auth)
        .issue(tenant.admin_user, entity::TenantId(tenant.id), Some(-3600))
        .expect("token");
    let r = app
        .gql(Some(&expired), "{ serverVersion }", json!({}))
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["errors"][0]["message"], "the token has expired");
}

#[tokio::test]
async fn malformed_bodies_and_media_types() {
    let app = shared();
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");

    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "text/plain")
        .body("{ serverVersion }")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 415);
}

#[tokio::test]
async fn validation_errors_and_the_graphql_response_media_type() {
    let app = shared();
    let r = app.gql(None, "{ noSuchField }", json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.code(), "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(r.headers["content-type"], "application/json");

    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": "{ noSuchField }"}))
        .send()
        .await
        .expect("request");
    assert_eq!(
        resp.status(),
        400,
        "graphql-response+json answers 4xx when the request fails validation"
    );
    assert_eq!(
        resp.headers()["content-type"],
        "application/graphql-response+json"
    );
}

#[tokio::test]
async fn get_serves_queries_and_refuses_mutations() {
    let app = shared();
    let resp = app
        .client
        .get(app.url("/graphql?query=%7BserverVersion%7D"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["data"]["serverVersion"], env!("CARGO_PKG_VERSION"));

    let q = "mutation { updateTenantSettings(input: {}) { errors { code } } }";
    let resp = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", q)])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
}

#[tokio::test]
async fn limits_have_their_own_codes() {
    let app = shared();
    let tenant = app.new_tenant().await;
    let deep = format!(
        "{{ employees {{ nodes {{ {} id {} }} }} }}",
        "manager { ".repeat(20),
        "} ".repeat(20)
    );
    let deep = deep.as_str();
    let r = app.gql(Some(&tenant.token), deep, json!({})).await;
    assert_eq!(r.code(), "QUERY_TOO_DEEP", "{}", r.body);

    let aliases: String = (0..31).map(|i| format!("a{i}: serverVersion ")).collect();
    let r = app
        .gql(Some(&tenant.token), &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(r.code(), "TOO_MANY_ALIASES", "{}", r.body);

    let mutations: String = (0..11)
        .map(|i| format!("m{i}: logout(input: {{refreshToken: \"x\"}}) {{ ok }} "))
        .collect();
    let r = app
        .gql(None, &format!("mutation {{ {mutations} }}"), json!({}))
        .await;
    // Eleven mutations also use eleven aliases, within the alias limit of 30.
    assert_eq!(r.code(), "TOO_MANY_MUTATIONS", "{}", r.body);

    let r = app
        .gql(
            Some(&tenant.token),
            "{ employees(first: 101) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(r.code(), "BAD_REQUEST");
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("maximum of 100")
    );

    let huge = "x".repeat(app.settings.limits.max_body_bytes + 1);
    let resp = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": format!("{{ serverVersion }} # {huge}")}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn every_error_code_is_unique_and_screaming_case() {
    let mut seen = std::collections::HashSet::new();
    for code in api::error::ErrorCode::ALL {
        let s = code.as_str();
        assert!(seen.insert(s), "duplicate code {s}");
        assert!(s.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{s}");
        assert!((400..=599).contains(&code.http_status()));
    }
}

#[tokio::test]
async fn complexity_counts_page_sizes() {
    let mut settings = crate::helpers::test_settings();
    settings.limits.max_complexity = 150;
    let app = crate::helpers::spawn_app(settings);
    let tenant = app.new_tenant().await;
    let small = app
        .gql(
            Some(&tenant.token),
            "{ employees(first: 10) { nodes { id employeeNumber } } }",
            json!({}),
        )
        .await;
    assert_eq!(small.code(), "", "{}", small.body);
    let big = app
        .gql(
            Some(&tenant.token),
            "{ employees(first: 100) { nodes { id employeeNumber } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        big.code(),
        "QUERY_TOO_COMPLEX",
        "a hundred rows weigh a hundred times one: {}",
        big.body
    );
}
