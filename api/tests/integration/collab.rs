//! Tags, comments and attachments on any record.

use serde_json::{Value, json};

use crate::helpers::{TestTenant, shared};

async fn call(token: &str, query: &str, vars: Value) -> crate::helpers::Gql {
    shared().gql(Some(token), query, vars).await
}

async fn first_party(t: &TestTenant) -> String {
    let r = call(&t.token, "{ parties { nodes { id } } }", json!({}))
        .await
        .ok();
    r.data()["parties"]["nodes"][0]["id"]
        .as_str()
        .expect("party")
        .to_owned()
}

#[tokio::test]
async fn tags_on_any_record_load_in_one_batch() {
    let app = shared();
    let t = app.new_tenant_with(3).await;
    let party = first_party(&t).await;
    let r = call(
        &t.token,
        "mutation { createTag(input: {name: \"Key account\", color: \"#1976d2\"}) { tag { id color } } }",
        json!({}),
    )
    .await
    .ok();
    let tag = r.data()["createTag"]["tag"]["id"].clone();
    assert_eq!(r.data()["createTag"]["tag"]["color"], "#1976D2");
    let add = "mutation($s: ID!, $t: ID!) { addTag(input: {subjectId: $s, tagId: $t}) {
        subject { ... on Party { code tags { name } } } errors { field code } } }";
    let r = call(&t.token, add, json!({"s": party, "t": tag}))
        .await
        .ok();
    assert_eq!(
        r.data()["addTag"]["subject"]["tags"],
        json!([{"name": "Key account"}])
    );
    let r = call(&t.token, add, json!({"s": party, "t": tag}))
        .await
        .ok();
    assert_eq!(r.data()["addTag"]["errors"][0]["code"], "DUPLICATE");
    // Names are unique ignoring case.
    let r = call(
        &t.token,
        "mutation { createTag(input: {name: \"KEY ACCOUNT\"}) { errors { code } } }",
        json!({}),
    )
    .await
    .ok();
    assert_eq!(r.data()["createTag"]["errors"][0]["code"], "DUPLICATE");
    // A record of another tenant, or a type that carries no tags, is not found.
    let other = app.new_tenant_with(1).await;
    let r = call(&other.token, add, json!({"s": party, "t": tag}))
        .await
        .ok();
    assert_eq!(r.data()["addTag"]["errors"][0]["code"], "NOT_FOUND");
    // Every employee's tags in one page come from one batch.
    let r = call(
        &t.token,
        "{ employees { nodes { employeeNumber tags { name } } } }",
        json!({}),
    )
    .await
    .ok();
    let nodes = r.data()["employees"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes[0]["tags"], json!([{"name": "Seed"}]));
    assert_eq!(nodes[1]["tags"], json!([]));
    let r = call(
        &t.token,
        "mutation($s: ID!, $t: ID!) { removeTag(input: {subjectId: $s, tagId: $t}) { subject { ... on Party { tags { name } } } errors { code } } }",
        json!({"s": party, "t": tag}),
    )
    .await
    .ok();
    assert_eq!(r.data()["removeTag"]["subject"]["tags"], json!([]));
}

#[tokio::test]
async fn comments_follow_the_record_permissions() {
    let app = shared();
    let t = app.new_tenant_with(2).await;
    let party = first_party(&t).await;
    let add = "mutation($s: ID!, $b: String!) { addComment(input: {subjectId: $s, body: $b}) {
        comment { id body version subject { id } } errors { field code } } }";
    let r = call(
        &t.token,
        add,
        json!({"s": party, "b": "  Called about the overdue invoice.  "}),
    )
    .await
    .ok();
    let c = r.data()["addComment"]["comment"].clone();
    assert_eq!(c["body"], "Called about the overdue invoice.");
    assert_eq!(c["subject"]["id"], party);
    let r = call(&t.token, add, json!({"s": party, "b": "   "}))
        .await
        .ok();
    assert_eq!(r.data()["addComment"]["errors"][0]["code"], "REQUIRED");

    let list = "query($s: ID) { comments(subjectId: $s) { totalCount nodes { body } } }";
    let r = call(&t.token, list, json!({"s": party})).await.ok();
    assert_eq!(r.data()["comments"]["totalCount"], 1);
    // Without a subject: every comment on readable records (the seeded one on an employee too).
    let r = call(&t.token, list, json!({"s": null})).await.ok();
    assert_eq!(r.data()["comments"]["totalCount"], 2);

    // An employee without VIEW_PARTIES sees neither the party's comments nor can comment.
    let staff = app
        .add_member(&t, &[api::auth::BuiltinRole::Employee])
        .await;
    let r = call(&staff, list, json!({"s": party})).await.ok();
    assert_eq!(r.data()["comments"]["totalCount"], 0);
    let r = call(&staff, list, json!({"s": null})).await.ok();
    assert_eq!(r.data()["comments"]["totalCount"], 1, "only the employee's");
    let r = call(&staff, add, json!({"s": party, "b": "hi"})).await.ok();
    assert_eq!(r.data()["addComment"]["errors"][0]["code"], "NOT_FOUND");
    let r = call(
        &staff,
        "query($id: ID!) { node(id: $id) { id } }",
        json!({"id": c["id"]}),
    )
    .await
    .ok();
    assert_eq!(r.data()["node"], Value::Null);

    // Only the author (or an administrator) edits; edits carry the version.
    let buyer = app.add_member(&t, &[api::auth::BuiltinRole::Buyer]).await;
    let edit = "mutation($id: ID!, $v: Int!, $b: String!) { editComment(input: {id: $id, expectedVersion: $v, body: $b}) {
        comment { body version } errors { code } } }";
    let r = call(
        &buyer,
        edit,
        json!({"id": c["id"], "v": 1, "b": "Not mine"}),
    )
    .await
    .ok();
    assert_eq!(r.data()["editComment"]["errors"][0]["code"], "NOT_AUTHOR");
    let r = call(
        &t.token,
        edit,
        json!({"id": c["id"], "v": 1, "b": "Paid on the 5th."}),
    )
    .await
    .ok();
    assert_eq!(
        r.data()["editComment"]["comment"],
        json!({"body": "Paid on the 5th.", "version": 2})
    );
    let r = call(&t.token, edit, json!({"id": c["id"], "v": 1, "b": "Stale"})).await;
    assert_eq!(r.code(), "CONFLICT");
    let del =
        "mutation($id: ID!) { deleteComment(input: {id: $id}) { deletedId errors { code } } }";
    let r = call(&buyer, del, json!({"id": c["id"]})).await.ok();
    assert_eq!(r.data()["deleteComment"]["errors"][0]["code"], "NOT_AUTHOR");
    let r = call(&t.token, del, json!({"id": c["id"]})).await.ok();
    assert_eq!(r.data()["deleteComment"]["deletedId"], c["id"]);
    let r = call(&t.token, list, json!({"s": party})).await.ok();
    assert_eq!(r.data()["comments"]["totalCount"], 0);
}

