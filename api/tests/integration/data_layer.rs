//! The shared data layer: pagination with sort keys and ties, every filter operator, version
//! conflicts, archive and restore, validation, and the bulk error policies.

use serde_json::{Value, json};

use crate::helpers::{TestTenant, shared};

async fn call(t: &TestTenant, query: &str, vars: Value) -> crate::helpers::Gql {
    shared().gql(Some(&t.token), query, vars).await
}

const BULK_PARTIES: &str = "mutation($inputs: [CreatePartyInput!]!, $policy: ErrorPolicy!) {
  bulkCreateParties(inputs: $inputs, errorPolicy: $policy) {
    savedCount failedCount
    results { index party { id code email version } errors { field code message } }
  } }";

/// Creates parties and returns their ids in input order.
async fn parties(t: &TestTenant, inputs: Value) -> Vec<String> {
    let r = call(
        t,
        BULK_PARTIES,
        json!({ "inputs": inputs, "policy": "REJECT_EVERYTHING" }),
    )
    .await
    .ok();
    let p = &r.data()["bulkCreateParties"];
    assert_eq!(p["failedCount"], 0, "{p}");
    p["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["party"]["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The codes of the parties a filter selects, in code order.
async fn codes(t: &TestTenant, filter: Value) -> Vec<String> {
    let r = call(
        t,
        "query($f: PartyFilter) { parties(filter: $f, first: 100, orderBy: [{field: CODE}]) { nodes { code } } }",
        json!({ "f": filter }),
    )
    .await
    .ok();
    r.data()["parties"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["code"].as_str().expect("code").to_owned())
        .filter(|c| c != "C-1")
        .collect()
}

fn party(code: &str, name: &str, terms: Option<i32>, limit: Option<&str>, customer: bool) -> Value {
    json!({
        "code": code, "name": name, "paymentTermsDays": terms, "creditLimit": limit,
        "isCustomer": customer, "isSupplier": !customer,
    })
}

#[tokio::test]
async fn every_filter_operator() {
    let app = shared();
    let t = app.new_tenant_with(3).await;
    parties(
        &t,
        json!([
            party("P1", "Alpha Trading 100%", Some(30), Some("1000.50"), true),
            party("P2", "beta foods", Some(60), Some("250000"), true),
            party("P3", "Gamma_Logistics", None, None, false),
            {"code": "P4", "name": "Delta Ltd", "kind": "INDIVIDUAL", "paymentTermsDays": 45,
             "creditLimit": "0.01", "isSupplier": true,
             "taxRegistrationNumber": "T7000012050002", "nameKana": "デルタ"},
        ]),
    )
    .await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        // Text.
        (json!({"code": {"eq": "P2"}}), vec!["P2"]),
        (json!({"code": {"ne": "P2"}}), vec!["P1", "P3", "P4"]),
        (
            json!({"code": {"in": ["P1", "P3", "nope"]}}),
            vec!["P1", "P3"],
        ),
        (json!({"code": {"in": []}}), vec![]),
        (json!({"code": {"notIn": ["P1", "P3"]}}), vec!["P2", "P4"]),
        (json!({"name": {"contains": "TRAD"}}), vec!["P1"]),
        (json!({"name": {"contains": "100%"}}), vec!["P1"]),
        // `%` and `_` are literal, not wildcards.
        (json!({"name": {"contains": "%"}}), vec!["P1"]),
        (json!({"name": {"contains": "_"}}), vec!["P3"]),
        (json!({"name": {"startsWith": "BETA"}}), vec!["P2"]),
        (json!({"name": {"endsWith": "ltd"}}), vec!["P4"]),
        (json!({"nameKana": {"isNull": false}}), vec!["P4"]),
        (
            json!({"nameKana": {"isNull": true}}),
            vec!["P1", "P2", "P3"],
        ),
        // Int.
        (json!({"paymentTermsDays": {"eq": 60}}), vec!["P2"]),
        (json!({"paymentTermsDays": {"ne": 60}}), vec!["P1", "P4"]),
        (
            json!({"paymentTermsDays": {"in": [30, 45]}}),
            vec!["P1", "P4"],
        ),
        (
            json!({"paymentTermsDays": {"notIn": [30]}}),
            vec!["P2", "P4"],
        ),
        (json!({"paymentTermsDays": {"gt": 45}}), vec!["P2"]),
        (json!({"paymentTermsDays": {"gte": 45}}), vec!["P2", "P4"]),
        (json!({"paymentTermsDays": {"lt": 45}}), vec!["P1"]),
        (json!({"paymentTermsDays": {"lte": 45}}), vec!["P1", "P4"]),
        (json!({"paymentTermsDays": {"isNull": true}}), vec!["P3"]),
        // Decimal (as strings, exact).
        (json!({"creditLimit": {"gt": "1000.49"}}), vec!["P1", "P2"]),
        (json!({"creditLimit": {"lte": "1000.50"}}), vec!["P1", "P4"]),
        (json!({"creditLimit": {"eq": "0.01"}}), vec!["P4"]),
        (
            json!({"creditLimit": {"gte": "1000.50", "lt": "250000"}}),
            vec!["P1"],
        ),
        // Bool and enum.
        (json!({"isCustomer": {"eq": true}}), vec!["P1", "P2"]),
        (json!({"kind": {"eq": "INDIVIDUAL"}}), vec!["P4"]),
        (
            json!({"kind": {"ne": "INDIVIDUAL"}}),
            vec!["P1", "P2", "P3"],
        ),
        (
            json!({"kind": {"in": ["INDIVIDUAL", "GOVERNMENT"]}}),
            vec!["P4"],
        ),
        (json!({"kind": {"notIn": ["COMPANY"]}}), vec!["P4"]),
        // Timestamps.
        (
            json!({"createdAt": {"gte": "2000-01-01T00:00:00Z"}, "code": {"startsWith": "P"}}),
            vec!["P1", "P2", "P3", "P4"],
        ),
        (json!({"createdAt": {"lt": "2000-01-01T00:00:00Z"}}), vec![]),
        // Combinators.
        (
            json!({"and": [{"isCustomer": {"eq": true}}, {"paymentTermsDays": {"gt": 30}}]}),
            vec!["P2"],
        ),
        (
            json!({"or": [{"code": {"eq": "P1"}}, {"paymentTermsDays": {"isNull": true}}]}),
            vec!["P1", "P3"],
        ),
        (
            json!({"not": {"isCustomer": {"eq": true}}, "code": {"startsWith": "P"}}),
            vec!["P3", "P4"],
        ),
        (
            json!({"or": [{"and": [{"isCustomer": {"eq": false}}, {"not": {"kind": {"eq": "INDIVIDUAL"}}}]}, {"code": {"eq": "P2"}}]}),
            vec!["P2", "P3"],
        ),
    ];
    for (filter, want) in cases {
        assert_eq!(codes(&t, filter.clone()).await, want, "filter {filter}");
    }

    // Dates and references, on employees: the first seeded employee manages the rest.
    let r = call(
        &t,
        "{ employees(first: 100) { nodes { id orgUnit { id } } } orgUnits { nodes { id code } } }",
        json!({}),
    )
    .await
    .ok();
    let boss = r.data()["employees"]["nodes"][0]["id"].clone();
    let unit = r.data()["employees"]["nodes"][1]["orgUnit"]["id"].clone();
    let count = async |filter: Value| {
        call(
            &t,
            "query($f: EmployeeFilter) { employees(filter: $f) { totalCount } }",
            json!({ "f": filter }),
        )
        .await
        .ok()
        .data()["employees"]["totalCount"]
            .as_u64()
            .expect("count")
    };
    assert_eq!(count(json!({"manager": {"eq": boss}})).await, 2);
    assert_eq!(count(json!({"manager": {"isNull": true}})).await, 1);
    assert_eq!(count(json!({"manager": {"ne": boss}})).await, 0);
    assert_eq!(count(json!({"orgUnit": {"in": [unit]}})).await, 1);
    assert_eq!(count(json!({"orgUnit": {"notIn": [unit]}})).await, 2);
    assert_eq!(count(json!({"hireDate": {"eq": "2020-04-01"}})).await, 3);
    assert_eq!(count(json!({"hireDate": {"gt": "2020-04-01"}})).await, 0);
    assert_eq!(
        count(json!({"hireDate": {"gte": "2020-01-01", "lte": "2020-12-31"}})).await,
        3
    );
    assert_eq!(count(json!({"status": {"eq": "ACTIVE"}})).await, 3);
    assert_eq!(
        count(json!({"status": {"in": ["LEFT", "SUSPENDED"]}})).await,
        0
    );

    // An id of another type, too long a list and too many conditions are errors.
    let r = call(
        &t,
        "query($f: EmployeeFilter) { employees(filter: $f) { totalCount } }",
        json!({"f": {"manager": {"eq": unit}}}),
    )
    .await;
    assert_eq!(r.code(), "BAD_REQUEST", "{}", r.body);
    let many: Vec<String> = (0..101).map(|i| format!("X{i}")).collect();
    let r = call(
        &t,
        "query($f: PartyFilter) { parties(filter: $f) { totalCount } }",
        json!({"f": {"code": {"in": many}}}),
    )
    .await;
    assert_eq!(r.code(), "BAD_REQUEST", "{}", r.body);
    let wide: Vec<Value> = (0..60)
        .map(|i| json!({"code": {"eq": format!("X{i}")}}))
        .collect();
    let r = call(
        &t,
        "query($f: PartyFilter) { parties(filter: $f) { totalCount } }",
        json!({"f": {"or": wide}}),
    )
    .await;
    assert_eq!(r.code(), "BAD_REQUEST", "{}", r.body);
}

#[tokio::test]
async fn pagination_in_both_directions_with_ties_in_the_sort_key() {
    let app = shared();
    let t = app.new_tenant_with(1).await;
    // Eleven employees over three family names, created out of name order.
    let names = [
        "Sato", "Abe", "Kato", "Abe", "Sato", "Kato", "Abe", "Sato", "Abe", "Kato", "Sato",
    ];
    let inputs: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            json!({"employeeNumber": format!("P{i:03}"), "familyName": n, "givenName": "X",
                   "workEmail": format!("p{i}@example.test"), "hireDate": "2024-04-01"})
        })
        .collect();
    let r = call(
        &t,
        "mutation($i: [CreateEmployeeInput!]!) { bulkCreateEmployees(inputs: $i) { savedCount } }",
        json!({"i": inputs}),
    )
    .await
    .ok();
    assert_eq!(r.data()["bulkCreateEmployees"]["savedCount"], 11);

    let page =
        "query($first: Int, $after: String, $last: Int, $before: String, $dir: SortDirection!) {
      employees(first: $first, after: $after, last: $last, before: $before,
                filter: {employeeNumber: {startsWith: \"P\"}},
                orderBy: [{field: FAMILY_NAME, direction: $dir}]) {
        totalCount
        edges { cursor node { id familyName } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    for dir in ["ASC", "DESC"] {
        // Forwards, four at a time.
        let mut forward: Vec<(String, String)> = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let r = call(&t, page, json!({"first": 4, "after": after, "dir": dir}))
                .await
                .ok();
            let c = &r.data()["employees"];
            assert_eq!(c["totalCount"], 11);
            assert_eq!(c["pageInfo"]["hasPreviousPage"], after.is_some());
            for e in c["edges"].as_array().expect("edges") {
                forward.push((
                    e["node"]["familyName"].as_str().expect("name").to_owned(),
                    e["node"]["id"].as_str().expect("id").to_owned(),
                ));
            }
            pages += 1;
            if c["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = c["pageInfo"]["endCursor"].as_str().map(str::to_owned);
            assert!(pages < 10, "pagination does not end");
        }
        assert_eq!(pages, 3);
        assert_eq!(forward.len(), 11, "every row exactly once");
        let mut ids: Vec<&String> = forward.iter().map(|(_, id)| id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 11, "no row twice");
        // Sorted by name in the asked direction; ties keep one stable order (by id).
        let sorted_names: Vec<&str> = forward.iter().map(|(n, _)| n.as_str()).collect();
        let mut expected = sorted_names.clone();
        expected.sort();
        if dir == "DESC" {
            expected.reverse();
        }
        assert_eq!(sorted_names, expected);

        // Backwards from the end, four at a time, gives the same rows in the same order.
        let mut backward: Vec<(String, String)> = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let r = call(&t, page, json!({"last": 4, "before": before, "dir": dir}))
                .await
                .ok();
            let c = &r.data()["employees"];
            assert_eq!(c["pageInfo"]["hasNextPage"], before.is_some());
            let mut chunk: Vec<(String, String)> = c["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| {
                    (
                        e["node"]["familyName"].as_str().expect("name").to_owned(),
                        e["node"]["id"].as_str().expect("id").to_owned(),
                    )
                })
                .collect();
            chunk.extend(backward);
            backward = chunk;
            if c["pageInfo"]["hasPreviousPage"] == false {
                break;
            }
            before = c["pageInfo"]["startCursor"].as_str().map(str::to_owned);
        }
        assert_eq!(backward, forward, "{dir}: backwards equals forwards");
    }

    // A cursor only continues the ordering it came from.
    let r = call(&t, page, json!({"first": 2, "dir": "ASC"})).await.ok();
    let cursor = r.data()["employees"]["pageInfo"]["endCursor"].clone();
    let r = call(
        &t,
        "query($a: String) { employees(first: 2, after: $a) { totalCount } }",
        json!({"a": cursor}),
    )
    .await;
    assert_eq!(r.code(), "BAD_REQUEST", "{}", r.body);
    let r = call(
        &t,
        "{ employees(first: 2, after: \"not-a-cursor\") { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(r.code(), "BAD_REQUEST");
    // Two sort keys, and the same field twice is refused.
    let r = call(
        &t,
        "{ employees(first: 3, orderBy: [{field: FAMILY_NAME}, {field: EMPLOYEE_NUMBER, direction: DESC}], filter: {employeeNumber: {startsWith: \"P\"}}) { nodes { familyName employeeNumber } } }",
        json!({}),
    )
    .await
    .ok();
    assert_eq!(
        r.data()["employees"]["nodes"],
        json!([
            {"familyName": "Abe", "employeeNumber": "P008"},
            {"familyName": "Abe", "employeeNumber": "P006"},
            {"familyName": "Abe", "employeeNumber": "P003"},
        ])
    );
    let r = call(
        &t,
        "{ employees(orderBy: [{field: HIRE_DATE}, {field: HIRE_DATE}]) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(r.code(), "BAD_REQUEST");
}

const UPDATE_UNIT: &str = "mutation($input: UpdateOrgUnitInput!) { updateOrgUnit(input: $input) {
  orgUnit { id name version updatedBy parent { code } } errors { field code message } } }";

#[tokio::test]
async fn create_update_and_version_conflicts() {
    let app = shared();
    let t = app.new_tenant_with(1).await;
    let create = "mutation($input: CreateOrgUnitInput!) { createOrgUnit(input: $input) {
      orgUnit { id code name version createdAt createdBy updatedBy archivedAt } errors { field code message } } }";
    // Field-level validation: nothing is saved and every problem is named.
    let r = call(
        &t,
        create,
        json!({"input": {"code": "bad code!", "name": "  ", "parentId": "nope"}}),
    )
    .await
    .ok();
    let p = &r.data()["createOrgUnit"];
    assert_eq!(p["orgUnit"], Value::Null);
    let errors: Vec<(Value, Value)> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["field"].clone(), e["code"].clone()))
        .collect();
    assert!(
        errors.contains(&(json!(["code"]), json!("INVALID"))),
        "{errors:?}"
    );
    assert!(
        errors.contains(&(json!(["name"]), json!("REQUIRED"))),
        "{errors:?}"
    );
    assert!(
        errors.contains(&(json!(["parentId"]), json!("NOT_FOUND"))),
        "{errors:?}"
    );
    let r = call(
        &t,
        create,
        json!({"input": {"code": "HQ", "name": "Again"}}),
    )
    .await
    .ok();
    assert_eq!(r.data()["createOrgUnit"]["errors"][0]["code"], "DUPLICATE");

    let r = call(
        &t,
        create,
        json!({"input": {"code": "OPS", "name": "Operations"}}),
    )
    .await
    .ok();
    let unit = r.data()["createOrgUnit"]["orgUnit"].clone();
    assert_eq!(unit["version"], 1);
    assert_eq!(unit["archivedAt"], Value::Null);
    assert!(unit["createdBy"].is_string(), "{unit}");
    let id = unit["id"].clone();

    // An update at the current version moves it on; the old version is then stale.
    let r = call(&t, UPDATE_UNIT, json!({"input": {"id": id, "expectedVersion": 1, "patch": {"name": "Operations & Facilities"}}}))
        .await
        .ok();
    assert_eq!(r.data()["updateOrgUnit"]["orgUnit"]["version"], 2);
    assert_eq!(
        r.data()["updateOrgUnit"]["orgUnit"]["name"],
        "Operations & Facilities"
    );
    let r = call(
        &t,
        UPDATE_UNIT,
        json!({"input": {"id": id, "expectedVersion": 1, "patch": {"name": "Lost update"}}}),
    )
    .await;
    assert_eq!(r.code(), "CONFLICT", "{}", r.body);
    let r = call(
        &t,
        "query($id: ID!) { orgUnit(id: $id) { name version } }",
        json!({"id": id}),
    )
    .await
    .ok();
    assert_eq!(
        r.data()["orgUnit"],
        json!({"name": "Operations & Facilities", "version": 2})
    );

    // A unit cannot move below itself, directly or further down.
    let r = call(
        &t,
        create,
        json!({"input": {"code": "OPS-1", "name": "Team", "parentId": id}}),
    )
    .await
    .ok();
    let child = r.data()["createOrgUnit"]["orgUnit"]["id"].clone();
    let r = call(
        &t,
        UPDATE_UNIT,
        json!({"input": {"id": id, "expectedVersion": 2, "patch": {"parentId": child}}}),
    )
    .await
    .ok();
    assert_eq!(r.data()["updateOrgUnit"]["errors"][0]["code"], "CYCLE");
    // `null` clears, leaving a field out keeps it.
    let r = call(
        &t,
        UPDATE_UNIT,
        json!({"input": {"id": child, "expectedVersion": 1, "patch": {"parentId": null}}}),
    )
    .await
    .ok();
    assert_eq!(r.data()["updateOrgUnit"]["orgUnit"]["parent"], Value::Null);
    assert_eq!(r.data()["updateOrgUnit"]["orgUnit"]["name"], "Team");
    // An unknown id is NOT_FOUND, like another tenant's.
    let other = app.new_tenant_with(1).await;
    let r = call(
        &other,
        UPDATE_UNIT,
        json!({"input": {"id": id, "expectedVersion": 2, "patch": {"name": "Hijack"}}}),
    )
    .await;
    assert_eq!(r.code(), "NOT_FOUND");
    // The change is in the audit trail, with the mutation's name.
    let r = call(
        &t,
        "{ auditTrail(last: 100) { nodes { entityType action operation } } }",
        json!({}),
    )
    .await
    .ok();
    let entries = r.data()["auditTrail"]["nodes"].as_array().expect("entries");
    assert!(
        entries
            .iter()
            .any(|e| e["entityType"] == "OrgUnit" && e["operation"] == "updateOrgUnit")
    );
}

