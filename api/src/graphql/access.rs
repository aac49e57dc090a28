//! Members, roles and permissions in the schema.

use crate::graphql::list::List;
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::access::role;
use entity::platform::{self, membership, user};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::error::{AppError, GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, Session, load_one, settle};
use crate::graphql::identity::app_state;
use crate::permissions::{BuiltinRole, Permission, permission_from_name, permission_name};
use crate::services::access::{self, AccessErrorCode, RoleInput};

/// A permission with its area and meaning.
#[derive(SimpleObject)]
pub struct PermissionInfo {
    /// The permission.
    pub permission: Permission,
    /// The area it belongs to (`accounting`, `hr`, `sensitive`, ...).
    pub area: &'static str,
    /// What it allows.
    pub description: &'static str,
}

/// A built-in role: a fixed, named set of permissions.
#[derive(SimpleObject)]
pub struct BuiltInRoleInfo {
    /// The role.
    pub role: BuiltinRole,
    /// The key members hold it by, e.g. `hr_manager`.
    pub key: String,
    /// The permissions it grants.
    pub permissions: crate::graphql::list::List<Permission>,
}

/// A role the tenant defined: a named set of permissions. Needs `MANAGE_ROLES` or
/// `MANAGE_MEMBERS`.
pub struct CustomRole(pub role::Model);

/// A role the tenant defined: a named set of permissions.
#[Object]
impl CustomRole {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::of::<role::Entity>(self.0.id)
    }
    /// The key members hold it by.
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the role is for.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The permissions it grants.
    async fn permissions(&self) -> List<Permission> {
        let mut perms: Vec<Permission> = self
            .0
            .permissions
            .0
            .iter()
            .filter_map(|p| permission_from_name(p))
            .collect();
        perms.sort();
        List(perms)
    }
    /// Optimistic-concurrency version, incremented by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the role was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the role last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Whether a member may sign in.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    /// May sign in.
    Active,
    /// Refused at once, on every credential.
    Suspended,
}

/// A person's membership in the tenant. Needs `MANAGE_MEMBERS`.
pub struct Member(pub membership::Model);

/// A person's membership in the tenant, with their roles.
#[Object]
impl Member {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::of::<membership::Entity>(self.0.id)
    }
    /// The member's email address.
    async fn email(&self, ctx: &Context<'_>) -> GqlResult<String> {
        Ok(self.user(ctx).await?.map(|u| u.email).unwrap_or_default())
    }
    /// The member's display name.
    async fn display_name(&self, ctx: &Context<'_>) -> GqlResult<String> {
        Ok(self
            .user(ctx)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default())
    }
    /// Role keys held: built-in (`tenant_admin`, ...) or the tenant's own.
    async fn roles(&self) -> &[String] {
        &self.0.roles.0
    }
    /// Whether the member may sign in.
    async fn status(&self) -> MemberStatus {
        if self.0.status == "active" {
            MemberStatus::Active
        } else {
            MemberStatus::Suspended
        }
    }
    /// Optimistic-concurrency version, incremented by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the member joined.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

impl Member {
    async fn user(&self, ctx: &Context<'_>) -> GqlResult<Option<user::Model>> {
        let session = ctx.session()?;
        let db = app_state(ctx)?.db.clone();
        let loader = session.loader_with(|| UserLoader { db });
        Ok(loader
            .load_one(self.0.user_id)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e:?}")))?)
    }
}

/// Loads platform users by id for one request.
pub struct UserLoader {
    db: DatabaseConnection,
}

