//! The GraphQL surface of the foundation: viewer, tenant settings, connections, relations,
//! permissions, and tenant isolation of ids.

use serde_json::json;

use crate::helpers::shared;

#[tokio::test]
async fn viewer_and_tenant() {
    let app = shared();
    let t = app.new_tenant().await;
    let r = app
        .gql(Some(&t.token), "{ viewer { email roles permissions } tenant { slug baseCurrency timeZone locale fiscalYearStartMonth status } }", json!({}))
        .await
        .ok();
    assert_eq!(
        r.data()["viewer"]["email"],
        format!("admin@{}.test.example", t.slug)
    );
    assert_eq!(r.data()["viewer"]["roles"], json!(["tenant_admin"]));
    assert!(
        r.data()["viewer"]["permissions"]
            .as_array()
            .expect("list")
            .contains(&json!("MANAGE_TENANT"))
    );
    assert_eq!(
        r.data()["tenant"],
        json!({"slug": t.slug, "baseCurrency": "JPY", "timeZone": "Asia/Tokyo", "locale": "ja-JP", "fiscalYearStartMonth": 4, "status": "ACTIVE"})
    );
}

#[tokio::test]
async fn tenant_settings_are_validated_and_changed_atomically() {
    let app = shared();
    let t = app.new_tenant().await;
    let m = "mutation($input: UpdateTenantSettingsInput!) { updateTenantSettings(input: $input) { tenant { name baseCurrency } errors { field code message } } }";
    let bad = app
        .gql(Some(&t.token), m, json!({"input": {"name": "Renamed", "baseCurrency": "yen", "fiscalYearStartMonth": 13, "timeZone": "Tokyo", "locale": "Japanese"}}))
        .await
        .ok();
    let errors = &bad.data()["updateTenantSettings"]["errors"];
    let fields: Vec<_> = errors
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"][0].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        fields,
        ["baseCurrency", "fiscalYearStartMonth", "timeZone", "locale"]
    );
    assert!(
        errors
            .as_array()
            .expect("errors")
            .iter()
            .all(|e| e["code"] == "INVALID")
    );
    assert_eq!(bad.data()["updateTenantSettings"]["tenant"], json!(null));
    let unchanged = app
        .gql(Some(&t.token), "{ tenant { name } }", json!({}))
        .await
        .ok();
    assert_ne!(
        unchanged.data()["tenant"]["name"],
        "Renamed",
        "nothing changes when there are errors"
    );

    let good = app
        .gql(
            Some(&t.token),
            m,
            json!({"input": {"name": "Renamed KK", "baseCurrency": "USD"}}),
        )
        .await
        .ok();
    assert_eq!(
        good.data()["updateTenantSettings"],
        json!({"tenant": {"name": "Renamed KK", "baseCurrency": "USD"}, "errors": []})
    );
}