#[tokio::test]
async fn archive_and_restore() {
    let app = shared();
    let t = app.new_tenant_with(2).await;
    let archive = "mutation($input: ArchiveInput!) { archiveOrgUnit(input: $input) { orgUnit { id version archivedAt } errors { code } } }";
    let restore = "mutation($input: ArchiveInput!) { restoreOrgUnit(input: $input) { orgUnit { id version archivedAt } errors { code } } }";
    let r = call(
        &t,
        "{ orgUnits(orderBy: [{field: CODE}]) { nodes { id code version } } }",
        json!({}),
    )
    .await
    .ok();
    let units = r.data()["orgUnits"]["nodes"]
        .as_array()
        .expect("units")
        .clone();
    // A unit with people in it cannot go.
    let acc = units.iter().find(|u| u["code"] == "ACC").expect("ACC");
    let r = call(
        &t,
        archive,
        json!({"input": {"id": acc["id"], "expectedVersion": acc["version"]}}),
    )
    .await
    .ok();
    assert_eq!(r.data()["archiveOrgUnit"]["errors"][0]["code"], "IN_USE");

    let r = call(
        &t,
        "mutation { createOrgUnit(input: {code: \"TMP\", name: \"Temporary\"}) { orgUnit { id } } }",
        json!({}),
    )
    .await
    .ok();
    let id = r.data()["createOrgUnit"]["orgUnit"]["id"].clone();
    let r = call(
        &t,
        archive,
        json!({"input": {"id": id, "expectedVersion": 1}}),
    )
    .await
    .ok();
    let archived = &r.data()["archiveOrgUnit"]["orgUnit"];
    assert!(archived["archivedAt"].is_string());
    assert_eq!(archived["version"], 2);
    let listed = async |state: &str| -> Vec<String> {
        call(
            &t,
            &format!("{{ orgUnits(archived: {state}) {{ nodes {{ code }} }} }}"),
            json!({}),
        )
        .await
        .ok()
        .data()["orgUnits"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["code"].as_str().expect("code").to_owned())
            .collect()
    };
    assert!(!listed("ACTIVE").await.contains(&"TMP".to_owned()));
    assert_eq!(listed("ARCHIVED").await, vec!["TMP"]);
    assert!(listed("ANY").await.contains(&"TMP".to_owned()));
    // Still reachable by id; not changeable until restored; not archivable twice.
    let r = call(
        &t,
        "query($id: ID!) { orgUnit(id: $id) { code } }",
        json!({"id": id}),
    )
    .await
    .ok();
    assert_eq!(r.data()["orgUnit"]["code"], "TMP");
    let r = call(
        &t,
        UPDATE_UNIT,
        json!({"input": {"id": id, "expectedVersion": 2, "patch": {"name": "X"}}}),
    )
    .await
    .ok();
    assert_eq!(r.data()["updateOrgUnit"]["errors"][0]["code"], "ARCHIVED");
    let r = call(
        &t,
        archive,
        json!({"input": {"id": id, "expectedVersion": 2}}),
    )
    .await
    .ok();
    assert_eq!(r.data()["archiveOrgUnit"]["errors"][0]["code"], "ARCHIVED");
    // Nothing new may point at an archived unit.
    let r = call(
        &t,
        "mutation($p: ID) { createOrgUnit(input: {code: \"UNDER\", name: \"Under\", parentId: $p}) { errors { field code } } }",
        json!({"p": id}),
    )
    .await
    .ok();
    assert_eq!(
        r.data()["createOrgUnit"]["errors"],
        json!([{"field": ["parentId"], "code": "ARCHIVED"}])
    );
    // Restoring needs the current version too.
    let r = call(
        &t,
        restore,
        json!({"input": {"id": id, "expectedVersion": 1}}),
    )
    .await;
    assert_eq!(r.code(), "CONFLICT");
    let r = call(
        &t,
        restore,
        json!({"input": {"id": id, "expectedVersion": 2}}),
    )
    .await
    .ok();
    assert_eq!(
        r.data()["restoreOrgUnit"]["orgUnit"]["archivedAt"],
        Value::Null
    );
    assert_eq!(r.data()["restoreOrgUnit"]["orgUnit"]["version"], 3);
    assert!(listed("ACTIVE").await.contains(&"TMP".to_owned()));
    // Without the manage permission, none of it.
    let viewer = app
        .add_member(&t, &[api::auth::BuiltinRole::Employee])
        .await;
    let r = shared()
        .gql(
            Some(&viewer),
            archive,
            json!({"input": {"id": id, "expectedVersion": 3}}),
        )
        .await;
    assert_eq!(r.code(), "FORBIDDEN");
}

