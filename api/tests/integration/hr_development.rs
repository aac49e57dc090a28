//! Training seats and required trainings, performance cycles, anonymous surveys and the HR
//! reports.

use api::auth::BuiltinRole;
use entity::TenantId;
use sea_orm::{ColumnTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{TestTenant, shared};
use crate::hr_lifecycle::mutate;
use crate::payroll::{call, codes, create, id, ok};

async fn employee(
    t: &TestTenant,
    n: &str,
    user: Option<uuid::Uuid>,
    unit: Option<&Value>,
    manager: Option<&str>,
) -> String {
    let e = create(t, "Employee", json!({"employeeNumber": n, "familyName": "Dev", "givenName": n,
        "workEmail": format!("{n}@{}.test.example", t.slug), "hireDate": "2024-04-01", "userId": user,
        "orgUnitId": unit.map(|u| u["id"].clone()), "managerId": manager})).await;
    id(&e)
}

#[tokio::test]
async fn training_sessions_never_overbook_and_positions_require_training() {
    let app = shared();
    let t = app.new_tenant_with(0).await;
    let (u1, t1) = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let (u2, t2) = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let e1 = employee(&t, "T1", Some(u1), None, None).await;
    let e2 = employee(&t, "T2", Some(u2), None, None).await;
    let e3 = employee(&t, "T3", None, None, None).await;
    let prog = create(
        &t,
        "TrainingProgramme",
        json!({"code": "FIRE", "name": "Fire safety", "validityMonths": 12}),
    )
    .await;
    let session = create(&t, "TrainingSession", json!({"programmeId": prog["id"], "startsOn": "2026-05-11", "endsOn": "2026-05-11", "capacity": 2})).await;
    let enrol = |e: &str| {
        let input = json!({"sessionId": session["id"], "employeeId": e});
        let token = t.token.clone();
        async move {
            mutate(
                &token,
                "createTrainingEnrolment",
                "CreateTrainingEnrolmentInput",
                "trainingEnrolment { id version status }",
                input,
            )
            .await
        }
    };
    let first = ok(&enrol(&e1).await)["trainingEnrolment"].clone();
    assert_eq!(codes(&enrol(&e1).await), ["DUPLICATE"]);
    ok(&enrol(&e2).await);
    assert_eq!(
        codes(&enrol(&e3).await),
        ["CAPACITY_REACHED"],
        "two seats, two taken"
    );

    // The position requires the programme: e1 owes it until they complete it.
    let pos = create(
        &t,
        "Position",
        json!({"code": "WH", "name": "Warehouse lead"}),
    )
    .await;
    create(
        &t,
        "PositionRequiredTraining",
        json!({"positionId": pos["id"], "programmeId": prog["id"]}),
    )
    .await;
    create(&t, "EmployeeProfile", json!({"employeeId": e1, "positionId": pos["id"], "emergencyContact": "Spouse, 090-0000-0000"})).await;
    let dup = mutate(
        &t.token,
        "createEmployeeProfile",
        "CreateEmployeeProfileInput",
        "employeeProfile { id }",
        json!({"employeeId": e1}),
    )
    .await;
    assert_eq!(codes(&dup), ["DUPLICATE"], "one profile per employee");
    const PROFILE: &str =
        "{ employeeProfiles { nodes { emergencyContact missingTrainings { code } } } }";
    let mine = call(&t1, PROFILE, json!({})).await;
    assert_eq!(
        mine["employeeProfiles"]["nodes"],
        json!([{"emergencyContact": "Spouse, 090-0000-0000", "missingTrainings": [{"code": "FIRE"}]}]),
        "{mine}"
    );
    let theirs = call(&t2, PROFILE, json!({})).await;
    assert_eq!(
        theirs["employeeProfiles"]["nodes"],
        json!([]),
        "another employee's profile is not theirs to read"
    );
    let done = mutate(&t.token, "updateTrainingEnrolment", "UpdateTrainingEnrolmentInput", "trainingEnrolment { status completedOn score }",
        json!({"id": first["id"], "expectedVersion": first["version"], "patch": {"status": "COMPLETED", "score": 92}})).await;
    assert_eq!(ok(&done)["trainingEnrolment"]["status"], "COMPLETED");
    let mine = call(&t1, PROFILE, json!({})).await;
    assert_eq!(
        mine["employeeProfiles"]["nodes"][0]["missingTrainings"],
        json!([])
    );
    let mine = call(&t1, "{ trainingEnrolments { nodes { score } } }", json!({})).await;
    assert_eq!(
        mine["trainingEnrolments"]["nodes"],
        json!([{"score": 92}]),
        "their own enrolments only"
    );
}

#[tokio::test]
async fn performance_reviews_follow_the_cycle() {
    let app = shared();
    let t = app.new_tenant_with(0).await;
    let (mu, mt) = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let (wu, wt) = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let boss = employee(&t, "M1", Some(mu), None, None).await;
    let worker = employee(&t, "W1", Some(wu), None, Some(&boss)).await;
    let cycle = create(
        &t,
        "PerformanceCycle",
        json!({"name": "FY2026", "periodStart": "2026-04-01", "periodEnd": "2027-03-31"}),
    )
    .await;
    let cycle = json!({"id": cycle["id"], "version": 1});
    for (title, weight) in [("Ship the API", 60), ("Mentor", 30)] {
        create(
            &t,
            "PerformanceGoal",
            json!({"cycleId": cycle["id"], "employeeId": worker, "title": title, "weight": weight}),
        )
        .await;
    }
    const CYCLE: &str = "performanceCycle { id version status }";
    let step = |name: &'static str, c: &Value| {
        let input = json!({"id": c["id"], "expectedVersion": c["version"]});
        let token = t.token.clone();
        async move {
            mutate(
                &token,
                name,
                "PerformanceCycleTransitionInput",
                CYCLE,
                input,
            )
            .await
        }
    };
    let r = step("startPerformanceCycle", &cycle).await;
    assert_eq!(codes(&r), ["INVALID"], "weights total 90: {r}");
    create(
        &t,
        "PerformanceGoal",
        json!({"cycleId": cycle["id"], "employeeId": worker, "title": "Docs", "weight": 10}),
    )
    .await;
    let cycle = ok(&step("startPerformanceCycle", &cycle).await)["performanceCycle"].clone();
    assert_eq!(cycle["status"], "IN_PROGRESS");
    let late = mutate(
        &t.token,
        "createPerformanceGoal",
        "CreatePerformanceGoalInput",
        "performanceGoal { id }",
        json!({"cycleId": cycle["id"], "employeeId": worker, "title": "Late", "weight": 5}),
    )
    .await;
    assert_eq!(codes(&late), ["LOCKED"]);

    const REVIEW: &str = "performanceReview { status selfScore managerScore finalScore }";
    let review = |token: &str, employee: Option<&str>, score: i32| {
        let input = json!({"cycleId": cycle["id"], "employeeId": employee, "score": score, "comment": "Well done"});
        let token = token.to_owned();
        async move {
            mutate(
                &token,
                "submitPerformanceReview",
                "ReviewInput",
                REVIEW,
                input,
            )
            .await
        }
    };
    assert_eq!(
        ok(&review(&wt, None, 4).await)["performanceReview"]["status"],
        "SELF_DONE"
    );
    assert_eq!(
        codes(&review(&wt, Some(&worker), 5).await),
        ["SELF_APPROVAL"]
    );
    assert_eq!(
        codes(&review(&t.token, Some(&worker), 5).await),
        ["NOT_AN_APPROVER"],
        "only the manager"
    );
    assert_eq!(
        codes(&step("completePerformanceCycle", &cycle).await),
        ["REVIEWS_INCOMPLETE"]
    );
    assert_eq!(
        ok(&review(&mt, Some(&worker), 3).await)["performanceReview"]["status"],
        "MANAGER_DONE"
    );
    const MINE: &str = "{ performanceReviews { nodes { selfScore managerScore finalScore } } }";
    let mine = call(&wt, MINE, json!({})).await;
    assert_eq!(
        mine["performanceReviews"]["nodes"],
        json!([{"selfScore": 4, "managerScore": null, "finalScore": null}]),
        "the manager's part waits for the end of the cycle"
    );
    ok(&step("completePerformanceCycle", &cycle).await);
    let mine = call(&wt, MINE, json!({})).await;
    assert_eq!(
        mine["performanceReviews"]["nodes"],
        json!([{"selfScore": 4, "managerScore": 3, "finalScore": 3}])
    );
    assert_eq!(
        codes(&review(&wt, None, 5).await),
        ["LOCKED"],
        "a final review stays"
    );
}

