//! Members and roles: inviting people into a tenant, assigning roles, suspending, and the
//! tenant's own roles.
//!
//! Invariants, checked inside the caller's transaction:
//! - at least one active member holds `tenant_admin` (nobody can lock the tenant out);
//! - nobody suspends themselves;
//! - role keys are unique, never a built-in key, and every permission named exists;
//! - a custom role still held by a member cannot be archived.

use async_graphql::Enum;
use chrono::Utc;
use entity::TenantTx;
use entity::access::role;
use entity::platform::{self, membership, user};
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult, InputError};
use std::collections::BTreeSet;

use crate::permissions::{BuiltinRole, Permission, permission_from_name};
use crate::services::stamp;
use crate::services::tenants::looks_like_email;

/// What can be wrong with a members or roles input.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum AccessErrorCode {
    /// The value is malformed or out of range.
    Invalid,
    /// A required value is missing or empty.
    Required,
    /// The member or role does not exist in this tenant.
    NotFound,
    /// The key or email is already taken in this tenant.
    Duplicate,
    /// A role key names no built-in or custom role.
    UnknownRole,
    /// A permission name does not exist.
    UnknownPermission,
    /// You cannot grant a permission (or a role holding one) that you do not hold yourself.
    PermissionNotHeld,
    /// The change would leave the tenant without an active tenant administrator.
    LastAdmin,
    /// Members cannot suspend themselves.
    SelfAction,
    /// The role is still held by members.
    InUse,
}

type Problems = Vec<InputError<AccessErrorCode>>;

/// A new or changed custom role.
pub struct RoleInput {
    /// Key (create only).
    pub key: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Permission names.
    pub permissions: Option<Vec<String>>,
}

fn check_role_input(input: &RoleInput, held: &BTreeSet<Permission>, problems: &mut Problems) {
    if let Some(key) = &input.key {
        let shaped = (2..=63).contains(&key.len())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && key.starts_with(|c: char| c.is_ascii_lowercase());
        if !shaped {
            problems.push(InputError::new("key", AccessErrorCode::Invalid, "the key must be 2-63 lower-case letters, digits or underscores, starting with a letter"));
        } else if BuiltinRole::from_key(key).is_some() {
            problems.push(InputError::new(
                "key",
                AccessErrorCode::Duplicate,
                "the key is a built-in role's",
            ));
        }
    }
    if let Some(name) = &input.name {
        let len = name.trim().chars().count();
        if len == 0 {
            problems.push(InputError::new(
                "name",
                AccessErrorCode::Required,
                "the name must not be empty",
            ));
        } else if len > 100 {
            problems.push(InputError::new(
                "name",
                AccessErrorCode::Invalid,
                "the name must be at most 100 characters",
            ));
        }
    }
    if input
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 1000)
    {
        problems.push(InputError::new(
            "description",
            AccessErrorCode::Invalid,
            "the description must be at most 1000 characters",
        ));
    }
    if let Some(perms) = &input.permissions {
        if perms.is_empty() {
            problems.push(InputError::new(
                "permissions",
                AccessErrorCode::Required,
                "a role needs at least one permission",
            ));
        }
        for (i, p) in perms.iter().enumerate() {
            if permission_from_name(p).is_some_and(|perm| !held.contains(&perm)) {
                problems.push(InputError::new(
                    &format!("permissions.{i}"),
                    AccessErrorCode::PermissionNotHeld,
                    format!("you cannot grant {p}: you do not hold it yourself"),
                ));
            }
            if permission_from_name(p).is_none() {
                problems.push(InputError::new(
                    &format!("permissions.{i}"),
                    AccessErrorCode::UnknownPermission,
                    format!("there is no permission {p}"),
                ));
            }
        }
    }
}