#[tokio::test]
async fn bulk_error_policies() {
    let app = shared();
    let t = app.new_tenant_with(1).await;
    let rows = json!([
        party("B1", "Good one", Some(30), None, true),
        {"code": "B2", "name": "", "isCustomer": true},
        {"code": "B3", "name": "Bad email only", "email": "not-an-email", "isCustomer": true},
        party("B1", "Duplicate of the first row", None, None, true),
    ]);
    // REJECT_EVERYTHING (the default): nothing is saved, and valid rows say why.
    let r = call(
        &t,
        BULK_PARTIES,
        json!({"inputs": rows, "policy": "REJECT_EVERYTHING"}),
    )
    .await
    .ok();
    let p = &r.data()["bulkCreateParties"];
    assert_eq!(p["savedCount"], 0);
    assert_eq!(p["failedCount"], 3);
    assert_eq!(p["results"][0]["party"], Value::Null);
    assert_eq!(p["results"][0]["errors"][0]["code"], "NOT_SAVED");
    assert_eq!(p["results"][1]["errors"][0]["code"], "REQUIRED");
    assert_eq!(p["results"][2]["errors"][0]["field"], json!(["email"]));
    assert_eq!(p["results"][3]["errors"][0]["code"], "DUPLICATE");
    assert!(
        codes(&t, json!({"code": {"startsWith": "B"}}))
            .await
            .is_empty()
    );

    // REJECT_FAILED_ROWS: the valid row is saved, the others are not.
    let r = call(
        &t,
        BULK_PARTIES,
        json!({"inputs": rows, "policy": "REJECT_FAILED_ROWS"}),
    )
    .await
    .ok();
    let p = &r.data()["bulkCreateParties"];
    assert_eq!(p["savedCount"], 1);
    assert_eq!(p["failedCount"], 3);
    assert_eq!(p["results"][0]["party"]["code"], "B1");
    assert_eq!(p["results"][0]["party"]["version"], 1);
    assert_eq!(p["results"][2]["party"], Value::Null);
    assert_eq!(
        codes(&t, json!({"code": {"startsWith": "B"}})).await,
        vec!["B1"]
    );

    // IGNORE_FAILED: a row whose only problem is an optional field is saved without it.
    let rows = json!([
        {"code": "B3", "name": "Bad email only", "email": "not-an-email", "isCustomer": true},
        {"code": "B4", "name": "", "isCustomer": true},
    ]);
    let r = call(
        &t,
        BULK_PARTIES,
        json!({"inputs": rows, "policy": "IGNORE_FAILED"}),
    )
    .await
    .ok();
    let p = &r.data()["bulkCreateParties"];
    assert_eq!(p["savedCount"], 1);
    assert_eq!(p["results"][0]["party"]["code"], "B3");
    assert_eq!(p["results"][0]["party"]["email"], Value::Null);
    assert_eq!(p["results"][0]["errors"][0]["code"], "INVALID");
    assert_eq!(p["results"][1]["party"], Value::Null);
    assert_eq!(
        codes(&t, json!({"code": {"startsWith": "B"}})).await,
        vec!["B1", "B3"]
    );

    // Bulk update: a stale row fails alone under REJECT_FAILED_ROWS.
    let r = call(&t, "{ parties(filter: {code: {in: [\"B1\", \"B3\"]}}, orderBy: [{field: CODE}]) { nodes { id version } } }", json!({}))
        .await
        .ok();
    let n = r.data()["parties"]["nodes"].clone();
    let r = call(
        &t,
        "mutation($i: [UpdatePartyInput!]!) { bulkUpdateParties(inputs: $i, errorPolicy: REJECT_FAILED_ROWS) {
            savedCount failedCount results { party { code paymentTermsDays version } errors { field code } } } }",
        json!({"i": [
            {"id": n[0]["id"], "expectedVersion": n[0]["version"], "patch": {"paymentTermsDays": 90}},
            {"id": n[1]["id"], "expectedVersion": 7, "patch": {"paymentTermsDays": 90}},
        ]}),
    )
    .await
    .ok();
    let p = &r.data()["bulkUpdateParties"];
    assert_eq!(p["savedCount"], 1);
    assert_eq!(
        p["results"][0]["party"],
        json!({"code": "B1", "paymentTermsDays": 90, "version": 2})
    );
    assert_eq!(
        p["results"][1]["errors"],
        json!([{"field": ["expectedVersion"], "code": "CONFLICT"}])
    );

    // A variable that does not fit its argument is the client's error, not an internal one.
    let r = call(
        &t,
        BULK_PARTIES,
        json!({"inputs": [party("B9", "x", None, Some("12,5"), true)]}),
    )
    .await;
    assert_eq!(r.code(), "BAD_REQUEST", "{}", r.body);
    let r = call(
        &t,
        "mutation($p: ErrorPolicy) { bulkCreateParties(inputs: [], errorPolicy: $p) { savedCount } }",
        json!({"p": null}),
    )
    .await;
    assert_eq!(r.code(), "GRAPHQL_VALIDATION_FAILED", "{}", r.body);

    // More than 100 rows is refused outright.
    let too_many: Vec<Value> = (0..101)
        .map(|i| party(&format!("M{i}"), "Many", None, None, true))
        .collect();
    let r = call(
        &t,
        BULK_PARTIES,
        json!({"inputs": too_many, "policy": "REJECT_FAILED_ROWS"}),
    )
    .await;
    assert_eq!(r.code(), "BAD_REQUEST");
}

