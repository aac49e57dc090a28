//! The schema-driven isolation test: tenant B's credentials cannot read, list, count, change or
//! reference any of tenant A's rows, through any field of the schema.
//!
//! Nothing here names a type or a field. The test reads the schema by introspection, lists every
//! connection as A to collect A's ids, then as B: every list must exclude A's ids, every root
//! field that takes ids must answer A's ids like missing ones, and every mutation whose input
//! takes an id must change nothing of A's. A new entity is covered the moment it is in the
//! schema; a new node type that no list reaches fails the test until one does.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::helpers::{Gql, TestTenant, shared};

const INTROSPECTION: &str = r#"{ __schema {
  queryType { name } mutationType { name }
  types { name kind
    fields { name args { name type { ...T } } type { ...T } }
    inputFields { name type { ...T } }
    interfaces { name }
    enumValues { name } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

/// The schema, indexed by type name.
struct Schema {
    types: BTreeMap<String, Value>,
    query: String,
    mutation: Option<String>,
}

/// Strips NON_NULL and LIST wrappers: (named type, is list).
fn named(ty: &Value) -> (String, bool) {
    let mut t = ty;
    let mut list = false;
    while t["name"].is_null() {
        if t["kind"] == "LIST" {
            list = true;
        }
        t = &t["ofType"];
    }
    (t["name"].as_str().unwrap_or("").to_owned(), list)
}

fn required(ty: &Value) -> bool {
    ty["kind"] == "NON_NULL"
}

impl Schema {
    async fn load(token: &str) -> Self {
        let r = shared()
            .gql(Some(token), INTROSPECTION, json!({}))
            .await
            .ok();
        let s = &r.data()["__schema"];
        let types = s["types"]
            .as_array()
            .expect("types")
            .iter()
            .map(|t| (t["name"].as_str().unwrap_or("").to_owned(), t.clone()))
            .collect();
        Self {
            types,
            query: s["queryType"]["name"].as_str().expect("query").to_owned(),
            mutation: s["mutationType"]["name"].as_str().map(str::to_owned),
        }
    }

    fn fields(&self, ty: &str) -> Vec<Value> {
        self.types
            .get(ty)
            .and_then(|t| t["fields"].as_array().cloned())
            .unwrap_or_default()
    }

    /// Node types: objects implementing `Node`.
    fn node_types(&self) -> BTreeSet<String> {
        self.types
            .values()
            .filter(|t| {
                t["kind"] == "OBJECT"
                    && t["interfaces"]
                        .as_array()
                        .is_some_and(|i| i.iter().any(|i| i["name"] == "Node"))
            })
            .map(|t| t["name"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    /// Root query fields returning a connection, with the node type they list.
    fn list_fields(&self) -> Vec<(String, String)> {
        self.fields(&self.query)
            .iter()
            .filter_map(|f| {
                let (ty, _) = named(&f["type"]);
                let node = ty.strip_suffix("Connection")?;
                let all_optional = f["args"]
                    .as_array()
                    .is_none_or(|a| a.iter().all(|a| !required(&a["type"])));
                all_optional.then(|| (f["name"].as_str().unwrap_or("").to_owned(), node.to_owned()))
            })
            .collect()
    }

    /// A value for an input type, with `id` in every ID position and harmless values elsewhere.
    fn sample(&self, ty: &Value, id: &str, depth: usize) -> Value {
        let (name, list) = named(ty);
        let one = match name.as_str() {
            "ID" => json!(id),
            "String" => json!("isolation probe"),
            "Int" => json!(1),
            "Float" => json!(1.0),
            "Boolean" => json!(false),
            "Decimal" => json!("1"),
            "Date" => json!("2026-01-01"),
            "DateTime" => json!("2026-01-01T00:00:00Z"),
            _ => match self.types.get(&name) {
                Some(t) if t["kind"] == "ENUM" => t["enumValues"][0]["name"].clone(),
                Some(t) if t["kind"] == "INPUT_OBJECT" && depth < 4 => {
                    let mut obj = serde_json::Map::new();
                    for f in t["inputFields"].as_array().into_iter().flatten() {
                        obj.insert(
                            f["name"].as_str().unwrap_or("").to_owned(),
                            self.sample(&f["type"], id, depth + 1),
                        );
                    }
                    Value::Object(obj)
                }
                _ => Value::Null,
            },
        };
        if list { json!([one]) } else { one }
    }

    /// Whether an input type mentions an ID anywhere.
    fn takes_id(&self, ty: &Value, depth: usize) -> bool {
        let (name, _) = named(ty);
        name == "ID"
            || (depth < 4
                && self.types.get(&name).is_some_and(|t| {
                    t["inputFields"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|f| self.takes_id(&f["type"], depth + 1))
                }))
    }
}

/// Every id in a response, wherever it is.
fn collect_ids(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "id" {
                    if let Some(s) = v.as_str() {
                        out.insert(s.to_owned());
                    }
                } else {
                    collect_ids(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_ids(i, out)),
        _ => {}
    }
}

async fn list(token: &str, field: &str) -> Gql {
    shared()
        .gql(
            Some(token),
            &format!("{{ {field}(first: 100) {{ totalCount nodes {{ id }} }} }}"),
            json!({}),
        )
        .await
}

/// Every row of a list, page by page: the list's count and the ids it showed.
async fn list_all(token: &str, field: &str) -> (u64, BTreeSet<String>, Value) {
    let mut after: Option<String> = None;
    let mut seen = BTreeSet::new();
    let mut pages = Vec::new();
    loop {
        let r = shared()
            .gql(
                Some(token),
                &format!("query($after: String) {{ {field}(first: 100, after: $after) {{ totalCount nodes {{ id }} pageInfo {{ hasNextPage endCursor }} }} }}"),
                json!({"after": after}),
            )
            .await
            .ok();
        let data = r.data()[field].clone();
        collect_ids(&data, &mut seen);
        let count = data["totalCount"].as_u64().expect("count");
        let more = data["pageInfo"]["hasNextPage"] == true;
        after = data["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        pages.push(data);
        if !more || after.is_none() || pages.len() > 50 {
            return (count, seen, Value::Array(pages));
        }
    }
}

/// A snapshot of everything A can list: every scalar field of every row.
async fn snapshot(s: &Schema, a: &TestTenant) -> Value {
    let mut out = serde_json::Map::new();
    for (field, node) in s.list_fields() {
        let scalars: Vec<String> = s
            .fields(&node)
            .iter()
            .filter(|f| {
                f["args"]
                    .as_array()
                    .is_none_or(|a| a.iter().all(|a| !required(&a["type"])))
            })
            .filter(|f| {
                let (ty, _) = named(&f["type"]);
                matches!(
                    s.types.get(&ty).map(|t| t["kind"].as_str()),
                    Some(Some("SCALAR" | "ENUM"))
                )
            })
            .map(|f| f["name"].as_str().unwrap_or("").to_owned())
            .collect();
        let q = format!(
            "{{ {field}(first: 100) {{ totalCount nodes {{ {} }} }} }}",
            scalars.join(" ")
        );
        // Fields out of every built-in role's reach (health results) answer FORBIDDEN and null;
        // the snapshot keeps the nulls, and any other error fails the test.
        let r = shared().gql(Some(&a.token), &q, json!({})).await;
        if let Some(errors) = r.body.get("errors").and_then(Value::as_array) {
            assert!(
                errors
                    .iter()
                    .all(|e| e["extensions"]["code"] == "FORBIDDEN" && !e["path"].is_null()),
                "{field}: {}",
                r.body
            );
        }
        out.insert(field, r.data().clone());
    }
    Value::Object(out)
}

#[tokio::test]
async fn no_type_leaks_across_tenants() {
    let app = shared();
    let a = app.new_tenant_with(7).await;
    let b = app.new_tenant_with(3).await;
    let s = Schema::load(&a.token).await;

    // 1. Everything A can list, by node type.
    let mut a_ids = BTreeSet::new();
    let mut listed_types = BTreeSet::new();
    for (field, node) in s.list_fields() {
        let r = list(&a.token, &field).await.ok();
        collect_ids(r.data(), &mut a_ids);
        listed_types.insert(node);
    }
    let unreachable: Vec<_> = s.node_types().difference(&listed_types).cloned().collect();
    assert!(
        unreachable.is_empty(),
        "node types no root list reaches (give them one): {unreachable:?}"
    );
    let owned_types: BTreeSet<String> = a_ids
        .iter()
        .filter_map(|id| api::graphql::core::GlobalId::decode(id).map(|(ty, _)| ty))
        .collect();
    let empty: Vec<_> = s.node_types().difference(&owned_types).cloned().collect();
    assert!(
        empty.is_empty(),
        "tenant A owns no row of {empty:?}: seed one in helpers::new_tenant_with"
    );

    // 2. B's lists and counts never include A's rows.
    for (field, _) in s.list_fields() {
        let (count, seen, pages) = list_all(&b.token, &field).await;
        let leaked: Vec<_> = seen.intersection(&a_ids).collect();
        assert!(leaked.is_empty(), "{field} shows B rows of A: {leaked:?}");
        let rows: usize = pages
            .as_array()
            .expect("pages")
            .iter()
            .map(|p| p["nodes"].as_array().expect("nodes").len())
            .sum();
        assert_eq!(
            count as usize, rows,
            "{field}: B's count covers only B's rows"
        );
    }

    // 3. Every root query field that takes ids answers A's ids like missing ones.
    let mut probed = 0;
    for f in s.fields(&s.query) {
        let args = f["args"].as_array().cloned().unwrap_or_default();
        let id_args: Vec<_> = args
            .iter()
            .filter(|a| named(&a["type"]).0 == "ID")
            .collect();
        if id_args.is_empty()
            || args
                .iter()
                .any(|a| required(&a["type"]) && named(&a["type"]).0 != "ID")
        {
            continue;
        }
        let name = f["name"].as_str().unwrap_or("");
        let (ret, _) = named(&f["type"]);
        // A list filtered by an id answers another tenant's id with no rows.
        let selection = if ret.ends_with("Connection") {
            " { totalCount }"
        } else if matches!(
            s.types.get(&ret).map(|t| t["kind"].as_str()),
            Some(Some("OBJECT" | "INTERFACE"))
        ) {
            " { __typename }"
        } else {
            ""
        };
        for id in &a_ids {
            let call_args: Vec<String> = id_args
                .iter()
                .map(|a| {
                    format!(
                        "{}: {}",
                        a["name"].as_str().unwrap_or(""),
                        s.sample(&a["type"], id, 0)
                    )
                })
                .collect();
            let q = format!("{{ {name}({}){selection} }}", call_args.join(", "));
            let r = app.gql(Some(&b.token), &q, json!({})).await;
            let data = &r.data()[name];
            let empty = data.is_null()
                || data["totalCount"] == json!(0)
                || data
                    .as_array()
                    .is_some_and(|items| items.iter().all(Value::is_null));
            let not_found = r.code() == "NOT_FOUND";
            assert!(empty || not_found, "{q} as B revealed A's row: {}", r.body);
            probed += 1;
        }
    }
    assert!(probed > 0, "no root field takes ids?");

    // 4. Mutations that take ids: A's ids in every id position change nothing of A's.
    // Reading can itself append to A's logs (reads of personal data are logged), so the lists
    // that change between two snapshots taken before B acts are left out of the comparison.
    let before = snapshot(&s, &a).await;
    let control = snapshot(&s, &a).await;
    let volatile: BTreeSet<String> = before
        .as_object()
        .expect("map")
        .keys()
        .filter(|k| before[k.as_str()] != control[k.as_str()])
        .cloned()
        .collect();
    assert!(
        volatile.len() <= 1,
        "only the access log may change by reading: {volatile:?}"
    );
    if let Some(mutation) = &s.mutation {
        for f in s.fields(mutation) {
            let args = f["args"].as_array().cloned().unwrap_or_default();
            if !args.iter().any(|a| s.takes_id(&a["type"], 0)) {
                continue;
            }
            let name = f["name"].as_str().unwrap_or("");
            for id in &a_ids {
                let vars: serde_json::Map<String, Value> = args
                    .iter()
                    .map(|a| {
                        (
                            a["name"].as_str().unwrap_or("").to_owned(),
                            s.sample(&a["type"], id, 0),
                        )
                    })
                    .collect();
                let decl: Vec<String> = args
                    .iter()
                    .map(|a| {
                        format!(
                            "${}: {}",
                            a["name"].as_str().unwrap_or(""),
                            type_ref(&a["type"])
                        )
                    })
                    .collect();
                let pass: Vec<String> = args
                    .iter()
                    .map(|a| format!("{0}: ${0}", a["name"].as_str().unwrap_or("")))
                    .collect();
                let q = format!(
                    "mutation({}) {{ {name}({}) {{ __typename }} }}",
                    decl.join(", "),
                    pass.join(", ")
                );
                let _ = app.gql(Some(&b.token), &q, Value::Object(vars)).await;
            }
        }
    }
    let after = snapshot(&s, &a).await;
    let changed: Vec<&String> = control
        .as_object()
        .expect("map")
        .keys()
        .filter(|k| !volatile.contains(*k) && control[k.as_str()] != after[k.as_str()])
        .collect();
    assert!(
        changed.is_empty(),
        "B's mutations changed A's data in {changed:?}"
    );
}

/// The GraphQL type reference of an introspected type, e.g. `[ID!]!`.
fn type_ref(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&ty["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap_or("").to_owned(),
    }
}
