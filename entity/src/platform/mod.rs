//! The platform: tenants, global user identities and their memberships in tenants.
//!
//! Tenants and users are not tenant-owned (a tenant *is* the scope; a user is a global identity
//! by email), so they are read here, by the platform's own functions, rather than through the
//! tenant seam. Memberships are tenant-owned and go through the seam like everything else.
#![allow(clippy::disallowed_methods)] // Platform tables are outside any tenant; see above.

pub mod dispatch;
pub mod idp_route;
pub mod membership;
pub mod refresh_token;
pub mod tenant;
pub mod user;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

crate::tenant_scoped!(membership, "Member");
crate::tenant_scoped!(refresh_token, "RefreshToken");

/// Finds a tenant by id.
pub async fn find_tenant(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<tenant::Model>, DbErr> {
    tenant::Entity::find_by_id(id).one(db).await
}

/// Finds a tenant by its unique slug.
pub async fn find_tenant_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<tenant::Model>, DbErr> {
    tenant::Entity::find()
        .filter(tenant::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// Creates a tenant (platform operator only).
pub async fn insert_tenant(
    db: &impl ConnectionTrait,
    model: tenant::ActiveModel,
) -> Result<tenant::Model, DbErr> {
    sea_orm::ActiveModelTrait::insert(model, db).await
}

/// Finds a user by id.
pub async fn find_user(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

/// Finds a user by email (emails are stored lower-cased).
pub async fn find_user_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email.to_lowercase()))
        .one(db)
        .await
}

/// Creates a user identity.
pub async fn insert_user(
    db: &impl ConnectionTrait,
    model: user::ActiveModel,
) -> Result<user::Model, DbErr> {
    sea_orm::ActiveModelTrait::insert(model, db).await
}

/// Counts tenants, for metrics and the operator's status output.
pub async fn count_tenants(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    sea_orm::PaginatorTrait::count(tenant::Entity::find(), db).await
}

/// Saves changed tenant settings.
pub async fn update_tenant(
    db: &impl ConnectionTrait,
    model: tenant::ActiveModel,
) -> Result<tenant::Model, DbErr> {
    sea_orm::ActiveModelTrait::update(model, db).await
}

/// Saves a changed user (display name, password).
pub async fn update_user(
    db: &impl ConnectionTrait,
    model: user::ActiveModel,
) -> Result<user::Model, DbErr> {
    sea_orm::ActiveModelTrait::update(model, db).await
}

/// Finds users by id (in no particular order).
pub async fn find_users(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<user::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    user::Entity::find()
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await
}

/// The tenant an external issuer is registered to.
pub async fn find_idp_route(
    db: &impl ConnectionTrait,
    issuer: &str,
) -> Result<Option<idp_route::Model>, DbErr> {
    idp_route::Entity::find_by_id(issuer.to_owned())
        .one(db)
        .await
}

/// Registers an issuer for a tenant (fails if another tenant has it).
pub async fn insert_idp_route(
    db: &impl ConnectionTrait,
    issuer: &str,
    tenant: Uuid,
) -> Result<(), DbErr> {
    let row = idp_route::ActiveModel {
        issuer: sea_orm::ActiveValue::Set(issuer.to_owned()),
        tenant_id: sea_orm::ActiveValue::Set(tenant),
    };
    sea_orm::ActiveModelTrait::insert(row, db).await.map(|_| ())
}

/// Removes an issuer's route, but only the given tenant's.
pub async fn delete_idp_route(
    db: &impl ConnectionTrait,
    issuer: &str,
    tenant: Uuid,
) -> Result<(), DbErr> {
    idp_route::Entity::delete_many()
        .filter(idp_route::Column::Issuer.eq(issuer))
        .filter(idp_route::Column::TenantId.eq(tenant))
        .exec(db)
        .await
        .map(|_| ())
}