#[tokio::test]
async fn permissions_are_enforced_per_field() {
    let app = shared();
    let t = app.new_tenant().await;
    let employee = app
        .add_member(&t, &[api::auth::BuiltinRole::Employee])
        .await;
    let r = app
        .gql(
            Some(&employee),
            "mutation { updateTenantSettings(input: {name: \"x\"}) { errors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(r.code(), "FORBIDDEN");
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("MANAGE_TENANT")
    );
    let r = app
        .gql(
            Some(&employee),
            "{ employees(first: 2) { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(r.data()["employees"]["totalCount"], 5);
}

#[tokio::test]
async fn introspection_needs_the_explore_permission() {
    let app = shared();
    let t = app.new_tenant().await;
    let q = "{ __schema { queryType { name } } }";
    let anon = app.gql(None, q, json!({})).await;
    assert_eq!(
        anon.code(),
        "UNAUTHENTICATED",
        "anonymous introspection is refused: {}",
        anon.body
    );
    let employee = app
        .add_member(&t, &[api::auth::BuiltinRole::Employee])
        .await;
    let r = app.gql(Some(&employee), q, json!({})).await;
    assert_eq!(r.code(), "FORBIDDEN");
    let hidden = app
        .gql(
            Some(&employee),
            "query { ...F } fragment F on QueryRoot { __type(name: \"Employee\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(
        hidden.code(),
        "FORBIDDEN",
        "introspection inside a fragment is found too"
    );
    let typename = app
        .gql(Some(&employee), "{ __typename }", json!({}))
        .await
        .ok();
    assert_eq!(
        typename.data()["__typename"],
        "QueryRoot",
        "__typename is not introspection"
    );
    let admin = app.gql(Some(&t.token), q, json!({})).await.ok();
    assert_eq!(admin.data()["__schema"]["queryType"]["name"], "QueryRoot");
}

#[tokio::test]
async fn connections_page_both_ways() {
    let app = shared();
    let t = app.new_tenant_with(7).await;
    let q = "query($first: Int, $after: String, $last: Int, $before: String) { employees(first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { employeeNumber } } } }";
    let numbers = |r: &crate::helpers::Gql| -> Vec<String> {
        r.data()["employees"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| {
                e["node"]["employeeNumber"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    };
    let p1 = app.gql(Some(&t.token), q, json!({"first": 3})).await.ok();
    assert_eq!(numbers(&p1), ["E00000", "E00001", "E00002"]);
    assert_eq!(p1.data()["employees"]["totalCount"], 7);
    assert_eq!(p1.data()["employees"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(p1.data()["employees"]["pageInfo"]["hasPreviousPage"], false);
    let end = p1.data()["employees"]["pageInfo"]["endCursor"].clone();
    let p2 = app
        .gql(Some(&t.token), q, json!({"first": 3, "after": end}))
        .await
        .ok();
    assert_eq!(numbers(&p2), ["E00003", "E00004", "E00005"]);
    let p3 = app
        .gql(
            Some(&t.token),
            q,
            json!({"first": 3, "after": p2.data()["employees"]["pageInfo"]["endCursor"]}),
        )
        .await
        .ok();
    assert_eq!(numbers(&p3), ["E00006"]);
    assert_eq!(p3.data()["employees"]["pageInfo"]["hasNextPage"], false);

    let back = app
        .gql(
            Some(&t.token),
            q,
            json!({"last": 2, "before": p3.data()["employees"]["pageInfo"]["startCursor"]}),
        )
        .await
        .ok();
    assert_eq!(numbers(&back), ["E00004", "E00005"]);
    assert_eq!(
        back.data()["employees"]["pageInfo"]["hasPreviousPage"],
        true
    );
    let tail = app.gql(Some(&t.token), q, json!({"last": 2})).await.ok();
    assert_eq!(numbers(&tail), ["E00005", "E00006"]);

    for bad in [
        json!({"first": 1, "last": 1}),
        json!({"first": -1}),
        json!({"after": "%%%"}),
        json!({"last": 101}),
    ] {
        assert_eq!(app.gql(Some(&t.token), q, bad).await.code(), "BAD_REQUEST");
    }
}

#[tokio::test]
async fn relations_resolve_inside_the_tenant() {
    let app = shared();
    let t = app.new_tenant_with(3).await;
    let r = app
        .gql(Some(&t.token), "{ employees { nodes { employeeNumber orgUnit { code parent { code } } } } orgUnits { totalCount } }", json!({}))
        .await
        .ok();
    let units: Vec<_> = r.data()["employees"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["orgUnit"]["code"].clone())
        .collect();
    assert_eq!(units, [json!("HQ"), json!("ACC"), json!("HR")]);
    assert_eq!(
        r.data()["employees"]["nodes"][1]["orgUnit"]["parent"]["code"],
        "HQ"
    );
    assert_eq!(r.data()["orgUnits"]["totalCount"], 3);
}

#[tokio::test]
async fn another_tenants_ids_answer_like_missing_ones() {
    let app = shared();
    let a = app.new_tenant().await;
    let b = app.new_tenant().await;
    let r = app
        .gql(
            Some(&a.token),
            "{ employees(first: 1) { nodes { id orgUnit { id } } } }",
            json!({}),
        )
        .await
        .ok();
    let emp = r.data()["employees"]["nodes"][0]["id"].clone();
    let unit = r.data()["employees"]["nodes"][0]["orgUnit"]["id"].clone();

    let q = "query($e: ID!, $u: ID!) { employee(id: $e) { id } orgUnit(id: $u) { id } node(id: $e) { id } nodes(ids: [$e, $u]) { id } }";
    let seen_by_b = app
        .gql(Some(&b.token), q, json!({"e": emp, "u": unit}))
        .await
        .ok();
    assert_eq!(
        seen_by_b.data(),
        &json!({"employee": null, "orgUnit": null, "node": null, "nodes": [null, null]})
    );
    let missing = app
        .gql(
            Some(&b.token),
            q,
            json!({"e": "bm9wZQ", "u": "RW1wbG95ZWU6eA"}),
        )
        .await
        .ok();
    assert_eq!(
        missing.data(),
        seen_by_b.data(),
        "a foreign id is indistinguishable from a malformed one"
    );
    let seen_by_a = app
        .gql(Some(&a.token), q, json!({"e": emp, "u": unit}))
        .await
        .ok();
    assert_eq!(seen_by_a.data()["employee"]["id"], emp);
    assert_eq!(seen_by_a.data()["nodes"][1]["id"], unit);

    let count_b = app
        .gql(Some(&b.token), "{ employees { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(
        count_b.data()["employees"]["totalCount"],
        5,
        "lists never include another tenant's rows"
    );
}

#[tokio::test]
async fn a_page_costs_the_same_statements_at_any_size() {
    use std::sync::atomic::Ordering;
    // A server of its own, so nothing else adds to its statement count.
    // Its dispatcher off too: the event poll would run on the same pool. Its read cache off:
    // what is measured is the queries a page needs, not what an earlier page left cached
    // (`the_read_cache_saves_statements` covers the cache).
    let mut settings = crate::helpers::test_settings();
    settings.events.dispatcher = false;
    settings.cache.enabled = false;
    let app = crate::helpers::spawn_app(settings);
    let t = app.new_tenant_with(100).await;
    let q = "query($n: Int) { employees(first: $n) { nodes { id orgUnit { name parent { name } } manager { displayName orgUnit { code } } } } }";
    let mut costs = Vec::new();
    for n in [5, 100, 5] {
        let before = app.state.statements.load(Ordering::SeqCst);
        let r = app.gql(Some(&t.token), q, json!({"n": n})).await.ok();
        assert_eq!(
            r.data()["employees"]["nodes"].as_array().map(Vec::len),
            Some(n)
        );
        assert!(r.data()["employees"]["nodes"][1]["manager"]["orgUnit"]["code"].is_string());
        costs.push(app.state.statements.load(Ordering::SeqCst) - before);
    }
    assert_eq!(
        costs[0], costs[1],
        "5 rows and 100 rows cost the same statements: {costs:?}"
    );
    assert_eq!(costs[0], costs[2]);
    assert!(
        costs[0] <= 30,
        "a handful of batched statements, not one per row: {costs:?}"
    );
}

#[tokio::test]
async fn the_read_cache_saves_statements() {
    use std::sync::atomic::Ordering;
    let mut settings = crate::helpers::test_settings();
    settings.events.dispatcher = false;
    let app = crate::helpers::spawn_app(settings);
    let t = app.new_tenant_with(20).await;
    let q = "{ employees(first: 20) { nodes { id orgUnit { name parent { name } } manager { displayName } } } }";
    let mut costs = Vec::new();
    for _ in 0..2 {
        let before = app.state.statements.load(Ordering::SeqCst);
        app.gql(Some(&t.token), q, json!({})).await.ok();
        costs.push(app.state.statements.load(Ordering::SeqCst) - before);
    }
    // Warm, the principal and the related rows come from the cache; the page itself is a query.
    assert!(
        costs[1] < costs[0],
        "a warm request costs fewer statements than a cold one: {costs:?}"
    );
}
