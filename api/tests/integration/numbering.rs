//! Gapless per-tenant document numbers under concurrency and rollback.

use api::services::numbering::{self, DocumentType};
use chrono::NaiveDate;

use crate::helpers::shared;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
}

#[tokio::test]
async fn fifty_concurrent_documents_get_fifty_gapless_numbers() {
    let app = shared();
    let t = app.new_tenant().await;
    let mut settings = app.settings.clone();
    settings.database.max_connections = 12;
    let db = api::db::connect(&settings).await.expect("connect");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let tx = entity::TenantTx::begin(&db, entity::TenantId(t.id))
                    .await
                    .expect("tx");
                // Credit notes: every test tenant already has a posted invoice (and its number).
                let n = numbering::allocate(&tx, DocumentType::CreditNote, day())
                    .await
                    .expect("number");
                tx.commit().await.expect("commit");
                n
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.expect("task"));
    }
    numbers.sort();
    let expected: Vec<String> = (1..=50).map(|i| format!("CN-2026-{i:06}")).collect();
    assert_eq!(numbers, expected, "unique and without gaps");
    db.close().await.ok();
}

#[tokio::test]
async fn a_rolled_back_document_gives_its_number_back() {
    let app = shared();
    let t = app.new_tenant().await;
    let db = app.db().await;
    let take = |commit: bool| {
        let db = db.clone();
        async move {
            let tx = entity::TenantTx::begin(&db, entity::TenantId(t.id))
                .await
                .expect("tx");
            let n = numbering::allocate(&tx, DocumentType::PurchaseOrder, day())
                .await
                .expect("number");
            if commit {
                tx.commit().await.expect("commit")
            } else {
                tx.rollback().await.expect("rollback")
            }
            n
        }
    };
    assert_eq!(take(true).await, "PO-2026-000001");
    assert_eq!(take(false).await, "PO-2026-000002");
    assert_eq!(
        take(true).await,
        "PO-2026-000002",
        "the rolled-back number is reused"
    );

    // A tenant's own format, and each tenant counts on its own.
    let tx = entity::TenantTx::begin(&db, entity::TenantId(t.id))
        .await
        .expect("tx");
    let set = numbering::set_format(
        &tx,
        uuid::Uuid::nil(),
        DocumentType::Ticket,
        "HD{YY}{MM}-{SEQ:4}",
    )
    .await
    .expect("set");
    assert!(set.is_ok());
    assert_eq!(
        numbering::allocate(&tx, DocumentType::Ticket, day())
            .await
            .expect("n"),
        "HD2611-0001"
    );
    tx.commit().await.expect("commit");
    let other = app.new_tenant().await;
    let tx = entity::TenantTx::begin(&db, entity::TenantId(other.id))
        .await
        .expect("tx");
    assert_eq!(
        numbering::allocate(&tx, DocumentType::PurchaseOrder, day())
            .await
            .expect("n"),
        "PO-2026-000001"
    );
    tx.commit().await.expect("commit");
    db.close().await.ok();
}

#[tokio::test]
async fn formats_are_a_tenant_setting_in_the_schema() {
    use serde_json::json;
    let app = shared();
    let t = app.new_tenant().await;
    let list = app
        .gql(
            Some(&t.token),
            "{ documentNumberFormats { documentType format isDefault example } }",
            json!({}),
        )
        .await
        .ok();
    let invoice = list.data()["documentNumberFormats"]
        .as_array()
        .expect("list")
        .iter()
        .find(|f| f["documentType"] == "INVOICE")
        .cloned()
        .expect("invoice");
    assert_eq!(invoice["format"], "INV-{YYYY}-{SEQ:6}");
    assert_eq!(invoice["isDefault"], true);
    assert!(
        invoice["example"]
            .as_str()
            .is_some_and(|e| e.starts_with("INV-") && e.ends_with("-000001"))
    );

    let set = "mutation($f: String!) { setDocumentNumberFormat(input: {documentType: INVOICE, format: $f}) { documentNumberFormat { format isDefault } errors { field code message } } }";
    let bad = app
        .gql(Some(&t.token), set, json!({"f": "INV-{DAY}"}))
        .await
        .ok();
    assert_eq!(
        bad.data()["setDocumentNumberFormat"]["errors"][0]["code"],
        "INVALID"
    );
    let ok = app
        .gql(Some(&t.token), set, json!({"f": "S{YY}-{SEQ:5}"}))
        .await
        .ok();
    assert_eq!(
        ok.data()["setDocumentNumberFormat"]["documentNumberFormat"],
        json!({"format": "S{YY}-{SEQ:5}", "isDefault": false})
    );

    let employee = app
        .add_member(&t, &[api::auth::BuiltinRole::Employee])
        .await;
    assert_eq!(
        app.gql(Some(&employee), set, json!({"f": "X-{SEQ}"}))
            .await
            .code(),
        "FORBIDDEN"
    );
}
