//! Credentials: JWT rejection cases and built-in sign-in with rotating refresh tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::helpers::{TestTenant, shared};

const PASSWORD: &str = "correct horse battery staple";

fn claims(t: &TestTenant) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": t.admin_user.to_string(), "tid": t.id, "iss": "urakata", "aud": "urakata-api",
           "exp": now + 600, "nbf": now - 1, "iat": now, "jti": "t"})
}

fn sign(alg: Algorithm, claims: &Value) -> String {
    let secret = shared().settings.auth.jwt_secret.expose_secret().to_owned();
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

async fn status_of(token: &str) -> (u16, String) {
    let r = shared()
        .gql(Some(token), "{ viewer { email } }", json!({}))
        .await;
    (
        r.status.as_u16(),
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

#[tokio::test]
async fn every_jwt_rejection_case() {
    let app = shared();
    let t = app.new_tenant().await;
    let good = claims(&t);
    assert_eq!(
        status_of(&sign(Algorithm::HS256, &good)).await.0,
        200,
        "the baseline token works"
    );

    let mut c = good.clone();
    c["exp"] = json!(chrono::Utc::now().timestamp() - 3600);
    assert_eq!(
        status_of(&sign(Algorithm::HS256, &c)).await,
        (401, "the token has expired".into())
    );

    let mut c = good.clone();
    c["nbf"] = json!(chrono::Utc::now().timestamp() + 3600);
    assert_eq!(
        status_of(&sign(Algorithm::HS256, &c)).await,
        (401, "the token is not valid yet".into())
    );

    let mut c = good.clone();
    c["iss"] = json!("someone-else");
    assert_eq!(
        status_of(&sign(Algorithm::HS256, &c)).await,
        (401, "the token's issuer or key is not known".into()),
        "a foreign issuer is looked up among identity providers"
    );

    let mut c = good.clone();
    c["aud"] = json!("another-api");
    assert_eq!(
        status_of(&sign(Algorithm::HS256, &c)).await,
        (401, "the token has the wrong audience".into())
    );

    for missing in ["exp", "iss", "aud", "sub"] {
        let mut c = good.clone();
        c.as_object_mut().expect("object").remove(missing);
        assert_eq!(
            status_of(&sign(Algorithm::HS256, &c)).await.0,
            401,
            "a token without {missing}"
        );
    }

    // The algorithm is pinned: the same secret with another HMAC is refused, and so is `none`.
    assert_eq!(status_of(&sign(Algorithm::HS512, &good)).await.0, 401);
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(good.to_string())
    );
    assert_eq!(status_of(&none).await.0, 401);

    let mut c = good.clone();
    c["tid"] = json!(uuid::Uuid::now_v7());
    let (status, unknown_tenant) = status_of(&sign(Algorithm::HS256, &c)).await;
    assert_eq!(status, 401);

    // A user with no membership in the token's tenant answers exactly like an unknown tenant.
    let other = app.new_tenant().await;
    let mut c = good.clone();
    c["tid"] = json!(other.id);
    assert_eq!(
        status_of(&sign(Algorithm::HS256, &c)).await,
        (401, unknown_tenant.clone())
    );
}

#[tokio::test]
async fn suspended_tenants_and_memberships_are_refused() {
    use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
    let app = shared();
    let t = app.new_tenant().await;
    assert_eq!(status_of(&t.token).await.0, 200);
    let db = app.db().await;

    let tx = entity::TenantTx::begin(&db, entity::TenantId(t.id))
        .await
        .expect("tx");
    let m = tx
        .one(
            tx.select::<entity::platform::membership::Entity>()
                .refine(|q| {
                    q.filter(entity::platform::membership::Column::UserId.eq(t.admin_user))
                }),
        )
        .await
        .expect("query")
        .expect("membership");
    let mut am = m.clone().into_active_model();
    am.status = Set("suspended".into());
    tx.update(am).await.expect("suspend");
    tx.commit().await.expect("commit");
    assert_eq!(
        status_of(&t.token).await.0,
        401,
        "a suspended membership is refused"
    );

    let tx = entity::TenantTx::begin(&db, entity::TenantId(t.id))
        .await
        .expect("tx");
    let mut am = m.into_active_model();
    am.status = Set("active".into());
    tx.update(am).await.expect("restore");
    tx.commit().await.expect("commit");
    assert_eq!(status_of(&t.token).await.0, 200);

    let tenant = entity::platform::find_tenant(&db, t.id)
        .await
        .expect("query")
        .expect("tenant");
    let mut am = tenant.into_active_model();
    am.status = Set("suspended".into());
    // A raw write to the tenant row must tell the read cache, as the server's own paths do
    // (through the audit entry they record).
    let tx = entity::TenantTx::begin(&db, entity::TenantId(t.id))
        .await
        .expect("tx");
    entity::platform::update_tenant(tx.connection(), am)
        .await
        .expect("suspend tenant");
    tx.touch("Tenant");
    tx.commit().await.expect("commit");
    assert_eq!(
        status_of(&t.token).await.0,
        401,
        "a suspended tenant is refused"
    );
    db.close().await.ok();
}

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken expiresIn errors { field code message } } }";
const REFRESH: &str = "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken refreshToken errors { code } } }";
const LOGOUT: &str = "mutation($t: String!) { logout(input: {refreshToken: $t}) { ok } }";

