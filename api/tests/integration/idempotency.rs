//! `Idempotency-Key` on mutations.

use api::auth::BuiltinRole;
use serde_json::{Value, json};

use crate::helpers::{Gql, shared};

const CREATE: &str = "mutation($k: String!) { createCustomRole(input: {key: $k, name: \"R\", permissions: [VIEW_TENANT]}) { customRole { id } errors { code } } }";

async fn post(token: &str, key: Option<&str>, query: &str, variables: Value) -> Gql {
    let app = shared();
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}));
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let resp = req.send().await.expect("request");
    let (status, headers) = (resp.status(), resp.headers().clone());
    Gql {
        status,
        headers,
        body: resp.json().await.expect("json"),
    }
}

#[tokio::test]
async fn a_repeated_key_replays_the_first_result() {
    let app = shared();
    let t = app.new_tenant().await;
    let first = post(
        &t.token,
        Some("create-role-1"),
        CREATE,
        json!({"k": "idem_role"}),
    )
    .await
    .ok();
    assert!(first.headers.get("idempotent-replayed").is_none());
    let again = post(
        &t.token,
        Some("create-role-1"),
        CREATE,
        json!({"k": "idem_role"}),
    )
    .await
    .ok();
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(
        again.body, first.body,
        "the same role, not a duplicate-key error"
    );
    let roles = app
        .gql(Some(&t.token), "{ customRoles { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(
        roles.data()["customRoles"]["totalCount"],
        2,
        "the seeded role and one new one"
    );

    // Payload errors are results too, and replay as such.
    let bad = post(&t.token, Some("bad-1"), CREATE, json!({"k": "Bad Key"}))
        .await
        .ok();
    let bad_again = post(&t.token, Some("bad-1"), CREATE, json!({"k": "Bad Key"}))
        .await
        .ok();
    assert_eq!(bad_again.body, bad.body);
}

#[tokio::test]
async fn keys_belong_to_one_request_and_one_principal() {
    let app = shared();
    let t = app.new_tenant().await;
    post(&t.token, Some("k-2"), CREATE, json!({"k": "first_role"}))
        .await
        .ok();
    let reused = post(&t.token, Some("k-2"), CREATE, json!({"k": "other_role"})).await;
    assert_eq!(
        (reused.status.as_u16(), reused.code()),
        (422, "IDEMPOTENCY_KEY_REUSED")
    );

    let second_admin = app.add_member(&t, &[BuiltinRole::TenantAdmin]).await;
    let theirs = post(
        &second_admin,
        Some("k-2"),
        CREATE,
        json!({"k": "their_role"}),
    )
    .await
    .ok();
    assert!(
        theirs.headers.get("idempotent-replayed").is_none(),
        "another principal's key is another key"
    );
    assert_eq!(theirs.body["data"]["createCustomRole"]["errors"], json!([]));

    // Queries ignore the header; malformed keys are refused.
    let q = post(&t.token, Some("k-2"), "{ serverVersion }", json!({}))
        .await
        .ok();
    assert!(q.headers.get("idempotent-replayed").is_none());
    let long = "x".repeat(256);
    assert_eq!(
        post(&t.token, Some(&long), CREATE, json!({"k": "x1"}))
            .await
            .code(),
        "BAD_REQUEST"
    );
}
