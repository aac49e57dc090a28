//! HR, attendance to leave: one attendance row per employee and day, leave that never overlaps
//! and balances that never go negative, overtime that warns and then blocks under the 36
//! agreement, and one running contract per employee.

use api::auth::BuiltinRole;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestTenant, shared};

/// A tenant with a worker who reports to a manager (both with users and employee records), an
/// HR staff member, a work schedule and the worker's running contract.
struct Hr {
    t: TestTenant,
    worker: (Uuid, String),
    worker_id: String,
    manager: (Uuid, String),
    hr: String,
    schedule: String,
    contract: String,
}

async fn call(token: &str, q: &str, vars: Value) -> Value {
    shared().gql(Some(token), q, vars).await.ok().data().clone()
}

fn codes(payload: &Value) -> Vec<String> {
    payload["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors list in {payload}"))
        .iter()
        .map(|e| e["code"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn ok(payload: &Value) -> &Value {
    assert_eq!(payload["errors"], json!([]), "{payload}");
    payload
}

async fn employee(
    app: &TestApp,
    t: &TestTenant,
    n: &str,
    user: Option<Uuid>,
    manager: Option<&str>,
    hired: &str,
) -> String {
    let r = call(
        &t.token,
        "mutation($i: CreateEmployeeInput!) { createEmployee(input: $i) { employee { id } errors { field code message } } }",
        json!({"i": {
            "employeeNumber": n, "familyName": "Test", "givenName": n,
            "workEmail": format!("{n}@{}.test.example", t.slug), "hireDate": hired,
            "managerId": manager, "userId": user,
        }}),
    )
    .await;
    let _ = app;
    ok(&r["createEmployee"])["employee"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const CONTRACT: &str =
    "mutation($i: CreateEmploymentContractInput!) { createEmploymentContract(input: $i) {
    employmentContract { id version status number } errors { field code message } } }";
const START: &str =
    "mutation($i: EmploymentContractTransitionInput!) { startEmploymentContract(input: $i) {
    employmentContract { id version status endDate } errors { field code message } } }";

/// A contract of the worker, created and (when `start`) started.
async fn contract(h: &Hr, employee: &str, input: Value, start: bool) -> Value {
    let mut i = input;
    i["employeeId"] = json!(employee);
    i["workScheduleId"] = json!(h.schedule);
    let r = call(&h.t.token, CONTRACT, json!({ "i": i })).await;
    let c = r["createEmploymentContract"].clone();
    if !start || !c["errors"].as_array().unwrap().is_empty() {
        return c;
    }
    let id = &c["employmentContract"];
    let r = call(
        &h.t.token,
        START,
        json!({"i": {"id": id["id"], "expectedVersion": id["version"]}}),
    )
    .await;
    r["startEmploymentContract"].clone()
}

/// `weekdays`: the schedule's ISO weekdays.
async fn hr_org(weekdays: &[i32]) -> Hr {
    let app = shared();
    let t = app.new_tenant().await;
    let worker = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let manager = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let hr = app.add_member(&t, &[BuiltinRole::HrStaff]).await;
    let m = employee(app, &t, "M-1", Some(manager.0), None, "2020-04-01").await;
    let worker_id = employee(app, &t, "W-1", Some(worker.0), Some(&m), "2024-04-01").await;
    let r = call(
        &t.token,
        "mutation($i: CreateWorkScheduleInput!) { createWorkSchedule(input: $i) { workSchedule { id dailyMinutes halfDayMinutes weekdays } errors { field code message } } }",
        json!({"i": {"code": "DAY", "name": "Day shift", "startTime": "09:00:00", "endTime": "18:00:00",
                      "breakMinutes": 60, "graceMinutes": 5, "weekdays": weekdays}}),
    )
    .await;
    let s = ok(&r["createWorkSchedule"])["workSchedule"].clone();
    assert_eq!(s["dailyMinutes"], 480);
    assert_eq!(s["halfDayMinutes"], 240);
    let mut h = Hr {
        t,
        worker,
        worker_id,
        manager,
        hr,
        schedule: s["id"].as_str().unwrap().to_owned(),
        contract: String::new(),
    };
    let c = contract(
        &h,
        &h.worker_id.clone(),
        json!({"contractType": "PERMANENT", "startDate": "2024-04-01", "wage": "300000"}),
        true,
    )
    .await;
    assert_eq!(ok(&c)["employmentContract"]["status"], "RUNNING");
    h.contract = c["employmentContract"]["id"].as_str().unwrap().to_owned();
    h
}

/// Today in Japan.
fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(9)).date_naive()
}

/// A local (UTC+9) time on a day, as RFC 3339.
fn at(day: NaiveDate, h: u32, m: u32) -> String {
    let local = day.and_hms_opt(h, m, 0).unwrap();
    (local.and_utc() - Duration::hours(9)).to_rfc3339()
}

