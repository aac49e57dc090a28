//! Payroll, from validated attendance to published payslips: the figures of three employees
//! (a full month, two days of unpaid leave, overtime) checked by hand, the one balanced journal
//! entry, year-to-date figures, the refusals that change nothing, and payslips that only their
//! employee (and payroll) can read.
//!
//! The withholding rows are a test fixture, not the National Tax Agency's table.

use std::str::FromStr;

use api::auth::BuiltinRole;
use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{TestTenant, shared};

pub(crate) async fn call(token: &str, q: &str, vars: Value) -> Value {
    shared().gql(Some(token), q, vars).await.ok().data().clone()
}

pub(crate) fn ok(payload: &Value) -> &Value {
    assert_eq!(payload["errors"], json!([]), "{payload}");
    payload
}

pub(crate) fn codes(payload: &Value) -> Vec<String> {
    payload["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {payload}"))
        .iter()
        .map(|e| e["code"].as_str().unwrap_or("").to_owned())
        .collect()
}

pub(crate) fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal: {v}"))).unwrap()
}

pub(crate) fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

/// Creates a resource through its generated mutation and returns the node.
pub(crate) async fn create(t: &TestTenant, what: &str, input: Value) -> Value {
    let node = {
        let mut c = what.chars();
        let first = c.next().unwrap().to_lowercase().collect::<String>();
        first + c.as_str()
    };
    let r = call(
        &t.token,
        &format!("mutation($i: Create{what}Input!) {{ create{what}(input: $i) {{ {node} {{ id }} errors {{ field code message }} }} }}"),
        json!({ "i": input }),
    )
    .await;
    let p = &r[format!("create{what}")];
    ok(p)[&node].clone()
}

pub(crate) fn local(day: NaiveDate, h: u32, m: u32) -> String {
    (day.and_hms_opt(h, m, 0).unwrap().and_utc() - Duration::hours(9)).to_rfc3339()
}

/// Records a worked day from 9:00 to `out` (hour, minute).
pub(crate) async fn day(t: &TestTenant, employee: &str, d: NaiveDate, out: (u32, u32)) {
    let r = call(
        &t.token,
        "mutation($i: RecordAttendanceInput!) { recordAttendance(input: $i) { errors { field code message } } }",
        json!({"i": {"employeeId": employee, "workDate": d, "firstIn": local(d, 9, 0), "lastOut": local(d, out.0, out.1)}}),
    )
    .await;
    ok(&r["recordAttendance"]);
}

pub(crate) fn weekdays(year: i32, month: u32) -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap();
    first
        .iter_days()
        .take_while(|d| d.month() == month)
        .filter(|d| d.weekday().number_from_monday() <= 5)
        .collect()
}

pub(crate) const RUN: &str = "id version status employees grossTotal deductionsTotal netTotal";

pub(crate) async fn run_action(t: &TestTenant, name: &str, run: &Value) -> Value {
    let r = call(
        &t.token,
        &format!("mutation($i: PayrollRunTransitionInput!) {{ {name}(input: $i) {{ payrollRun {{ {RUN} }} errors {{ field code message }} }} }}"),
        json!({"i": {"id": run["id"], "expectedVersion": run["version"]}}),
    )
    .await;
    r[name].clone()
}

pub(crate) async fn new_run(t: &TestTenant, month: &str) -> Value {
    let r = call(
        &t.token,
        &format!("mutation($i: CreatePayrollRunInput!) {{ createPayrollRun(input: $i) {{ payrollRun {{ {RUN} }} errors {{ field code message }} }} }}"),
        json!({"i": {"periodStart": month}}),
    )
    .await;
    r["createPayrollRun"].clone()
}

pub(crate) async fn validate(t: &TestTenant, from: &str, to: &str) {
    let r = call(
        &t.token,
        "mutation($i: AttendanceRangeInput!) { validateAttendance(input: $i) { errors { code message } } }",
        json!({"i": {"from": from, "to": to}}),
    )
    .await;
    ok(&r["validateAttendance"]);
}

pub(crate) const SLIP: &str = "id status paymentDays workingDays overtimeMinutes gross taxable socialInsurance incomeTax deductions net ytdGross ytdIncomeTax ytdNet employee { employeeNumber } lines { code amount }";

