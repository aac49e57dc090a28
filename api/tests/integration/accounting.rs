//! Accounting: the ledger's invariants with bad input (each refused with a typed error and
//! changing nothing), immutability and the hash chain, credit notes, and a full year
//! (invoice -> payment -> bank reconciliation -> close -> statements) with hand-checked figures.
// The tampering test talks to the database directly, on purpose around the seam.
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::str::FromStr;

use api::auth::BuiltinRole;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestTenant, shared};

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal: {v}"))).expect("decimal")
}

fn num(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

/// The ids the tests need: accounts by code, journals by code, tax rates by code.
struct Books {
    accounts: HashMap<String, String>,
    journals: HashMap<String, String>,
    taxes: HashMap<String, String>,
}

async fn books(app: &TestApp, t: &TestTenant) -> Books {
    let r = app
        .gql(
            Some(&t.token),
            "{ accounts(first: 100) { nodes { id code } } journals { nodes { id code } } taxRates { nodes { id code } } }",
            json!({}),
        )
        .await
        .ok();
    let map = |list: &str| -> HashMap<String, String> {
        r.data()[list]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| {
                (
                    n["code"].as_str().expect("code").to_owned(),
                    n["id"].as_str().expect("id").to_owned(),
                )
            })
            .collect()
    };
    Books {
        accounts: map("accounts"),
        journals: map("journals"),
        taxes: map("taxRates"),
    }
}

const ENTRY: &str = "mutation($i: CreateJournalEntryInput!) { createJournalEntry(input: $i) {
    journalEntry { id number status version total hash lines { debit credit } }
    errors { field code message } } }";

async fn entry(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), ENTRY, json!({"i": input}))
        .await
        .ok()
        .data()["createJournalEntry"]
        .clone()
}

