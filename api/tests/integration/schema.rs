//! `schema.graphql` is generated, current, and fully described.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn schema_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql")
}

#[test]
fn schema_file_is_current() {
    let on_disk = std::fs::read_to_string(schema_file()).unwrap_or_default();
    assert!(
        on_disk == api::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -p api -- export-schema` and commit the result"
    );
}

#[test]
fn export_schema_check_passes_and_detects_staleness() {
    let bin = env!("CARGO_BIN_EXE_urakata");
    let ok = Command::new(bin)
        .args(["export-schema", "--check", "--path"])
        .arg(schema_file())
        .output()
        .expect("run");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let stale = dir.path().join("schema.graphql");
    std::fs::write(&stale, "type Query { old: Int }\n").expect("write");
    let out = Command::new(bin)
        .args(["export-schema", "--check", "--path"])
        .arg(&stale)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stale"));

    let out = Command::new(bin)
        .args(["export-schema", "--path"])
        .arg(&stale)
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(&stale).expect("read"),
        api::graphql::sdl()
    );
}

#[tokio::test]
async fn every_type_field_and_value_has_a_description() {
    let schema = api::graphql::builder(&Default::default()).finish();
    let q = r#"{ __schema { types { name kind description
        fields(includeDeprecated: true) { name description }
        inputFields { name description }
        enumValues(includeDeprecated: true) { name description } } } }"#;
    let resp = schema.execute(q).await;
    assert!(resp.errors.is_empty(), "{:?}", resp.errors);
    let json = resp.data.into_json().expect("json");
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    let mut missing = Vec::new();
    let described = |v: &Value| {
        v["description"]
            .as_str()
            .is_some_and(|d| !d.trim().is_empty())
    };
    for ty in json["__schema"]["types"].as_array().expect("types") {
        let name = ty["name"].as_str().unwrap_or("");
        if name.starts_with("__") || builtin.contains(&name) {
            continue;
        }
        if !described(ty) {
            missing.push(name.to_owned());
        }
        for key in ["fields", "inputFields", "enumValues"] {
            for item in ty[key].as_array().into_iter().flatten() {
                if !described(item) {
                    missing.push(format!("{name}.{}", item["name"].as_str().unwrap_or("")));
                }
            }
        }
    }
    assert!(missing.is_empty(), "these need a description: {missing:?}");
}
