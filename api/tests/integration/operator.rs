//! The platform operator's mutations and the invitation flow.

use serde_json::{Value, json};

use crate::helpers::{Gql, OPERATOR_KEY, shared};

const CREATE: &str = "mutation($i: CreateTenantInput!) { createTenant(input: $i) { tenant { id slug status baseCurrency } errors { field code } } }";
const STATUS: &str = "mutation($id: ID!, $s: TenantStatus!) { setTenantStatus(input: {tenantId: $id, status: $s}) { tenant { status } errors { code } } }";

async fn as_operator(key: &str, query: &str, variables: Value, bearer: Option<&str>) -> Gql {
    let authorization = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("x-platform-key", key)];
    headers.extend(authorization.as_deref().map(|a| ("authorization", a)));
    shared()
        .post(&headers, json!({"query": query, "variables": variables}))
        .await
}

#[tokio::test]
async fn the_operator_creates_and_suspends_tenants() {
    let app = shared();
    let slug = format!("op-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let input = json!({"slug": slug, "name": "Operated KK", "adminEmail": format!("boss@{slug}.example"), "adminDisplayName": "Boss"});
    let r = as_operator(OPERATOR_KEY, CREATE, json!({"i": input}), None)
        .await
        .ok();
    let tenant = r.data()["createTenant"]["tenant"].clone();
    assert_eq!(tenant["slug"], slug.as_str());
    assert_eq!(tenant["baseCurrency"], "JPY", "Japanese defaults");

    let dup = as_operator(OPERATOR_KEY, CREATE, json!({"i": input}), None)
        .await
        .ok();
    assert_eq!(
        dup.data()["createTenant"]["errors"],
        json!([{"field": ["slug"], "code": "DUPLICATE"}])
    );
    let bad = as_operator(OPERATOR_KEY, CREATE, json!({"i": {"slug": "Bad!", "name": "", "baseCurrency": "yen", "adminEmail": "x", "adminDisplayName": "x"}}), None).await.ok();
    let fields: Vec<_> = bad.data()["createTenant"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"][0].clone())
        .collect();
    assert_eq!(
        fields,
        [
            json!("slug"),
            json!("name"),
            json!("baseCurrency"),
            json!("adminEmail")
        ]
    );

    // The new tenant's administrator works until the operator suspends the tenant.
    let db = app.db().await;
    let admin = entity::platform::find_user_by_email(&db, &format!("boss@{slug}.example"))
        .await
        .expect("query")
        .expect("user");
    db.close().await.ok();
    let tenant_uuid = api::graphql::core::GlobalId::decode(tenant["id"].as_str().expect("id"))
        .expect("id")
        .1;
    let token = app.token(admin.id, tenant_uuid);
    assert_eq!(
        app.gql(Some(&token), "{ tenant { name } }", json!({}))
            .await
            .status,
        200
    );
    let s = as_operator(
        OPERATOR_KEY,
        STATUS,
        json!({"id": tenant["id"], "s": "SUSPENDED"}),
        None,
    )
    .await
    .ok();
    assert_eq!(s.data()["setTenantStatus"]["tenant"]["status"], "SUSPENDED");
    assert_eq!(
        app.gql(Some(&token), "{ tenant { name } }", json!({}))
            .await
            .status,
        401
    );
    as_operator(
        OPERATOR_KEY,
        STATUS,
        json!({"id": tenant["id"], "s": "ACTIVE"}),
        None,
    )
    .await
    .ok();
    assert_eq!(
        app.gql(Some(&token), "{ tenant { name } }", json!({}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn only_the_operator_key_opens_the_platform_mutations() {
    let app = shared();
    let t = app.new_tenant().await;
    let input = json!({"slug": "nope-tenant", "name": "x", "adminEmail": "a@b.example", "adminDisplayName": "x"});
    assert_eq!(
        app.gql(Some(&t.token), CREATE, json!({"i": input}))
            .await
            .code(),
        "FORBIDDEN",
        "a tenant admin is no operator"
    );
    assert_eq!(
        app.gql(None, CREATE, json!({"i": input})).await.code(),
        "FORBIDDEN"
    );
    let wrong = as_operator(
        "wrong-key-wrong-key-wrong-key-wrong-key",
        CREATE,
        json!({"i": input}),
        None,
    )
    .await;
    assert_eq!(wrong.status, 401);
    let mixed = as_operator(OPERATOR_KEY, CREATE, json!({"i": input}), Some(&t.token)).await;
    assert_eq!(
        mixed.status, 401,
        "the operator key never travels with a tenant credential"
    );
}

#[tokio::test]
async fn invited_people_set_a_password_once() {
    let app = shared();
    let t = app.new_tenant().await;
    let email = format!("newcomer@{}.test.example", t.slug);
    let invite = "mutation($i: InviteMemberInput!) { inviteMember(input: $i) { invitationToken errors { code } } }";
    let r = app
        .gql(
            Some(&t.token),
            invite,
            json!({"i": {"email": email, "displayName": "Newcomer", "roles": ["employee"]}}),
        )
        .await
        .ok();
    let token = r.data()["inviteMember"]["invitationToken"]
        .as_str()
        .expect("token")
        .to_owned();

    let accept = "mutation($t: String!, $p: String!) { acceptInvitation(input: {token: $t, password: $p}) { accessToken errors { field code } } }";
    let weak = app
        .gql(None, accept, json!({"t": token, "p": "short"}))
        .await
        .ok();
    assert_eq!(
        weak.data()["acceptInvitation"]["errors"],
        json!([{"field": ["password"], "code": "WEAK_PASSWORD"}])
    );
    let ok = app
        .gql(
            None,
            accept,
            json!({"t": token, "p": "a newcomer's long password"}),
        )
        .await
        .ok();
    let access = ok.data()["acceptInvitation"]["accessToken"]
        .as_str()
        .expect("signed in")
        .to_owned();
    let me = app
        .gql(Some(&access), "{ viewer { email roles } }", json!({}))
        .await
        .ok();
    assert_eq!(
        me.data()["viewer"],
        json!({"email": email, "roles": ["employee"]})
    );
    let again = app
        .gql(
            None,
            accept,
            json!({"t": token, "p": "another long password!"}),
        )
        .await
        .ok();
    assert_eq!(
        again.data()["acceptInvitation"]["errors"][0]["code"],
        "INVALID_INVITATION",
        "each token works once"
    );

    let login = "mutation($i: LoginInput!) { login(input: $i) { errors { code } } }";
    let r = app.gql(None, login, json!({"i": {"email": email, "password": "a newcomer's long password", "tenant": t.slug}})).await.ok();
    assert_eq!(r.data()["login"]["errors"], json!([]));

    // Another tenant's administrator invites the same person and sets a password through their
    // invitation: it opens only their own tenant, never the first one (no cross-tenant takeover).
    let other = app.new_tenant().await;
    let r = app
        .gql(
            Some(&other.token),
            invite,
            json!({"i": {"email": email, "displayName": "Newcomer", "roles": ["employee"]}}),
        )
        .await
        .ok();
    let second = r.data()["inviteMember"]["invitationToken"]
        .as_str()
        .expect("a token for the new membership")
        .to_owned();
    let ok = app
        .gql(
            None,
            accept,
            json!({"t": second, "p": "the other tenant's password"}),
        )
        .await
        .ok();
    assert_eq!(ok.data()["acceptInvitation"]["errors"], json!([]));
    let hijack = app.gql(None, login, json!({"i": {"email": email, "password": "the other tenant's password", "tenant": t.slug}})).await.ok();
    assert_eq!(
        hijack.data()["login"]["errors"][0]["code"],
        "INVALID_CREDENTIALS"
    );
    let own = app.gql(None, login, json!({"i": {"email": email, "password": "a newcomer's long password", "tenant": t.slug}})).await.ok();
    assert_eq!(
        own.data()["login"]["errors"],
        json!([]),
        "the first tenant's password is unchanged"
    );
}