const EVENT: &str = "mutation($i: TimeEventInput!) { recordTimeEvent(input: $i) {
    timeEvent { id workDate source } warnings errors { field code message } } }";
const DAYS: &str = "query($f: AttendanceDayFilter) { attendanceDays(filter: $f, first: 100) { nodes {
    id version workDate status workedMinutes lateMinutes overtimeMinutes holidayMinutes validated source } } }";

#[tokio::test]
async fn one_attendance_per_employee_per_day() {
    let app = shared();
    let h = hr_org(&[1, 2, 3, 4, 5, 6, 7]).await;
    let day = today() - Duration::days(2);
    let w = &h.worker.1;
    // A time clock's key records by badge number, past events included (a buffer uploaded).
    let (clock, _) = app.api_key(&h.t, &["RECORD_TIME_EVENTS"]).await;
    let device = |kind: &str, occurred: String| json!({"query": EVENT, "variables": {"i": {"employeeNumber": "W-1", "kind": kind, "occurredAt": occurred}}});
    // Two pairs on one day: one row, 2 h 57 min + 5 h 30 min, the lunch gap being the break.
    let mut ids = Vec::new();
    for (kind, hh, mm) in [("IN", 9, 3), ("OUT", 12, 0), ("IN", 13, 0), ("OUT", 18, 30)] {
        let r = app
            .post(&[("x-api-key", &clock)], device(kind, at(day, hh, mm)))
            .await
            .ok();
        let p = ok(&r.data()["recordTimeEvent"]).clone();
        assert_eq!(p["timeEvent"]["source"], "DEVICE");
        assert_eq!(p["timeEvent"]["workDate"], day.to_string());
        ids.push(p["timeEvent"]["id"].clone());
    }
    // The clock retrying the last event stores nothing new.
    let again = app
        .post(&[("x-api-key", &clock)], device("OUT", at(day, 18, 30)))
        .await
        .ok();
    assert_eq!(
        ok(&again.data()["recordTimeEvent"])["timeEvent"]["id"],
        ids[3]
    );
    let filter = json!({"f": {"employee": {"eq": h.worker_id}, "workDate": {"eq": day}}});
    let rows = call(&h.t.token, DAYS, filter.clone()).await["attendanceDays"]["nodes"].clone();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    let row = &rows[0];
    assert_eq!(row["workedMinutes"], 507, "{row}");
    assert_eq!(row["overtimeMinutes"], 27);
    assert_eq!(
        row["lateMinutes"], 0,
        "three minutes late is inside the grace"
    );
    assert_eq!(row["status"], "PRESENT");
    // In the app, one's own check-in is now; a past time is HR's or a clock's to record.
    let now = call(w, EVENT, json!({"i": {"kind": "IN"}})).await;
    assert_eq!(ok(&now["recordTimeEvent"])["timeEvent"]["source"], "APP");
    let backdated = call(
        w,
        EVENT,
        json!({"i": {"kind": "OUT", "occurredAt": at(day, 23, 0)}}),
    )
    .await;
    assert_eq!(codes(&backdated["recordTimeEvent"]), ["INVALID"]);
    // The worker reads their own days; the manager (no VIEW_ATTENDANCE) sees none of them.
    let own = call(w, DAYS, json!({})).await;
    assert_eq!(
        own["attendanceDays"]["nodes"].as_array().unwrap().len(),
        2,
        "{own}"
    );
    let theirs = call(&h.manager.1, DAYS, json!({})).await;
    assert_eq!(theirs["attendanceDays"]["nodes"], json!([]));
    // A manual record on a day with a row is a duplicate.
    let manual = call(
        &h.hr,
        "mutation($i: RecordAttendanceInput!) { recordAttendance(input: $i) { attendanceDay { id } errors { field code } } }",
        json!({"i": {"employeeId": h.worker_id, "workDate": day, "status": "ABSENT"}}),
    )
    .await;
    assert_eq!(codes(&manual["recordAttendance"]), ["DUPLICATE"]);
    // A late arrival the next day: past the grace, the minutes count from the start.
    let next = day + Duration::days(1);
    for (kind, hh, mm) in [("IN", 9, 20), ("OUT", 18, 0)] {
        let r = app
            .post(&[("x-api-key", &clock)], device(kind, at(next, hh, mm)))
            .await
            .ok();
        ok(&r.data()["recordTimeEvent"]);
    }
    let rows = call(
        &h.t.token,
        DAYS,
        json!({"f": {"employee": {"eq": h.worker_id}, "workDate": {"eq": next}}}),
    )
    .await;
    let late = &rows["attendanceDays"]["nodes"][0];
    assert_eq!(late["status"], "LATE", "{late}");
    assert_eq!(late["lateMinutes"], 20);
    assert_eq!(late["workedMinutes"], 460);
    // A key without RECORD_TIME_EVENTS records nobody's time.
    let (plain, _) = app.api_key(&h.t, &["VIEW_EMPLOYEES"]).await;
    assert_eq!(
        app.post(&[("x-api-key", &plain)], device("IN", at(next, 8, 0)))
            .await
            .code(),
        "FORBIDDEN"
    );
    // Nobody records time before their hire date, nor in the future.
    let future = (today() + Duration::days(30)).to_string();
    employee(app, &h.t, "N-1", None, None, &future).await;
    let body = json!({"query": EVENT, "variables": {"i": {"employeeNumber": "N-1", "kind": "IN"}}});
    let r = app.post(&[("x-api-key", &clock)], body).await.ok();
    assert_eq!(codes(&r.data()["recordTimeEvent"]), ["BEFORE_HIRE"]);
    let r = app
        .post(
            &[("x-api-key", &clock)],
            device("IN", (Utc::now() + Duration::hours(1)).to_rfc3339()),
        )
        .await
        .ok();
    assert_eq!(codes(&r.data()["recordTimeEvent"]), ["FUTURE_DATE"]);
    // Validated, the day keeps its figures: a new event is stored with a warning, and a
    // correction is locked until the day is reopened.
    let range = json!({"i": {"from": day, "to": day, "employeeIds": [h.worker_id]}});
    let v = call(
        &h.hr,
        "mutation($i: AttendanceRangeInput!) { validateAttendance(input: $i) { result { employees validated absent } errors { code } } }",
        range.clone(),
    )
    .await;
    assert_eq!(ok(&v["validateAttendance"])["result"]["validated"], 1);
    let r = app
        .post(&[("x-api-key", &clock)], device("OUT", at(day, 20, 0)))
        .await
        .ok();
    assert_eq!(
        ok(&r.data()["recordTimeEvent"])["warnings"],
        json!(["DAY_VALIDATED"])
    );
    let rows = call(
        &h.t.token,
        DAYS,
        json!({"f": {"employee": {"eq": h.worker_id}, "workDate": {"eq": day}}}),
    )
    .await;
    let row = rows["attendanceDays"]["nodes"][0].clone();
    assert_eq!(row["workedMinutes"], 507);
    assert_eq!(row["validated"], true);
    const CORRECT: &str = "mutation($i: CorrectAttendanceInput!) { correctAttendance(input: $i) { attendanceDay { workedMinutes overtimeMinutes source } errors { field code } } }";
    let fix = json!({"i": {"id": row["id"], "expectedVersion": row["version"], "firstIn": at(day, 9, 0),
                          "lastOut": at(day, 20, 0), "reason": "Forgot to check out"}});
    let r = call(&h.hr, CORRECT, fix.clone()).await;
    assert_eq!(codes(&r["correctAttendance"]), ["LOCKED"]);
    let r = call(
        &h.hr,
        "mutation($i: AttendanceRangeInput!) { reopenAttendance(input: $i) { result { reopened } errors { code } } }",
        range,
    )
    .await;
    assert_eq!(ok(&r["reopenAttendance"])["result"]["reopened"], 1);
    // Reopened, the day counts the event it kept: the last check-out moved to 20:00.
    let rows = call(&h.t.token, DAYS, filter).await;
    let row = rows["attendanceDays"]["nodes"][0].clone();
    assert_eq!(row["workedMinutes"], 597, "{row}");
    let mut fix = fix;
    fix["i"]["expectedVersion"] = row["version"].clone();
    let r = call(&h.hr, CORRECT, fix).await;
    let fixed = &ok(&r["correctAttendance"])["attendanceDay"];
    assert_eq!(fixed["workedMinutes"], 600, "11 h less the hour's break");
    assert_eq!(fixed["overtimeMinutes"], 120);
    assert_eq!(fixed["source"], "manual");
    // Events after a correction by hand do not overwrite it.
    let r = app
        .post(&[("x-api-key", &clock)], device("OUT", at(day, 21, 0)))
        .await
        .ok();
    assert_eq!(
        ok(&r.data()["recordTimeEvent"])["warnings"],
        json!(["DAY_CORRECTED"])
    );
}

