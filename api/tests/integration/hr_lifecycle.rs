//! Hire to retire, end to end: a headcount plan and a requisition approved through the kernel,
//! an opening, applicants, interviews with scored feedback, an offer accepted, an onboarding
//! that creates the employee and the contract, a month of pay, a separation with its
//! prorated final month (no health or pension premium in the month of leaving), the final
//! settlement, and re-employment after retirement.
//!
//! The withholding rows are a test fixture, not the National Tax Agency's table.

use api::auth::BuiltinRole;
use chrono::{Datelike, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{TestTenant, shared};
use crate::payroll::{
    RUN, SLIP, call, codes, create, day, dec, id, new_run, ok, run_action, validate, weekdays,
};

/// Runs a mutation with one `input` and returns its payload.
pub(crate) async fn mutate(
    token: &str,
    name: &str,
    input_type: &str,
    select: &str,
    input: Value,
) -> Value {
    let r = call(
        token,
        &format!("mutation($i: {input_type}!) {{ {name}(input: $i) {{ {select} errors {{ field code message }} }} }}"),
        json!({ "i": input }),
    )
    .await;
    r[name].clone()
}

/// The MONTHLY structure of the payroll test without commuting and resident tax, the
/// withholding fixture rows this test's pay falls in, and the chart's payroll accounts.
async fn payroll_setup(t: &TestTenant) -> Value {
    let structure = create(
        t,
        "SalaryStructure",
        json!({"code": "MONTHLY", "name": "Monthly"}),
    )
    .await;
    for comp in [
        json!({"code": "BASE", "name": "Base pay", "kind": "EARNING", "calc": "FORMULA", "formula": "base*payment_days/working_days", "rounding": "UP", "sequence": 10}),
        json!({"code": "HEALTH", "name": "Health insurance", "kind": "DEDUCTION", "calc": "HEALTH", "rounding": "HALF_DOWN"}),
        json!({"code": "PENSION", "name": "Pension", "kind": "DEDUCTION", "calc": "PENSION", "rounding": "HALF_DOWN"}),
        json!({"code": "EMPLOYMENT", "name": "Employment insurance", "kind": "DEDUCTION", "calc": "EMPLOYMENT_INSURANCE", "rounding": "HALF_DOWN"}),
        json!({"code": "INCOME_TAX", "name": "Income tax", "kind": "DEDUCTION", "calc": "INCOME_TAX"}),
    ] {
        let node = create(t, "SalaryComponent", comp).await;
        create(
            t,
            "SalaryStructureComponent",
            json!({"structureId": structure["id"], "componentId": node["id"]}),
        )
        .await;
    }
    let brackets: Vec<Value> = [("236000", "239000", "5130"), ("157000", "159000", "2730")]
        .iter()
        .map(|(l, u, a)| json!({"validFrom": "2026-01-01", "lower": l, "upper": u, "amount": a}))
        .collect();
    let r = call(&t.token, "mutation($i: [CreateWithholdingTaxBracketInput!]!) { bulkCreateWithholdingTaxBrackets(inputs: $i) { savedCount } }", json!({"i": brackets})).await;
    assert_eq!(
        r["bulkCreateWithholdingTaxBrackets"]["savedCount"], 2,
        "{r}"
    );
    structure
}

const REQ: &str = "jobRequisition { id version status vacancies filled }";

#[tokio::test]
async fn hire_to_retire_end_to_end() {
    let app = shared();
    let t = app.new_tenant_with(0).await;
    let (asker, asker_token) = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let (hire_user, hire_token) = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let (_, iv1) = app.add_user(&t, &[BuiltinRole::HrStaff]).await;
    let (_, iv2) = app.add_user(&t, &[BuiltinRole::HrStaff]).await;
    let schedule = create(&t, "WorkSchedule", json!({"code": "DAY", "name": "Day", "startTime": "09:00:00", "endTime": "18:00:00", "breakMinutes": 60})).await;
    let structure = payroll_setup(&t).await;
    let unit = create(&t, "OrgUnit", json!({"code": "ENG", "name": "Engineering"})).await;

    // 1. The plan has room for one; the requisition is approved by someone else than its
    // requester.
    let plan = create(&t, "HeadcountPlan", json!({"orgUnitId": unit["id"], "periodStart": "2026-04-01", "periodEnd": "2027-03-31", "plannedHeadcount": 1})).await;
    let rule = mutate(
        &t.token,
        "createApprovalRule",
        "CreateApprovalRuleInput",
        "",
        json!({"documentType": "JobRequisition", "name": "Hiring", "tiers": [{"name": "HR",
            "approvers": [{"kind": "USER", "userId": asker}, {"kind": "USER", "userId": t.admin_user}]}]}),
    )
    .await;
    ok(&rule);
    let req = mutate(
        &asker_token,
        "createJobRequisition",
        "CreateJobRequisitionInput",
        REQ,
        json!({"orgUnitId": unit["id"], "title": "Backend engineer", "vacancies": 2, "salaryMax": "300000"}),
    )
    .await;
    let req = ok(&req)["jobRequisition"].clone();
    let submit = |token: &str, r: &Value| {
        let (token, input) = (
            token.to_owned(),
            json!({"id": r["id"], "expectedVersion": r["version"]}),
        );
        async move {
            mutate(
                &token,
                "submitJobRequisition",
                "HrTransitionInput",
                REQ,
                input,
            )
            .await
        }
    };
    assert_eq!(
        codes(&submit(&asker_token, &req).await),
        ["NO_VACANCY"],
        "two asked, the plan has room for one"
    );
    let req = mutate(
        &asker_token,
        "updateJobRequisition",
        "UpdateJobRequisitionInput",
        REQ,
        json!({"id": req["id"], "expectedVersion": req["version"], "patch": {"vacancies": 1}}),
    )
    .await;
    let req = ok(&req)["jobRequisition"].clone();
    let req = ok(&submit(&asker_token, &req).await)["jobRequisition"].clone();
    assert_eq!(req["status"], "TO_APPROVE");
    // While it waits, its vacancy counts against the plan.
    let other = mutate(
        &t.token,
        "createJobRequisition",
        "CreateJobRequisitionInput",
        REQ,
        json!({"orgUnitId": unit["id"], "title": "Another", "vacancies": 1, "salaryMax": "300000"}),
    )
    .await;
    let other = ok(&other)["jobRequisition"].clone();
    assert_eq!(codes(&submit(&t.token, &other).await), ["NO_VACANCY"]);
    const APPROVE: &str = "mutation($i: ApproveInput!) { approve(input: $i) { errors { code } } }";
    let doc = json!({"i": {"documentId": req["id"]}});
    let r = call(&asker_token, APPROVE, doc.clone()).await;
    assert_eq!(codes(&r["approve"]), ["SELF_APPROVAL"]);
    ok(&call(&t.token, APPROVE, doc).await["approve"]);
    let r = call(
        &t.token,
        "query($id: ID!) { jobRequisition(id: $id) { status number } headcountPlan(id: $p) { plannedHeadcount actualHeadcount openVacancies } }"
            .replace("query($id: ID!)", "query($id: ID!, $p: ID!)")
            .as_str(),
        json!({"id": req["id"], "p": plan["id"]}),
    )
    .await;
    assert_eq!(r["jobRequisition"]["status"], "APPROVED", "{r}");
    assert!(
        r["jobRequisition"]["number"]
            .as_str()
            .unwrap()
            .starts_with("REQ-")
    );
    assert_eq!(
        r["headcountPlan"],
        json!({"plannedHeadcount": 1, "actualHeadcount": 0, "openVacancies": 1})
    );
    // The requester reads their own requisition; another employee does not.
    let mine = call(
        &asker_token,
        "{ jobRequisitions { nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        mine["jobRequisitions"]["nodes"].as_array().unwrap().len(),
        1
    );
    let theirs = call(
        &hire_token,
        "{ jobRequisitions { nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(theirs["jobRequisitions"]["nodes"], json!([]));

    // 2. An opening, two applicants, two interviewers (4 and 5: a 4.5 rating), an offer.
    let opening = create(
        &t,
        "JobOpening",
        json!({"requisitionId": req["id"], "description": "Rust and PostgreSQL"}),
    )
    .await;
    let applicant = |n: &str| {
        json!({"openingId": opening["id"], "familyName": "Sato", "givenName": n,
            "email": format!("{n}@candidate.test.example"), "source": "referral"})
    };
    let a = create(&t, "Applicant", applicant("ken")).await;
    let b = create(&t, "Applicant", applicant("yui")).await;
    let dup = mutate(
        &t.token,
        "createApplicant",
        "CreateApplicantInput",
        "applicant { id }",
        applicant("ken"),
    )
    .await;
    assert_eq!(codes(&dup), ["DUPLICATE"], "one application per e-mail");
    let advance = |who: &Value, version: i64, action: &str| {
        let input = json!({"id": who["id"], "expectedVersion": version, "action": action});
        let token = t.token.clone();
        async move {
            mutate(
                &token,
                "advanceApplicant",
                "AdvanceApplicantInput",
                "applicant { stage version }",
                input,
            )
            .await
        }
    };
    let r = advance(&a, 1, "HIRE").await;
    assert_eq!(
        codes(&r),
        ["ILLEGAL_TRANSITION"],
        "hiring goes through the onboarding"
    );
    assert_eq!(
        ok(&advance(&a, 1, "INTERVIEW").await)["applicant"]["stage"],
        "INTERVIEW"
    );
    assert_eq!(
        ok(&advance(&b, 1, "INTERVIEW").await)["applicant"]["stage"],
        "INTERVIEW"
    );
    let interview = create(
        &t,
        "Interview",
        json!({"applicantId": a["id"], "scheduledAt": "2026-05-11T01:00:00Z"}),
    )
    .await;
    for (token, score) in [(&iv1, 3), (&iv2, 5), (&iv1, 4)] {
        let r = mutate(
            token,
            "recordInterviewFeedback",
            "RecordInterviewFeedbackInput",
            "interview { status }",
            json!({"interviewId": interview["id"], "score": score, "recommendation": "YES"}),
        )
        .await;
        assert_eq!(ok(&r)["interview"]["status"], "DONE");
    }
    let r = mutate(
        &iv1,
        "recordInterviewFeedback",
        "RecordInterviewFeedbackInput",
        "interview { id }",
        json!({"interviewId": interview["id"], "score": 6, "recommendation": "YES"}),
    )
    .await;
    assert_eq!(codes(&r), ["INVALID"]);
    let r = call(&t.token, "query($id: ID!) { applicant(id: $id) { rating email interviews { averageScore feedback { score } } } }", json!({"id": a["id"]})).await;
    assert_eq!(
        r["applicant"]["rating"], "4.5",
        "one feedback per interviewer: {r}"
    );
    assert_eq!(
        r["applicant"]["interviews"][0]["feedback"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(r["applicant"]["email"], "ken@candidate.test.example");

    let template = create(&t, "ChecklistTemplate", json!({"code": "ONBOARD", "name": "Onboarding", "kind": "ONBOARDING",
        "items": [{"title": "Sign the employment contract"}, {"title": "Welcome lunch", "required": false}]})).await;
    let offer_input = |who: &Value, wage: &str| {
        json!({"applicantId": who["id"], "contractType": "PERMANENT", "proposedStart": "2026-06-01",
            "trialEnd": "2026-08-31", "wage": wage, "workScheduleId": schedule["id"], "structureId": structure["id"]})
    };
    const OFFER: &str = "jobOffer { id version status applicant { stage } }";
    let r = mutate(
        &t.token,
        "createJobOffer",
        "CreateJobOfferInput",
        OFFER,
        offer_input(&a, "350000"),
    )
    .await;
    assert_eq!(
        codes(&r),
        ["INVALID"],
        "above the requisition's salary range"
    );
    let offer = mutate(
        &t.token,
        "createJobOffer",
        "CreateJobOfferInput",
        OFFER,
        offer_input(&a, "280000"),
    )
    .await;
    let offer = ok(&offer)["jobOffer"].clone();
    assert_eq!(offer["applicant"]["stage"], "OFFER");
    let offer_move = |name: &'static str, o: &Value| {
        let input = json!({"id": o["id"], "expectedVersion": o["version"], "checklistTemplateId": template["id"]});
        let token = t.token.clone();
        async move { mutate(&token, name, "JobOfferTransitionInput", OFFER, input).await }
    };
    let offer = ok(&offer_move("sendJobOffer", &offer).await)["jobOffer"].clone();
    let offer = ok(&offer_move("acceptJobOffer", &offer).await)["jobOffer"].clone();
    assert_eq!(offer["status"], "ACCEPTED");
    // The one vacancy is promised: no offer for the other applicant.
    let r = mutate(
        &t.token,
        "createJobOffer",
        "CreateJobOfferInput",
        OFFER,
        offer_input(&b, "270000"),
    )
    .await;
    assert_eq!(codes(&r), ["NO_VACANCY"]);

    // 3. The onboarding completes once its required task is done: employee and contract.
    let r = call(
        &t.token,
        "{ onboardings { nodes { id version status tasks { id version title required } } } }",
        json!({}),
    )
    .await;
    let onboarding = r["onboardings"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["status"] == "OPEN" && o["tasks"].as_array().unwrap().len() == 2)
        .cloned()
        .unwrap_or_else(|| panic!("{r}"));
    let complete = |o: &Value| {
        let input = json!({"id": o["id"], "expectedVersion": o["version"], "employeeNumber": "H001",
            "workEmail": format!("ken@{}.test.example", t.slug), "userId": hire_user});
        let token = t.token.clone();
        async move {
            mutate(
                &token,
                "completeOnboarding",
                "CompleteOnboardingInput",
                "onboarding { status employee { id status hireDate orgUnit { code } } applicant { stage } }",
                input,
            )
            .await
        }
    };
    assert_eq!(
        codes(&complete(&onboarding).await),
        ["CHECKLIST_INCOMPLETE"]
    );
    let task = &onboarding["tasks"][0];
    assert_eq!(task["required"], true);
    let r = mutate(
        &t.token,
        "completeChecklistTask",
        "CompleteChecklistTaskInput",
        "task { doneAt }",
        json!({"id": task["id"], "expectedVersion": task["version"]}),
    )
    .await;
    assert!(ok(&r)["task"]["doneAt"].is_string());
    let done = ok(&complete(&onboarding).await)["onboarding"].clone();
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["applicant"]["stage"], "HIRED");
    assert_eq!(done["employee"]["hireDate"], "2026-06-01");
    assert_eq!(done["employee"]["orgUnit"]["code"], "ENG");
    let emp = id(&done["employee"]);
    let r = call(&t.token, "query($e: ID!, $r: ID!) { employmentContracts(filter: {employee: {eq: $e}}) { nodes { status contractType startDate trialEnd wage } } jobRequisition(id: $r) { status filled } }",
        json!({"e": emp, "r": req["id"]})).await;
    let contract = &r["employmentContracts"]["nodes"][0];
    assert_eq!(dec(&contract["wage"]), Decimal::from(280_000), "{r}");
    assert_eq!(
        r["employmentContracts"]["nodes"],
        json!([{"status": "RUNNING", "contractType": "PERMANENT", "startDate": "2026-06-01", "trialEnd": "2026-08-31", "wage": contract["wage"]}]),
        "{r}"
    );
    assert_eq!(
        r["jobRequisition"],
        json!({"status": "FILLED", "filled": 1})
    );
    for scheme in ["HEALTH", "PENSION"] {
        create(&t, "SocialInsuranceEnrolment", json!({"employeeId": emp, "scheme": scheme, "effectiveFrom": "2026-06-01", "standardMonthlyRemuneration": "280000"})).await;
    }
    create(
        &t,
        "SocialInsuranceEnrolment",
        json!({"employeeId": emp, "scheme": "EMPLOYMENT", "effectiveFrom": "2026-06-01"}),
    )
    .await;

    // 4. June: a full month. 280,000 − health 13,972 − pension 25,620 − employment 1,680 −
    // tax 5,130 (taxable 238,728) = 233,598.
    for d in weekdays(2026, 6) {
        day(&t, &emp, d, (18, 0)).await;
    }
    validate(&t, "2026-06-01", "2026-06-30").await;
    let june = ok(&new_run(&t, "2026-06-01").await)["payrollRun"].clone();
    let june = ok(&run_action(&t, "computePayrollRun", &june).await)["payrollRun"].clone();
    assert_eq!(dec(&june["netTotal"]), Decimal::from(233_598), "{june}");
    let june = ok(&run_action(&t, "postPayrollRun", &june).await)["payrollRun"].clone();
    ok(&run_action(&t, "publishPayrollRun", &june).await);
    let mine = call(
        &hire_token,
        "{ payslips { nodes { net paymentDays } } }",
        json!({}),
    )
    .await;
    let slips = mine["payslips"]["nodes"].as_array().unwrap();
    assert_eq!(slips.len(), 1, "{mine}");
    assert_eq!(dec(&slips[0]["net"]), Decimal::from(233_598));
    assert_eq!(slips[0]["paymentDays"], "22");

    // 5. Leaving on Friday 17 July after resigning.
    let off = create(
        &t,
        "ChecklistTemplate",
        json!({"code": "OFFBOARD", "name": "Offboarding", "kind": "OFFBOARDING",
            "items": [{"title": "Exit interview"}]}),
    )
    .await;
    let sep = mutate(
        &t.token,
        "startSeparation",
        "StartSeparationInput",
        "separation { id version status tasks { id version title } }",
        json!({"employeeId": emp, "lastWorkingDay": "2026-07-17", "reason": "RESIGNATION", "checklistTemplateId": off["id"]}),
    )
    .await;
    let sep = ok(&sep)["separation"].clone();
    let again = mutate(
        &t.token,
        "startSeparation",
        "StartSeparationInput",
        "separation { id }",
        json!({"employeeId": emp, "lastWorkingDay": "2026-07-31", "reason": "RESIGNATION"}),
    )
    .await;
    assert_eq!(codes(&again), ["DUPLICATE"], "one open separation");
    for d in weekdays(2026, 7).into_iter().filter(|d| d.day() <= 17) {
        day(&t, &emp, d, (18, 0)).await;
    }
    let finish = |s: &Value| {
        let input = json!({"id": s["id"], "expectedVersion": s["version"]});
        let token = t.token.clone();
        async move {
            mutate(
                &token,
                "completeSeparation",
                "HrTransitionInput",
                "separation { status employee { status leftOn } }",
                input,
            )
            .await
        }
    };
    assert_eq!(codes(&finish(&sep).await), ["CHECKLIST_INCOMPLETE"]);
    let task = &sep["tasks"][0];
    ok(&mutate(
        &t.token,
        "completeChecklistTask",
        "CompleteChecklistTaskInput",
        "task { id }",
        json!({"id": task["id"], "expectedVersion": task["version"]}),
    )
    .await);
    let left = ok(&finish(&sep).await)["separation"].clone();
    assert_eq!(left["status"], "COMPLETED");
    assert_eq!(
        left["employee"],
        json!({"status": "LEFT", "leftOn": "2026-07-17"})
    );
    let r = call(&t.token, "query($e: ID!) { employmentContracts(filter: {employee: {eq: $e}}) { nodes { status endDate } } }", json!({"e": emp})).await;
    assert_eq!(
        r["employmentContracts"]["nodes"],
        json!([{"status": "ENDED", "endDate": "2026-07-17"}])
    );
    let r = mutate(
        &t.token,
        "recordTimeEvent",
        "TimeEventInput",
        "timeEvent { id }",
        json!({"employeeId": emp, "kind": "IN", "occurredAt": Utc::now().to_rfc3339()}),
    )
    .await;
    assert_eq!(codes(&r), ["EMPLOYEE_INACTIVE"]);

    // The final month, prorated: 280,000 × 13 / 23 = 158,260.87 → 158,261; no health or
    // pension premium (the loss date, 18 July, falls in July); employment insurance 949.57 →
    // 950; tax 2,730 (taxable 157,311); net 154,581.
    validate(&t, "2026-07-01", "2026-07-31").await;
    let july = ok(&new_run(&t, "2026-07-01").await)["payrollRun"].clone();
    let july = ok(&run_action(&t, "computePayrollRun", &july).await)["payrollRun"].clone();
    let s = call(
        &t.token,
        &format!(
            "query($r: ID!) {{ payslips(filter: {{run: {{eq: $r}}}}) {{ nodes {{ {SLIP} }} }} }}"
        ),
        json!({"r": july["id"]}),
    )
    .await;
    let s = &s["payslips"]["nodes"][0];
    assert_eq!(
        (&s["paymentDays"], &s["workingDays"]),
        (&json!("13"), &json!(23)),
        "{s}"
    );
    let lines: Vec<(String, Decimal)> = s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["code"].as_str().unwrap().to_owned(), dec(&l["amount"])))
        .collect();
    assert_eq!(
        lines,
        [
            ("BASE".to_owned(), Decimal::from(158_261)),
            ("EMPLOYMENT".to_owned(), Decimal::from(950)),
            ("INCOME_TAX".to_owned(), Decimal::from(2_730)),
        ],
        "{s}"
    );
    assert_eq!(dec(&s["net"]), Decimal::from(154_581));
    assert_eq!(dec(&s["ytdGross"]), Decimal::from(438_261));
    ok(&run_action(&t, "postPayrollRun", &july).await);

    // 6. The settlement: 1 month of service × 1 month a year × 0.8 for a resignation =
    // 18,666; 20.42 % withheld without the declaration, nothing with it.
    create(
        &t,
        "SeveranceScheme",
        json!({"code": "STD", "name": "Standard",
        "bands": [{"fromYears": 0, "monthsPerYear": "1"}],
        "reasonFactors": [{"reason": "RESIGNATION", "factor": "0.8"}]}),
    )
    .await;
    const SETTLEMENT: &str =
        "finalSettlement { id version serviceMonths severance incomeTax residentTax net status }";
    let compute = |declared: bool| {
        let input = json!({"separationId": sep["id"], "declarationSubmitted": declared});
        let token = t.token.clone();
        async move {
            mutate(
                &token,
                "computeFinalSettlement",
                "ComputeFinalSettlementInput",
                SETTLEMENT,
                input,
            )
            .await
        }
    };
    let s = ok(&compute(false).await)["finalSettlement"].clone();
    assert_eq!(
        (
            &s["serviceMonths"],
            dec(&s["severance"]),
            dec(&s["incomeTax"])
        ),
        (&json!(1), Decimal::from(18_666), Decimal::from(3_811)),
        "{s}"
    );
    let s = ok(&compute(true).await)["finalSettlement"].clone();
    assert_eq!(
        (dec(&s["incomeTax"]), dec(&s["net"])),
        (Decimal::ZERO, Decimal::from(18_666))
    );
    let (payroll_user, payroll_token) = app.add_user(&t, &[BuiltinRole::PayrollAdmin]).await;
    let _ = payroll_user;
    let posted = mutate(
        &payroll_token,
        "postFinalSettlement",
        "HrTransitionInput",
        SETTLEMENT,
        json!({"id": s["id"], "expectedVersion": s["version"]}),
    )
    .await;
    assert_eq!(ok(&posted)["finalSettlement"]["status"], "POSTED");
    assert_eq!(
        codes(&compute(true).await),
        ["LOCKED"],
        "a posted settlement stays"
    );
    // The leaver reads their own settlement.
    let mine = call(
        &hire_token,
        "{ finalSettlements { nodes { net } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        mine["finalSettlements"]["nodes"],
        json!([{"net": "18666"}]),
        "{mine}"
    );
    // Re-employment follows a retirement only.
    let r = mutate(&t.token, "reemployEmployee", "ReemployInput", "contract { id }",
        json!({"separationId": sep["id"], "startDate": "2026-08-01", "wage": "200000", "workScheduleId": schedule["id"]})).await;
    assert_eq!(codes(&r), ["ILLEGAL_TRANSITION"]);

    // The reports see the same: the register of June, the labour cost of the two months on
    // the unit's cost centre, and one vacancy filled (approved and filled in this test run).
    create(
        &t,
        "CostCentre",
        json!({"code": "CC-ENG", "name": "Engineering", "orgUnitId": unit["id"]}),
    )
    .await;
    let r = call(&t.token, "query($r: ID!) { payrollRegister(runId: $r) { number lines { employee { employeeNumber } gross net } gross net } }", json!({"r": june["id"]})).await;
    let reg = &r["payrollRegister"];
    assert_eq!(
        reg["lines"],
        json!([{"employee": {"employeeNumber": "H001"}, "gross": "280000", "net": "233598"}]),
        "{r}"
    );
    assert_eq!(
        (&reg["gross"], &reg["net"]),
        (&json!("280000"), &json!("233598"))
    );
    let r = call(&t.token, "{ labourCostByCostCentre(from: \"2026-06-01\", to: \"2026-07-31\") { costCentre { code } employees gross } }", json!({})).await;
    assert_eq!(
        r["labourCostByCostCentre"],
        json!([{"costCentre": {"code": "CC-ENG"}, "employees": 1, "gross": "438261"}]),
        "{r}"
    );
    let today = Utc::now().date_naive();
    let r = call(&t.token, "query($f: NaiveDate!, $t: NaiveDate!) { timeToFillReport(from: $f, to: $t) { fills { days requisition { title } employee { employeeNumber } } averageDays } }",
        json!({"f": today.pred_opt(), "t": today.succ_opt()})).await;
    assert_eq!(
        r["timeToFillReport"],
        json!({"fills": [{"days": 0, "requisition": {"title": "Backend engineer"}, "employee": {"employeeNumber": "H001"}}], "averageDays": "0"}),
        "{r}"
    );

    // 7. Every entry balances and the chain holds.
    let v = call(&t.token, "{ verifyLedger { valid } }", json!({})).await;
    assert_eq!(v["verifyLedger"]["valid"], true);
    let _ = RUN;
}

