//! External identity providers: HS256 with a shared secret, RS256 with a PEM key, ES256 and
//! RS256 through a JWKS document with key rotation, and every rejection case.

use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{TestTenant, shared};

const REGISTER: &str = "mutation($i: RegisterIdentityProviderInput!) { registerIdentityProvider(input: $i) { identityProvider { id keySource } errors { field code } } }";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

fn claims(issuer: &str, email: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": issuer, "aud": "urakata-app", "sub": "ext-123", "email": email, "exp": now + 600, "nbf": now - 5, "iat": now})
}

fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).expect("sign")
}

async fn viewer(token: &str) -> (u16, Value) {
    let r = shared()
        .gql(Some(token), "{ viewer { email } }", json!({}))
        .await;
    (r.status.as_u16(), r.body)
}

async fn register(t: &TestTenant, input: Value) -> Value {
    shared()
        .gql(Some(&t.token), REGISTER, json!({"i": input}))
        .await
        .ok()
        .data()["registerIdentityProvider"]
        .clone()
}

fn admin_email(t: &TestTenant) -> String {
    format!("admin@{}.test.example", t.slug)
}

/// A JWKS endpoint on loopback whose document the test can swap, counting fetches.
struct JwksServer {
    url: String,
    doc: Arc<Mutex<String>>,
    hits: Arc<Mutex<usize>>,
}

fn jwks_server(doc: String) -> JwksServer {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().expect("addr")
    );
    let doc = Arc::new(Mutex::new(doc));
    let hits = Arc::new(Mutex::new(0));
    let (d, h) = (doc.clone(), hits.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            *h.lock().expect("lock") += 1;
            let body = d.lock().expect("lock").clone();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    JwksServer { url, doc, hits }
}