fn normalised(perms: &[String]) -> Vec<String> {
    let mut v = perms.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Creates a custom role.
pub async fn create_role(
    tx: &TenantTx,
    actor: Uuid,
    held: &BTreeSet<Permission>,
    input: RoleInput,
) -> AppResult<Result<role::Model, Problems>> {
    let mut problems = Vec::new();
    if input.key.is_none() {
        problems.push(InputError::new(
            "key",
            AccessErrorCode::Required,
            "the key is required",
        ));
    }
    check_role_input(&input, held, &mut problems);
    let key = input.key.clone().unwrap_or_default();
    // Archived roles keep their keys (the audit trail and old memberships refer to them).
    let key_taken = {
        let key = key.clone();
        tx.one(
            tx.select::<role::Entity>()
                .refine(|q| q.filter(role::Column::Key.eq(key))),
        )
        .await?
        .is_some()
    };
    if problems.is_empty() && key_taken {
        problems.push(InputError::new(
            "key",
            AccessErrorCode::Duplicate,
            "a role (perhaps archived) has this key",
        ));
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let now = Utc::now();
    let model = tx
        .insert(role::ActiveModel {
            tenant_id: Set(tx.tenant().uuid()),
            id: Set(Uuid::now_v7()),
            key: Set(key),
            name: Set(input.name.unwrap_or_default().trim().to_owned()),
            description: Set(input.description.unwrap_or_default()),
            permissions: Set(membership::RoleNames(normalised(
                &input.permissions.unwrap_or_default(),
            ))),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            created_by: Set(Some(actor)),
            updated_by: Set(Some(actor)),
            archived_at: Set(None),
        })
        .await?;
    Ok(Ok(model))
}

/// Changes a custom role's name, description or permissions.
pub async fn update_role(
    tx: &TenantTx,
    actor: Uuid,
    held: &BTreeSet<Permission>,
    id: Uuid,
    expected_version: i32,
    input: RoleInput,
) -> AppResult<Result<role::Model, Problems>> {
    let mut problems = Vec::new();
    check_role_input(&input, held, &mut problems);
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let Some(current) = tx
        .get::<role::Entity>(id)
        .await?
        .filter(|r| r.archived_at.is_none())
    else {
        return Ok(Err(vec![InputError::new(
            "id",
            AccessErrorCode::NotFound,
            "no such role",
        )]));
    };
    check_version(current.version, expected_version)?;
    let version = current.version;
    let mut am = current.into_active_model();
    if let Some(v) = input.name {
        am.name = Set(v.trim().to_owned());
    }
    if let Some(v) = input.description {
        am.description = Set(v);
    }
    if let Some(v) = input.permissions {
        am.permissions = Set(membership::RoleNames(normalised(&v)));
    }
    stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        version,
        actor,
    );
    Ok(Ok(tx.update(am).await?))
}

/// Archives a custom role no member holds.
pub async fn archive_role(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Result<role::Model, Problems>> {
    let Some(current) = tx
        .get::<role::Entity>(id)
        .await?
        .filter(|r| r.archived_at.is_none())
    else {
        return Ok(Err(vec![InputError::new(
            "id",
            AccessErrorCode::NotFound,
            "no such role",
        )]));
    };
    check_version(current.version, expected_version)?;
    let holders = active_members(tx)
        .await?
        .into_iter()
        .filter(|m| m.roles.0.contains(&current.key))
        .count();
    if holders > 0 {
        return Ok(Err(vec![InputError::new(
            "id",
            AccessErrorCode::InUse,
            format!("{holders} members still hold this role"),
        )]));
    }
    let version = current.version;
    let mut am = current.into_active_model();
    am.archived_at = Set(Some(Utc::now()));
    stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        version,
        actor,
    );
    Ok(Ok(tx.update(am).await?))
}

/// Invites a person: creates their user identity if new and a membership with the roles.
pub async fn invite_member(
    tx: &TenantTx,
    actor: Uuid,
    held: &BTreeSet<Permission>,
    email: &str,
    display_name: &str,
    roles: &[String],
) -> AppResult<Result<membership::Model, Problems>> {
    let mut problems = Vec::new();
    let email = email.trim().to_lowercase();
    if !looks_like_email(&email) {
        problems.push(InputError::new(
            "email",
            AccessErrorCode::Invalid,
            "not an email address",
        ));
    }
    if display_name.trim().is_empty() || display_name.chars().count() > 200 {
        problems.push(InputError::new(
            "displayName",
            AccessErrorCode::Required,
            "the display name must be 1-200 characters",
        ));
    }
    check_roles(tx, roles, held, &mut problems).await?;
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let now = Utc::now();
    let user = match platform::find_user_by_email(tx.connection(), &email).await? {
        Some(u) => u,
        None => {
            platform::insert_user(
                tx.connection(),
                user::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    email: Set(email.clone()),
                    display_name: Set(display_name.trim().to_owned()),
                    created_at: Set(now),
                    updated_at: Set(now),
                },
            )
            .await?
        }
    };
    let existing = tx
        .one(
            tx.select::<membership::Entity>()
                .refine(|q| q.filter(membership::Column::UserId.eq(user.id))),
        )
        .await?;
    if existing.is_some() {
        return Ok(Err(vec![InputError::new(
            "email",
            AccessErrorCode::Duplicate,
            "this person is already a member",
        )]));
    }
    let m = tx
        .insert(membership::ActiveModel {
            tenant_id: Set(tx.tenant().uuid()),
            id: Set(Uuid::now_v7()),
            user_id: Set(user.id),
            roles: Set(membership::RoleNames(normalised(roles))),
            status: Set("active".into()),
            password_hash: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            created_by: Set(Some(actor)),
            updated_by: Set(Some(actor)),
            archived_at: Set(None),
        })
        .await?;
    Ok(Ok(m))
}

