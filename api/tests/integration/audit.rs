//! The audit trail: every mutation leaves an append-only entry in the same transaction.
// The append-only test talks to the database directly, on purpose around the seam.
#![allow(clippy::disallowed_methods)]

use api::auth::BuiltinRole;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::helpers::{Backend, backend, shared};

const TRAIL: &str = "query($f: AuditTrailFilter) { auditTrail(filter: $f, last: 100) { totalCount nodes { id actorKind actorId requestId operation entityType entityId action changes } } }";

#[tokio::test]
async fn mutations_are_audited_with_who_what_and_before_after() {
    let app = shared();
    let t = app.new_tenant().await;
    let me = app
        .gql(Some(&t.token), "{ viewer { userId } }", json!({}))
        .await
        .ok();
    let user_id = me.data()["viewer"]["userId"].clone();

    let created = app
        .gql(Some(&t.token), "mutation { createCustomRole(input: {key: \"clerk\", name: \"Clerk\", permissions: [VIEW_INVOICES]}) { customRole { id } } }", json!({}))
        .await
        .ok();
    let role_id = created.data()["createCustomRole"]["customRole"]["id"].clone();
    let update = app
        .gql(Some(&t.token), "mutation($id: ID!) { updateCustomRole(input: {id: $id, expectedVersion: 1, name: \"Senior clerk\"}) { errors { code } } }", json!({"id": role_id}))
        .await
        .ok();
    let request_id = update.headers["x-request-id"]
        .to_str()
        .expect("header")
        .to_owned();

    let r = app
        .gql(Some(&t.token), TRAIL, json!({"f": {"entityId": role_id}}))
        .await
        .ok();
    let entries = r.data()["auditTrail"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let (create, change) = (&entries[0], &entries[1]);
    assert_eq!(create["action"], "CREATE");
    assert_eq!(
        create["changes"]["name"],
        json!({"before": null, "after": "Clerk"})
    );
    assert_eq!(change["action"], "UPDATE");
    assert_eq!(change["operation"], "updateCustomRole");
    assert_eq!(change["actorKind"], "USER");
    assert_eq!(change["actorId"], user_id);
    assert_eq!(
        change["requestId"], request_id,
        "the entry leads to the request's log lines"
    );
    assert_eq!(change["entityType"], "CustomRole");
    assert_eq!(
        change["changes"],
        json!({"name": {"before": "Clerk", "after": "Senior clerk"}}),
        "only changed fields, no bookkeeping"
    );

    let settings = app
        .gql(
            Some(&t.token),
            "mutation { updateTenantSettings(input: {baseCurrency: \"USD\"}) { errors { code } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(settings.data()["updateTenantSettings"]["errors"], json!([]));
    let r = app
        .gql(
            Some(&t.token),
            TRAIL,
            json!({"f": {"entityType": "Tenant", "action": "UPDATE"}}),
        )
        .await
        .ok();
    assert_eq!(
        r.data()["auditTrail"]["nodes"][0]["changes"]["base_currency"],
        json!({"before": "JPY", "after": "USD"})
    );
}

#[tokio::test]
async fn rejected_mutations_leave_no_entry_and_secrets_never_appear() {
    let app = shared();
    let t = app.new_tenant().await;
    let bad = app
        .gql(Some(&t.token), "mutation { inviteMember(input: {email: \"nope\", displayName: \"x\", roles: [\"employee\"]}) { errors { code } } }", json!({}))
        .await
        .ok();
    assert_eq!(bad.data()["inviteMember"]["errors"][0]["code"], "INVALID");
    let r = app
        .gql(
            Some(&t.token),
            TRAIL,
            json!({"f": {"operation": "inviteMember"}}),
        )
        .await
        .ok();
    assert_eq!(r.data()["auditTrail"]["totalCount"], 0);

    // Sign-ins create refresh tokens; their hashes stay out of the trail.
    let db = app.db().await;
    api::services::sessions::set_password(
        &db,
        entity::TenantId(t.id),
        t.admin_user,
        "a long enough password",
    )
    .await
    .expect("password");
    db.close().await.ok();
    let login = app
        .gql(None, "mutation($i: LoginInput!) { login(input: $i) { errors { code } } }", json!({"i": {"email": format!("admin@{}.test.example", t.slug), "password": "a long enough password", "tenant": t.slug}}))
        .await
        .ok();
    assert_eq!(login.data()["login"]["errors"], json!([]));
    let r = app
        .gql(Some(&t.token), TRAIL, json!({"f": {"operation": "login"}}))
        .await
        .ok();
    let entry = &r.data()["auditTrail"]["nodes"][0];
    assert_eq!(entry["entityType"], "RefreshToken");
    assert_eq!(
        entry["changes"]["token_hash"],
        json!({"before": null, "after": "[redacted]"}),
        "{entry}"
    );
    let hex64 = |t: &str| t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit());
    assert!(
        !r.body.to_string().split('"').any(hex64),
        "no hash of a secret in the trail"
    );
}

#[tokio::test]
async fn only_auditors_read_the_trail() {
    let app = shared();
    let t = app.new_tenant().await;
    let employee = app.add_member(&t, &[BuiltinRole::Employee]).await;
    assert_eq!(
        app.gql(Some(&employee), TRAIL, json!({})).await.code(),
        "FORBIDDEN"
    );
    let auditor = app.add_member(&t, &[BuiltinRole::Auditor]).await;
    let r = app
        .gql(
            Some(&auditor),
            TRAIL,
            json!({"f": {"entityType": "Employee"}}),
        )
        .await
        .ok();
    assert_eq!(
        r.data()["auditTrail"]["totalCount"],
        5,
        "the tenant's five employees were created and audited"
    );
    assert!(
        r.data()["auditTrail"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .all(|n| n["actorKind"] == "SYSTEM")
    );
}

#[tokio::test]
async fn the_trail_is_append_only_in_the_database() {
    let app = shared();
    let t = app.new_tenant().await;
    // One connection, so the session-level tenant setting below applies to every statement.
    let mut settings = app.settings.clone();
    settings.database.max_connections = 1;
    settings.database.min_connections = 1;
    let db = api::db::connect(&settings).await.expect("connect");
    let backend = if matches!(backend(), Backend::Postgres { .. }) {
        DbBackend::Postgres
    } else {
        DbBackend::Sqlite
    };
    if backend == DbBackend::Postgres {
        db.execute_unprepared(&format!(
            "SELECT set_config('urakata.tenant_id', '{}', false)",
            t.id
        ))
        .await
        .expect("set");
    }
    // Count this tenant's entries through the seam: other tests write their own meanwhile.
    let count = async || {
        let tx = entity::TenantTx::begin_read(&db, entity::TenantId(t.id))
            .await
            .expect("tx");
        let n = tx
            .count(tx.select::<entity::audit::entry::Entity>())
            .await
            .expect("count");
        tx.commit().await.expect("commit");
        n
    };
    let before = count().await;
    assert!(before > 0);
    for sql in [
        "UPDATE audit_log SET action = 'forged'",
        "DELETE FROM audit_log",
    ] {
        let err = db.execute_unprepared(sql).await.expect_err(sql);
        let msg = err.to_string();
        assert!(
            msg.contains("append-only") || msg.contains("permission denied"),
            "{sql}: {msg}"
        );
    }
    assert_eq!(count().await, before);
    let forged = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT count(*) FROM audit_log WHERE action = 'forged'".to_owned(),
        ))
        .await
        .expect("count")
        .expect("row")
        .try_get_by_index::<i64>(0)
        .expect("number");
    assert_eq!(forged, 0);
    db.close().await.ok();
}