fn codes(payload: &Value) -> Vec<String> {
    payload["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["code"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn entry_count(app: &TestApp, t: &TestTenant) -> i64 {
    app.gql(
        Some(&t.token),
        "{ journalEntries(archived: ANY) { totalCount } }",
        json!({}),
    )
    .await
    .ok()
    .data()["journalEntries"]["totalCount"]
        .as_i64()
        .expect("count")
}

fn line(account: &str, debit: i64, credit: i64) -> Value {
    json!({"accountId": account, "debit": debit.to_string(), "credit": credit.to_string()})
}

async fn party(app: &TestApp, t: &TestTenant, code: &str, customer: bool) -> String {
    let r = app
        .gql(
            Some(&t.token),
            "mutation($i: CreatePartyInput!) { createParty(input: $i) { party { id } errors { field code message } } }",
            json!({"i": {"code": code, "name": format!("{code} K.K."), "isCustomer": customer, "isSupplier": !customer,
                "paymentTermsDays": 30, "taxRegistrationNumber": if customer { Value::Null } else { json!("T9234567890123") }}}),
        )
        .await
        .ok();
    r.data()["createParty"]["party"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("party: {}", r.body))
        .to_owned()
}

#[tokio::test]
async fn bad_entries_are_refused_with_typed_errors_and_change_nothing() {
    let app = shared();
    let t = app.new_tenant().await;
    let b = books(app, &t).await;
    let (bank, sales, group, receivable) = (
        &b.accounts["1020"],
        &b.accounts["4010"],
        &b.accounts["1000"],
        &b.accounts["1100"],
    );
    let before = entry_count(app, &t).await;
    let cases = [
        (
            vec![line(bank, 1000, 0), line(sales, 0, 900)],
            "UNBALANCED_ENTRY",
        ),
        (
            vec![line(bank, 1000, 1000), line(sales, 0, 1000)],
            "INVALID_LINE",
        ),
        (
            vec![line(bank, -1000, 0), line(sales, 0, -1000)],
            "INVALID_LINE",
        ),
        (vec![line(bank, 0, 0), line(sales, 0, 0)], "INVALID_LINE"),
        (
            vec![
                json!({"accountId": bank, "debit": "10.5"}),
                json!({"accountId": sales, "credit": "10.5"}),
            ],
            "INVALID",
        ),
        (
            vec![line(group, 1000, 0), line(sales, 0, 1000)],
            "ACCOUNT_NOT_POSTABLE",
        ),
        (
            vec![line(receivable, 1000, 0), line(sales, 0, 1000)],
            "PARTY_REQUIRED",
        ),
        (vec![line(bank, 1000, 0)], "INVALID_LINE"),
    ];
    for (lines, code) in cases {
        let out = entry(
            app,
            &t.token,
            json!({"date": "2026-06-10", "lines": lines, "post": true}),
        )
        .await;
        assert!(out["journalEntry"].is_null(), "{code}: {out}");
        assert!(codes(&out).contains(&code.to_owned()), "{code}: {out}");
    }
    let outside = entry(app, &t.token, json!({"date": "2019-06-10", "lines": [line(bank, 1000, 0), line(sales, 0, 1000)], "post": true})).await;
    assert_eq!(codes(&outside), ["NO_FISCAL_YEAR"], "{outside}");
    assert_eq!(
        entry_count(app, &t).await,
        before,
        "a refused entry leaves nothing behind"
    );

    // Lock dates: nobody posts on or before the lock date; only finance managers before the
    // soft one.
    let settings = app
        .gql(Some(&t.token), "{ ledgerSettings { version } }", json!({}))
        .await
        .ok();
    let v = settings.data()["ledgerSettings"]["version"].clone();
    let set = app
        .gql(
            Some(&t.token),
            "mutation($i: LedgerSettingsInput!) { updateLedgerSettings(input: $i) { settings { lockDate softLockDate } errors { code } } }",
            json!({"i": {"expectedVersion": v, "lockDate": "2026-04-30", "softLockDate": "2026-05-31"}}),
        )
        .await
        .ok();
    assert_eq!(
        set.data()["updateLedgerSettings"]["settings"]["lockDate"],
        "2026-04-30",
        "{}",
        set.body
    );
    let future = app
        .gql(
            Some(&t.token),
            "mutation($i: LedgerSettingsInput!) { updateLedgerSettings(input: $i) { errors { field code } } }",
            json!({"i": {"expectedVersion": 2, "lockDate": "2099-01-01"}}),
        )
        .await
        .ok();
    assert_eq!(
        future.data()["updateLedgerSettings"]["errors"][0]["code"],
        "INVALID"
    );
    let ok_lines = json!([line(bank, 1000, 0), line(sales, 0, 1000)]);
    let locked = entry(
        app,
        &t.token,
        json!({"date": "2026-04-15", "lines": ok_lines, "post": true}),
    )
    .await;
    assert_eq!(codes(&locked), ["PERIOD_LOCKED"], "{locked}");
    let accountant = app.add_member(&t, &[BuiltinRole::Accountant]).await;
    let soft = entry(
        app,
        &accountant,
        json!({"date": "2026-05-15", "lines": ok_lines, "post": true}),
    )
    .await;
    assert_eq!(codes(&soft), ["PERIOD_LOCKED"], "{soft}");
    let manager = entry(
        app,
        &t.token,
        json!({"date": "2026-05-15", "lines": ok_lines, "post": true}),
    )
    .await;
    assert_eq!(manager["journalEntry"]["status"], "POSTED", "{manager}");
    assert_eq!(entry_count(app, &t).await, before + 1);

    // A draft that would break the rules is kept as a draft; posting it is refused.
    let draft = entry(
        app,
        &accountant,
        json!({"date": "2026-06-10", "lines": [line(bank, 1000, 0), line(sales, 0, 999)]}),
    )
    .await;
    assert_eq!(draft["journalEntry"]["status"], "DRAFT", "{draft}");
    let post = app
        .gql(
            Some(&accountant),
            "mutation($i: JournalEntryTransitionInput!) { postJournalEntry(input: $i) { journalEntry { status } errors { code } } }",
            json!({"i": {"id": draft["journalEntry"]["id"], "expectedVersion": 1}}),
        )
        .await
        .ok();
    assert_eq!(
        post.data()["postJournalEntry"]["errors"][0]["code"],
        "UNBALANCED_ENTRY",
        "{}",
        post.body
    );

    // Closing a year needs CLOSE_PERIODS.
    let denied = app
        .gql(
            Some(&accountant),
            "mutation($i: JournalEntryTransitionInput!) { closeFiscalYear(input: $i) { errors { code } } }",
            json!({"i": {"id": "x", "expectedVersion": 1}}),
        )
        .await;
    assert_eq!(denied.code(), "FORBIDDEN");
}

#[tokio::test]
async fn posted_entries_are_immutable_reversed_once_and_chained() {
    let app = shared();
    let t = app.new_tenant().await;
    let b = books(app, &t).await;
    let (bank, capital, rent) = (
        &b.accounts["1020"],
        &b.accounts["3010"],
        &b.accounts["6020"],
    );
    let mut ids = Vec::new();
    for (debit, credit, amount) in [
        (bank, capital, 500_000),
        (rent, bank, 80_000),
        (rent, bank, 80_000),
    ] {
        let out = entry(app, &t.token, json!({"date": "2026-07-01", "lines": [line(debit, amount, 0), line(credit, 0, amount)], "post": true, "narration": "test"})).await;
        assert_eq!(out["journalEntry"]["status"], "POSTED", "{out}");
        assert!(
            out["journalEntry"]["number"]
                .as_str()
                .expect("number")
                .starts_with("GEN/2026/"),
            "{out}"
        );
        ids.push(out["journalEntry"]["id"].as_str().expect("id").to_owned());
    }
    // Numbers are gapless per journal and year.
    let numbers: Vec<String> = {
        let r = app
            .gql(
                Some(&t.token),
                "{ journalEntries(orderBy: [{field: CREATED_AT}]) { nodes { number } } }",
                json!({}),
            )
            .await
            .ok();
        r.data()["journalEntries"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["number"].as_str().unwrap_or("").to_owned())
            .filter(|n| n.starts_with("GEN/"))
            .collect()
    };
    assert_eq!(
        numbers,
        ["GEN/2026/000001", "GEN/2026/000002", "GEN/2026/000003"]
    );

    // Posting again or discarding a posted entry is refused.
    let again = app
        .gql(
            Some(&t.token),
            "mutation($i: JournalEntryTransitionInput!) { postJournalEntry(input: $i) { errors { code } } discardJournalEntry(input: $i) { errors { code } } }",
            json!({"i": {"id": ids[0], "expectedVersion": 2}}),
        )
        .await
        .ok();
    assert_eq!(
        again.data()["postJournalEntry"]["errors"][0]["code"],
        "NOT_DRAFT"
    );
    assert_eq!(
        again.data()["discardJournalEntry"]["errors"][0]["code"],
        "NOT_DRAFT"
    );

    // The database itself refuses to change a posted line or entry.
    let db = app.db().await;
    for sql in [
        "UPDATE journal_lines SET debit = debit + 1",
        "DELETE FROM journal_entries",
    ] {
        let err = sea_orm::ConnectionTrait::execute_unprepared(&db, sql).await;
        // Without the tenant setting the app role sees no rows on PostgreSQL, so do it in a
        // tenant transaction there.
        let err = match (err, api_backend_is_postgres()) {
            (Err(e), _) => e.to_string(),
            (Ok(_), true) => {
                let tx = entity::TenantTx::begin(&db, entity::TenantId(t.id))
                    .await
                    .expect("tx");
                let e = sea_orm::ConnectionTrait::execute_unprepared(tx.connection(), sql)
                    .await
                    .expect_err(sql);
                e.to_string()
            }
            (Ok(r), false) => panic!("{sql} changed {} rows", r.rows_affected()),
        };
        assert!(err.contains("immutable"), "{sql}: {err}");
    }

    // A reversal swaps every side, and an entry is reversed once.
    const REVERSE: &str =
        "mutation($i: ReverseJournalEntryInput!) { reverseJournalEntry(input: $i) {
        journalEntry { kind status reversalOf { id } lines { debit credit } } errors { code } } }";
    let rev = app
        .gql(
            Some(&t.token),
            REVERSE,
            json!({"i": {"id": ids[1], "reason": "booked twice"}}),
        )
        .await
        .ok();
    let r = &rev.data()["reverseJournalEntry"]["journalEntry"];
    assert_eq!(r["kind"], "REVERSAL", "{}", rev.body);
    assert_eq!(r["reversalOf"]["id"], ids[1].as_str());
    assert_eq!(dec(&r["lines"][0]["credit"]), num("80000"));
    assert_eq!(dec(&r["lines"][1]["debit"]), num("80000"));
    let twice = app
        .gql(Some(&t.token), REVERSE, json!({"i": {"id": ids[1]}}))
        .await
        .ok();
    assert_eq!(
        twice.data()["reverseJournalEntry"]["errors"][0]["code"],
        "ALREADY_REVERSED"
    );

    // The chain verifies, then catches a row changed behind the API's back.
    const VERIFY: &str = "{ verifyLedger { valid checked problem brokenEntry { id } } }";
    let ok = app.gql(Some(&t.token), VERIFY, json!({})).await.ok();
    assert_eq!(ok.data()["verifyLedger"]["valid"], true, "{}", ok.body);
    // The tenant came with a posted invoice and payment (two entries), then ours.
    assert_eq!(ok.data()["verifyLedger"]["checked"], 6);
    tamper(
        app,
        &t,
        "UPDATE journal_lines SET debit = 8000 WHERE debit = 80000 AND line_no = 1",
    )
    .await;
    let bad = app.gql(Some(&t.token), VERIFY, json!({})).await.ok();
    let v = &bad.data()["verifyLedger"];
    assert_eq!(v["valid"], false, "{}", bad.body);
    assert_eq!(v["brokenEntry"]["id"], ids[1].as_str(), "{}", bad.body);
    assert_eq!(v["checked"], 3);
    db.close().await.ok();
}