/// Replaces a member's roles.
pub async fn set_member_roles(
    tx: &TenantTx,
    actor: Uuid,
    held: &BTreeSet<Permission>,
    id: Uuid,
    expected_version: i32,
    roles: &[String],
) -> AppResult<Result<membership::Model, Problems>> {
    let mut problems = Vec::new();
    check_roles(tx, roles, held, &mut problems).await?;
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let Some(current) = tx.get::<membership::Entity>(id).await? else {
        return Ok(Err(vec![InputError::new(
            "id",
            AccessErrorCode::NotFound,
            "no such member",
        )]));
    };
    check_version(current.version, expected_version)?;
    let roles = normalised(roles);
    if !roles.contains(&BuiltinRole::TenantAdmin.key())
        && !other_admin_remains(tx, id).await?
        && is_active_admin(&current)
    {
        return Ok(Err(vec![InputError::new(
            "roles",
            AccessErrorCode::LastAdmin,
            "the tenant needs at least one active tenant administrator",
        )]));
    }
    let version = current.version;
    let mut am = current.into_active_model();
    am.roles = Set(membership::RoleNames(roles));
    stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        version,
        actor,
    );
    Ok(Ok(tx.update(am).await?))
}

/// Suspends or reactivates a member. A suspended member's credentials are refused at once.
pub async fn set_member_status(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    active: bool,
) -> AppResult<Result<membership::Model, Problems>> {
    let Some(current) = tx.get::<membership::Entity>(id).await? else {
        return Ok(Err(vec![InputError::new(
            "id",
            AccessErrorCode::NotFound,
            "no such member",
        )]));
    };
    check_version(current.version, expected_version)?;
    if !active {
        if current.user_id == actor {
            return Ok(Err(vec![InputError::new(
                "id",
                AccessErrorCode::SelfAction,
                "you cannot suspend yourself",
            )]));
        }
        if is_active_admin(&current) && !other_admin_remains(tx, id).await? {
            return Ok(Err(vec![InputError::new(
                "id",
                AccessErrorCode::LastAdmin,
                "the tenant needs at least one active tenant administrator",
            )]));
        }
    }
    let version = current.version;
    let mut am = current.into_active_model();
    am.status = Set(if active { "active" } else { "suspended" }.into());
    stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        version,
        actor,
    );
    Ok(Ok(tx.update(am).await?))
}