#[tokio::test]
async fn survey_answers_are_anonymous() {
    let app = shared();
    let t = app.new_tenant_with(0).await;
    let mut units = Vec::new();
    for code in ["BIG", "MID", "SMALL"] {
        units.push(create(&t, "OrgUnit", json!({"code": code, "name": code})).await);
    }
    // Five in BIG, three in MID, one in SMALL; groups of at least three are shown.
    let mut people = Vec::new();
    for i in 0..9 {
        let (u, token) = app.add_user(&t, &[BuiltinRole::Employee]).await;
        let unit = match i {
            0..5 => &units[0],
            5..8 => &units[1],
            _ => &units[2],
        };
        employee(&t, &format!("S{i}"), Some(u), Some(unit), None).await;
        people.push(token);
    }
    let s = mutate(&t.token, "createSurvey", "CreateSurveyInput", "survey { id version status questions { seq text } }",
        json!({"title": "Engagement 2026", "minGroupSize": 3, "questions": ["I would recommend this company", "My workload is fair"]})).await;
    let s = ok(&s)["survey"].clone();
    assert_eq!(
        s["questions"][1],
        json!({"seq": 2, "text": "My workload is fair"})
    );
    let answer = |token: &str, a: i32, b: i32| {
        let input = json!({"surveyId": s["id"], "answers": [{"seq": 1, "score": a}, {"seq": 2, "score": b}]});
        let token = token.to_owned();
        async move {
            mutate(
                &token,
                "answerSurvey",
                "AnswerSurveyInput",
                "recorded",
                input,
            )
            .await
        }
    };
    assert_eq!(
        codes(&answer(&people[0], 5, 4).await),
        ["LOCKED"],
        "a draft takes no answers"
    );
    let opened = mutate(
        &t.token,
        "openSurvey",
        "HrTransitionInput",
        "survey { id version status }",
        json!({"id": s["id"], "expectedVersion": s["version"]}),
    )
    .await;
    let opened = ok(&opened)["survey"].clone();
    let scores = [
        (5, 4),
        (4, 4),
        (3, 2),
        (4, 3),
        (5, 5),
        (2, 1),
        (3, 1),
        (4, 2),
        (1, 3),
    ];
    for (token, (a, b)) in people.iter().zip(scores) {
        assert_eq!(ok(&answer(token, a, b).await)["recorded"], true);
    }
    assert_eq!(
        codes(&answer(&people[0], 1, 1).await),
        ["DUPLICATE"],
        "once per employee"
    );
    let partial = mutate(
        &people[1],
        "answerSurvey",
        "AnswerSurveyInput",
        "recorded",
        json!({"surveyId": s["id"], "answers": [{"seq": 1, "score": 9}]}),
    )
    .await;
    assert_eq!(codes(&partial), ["INVALID"]);
    assert_eq!(codes(&answer(&t.token, 3, 3).await), ["NOT_LINKED"]);

    // Results wait for the survey to close: figures moving with each answer would give it away.
    const RESULTS: &str = "query($s: ID!) { surveyResults(surveyId: $s) { responses participants questions { seq average byUnit { orgUnit { code } responses average } } } }";
    let early = app
        .post(
            &[("authorization", &format!("Bearer {}", t.token))],
            json!({"query": RESULTS, "variables": {"s": s["id"]}}),
        )
        .await;
    assert_eq!(early.code(), "BAD_REQUEST");
    ok(&mutate(
        &t.token,
        "closeSurvey",
        "HrTransitionInput",
        "survey { status }",
        json!({"id": opened["id"], "expectedVersion": opened["version"]}),
    )
    .await);
    // SMALL (1) folds into "other", which is then too small (1 < 3), so the smallest shown
    // unit (MID, 3) joins it: BIG on its own (21 / 5 = 4.2), "other" of four (10 / 4 = 2.5),
    // and the total 31 / 9 = 3.44. Nothing subtracts down to a hidden group.
    let r = call(&t.token, RESULTS, json!({"s": s["id"]})).await;
    let res = &r["surveyResults"];
    assert_eq!(
        (res["responses"].as_i64(), res["participants"].as_i64()),
        (Some(9), Some(9)),
        "{r}"
    );
    assert_eq!(res["questions"][0]["average"], "3.44");
    assert_eq!(
        res["questions"][0]["byUnit"],
        json!([
            {"orgUnit": null, "responses": 4, "average": "2.5"},
            {"orgUnit": {"code": "BIG"}, "responses": 5, "average": "4.2"},
        ]),
        "{r}"
    );
    assert_eq!(res["questions"][1]["byUnit"][1]["average"], "3.6");
    let denied = app
        .post(
            &[("authorization", &format!("Bearer {}", people[0]))],
            json!({"query": RESULTS, "variables": {"s": s["id"]}}),
        )
        .await;
    assert_eq!(denied.code(), "FORBIDDEN", "results are HR's");

    // Nothing links an answer to its author: no author, a random id, the day only, and no
    // audit entry.
    let db = app.db().await;
    let tx = entity::TenantTx::begin(&db, TenantId(t.id)).await.unwrap();
    let rows = tx
        .all(tx.select::<entity::hr::survey_response::Entity>())
        .await
        .unwrap();
    assert_eq!(rows.len(), 9);
    for r in &rows {
        assert_eq!(r.created_by, None);
        assert_eq!(r.id.get_version_num(), 4);
        assert_eq!(r.created_at.time(), chrono::NaiveTime::MIN);
    }
    let audited = tx
        .count(
            tx.select::<entity::audit::entry::Entity>().refine(|q| {
                q.filter(entity::audit::entry::Column::EntityType.eq("SurveyResponse"))
            }),
        )
        .await
        .unwrap();
    assert_eq!(audited, 0);
    drop(tx);
    db.close().await.ok();
}