#[tokio::test]
async fn every_committed_change_leaves_a_domain_event() {
    use entity::kernel::outbox_event as ev;
    use sea_orm::{ColumnTrait, QueryFilter};
    let app = shared();
    let t = app.new_tenant().await;
    let r = app
        .gql(Some(&t.token), "mutation { createCustomRole(input: {key: \"evented\", name: \"E\", permissions: [VIEW_TENANT]}) { errors { code } } }", json!({}))
        .await
        .ok();
    let request_id = r.headers["x-request-id"]
        .to_str()
        .expect("header")
        .to_owned();
    app.gql(Some(&t.token), "mutation { createCustomRole(input: {key: \"Bad Key\", name: \"E\", permissions: [VIEW_TENANT]}) { errors { code } } }", json!({}))
        .await
        .ok();

    let db = app.db().await;
    let tx = entity::TenantTx::begin_read(&db, entity::TenantId(t.id))
        .await
        .expect("tx");
    let events = tx
        .all(
            tx.select::<ev::Entity>()
                .refine(|q| q.filter(ev::Column::EntityType.eq("CustomRole"))),
        )
        .await
        .expect("events");
    tx.commit().await.expect("commit");
    db.close().await.ok();
    let mine: Vec<_> = events
        .iter()
        .filter(|e| e.request_id.as_deref() == Some(request_id.as_str()))
        .collect();
    assert_eq!(
        mine.len(),
        1,
        "one event for the committed change, none for the rejected one"
    );
    assert_eq!(mine[0].event_type, "CustomRole.created");
    assert_eq!(mine[0].payload["key"]["after"], "evented");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.payload.to_string().contains("Bad Key"))
            .count(),
        0
    );
}