#[tokio::test]
async fn hs256_provider_and_its_rejections() {
    let app = shared();
    let t = app.new_tenant().await;
    let issuer = format!("https://login.{}.example/v2", t.slug);
    let secret = "an-external-shared-secret-of-enough-length";
    let r = register(&t, json!({"issuer": issuer, "audience": "urakata-app", "algorithm": "HS256", "sharedSecret": secret})).await;
    assert_eq!(r["identityProvider"]["keySource"], "SHARED_SECRET");
    let key = EncodingKey::from_secret(secret.as_bytes());
    let good = claims(&issuer, &admin_email(&t));

    let (status, body) = viewer(&sign(Algorithm::HS256, None, &key, &good)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["viewer"]["email"], admin_email(&t));

    let mut cases: Vec<(&str, String)> = Vec::new();
    cases.push((
        "pinned algorithm",
        sign(Algorithm::HS512, None, &key, &good),
    ));
    cases.push((
        "alg none",
        format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&good.to_string())
        ),
    ));
    cases.push((
        "wrong secret",
        sign(
            Algorithm::HS256,
            None,
            &EncodingKey::from_secret(b"some-other-secret-of-enough-length!!"),
            &good,
        ),
    ));
    for (what, field, value) in [
        (
            "expired",
            "exp",
            json!(chrono::Utc::now().timestamp() - 3600),
        ),
        (
            "not yet valid",
            "nbf",
            json!(chrono::Utc::now().timestamp() + 3600),
        ),
        ("wrong audience", "aud", json!("someone-else")),
        ("unknown issuer", "iss", json!("https://evil.example")),
        ("not a member", "email", json!("stranger@nowhere.example")),
    ] {
        let mut c = good.clone();
        c[field] = value;
        cases.push((what, sign(Algorithm::HS256, None, &key, &c)));
    }
    let mut c = good.clone();
    c.as_object_mut().expect("object").remove("email");
    cases.push(("no user claim", sign(Algorithm::HS256, None, &key, &c)));
    for (what, token) in cases {
        assert_eq!(viewer(&token).await.0, 401, "{what} must be refused");
    }

    // Removing the provider refuses its tokens from the next request.
    let id = r["identityProvider"]["id"].clone();
    let removed = app
        .gql(
            Some(&t.token),
            "mutation($id: ID!) { removeIdentityProvider(input: {id: $id}) { errors { code } } }",
            json!({"id": id}),
        )
        .await
        .ok();
    assert_eq!(
        removed.data()["removeIdentityProvider"]["errors"],
        json!([])
    );
    assert_eq!(
        viewer(&sign(Algorithm::HS256, None, &key, &good)).await.0,
        401
    );
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn rs256_with_a_pem_key() {
    let t = shared().new_tenant().await;
    let issuer = format!("https://pem.{}.example", t.slug);
    let r = register(&t, json!({"issuer": issuer, "audience": "urakata-app", "algorithm": "RS256", "publicKeyPem": fixture("rsa1.pub.pem")})).await;
    assert_eq!(r["errors"], json!([]));
    let key = EncodingKey::from_rsa_pem(fixture("rsa1.key.pem").as_bytes()).expect("key");
    let good = claims(&issuer, &admin_email(&t));
    assert_eq!(
        viewer(&sign(Algorithm::RS256, None, &key, &good)).await.0,
        200
    );
    let other = EncodingKey::from_rsa_pem(fixture("rsa2.key.pem").as_bytes()).expect("key");
    assert_eq!(
        viewer(&sign(Algorithm::RS256, None, &other, &good)).await.0,
        401,
        "another key's signature"
    );
    assert_eq!(
        viewer(&sign(Algorithm::RS384, None, &key, &good)).await.0,
        401,
        "another RSA algorithm"
    );
    // The classic confusion: an HS256 token "signed" with the public key as the secret.
    let confused = EncodingKey::from_secret(fixture("rsa1.pub.pem").as_bytes());
    assert_eq!(
        viewer(&sign(Algorithm::HS256, None, &confused, &good))
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn jwks_keys_rotate_and_unknown_kids_are_refused() {
    let t = shared().new_tenant().await;
    let server = jwks_server(fixture("jwks-before-rotation.json"));
    let issuer = format!("https://jwks.{}.example", t.slug);
    let r = register(&t, json!({"issuer": issuer, "audience": "urakata-app", "algorithm": "RS256", "jwksUrl": server.url})).await;
    assert_eq!(r["identityProvider"]["keySource"], "JWKS");
    let good = claims(&issuer, &admin_email(&t));
    let rsa1 = EncodingKey::from_rsa_pem(fixture("rsa1.key.pem").as_bytes()).expect("key");
    let rsa2 = EncodingKey::from_rsa_pem(fixture("rsa2.key.pem").as_bytes()).expect("key");

    assert_eq!(
        viewer(&sign(Algorithm::RS256, Some("rsa1"), &rsa1, &good))
            .await
            .0,
        200
    );
    assert_eq!(
        viewer(&sign(Algorithm::RS256, Some("rsa1"), &rsa1, &good))
            .await
            .0,
        200
    );
    assert_eq!(
        *server.hits.lock().expect("lock"),
        1,
        "the document is cached"
    );
    assert_eq!(
        viewer(&sign(Algorithm::RS256, None, &rsa1, &good)).await.0,
        401,
        "a JWKS token must name its kid"
    );
    assert_eq!(
        viewer(&sign(Algorithm::RS256, Some("ec1"), &rsa1, &good))
            .await
            .0,
        401,
        "a key of another algorithm"
    );

    // The provider rotates: rsa2 appears in its document. Within the refetch interval an
    // unknown kid is refused without a fetch (a flood of made-up kids cannot hammer the
    // provider); after it, the first token naming rsa2 makes the server fetch again.
    *server.doc.lock().expect("lock") = fixture("jwks-after-rotation.json");
    let rotated = sign(Algorithm::RS256, Some("rsa2"), &rsa2, &good);
    assert_eq!(viewer(&rotated).await.0, 401);
    assert_eq!(
        *server.hits.lock().expect("lock"),
        1,
        "no fetch within the interval"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(viewer(&rotated).await.0, 200, "the rotated key is fetched");
    assert_eq!(*server.hits.lock().expect("lock"), 2);
    assert_eq!(
        viewer(&sign(Algorithm::RS256, Some("rsa1"), &rsa1, &good))
            .await
            .0,
        200,
        "the old key still works"
    );
    assert_eq!(
        viewer(&sign(Algorithm::RS256, Some("nobody"), &rsa2, &good))
            .await
            .0,
        401,
        "unknown kid"
    );
}

#[tokio::test]
async fn es256_through_jwks() {
    let t = shared().new_tenant().await;
    let server = jwks_server(fixture("jwks-before-rotation.json"));
    let issuer = format!("https://ec.{}.example", t.slug);
    let r = register(&t, json!({"issuer": issuer, "audience": "urakata-app", "algorithm": "ES256", "jwksUrl": server.url})).await;
    assert_eq!(r["errors"], json!([]));
    let key = EncodingKey::from_ec_pem(fixture("ec1.key.pem").as_bytes()).expect("key");
    assert_eq!(
        viewer(&sign(
            Algorithm::ES256,
            Some("ec1"),
            &key,
            &claims(&issuer, &admin_email(&t))
        ))
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn registration_is_validated() {
    let app = shared();
    let t = app.new_tenant().await;
    let other = app.new_tenant().await;
    for (input, field, code) in [
        (
            json!({"issuer": "https://a.example", "audience": "x", "algorithm": "HS256", "sharedSecret": "short"}),
            "sharedSecret",
            "REQUIRED",
        ),
        (
            json!({"issuer": "https://b.example", "audience": "x", "algorithm": "RS256"}),
            "publicKeyPem",
            "REQUIRED",
        ),
        (
            json!({"issuer": "https://c.example", "audience": "x", "algorithm": "RS256", "publicKeyPem": "not a key"}),
            "publicKeyPem",
            "INVALID",
        ),
        (
            json!({"issuer": "https://d.example", "audience": "x", "algorithm": "ES256", "publicKeyPem": fixture("rsa1.pub.pem")}),
            "publicKeyPem",
            "INVALID",
        ),
        (
            json!({"issuer": "urakata", "audience": "x", "algorithm": "HS256", "sharedSecret": "0123456789abcdef0123456789abcdef"}),
            "issuer",
            "INVALID",
        ),
        (
            json!({"issuer": format!("https://idp.{}.test.example", other.slug), "audience": "x", "algorithm": "HS256", "sharedSecret": "0123456789abcdef0123456789abcdef"}),
            "issuer",
            "DUPLICATE",
        ),
    ] {
        let r = register(&t, input.clone()).await;
        assert_eq!(
            r["errors"][0],
            json!({"field": [field], "code": code}),
            "{input}"
        );
        assert_eq!(r["identityProvider"], Value::Null);
    }
    let listed = app
        .gql(
            Some(&t.token),
            "{ identityProviders { totalCount nodes { issuer algorithm } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        listed.data()["identityProviders"]["totalCount"],
        1,
        "only the seeded one"
    );
    assert!(
        !listed.body.to_string().contains("shared-secret"),
        "secrets are never shown"
    );
}

#[tokio::test]
async fn by_default_jwks_urls_must_be_https_on_public_addresses() {
    let mut settings = crate::helpers::test_settings();
    settings.auth.jwks_allow_private_networks = false;
    let app = crate::helpers::spawn_app(settings);
    let t = app.new_tenant().await;
    let server = jwks_server(fixture("jwks-before-rotation.json"));
    let reg = |issuer: String, url: String| {
        let (app, t) = (&app, &t);
        async move {
            app.gql(Some(&t.token), REGISTER, json!({"i": {"issuer": issuer, "audience": "urakata-app", "algorithm": "RS256", "jwksUrl": url}}))
                .await
                .ok()
                .data()["registerIdentityProvider"]
                .clone()
        }
    };
    let plain = reg(
        format!("https://plain.{}.example", t.slug),
        server.url.clone(),
    )
    .await;
    assert_eq!(
        plain["errors"][0],
        json!({"field": ["jwksUrl"], "code": "INVALID"})
    );

    // An https URL that resolves to loopback is accepted at registration but never fetched.
    let issuer = format!("https://internal.{}.example", t.slug);
    let r = reg(
        issuer.clone(),
        format!(
            "https://127.0.0.1:{}/jwks",
            server
                .url
                .split(':')
                .nth(2)
                .and_then(|p| p.split('/').next())
                .unwrap_or("1")
        ),
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    let key = EncodingKey::from_rsa_pem(fixture("rsa1.key.pem").as_bytes()).expect("key");
    let token = sign(
        Algorithm::RS256,
        Some("rsa1"),
        &key,
        &claims(&issuer, &admin_email(&t)),
    );
    let resp = app
        .gql(Some(&token), "{ viewer { email } }", json!({}))
        .await;
    assert_eq!(resp.status.as_u16(), 401);
    assert_eq!(
        *server.hits.lock().expect("lock"),
        0,
        "no request reached the internal address"
    );
}

#[tokio::test]
async fn a_removed_provider_can_be_registered_again() {
    let app = shared();
    let t = app.new_tenant().await;
    let issuer = format!("https://again.{}.example", t.slug);
    let input = json!({"issuer": issuer, "audience": "urakata-app", "algorithm": "HS256", "sharedSecret": "first-shared-secret-of-enough-length!!"});
    let r = register(&t, input).await;
    let id = r["identityProvider"]["id"].clone();
    app.gql(
        Some(&t.token),
        "mutation($id: ID!) { removeIdentityProvider(input: {id: $id}) { errors { code } } }",
        json!({"id": id}),
    )
    .await
    .ok();
    let secret = "second-shared-secret-of-enough-length!";
    let again = register(&t, json!({"issuer": issuer, "audience": "urakata-app", "algorithm": "HS256", "sharedSecret": secret})).await;
    assert_eq!(again["errors"], json!([]));
    let token = sign(
        Algorithm::HS256,
        None,
        &EncodingKey::from_secret(secret.as_bytes()),
        &claims(&issuer, &admin_email(&t)),
    );
    assert_eq!(viewer(&token).await.0, 200, "the new secret works");
}