#[tokio::test]
async fn hr_reports_add_up() {
    let app = shared();
    let t = app.new_tenant_with(0).await;
    let unit = create(&t, "OrgUnit", json!({"code": "OPS", "name": "Operations"})).await;
    create(
        &t,
        "CostCentre",
        json!({"code": "CC-OPS", "name": "Operations", "orgUnitId": unit["id"]}),
    )
    .await;
    // Four people: three hired before 2026, one of whom leaves in March; one hired in May.
    for (n, hired) in [
        ("H1", "2024-04-01"),
        ("H2", "2025-04-01"),
        ("H3", "2025-10-01"),
        ("H4", "2026-05-01"),
    ] {
        create(&t, "Employee", json!({"employeeNumber": n, "familyName": "Ops", "givenName": n,
            "workEmail": format!("{n}@{}.test.example", t.slug), "hireDate": hired, "orgUnitId": unit["id"]})).await;
    }
    let list = call(
        &t.token,
        "{ employees(filter: {employeeNumber: {eq: \"H3\"}}) { nodes { id } } }",
        json!({}),
    )
    .await;
    let h3 = list["employees"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sep = mutate(
        &t.token,
        "startSeparation",
        "StartSeparationInput",
        "separation { id version }",
        json!({"employeeId": h3, "lastWorkingDay": "2026-03-31", "reason": "RESIGNATION"}),
    )
    .await;
    let sep = ok(&sep)["separation"].clone();
    ok(&mutate(
        &t.token,
        "completeSeparation",
        "HrTransitionInput",
        "separation { id }",
        json!({"id": sep["id"], "expectedVersion": sep["version"]}),
    )
    .await);
    // 2026: opening 3 (H1-H3 on 31 December 2025), 1 hire, 1 leaver, closing 3:
    // turnover 1 / 3 = 0.3333.
    let r = call(&t.token, "{ headcountReport(from: \"2026-01-01\", to: \"2026-12-31\") { total { opening hires leavers closing turnover } byUnit { orgUnit { code } closing } } }", json!({})).await;
    assert_eq!(
        r["headcountReport"]["total"],
        json!({"opening": 3, "hires": 1, "leavers": 1, "closing": 3, "turnover": "0.3333"}),
        "{r}"
    );
    assert_eq!(
        r["headcountReport"]["byUnit"],
        json!([{"orgUnit": {"code": "OPS"}, "closing": 3}])
    );
    let r = call(&t.token, "{ overtimeReport(month: \"2026-06-15\") { employees { employee { employeeNumber } } units { employees overtimeMinutes } } }", json!({})).await;
    assert_eq!(
        r["overtimeReport"]["employees"],
        json!([]),
        "nobody has a contract: {r}"
    );
    let r = call(&t.token, "{ timeToFillReport(from: \"2026-01-01\", to: \"2026-12-31\") { fills { days } averageDays } }", json!({})).await;
    assert_eq!(
        r["timeToFillReport"],
        json!({"fills": [], "averageDays": null})
    );
    let r = call(
        &t.token,
        "{ labourCostByCostCentre(from: \"2026-01-01\", to: \"2026-12-31\") { gross } }",
        json!({}),
    )
    .await;
    assert_eq!(r["labourCostByCostCentre"], json!([]));
    let bad = app.post(&[("authorization", &format!("Bearer {}", t.token))], json!({"query": "{ headcountReport(from: \"2026-12-31\", to: \"2026-01-01\") { total { opening } } }"})).await;
    assert_eq!(bad.code(), "BAD_REQUEST");
}

#[tokio::test]
async fn shifts_make_working_days_and_are_planned_ahead() {
    let app = shared();
    let t = app.new_tenant_with(0).await;
    let schedule = create(
        &t,
        "WorkSchedule",
        json!({"code": "DAY", "name": "Day", "startTime": "09:00:00", "endTime": "18:00:00"}),
    )
    .await;
    let weekend = create(&t, "WorkSchedule", json!({"code": "SAT", "name": "Saturday shift", "startTime": "10:00:00", "endTime": "16:00:00", "weekdays": [6]})).await;
    let e = employee(&t, "SH1", None, None, None).await;
    let c = create(
        &t,
        "EmploymentContract",
        json!({"employeeId": e, "contractType": "PERMANENT",
        "startDate": "2026-04-01", "wage": "250000", "workScheduleId": schedule["id"]}),
    )
    .await;
    ok(&call(&t.token, "mutation($i: EmploymentContractTransitionInput!) { startEmploymentContract(input: $i) { errors { code } } }",
        json!({"i": {"id": c["id"], "expectedVersion": 1}})).await["startEmploymentContract"]);
    // Saturday 6 June is a working day with a shift; Sunday 7 June is not.
    create(
        &t,
        "ShiftAssignment",
        json!({"employeeId": e, "workDate": "2026-06-06", "workScheduleId": weekend["id"]}),
    )
    .await;
    let dup = mutate(
        &t.token,
        "createShiftAssignment",
        "CreateShiftAssignmentInput",
        "shiftAssignment { id }",
        json!({"employeeId": e, "workDate": "2026-06-06", "workScheduleId": schedule["id"]}),
    )
    .await;
    assert!(
        codes(&dup).contains(&"DUPLICATE".to_owned()),
        "one shift a day: {dup}"
    );
    ok(&call(
        &t.token,
        "mutation($i: AttendanceRangeInput!) { validateAttendance(input: $i) { errors { code } } }",
        json!({"i": {"from": "2026-06-06", "to": "2026-06-07"}}),
    )
    .await["validateAttendance"]);
    let r = call(&t.token, "query($e: ID!) { attendanceDays(filter: {employee: {eq: $e}}) { nodes { workDate status } } }", json!({"e": e})).await;
    assert_eq!(
        r["attendanceDays"]["nodes"],
        json!([{"workDate": "2026-06-06", "status": "ABSENT"}]),
        "{r}"
    );
    // A day with attendance is corrected, not re-planned.
    let late = mutate(
        &t.token,
        "createShiftAssignment",
        "CreateShiftAssignmentInput",
        "shiftAssignment { id }",
        json!({"employeeId": e, "workDate": "2026-06-06", "workScheduleId": schedule["id"]}),
    )
    .await;
    assert!(codes(&late).contains(&"LOCKED".to_owned()), "{late}");
}