#[tokio::test]
async fn payroll_runs_from_attendance_to_a_balanced_entry_and_own_payslips() {
    let app = shared();
    let t = app.new_tenant_with(0).await;
    let (a_user, a_token) = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let (b_user, b_token) = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let hr_token = app.add_member(&t, &[BuiltinRole::HrStaff]).await;
    let schedule = create(&t, "WorkSchedule", json!({"code": "DAY", "name": "Day", "startTime": "09:00:00", "endTime": "18:00:00", "breakMinutes": 60})).await;
    let mut emp = Vec::new();
    for (n, user, wage) in [
        ("A", Some(a_user), "300000"),
        ("B", Some(b_user), "250000"),
        ("C", None, "320000"),
    ] {
        let e = create(&t, "Employee", json!({"employeeNumber": n, "familyName": "Pay", "givenName": n,
            "workEmail": format!("{n}@{}.test.example", t.slug), "hireDate": "2024-04-01", "userId": user})).await;
        let c = create(
            &t,
            "EmploymentContract",
            json!({"employeeId": e["id"], "contractType": "PERMANENT",
            "startDate": "2024-04-01", "wage": wage, "workScheduleId": schedule["id"]}),
        )
        .await;
        let r = call(&t.token, "mutation($i: EmploymentContractTransitionInput!) { startEmploymentContract(input: $i) { errors { code } } }",
            json!({"i": {"id": c["id"], "expectedVersion": 1}})).await;
        ok(&r["startEmploymentContract"]);
        emp.push((id(&e), id(&c)));
    }
    let (a, b, c) = (emp[0].0.clone(), emp[1].0.clone(), emp[2].0.clone());
    for (e, smr) in [(&a, "320000"), (&b, "260000"), (&c, "340000")] {
        for scheme in ["HEALTH", "PENSION"] {
            create(&t, "SocialInsuranceEnrolment", json!({"employeeId": e, "scheme": scheme, "effectiveFrom": "2024-04-01", "standardMonthlyRemuneration": smr})).await;
        }
        create(
            &t,
            "SocialInsuranceEnrolment",
            json!({"employeeId": e, "scheme": "EMPLOYMENT", "effectiveFrom": "2024-04-01"}),
        )
        .await;
    }
    // A formula that does not parse is refused with its position.
    let bad = call(&t.token, "mutation($i: CreateSalaryComponentInput!) { createSalaryComponent(input: $i) { errors { field code message } } }",
        json!({"i": {"code": "BAD", "name": "Bad", "kind": "EARNING", "calc": "FORMULA", "formula": "base*("}})).await;
    assert_eq!(codes(&bad["createSalaryComponent"]), ["INVALID_FORMULA"]);
    let components = [
        json!({"code": "BASE", "name": "Base pay", "kind": "EARNING", "calc": "FORMULA", "formula": "base*payment_days/working_days", "rounding": "UP", "sequence": 10, "inOvertimeBase": true}),
        json!({"code": "COMMUTE", "name": "Commuting", "kind": "EARNING", "calc": "PER_EMPLOYEE", "sequence": 20, "taxable": false}),
        json!({"code": "OVERTIME", "name": "Overtime", "kind": "EARNING", "calc": "FORMULA", "formula": "ot_base*ot_multiplier*overtime_min/(standard_hours*60)", "sequence": 30}),
        json!({"code": "HEALTH", "name": "Health insurance", "kind": "DEDUCTION", "calc": "HEALTH", "rounding": "HALF_DOWN"}),
        json!({"code": "PENSION", "name": "Pension", "kind": "DEDUCTION", "calc": "PENSION", "rounding": "HALF_DOWN"}),
        json!({"code": "EMPLOYMENT", "name": "Employment insurance", "kind": "DEDUCTION", "calc": "EMPLOYMENT_INSURANCE", "rounding": "HALF_DOWN"}),
        json!({"code": "INCOME_TAX", "name": "Income tax", "kind": "DEDUCTION", "calc": "INCOME_TAX"}),
        json!({"code": "RESIDENT_TAX", "name": "Resident tax", "kind": "DEDUCTION", "calc": "PER_EMPLOYEE"}),
    ];
    let structure = create(
        &t,
        "SalaryStructure",
        json!({"code": "MONTHLY", "name": "Monthly"}),
    )
    .await;
    for comp in components {
        let node = create(&t, "SalaryComponent", comp).await;
        create(
            &t,
            "SalaryStructureComponent",
            json!({"structureId": structure["id"], "componentId": node["id"]}),
        )
        .await;
    }
    for (e, commute, resident) in [
        (&a, "15000", "12000"),
        (&b, "10000", "9000"),
        (&c, "20000", "15000"),
    ] {
        create(&t, "SalaryStructureAssignment", json!({"employeeId": e, "structureId": structure["id"], "fromDate": "2026-01-01",
            "amounts": [{"code": "COMMUTE", "amount": commute}, {"code": "RESIDENT_TAX", "amount": resident}]})).await;
    }
    let brackets: Vec<Value> = [
        ("188000", "191000", "3960"),
        ("251000", "254000", "6000"),
        ("293000", "296000", "8250"),
    ]
    .iter()
    .map(|(l, u, a)| json!({"validFrom": "2026-01-01", "lower": l, "upper": u, "amount": a}))
    .collect();
    let r = call(&t.token, "mutation($i: [CreateWithholdingTaxBracketInput!]!) { bulkCreateWithholdingTaxBrackets(inputs: $i) { savedCount failedCount } }", json!({"i": brackets})).await;
    assert_eq!(
        r["bulkCreateWithholdingTaxBrackets"]["savedCount"], 3,
        "{r}"
    );

    // June 2026: 22 working days. A works them all; B takes 11 and 12 June as unpaid leave;
    // C works 310 minutes over on 2 and 3 June (620 in all).
    let june = weekdays(2026, 6);
    assert_eq!(june.len(), 22);
    let unpaid = create(&t, "LeaveType", json!({"code": "UNPAID", "name": "Unpaid leave", "paid": false, "requiresAllocation": false})).await;
    let lv = call(&b_token, "mutation($i: CreateLeaveRequestInput!) { createLeaveRequest(input: $i) { leaveRequest { id version } errors { code message } } }",
        json!({"i": {"leaveTypeId": unpaid["id"], "fromDate": "2026-06-11", "toDate": "2026-06-12"}})).await;
    let lv = ok(&lv["createLeaveRequest"])["leaveRequest"].clone();
    let r = call(&b_token, "mutation($i: LeaveRequestTransitionInput!) { submitLeaveRequest(input: $i) { leaveRequest { status } errors { code } } }",
        json!({"i": {"id": lv["id"], "expectedVersion": lv["version"]}})).await;
    assert_eq!(
        ok(&r["submitLeaveRequest"])["leaveRequest"]["status"],
        "APPROVED"
    );
    for d in &june {
        day(&t, &a, *d, (18, 0)).await;
        if d.day() != 11 && d.day() != 12 {
            day(&t, &b, *d, (18, 0)).await;
        }
        day(
            &t,
            &c,
            *d,
            if d.day() == 2 || d.day() == 3 {
                (23, 10)
            } else {
                (18, 0)
            },
        )
        .await;
    }
    let run = ok(&new_run(&t, "2026-06-01").await)["payrollRun"].clone();
    // Nothing is computed before the month is validated.
    let r = run_action(&t, "computePayrollRun", &run).await;
    assert_eq!(codes(&r), ["ATTENDANCE_UNVALIDATED"]);
    validate(&t, "2026-06-01", "2026-06-30").await;
    let r = run_action(&t, "computePayrollRun", &run).await;
    let run = ok(&r)["payrollRun"].clone();
    assert_eq!(run["employees"], 3);
    assert_eq!(dec(&run["grossTotal"]), Decimal::from(918_106));
    assert_eq!(dec(&run["netTotal"]), Decimal::from(728_299));
    // One live run a month.
    assert_eq!(codes(&new_run(&t, "2026-06-15").await), ["ALREADY_RUN"]);

    // Attendance that changes after computing stops the posting until the run is computed
    // again.
    let r = call(&hr_token, "mutation($i: AttendanceRangeInput!) { reopenAttendance(input: $i) { result { reopened } errors { code } } }",
        json!({"i": {"from": "2026-06-01", "to": "2026-06-01", "employeeIds": [a]}})).await;
    assert_eq!(ok(&r["reopenAttendance"])["result"]["reopened"], 1);
    assert_eq!(
        codes(&run_action(&t, "postPayrollRun", &run).await),
        ["ATTENDANCE_UNVALIDATED"]
    );
    validate(&t, "2026-06-01", "2026-06-30").await;
    let run = ok(&run_action(&t, "computePayrollRun", &run).await)["payrollRun"].clone();
    assert_eq!(dec(&run["netTotal"]), Decimal::from(728_299));

    let slips = call(
        &t.token,
        &format!(
            "query($r: ID!) {{ payslips(filter: {{run: {{eq: $r}}}}) {{ nodes {{ {SLIP} }} }} }}"
        ),
        json!({"r": run["id"]}),
    )
    .await;
    let slip = |n: &str| -> Value {
        slips["payslips"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["employee"]["employeeNumber"] == n)
            .cloned()
            .unwrap()
    };
    let line = |s: &Value, code: &str| -> Decimal {
        s["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["code"] == code)
            .map(|l| dec(&l["amount"]))
            .unwrap_or_default()
    };
    // (employee, payment days, BASE, OVERTIME, gross, health, pension, employment, taxable, tax, deductions, net)
    let expected = [
        (
            "A", "22", 300_000, 0, 315_000, 15_968, 29_280, 1_890, 252_862, 6_000, 65_138, 249_862,
        ),
        (
            "B", "20", 227_273, 0, 237_273, 12_974, 23_790, 1_424, 189_085, 3_960, 51_148, 186_125,
        ),
        (
            "C", "22", 320_000, 25_833, 365_833, 16_966, 31_110, 2_195, 295_562, 8_250, 73_521,
            292_312,
        ),
    ];
    for (n, days, base, ot, gross, health, pension, employment, taxable, tax, deductions, net) in
        expected
    {
        let s = slip(n);
        assert_eq!(s["paymentDays"], days, "{n}: {s}");
        assert_eq!(s["workingDays"], 22);
        assert_eq!(line(&s, "BASE"), Decimal::from(base), "{n} BASE");
        assert_eq!(line(&s, "OVERTIME"), Decimal::from(ot), "{n} OVERTIME");
        assert_eq!(dec(&s["gross"]), Decimal::from(gross), "{n} gross");
        assert_eq!(line(&s, "HEALTH"), Decimal::from(health), "{n} HEALTH");
        assert_eq!(line(&s, "PENSION"), Decimal::from(pension), "{n} PENSION");
        assert_eq!(
            line(&s, "EMPLOYMENT"),
            Decimal::from(employment),
            "{n} EMPLOYMENT"
        );
        assert_eq!(
            dec(&s["socialInsurance"]),
            Decimal::from(health + pension + employment)
        );
        assert_eq!(dec(&s["taxable"]), Decimal::from(taxable), "{n} taxable");
        assert_eq!(dec(&s["incomeTax"]), Decimal::from(tax), "{n} tax");
        assert_eq!(
            dec(&s["deductions"]),
            Decimal::from(deductions),
            "{n} deductions"
        );
        assert_eq!(dec(&s["net"]), Decimal::from(net), "{n} net");
        assert!(
            s["lines"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["code"] != "OVERTIME" || ot > 0),
            "zero lines are dropped"
        );
    }
    assert_eq!(slip("C")["overtimeMinutes"], 620);

    // Nobody reads a payslip before it is published, not even their own.
    let mine = call(&a_token, "{ payslips { nodes { id } } }", json!({})).await;
    assert_eq!(mine["payslips"]["nodes"], json!([]));

    // Posting: one entry, debits equal credits at 918,106.
    let posted = ok(&run_action(&t, "postPayrollRun", &run).await)["payrollRun"].clone();
    assert_eq!(posted["status"], "POSTED");
    let entry = call(&t.token, "query($r: ID!) { payrollRun(id: $r) { journalEntry { date status lines { account { code } debit credit } } } }", json!({"r": run["id"]})).await;
    let je = &entry["payrollRun"]["journalEntry"];
    assert_eq!(je["date"], "2026-06-30");
    let mut by_account: std::collections::BTreeMap<String, (Decimal, Decimal)> = Default::default();
    for l in je["lines"].as_array().unwrap() {
        let e = by_account
            .entry(l["account"]["code"].as_str().unwrap().to_owned())
            .or_default();
        e.0 += dec(&l["debit"]);
        e.1 += dec(&l["credit"]);
    }
    assert_eq!(
        by_account["6010"],
        (Decimal::from(918_106), Decimal::ZERO),
        "{je}"
    );
    assert_eq!(
        by_account["2200"],
        (Decimal::ZERO, Decimal::from(189_807)),
        "{je}"
    );
    assert_eq!(
        by_account["2020"],
        (Decimal::ZERO, Decimal::from(728_299)),
        "{je}"
    );
    let withheld: Vec<Decimal> = je["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["account"]["code"] == "2200")
        .map(|l| dec(&l["credit"]))
        .collect();
    let mut withheld = withheld;
    withheld.sort();
    let mut want: Vec<Decimal> = [5_509, 18_210, 36_000, 45_908, 84_180]
        .into_iter()
        .map(Decimal::from)
        .collect();
    want.sort();
    assert_eq!(
        withheld, want,
        "one credit per deduction: employment, income tax, resident tax, health, pension"
    );
    let v = call(&t.token, "{ verifyLedger { valid } }", json!({})).await;
    assert_eq!(v["verifyLedger"]["valid"], true);
    // The paid month's attendance stays closed.
    let r = call(
        &hr_token,
        "mutation($i: AttendanceRangeInput!) { reopenAttendance(input: $i) { errors { code } } }",
        json!({"i": {"from": "2026-06-01", "to": "2026-06-30"}}),
    )
    .await;
    assert_eq!(codes(&r["reopenAttendance"]), ["LOCKED"]);

    // Leave the run paid cannot be cancelled any more.
    let r = call(&b_token, "mutation($i: LeaveRequestTransitionInput!) { cancelLeaveRequest(input: $i) { errors { code } } }",
        json!({"i": {"id": lv["id"], "expectedVersion": lv["version"].as_i64().unwrap() + 2}})).await;
    assert_eq!(codes(&r["cancelLeaveRequest"]), ["LOCKED"]);

    // Published: A reads their own payslip and nobody else's.
    let published = ok(&run_action(&t, "publishPayrollRun", &posted).await)["payrollRun"].clone();
    assert_eq!(published["status"], "PUBLISHED");
    let mine = call(
        &a_token,
        "{ payslips { nodes { id net lines { code amount } run { id } } } }",
        json!({}),
    )
    .await;
    let nodes = mine["payslips"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{mine}");
    assert_eq!(dec(&nodes[0]["net"]), Decimal::from(249_862));
    assert_eq!(
        nodes[0]["run"],
        Value::Null,
        "the run's totals are payroll's"
    );
    let b_slip = id(&slip("B"));
    let theirs = call(
        &a_token,
        "query($id: ID!) { payslip(id: $id) { id } node(id: $id) { id } }",
        json!({"id": b_slip}),
    )
    .await;
    assert_eq!(theirs["payslip"], Value::Null);
    assert_eq!(theirs["node"], Value::Null);
    let hr_sees = call(&hr_token, "{ payslips { nodes { id } } }", json!({})).await;
    assert_eq!(
        hr_sees["payslips"]["nodes"],
        json!([]),
        "HR staff without VIEW_PAYROLL see only their own"
    );
    let (key, _) = app.api_key(&t, &["VIEW_PAYROLL"]).await;
    let body = json!({"query": "query($id: ID!) { payslip(id: $id) { gross } }", "variables": {"id": b_slip}});
    assert_eq!(
        app.post(&[("x-api-key", &key)], body).await.code(),
        "FORBIDDEN",
        "amounts need VIEW_PAY"
    );

    // July: B and C left at the end of June; A's second slip carries the year to date.
    for (e, contract) in [(&b, &emp[1].1), (&c, &emp[2].1)] {
        let _ = e;
        let r = call(&t.token, "mutation($i: EmploymentContractTransitionInput!) { endEmploymentContract(input: $i) { errors { code message } } }",
            json!({"i": {"id": contract, "expectedVersion": 2, "endDate": "2026-06-30", "reason": "Resigned"}})).await;
        ok(&r["endEmploymentContract"]);
    }
    for d in weekdays(2026, 7) {
        day(&t, &a, d, (18, 0)).await;
    }
    validate(&t, "2026-07-01", "2026-07-31").await;
    let july = ok(&new_run(&t, "2026-07-01").await)["payrollRun"].clone();
    let july = ok(&run_action(&t, "computePayrollRun", &july).await)["payrollRun"].clone();
    assert_eq!(july["employees"], 1);
    let s = call(
        &t.token,
        &format!(
            "query($r: ID!) {{ payslips(filter: {{run: {{eq: $r}}}}) {{ nodes {{ {SLIP} }} }} }}"
        ),
        json!({"r": july["id"]}),
    )
    .await;
    let s = &s["payslips"]["nodes"][0];
    assert_eq!(dec(&s["net"]), Decimal::from(249_862));
    assert_eq!(dec(&s["ytdGross"]), Decimal::from(630_000));
    assert_eq!(dec(&s["ytdIncomeTax"]), Decimal::from(12_000));
    assert_eq!(dec(&s["ytdNet"]), Decimal::from(499_724));

    // Cancelling the posted June run reverses its entry; June can then run again.
    let cancelled = ok(&run_action(&t, "cancelPayrollRun", &published).await)["payrollRun"].clone();
    assert_eq!(cancelled["status"], "CANCELLED");
    let r = call(
        &t.token,
        "query($r: ID!) { payrollRun(id: $r) { reversalEntry { lines { debit credit } } } }",
        json!({"r": run["id"]}),
    )
    .await;
    let reversal = &r["payrollRun"]["reversalEntry"]["lines"];
    let debits: Decimal = reversal
        .as_array()
        .unwrap()
        .iter()
        .map(|l| dec(&l["debit"]))
        .sum();
    assert_eq!(debits, Decimal::from(918_106));
    ok(&new_run(&t, "2026-06-01").await);
    let v = call(&t.token, "{ verifyLedger { valid } }", json!({})).await;
    assert_eq!(v["verifyLedger"]["valid"], true);
}
