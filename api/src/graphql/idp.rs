//! External identity providers in the schema. Everything here needs `MANAGE_TENANT`.

use crate::graphql::list::List;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::access::identity_provider as idp;
use uuid::Uuid;

use crate::error::{AppError, GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, load_one, settle};
use crate::graphql::identity::app_state;
use crate::permissions::{BuiltinRole, Permission};

/// Registering or removing a provider decides who can vouch for any member, administrators
/// included, so it needs the tenant-admin role itself, not only `MANAGE_TENANT`.
fn require_tenant_admin<'a>(
    ctx: &'a Context<'_>,
) -> Result<&'a crate::graphql::core::Session, AppError> {
    let session = ctx.authorize(Permission::ManageTenant)?;
    if session
        .principal
        .roles
        .contains(&BuiltinRole::TenantAdmin.key())
    {
        Ok(session)
    } else {
        Err(AppError::Forbidden(
            "identity providers are managed by tenant administrators".into(),
        ))
    }
}
use crate::services::idp::{self as service, IdpAlgorithm, IdpErrorCode, NewProvider};

/// Where a provider's verification key comes from.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum IdpKeySource {
    /// A shared secret (HS256).
    SharedSecret,
    /// A fixed PEM public key.
    PublicKeyPem,
    /// A JWKS document fetched from the provider, refreshed on key rotation.
    Jwks,
}

/// An identity provider the tenant brings. Its secret or key is never shown.
pub struct IdentityProvider(pub idp::Model);

/// An identity provider whose tokens sign the tenant's people in.
#[Object]
impl IdentityProvider {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::of::<idp::Entity>(self.0.id)
    }
    /// The `iss` of its tokens.
    async fn issuer(&self) -> &str {
        &self.0.issuer
    }
    /// The `aud` its tokens must carry.
    async fn audience(&self) -> &str {
        &self.0.audience
    }
    /// The only algorithm accepted from it.
    async fn algorithm(&self) -> Option<IdpAlgorithm> {
        IdpAlgorithm::from_name(&self.0.algorithm)
    }
    /// Where the verification key comes from.
    async fn key_source(&self) -> IdpKeySource {
        if self.0.shared_secret.is_some() {
            IdpKeySource::SharedSecret
        } else if self.0.public_key_pem.is_some() {
            IdpKeySource::PublicKeyPem
        } else {
            IdpKeySource::Jwks
        }
    }
    /// The JWKS URL, for key source `JWKS`.
    async fn jwks_url(&self) -> Option<&str> {
        self.0.jwks_url.as_deref()
    }
    /// When the JWKS document was last fetched.
    async fn jwks_fetched_at(&self) -> Option<DateTime<Utc>> {
        self.0.jwks_fetched_at
    }
    /// The claim that names the user (matched against members' emails).
    async fn user_claim(&self) -> &str {
        &self.0.user_claim
    }
    /// When the provider was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Loads a provider through the request's loader (for `node`).
pub async fn idp_node(ctx: &Context<'_>, id: Uuid) -> Result<Option<IdentityProvider>, AppError> {
    ctx.authorize(Permission::ManageTenant)?;
    Ok(load_one::<idp::Entity>(ctx, Some(id))
        .await?
        .filter(|p| p.archived_at.is_none())
        .map(IdentityProvider))
}

/// A provider to register. Give the key that matches the algorithm: a shared secret for HS256,
/// and for RS256/ES256 either a PEM public key or a JWKS URL.
#[derive(InputObject)]
pub struct RegisterIdentityProviderInput {
    /// The `iss` of its tokens, e.g. `https://login.example.com/tenant-x/v2.0`.
    pub issuer: String,
    /// The `aud` its tokens carry (the client id or API identifier registered there).
    pub audience: String,
    /// The only algorithm to accept.
    pub algorithm: IdpAlgorithm,
    /// HS256 only: the shared secret (at least 32 characters). Never shown again.
    pub shared_secret: Option<String>,
    /// RS256/ES256: a PEM public key.
    pub public_key_pem: Option<String>,
    /// RS256/ES256: the URL of the provider's JWKS document.
    pub jwks_url: Option<String>,
    /// The claim naming the user; `email` when omitted.
    pub user_claim: Option<String>,
}