const LEAVE: &str = "mutation($i: CreateLeaveRequestInput!) { createLeaveRequest(input: $i) {
    leaveRequest { id version status days number } errors { field code message } } }";
const SUBMIT: &str = "mutation($i: LeaveRequestTransitionInput!) { submitLeaveRequest(input: $i) {
    leaveRequest { id version status days } errors { field code message } } }";

async fn leave_type(h: &Hr, code: &str, extra: Value) -> String {
    let mut i = json!({"code": code, "name": code});
    for (k, v) in extra.as_object().unwrap() {
        i[k] = v.clone();
    }
    let r = call(
        &h.t.token,
        "mutation($i: CreateLeaveTypeInput!) { createLeaveType(input: $i) { leaveType { id } errors { field code message } } }",
        json!({ "i": i }),
    )
    .await;
    ok(&r["createLeaveType"])["leaveType"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn allocate(h: &Hr, kind: &str, from: &str, to: &str, days: &str) -> Value {
    let r = call(
        &h.hr,
        "mutation($i: CreateLeaveAllocationInput!) { createLeaveAllocation(input: $i) { leaveAllocation { id days } errors { field code message } } }",
        json!({"i": {"employeeId": h.worker_id, "leaveTypeId": kind, "validFrom": from, "validTo": to, "days": days}}),
    )
    .await;
    r["createLeaveAllocation"].clone()
}

/// Creates (and when `submit`, submits) a request of the worker's.
async fn request(h: &Hr, kind: &str, from: &str, to: &str, half: &str, submit: bool) -> Value {
    let r = call(
        &h.worker.1,
        LEAVE,
        json!({"i": {"leaveTypeId": kind, "fromDate": from, "toDate": to, "half": half}}),
    )
    .await;
    let p = r["createLeaveRequest"].clone();
    if !submit || !p["errors"].as_array().unwrap().is_empty() {
        return p;
    }
    let lr = &p["leaveRequest"];
    call(
        &h.worker.1,
        SUBMIT,
        json!({"i": {"id": lr["id"], "expectedVersion": lr["version"]}}),
    )
    .await["submitLeaveRequest"]
        .clone()
}

#[tokio::test]
async fn leave_requests_never_overlap() {
    let h = hr_org(&[1, 2, 3, 4, 5]).await;
    let annual = leave_type(&h, "ANNUAL", json!({})).await;
    ok(&allocate(&h, &annual, "2026-04-01", "2028-03-31", "20").await);
    // 1-3 Feb 2027 (Monday to Wednesday): approved at once (no approval rule).
    let first = request(&h, &annual, "2027-02-01", "2027-02-03", "NONE", true).await;
    assert_eq!(ok(&first)["leaveRequest"]["status"], "APPROVED");
    assert_eq!(first["leaveRequest"]["days"], "3");
    // Overlapping an approved request: refused at creation.
    let clash = request(&h, &annual, "2027-02-03", "2027-02-04", "NONE", false).await;
    assert_eq!(codes(&clash), ["OVERLAP"]);
    // Two drafts may overlap; the second to be submitted is refused.
    let a = request(&h, &annual, "2027-02-08", "2027-02-08", "NONE", false).await;
    let b = request(&h, &annual, "2027-02-08", "2027-02-09", "NONE", false).await;
    ok(&a);
    ok(&b);
    let submit = |p: &Value| json!({"i": {"id": p["leaveRequest"]["id"], "expectedVersion": p["leaveRequest"]["version"]}});
    ok(&call(&h.worker.1, SUBMIT, submit(&a)).await["submitLeaveRequest"]);
    let r = call(&h.worker.1, SUBMIT, submit(&b)).await;
    assert_eq!(codes(&r["submitLeaveRequest"]), ["OVERLAP"]);
    // A morning and an afternoon share a day; a second morning does not.
    let am = request(&h, &annual, "2027-02-10", "2027-02-10", "AM", true).await;
    assert_eq!(ok(&am)["leaveRequest"]["days"], "0.5");
    ok(&request(&h, &annual, "2027-02-10", "2027-02-10", "PM", true).await);
    let again = request(&h, &annual, "2027-02-10", "2027-02-10", "AM", false).await;
    assert_eq!(codes(&again), ["OVERLAP"]);
    // A weekend has no working day; leave before the contract has none either.
    let weekend = request(&h, &annual, "2027-02-13", "2027-02-14", "NONE", false).await;
    assert_eq!(codes(&weekend), ["INVALID"]);
    let early = request(&h, &annual, "2024-03-01", "2024-03-01", "NONE", false).await;
    assert!(codes(&early).contains(&"NO_CONTRACT".to_owned()), "{early}");
}

const BALANCES: &str = "query($e: ID, $on: NaiveDate) { leaveBalances(employeeId: $e, on: $on) {
    leaveType { code } granted taken pending available nextExpiry } }";