impl Loader<Uuid> for UserLoader {
    type Value = user::Model;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, user::Model>, Self::Error> {
        let users = platform::find_users(&self.db, keys)
            .await
            .map_err(|e| Arc::new(e.into()))?;
        Ok(users.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// The access queries.
#[derive(Default)]
pub struct AccessQuery;

#[Object]
impl AccessQuery {
    /// Every permission, with its area and meaning. Needs a valid credential.
    async fn permissions(&self, ctx: &Context<'_>) -> GqlResult<List<PermissionInfo>> {
        ctx.session()?;
        Ok(Permission::ALL
            .iter()
            .map(|p| PermissionInfo {
                permission: *p,
                area: p.area(),
                description: p.description(),
            })
            .collect())
    }

    /// The eighteen built-in roles (a fixed list, so not paginated). Needs a valid credential.
    async fn built_in_roles(&self, ctx: &Context<'_>) -> GqlResult<List<BuiltInRoleInfo>> {
        ctx.session()?;
        Ok(BuiltinRole::ALL
            .iter()
            .map(|r| BuiltInRoleInfo {
                role: *r,
                key: r.key(),
                permissions: List(r.permissions()),
            })
            .collect())
    }
}

fn role_reader<'a>(ctx: &'a Context<'_>) -> Result<&'a Session, AppError> {
    let session = ctx.session()?;
    if session.principal.can(Permission::ManageRoles)
        || session.principal.can(Permission::ManageMembers)
    {
        Ok(session)
    } else {
        Err(AppError::Forbidden(format!(
            "this needs the {} permission",
            permission_name(Permission::ManageRoles)
        )))
    }
}

/// Loads a custom role through the request's loader (for `node`).
pub async fn custom_role_node(ctx: &Context<'_>, id: Uuid) -> Result<Option<CustomRole>, AppError> {
    role_reader(ctx)?;
    Ok(load_one::<role::Entity>(ctx, Some(id))
        .await?
        .filter(|r| r.archived_at.is_none())
        .map(CustomRole))
}

/// Loads a member through the request's loader (for `node`).
pub async fn member_node(ctx: &Context<'_>, id: Uuid) -> Result<Option<Member>, AppError> {
    ctx.authorize(Permission::ManageMembers)?;
    Ok(load_one::<membership::Entity>(ctx, Some(id))
        .await?
        .map(Member))
}

/// A new role.
#[derive(InputObject)]
pub struct CreateCustomRoleInput {
    /// Unique key, lower-case snake case, not a built-in role's key.
    pub key: String,
    /// Display name (1-100 characters).
    pub name: String,
    /// What the role is for.
    #[graphql(default)]
    pub description: String,
    /// The permissions it grants (at least one).
    pub permissions: Vec<Permission>,
}

/// Changes to a role; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCustomRoleInput {
    /// The role's global id.
    pub id: ID,
    /// The version you read; a stale one is a `CONFLICT` error.
    pub expected_version: i32,
    /// New display name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New permissions (replacing the old ones).
    pub permissions: Option<Vec<Permission>>,
}

/// Identifies a record at the version the client read.
#[derive(InputObject)]
pub struct VersionedIdInput {
    /// The global id.
    pub id: ID,
    /// The version you read; a stale one is a `CONFLICT` error.
    pub expected_version: i32,
}

/// A person to invite.
#[derive(InputObject)]
pub struct InviteMemberInput {
    /// Their email address (their identity across tenants).
    pub email: String,
    /// Their display name.
    pub display_name: String,
    /// Role keys to give them (built-in or custom; at least one).
    pub roles: Vec<String>,
}

/// New roles for a member.
#[derive(InputObject)]
pub struct SetMemberRolesInput {
    /// The member's global id.
    pub id: ID,
    /// The version you read; a stale one is a `CONFLICT` error.
    pub expected_version: i32,
    /// Role keys, replacing the current ones (at least one).
    pub roles: Vec<String>,
}

/// The result of a custom-role mutation.
#[derive(SimpleObject)]
pub struct CustomRolePayload {
    /// The role after the change; `null` when there were errors.
    pub custom_role: Option<CustomRole>,
    /// Problems with the input; empty on success. Nothing changes when there are any.
    pub errors: crate::graphql::list::List<InputError<AccessErrorCode>>,
}

/// The result of a member mutation.
#[derive(SimpleObject)]
pub struct MemberPayload {
    /// The member after the change; `null` when there were errors.
    pub member: Option<Member>,
    /// From `inviteMember`, for a person without a password: the one-time token to pass to
    /// `acceptInvitation` (send it to them, e.g. in a link). Valid for 7 days; shown only here.
    pub invitation_token: Option<String>,
    /// Problems with the input; empty on success. Nothing changes when there are any.
    pub errors: crate::graphql::list::List<InputError<AccessErrorCode>>,
}

fn names(perms: &[Permission]) -> Vec<String> {
    perms.iter().map(|p| permission_name(*p)).collect()
}

fn not_found<T>() -> Result<T, Vec<InputError<AccessErrorCode>>> {
    Err(vec![InputError::new(
        "id",
        AccessErrorCode::NotFound,
        "no such record",
    )])
}

/// The access mutations.
#[derive(Default)]
pub struct AccessMutation;

#[Object]
impl AccessMutation {
    /// Defines a role for this tenant. Needs `MANAGE_ROLES`.
    async fn create_custom_role(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomRoleInput,
    ) -> GqlResult<CustomRolePayload> {
        let session = ctx.authorize(Permission::ManageRoles)?;
        let tx = session.begin_write(ctx).await?;
        let input = RoleInput {
            key: Some(input.key),
            name: Some(input.name),
            description: Some(input.description),
            permissions: Some(names(&input.permissions)),
        };
        let out = access::create_role(
            &tx,
            session.principal.actor_id,
            &session.principal.permissions,
            input,
        )
        .await?;
        finish_role(tx, out).await
    }

    /// Changes a role. Members holding it get the new permissions at their next request. Needs
    /// `MANAGE_ROLES`.
    async fn update_custom_role(
        &self,
        ctx: &Context<'_>,
        input: UpdateCustomRoleInput,
    ) -> GqlResult<CustomRolePayload> {
        let session = ctx.authorize(Permission::ManageRoles)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<role::Entity>(&input.id) {
            None => not_found(),
            Some(id) => {
                let changes = RoleInput {
                    key: None,
                    name: input.name,
                    description: input.description,
                    permissions: input.permissions.as_deref().map(names),
                };
                access::update_role(
                    &tx,
                    session.principal.actor_id,
                    &session.principal.permissions,
                    id,
                    input.expected_version,
                    changes,
                )
                .await?
            }
        };
        finish_role(tx, out).await
    }

    /// Archives a role that no member holds. Needs `MANAGE_ROLES`.
    async fn archive_custom_role(
        &self,
        ctx: &Context<'_>,
        input: VersionedIdInput,
    ) -> GqlResult<CustomRolePayload> {
        let session = ctx.authorize(Permission::ManageRoles)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<role::Entity>(&input.id) {
            None => not_found(),
            Some(id) => {
                access::archive_role(&tx, session.principal.actor_id, id, input.expected_version)
                    .await?
            }
        };
        finish_role(tx, out).await
    }

    /// Adds a person to the tenant with roles; their account is created if new. Needs
    /// `MANAGE_MEMBERS`.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        input: InviteMemberInput,
    ) -> GqlResult<MemberPayload> {
        let session = ctx.authorize(Permission::ManageMembers)?;
        let tx = session.begin_write(ctx).await?;
        let out = access::invite_member(
            &tx,
            session.principal.actor_id,
            &session.principal.permissions,
            &input.email,
            &input.display_name,
            &input.roles,
        )
        .await?;
        // The new membership has no password yet: the invitation is how its owner sets one (people
        // of tenants with an identity provider may simply ignore it).
        let mut token = None;
        if let Ok(m) = &out {
            token = Some(
                crate::services::sessions::invite(&tx, session.principal.actor_id, m.user_id)
                    .await?,
            );
        }
        finish_member_with(tx, out, token).await
    }

    /// Replaces a member's roles; the tenant always keeps an active administrator. Needs
    /// `MANAGE_MEMBERS`.
    async fn set_member_roles(
        &self,
        ctx: &Context<'_>,
        input: SetMemberRolesInput,
    ) -> GqlResult<MemberPayload> {
        let session = ctx.authorize(Permission::ManageMembers)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<membership::Entity>(&input.id) {
            None => not_found(),
            Some(id) => {
                access::set_member_roles(
                    &tx,
                    session.principal.actor_id,
                    &session.principal.permissions,
                    id,
                    input.expected_version,
                    &input.roles,
                )
                .await?
            }
        };
        finish_member(tx, out).await
    }

    /// Suspends a member: every credential of theirs is refused from the next request. Needs
    /// `MANAGE_MEMBERS`.
    async fn suspend_member(
        &self,
        ctx: &Context<'_>,
        input: VersionedIdInput,
    ) -> GqlResult<MemberPayload> {
        member_status(ctx, input, false).await
    }

    /// Lets a suspended member sign in again. Needs `MANAGE_MEMBERS`.
    async fn reactivate_member(
        &self,
        ctx: &Context<'_>,
        input: VersionedIdInput,
    ) -> GqlResult<MemberPayload> {
        member_status(ctx, input, true).await
    }
}

async fn member_status(
    ctx: &Context<'_>,
    input: VersionedIdInput,
    active: bool,
) -> GqlResult<MemberPayload> {
    let session = ctx.authorize(Permission::ManageMembers)?;
    let tx = session.begin_write(ctx).await?;
    let out = match GlobalId::decode_for::<membership::Entity>(&input.id) {
        None => not_found(),
        Some(id) => {
            access::set_member_status(
                &tx,
                session.principal.actor_id,
                id,
                input.expected_version,
                active,
            )
            .await?
        }
    };
    finish_member(tx, out).await
}

async fn finish_role(
    tx: entity::TenantTx,
    out: Result<role::Model, Vec<InputError<AccessErrorCode>>>,
) -> GqlResult<CustomRolePayload> {
    let (role, errors) = settle(tx, out).await?;
    Ok(CustomRolePayload {
        custom_role: role.map(CustomRole),
        errors: List(errors),
    })
}

async fn finish_member(
    tx: entity::TenantTx,
    out: Result<membership::Model, Vec<InputError<AccessErrorCode>>>,
) -> GqlResult<MemberPayload> {
    finish_member_with(tx, out, None).await
}

async fn finish_member_with(
    tx: entity::TenantTx,
    out: Result<membership::Model, Vec<InputError<AccessErrorCode>>>,
    invitation_token: Option<String>,
) -> GqlResult<MemberPayload> {
    let (member, errors) = settle(tx, out).await?;
    let invitation_token = member.as_ref().and(invitation_token);
    Ok(MemberPayload {
        member: member.map(Member),
        invitation_token,
        errors: List(errors),
    })
}

impl crate::graphql::listing::DbEnum for MemberStatus {
    fn db(self) -> &'static str {
        match self {
            MemberStatus::Active => "active",
            MemberStatus::Suspended => "suspended",
        }
    }
}