/// A provider to remove.
#[derive(InputObject)]
pub struct RemoveIdentityProviderInput {
    /// The provider's global id.
    pub id: ID,
}

/// The result of an identity-provider mutation.
#[derive(SimpleObject)]
pub struct IdentityProviderPayload {
    /// The provider; `null` when there were errors.
    pub identity_provider: Option<IdentityProvider>,
    /// Problems with the input; empty on success. Nothing changes when there are any.
    pub errors: crate::graphql::list::List<InputError<IdpErrorCode>>,
}

/// The identity-provider mutations.
#[derive(Default)]
pub struct IdpMutation;

#[Object]
impl IdpMutation {
    /// Registers an identity provider: its people's tokens are accepted from now on. Needs
    /// `MANAGE_TENANT`.
    async fn register_identity_provider(
        &self,
        ctx: &Context<'_>,
        input: RegisterIdentityProviderInput,
    ) -> GqlResult<IdentityProviderPayload> {
        let session = require_tenant_admin(ctx)?;
        let settings = &app_state(ctx)?.settings;
        let (own_issuer, allow_private) = (
            settings.auth.issuer.clone(),
            settings.auth.jwks_allow_private_networks,
        );
        let tx = session.begin_write(ctx).await?;
        let new = NewProvider {
            issuer: input.issuer,
            audience: input.audience,
            algorithm: input.algorithm,
            shared_secret: input.shared_secret,
            public_key_pem: input.public_key_pem,
            jwks_url: input.jwks_url,
            user_claim: input.user_claim,
        };
        let out = service::register(
            &tx,
            session.principal.actor_id,
            &own_issuer,
            allow_private,
            new,
        )
        .await?;
        finish(tx, out).await
    }

    /// Removes an identity provider: its tokens are refused from the next request on. Needs
    /// `MANAGE_TENANT`.
    async fn remove_identity_provider(
        &self,
        ctx: &Context<'_>,
        input: RemoveIdentityProviderInput,
    ) -> GqlResult<IdentityProviderPayload> {
        let session = require_tenant_admin(ctx)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<idp::Entity>(&input.id) {
            None => Err(vec![InputError::new(
                "id",
                IdpErrorCode::NotFound,
                "no such identity provider",
            )]),
            Some(id) => service::remove(&tx, session.principal.actor_id, id).await?,
        };
        finish(tx, out).await
    }
}

async fn finish(
    tx: entity::TenantTx,
    out: Result<idp::Model, Vec<InputError<IdpErrorCode>>>,
) -> GqlResult<IdentityProviderPayload> {
    let (provider, errors) = settle(tx, out).await?;
    Ok(IdentityProviderPayload {
        identity_provider: provider.map(IdentityProvider),
        errors: List(errors),
    })
}

impl From<idp::Model> for IdentityProvider {
    fn from(m: idp::Model) -> Self {
        Self(m)
    }
}

crate::filter_input! {
    /// Conditions on identity providers; every field given must hold.
    IdentityProviderFilter for idp {
        /// The issuer.
        issuer: crate::graphql::listing::TextFilter => Issuer,
        /// The expected audience.
        audience: crate::graphql::listing::TextFilter => Audience,
        /// When the provider was registered.
        created_at: crate::graphql::listing::DateTimeFilter => CreatedAt,
    }
}

crate::order_field! {
    /// What identity providers can be sorted by.
    IdentityProvider for idp {
        /// The issuer.
        Issuer => Issuer,
        /// Registration time.
        CreatedAt => CreatedAt,
    }
}

impl crate::graphql::resource::Resource for idp::Entity {
    type Node = IdentityProvider;
    type Filter = IdentityProviderFilter;
    type Order = IdentityProviderOrder;
    const VIEW: Permission = Permission::ManageTenant;
}

crate::list_query! {
    entity: idp::Entity, node: IdentityProvider, many: identity_providers,
    what: "identity provider", needs: ["`MANAGE_TENANT`"], query: IdpQuery,
}