fn api_backend_is_postgres() -> bool {
    matches!(
        crate::helpers::backend(),
        crate::helpers::Backend::Postgres { .. }
    )
}

/// Changes the tenant's posted rows as the database owner would, lifting the guards inside the
/// transaction that tampers (other sessions never see them lifted).
async fn tamper(app: &TestApp, t: &TestTenant, sql: &str) {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let owner = api::db::connect_owner(&app.settings).await.expect("owner");
    let backend = owner.get_database_backend();
    let tx = owner.begin().await.expect("tx");
    if backend == sea_orm::DbBackend::Postgres {
        tx.execute_unprepared(&format!(
            "SELECT set_config('urakata.tenant_id', '{}', true)",
            t.id
        ))
        .await
        .expect("tenant");
    }
    for s in migration::lift_ledger_guards(backend) {
        tx.execute_unprepared(&s).await.expect("lift");
    }
    let placeholder = if backend == sea_orm::DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let changed = tx
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            format!("{sql} AND tenant_id = {placeholder}"),
            [t.id.into()],
        ))
        .await
        .expect(sql);
    assert!(changed.rows_affected() > 0, "{sql} changed nothing");
    for s in migration::restore_ledger_guards(backend) {
        tx.execute_unprepared(&s).await.expect("restore");
    }
    tx.commit().await.expect("commit");
    owner.close().await.ok();
}

const INVOICE: &str = "mutation($i: InvoiceInput!) { createInvoice(input: $i) {
    invoice { id version status number amountUntaxed amountTax amountTotal dueDate taxes { percent taxable tax } }
    errors { field code message } } }";
const POST_INVOICE: &str = "mutation($i: JournalEntryTransitionInput!) { postInvoice(input: $i) {
    invoice { id version status number paymentStatus amountTotal registrationNumber journalEntry { number lines { debit credit } } }
    errors { field code message } } }";
const PAY: &str = "mutation($i: RecordPaymentInput!) { recordPayment(input: $i) {
    payment { id number amount amountAllocated amountUnallocated } errors { field code message } } }";

async fn invoice(app: &TestApp, t: &TestTenant, input: Value) -> Value {
    let made = app
        .gql(Some(&t.token), INVOICE, json!({"i": input}))
        .await
        .ok();
    let inv = made.data()["createInvoice"]["invoice"].clone();
    assert!(inv.is_object(), "{}", made.body);
    let posted = app
        .gql(
            Some(&t.token),
            POST_INVOICE,
            json!({"i": {"id": inv["id"], "expectedVersion": inv["version"]}}),
        )
        .await
        .ok();
    let out = posted.data()["postInvoice"]["invoice"].clone();
    assert_eq!(out["status"], "POSTED", "{}", posted.body);
    out
}

