//! Members, roles and permissions: custom roles, invitations, role changes, suspension, and the
//! invariants that keep a tenant administrable.

use api::auth::BuiltinRole;
use serde_json::{Value, json};

use crate::helpers::{Gql, TestTenant, shared};

const CREATE_ROLE: &str = "mutation($i: CreateCustomRoleInput!) { createCustomRole(input: $i) { customRole { id key version permissions } errors { field code } } }";
const INVITE: &str = "mutation($i: InviteMemberInput!) { inviteMember(input: $i) { member { id email roles version status } errors { field code } } }";
const SET_ROLES: &str = "mutation($i: SetMemberRolesInput!) { setMemberRoles(input: $i) { member { roles version } errors { field code } } }";
const SUSPEND: &str = "mutation($i: VersionedIdInput!) { suspendMember(input: $i) { member { status version } errors { field code } } }";
const REACTIVATE: &str = "mutation($i: VersionedIdInput!) { reactivateMember(input: $i) { member { status version } errors { field code } } }";
const ARCHIVE_ROLE: &str = "mutation($i: VersionedIdInput!) { archiveCustomRole(input: $i) { customRole { id } errors { field code } } }";

fn codes(r: &Gql, field: &str) -> Vec<String> {
    r.data()[field]["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|e| e["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn admin_member(t: &TestTenant) -> Value {
    let r = shared()
        .gql(
            Some(&t.token),
            "{ members { nodes { id email roles version } } }",
            json!({}),
        )
        .await
        .ok();
    r.data()["members"]["nodes"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["roles"] == json!(["tenant_admin"]))
        .cloned()
        .expect("admin")
}

#[tokio::test]
async fn custom_roles_grant_their_permissions() {
    let app = shared();
    let t = app.new_tenant().await;
    let r = app.gql(Some(&t.token), CREATE_ROLE, json!({"i": {"key": "ledger_reader", "name": "Ledger reader", "permissions": ["VIEW_LEDGER", "VIEW_EMPLOYEES", "VIEW_LEDGER"]}})).await.ok();
    assert_eq!(
        r.data()["createCustomRole"]["customRole"]["permissions"],
        json!(["VIEW_EMPLOYEES", "VIEW_LEDGER"])
    );

    let r = app.gql(Some(&t.token), INVITE, json!({"i": {"email": format!("Reader@{}.test.example", t.slug), "displayName": "Reader", "roles": ["ledger_reader"]}})).await.ok();
    let member = &r.data()["inviteMember"]["member"];
    assert_eq!(
        member["email"],
        format!("reader@{}.test.example", t.slug),
        "emails are stored lower-cased"
    );
    assert_eq!(member["status"], "ACTIVE");

    // The invited person's credential carries exactly the role's permissions.
    let db = app.db().await;
    let user =
        entity::platform::find_user_by_email(&db, &format!("reader@{}.test.example", t.slug))
            .await
            .expect("query")
            .expect("user");
    db.close().await.ok();
    let token = app.token(user.id, t.id);
    let me = app
        .gql(Some(&token), "{ viewer { roles permissions } }", json!({}))
        .await
        .ok();
    assert_eq!(
        me.data()["viewer"]["permissions"],
        json!(["VIEW_EMPLOYEES", "VIEW_LEDGER"])
    );
    assert_eq!(
        app.gql(Some(&token), "{ tenant { name } }", json!({}))
            .await
            .code(),
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql(Some(&token), "{ members { totalCount } }", json!({}))
            .await
            .code(),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn role_inputs_are_validated() {
    let app = shared();
    let t = app.new_tenant().await;
    for (input, code) in [
        (
            json!({"key": "Bad Key", "name": "x", "permissions": ["VIEW_LEDGER"]}),
            "INVALID",
        ),
        (
            json!({"key": "tenant_admin", "name": "x", "permissions": ["VIEW_LEDGER"]}),
            "DUPLICATE",
        ),
        (
            json!({"key": "auditor_light", "name": "x", "permissions": ["VIEW_LEDGER"]}),
            "DUPLICATE",
        ),
        (
            json!({"key": "empty_role", "name": "x", "permissions": []}),
            "REQUIRED",
        ),
        (
            json!({"key": "nameless", "name": "  ", "permissions": ["VIEW_LEDGER"]}),
            "REQUIRED",
        ),
    ] {
        let r = app
            .gql(Some(&t.token), CREATE_ROLE, json!({"i": input}))
            .await
            .ok();
        assert_eq!(codes(&r, "createCustomRole"), [code], "{input}");
        assert_eq!(r.data()["createCustomRole"]["customRole"], Value::Null);
    }
    let r = app
        .gql(
            Some(&t.token),
            CREATE_ROLE,
            json!({"i": {"key": "x1", "name": "x", "permissions": ["NO_SUCH_THING"]}}),
        )
        .await;
    assert_eq!(
        r.code(),
        "GRAPHQL_VALIDATION_FAILED",
        "permissions are a typed enum"
    );
    let invite = app
        .gql(
            Some(&t.token),
            INVITE,
            json!({"i": {"email": "not-an-email", "displayName": "", "roles": ["no_such_role"]}}),
        )
        .await
        .ok();
    assert_eq!(
        codes(&invite, "inviteMember"),
        ["INVALID", "REQUIRED", "UNKNOWN_ROLE"]
    );
}

#[tokio::test]
async fn stale_versions_conflict_and_roles_in_use_stay() {
    let app = shared();
    let t = app.new_tenant().await;
    let r = app
        .gql(
            Some(&t.token),
            CREATE_ROLE,
            json!({"i": {"key": "clerk", "name": "Clerk", "permissions": ["VIEW_INVOICES"]}}),
        )
        .await
        .ok();
    let role = r.data()["createCustomRole"]["customRole"].clone();
    let update = "mutation($i: UpdateCustomRoleInput!) { updateCustomRole(input: $i) { customRole { version name } errors { code } } }";
    let ok = app
        .gql(
            Some(&t.token),
            update,
            json!({"i": {"id": role["id"], "expectedVersion": 1, "name": "Senior clerk"}}),
        )
        .await
        .ok();
    assert_eq!(
        ok.data()["updateCustomRole"]["customRole"],
        json!({"version": 2, "name": "Senior clerk"})
    );
    let stale = app
        .gql(
            Some(&t.token),
            update,
            json!({"i": {"id": role["id"], "expectedVersion": 1, "name": "Lost update"}}),
        )
        .await;
    assert_eq!(stale.code(), "CONFLICT");

    let r = app.gql(Some(&t.token), INVITE, json!({"i": {"email": format!("clerk@{}.test.example", t.slug), "displayName": "Clerk", "roles": ["clerk"]}})).await.ok();
    let member = r.data()["inviteMember"]["member"].clone();
    let archive = app
        .gql(
            Some(&t.token),
            ARCHIVE_ROLE,
            json!({"i": {"id": role["id"], "expectedVersion": 2}}),
        )
        .await
        .ok();
    assert_eq!(codes(&archive, "archiveCustomRole"), ["IN_USE"]);
    let moved = app
        .gql(
            Some(&t.token),
            SET_ROLES,
            json!({"i": {"id": member["id"], "expectedVersion": 1, "roles": ["employee"]}}),
        )
        .await
        .ok();
    assert_eq!(
        moved.data()["setMemberRoles"]["member"],
        json!({"roles": ["employee"], "version": 2})
    );
    let archive = app
        .gql(
            Some(&t.token),
            ARCHIVE_ROLE,
            json!({"i": {"id": role["id"], "expectedVersion": 2}}),
        )
        .await
        .ok();
    assert_eq!(codes(&archive, "archiveCustomRole"), Vec::<String>::new());
    let reuse = app
        .gql(
            Some(&t.token),
            CREATE_ROLE,
            json!({"i": {"key": "clerk", "name": "Clerk again", "permissions": ["VIEW_INVOICES"]}}),
        )
        .await
        .ok();
    assert_eq!(
        codes(&reuse, "createCustomRole"),
        ["DUPLICATE"],
        "an archived role keeps its key"
    );
    let roles = app
        .gql(
            Some(&t.token),
            "{ customRoles { nodes { key } } }",
            json!({}),
        )
        .await
        .ok();
    assert!(
        !roles.body.to_string().contains("\"clerk\""),
        "archived roles are not listed"
    );
}

#[tokio::test]
async fn the_tenant_keeps_an_active_administrator() {
    let app = shared();
    let t = app.new_tenant().await;
    let admin = admin_member(&t).await;
    let demote = app.gql(Some(&t.token), SET_ROLES, json!({"i": {"id": admin["id"], "expectedVersion": admin["version"], "roles": ["employee"]}})).await.ok();
    assert_eq!(codes(&demote, "setMemberRoles"), ["LAST_ADMIN"]);
    let suspend_self = app
        .gql(
            Some(&t.token),
            SUSPEND,
            json!({"i": {"id": admin["id"], "expectedVersion": admin["version"]}}),
        )
        .await
        .ok();
    assert_eq!(codes(&suspend_self, "suspendMember"), ["SELF_ACTION"]);

    // A second administrator makes the first one demotable, and suspension works on others.
    let second = app.add_member(&t, &[BuiltinRole::TenantAdmin]).await;
    let demote = app.gql(Some(&t.token), SET_ROLES, json!({"i": {"id": admin["id"], "expectedVersion": admin["version"], "roles": ["tenant_admin", "auditor"]}})).await.ok();
    assert_eq!(codes(&demote, "setMemberRoles"), Vec::<String>::new());

    let r = app.gql(Some(&t.token), INVITE, json!({"i": {"email": format!("temp@{}.test.example", t.slug), "displayName": "Temp", "roles": ["employee"]}})).await.ok();
    let temp = r.data()["inviteMember"]["member"].clone();
    let s = app
        .gql(
            Some(&second),
            SUSPEND,
            json!({"i": {"id": temp["id"], "expectedVersion": 1}}),
        )
        .await
        .ok();
    assert_eq!(s.data()["suspendMember"]["member"]["status"], "SUSPENDED");
    let back = app
        .gql(
            Some(&second),
            REACTIVATE,
            json!({"i": {"id": temp["id"], "expectedVersion": 2}}),
        )
        .await
        .ok();
    assert_eq!(
        back.data()["reactivateMember"]["member"],
        json!({"status": "ACTIVE", "version": 3})
    );
}

#[tokio::test]
async fn suspension_takes_effect_on_the_next_request() {
    let app = shared();
    let t = app.new_tenant().await;
    let token = app.add_member(&t, &[BuiltinRole::Employee]).await;
    assert_eq!(
        app.gql(Some(&token), "{ viewer { email } }", json!({}))
            .await
            .status,
        200
    );
    let members = app
        .gql(
            Some(&t.token),
            "{ members { nodes { id roles version } } }",
            json!({}),
        )
        .await
        .ok();
    let employee = members.data()["members"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|m| m["roles"] == json!(["employee"]))
        .cloned()
        .expect("employee");
    app.gql(
        Some(&t.token),
        SUSPEND,
        json!({"i": {"id": employee["id"], "expectedVersion": employee["version"]}}),
    )
    .await
    .ok();
    assert_eq!(
        app.gql(Some(&token), "{ viewer { email } }", json!({}))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn every_builtin_role_and_permission_is_listed() {
    let app = shared();
    let t = app.new_tenant().await;
    let employee = app.add_member(&t, &[BuiltinRole::Employee]).await;
    let r = app
        .gql(
            Some(&employee),
            "{ builtInRoles { key permissions } permissions { permission area description } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        r.data()["builtInRoles"].as_array().expect("roles").len(),
        18
    );
    let perms = r.data()["permissions"].as_array().expect("perms");
    assert!(
        perms
            .iter()
            .all(|p| !p["description"].as_str().unwrap_or("").is_empty())
    );
    assert!(
        perms
            .iter()
            .any(|p| p["permission"] == "VIEW_NATIONAL_IDS" && p["area"] == "sensitive")
    );
    let forbidden = app
        .gql(
            Some(&employee),
            CREATE_ROLE,
            json!({"i": {"key": "sneaky", "name": "x", "permissions": ["VIEW_PAY"]}}),
        )
        .await;
    assert_eq!(forbidden.code(), "FORBIDDEN");
}

#[tokio::test]
async fn nobody_grants_more_than_they_hold() {
    let app = shared();
    let t = app.new_tenant().await;
    // Even a tenant administrator cannot create a role with health results (which they lack).
    let r = app.gql(Some(&t.token), CREATE_ROLE, json!({"i": {"key": "health", "name": "Health", "permissions": ["VIEW_HEALTH_RESULTS"]}})).await.ok();
    assert_eq!(codes(&r, "createCustomRole"), ["PERMISSION_NOT_HELD"]);

    // A member manager without tenant administration cannot make anyone (themselves included)
    // an administrator, but can hand out roles within their own permissions.
    let perms = json!([
        "MANAGE_MEMBERS",
        "VIEW_TENANT",
        "VIEW_ORGANISATION",
        "VIEW_EMPLOYEES",
        "SUBMIT_REQUESTS",
        "VIEW_CALENDARS"
    ]);
    app.gql(
        Some(&t.token),
        CREATE_ROLE,
        json!({"i": {"key": "people_ops", "name": "People ops", "permissions": perms}}),
    )
    .await
    .ok();
    let r = app.gql(Some(&t.token), INVITE, json!({"i": {"email": format!("ops@{}.test.example", t.slug), "displayName": "Ops", "roles": ["people_ops"]}})).await.ok();
    let ops_member = r.data()["inviteMember"]["member"].clone();
    let db = app.db().await;
    let ops_user =
        entity::platform::find_user_by_email(&db, &format!("ops@{}.test.example", t.slug))
            .await
            .expect("q")
            .expect("user");
    db.close().await.ok();
    let ops = app.token(ops_user.id, t.id);

    let escalate = app.gql(Some(&ops), SET_ROLES, json!({"i": {"id": ops_member["id"], "expectedVersion": ops_member["version"], "roles": ["tenant_admin"]}})).await.ok();
    assert_eq!(codes(&escalate, "setMemberRoles"), ["PERMISSION_NOT_HELD"]);
    let invite_admin = app
        .gql(
            Some(&ops),
            INVITE,
            json!({"i": {"email": "x@y.example", "displayName": "X", "roles": ["tenant_admin"]}}),
        )
        .await
        .ok();
    assert_eq!(
        codes(&invite_admin, "inviteMember"),
        ["PERMISSION_NOT_HELD"]
    );
    let invite_employee = app.gql(Some(&ops), INVITE, json!({"i": {"email": format!("e@{}.test.example", t.slug), "displayName": "E", "roles": ["employee"]}})).await.ok();
    assert_eq!(
        codes(&invite_employee, "inviteMember"),
        Vec::<String>::new()
    );

    // Identity providers can vouch for anyone, so only tenant administrators manage them.
    app.gql(Some(&t.token), CREATE_ROLE, json!({"i": {"key": "settings", "name": "Settings", "permissions": ["MANAGE_TENANT", "VIEW_TENANT"]}})).await.ok();
    let r = app.gql(Some(&t.token), INVITE, json!({"i": {"email": format!("set@{}.test.example", t.slug), "displayName": "S", "roles": ["settings"]}})).await.ok();
    assert_eq!(codes(&r, "inviteMember"), Vec::<String>::new());
    let db = app.db().await;
    let settings_user =
        entity::platform::find_user_by_email(&db, &format!("set@{}.test.example", t.slug))
            .await
            .expect("q")
            .expect("user");
    db.close().await.ok();
    let settings = app.token(settings_user.id, t.id);
    let idp = app
        .gql(Some(&settings), "mutation { registerIdentityProvider(input: {issuer: \"https://x.example\", audience: \"a\", algorithm: HS256, sharedSecret: \"0123456789abcdef0123456789abcdef\"}) { errors { code } } }", json!({}))
        .await;
    assert_eq!(idp.code(), "FORBIDDEN");
}