fn balance<'a>(b: &'a Value, code: &str) -> &'a Value {
    b["leaveBalances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["leaveType"]["code"] == code)
        .unwrap_or_else(|| panic!("no {code} balance in {b}"))
}

#[tokio::test]
async fn leave_balances_never_go_negative_unless_allowed() {
    let h = hr_org(&[1, 2, 3, 4, 5]).await;
    let annual = leave_type(&h, "ANNUAL", json!({})).await;
    let comp = leave_type(&h, "COMP", json!({"allowNegative": true})).await;
    let unpaid = leave_type(
        &h,
        "UNPAID",
        json!({"paid": false, "requiresAllocation": false}),
    )
    .await;
    ok(&allocate(&h, &annual, "2026-04-01", "2028-03-31", "10").await);
    // The worker may not give themselves days.
    let r = shared()
        .gql(
            Some(&h.worker.1),
            "mutation($i: CreateLeaveAllocationInput!) { createLeaveAllocation(input: $i) { errors { code } } }",
            json!({"i": {"employeeId": h.worker_id, "leaveTypeId": annual, "validFrom": "2026-04-01", "days": "5"}}),
        )
        .await;
    assert_eq!(r.code(), "FORBIDDEN", "an employee cannot allocate leave");
    // 8 days approved: 1-5 and 8-10 Feb 2027.
    ok(&request(&h, &annual, "2027-02-01", "2027-02-05", "NONE", true).await);
    ok(&request(&h, &annual, "2027-02-08", "2027-02-10", "NONE", true).await);
    let three = request(&h, &annual, "2027-02-15", "2027-02-17", "NONE", false).await;
    assert_eq!(codes(&three), ["INSUFFICIENT_BALANCE"]);
    // From now on the manager approves leave: a submitted request is pending, and counts.
    let rule = call(
        &h.t.token,
        "mutation($i: CreateApprovalRuleInput!) { createApprovalRule(input: $i) { errors { field code message } } }",
        json!({"i": {"documentType": "LeaveRequest", "name": "Leave", "tiers": [
            {"name": "Manager", "approvers": [{"kind": "MANAGER", "level": 1}]}]}}),
    )
    .await;
    ok(&rule["createApprovalRule"]);
    let two = request(&h, &annual, "2027-02-15", "2027-02-16", "NONE", true).await;
    assert_eq!(ok(&two)["leaveRequest"]["status"], "TO_APPROVE");
    let one = request(&h, &annual, "2027-02-18", "2027-02-18", "NONE", false).await;
    assert_eq!(codes(&one), ["INSUFFICIENT_BALANCE"], "pending days count");
    let b = call(&h.worker.1, BALANCES, json!({"on": "2027-01-15"})).await;
    let annual_b = balance(&b, "ANNUAL");
    assert_eq!(
        (
            &annual_b["granted"],
            &annual_b["taken"],
            &annual_b["pending"],
            &annual_b["available"]
        ),
        (&json!("10"), &json!("8"), &json!("2"), &json!("0")),
        "{b}"
    );
    assert_eq!(annual_b["nextExpiry"], "2028-03-31");
    // The worker cannot approve their own request; their manager can.
    const APPROVE: &str = "mutation($i: ApproveInput!) { approve(input: $i) { errors { code } } }";
    let doc = json!({"i": {"documentId": two["leaveRequest"]["id"]}});
    let r = call(&h.worker.1, APPROVE, doc.clone()).await;
    assert_eq!(codes(&r["approve"]), ["SELF_APPROVAL"]);
    ok(&call(&h.manager.1, APPROVE, doc).await["approve"]);
    let b = call(&h.worker.1, BALANCES, json!({"on": "2027-01-15"})).await;
    assert_eq!(balance(&b, "ANNUAL")["available"], "0");
    assert_eq!(balance(&b, "ANNUAL")["taken"], "10");
    // A type that allows it goes below zero: 1 day granted, 2 taken.
    ok(&allocate(&h, &comp, "2027-01-01", "2027-12-31", "1").await);
    let neg = request(&h, &comp, "2027-03-01", "2027-03-02", "NONE", true).await;
    assert_eq!(ok(&neg)["leaveRequest"]["status"], "TO_APPROVE");
    let doc = json!({"i": {"documentId": neg["leaveRequest"]["id"]}});
    ok(&call(&h.manager.1, APPROVE, doc).await["approve"]);
    let b = call(&h.worker.1, BALANCES, json!({"on": "2027-03-15"})).await;
    assert_eq!(balance(&b, "COMP")["available"], "-1", "{b}");
    // Outside every allocation: refused; a type without allocations has no balance to check.
    let late = request(&h, &annual, "2029-01-08", "2029-01-08", "NONE", false).await;
    assert_eq!(codes(&late), ["OUTSIDE_ALLOCATION"]);
    ok(&request(&h, &unpaid, "2027-04-05", "2027-04-09", "NONE", false).await);
    // After its validity the allocation has expired: nothing is granted or available.
    let b = call(&h.worker.1, BALANCES, json!({"on": "2028-04-01"})).await;
    assert_eq!(balance(&b, "ANNUAL")["granted"], "0");
    assert_eq!(balance(&b, "ANNUAL")["available"], "0");
    // Cancelling approved leave gives the days back.
    let list = call(
        &h.worker.1,
        "query($t: ID!) { leaveRequests(filter: {leaveType: {eq: $t}, status: {eq: APPROVED}}, first: 10) { nodes { id version fromDate } } }",
        json!({"t": annual}),
    )
    .await;
    let first = &list["leaveRequests"]["nodes"][0];
    let r = call(
        &h.worker.1,
        "mutation($i: LeaveRequestTransitionInput!) { cancelLeaveRequest(input: $i) { leaveRequest { status } errors { code } } }",
        json!({"i": {"id": first["id"], "expectedVersion": first["version"]}}),
    )
    .await;
    assert_eq!(
        ok(&r["cancelLeaveRequest"])["leaveRequest"]["status"],
        "CANCELLED"
    );
    let b = call(&h.worker.1, BALANCES, json!({"on": "2027-01-15"})).await;
    assert_eq!(balance(&b, "ANNUAL")["available"], "5");
    // HR reads the worker's balances; the manager (no VIEW_ATTENDANCE) cannot.
    let r = call(
        &h.hr,
        BALANCES,
        json!({"e": h.worker_id, "on": "2027-01-15"}),
    )
    .await;
    assert_eq!(balance(&r, "ANNUAL")["available"], "5");
    let denied = shared()
        .gql(Some(&h.manager.1), BALANCES, json!({"e": h.worker_id}))
        .await;
    assert_eq!(denied.code(), "FORBIDDEN");
}