async fn tenant_with_password() -> (TestTenant, String) {
    let app = shared();
    let t = app.new_tenant().await;
    let db = app.db().await;
    api::services::sessions::set_password(&db, entity::TenantId(t.id), t.admin_user, PASSWORD)
        .await
        .expect("set password");
    db.close().await.ok();
    let email = format!("admin@{}.test.example", t.slug);
    (t, email)
}

#[tokio::test]
async fn login_refresh_rotation_and_logout() {
    let app = shared();
    let (t, email) = tenant_with_password().await;
    let r = app
        .gql(
            None,
            LOGIN,
            json!({"i": {"email": email, "password": PASSWORD, "tenant": t.slug}}),
        )
        .await
        .ok();
    let login = &r.data()["login"];
    assert_eq!(login["errors"], json!([]));
    assert_eq!(login["expiresIn"], 900);
    let access = login["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned();
    let first = login["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    let me = app
        .gql(Some(&access), "{ viewer { email } }", json!({}))
        .await
        .ok();
    assert_eq!(me.data()["viewer"]["email"], email);

    // Rotation: the new pair works, the old refresh token does not.
    let r = app.gql(None, REFRESH, json!({"t": first})).await.ok();
    let second = r.data()["refreshToken"]["refreshToken"]
        .as_str()
        .expect("rotated")
        .to_owned();
    assert_ne!(first, second);
    let access2 = r.data()["refreshToken"]["accessToken"]
        .as_str()
        .expect("access")
        .to_owned();
    assert_eq!(
        app.gql(Some(&access2), "{ viewer { email } }", json!({}))
            .await
            .status,
        200
    );

    // Reusing the first token is theft: it fails and takes the whole family with it.
    let reuse = app.gql(None, REFRESH, json!({"t": first})).await.ok();
    assert_eq!(
        reuse.data()["refreshToken"]["errors"][0]["code"],
        "INVALID_REFRESH_TOKEN"
    );
    let after_theft = app.gql(None, REFRESH, json!({"t": second})).await.ok();
    assert_eq!(
        after_theft.data()["refreshToken"]["errors"][0]["code"],
        "INVALID_REFRESH_TOKEN"
    );

    // Logout revokes a fresh sign-in's refresh token; logging out twice is fine.
    let r = app
        .gql(
            None,
            LOGIN,
            json!({"i": {"email": email, "password": PASSWORD, "tenant": t.slug}}),
        )
        .await
        .ok();
    let third = r.data()["login"]["refreshToken"]
        .as_str()
        .expect("refresh")
        .to_owned();
    for _ in 0..2 {
        let out = app.gql(None, LOGOUT, json!({"t": third})).await.ok();
        assert_eq!(out.data()["logout"]["ok"], true);
    }
    let r = app.gql(None, REFRESH, json!({"t": third})).await.ok();
    assert_eq!(
        r.data()["refreshToken"]["errors"][0]["code"],
        "INVALID_REFRESH_TOKEN"
    );

    for junk in ["", "nope", "0.0", &format!("{}.short", t.id.simple())] {
        let r = app.gql(None, REFRESH, json!({"t": junk})).await.ok();
        assert_eq!(
            r.data()["refreshToken"]["errors"][0]["code"],
            "INVALID_REFRESH_TOKEN",
            "{junk}"
        );
    }
}

#[tokio::test]
async fn login_failures_are_indistinguishable() {
    let app = shared();
    let (t, email) = tenant_with_password().await;
    let other = app.new_tenant().await;
    let cases = [
        json!({"email": email, "password": "wrong password!", "tenant": t.slug}),
        json!({"email": "nobody@nowhere.example", "password": PASSWORD, "tenant": t.slug}),
        json!({"email": email, "password": PASSWORD, "tenant": "no-such-tenant"}),
        json!({"email": email, "password": PASSWORD, "tenant": other.slug}),
    ];
    let mut answers = Vec::new();
    for input in cases {
        let r = app.gql(None, LOGIN, json!({"i": input})).await.ok();
        assert_eq!(r.data()["login"]["accessToken"], Value::Null);
        answers.push(r.data()["login"]["errors"].clone());
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "every failure looks the same: {answers:?}"
    );
    assert_eq!(answers[0][0]["code"], "INVALID_CREDENTIALS");

    let r = app
        .gql(
            None,
            LOGIN,
            json!({"i": {"email": "", "password": "", "tenant": t.slug}}),
        )
        .await
        .ok();
    let fields: Vec<_> = r.data()["login"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"][0].clone())
        .collect();
    assert_eq!(fields, [json!("email"), json!("password")]);
}

#[test]
fn password_policy() {
    use api::services::sessions::password_problem;
    assert!(password_problem("short").is_some());
    assert!(password_problem(&"x".repeat(257)).is_some());
    assert!(password_problem("twelve chars").is_none());
}

#[tokio::test]
async fn a_refresh_token_is_spent_once_even_when_raced() {
    let app = shared();
    let (t, email) = tenant_with_password().await;
    let r = app
        .gql(
            None,
            LOGIN,
            json!({"i": {"email": email, "password": PASSWORD, "tenant": t.slug}}),
        )
        .await
        .ok();
    let token = r.data()["login"]["refreshToken"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let (a, b) = tokio::join!(
        app.gql(None, REFRESH, json!({"t": token})),
        app.gql(None, REFRESH, json!({"t": token}))
    );
    let won = [&a, &b]
        .iter()
        .filter(|r| r.data()["refreshToken"]["accessToken"].is_string())
        .count();
    assert_eq!(
        won, 1,
        "exactly one of two concurrent refreshes succeeds: {} / {}",
        a.body, b.body
    );
}

#[tokio::test]
async fn concurrent_updates_from_one_version_conflict() {
    let app = shared();
    let t = app.new_tenant().await;
    let r = app
        .gql(Some(&t.token), "mutation { createCustomRole(input: {key: \"racer\", name: \"Racer\", permissions: [VIEW_TENANT]}) { customRole { id } } }", json!({}))
        .await
        .ok();
    let id = r.data()["createCustomRole"]["customRole"]["id"].clone();
    let update = "mutation($id: ID!, $n: String!) { updateCustomRole(input: {id: $id, expectedVersion: 1, name: $n}) { customRole { version } } }";
    let (a, b) = tokio::join!(
        app.gql(Some(&t.token), update, json!({"id": id, "n": "A"})),
        app.gql(Some(&t.token), update, json!({"id": id, "n": "B"}))
    );
    let codes = [a.code().to_owned(), b.code().to_owned()];
    assert!(
        codes.contains(&String::new()) && codes.contains(&"CONFLICT".to_owned()),
        "one wins, one conflicts: {codes:?}"
    );
}