#[tokio::test]
async fn tax_is_rounded_once_per_rate_and_credit_notes_reverse() {
    let app = shared();
    let t = app.new_tenant().await;
    let b = books(app, &t).await;
    let customer = party(app, &t, "C1", true).await;
    let lines: Vec<Value> = (0..3).map(|i| json!({"description": format!("Tea {i}"), "quantity": "1", "unitPrice": "105", "taxRateId": b.taxes["S8"]})).collect();
    let inv = invoice(app, &t, json!({"kind": "CUSTOMER_INVOICE", "partyId": customer, "issueDate": "2026-07-01", "lines": lines})).await;
    // 3 x 105 = 315 at 8% is 25.2, floored once: 25 (per line it would be 3 x 8 = 24).
    assert_eq!(dec(&inv["amountTotal"]), num("340"), "{inv}");
    let je = &inv["journalEntry"]["lines"];
    assert_eq!(
        dec(&je[0]["debit"]),
        num("340"),
        "the receivable takes the total: {inv}"
    );

    // A bill's party must be a supplier; a sales tax on a bill is refused.
    let wrong = app
        .gql(Some(&t.token), INVOICE, json!({"i": {"kind": "SUPPLIER_BILL", "partyId": customer, "issueDate": "2026-07-01",
            "lines": [{"description": "x", "quantity": "1", "unitPrice": "100", "taxRateId": b.taxes["S10"]}]}}))
        .await
        .ok();
    let errs = codes(&wrong.data()["createInvoice"]);
    assert!(
        errs.contains(&"PARTY_MISMATCH".to_owned()) && errs.contains(&"INVALID".to_owned()),
        "{errs:?}"
    );

    const CREDIT: &str = "mutation($i: CreditInvoiceInput!) { creditInvoice(input: $i) {
        invoice { kind status number amountTotal paymentStatus creditedInvoice { status paymentStatus amountDue } } errors { code } } }";
    let version = app
        .gql(
            Some(&t.token),
            "query($id: ID!) { invoice(id: $id) { version } }",
            json!({"id": inv["id"]}),
        )
        .await
        .ok()
        .data()["invoice"]["version"]
        .clone();
    let cn = app.gql(Some(&t.token), CREDIT, json!({"i": {"id": inv["id"], "expectedVersion": version, "date": "2026-07-05", "reason": "wrong tea"}})).await.ok();
    let note = &cn.data()["creditInvoice"]["invoice"];
    assert_eq!(note["kind"], "CUSTOMER_CREDIT_NOTE", "{}", cn.body);
    assert!(
        note["number"]
            .as_str()
            .expect("number")
            .starts_with("CN-2026-")
    );
    assert_eq!(note["creditedInvoice"]["status"], "REVERSED");
    assert_eq!(note["creditedInvoice"]["paymentStatus"], "REVERSED");
    assert_eq!(dec(&note["creditedInvoice"]["amountDue"]), Decimal::ZERO);
    let again = app
        .gql(
            Some(&t.token),
            CREDIT,
            json!({"i": {"id": inv["id"], "expectedVersion": version.as_i64().unwrap_or(0) + 1}}),
        )
        .await
        .ok();
    assert_eq!(
        again.data()["creditInvoice"]["errors"][0]["code"],
        "ALREADY_REVERSED",
        "{}",
        again.body
    );
    let pay = app.gql(Some(&t.token), PAY, json!({"i": {"kind": "INBOUND", "partyId": customer, "date": "2026-07-06", "amount": "340",
        "allocations": [{"invoiceId": inv["id"], "amount": "340"}]}})).await.ok();
    assert_eq!(
        pay.data()["recordPayment"]["errors"][0]["code"],
        "ALREADY_REVERSED",
        "{}",
        pay.body
    );
    // The receivable and the tax are back to zero: the credit note took the other side of
    // everything (the tenant's seed invoice was paid, so it leaves nothing open).
    let tb = app.gql(Some(&t.token), "{ trialBalance(from: \"2026-04-01\", to: \"2027-03-31\") { rows { account { code } closing } } }", json!({})).await.ok();
    for row in tb.data()["trialBalance"]["rows"].as_array().expect("rows") {
        if ["1100", "2100"].contains(&row["account"]["code"].as_str().unwrap_or("")) {
            assert_eq!(dec(&row["closing"]), Decimal::ZERO, "{row}");
        }
    }
}