#[tokio::test]
async fn party_validation() {
    let app = shared();
    let t = app.new_tenant_with(1).await;
    let create = "mutation($input: CreatePartyInput!) { createParty(input: $input) {
        party { taxRegistrationNumber address { country postalCode } currency creditLimit }
        errors { field code } } }";
    let r = call(
        &t,
        create,
        json!({"input": {"code": "V1", "name": "Valid", "taxRegistrationNumber": "t7000-0120-50002",
        "address": {"postalCode": "1000005"}, "creditLimit": "1234.5"}}),
    )
    .await
    .ok();
    assert_eq!(
        r.data()["createParty"]["party"],
        json!({"taxRegistrationNumber": "T7000012050002", "address": {"country": "JP", "postalCode": "100-0005"},
               "currency": "JPY", "creditLimit": "1234.50"})
    );
    let r = call(&t, create, json!({"input": {"code": "V2", "name": "Invalid", "taxRegistrationNumber": "T8000012050002",
        "address": {"postalCode": "12"}, "creditLimit": "-1", "currency": "yen!", "paymentTermsDays": 400,
        "phone": "call me"}}))
        .await
        .ok();
    let fields: Vec<Value> = r.data()["createParty"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    for f in [
        json!(["taxRegistrationNumber"]),
        json!(["address", "postalCode"]),
        json!(["creditLimit"]),
        json!(["currency"]),
        json!(["paymentTermsDays"]),
        json!(["phone"]),
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert_eq!(r.data()["createParty"]["party"], Value::Null);
    let r = call(
        &t,
        create,
        json!({"input": {"code": "V3", "name": "Abroad", "address": {"country": "Japan"}}}),
    )
    .await
    .ok();
    assert_eq!(
        r.data()["createParty"]["errors"],
        json!([{"field": ["address", "country"], "code": "INVALID"}])
    );
}

#[tokio::test]
async fn every_entity_list_has_a_filter_and_an_order() {
    let app = shared();
    let t = app.new_tenant_with(1).await;
    let r = call(
        &t,
        "{ __schema { queryType { fields { name args { name } type { ofType { name } } } } } }",
        json!({}),
    )
    .await
    .ok();
    // Lists with filters of their own shape: the logs (by actor, entity, time) and the lists
    // scoped to one record.
    let own = [
        "auditTrail",
        "personalDataAccessLog",
        "comments",
        "attachments",
        // The caller's own approval queues.
        "approvalsWaitingForMe",
        "myApprovalRequests",
    ];
    let mut missing = Vec::new();
    for f in r.data()["__schema"]["queryType"]["fields"]
        .as_array()
        .expect("fields")
    {
        let ty = f["type"]["ofType"]["name"].as_str().unwrap_or("");
        let name = f["name"].as_str().unwrap_or("");
        if !ty.ends_with("Connection") || own.contains(&name) {
            continue;
        }
        let args: Vec<&str> = f["args"]
            .as_array()
            .expect("args")
            .iter()
            .filter_map(|a| a["name"].as_str())
            .collect();
        if !(args.contains(&"filter") && args.contains(&"orderBy")) {
            missing.push(name.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "lists without filter/orderBy: {missing:?}"
    );

    // The read-only lists filter too: the seeded key is live and belongs to the seeded app.
    let r = call(
        &t,
        "{ apps(filter: {name: {contains: \"payroll\"}}) { nodes { id } } }",
        json!({}),
    )
    .await
    .ok();
    let app_id = r.data()["apps"]["nodes"][0]["id"].clone();
    let r = call(
        &t,
        "query($a: ID!) { apiKeys(filter: {app: {eq: $a}, revokedAt: {isNull: true}}, orderBy: [{field: LABEL}]) { totalCount } members(filter: {status: {eq: ACTIVE}}) { totalCount } customRoles(filter: {key: {eq: \"auditor_light\"}}) { totalCount } }",
        json!({"a": app_id}),
    )
    .await
    .ok();
    assert_eq!(r.data()["apiKeys"]["totalCount"], 1);
    assert_eq!(r.data()["members"]["totalCount"], 1);
    assert_eq!(r.data()["customRoles"]["totalCount"], 1);
}