const OT: &str = "mutation($i: RequestOvertimeInput!) { requestOvertime(input: $i) {
    overtimeRequest { id version status } warnings errors { field code message } } }";
const SUMMARY: &str = "query($m: NaiveDate) { overtimeSummary(month: $m) { overtimeMinutes yearOvertimeMinutes level exceeded warnings } }";

#[tokio::test]
async fn overtime_warns_then_blocks_under_the_36_agreement() {
    let h = hr_org(&[1, 2, 3, 4, 5, 6, 7]).await;
    // Five days of 9:00 to 1:00 the next night: 15 h worked, 7 h of overtime each, 35 h in all,
    // in a month that has them behind it.
    let t = today();
    let req_day = if t.day() >= 7 {
        t
    } else {
        t.with_day(1).unwrap() - Duration::days(1)
    };
    let day_n = |n: u32| req_day.with_day(n).unwrap();
    const RECORD: &str = "mutation($i: RecordAttendanceInput!) { recordAttendance(input: $i) { attendanceDay { overtimeMinutes } errors { field code message } } }";
    for n in 1..=5 {
        let d = day_n(n);
        let r = call(
            &h.hr,
            RECORD,
            json!({"i": {"employeeId": h.worker_id, "workDate": d, "firstIn": at(d, 9, 0), "lastOut": at(d + Duration::days(1), 1, 0)}}),
        )
        .await;
        assert_eq!(
            ok(&r["recordAttendance"])["attendanceDay"]["overtimeMinutes"],
            420
        );
    }
    let month = json!({"m": req_day});
    let s = call(&h.worker.1, SUMMARY, month.clone()).await;
    assert_eq!(s["overtimeSummary"]["overtimeMinutes"], 2100);
    assert_eq!(s["overtimeSummary"]["level"], "OK");
    // 37 h planned: at 80 % of 45 h, a warning.
    let ask = |minutes: i32| json!({"i": {"workDate": req_day, "plannedMinutes": minutes, "reason": "Month-end close"}});
    let first = call(&h.worker.1, OT, ask(120)).await;
    let first = ok(&first["requestOvertime"]).clone();
    assert_eq!(first["warnings"], json!(["OVERTIME_NEAR_LIMIT"]));
    // Nobody approves their own overtime; the manager approves it.
    const DECIDE: &str = "mutation($i: OvertimeDecisionInput!) { approveOvertimeRequest(input: $i) { overtimeRequest { status } warnings errors { code } } }";
    let decision = json!({"i": {"id": first["overtimeRequest"]["id"], "expectedVersion": first["overtimeRequest"]["version"]}});
    let r = call(&h.worker.1, DECIDE, decision.clone()).await;
    assert_eq!(codes(&r["approveOvertimeRequest"]), ["SELF_APPROVAL"]);
    let r = call(&h.manager.1, DECIDE, decision).await;
    assert_eq!(
        ok(&r["approveOvertimeRequest"])["overtimeRequest"]["status"],
        "APPROVED"
    );
    // 47 h: past 45 h without the special clause, refused, and nothing is stored.
    let over = call(&h.worker.1, OT, ask(600)).await;
    assert_eq!(codes(&over["requestOvertime"]), ["OVERTIME_LIMIT_EXCEEDED"]);
    let list = call(&h.hr, "{ overtimeRequests { nodes { id } } }", json!({})).await;
    assert_eq!(
        list["overtimeRequests"]["nodes"].as_array().unwrap().len(),
        2,
        "the seed's request and the approved one"
    );
    // With the special clause the same request goes through, flagged.
    const SETTINGS: &str = "mutation($i: HrSettingsInput!) { updateHrSettings(input: $i) { hrSettings { version specialClause specialYearMax } errors { field code } } }";
    let r = call(
        &h.hr,
        SETTINGS,
        json!({"i": {"expectedVersion": 0, "specialClause": true}}),
    )
    .await;
    let v = ok(&r["updateHrSettings"])["hrSettings"]["version"].clone();
    let with_clause = call(&h.worker.1, OT, ask(600)).await;
    let p = ok(&with_clause["requestOvertime"]);
    assert!(
        p["warnings"]
            .as_array()
            .unwrap()
            .contains(&json!("SPECIAL_CLAUSE_USED")),
        "{p}"
    );
    // A 40 h year under the clause blocks again.
    let r = call(
        &h.hr,
        SETTINGS,
        json!({"i": {"expectedVersion": v, "specialYearMax": 2400}}),
    )
    .await;
    ok(&r["updateHrSettings"]);
    let blocked = call(&h.worker.1, OT, ask(60)).await;
    assert_eq!(
        codes(&blocked["requestOvertime"]),
        ["OVERTIME_LIMIT_EXCEEDED"]
    );
    // Actual overtime is never refused; the summary moves OK -> WARN -> OVER.
    let d = day_n(6);
    ok(&call(&h.hr, RECORD, json!({"i": {"employeeId": h.worker_id, "workDate": d, "firstIn": at(d, 9, 0), "lastOut": at(d, 20, 0)}})).await["recordAttendance"]);
    let s = call(&h.worker.1, SUMMARY, month.clone()).await;
    assert_eq!(s["overtimeSummary"]["overtimeMinutes"], 2220);
    assert_eq!(s["overtimeSummary"]["level"], "WARN", "{s}");
    let d = day_n(7);
    ok(&call(&h.hr, RECORD, json!({"i": {"employeeId": h.worker_id, "workDate": d, "firstIn": at(d, 9, 0), "lastOut": at(d + Duration::days(1), 1, 0)}})).await["recordAttendance"]);
    let s = call(&h.worker.1, SUMMARY, month).await;
    assert_eq!(s["overtimeSummary"]["level"], "OVER", "{s}");
    assert!(
        !s["overtimeSummary"]["exceeded"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn contracts_one_running_per_employee() {
    let h = hr_org(&[1, 2, 3, 4, 5]).await;
    let w = h.worker_id.clone();
    let second = contract(
        &h,
        &w,
        json!({"contractType": "PERMANENT", "startDate": "2025-01-01", "wage": "310000"}),
        true,
    )
    .await;
    assert_eq!(codes(&second), ["CONTRACT_RUNNING"]);
    let fixed = contract(
        &h,
        &w,
        json!({"contractType": "FIXED_TERM", "startDate": "2025-01-01", "wage": "310000"}),
        false,
    )
    .await;
    assert_eq!(codes(&fixed), ["REQUIRED"]);
    let early = contract(
        &h,
        &w,
        json!({"contractType": "PERMANENT", "startDate": "2023-01-01", "wage": "310000"}),
        false,
    )
    .await;
    assert_eq!(codes(&early), ["BEFORE_HIRE"]);
    // A running contract's terms are locked.
    let current = call(
        &h.t.token,
        "query($id: ID!) { employmentContract(id: $id) { id version number } }",
        json!({"id": h.contract}),
    )
    .await["employmentContract"]
        .clone();
    let r = call(
        &h.t.token,
        "mutation($i: UpdateEmploymentContractInput!) { updateEmploymentContract(input: $i) { errors { code } } }",
        json!({"i": {"id": current["id"], "expectedVersion": current["version"], "patch": {"wage": "1"}}}),
    )
    .await;
    assert_eq!(codes(&r["updateEmploymentContract"]), ["LOCKED"]);
    // Renewing ends the running contract the day before the renewal starts.
    let renewal = contract(
        &h,
        &w,
        json!({"contractType": "PERMANENT", "startDate": "2026-12-01", "wage": "320000", "renewalOfId": h.contract}),
        true,
    )
    .await;
    assert_eq!(ok(&renewal)["employmentContract"]["status"], "RUNNING");
    let old = call(
        &h.t.token,
        "query($id: ID!) { employmentContract(id: $id) { status endDate endReason } }",
        json!({"id": h.contract}),
    )
    .await;
    assert_eq!(old["employmentContract"]["status"], "ENDED");
    assert_eq!(old["employmentContract"]["endDate"], "2026-11-30");
    // The worker reads their own contracts and wage; HR staff without VIEW_PAY do not read
    // wages; the manager sees no contract of the worker's.
    let own = call(
        &h.worker.1,
        "{ employmentContracts(first: 10) { nodes { number wage status } } }",
        json!({}),
    )
    .await;
    let nodes = own["employmentContracts"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        nodes.len(),
        3,
        "the ended, the renewal and the draft never started: {own}"
    );
    let wage = |n: &Value| {
        n["wage"]
            .as_str()
            .and_then(|s| s.parse::<rust_decimal::Decimal>().ok())
    };
    assert!(
        nodes.iter().any(|n| wage(n) == Some(320_000.into())),
        "{own}"
    );
    let staff = shared()
        .gql(
            Some(&h.hr),
            "query($id: ID!) { employmentContract(id: $id) { wage } }",
            json!({"id": h.contract}),
        )
        .await;
    assert_eq!(staff.code(), "FORBIDDEN");
    let theirs = call(
        &h.manager.1,
        "{ employmentContracts { nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(theirs["employmentContracts"]["nodes"], json!([]));
}

#[tokio::test]
async fn employees_read_only_their_own_health_results() {
    let app = shared();
    let h = hr_org(&[1, 2, 3, 4, 5]).await;
    let (nurse, nurse_token) = app.add_user(&h.t, &[BuiltinRole::Employee]).await;
    const CREATE: &str = "mutation($i: CreateHealthCheckInput!) { createHealthCheck(input: $i) { healthCheck { id } errors { field code } } }";
    let input = json!({"i": {"employeeId": h.worker_id, "kind": "STRESS", "checkedOn": "2026-10-01",
        "result": "High stress; interview offered", "findingsLevel": "C", "followUpRequired": true, "highStress": true}});
    // Not even a tenant administrator records health checks.
    assert_eq!(
        app.gql(Some(&h.t.token), CREATE, input.clone())
            .await
            .code(),
        "FORBIDDEN"
    );
    // The platform operator makes the nurse the tenant's occupational health.
    let tenant = call(&h.t.token, "{ tenant { id } }", json!({})).await["tenant"]["id"].clone();
    let r = app
        .post(
            &[("x-platform-key", crate::helpers::OPERATOR_KEY)],
            json!({"query": "mutation($i: GrantOccupationalHealthInput!) { grantOccupationalHealth(input: $i) { errors { field code message } } }",
                   "variables": {"i": {"tenantId": tenant, "userId": nurse}}}),
        )
        .await
        .ok();
    ok(&r.data()["grantOccupationalHealth"]);
    let created = call(&nurse_token, CREATE, input).await;
    let id = ok(&created["createHealthCheck"])["healthCheck"]["id"].clone();
    const READ: &str = "query($id: ID!) { healthCheck(id: $id) { kind checkedOn result findingsLevel highStress } }";
    // The employee reads their own results; the nurse reads them too.
    let own = call(&h.worker.1, READ, json!({"id": id})).await;
    assert_eq!(
        own["healthCheck"]["result"],
        "High stress; interview offered"
    );
    assert_eq!(own["healthCheck"]["highStress"], true);
    let nurse_reads = call(&nurse_token, READ, json!({"id": id})).await;
    assert_eq!(nurse_reads["healthCheck"]["findingsLevel"], "C");
    // Another employee sees nothing of it.
    let other = call(&h.manager.1, READ, json!({"id": id})).await;
    assert_eq!(other["healthCheck"], Value::Null);
    let list = call(&h.manager.1, "{ healthChecks { nodes { id } } }", json!({})).await;
    assert_eq!(list["healthChecks"]["nodes"], json!([]));
    // HR sees that the check took place, not what it found.
    let hr = call(
        &h.hr,
        "query($id: ID!) { healthCheck(id: $id) { kind checkedOn } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(hr["healthCheck"]["kind"], "STRESS");
    let results = app
        .gql(
            Some(&h.hr),
            "query($id: ID!) { healthCheck(id: $id) { result } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(results.code(), "FORBIDDEN");
    // Only stress checks carry a high-stress finding.
    let wrong = call(&nurse_token, CREATE, json!({"i": {"employeeId": h.worker_id, "kind": "ANNUAL", "checkedOn": "2026-10-01", "highStress": false}})).await;
    assert_eq!(codes(&wrong["createHealthCheck"]), ["INVALID"]);
}