#[tokio::test]
async fn a_year_from_invoice_to_statements_adds_up_to_the_yen() {
    let app = shared();
    let t = app.new_tenant().await;
    let b = books(app, &t).await;
    let customer = party(app, &t, "CUST", true).await;
    let supplier = party(app, &t, "SUPP", false).await;
    let fy = app
        .gql(Some(&t.token), "mutation { createFiscalYear(input: {name: \"FY2025\", startsOn: \"2025-04-01\", endsOn: \"2026-03-31\"}) { fiscalYear { id version periods { number } } errors { code } } }", json!({}))
        .await
        .ok();
    let fy = fy.data()["createFiscalYear"]["fiscalYear"].clone();
    assert_eq!(fy["periods"].as_array().map(Vec::len), Some(12), "{fy}");
    let overlap = app
        .gql(Some(&t.token), "mutation { createFiscalYear(input: {name: \"X\", startsOn: \"2025-10-01\", endsOn: \"2026-09-30\"}) { errors { code } } }", json!({}))
        .await
        .ok();
    assert_eq!(
        overlap.data()["createFiscalYear"]["errors"][0]["code"],
        "OVERLAP"
    );

    // Opening capital.
    let opening = entry(app, &t.token, json!({"date": "2025-04-01", "narration": "Capital", "post": true,
        "lines": [line(&b.accounts["1020"], 1_000_000, 0), line(&b.accounts["3010"], 0, 1_000_000)]})).await;
    assert_eq!(opening["journalEntry"]["status"], "POSTED", "{opening}");

    // A qualified invoice at two rates: 300,000 at 10% and 3,702 at 8% (296.16, floored).
    let settings = app
        .gql(Some(&t.token), "{ ledgerSettings { version } }", json!({}))
        .await
        .ok();
    app.gql(Some(&t.token), "mutation($v: Int!) { updateLedgerSettings(input: {expectedVersion: $v, registrationNumber: \"T2876543210987\"}) { errors { code } } }",
        json!({"v": settings.data()["ledgerSettings"]["version"]})).await.ok();
    let inv = invoice(app, &t, json!({"kind": "CUSTOMER_INVOICE", "partyId": customer, "issueDate": "2025-05-10", "lines": [
        {"description": "Consulting", "quantity": "10", "unitPrice": "30000", "taxRateId": b.taxes["S10"]},
        {"description": "Books", "quantity": "3", "unitPrice": "1234", "taxRateId": b.taxes["S8"]},
    ]})).await;
    assert_eq!(dec(&inv["amountTotal"]), num("333998"), "{inv}");
    assert_eq!(inv["registrationNumber"], "T2876543210987");
    assert!(
        inv["number"]
            .as_str()
            .expect("number")
            .starts_with("INV-2025-")
    );
    let bill = invoice(app, &t, json!({"kind": "SUPPLIER_BILL", "partyId": supplier, "issueDate": "2025-06-01", "receivedOn": "2025-06-01",
        "lines": [{"description": "Office rent June", "accountId": b.accounts["6020"], "quantity": "1", "unitPrice": "150000", "taxRateId": b.taxes["P10"]}]})).await;
    assert_eq!(dec(&bill["amountTotal"]), num("165000"), "{bill}");
    assert_eq!(
        bill["registrationNumber"], "T9234567890123",
        "a bill carries the supplier's number"
    );

    // Paid in part; an overpayment is refused and changes nothing.
    let paid = app.gql(Some(&t.token), PAY, json!({"i": {"kind": "INBOUND", "partyId": customer, "date": "2025-06-15", "amount": "200000",
        "allocations": [{"invoiceId": inv["id"], "amount": "200000"}]}})).await.ok();
    let payment = paid.data()["recordPayment"]["payment"].clone();
    assert_eq!(
        dec(&payment["amountUnallocated"]),
        Decimal::ZERO,
        "{}",
        paid.body
    );
    let over = app.gql(Some(&t.token), PAY, json!({"i": {"kind": "INBOUND", "partyId": customer, "date": "2025-06-20", "amount": "200000",
        "allocations": [{"invoiceId": inv["id"], "amount": "200000"}]}})).await.ok();
    assert_eq!(
        over.data()["recordPayment"]["errors"][0]["code"],
        "OVERPAYMENT",
        "{}",
        over.body
    );
    let too_much = app.gql(Some(&t.token), PAY, json!({"i": {"kind": "INBOUND", "partyId": customer, "date": "2025-06-20", "amount": "100",
        "allocations": [{"invoiceId": inv["id"], "amount": "200"}]}})).await.ok();
    assert_eq!(
        too_much.data()["recordPayment"]["errors"][0]["code"],
        "OVER_ALLOCATED",
        "{}",
        too_much.body
    );
    let status = app.gql(Some(&t.token), "query($id: ID!) { invoice(id: $id) { paymentStatus amountPaid amountDue allocations { amount payment { number } } } }", json!({"id": inv["id"]})).await.ok();
    let s = &status.data()["invoice"];
    assert_eq!(
        s["paymentStatus"], "OVERDUE",
        "due 2025-06-09, still owing: {s}"
    );
    assert_eq!(dec(&s["amountDue"]), num("133998"));
    assert_eq!(
        s["allocations"].as_array().map(Vec::len),
        Some(1),
        "the refused payments left nothing"
    );
    let sent = app.gql(Some(&t.token), PAY, json!({"i": {"kind": "OUTBOUND", "partyId": supplier, "date": "2025-06-30", "amount": "165000",
        "allocations": [{"invoiceId": bill["id"], "amount": "165000"}]}})).await.ok();
    assert!(
        sent.data()["recordPayment"]["payment"].is_object(),
        "{}",
        sent.body
    );

    // The bank statement, imported twice, reconciled automatically; a wrong match is refused.
    const IMPORT: &str = "mutation($i: ImportBankStatementInput!) { importBankStatement(input: $i) { imported { id amount } skipped errors { field code } } }";
    let csv = "date,amount,description,reference\n2025-06-15,200000,\"Transfer from CUST, thank you\",R1\n2025-06-30,-165000,Rent,R2\n2025-07-01,5000,Interest,\n";
    let first = app
        .gql(
            Some(&t.token),
            IMPORT,
            json!({"i": {"journalId": b.journals["BNK"], "csv": csv}}),
        )
        .await
        .ok();
    assert_eq!(
        first.data()["importBankStatement"]["imported"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "{}",
        first.body
    );
    let second = app
        .gql(
            Some(&t.token),
            IMPORT,
            json!({"i": {"journalId": b.journals["BNK"], "csv": csv}}),
        )
        .await
        .ok();
    assert_eq!(second.data()["importBankStatement"]["skipped"], 3);
    let broken = app.gql(Some(&t.token), IMPORT, json!({"i": {"journalId": b.journals["BNK"], "csv": "date,amount,description\n2025-13-01,5,x\n"}})).await.ok();
    assert_eq!(
        broken.data()["importBankStatement"]["errors"][0]["field"],
        json!(["csv", "2"])
    );
    let auto = app
        .gql(
            Some(&t.token),
            "mutation($j: ID!) { autoReconcileBankTransactions(journalId: $j) }",
            json!({"j": b.journals["BNK"]}),
        )
        .await
        .ok();
    // Ours two, and the receipt the tenant was seeded with.
    assert_eq!(auto.data()["autoReconcileBankTransactions"], 3);
    let interest = first.data()["importBankStatement"]["imported"][2]["id"].clone();
    let wrong = app.gql(Some(&t.token), "mutation($i: ReconcileBankTransactionInput!) { reconcileBankTransaction(input: $i) { errors { code } } }",
        json!({"i": {"id": interest, "paymentId": payment["id"]}})).await.ok();
    assert_eq!(
        wrong.data()["reconcileBankTransaction"]["errors"][0]["code"],
        "AMOUNT_MISMATCH"
    );

    // Close the year: P&L into retained earnings, books locked.
    let closed = app.gql(Some(&t.token), "mutation($i: JournalEntryTransitionInput!) { closeFiscalYear(input: $i) { fiscalYear { status closingEntry { number total } } errors { code message } } }",
        json!({"i": {"id": fy["id"], "expectedVersion": fy["version"]}})).await.ok();
    let c = &closed.data()["closeFiscalYear"]["fiscalYear"];
    assert_eq!(c["status"], "CLOSED", "{}", closed.body);
    assert_eq!(
        dec(&c["closingEntry"]["total"]),
        num("303702"),
        "income 303,702 and rent 150,000 closed: {c}"
    );
    let late = entry(app, &t.token, json!({"date": "2026-03-15", "post": true, "lines": [line(&b.accounts["6020"], 1000, 0), line(&b.accounts["1020"], 0, 1000)]})).await;
    assert_eq!(codes(&late), ["PERIOD_LOCKED"], "{late}");

    // The statements, by hand: bank 1,000,000 + 200,000 - 165,000; receivable 133,998; input tax
    // 15,000; output tax 30,296; capital 1,000,000; retained earnings 303,702 - 150,000.
    let r = app.gql(Some(&t.token), r#"{
        pl: profitAndLoss(from: "2025-04-01", to: "2026-03-31") { totalIncome totalExpenses netProfit }
        bs: balanceSheet(at: "2026-03-31") { totalAssets totalLiabilities totalEquity currentEarnings balanced
              assets { account { code } amount } equity { account { code } amount } }
        tb: trialBalance(from: "2025-04-01", to: "2026-03-31") { totalDebit totalCredit totalClosing }
        tax: taxSummary(from: "2025-04-01", to: "2026-03-31") { outputTax inputTax netPayable sales { taxRate { code } taxable tax } }
        cf: cashFlow(from: "2025-04-01", to: "2026-03-31") { openingCash netOperating financing closingCash operating { category amount } }
        ar: agedReceivables(at: "2026-03-31") { total { over90Days total } rows { party { code } } }
        ap: agedPayables(at: "2026-03-31") { total { total } }
        kpi: financeKpis(from: "2025-04-01", to: "2026-03-31") { dso creditSales documentsPosted documentsCorrected invoiceProcessingDays }
        gl: generalLedger(accountId: "ACCOUNT", from: "2025-04-01", to: "2026-03-31") { opening closing lines { debit credit balance } }
        verifyLedger { valid }
    }"#.replace("ACCOUNT", &b.accounts["1020"]).as_str(), json!({})).await.ok();
    let d = r.data();
    assert_eq!(dec(&d["pl"]["totalIncome"]), num("303702"), "{d}");
    assert_eq!(
        dec(&d["pl"]["netProfit"]),
        num("153702"),
        "a closed year still shows its result"
    );
    assert_eq!(dec(&d["bs"]["totalAssets"]), num("1183998"), "{d}");
    assert_eq!(dec(&d["bs"]["totalLiabilities"]), num("30296"));
    assert_eq!(dec(&d["bs"]["totalEquity"]), num("1153702"));
    assert_eq!(
        dec(&d["bs"]["currentEarnings"]),
        Decimal::ZERO,
        "the result is in retained earnings"
    );
    assert_eq!(d["bs"]["balanced"], true);
    let retained = d["bs"]["equity"]
        .as_array()
        .expect("equity")
        .iter()
        .find(|r| r["account"]["code"] == "3100")
        .expect("retained earnings");
    assert_eq!(dec(&retained["amount"]), num("153702"));
    assert_eq!(d["tb"]["totalDebit"], d["tb"]["totalCredit"]);
    assert_eq!(dec(&d["tb"]["totalClosing"]), Decimal::ZERO);
    assert_eq!(dec(&d["tax"]["outputTax"]), num("30296"), "{d}");
    assert_eq!(dec(&d["tax"]["inputTax"]), num("15000"));
    assert_eq!(dec(&d["tax"]["netPayable"]), num("15296"));
    let s8 = d["tax"]["sales"]
        .as_array()
        .expect("sales")
        .iter()
        .find(|r| r["taxRate"]["code"] == "S8")
        .expect("S8");
    assert_eq!(
        (dec(&s8["taxable"]), dec(&s8["tax"])),
        (num("3702"), num("296"))
    );
    assert_eq!(dec(&d["cf"]["openingCash"]), Decimal::ZERO);
    assert_eq!(dec(&d["cf"]["netOperating"]), num("35000"), "{d}");
    assert_eq!(dec(&d["cf"]["financing"]), num("1000000"));
    assert_eq!(dec(&d["cf"]["closingCash"]), num("1035000"));
    assert_eq!(dec(&d["ar"]["total"]["over90Days"]), num("133998"), "{d}");
    assert_eq!(d["ar"]["rows"][0]["party"]["code"], "CUST");
    assert_eq!(dec(&d["ap"]["total"]["total"]), Decimal::ZERO);
    assert_eq!(dec(&d["kpi"]["creditSales"]), num("333998"));
    assert_eq!(
        dec(&d["kpi"]["dso"]),
        num("146.4"),
        "133,998 / 333,998 x 365 days"
    );
    assert_eq!(
        d["kpi"]["documentsPosted"], 3,
        "two documents and the opening entry"
    );
    assert_eq!(d["kpi"]["documentsCorrected"], 0);
    assert!(
        dec(&d["kpi"]["invoiceProcessingDays"]) > Decimal::ZERO,
        "the bill was received long before it was posted"
    );
    assert_eq!(dec(&d["gl"]["closing"]), num("1035000"));
    assert_eq!(d["gl"]["lines"].as_array().map(Vec::len), Some(3));
    assert_eq!(d["verifyLedger"]["valid"], true);
}

#[tokio::test]
async fn stop_budgets_refuse_overspending_and_budget_vs_actual_adds_up() {
    let app = shared();
    let t = app.new_tenant().await;
    let b = books(app, &t).await;
    let fy = app
        .gql(
            Some(&t.token),
            "{ fiscalYears { nodes { id name } } }",
            json!({}),
        )
        .await
        .ok();
    let fy = fy.data()["fiscalYears"]["nodes"][0]["id"].clone();
    const CREATE: &str = "mutation($i: CreateBudgetInput!) { createBudget(input: $i) { budget { id action distribution } errors { field code } } }";
    let budget = app
        .gql(Some(&t.token), CREATE, json!({"i": {"name": "Travel", "fiscalYearId": fy, "accountId": b.accounts["6040"], "amount": "100000", "action": "STOP"}}))
        .await
        .ok();
    assert_eq!(
        budget.data()["createBudget"]["budget"]["action"],
        "STOP",
        "{}",
        budget.body
    );
    for (input, code) in [
        (
            json!({"name": "Again", "fiscalYearId": fy, "accountId": b.accounts["6040"], "amount": "1"}),
            "DUPLICATE",
        ),
        (
            json!({"name": "Group", "fiscalYearId": fy, "accountId": b.accounts["5000"], "amount": "1"}),
            "INVALID",
        ),
        (
            json!({"name": "Bank", "fiscalYearId": fy, "accountId": b.accounts["1020"], "amount": "1"}),
            "INVALID",
        ),
        (
            json!({"name": "Months", "fiscalYearId": fy, "accountId": b.accounts["6050"], "amount": "1", "distribution": ["50", "50"]}),
            "INVALID",
        ),
    ] {
        let r = app
            .gql(Some(&t.token), CREATE, json!({"i": input}))
            .await
            .ok();
        assert_eq!(
            r.data()["createBudget"]["errors"][0]["code"],
            code,
            "{}",
            r.body
        );
    }
    let accountant = app.add_member(&t, &[BuiltinRole::Accountant]).await;
    let travel = |amount: i64| json!({"date": "2026-07-10", "post": true, "lines": [line(&b.accounts["6040"], amount, 0), line(&b.accounts["1020"], 0, amount)]});
    let first = entry(app, &accountant, travel(80_000)).await;
    assert_eq!(first["journalEntry"]["status"], "POSTED", "{first}");
    let over = entry(app, &accountant, travel(30_000)).await;
    assert_eq!(codes(&over), ["BUDGET_EXCEEDED"], "{over}");
    let manager = entry(app, &t.token, travel(30_000)).await;
    assert_eq!(
        manager["journalEntry"]["status"], "POSTED",
        "a finance manager may go beyond: {manager}"
    );
    let report = app
        .gql(Some(&t.token), "query($f: ID!) { budgetVsActual(fiscalYearId: $f) { rows { account { code } budgetForYear actual variance percent exceeded } } }", json!({"f": fy}))
        .await
        .ok();
    let rows = report.data()["budgetVsActual"]["rows"]
        .as_array()
        .expect("rows")
        .clone();
    let row = rows
        .iter()
        .find(|r| r["account"]["code"] == "6040")
        .expect("travel row");
    assert_eq!(dec(&row["actual"]), num("110000"), "{row}");
    assert_eq!(dec(&row["variance"]), num("-10000"));
    assert_eq!(dec(&row["percent"]), num("110"));
    assert_eq!(row["exceeded"], true);
}

#[tokio::test]
async fn fixed_assets_depreciate_month_by_month_and_are_disposed() {
    let app = shared();
    let t = app.new_tenant().await;
    let b = books(app, &t).await;
    const CREATE: &str = "mutation($i: CreateFixedAssetInput!) { createFixedAsset(input: $i) {
        fixedAsset { id version status bookValue schedule { date amount bookValue } } errors { field code } } }";
    let input = |salvage: &str| {
        json!({"i": {"code": "FA-100", "name": "Server rack", "assetAccountId": b.accounts["1500"],
        "accumulatedAccountId": b.accounts["1510"], "expenseAccountId": b.accounts["6070"], "cost": "1200000",
        "salvageValue": salvage, "inUseDate": "2026-04-10", "method": "STRAIGHT_LINE", "usefulLifeMonths": 24}})
    };
    let bad = app.gql(Some(&t.token), CREATE, input("1200000")).await.ok();
    assert_eq!(
        bad.data()["createFixedAsset"]["errors"][0]["code"],
        "INVALID",
        "salvage must stay below cost: {}",
        bad.body
    );
    let made = app.gql(Some(&t.token), CREATE, input("0")).await.ok();
    let asset = made.data()["createFixedAsset"]["fixedAsset"].clone();
    let schedule = asset["schedule"].as_array().expect("schedule");
    assert_eq!(schedule.len(), 24, "{asset}");
    assert!(
        schedule.iter().all(|l| dec(&l["amount"]) == num("50000")),
        "{asset}"
    );
    assert_eq!(dec(&schedule[23]["bookValue"]), Decimal::ZERO);

    const RUN: &str = "mutation($d: NaiveDate!) { runDepreciation(upTo: $d) { entries { date total } errors { code } } }";
    let run = app
        .gql(Some(&t.token), RUN, json!({"d": "2026-06-30"}))
        .await
        .ok();
    let entries = run.data()["runDepreciation"]["entries"]
        .as_array()
        .expect("entries")
        .clone();
    // The tenant's seed asset came in use today, so only ours has months due.
    assert_eq!(entries.len(), 3, "{}", run.body);
    assert!(entries.iter().all(|e| dec(&e["total"]) == num("50000")));
    let again = app
        .gql(Some(&t.token), RUN, json!({"d": "2026-06-30"}))
        .await
        .ok();
    assert_eq!(
        again.data()["runDepreciation"]["entries"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "nothing is depreciated twice"
    );

    let version = app
        .gql(
            Some(&t.token),
            "query($id: ID!) { fixedAsset(id: $id) { version bookValue } }",
            json!({"id": asset["id"]}),
        )
        .await
        .ok();
    assert_eq!(
        dec(&version.data()["fixedAsset"]["bookValue"]),
        num("1050000")
    );
    let sold = app
        .gql(Some(&t.token), "mutation($i: DisposeFixedAssetInput!) { disposeFixedAsset(input: $i) { fixedAsset { status accumulated bookValue disposalEntry { total } } errors { field code message } } }",
            json!({"i": {"id": asset["id"], "expectedVersion": version.data()["fixedAsset"]["version"], "date": "2026-09-15", "proceeds": "900000", "proceedsAccountId": b.accounts["1020"]}}))
        .await
        .ok();
    let s = &sold.data()["disposeFixedAsset"]["fixedAsset"];
    assert_eq!(s["status"], "DISPOSED", "{}", sold.body);
    // July and August were depreciated first: 250,000 in all; sold at 900,000 for a book value
    // of 950,000, a loss of 50,000.
    assert_eq!(dec(&s["accumulated"]), num("250000"), "{s}");
    assert_eq!(dec(&s["disposalEntry"]["total"]), num("1200000"), "{s}");
    let tb = app.gql(Some(&t.token), "{ trialBalance(from: \"2026-04-01\", to: \"2026-09-30\") { rows { account { code } debit credit closing } } }", json!({})).await.ok();
    let row = |code: &str| {
        tb.data()["trialBalance"]["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["account"]["code"] == code)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        dec(&row("6070")["closing"]),
        num("300000"),
        "depreciation 250,000 and the loss 50,000"
    );
    assert_eq!(
        dec(&row("1510")["closing"]),
        Decimal::ZERO,
        "the accumulated depreciation left with the asset"
    );
}

#[tokio::test]
async fn expense_claims_are_approved_by_others_posted_with_the_advance_netted_and_reimbursed() {
    let app = shared();
    let t = app.new_tenant().await;
    let b = books(app, &t).await;
    let (claimant_id, claimant) = app.add_user(&t, &[BuiltinRole::FinanceManager]).await;
    let (_, approver) = app.add_user(&t, &[BuiltinRole::FinanceManager]).await;
    let _ = claimant_id;
    let rule = app
        .gql(Some(&t.token), "mutation($i: CreateApprovalRuleInput!) { createApprovalRule(input: $i) { errors { code message } } }",
            json!({"i": {"documentType": "ExpenseClaim", "name": "Expenses", "tiers": [{"name": "Finance", "approvers": [{"kind": "ROLE", "role": "finance_manager"}]}]}}))
        .await
        .ok();
    assert_eq!(
        rule.data()["createApprovalRule"]["errors"],
        json!([]),
        "{}",
        rule.body
    );
    const CREATE: &str = "mutation($i: CreateExpenseClaimInput!) { createExpenseClaim(input: $i) { expenseClaim { id version status total amountOwed } errors { field code } } }";
    let bad = app
        .gql(Some(&claimant), CREATE, json!({"i": {"title": "Trip", "advance": "50000", "lines": [{"date": "2026-07-01", "description": "Taxi", "amount": "3000"}]}}))
        .await
        .ok();
    assert_eq!(
        bad.data()["createExpenseClaim"]["errors"][0]["field"],
        json!(["advance"]),
        "an advance beyond the total: {}",
        bad.body
    );
    let made = app
        .gql(Some(&claimant), CREATE, json!({"i": {"title": "Osaka trip", "advance": "10000", "lines": [
            {"date": "2026-07-01", "description": "Shinkansen", "accountId": b.accounts["6040"], "amount": "27000"},
            {"date": "2026-07-02", "description": "Hotel", "accountId": b.accounts["6040"], "amount": "12000"}]}}))
        .await
        .ok();
    let claim = made.data()["createExpenseClaim"]["expenseClaim"].clone();
    assert_eq!(dec(&claim["amountOwed"]), num("29000"), "{}", made.body);
    let submitted = app
        .gql(Some(&claimant), "mutation($i: ExpenseClaimTransitionInput!) { submitExpenseClaim(input: $i) { expenseClaim { status version } errors { code } } }",
            json!({"i": {"id": claim["id"], "expectedVersion": claim["version"]}}))
        .await
        .ok();
    assert_eq!(
        submitted.data()["submitExpenseClaim"]["expenseClaim"]["status"],
        "TO_APPROVE",
        "{}",
        submitted.body
    );
    const APPROVE: &str = "mutation($i: ApproveInput!) { approve(input: $i) { errors { code } } }";
    let own = app
        .gql(
            Some(&claimant),
            APPROVE,
            json!({"i": {"documentId": claim["id"]}}),
        )
        .await
        .ok();
    assert_eq!(
        own.data()["approve"]["errors"][0]["code"],
        "SELF_APPROVAL",
        "{}",
        own.body
    );
    const READ: &str = "query($id: ID!) { expenseClaim(id: $id) { status version journalEntry { total lines { account { code } debit credit } } } }";
    let still = app
        .gql(Some(&t.token), READ, json!({"id": claim["id"]}))
        .await
        .ok();
    assert_eq!(
        still.data()["expenseClaim"]["status"],
        "TO_APPROVE",
        "a refused approval changes nothing"
    );
    let early = app
        .gql(Some(&t.token), "mutation($i: SettleExpenseClaimInput!) { postExpenseClaim(input: $i) { errors { code } } }",
            json!({"i": {"id": claim["id"], "expectedVersion": still.data()["expenseClaim"]["version"], "date": "2026-07-05"}}))
        .await
        .ok();
    assert_eq!(
        early.data()["postExpenseClaim"]["errors"][0]["code"],
        "ILLEGAL_TRANSITION",
        "{}",
        early.body
    );
    let ok = app
        .gql(
            Some(&approver),
            APPROVE,
            json!({"i": {"documentId": claim["id"]}}),
        )
        .await
        .ok();
    assert_eq!(ok.data()["approve"]["errors"], json!([]), "{}", ok.body);
    let approved = app
        .gql(Some(&t.token), READ, json!({"id": claim["id"]}))
        .await
        .ok();
    assert_eq!(approved.data()["expenseClaim"]["status"], "APPROVED");
    let posted = app
        .gql(Some(&t.token), "mutation($i: SettleExpenseClaimInput!) { postExpenseClaim(input: $i) { expenseClaim { status version journalEntry { total lines { account { code } debit credit } } } errors { code } } }",
            json!({"i": {"id": claim["id"], "expectedVersion": approved.data()["expenseClaim"]["version"], "date": "2026-07-05"}}))
        .await
        .ok();
    let p = &posted.data()["postExpenseClaim"]["expenseClaim"];
    assert_eq!(p["status"], "POSTED", "{}", posted.body);
    assert_eq!(dec(&p["journalEntry"]["total"]), num("39000"));
    let credits: Vec<(String, Decimal)> = p["journalEntry"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| dec(&l["credit"]) > Decimal::ZERO)
        .map(|l| {
            (
                l["account"]["code"].as_str().unwrap_or("").to_owned(),
                dec(&l["credit"]),
            )
        })
        .collect();
    assert_eq!(
        credits,
        [
            ("1600".to_owned(), num("10000")),
            ("2020".to_owned(), num("29000"))
        ],
        "the advance is netted"
    );
    let paid = app
        .gql(Some(&t.token), "mutation($i: SettleExpenseClaimInput!) { reimburseExpenseClaim(input: $i) { expenseClaim { status paymentEntry { total } } errors { code } } }",
            json!({"i": {"id": claim["id"], "expectedVersion": p["version"], "date": "2026-07-10", "journalId": b.journals["BNK"]}}))
        .await
        .ok();
    let r = &paid.data()["reimburseExpenseClaim"]["expenseClaim"];
    assert_eq!(r["status"], "PAID", "{}", paid.body);
    assert_eq!(dec(&r["paymentEntry"]["total"]), num("29000"));
}
