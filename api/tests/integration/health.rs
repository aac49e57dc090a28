//! `/healthz`, `/readyz` and `/metrics`.

use crate::helpers::{
    Backend, backend, drop_postgres_database, fresh_postgres_database, shared, spawn_app,
    test_settings,
};

#[tokio::test]
async fn healthz_answers() {
    let app = shared();
    let resp = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("x-request-id"));
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_reports_both_dependencies() {
    let app = shared();
    let resp = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"]["status"], "ok");
    assert_eq!(body["cache"]["status"], "ok");
    match backend() {
        Backend::Sqlite => {
            assert_eq!(body["database"]["backend"], "sqlite");
            assert_eq!(body["cache"]["backend"], "memory");
        }
        Backend::Postgres { redis, .. } => {
            assert_eq!(body["database"]["backend"], "postgres");
            assert_eq!(
                body["cache"]["backend"],
                if redis.is_some() { "redis" } else { "memory" }
            );
        }
    }
}

#[tokio::test]
async fn readyz_fails_when_the_database_is_gone() {
    let mut settings = test_settings();
    let pg_name = match fresh_postgres_database().await {
        Some((url, name)) => {
            settings.database.url = Some(url.into());
            Some(name)
        }
        None => None,
    };
    let app = spawn_app(settings);
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("request");
    assert_eq!(ready.status(), 200);

    match &pg_name {
        // On PostgreSQL the database really disappears under the server.
        Some(name) => drop_postgres_database(name).await,
        // An SQLite file cannot vanish from under open handles, so the pool is closed instead.
        None => app.state.db.close_by_ref().await.expect("close pool"),
    }
    let resp = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 503);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["database"]["status"], "unavailable");
    // Liveness is about the process, not its dependencies.
    let live = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(live.status(), 200);
}

#[tokio::test]
async fn metrics_count_operations_errors_and_pool_use() {
    let app = shared();
    let tenant = app.new_tenant().await;
    let query = "query MetricsProbe { employees(first: 1) { nodes { id } } }";
    let ok = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&tenant.token)
        .json(&serde_json::json!({"query": query, "operationName": "MetricsProbe"}))
        .send()
        .await
        .expect("request");
    assert_eq!(ok.status(), 200);
    let denied = app
        .gql(
            None,
            "query MetricsDenied { employees { nodes { id } } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(denied.code(), "UNAUTHENTICATED");

    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains(r#"urakata_graphql_requests_total{operation="MetricsProbe"}"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"urakata_graphql_request_duration_seconds_bucket{operation="MetricsProbe""#
        )
    );
    assert!(text.contains(r#"urakata_graphql_errors_total{code="UNAUTHENTICATED"}"#));
    assert!(text.contains(r#"urakata_db_pool_connections{state="max"}"#));
    assert!(text.contains(r#"urakata_db_pool_connections{state="in_use"}"#));
}
