//! Partner apps and API keys in the schema. Everything here needs `MANAGE_APPS`.

use crate::graphql::list::List;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::access::{api_key, app};
use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

use crate::config::Mode;
use crate::error::{AppError, GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, load_one, settle};
use crate::graphql::identity::app_state;
use crate::permissions::{Permission, permission_from_name};
use crate::services::apps::{self, AppsErrorCode};

/// A partner app (payroll bureau, bank, e-invoicing, BI tool, RPA bot). Its API keys act with
/// exactly its permissions.
pub struct App(pub app::Model);

/// A partner app; its API keys act with exactly its permissions.
#[Object]
impl App {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::of::<app::Entity>(self.0.id)
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the app does for the tenant.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The permissions its keys act with.
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
    /// Its keys, newest first, including revoked and expired ones.
    async fn api_keys(&self, ctx: &Context<'_>) -> GqlResult<List<ApiKey>> {
        let session = ctx.authorize(Permission::ManageApps)?;
        let app_id = self.0.id;
        let keys = session
            .db
            .read(async |tx| {
                tx.all(
                    tx.select::<api_key::Entity>()
                        .refine(|q| q.filter(api_key::Column::AppId.eq(app_id))),
                )
                .await
            })
            .await
            .map_err(AppError::from)?;
        Ok(keys.into_iter().rev().map(ApiKey).collect())
    }
    /// Optimistic-concurrency version, incremented by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the app was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Whether a key works.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyStatus {
    /// The key works.
    Active,
    /// The key passed its expiry.
    Expired,
    /// The key was revoked.
    Revoked,
}

/// An API key. The key itself is shown only once, when created; this is what remains.
pub struct ApiKey(pub api_key::Model);

/// An API key, as remembered after its creation: never the key itself.
#[Object]
impl ApiKey {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::of::<api_key::Entity>(self.0.id)
    }
    /// The app the key belongs to.
    async fn app(&self, ctx: &Context<'_>) -> GqlResult<Option<App>> {
        Ok(load_one::<app::Entity>(ctx, Some(self.0.app_id))
            .await?
            .map(App))
    }
    /// A label to tell keys apart during rotation.
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// The key's last four characters, to recognise it.
    async fn last_four(&self) -> &str {
        &self.0.last_four
    }
    /// Whether the key works now.
    async fn status(&self) -> ApiKeyStatus {
        if self.0.revoked_at.is_some() {
            ApiKeyStatus::Revoked
        } else if self.0.expires_at.is_some_and(|e| e <= Utc::now()) {
            ApiKeyStatus::Expired
        } else {
            ApiKeyStatus::Active
        }
    }
    /// When the key stops working by itself; `null` for never.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// When the key was revoked.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// When the key was last used (to the minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// When the key was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Loads an app through the request's loader (for `node`).
pub async fn app_node(ctx: &Context<'_>, id: Uuid) -> Result<Option<App>, AppError> {
    ctx.authorize(Permission::ManageApps)?;
    Ok(load_one::<app::Entity>(ctx, Some(id))
        .await?
        .filter(|a| a.archived_at.is_none())
        .map(App))
}

/// Loads a key through the request's loader (for `node`).
pub async fn api_key_node(ctx: &Context<'_>, id: Uuid) -> Result<Option<ApiKey>, AppError> {
    ctx.authorize(Permission::ManageApps)?;
    Ok(load_one::<api_key::Entity>(ctx, Some(id))
        .await?
        .map(ApiKey))
}

/// A new partner app.
#[derive(InputObject)]
pub struct CreateAppInput {
    /// Display name (1-100 characters).
    pub name: String,
    /// What the app does for the tenant.
    #[graphql(default)]
    pub description: String,
    /// The permissions its keys act with: at least one, each held by you.
    pub permissions: Vec<Permission>,
}

/// Changes to an app; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateAppInput {
    /// The app's global id.
    pub id: ID,
    /// The version you read; a stale one is a `CONFLICT` error.
    pub expected_version: i32,
    /// New display name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New permissions, each held by you (replacing the old ones).
    pub permissions: Option<Vec<Permission>>,
}