crate::enum_filter!(MemberStatus);

impl From<role::Model> for CustomRole {
    fn from(m: role::Model) -> Self {
        Self(m)
    }
}

impl From<membership::Model> for Member {
    fn from(m: membership::Model) -> Self {
        Self(m)
    }
}

crate::filter_input! {
    /// Conditions on the tenant's own roles; every field given must hold.
    CustomRoleFilter for role {
        /// The role key.
        key: crate::graphql::listing::TextFilter => Key,
        /// The display name.
        name: crate::graphql::listing::TextFilter => Name,
        /// When the role was defined.
        created_at: crate::graphql::listing::DateTimeFilter => CreatedAt,
    }
}

crate::order_field! {
    /// What the tenant's roles can be sorted by.
    CustomRole for role {
        /// The key.
        Key => Key,
        /// The name.
        Name => Name,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

impl crate::graphql::resource::Resource for role::Entity {
    type Node = CustomRole;
    type Filter = CustomRoleFilter;
    type Order = CustomRoleOrder;
    const VIEW: Permission = Permission::ManageRoles;

    fn authorize<'a>(ctx: &'a Context<'_>) -> crate::error::AppResult<&'a Session> {
        role_reader(ctx)
    }
}

crate::list_query! {
    entity: role::Entity, node: CustomRole, many: custom_roles, what: "custom role",
    needs: ["`MANAGE_ROLES` or `MANAGE_MEMBERS`"], query: CustomRoleListQuery,
}

crate::filter_input! {
    /// Conditions on the tenant's members; every field given must hold.
    MemberFilter for membership {
        /// Whether the member may sign in.
        status: MemberStatusFilter => Status,
        /// When the membership began.
        created_at: crate::graphql::listing::DateTimeFilter => CreatedAt,
    }
}

crate::order_field! {
    /// What members can be sorted by.
    Member for membership {
        /// When the membership began.
        CreatedAt => CreatedAt,
        /// Last change.
        UpdatedAt => UpdatedAt,
    }
}

impl crate::graphql::resource::Resource for membership::Entity {
    type Node = Member;
    type Filter = MemberFilter;
    type Order = MemberOrder;
    const VIEW: Permission = Permission::ManageMembers;
}

crate::list_query! {
    entity: membership::Entity, node: Member, many: members, what: "member",
    needs: ["`MANAGE_MEMBERS`"], query: MemberListQuery,
}