#[tokio::test]
async fn retirees_get_their_severance_and_are_reemployed() {
    let app = shared();
    let t = app.new_tenant_with(0).await;
    let schedule = create(
        &t,
        "WorkSchedule",
        json!({"code": "DAY", "name": "Day", "startTime": "09:00:00", "endTime": "18:00:00"}),
    )
    .await;
    let e = create(
        &t,
        "Employee",
        json!({"employeeNumber": "R1", "familyName": "Kato", "givenName": "Ichiro",
        "workEmail": format!("r1@{}.test.example", t.slug), "hireDate": "2012-10-01"}),
    )
    .await;
    let c = create(
        &t,
        "EmploymentContract",
        json!({"employeeId": e["id"], "contractType": "PERMANENT",
        "startDate": "2012-10-01", "wage": "300000", "workScheduleId": schedule["id"]}),
    )
    .await;
    ok(&call(&t.token, "mutation($i: EmploymentContractTransitionInput!) { startEmploymentContract(input: $i) { errors { code } } }",
        json!({"i": {"id": c["id"], "expectedVersion": 1}})).await["startEmploymentContract"]);
    // Bands: nothing for the first 3 years, 1 month a year to 10, 1.5 beyond.
    let bands = json!([{"fromYears": 0, "toYears": 3, "monthsPerYear": "0"},
        {"fromYears": 3, "toYears": 10, "monthsPerYear": "1"},
        {"fromYears": 10, "monthsPerYear": "1.5"}]);
    let bad = mutate(&t.token, "createSeveranceScheme", "CreateSeveranceSchemeInput", "severanceScheme { id }",
        json!({"code": "GAP", "name": "Gap", "bands": [{"fromYears": 0, "toYears": 3, "monthsPerYear": "0"}, {"fromYears": 4, "monthsPerYear": "1"}]})).await;
    assert_eq!(codes(&bad), ["INVALID"], "bands follow each other");
    create(
        &t,
        "SeveranceScheme",
        json!({"code": "STD", "name": "Standard", "bands": bands}),
    )
    .await;
    let second = mutate(
        &t.token,
        "createSeveranceScheme",
        "CreateSeveranceSchemeInput",
        "severanceScheme { id }",
        json!({"code": "NEW", "name": "New", "bands": []}),
    )
    .await;
    assert_eq!(codes(&second), ["DUPLICATE"], "one active scheme");
    let sep = mutate(
        &t.token,
        "startSeparation",
        "StartSeparationInput",
        "separation { id version tasks { id } }",
        json!({"employeeId": e["id"], "lastWorkingDay": "2025-03-31", "reason": "RETIREMENT"}),
    )
    .await;
    let sep = ok(&sep)["separation"].clone();
    assert_eq!(
        sep["tasks"],
        json!([]),
        "no template and no assets: nothing to do"
    );
    ok(&mutate(
        &t.token,
        "completeSeparation",
        "HrTransitionInput",
        "separation { id }",
        json!({"id": sep["id"], "expectedVersion": sep["version"]}),
    )
    .await);
    // 12 years 6 months: 7 × 1 + 2.5 × 1.5 = 10.75 months = 3,225,000; the deduction for 13
    // years (5,200,000) leaves nothing to tax.
    let s = mutate(&t.token, "computeFinalSettlement", "ComputeFinalSettlementInput",
        "finalSettlement { serviceMonths severance retirementDeduction taxableIncome incomeTax residentTax net }",
        json!({"separationId": sep["id"], "declarationSubmitted": true})).await;
    let s = ok(&s)["finalSettlement"].clone();
    assert_eq!(
        s,
        json!({"serviceMonths": 150, "severance": "3225000", "retirementDeduction": "5200000",
            "taxableIncome": "0", "incomeTax": "0", "residentTax": "0", "net": "3225000"})
    );
    let r = mutate(&t.token, "reemployEmployee", "ReemployInput", "contract { status contractType renewalOf { id } }",
        json!({"separationId": sep["id"], "startDate": "2025-04-01", "endDate": "2026-03-31", "wage": "200000", "workScheduleId": schedule["id"]})).await;
    let contract = ok(&r)["contract"].clone();
    assert_eq!(
        contract,
        json!({"status": "RUNNING", "contractType": "RE_EMPLOYMENT", "renewalOf": {"id": c["id"]}})
    );
    let r = call(
        &t.token,
        "query($e: ID!) { employee(id: $e) { status leftOn } }",
        json!({"e": e["id"]}),
    )
    .await;
    assert_eq!(r["employee"], json!({"status": "ACTIVE", "leftOn": null}));
    // The re-employment ends a year later: its settlement counts only that year (the years
    // before were settled on retiring), which the first band pays nothing for.
    let again = mutate(
        &t.token,
        "startSeparation",
        "StartSeparationInput",
        "separation { id version }",
        json!({"employeeId": e["id"], "lastWorkingDay": "2026-03-31", "reason": "CONTRACT_END"}),
    )
    .await;
    let again = ok(&again)["separation"].clone();
    ok(&mutate(
        &t.token,
        "completeSeparation",
        "HrTransitionInput",
        "separation { id }",
        json!({"id": again["id"], "expectedVersion": again["version"]}),
    )
    .await);
    let s = mutate(
        &t.token,
        "computeFinalSettlement",
        "ComputeFinalSettlementInput",
        "finalSettlement { serviceMonths severance retirementDeduction }",
        json!({"separationId": again["id"], "declarationSubmitted": true}),
    )
    .await;
    assert_eq!(
        ok(&s)["finalSettlement"],
        json!({"serviceMonths": 12, "severance": "0", "retirementDeduction": "800000"})
    );
}