#[tokio::test]
async fn attachments_are_checked_stored_and_served_only_to_their_tenant() {
    let app = shared();
    let t = app.new_tenant_with(1).await;
    let other = app.new_tenant_with(1).await;
    let party = first_party(&t).await;
    let client = reqwest::Client::new();
    let upload = async |token: &str, name: &str, ty: &str, body: Vec<u8>| {
        let r = client
            .post(app.url("/attachments"))
            .query(&[("subjectId", party.as_str()), ("fileName", name)])
            .bearer_auth(token)
            .header("content-type", ty)
            .body(body)
            .send()
            .await
            .expect("upload");
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.expect("json"))
    };
    let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n".to_vec();
    let (status, body) = upload(
        &t.token,
        "請求書 2026-11.pdf",
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let a = body["data"]["attachment"].clone();
    assert_eq!(a["sizeBytes"], pdf.len());
    assert_eq!(a["contentType"], "application/pdf");

    // The content comes back to the owning tenant only.
    let url = app.url(a["downloadUrl"].as_str().expect("url"));
    let r = client
        .get(&url)
        .bearer_auth(&t.token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("UTF-8''%E8%AB%8B")
    );
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), pdf);
    let r = client
        .get(&url)
        .bearer_auth(&other.token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    let r = client.get(&url).send().await.expect("get");
    assert_eq!(r.status(), 401);

    // Type, content, size and subject are checked; nothing is stored when they fail.
    let (status, body) = upload(
        &t.token,
        "run.sh",
        "application/x-sh",
        b"#!/bin/sh".to_vec(),
    )
    .await;
    assert_eq!(
        (status, body["data"]["errors"][0]["code"].clone()),
        (422, json!("UNSUPPORTED_TYPE"))
    );
    let (_, body) = upload(&t.token, "fake.pdf", "application/pdf", b"<html>".to_vec()).await;
    assert_eq!(body["data"]["errors"][0]["code"], "UNSUPPORTED_TYPE");
    let (status, body) = upload(&t.token, "big.txt", "text/plain", vec![b'a'; 65 * 1024]).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].clone()),
        (413, json!("PAYLOAD_TOO_LARGE"))
    );
    let (_, body) = upload(&other.token, "x.txt", "text/plain", b"x".to_vec()).await;
    assert_eq!(body["data"]["errors"][0]["code"], "NOT_FOUND");
    let (_, body) = upload(&t.token, "../../etc/passwd", "text/plain", b"x".to_vec()).await;
    assert_eq!(body["data"]["errors"][0]["code"], "INVALID");

    // Listed on the record, readable as a node, deletable by its author.
    let r = call(
        &t.token,
        "query($s: ID) { attachments(subjectId: $s) { totalCount nodes { id fileName sha256 subject { id } } } }",
        json!({"s": party}),
    )
    .await
    .ok();
    assert_eq!(r.data()["attachments"]["totalCount"], 1);
    assert_eq!(r.data()["attachments"]["nodes"][0]["subject"]["id"], party);
    assert_eq!(r.data()["attachments"]["nodes"][0]["sha256"], a["sha256"]);
    let r = call(
        &t.token,
        "mutation($id: ID!) { deleteAttachment(input: {id: $id}) { deletedId errors { code } } }",
        json!({"id": a["id"]}),
    )
    .await
    .ok();
    assert_eq!(r.data()["deleteAttachment"]["deletedId"], a["id"]);
    let r = client
        .get(&url)
        .bearer_auth(&t.token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
}
