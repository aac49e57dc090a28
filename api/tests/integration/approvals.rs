//! The workflow kernel through purchase requests: tiered approvals with amount thresholds,
//! self-approval refused in every disguise, delegation, illegal transitions, and the personal
//! queues and notifications.

use api::auth::BuiltinRole;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestTenant, shared};

/// A tenant with a requester who reports to a manager, a finance manager and two directors.
struct Org {
    t: TestTenant,
    requester: (Uuid, String),
    manager: (Uuid, String),
    finance: (Uuid, String),
    d1: (Uuid, String),
    d2: (Uuid, String),
}

async fn call(app: &TestApp, token: &str, q: &str, vars: Value) -> Value {
    app.gql(Some(token), q, vars).await.ok().data().clone()
}

async fn employee(
    app: &TestApp,
    t: &TestTenant,
    n: &str,
    user: Uuid,
    manager: Option<&str>,
) -> String {
    let r = call(
        app,
        &t.token,
        "mutation($i: CreateEmployeeInput!) { createEmployee(input: $i) { employee { id } errors { field code message } } }",
        json!({"i": {
            "employeeNumber": n, "familyName": "Test", "givenName": n,
            "workEmail": format!("{n}@{}.test.example", t.slug), "hireDate": "2024-04-01",
            "managerId": manager, "userId": user,
        }}),
    )
    .await;
    assert_eq!(r["createEmployee"]["errors"], json!([]), "{r}");
    r["createEmployee"]["employee"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn org() -> Org {
    let app = shared();
    let t = app.new_tenant().await;
    let requester = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let manager = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let finance = app.add_user(&t, &[BuiltinRole::FinanceManager]).await;
    let d1 = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let d2 = app.add_user(&t, &[BuiltinRole::Employee]).await;
    let m = employee(app, &t, "M-1", manager.0, None).await;
    employee(app, &t, "R-1", requester.0, Some(&m)).await;
    Org {
        t,
        requester,
        manager,
        finance,
        d1,
        d2,
    }
}

const RULE: &str = "mutation($i: CreateApprovalRuleInput!) { createApprovalRule(input: $i) { approvalRule { id } errors { field code message } } }";

/// Manager always; finance from 100,000 JPY; both directors from 1,000,000 JPY.
async fn three_tier_rule(o: &Org) {
    let r = call(
        shared(),
        &o.t.token,
        RULE,
        json!({"i": {
            "documentType": "PurchaseRequest", "name": "Purchases", "currency": "JPY",
            "tiers": [
                {"name": "Manager", "approvers": [{"kind": "MANAGER", "level": 1}]},
                {"name": "Finance", "minAmount": "100000", "approvers": [{"kind": "ROLE", "role": "finance_manager"}]},
                {"name": "Directors", "mode": "ALL", "minAmount": "1000000", "approvers": [
                    {"kind": "USER", "userId": o.d1.0}, {"kind": "USER", "userId": o.d2.0}]},
            ],
        }}),
    )
    .await;
    assert_eq!(r["createApprovalRule"]["errors"], json!([]), "{r}");
}

const PR_FIELDS: &str = "id version status number allowedActions";

async fn draft(token: &str, amount: &str) -> Value {
    let r = call(
        shared(),
        token,
        &format!("mutation($i: CreatePurchaseRequestInput!) {{ createPurchaseRequest(input: $i) {{ purchaseRequest {{ {PR_FIELDS} }} errors {{ field code message }} }} }}"),
        json!({"i": {"title": "Laptops", "amount": amount, "currency": "JPY", "category": "IT"}}),
    )
    .await;
    assert_eq!(r["createPurchaseRequest"]["errors"], json!([]), "{r}");
    r["createPurchaseRequest"]["purchaseRequest"].clone()
}

async fn transition(token: &str, name: &str, pr: &Value) -> Value {
    call(
        shared(),
        token,
        &format!("mutation($i: PurchaseRequestTransitionInput!) {{ {name}(input: $i) {{ purchaseRequest {{ {PR_FIELDS} }} errors {{ field code message }} }} }}"),
        json!({"i": {"id": pr["id"], "expectedVersion": pr["version"]}}),
    )
    .await[name]
        .clone()
}

async fn submit(token: &str, pr: &Value) -> Value {
    transition(token, "submitPurchaseRequest", pr).await
}

const DECIDED: &str = "approvalRequest { status currentTier tasks { tier tierName status approverUserId decidedBy comment } } errors { code message }";

async fn approve(token: &str, pr: &Value) -> Value {
    call(
        shared(),
        token,
        &format!("mutation($i: ApproveInput!) {{ approve(input: $i) {{ {DECIDED} }} }}"),
        json!({"i": {"documentId": pr["id"], "comment": "ok"}}),
    )
    .await["approve"]
        .clone()
}

async fn reject(token: &str, pr: &Value, reason: &str) -> Value {
    call(
        shared(),
        token,
        &format!("mutation($i: RejectInput!) {{ reject(input: $i) {{ {DECIDED} }} }}"),
        json!({"i": {"documentId": pr["id"], "reason": reason}}),
    )
    .await["reject"]
        .clone()
}

async fn status_of(token: &str, pr: &Value) -> String {
    let r = call(
        shared(),
        token,
        "query($id: ID!) { purchaseRequest(id: $id) { status } }",
        json!({"id": pr["id"]}),
    )
    .await;
    r["purchaseRequest"]["status"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn code(payload: &Value) -> &str {
    payload["errors"][0]["code"].as_str().unwrap_or("")
}

/// A small amount needs only the manager; a large one climbs every tier, and an `ALL` tier
/// needs each of its approvers.
#[tokio::test]
async fn tiers_apply_by_amount_and_in_order() {
    let o = org().await;
    three_tier_rule(&o).await;

    let small = draft(&o.requester.1, "50000").await;
    let s = submit(&o.requester.1, &small).await;
    assert_eq!(s["purchaseRequest"]["status"], "TO_APPROVE", "{s}");
    assert_eq!(
        s["purchaseRequest"]["allowedActions"],
        json!(["APPROVE", "REJECT", "CANCEL"])
    );
    let a = approve(&o.manager.1, &small).await;
    assert_eq!(a["errors"], json!([]), "{a}");
    assert_eq!(a["approvalRequest"]["status"], "APPROVED");
    assert_eq!(a["approvalRequest"]["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(status_of(&o.requester.1, &small).await, "APPROVED");

    let big = draft(&o.requester.1, "2000000").await;
    submit(&o.requester.1, &big).await;
    // Finance cannot jump the queue: tier 1 decides first.
    assert_eq!(code(&approve(&o.finance.1, &big).await), "NOT_AN_APPROVER");
    let a = approve(&o.manager.1, &big).await;
    assert_eq!(a["approvalRequest"]["currentTier"], 2, "{a}");
    let a = approve(&o.finance.1, &big).await;
    assert_eq!(a["approvalRequest"]["currentTier"], 3, "{a}");
    let a = approve(&o.d1.1, &big).await;
    assert_eq!(
        a["approvalRequest"]["status"], "PENDING",
        "ALL needs both: {a}"
    );
    assert_eq!(code(&approve(&o.d1.1, &big).await), "ALREADY_DECIDED");
    let a = approve(&o.d2.1, &big).await;
    assert_eq!(a["approvalRequest"]["status"], "APPROVED", "{a}");
    let tasks = a["approvalRequest"]["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 4);
    assert!(tasks.iter().all(|t| t["status"] == "APPROVED"));
    assert_eq!(status_of(&o.requester.1, &big).await, "APPROVED");
    // Transitions are in the audit trail with their own verbs, and count as updates.
    let audit = call(
        shared(),
        &o.t.token,
        "query($id: ID!) { auditTrail(filter: {entityId: $id, action: UPDATE}) { nodes { verb } } }",
        json!({"id": big["id"]}),
    )
    .await;
    let verbs: Vec<&str> = audit["auditTrail"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["verb"].as_str())
        .collect();
    assert!(
        verbs.contains(&"submitted") && verbs.contains(&"approved"),
        "{audit}"
    );

    // The requester was told, and the history shows every decision.
    let n = call(
        shared(),
        &o.requester.1,
        "{ notifications { nodes { kind } } }",
        json!({}),
    )
    .await;
    assert!(
        n["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["kind"] == "approval_approved"),
        "{n}"
    );
    let h = call(
        shared(),
        &o.requester.1,
        "query($id: ID!) { approvalHistory(documentId: $id) { status tasks { decidedBy decidedAt comment } } }",
        json!({"id": big["id"]}),
    )
    .await;
    let history = h["approvalHistory"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert!(
        history[0]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| !t["decidedBy"].is_null() && t["comment"] == "ok")
    );
}

/// No tiered rule applies (only the seeded catch-all without tiers): approved at submission.
#[tokio::test]
async fn without_a_rule_a_request_is_approved_at_once() {
    let o = org().await;
    let pr = draft(&o.requester.1, "1000").await;
    let s = submit(&o.requester.1, &pr).await;
    assert_eq!(s["purchaseRequest"]["status"], "APPROVED", "{s}");
}

/// The requester never approves their own request: not directly, not through an approver role
/// they hold, not as their own manager, and not as the delegate of an approver.
#[tokio::test]
async fn self_approval_is_refused_in_every_disguise() {
    let app = shared();
    let o = org().await;
    three_tier_rule(&o).await;

    // Directly.
    let pr = draft(&o.requester.1, "50000").await;
    submit(&o.requester.1, &pr).await;
    assert_eq!(code(&approve(&o.requester.1, &pr).await), "SELF_APPROVAL");

    // As an approver's delegate: the manager delegates to the requester.
    let today = chrono::Utc::now().date_naive();
    let d = call(
        app,
        &o.manager.1,
        "mutation($i: DelegateApprovalsInput!) { delegateApprovals(input: $i) { approvalDelegation { id } errors { code } } }",
        json!({"i": {"delegateUserId": o.requester.0, "startsOn": today, "endsOn": today + chrono::Days::new(3)}}),
    )
    .await;
    assert_eq!(d["delegateApprovals"]["errors"], json!([]), "{d}");
    assert_eq!(code(&approve(&o.requester.1, &pr).await), "SELF_APPROVAL");
    let w = call(
        app,
        &o.requester.1,
        "{ approvalsWaitingForMe { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(w["approvalsWaitingForMe"]["totalCount"], 0, "{w}");

    // As their own manager: the head of a unit, with no manager of their own, goes to the
    // manager of the unit above, never to themselves.
    let t = &o.t;
    let boss = app.add_user(t, &[BuiltinRole::Employee]).await;
    let head = app.add_user(t, &[BuiltinRole::Employee]).await;
    let boss_e = employee(app, t, "B-1", boss.0, None).await;
    let unit = |code: &str, parent: Option<String>, manager: Option<String>| json!({"i": {"code": code, "name": code, "parentId": parent, "managerId": manager}});
    let q = "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id version } errors { code message } } }";
    let top = call(app, &t.token, q, unit("TOP", None, Some(boss_e))).await;
    let top_id = top["createOrgUnit"]["orgUnit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let head_e = employee(app, t, "H-1", head.0, None).await;
    let sales = call(
        app,
        &t.token,
        q,
        unit("SALES", Some(top_id), Some(head_e.clone())),
    )
    .await;
    assert_eq!(sales["createOrgUnit"]["errors"], json!([]), "{sales}");
    let u = call(
        app,
        &t.token,
        "mutation($i: UpdateEmployeeInput!) { updateEmployee(input: $i) { errors { code } } }",
        json!({"i": {"id": head_e, "expectedVersion": 1, "patch": {"orgUnitId": sales["createOrgUnit"]["orgUnit"]["id"]}}}),
    )
    .await;
    assert_eq!(u["updateEmployee"]["errors"], json!([]), "{u}");
    let pr = draft(&head.1, "50000").await;
    let s = submit(&head.1, &pr).await;
    assert_eq!(s["errors"], json!([]), "{s}");
    assert_eq!(code(&approve(&head.1, &pr).await), "SELF_APPROVAL");
    let a = approve(&boss.1, &pr).await;
    assert_eq!(a["approvalRequest"]["status"], "APPROVED", "{a}");
    assert_eq!(
        a["approvalRequest"]["tasks"][0]["approverUserId"],
        json!(boss.0)
    );

    // Through a role: a finance manager's request never asks them; when they are the only
    // finance manager, nobody can approve it and the submission is refused.
    let o2 = org().await;
    let r = call(
        app,
        &o2.t.token,
        RULE,
        json!({"i": {"documentType": "PurchaseRequest", "name": "Finance only",
            "tiers": [{"name": "Finance", "approvers": [{"kind": "ROLE", "role": "finance_manager"}]}]}}),
    )
    .await;
    assert_eq!(r["createApprovalRule"]["errors"], json!([]), "{r}");
    let pr = draft(&o2.finance.1, "500000").await;
    let s = submit(&o2.finance.1, &pr).await;
    assert_eq!(code(&s), "NO_APPROVER", "{s}");
    let other = app.add_user(&o2.t, &[BuiltinRole::FinanceManager]).await;
    let s = submit(&o2.finance.1, &pr).await;
    assert_eq!(s["errors"], json!([]), "{s}");
    assert_eq!(code(&approve(&o2.finance.1, &pr).await), "SELF_APPROVAL");
    let a = approve(&other.1, &pr).await;
    assert_eq!(a["approvalRequest"]["status"], "APPROVED", "{a}");
    let tasks = a["approvalRequest"]["tasks"].as_array().unwrap();
    assert_eq!(
        tasks.len(),
        1,
        "only the other finance manager was asked: {a}"
    );
}

/// A delegate decides while the delegation lasts, and the decision records who decided for whom;
/// a revoked delegation gives no power.
#[tokio::test]
async fn delegates_decide_for_absent_approvers() {
    let app = shared();
    let o = org().await;
    three_tier_rule(&o).await;
    let stand_in = app.add_user(&o.t, &[BuiltinRole::Employee]).await;
    let today = chrono::Utc::now().date_naive();
    let q = "mutation($i: DelegateApprovalsInput!) { delegateApprovals(input: $i) { approvalDelegation { id version } errors { field code } } }";
    // Dates must make sense.
    let bad = call(app, &o.manager.1, q, json!({"i": {"delegateUserId": stand_in.0, "startsOn": today, "endsOn": today - chrono::Days::new(1)}})).await;
    assert_eq!(code(&bad["delegateApprovals"]), "INVALID", "{bad}");
    let own = call(
        app,
        &o.manager.1,
        q,
        json!({"i": {"delegateUserId": o.manager.0, "startsOn": today, "endsOn": today}}),
    )
    .await;
    assert_eq!(code(&own["delegateApprovals"]), "INVALID", "{own}");
    let d = call(app, &o.manager.1, q, json!({"i": {"delegateUserId": stand_in.0, "startsOn": today, "endsOn": today + chrono::Days::new(7), "documentType": "PurchaseRequest"}})).await;
    assert_eq!(d["delegateApprovals"]["errors"], json!([]), "{d}");
    let overlap = call(
        app,
        &o.manager.1,
        q,
        json!({"i": {"delegateUserId": o.d1.0, "startsOn": today, "endsOn": today}}),
    )
    .await;
    assert_eq!(
        code(&overlap["delegateApprovals"]),
        "DUPLICATE",
        "{overlap}"
    );

    let pr = draft(&o.requester.1, "50000").await;
    submit(&o.requester.1, &pr).await;
    let w = call(app, &stand_in.1, "{ approvalsWaitingForMe { nodes { documentNumber document { ... on PurchaseRequest { title } } } } }", json!({})).await;
    assert_eq!(
        w["approvalsWaitingForMe"]["nodes"][0]["document"]["title"], "Laptops",
        "{w}"
    );
    let n = call(
        app,
        &stand_in.1,
        "{ notifications { nodes { kind } } }",
        json!({}),
    )
    .await;
    assert!(
        n["notifications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["kind"] == "approval_waiting"),
        "{n}"
    );
    let a = approve(&stand_in.1, &pr).await;
    assert_eq!(a["approvalRequest"]["status"], "APPROVED", "{a}");
    let task = &a["approvalRequest"]["tasks"][0];
    assert_eq!(task["approverUserId"], json!(o.manager.0));
    assert_eq!(task["decidedBy"], json!(stand_in.0));

    // Revoked: no more power.
    let del = &d["delegateApprovals"]["approvalDelegation"];
    let r = call(
        app,
        &o.manager.1,
        "mutation($i: RevokeApprovalDelegationInput!) { revokeApprovalDelegation(input: $i) { errors { code } } }",
        json!({"i": {"id": del["id"], "expectedVersion": del["version"]}}),
    )
    .await;
    assert_eq!(r["revokeApprovalDelegation"]["errors"], json!([]), "{r}");
    let pr = draft(&o.requester.1, "50000").await;
    submit(&o.requester.1, &pr).await;
    assert_eq!(code(&approve(&stand_in.1, &pr).await), "NOT_AN_APPROVER");
}

/// Transitions follow the state machine; an illegal one names the current state, a pending
/// request is locked, and a rejection needs a reason.
#[tokio::test]
async fn illegal_transitions_are_payload_errors() {
    let app = shared();
    let o = org().await;
    three_tier_rule(&o).await;
    let pr = draft(&o.requester.1, "50000").await;
    assert_eq!(pr["allowedActions"], json!(["SUBMIT", "CANCEL"]));
    assert_eq!(code(&approve(&o.manager.1, &pr).await), "NOT_PENDING");
    let r = transition(&o.requester.1, "reopenPurchaseRequest", &pr).await;
    assert_eq!(code(&r), "ILLEGAL_TRANSITION");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("DRAFT"),
        "{r}"
    );

    // Someone else cannot submit it.
    assert_eq!(code(&submit(&o.manager.1, &pr).await), "NOT_REQUESTER");
    let s = submit(&o.requester.1, &pr).await;
    let pending = s["purchaseRequest"].clone();
    let again = submit(&o.requester.1, &pending).await;
    assert_eq!(code(&again), "ILLEGAL_TRANSITION");
    assert!(
        again["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("TO_APPROVE"),
        "{again}"
    );

    // Locked while pending.
    let u = call(
        app,
        &o.requester.1,
        "mutation($i: UpdatePurchaseRequestInput!) { updatePurchaseRequest(input: $i) { purchaseRequest { id } errors { code } } }",
        json!({"i": {"id": pending["id"], "expectedVersion": pending["version"], "patch": {"amount": "1"}}}),
    )
    .await;
    assert_eq!(code(&u["updatePurchaseRequest"]), "LOCKED", "{u}");

    // A rejection needs a reason; with one, the request is rejected and can be reopened.
    assert_eq!(
        code(&reject(&o.manager.1, &pending, "  ").await),
        "REQUIRED"
    );
    let r = reject(&o.manager.1, &pending, "Too expensive").await;
    assert_eq!(r["approvalRequest"]["status"], "REJECTED", "{r}");
    assert_eq!(status_of(&o.requester.1, &pending).await, "REJECTED");
    let n = call(
        app,
        &o.requester.1,
        "{ notifications(filter: {kind: {eq: \"approval_rejected\"}}) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(n["notifications"]["totalCount"], 1, "{n}");
    let cur = call(
        app,
        &o.requester.1,
        &format!("query($id: ID!) {{ purchaseRequest(id: $id) {{ {PR_FIELDS} }} }}"),
        json!({"id": pending["id"]}),
    )
    .await;
    let reopened = transition(
        &o.requester.1,
        "reopenPurchaseRequest",
        &cur["purchaseRequest"],
    )
    .await;
    assert_eq!(reopened["purchaseRequest"]["status"], "DRAFT", "{reopened}");

    // Cancelling a pending request withdraws its approval.
    let s = submit(&o.requester.1, &reopened["purchaseRequest"]).await;
    let c = transition(
        &o.requester.1,
        "cancelPurchaseRequest",
        &s["purchaseRequest"],
    )
    .await;
    assert_eq!(c["purchaseRequest"]["status"], "CANCELLED", "{c}");
    assert_eq!(code(&approve(&o.manager.1, &pending).await), "NOT_PENDING");
    let mine = call(
        app,
        &o.requester.1,
        "{ myApprovalRequests { nodes { status reason } } }",
        json!({}),
    )
    .await;
    let statuses: Vec<&str> = mine["myApprovalRequests"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["status"].as_str())
        .collect();
    assert_eq!(statuses, vec!["REJECTED", "CANCELLED"], "{mine}");
}

/// Rules are validated: amounts need a currency, tiers name real approvers.
#[tokio::test]
async fn approval_rules_are_validated() {
    let o = org().await;
    let r = call(
        shared(),
        &o.t.token,
        RULE,
        json!({"i": {
            "documentType": "Nonsense", "name": " ", "minAmount": "10",
            "tiers": [{"name": "X", "approvers": [{"kind": "ROLE", "role": "no_such_role"}, {"kind": "USER", "userId": Uuid::new_v4()}, {"kind": "MANAGER", "level": 9}]}],
        }}),
    )
    .await;
    let errors = r["createApprovalRule"]["errors"].as_array().unwrap();
    let fields: Vec<String> = errors
        .iter()
        .map(|e| {
            e["field"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    for f in [
        "documentType",
        "name",
        "currency",
        "tiers.0.approvers.0.role",
        "tiers.0.approvers.1.userId",
        "tiers.0.approvers.2.level",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    assert_eq!(r["createApprovalRule"]["approvalRule"], Value::Null);
    // Employees do not define rules.
    let denied = shared()
        .gql(
            Some(&o.requester.1),
            "{ approvalRules { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(denied.code(), "FORBIDDEN");
}

/// Approvers of a document needed within two days are reminded, once however often the sweep
/// runs.
#[tokio::test]
async fn approvers_are_reminded_of_documents_coming_due() {
    let app = shared();
    let o = org().await;
    three_tier_rule(&o).await;
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let r = call(
        app,
        &o.requester.1,
        &format!("mutation($i: CreatePurchaseRequestInput!) {{ createPurchaseRequest(input: $i) {{ purchaseRequest {{ {PR_FIELDS} }} errors {{ code }} }} }}"),
        json!({"i": {"title": "Chairs", "amount": "20000", "currency": "JPY", "neededBy": tomorrow}}),
    )
    .await;
    let pr = r["createPurchaseRequest"]["purchaseRequest"].clone();
    submit(&o.requester.1, &pr).await;
    let db = app.db().await;
    for _ in 0..2 {
        api::services::approvals::send_reminders(&db).await.unwrap();
    }
    db.close().await.ok();
    let q = "{ notifications(filter: {kind: {eq: \"approval_due\"}}) { totalCount nodes { subjectId title } } }";
    let n = call(app, &o.manager.1, q, json!({})).await;
    assert_eq!(n["notifications"]["totalCount"], 1, "{n}");
    assert_eq!(n["notifications"]["nodes"][0]["subjectId"], pr["id"]);
    let none = call(app, &o.finance.1, q, json!({})).await;
    assert_eq!(
        none["notifications"]["totalCount"], 0,
        "only the deciding tier is reminded"
    );
}

/// Once a tenant has rules for a document type, a document none of them covers is refused, not
/// approved; a catch-all rule with no tiers approves what needs no approval.
#[tokio::test]
async fn approval_rules_fail_closed() {
    let app = shared();
    let o = org().await;
    three_tier_rule(&o).await;
    // Without the seeded catch-all.
    let rules = call(
        app,
        &o.t.token,
        "{ approvalRules(filter: {name: {eq: \"Seeded catch-all\"}}) { nodes { id version } } }",
        json!({}),
    )
    .await;
    let seeded = &rules["approvalRules"]["nodes"][0];
    let a = call(
        app,
        &o.t.token,
        "mutation($i: ArchiveInput!) { archiveApprovalRule(input: $i) { errors { code } } }",
        json!({"i": {"id": seeded["id"], "expectedVersion": seeded["version"]}}),
    )
    .await;
    assert_eq!(a["archiveApprovalRule"]["errors"], json!([]), "{a}");
    let usd = call(
        app,
        &o.requester.1,
        &format!("mutation($i: CreatePurchaseRequestInput!) {{ createPurchaseRequest(input: $i) {{ purchaseRequest {{ {PR_FIELDS} }} errors {{ code }} }} }}"),
        json!({"i": {"title": "Licences", "amount": "5000000", "currency": "USD"}}),
    )
    .await["createPurchaseRequest"]["purchaseRequest"]
        .clone();
    let s = submit(&o.requester.1, &usd).await;
    assert_eq!(
        code(&s),
        "NO_RULE",
        "another currency slips past no rule: {s}"
    );
    let r = call(
        app,
        &o.t.token,
        RULE,
        json!({"i": {"documentType": "PurchaseRequest", "name": "Rest", "priority": 100, "tiers": []}}),
    )
    .await;
    assert_eq!(r["createApprovalRule"]["errors"], json!([]), "{r}");
    let s = submit(&o.requester.1, &usd).await;
    assert_eq!(s["purchaseRequest"]["status"], "APPROVED", "{s}");
    // Tier thresholds need the rule's currency.
    let r = call(
        app,
        &o.t.token,
        RULE,
        json!({"i": {"documentType": "PurchaseRequest", "name": "No currency",
            "tiers": [{"name": "Big", "minAmount": "100", "approvers": [{"kind": "MANAGER"}]}]}}),
    )
    .await;
    assert_eq!(code(&r["createApprovalRule"]), "REQUIRED", "{r}");
}

/// Another member's purchase request can be neither read nor restored nor changed by someone
/// who may only submit their own: it answers like a missing one.
#[tokio::test]
async fn others_purchase_requests_are_invisible() {
    let app = shared();
    let o = org().await;
    let pr = draft(&o.requester.1, "1000").await;
    let archive = |token: &str, name: &str, v: i64| {
        let q = format!(
            "mutation($i: ArchiveInput!) {{ {name}(input: $i) {{ purchaseRequest {{ id version }} errors {{ code }} }} }}"
        );
        let vars = json!({"i": {"id": pr["id"], "expectedVersion": v}});
        let token = token.to_owned();
        async move { app.gql(Some(&token), &q, vars).await }
    };
    let a = archive(&o.requester.1, "archivePurchaseRequest", 1)
        .await
        .ok();
    assert_eq!(a.data()["archivePurchaseRequest"]["errors"], json!([]));
    let r = archive(&o.manager.1, "restorePurchaseRequest", 2).await;
    assert_eq!(r.code(), "NOT_FOUND", "{}", r.body);
    let seen = call(
        app,
        &o.manager.1,
        "query($id: ID!) { purchaseRequest(id: $id) { id } }",
        json!({"id": pr["id"]}),
    )
    .await;
    assert_eq!(seen["purchaseRequest"], Value::Null);
    let list = call(
        app,
        &o.manager.1,
        "{ purchaseRequests(archived: ANY) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(list["purchaseRequests"]["totalCount"], 0);
    let u = app
        .gql(
            Some(&o.manager.1),
            "mutation($i: UpdatePurchaseRequestInput!) { updatePurchaseRequest(input: $i) { errors { code } } }",
            json!({"i": {"id": pr["id"], "expectedVersion": 99, "patch": {"title": "mine now"}}}),
        )
        .await;
    assert_eq!(
        u.code(),
        "NOT_FOUND",
        "no version oracle either: {}",
        u.body
    );
}