async fn check_roles(
    tx: &TenantTx,
    roles: &[String],
    held: &BTreeSet<Permission>,
    problems: &mut Problems,
) -> AppResult<()> {
    if roles.is_empty() {
        problems.push(InputError::new(
            "roles",
            AccessErrorCode::Required,
            "a member needs at least one role",
        ));
    }
    for (i, key) in roles.iter().enumerate() {
        let granted: Option<Vec<Permission>> = match BuiltinRole::from_key(key) {
            Some(builtin) => Some(builtin.permissions()),
            None => find_role_by_key(tx, key).await?.map(|r| {
                r.permissions
                    .0
                    .iter()
                    .filter_map(|p| permission_from_name(p))
                    .collect()
            }),
        };
        match granted {
            None => problems.push(InputError::new(
                &format!("roles.{i}"),
                AccessErrorCode::UnknownRole,
                format!("there is no role {key}"),
            )),
            // Nobody hands out more than they hold, so a role with member management cannot be
            // turned into tenant administration.
            Some(perms) if perms.iter().any(|p| !held.contains(p)) => {
                problems.push(InputError::new(
                    &format!("roles.{i}"),
                    AccessErrorCode::PermissionNotHeld,
                    format!("you cannot grant {key}: it holds permissions you do not"),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

async fn find_role_by_key(tx: &TenantTx, key: &str) -> AppResult<Option<role::Model>> {
    let key = key.to_owned();
    Ok(tx
        .one(tx.select::<role::Entity>().refine(|q| {
            q.filter(role::Column::Key.eq(key))
                .filter(role::Column::ArchivedAt.is_null())
        }))
        .await?)
}

async fn active_members(tx: &TenantTx) -> AppResult<Vec<membership::Model>> {
    Ok(tx
        // Locked: two administrators demoting each other at once must not both pass the
        // last-administrator check.
        .all(
            tx.select::<membership::Entity>()
                .refine(|q| {
                    q.filter(membership::Column::Status.eq("active"))
                        .filter(membership::Column::ArchivedAt.is_null())
                })
                .for_update(),
        )
        .await?)
}

fn is_active_admin(m: &membership::Model) -> bool {
    m.status == "active"
        && m.archived_at.is_none()
        && m.roles.0.contains(&BuiltinRole::TenantAdmin.key())
}

async fn other_admin_remains(tx: &TenantTx, except: Uuid) -> AppResult<bool> {
    Ok(active_members(tx)
        .await?
        .iter()
        .any(|m| m.id != except && is_active_admin(m)))
}

/// Fails with `CONFLICT` when the client's version is stale.
pub fn check_version(current: i32, expected: i32) -> AppResult<()> {
    if current == expected {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "the record changed since you read it (version {current}, not {expected}); reload and retry"
        )))
    }
}

/// The active members' user ids, each with the permissions their roles grant.
pub async fn member_permissions(
    tx: &TenantTx,
) -> AppResult<Vec<(Uuid, Vec<String>, BTreeSet<Permission>)>> {
    let members = tx
        .all(tx.select::<membership::Entity>().refine(|q| {
            q.filter(membership::Column::Status.eq("active"))
                .filter(membership::Column::ArchivedAt.is_null())
        }))
        .await?;
    let custom = tx
        .all(
            tx.select::<role::Entity>()
                .refine(|q| q.filter(role::Column::ArchivedAt.is_null())),
        )
        .await?;
    Ok(members
        .into_iter()
        .map(|m| {
            let granted = crate::permissions::granted_by(&m.roles.0, &custom);
            (m.user_id, m.roles.0, granted)
        })
        .collect())
}

/// The active members holding `permission` (through any role).
pub async fn users_with(tx: &TenantTx, permission: Permission) -> AppResult<Vec<Uuid>> {
    Ok(member_permissions(tx)
        .await?
        .into_iter()
        .filter(|(_, _, granted)| granted.contains(&permission))
        .map(|(user, _, _)| user)
        .collect())
}