/// An app to archive.
#[derive(InputObject)]
pub struct ArchiveAppInput {
    /// The app's global id.
    pub id: ID,
    /// The version you read; a stale one is a `CONFLICT` error.
    pub expected_version: i32,
}

/// A new key for an app.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// The app's global id.
    pub app_id: ID,
    /// A label to tell keys apart during rotation, e.g. `2026 Q4`.
    #[graphql(default)]
    pub label: String,
    /// When the key stops working by itself; omit for never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A key to revoke.
#[derive(InputObject)]
pub struct RevokeApiKeyInput {
    /// The key's global id.
    pub id: ID,
}

/// The result of an app mutation.
#[derive(SimpleObject)]
pub struct AppPayload {
    /// The app after the change; `null` when there were errors.
    pub app: Option<App>,
    /// Problems with the input; empty on success. Nothing changes when there are any.
    pub errors: crate::graphql::list::List<InputError<AppsErrorCode>>,
}

/// The result of `createApiKey`.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    /// The key's record; `null` when there were errors.
    pub api_key: Option<ApiKey>,
    /// The key itself. Shown this once: only its hash is kept. Send it as `X-API-Key` or as
    /// `Authorization: Bearer`.
    pub key: Option<String>,
    /// Problems with the input; empty on success. Nothing changes when there are any.
    pub errors: crate::graphql::list::List<InputError<AppsErrorCode>>,
}

/// The result of `revokeApiKey`.
#[derive(SimpleObject)]
pub struct RevokeApiKeyPayload {
    /// The key after revocation; `null` when there were errors.
    pub api_key: Option<ApiKey>,
    /// Problems with the input; empty on success.
    pub errors: crate::graphql::list::List<InputError<AppsErrorCode>>,
}

fn bad_id<T>(field: &str) -> Result<T, Vec<InputError<AppsErrorCode>>> {
    Err(vec![InputError::new(
        field,
        AppsErrorCode::NotFound,
        "no such app or key",
    )])
}

/// The apps mutations.
#[derive(Default)]
pub struct AppsMutation;

#[Object]
impl AppsMutation {
    /// Registers a partner app. Needs `MANAGE_APPS`.
    async fn create_app(&self, ctx: &Context<'_>, input: CreateAppInput) -> GqlResult<AppPayload> {
        let session = ctx.authorize(Permission::ManageApps)?;
        let tx = session.begin_write(ctx).await?;
        let p = &session.principal;
        let out = apps::create_app(
            &tx,
            p.actor_id,
            &p.permissions,
            &input.name,
            &input.description,
            &input.permissions,
        )
        .await?;
        finish_app(tx, out).await
    }

    /// Changes an app; its keys act with the new permissions from their next request. Needs
    /// `MANAGE_APPS`.
    async fn update_app(&self, ctx: &Context<'_>, input: UpdateAppInput) -> GqlResult<AppPayload> {
        let session = ctx.authorize(Permission::ManageApps)?;
        let tx = session.begin_write(ctx).await?;
        let p = &session.principal;
        let out = match GlobalId::decode_for::<app::Entity>(&input.id) {
            None => bad_id("id"),
            Some(id) => {
                apps::update_app(
                    &tx,
                    p.actor_id,
                    &p.permissions,
                    id,
                    input.expected_version,
                    input.name.as_deref(),
                    input.description.as_deref(),
                    input.permissions.as_deref(),
                )
                .await?
            }
        };
        finish_app(tx, out).await
    }

    /// Archives an app and revokes all its keys at once. Needs `MANAGE_APPS`.
    async fn archive_app(
        &self,
        ctx: &Context<'_>,
        input: ArchiveAppInput,
    ) -> GqlResult<AppPayload> {
        let session = ctx.authorize(Permission::ManageApps)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<app::Entity>(&input.id) {
            None => bad_id("id"),
            Some(id) => {
                apps::archive_app(&tx, session.principal.actor_id, id, input.expected_version)
                    .await?
            }
        };
        finish_app(tx, out).await
    }

