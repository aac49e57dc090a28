//! Sensitive personal fields: their own permissions, self-access, every read logged, and never
//! a value in the audit trail.

use api::auth::BuiltinRole;
use base64::Engine;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{TestTenant, shared};

const SENSITIVE: &str =
    "{ employees(first: 100) { nodes { id employeeNumber nationalIdNumber bankAccount } } }";
const LOG: &str = "query($f: PersonalDataAccessFilter) { personalDataAccessLog(filter: $f, last: 100) { totalCount nodes { actorKind actorId subjectId field selfAccess requestId } } }";

/// The user id inside a token this server issued.
fn user_of(token: &str) -> uuid::Uuid {
    let payload = token.split('.').nth(1).expect("payload");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("b64"),
    )
    .expect("json");
    claims["sub"].as_str().expect("sub").parse().expect("uuid")
}

/// Links employee `E00000` to the token's user, so it is their own record.
async fn link_first_employee(t: &TestTenant, token: &str) {
    let app = shared();
    let db = app.db().await;
    let tx = entity::TenantTx::begin(&db, entity::TenantId(t.id))
        .await
        .expect("tx");
    let e = tx
        .one(
            tx.select::<entity::org::employee::Entity>()
                .refine(|q| q.filter(entity::org::employee::Column::EmployeeNumber.eq("E00000"))),
        )
        .await
        .expect("query")
        .expect("employee");
    let mut am = e.into_active_model();
    am.user_id = Set(Some(user_of(token)));
    tx.update(am).await.expect("update");
    tx.commit().await.expect("commit");
    db.close().await.ok();
}

#[tokio::test]
async fn holders_of_the_permission_read_and_every_read_is_logged() {
    let app = shared();
    let t = app.new_tenant().await;
    let payroll = app.add_member(&t, &[BuiltinRole::PayrollAdmin]).await;
    let r = app.gql(Some(&payroll), SENSITIVE, json!({})).await.ok();
    let nodes = r.data()["employees"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes[0]["nationalIdNumber"], "100000000000");
    assert_eq!(nodes[1]["bankAccount"], "Test Bank 001 0000001");
    let request_id = r.headers["x-request-id"]
        .to_str()
        .expect("header")
        .to_owned();

    let auditor = app.add_member(&t, &[BuiltinRole::Auditor]).await;
    let actor = api::graphql::core::GlobalId::encode("User", user_of(&payroll));
    let log = app
        .gql(Some(&auditor), LOG, json!({"f": {"actorId": actor}}))
        .await
        .ok();
    assert_eq!(
        log.data()["personalDataAccessLog"]["totalCount"],
        10,
        "5 employees x 2 fields"
    );
    let entries = log.data()["personalDataAccessLog"]["nodes"]
        .as_array()
        .expect("nodes");
    assert!(entries.iter().all(|e| e["requestId"] == request_id.as_str()
        && e["selfAccess"] == false
        && e["actorKind"] == "USER"));
    assert!(
        entries
            .iter()
            .any(|e| e["subjectId"] == nodes[0]["id"] && e["field"] == "nationalIdNumber")
    );
    assert!(
        !log.body.to_string().contains("100000000000"),
        "the log never holds the value"
    );

    // Reading other fields logs nothing.
    app.gql(
        Some(&payroll),
        "{ employees { nodes { displayName } } }",
        json!({}),
    )
    .await
    .ok();
    let again = app
        .gql(Some(&auditor), LOG, json!({"f": {"actorId": actor}}))
        .await
        .ok();
    assert_eq!(again.data()["personalDataAccessLog"]["totalCount"], 10);
}

#[tokio::test]
async fn others_are_refused_but_everyone_reads_their_own() {
    let app = shared();
    let t = app.new_tenant().await;
    let employee = app.add_member(&t, &[BuiltinRole::Employee]).await;
    link_first_employee(&t, &employee).await;
    let r = app.gql(Some(&employee), SENSITIVE, json!({})).await;
    let nodes = r.data()["employees"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes[0]["employeeNumber"], "E00000");
    assert_eq!(
        nodes[0]["nationalIdNumber"], "100000000000",
        "one's own record is readable"
    );
    assert_eq!(nodes[0]["bankAccount"], "Test Bank 001 0000000");
    assert!(
        nodes[1..]
            .iter()
            .all(|n| n["nationalIdNumber"].is_null() && n["bankAccount"].is_null())
    );
    let errors = r.body["errors"].as_array().expect("errors");
    assert_eq!(
        errors.len(),
        8,
        "two refused fields on each of the four others"
    );
    assert!(
        errors
            .iter()
            .all(|e| e["extensions"]["code"] == "FORBIDDEN")
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("VIEW_")
    );

    let log = app
        .gql(
            Some(&t.token),
            LOG,
            json!({"f": {"subjectId": nodes[0]["id"]}}),
        )
        .await
        .ok();
    let entries = log.data()["personalDataAccessLog"]["nodes"]
        .as_array()
        .expect("nodes");
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e["selfAccess"] == true));

    let auditor = app.add_member(&t, &[BuiltinRole::Auditor]).await;
    let r = app
        .gql(
            Some(&auditor),
            "{ employees(first: 1) { nodes { nationalIdNumber } } }",
            json!({}),
        )
        .await;
    assert_eq!(r.code(), "FORBIDDEN", "auditors do not read sensitive data");
    assert_eq!(
        app.gql(Some(&employee), LOG, json!({})).await.code(),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn the_audit_trail_never_holds_sensitive_values() {
    let app = shared();
    let t = app.new_tenant().await;
    let r = app
        .gql(
            Some(&t.token),
            "{ auditTrail(first: 100, filter: {entityType: \"Employee\"}) { nodes { changes } } }",
            json!({}),
        )
        .await
        .ok();
    let first = &r.data()["auditTrail"]["nodes"][0]["changes"];
    assert_eq!(
        first["national_id_number"],
        json!({"before": null, "after": "[redacted]"})
    );
    assert_eq!(
        first["bank_account"],
        json!({"before": null, "after": "[redacted]"})
    );
    assert!(
        !r.body.to_string().contains("Test Bank"),
        "no sensitive value anywhere in the trail"
    );
}
