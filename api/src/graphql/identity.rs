//! Built-in sign-in in the schema: `login`, `refreshToken`, `logout`.
//!
//! These are open to anonymous callers (they create the credential). Failures are payload
//! errors with deliberately coarse codes, so a caller cannot probe which emails or tenants exist.

use crate::graphql::list::List;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};

use crate::error::{AppError, GqlResult};
use crate::services::sessions::{self, SessionFailure, Tokens};
use crate::state::AppState;

/// Email, password and the tenant to sign in to.
#[derive(InputObject)]
pub struct LoginInput {
    /// The account's email address.
    pub email: String,
    /// The account's password.
    pub password: String,
    /// The slug of the tenant to sign in to (a user may belong to several).
    pub tenant: String,
}

/// A refresh token to trade or revoke.
#[derive(InputObject)]
pub struct RefreshTokenInput {
    /// The refresh token from `login` or the previous `refreshToken`.
    pub refresh_token: String,
}

/// What went wrong with a sign-in.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum AuthErrorCode {
    /// The email, password or tenant is wrong, or the account has no active membership there.
    InvalidCredentials,
    /// The refresh token is unknown, expired or revoked; sign in again.
    InvalidRefreshToken,
    /// A required value is empty.
    Required,
    /// The invitation is unknown, expired or already used.
    InvalidInvitation,
    /// The new password breaks the password policy.
    WeakPassword,
}

/// A problem with a sign-in input.
#[derive(SimpleObject, Debug)]
pub struct AuthError {
    /// Path to the field in the input, e.g. `["email"]`; empty when no single field is to blame.
    pub field: crate::graphql::list::List<String>,
    /// What is wrong.
    pub code: AuthErrorCode,
    /// A human-readable explanation.
    pub message: String,
}

/// The result of `login` and `refreshToken`.
#[derive(SimpleObject, Default)]
pub struct AuthPayload {
    /// The access token (a JWT) to send as `Authorization: Bearer`; `null` on failure.
    pub access_token: Option<String>,
    /// Seconds until the access token expires.
    pub expires_in: Option<i64>,
    /// The refresh token: trade it with `refreshToken` before the access token expires. It is
    /// single-use; keep only the newest.
    pub refresh_token: Option<String>,
    /// Problems; empty on success.
    pub errors: crate::graphql::list::List<AuthError>,
}

impl AuthPayload {
    fn from_outcome(outcome: Result<Tokens, SessionFailure>) -> Self {
        match outcome {
            Ok(t) => Self {
                access_token: Some(t.access_token),
                expires_in: Some(t.expires_in),
                refresh_token: Some(t.refresh_token),
                errors: List::default(),
            },
            Err(SessionFailure::InvalidCredentials) => Self::failed(
                AuthErrorCode::InvalidCredentials,
                "the email, password or tenant is not right",
            ),
            Err(SessionFailure::InvalidRefreshToken) => Self::failed(
                AuthErrorCode::InvalidRefreshToken,
                "the refresh token is not valid; sign in again",
            ),
        }
    }

    fn failed(code: AuthErrorCode, message: &str) -> Self {
        Self {
            errors: vec![AuthError {
                field: List::default(),
                code,
                message: message.into(),
            }]
            .into(),
            ..Default::default()
        }
    }
}

/// An invitation to accept.
#[derive(InputObject)]
pub struct AcceptInvitationInput {
    /// The token from `inviteMember`.
    pub token: String,
    /// The password to set (at least 12 characters).
    pub password: String,
}

/// The result of `logout`.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Always `true`: signing out an unknown or already revoked token is not an error.
    pub ok: bool,
}

/// Sign-in mutations.
#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Signs in with email and password; returns an access token and a refresh token. Open to
    /// anonymous callers.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> GqlResult<AuthPayload> {
        let mut missing = Vec::new();
        for (field, value) in [
            ("email", &input.email),
            ("password", &input.password),
            ("tenant", &input.tenant),
        ] {
            if value.trim().is_empty() {
                missing.push(AuthError {
                    field: vec![field.into()].into(),
                    code: AuthErrorCode::Required,
                    message: format!("{field} is required"),
                });
            }
        }
        if !missing.is_empty() {
            return Ok(AuthPayload {
                errors: List(missing),
                ..Default::default()
            });
        }
        let state = app_state(ctx)?;
        let outcome = sessions::login(
            &state.db,
            &state.tokens,
            &input.email,
            &input.password,
            &input.tenant,
        )
        .await?;
        Ok(AuthPayload::from_outcome(outcome))
    }

    /// Trades a refresh token for a new access token and refresh token. The one presented stops
    /// working; presenting it again signs the whole session out.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        input: RefreshTokenInput,
    ) -> GqlResult<AuthPayload> {
        let state = app_state(ctx)?;
        let outcome = sessions::refresh(&state.db, &state.tokens, &input.refresh_token).await?;
        Ok(AuthPayload::from_outcome(outcome))
    }

    /// Accepts an invitation: sets the invited person's password and signs them in. Open to
    /// anonymous callers (the token is the credential); each token works once.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        input: AcceptInvitationInput,
    ) -> GqlResult<AuthPayload> {
        use crate::services::sessions::InvitationFailure;
        let state = app_state(ctx)?;
        let outcome =
            sessions::accept_invitation(&state.db, &state.tokens, &input.token, &input.password)
                .await?;
        Ok(match outcome {
            Ok(tokens) => AuthPayload::from_outcome(Ok(tokens)),
            Err(InvitationFailure::InvalidToken) => AuthPayload::failed(
                AuthErrorCode::InvalidInvitation,
                "the invitation is not valid; ask for a new one",
            ),
            Err(InvitationFailure::WeakPassword(why)) => AuthPayload {
                errors: vec![AuthError {
                    field: vec!["password".into()].into(),
                    code: AuthErrorCode::WeakPassword,
                    message: why,
                }]
                .into(),
                ..Default::default()
            },
        })
    }

    /// Signs out: the refresh token and every token issued from the same sign-in stop working.
    /// Access tokens already issued expire on their own within minutes.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        input: RefreshTokenInput,
    ) -> GqlResult<LogoutPayload> {
        let state = app_state(ctx)?;
        sessions::logout(&state.db, &input.refresh_token).await?;
        Ok(LogoutPayload { ok: true })
    }
}

/// The shared state from the schema data.
pub fn app_state<'a>(ctx: &Context<'a>) -> Result<&'a AppState, AppError> {
    ctx.data::<AppState>()
        .map_err(|e| AppError::internal(anyhow::anyhow!("{}", e.message)))
}