    /// Creates an API key for an app and shows it this once. To rotate, create the next key,
    /// move the partner to it, then revoke the old one. Needs `MANAGE_APPS`.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> GqlResult<CreateApiKeyPayload> {
        let session = ctx.authorize(Permission::ManageApps)?;
        let env = if app_state(ctx)?.settings.mode == Mode::Production {
            "live"
        } else {
            "test"
        };
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<app::Entity>(&input.app_id) {
            None => bad_id("appId"),
            Some(app_id) => {
                apps::create_key(
                    &tx,
                    session.principal.actor_id,
                    &session.principal.permissions,
                    app_id,
                    &input.label,
                    input.expires_at,
                    env,
                )
                .await?
            }
        };
        let (new, errors) = settle(tx, out).await?;
        let (api_key, key) = new.map(|n| (ApiKey(n.row), n.key)).unzip();
        Ok(CreateApiKeyPayload {
            api_key,
            key,
            errors: List(errors),
        })
    }

    /// Revokes a key: it is refused from the next request on. Needs `MANAGE_APPS`.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiKeyInput,
    ) -> GqlResult<RevokeApiKeyPayload> {
        let session = ctx.authorize(Permission::ManageApps)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<api_key::Entity>(&input.id) {
            None => bad_id("id"),
            Some(id) => apps::revoke_key(&tx, session.principal.actor_id, id).await?,
        };
        let (key, errors) = settle(tx, out).await?;
        Ok(RevokeApiKeyPayload {
            api_key: key.map(ApiKey),
            errors: List(errors),
        })
    }
}

async fn finish_app(
    tx: entity::TenantTx,
    out: Result<app::Model, Vec<InputError<AppsErrorCode>>>,
) -> GqlResult<AppPayload> {
    let (app, errors) = settle(tx, out).await?;
    Ok(AppPayload {
        app: app.map(App),
        errors: List(errors),
    })
}

impl From<app::Model> for App {
    fn from(m: app::Model) -> Self {
        Self(m)
    }
}

impl From<api_key::Model> for ApiKey {
    fn from(m: api_key::Model) -> Self {
        Self(m)
    }
}

crate::filter_input! {
    /// Conditions on partner apps; every field given must hold.
    AppFilter for app {
        /// The app's name.
        name: crate::graphql::listing::TextFilter => Name,
        /// When the app was created.
        created_at: crate::graphql::listing::DateTimeFilter => CreatedAt,
    }
}

crate::order_field! {
    /// What partner apps can be sorted by.
    App for app {
        /// The name.
        Name => Name,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

impl crate::graphql::resource::Resource for app::Entity {
    type Node = App;
    type Filter = AppFilter;
    type Order = AppOrder;
    const VIEW: Permission = Permission::ManageApps;
}

crate::list_query! {
    entity: app::Entity, node: App, many: apps, what: "partner app",
    needs: ["`MANAGE_APPS`"], query: AppListQuery,
}

crate::filter_input! {
    /// Conditions on API keys (revoked and expired ones included); every field given must hold.
    ApiKeyFilter for api_key {
        /// The app the key belongs to.
        app: crate::graphql::listing::IdFilter => AppId ref app::Entity,
        /// The key's label.
        label: crate::graphql::listing::TextFilter => Label,
        /// When the key expires (`isNull: true` for keys that never do).
        expires_at: crate::graphql::listing::DateTimeFilter => ExpiresAt,
        /// When the key was revoked (`isNull: true` for keys still valid).
        revoked_at: crate::graphql::listing::DateTimeFilter => RevokedAt,
        /// When the key was last used.
        last_used_at: crate::graphql::listing::DateTimeFilter => LastUsedAt,
    }
}

crate::order_field! {
    /// What API keys can be sorted by.
    ApiKey for api_key {
        /// The label.
        Label => Label,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

impl crate::graphql::resource::Resource for api_key::Entity {
    type Node = ApiKey;
    type Filter = ApiKeyFilter;
    type Order = ApiKeyOrder;
    const VIEW: Permission = Permission::ManageApps;
}

crate::list_query! {
    entity: api_key::Entity, node: ApiKey, many: api_keys, what: "API key",
    needs: ["`MANAGE_APPS`"], query: ApiKeyListQuery,
}
