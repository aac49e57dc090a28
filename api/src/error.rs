//! One error type with stable machine codes.
//!
//! Every failure a client can see is an [`AppError`]. Its [`ErrorCode`] is sent as
//! `extensions.code` and never changes meaning once released; the table in [`ErrorCode`] is the
//! single place that maps codes to HTTP statuses. Internal failures are logged with the request
//! id (the log line carries it through the request span) and reach the client only as
//! `INTERNAL` with that request id, never with their details.

use crate::graphql::list::List;
use async_graphql::ErrorExtensions;

/// The stable codes sent as `extensions.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No credential, or one that failed verification.
    Unauthenticated,
    /// A valid credential without the needed permission.
    Forbidden,
    /// The thing asked for does not exist in the caller's tenant.
    NotFound,
    /// The request itself is malformed (not a business-rule failure).
    BadRequest,
    /// The document failed GraphQL validation or parsing.
    GraphqlValidationFailed,
    /// The optimistic-concurrency version was stale.
    Conflict,
    /// Too many requests for the caller's plan.
    RateLimited,
    /// A persisted query's hash is not known; send the query with its hash.
    PersistedQueryNotFound,
    /// The credential may run only registered persisted operations, and this is not one.
    OperationNotAllowed,
    /// The query is more complex than allowed.
    QueryTooComplex,
    /// The query nests deeper than allowed.
    QueryTooDeep,
    /// The query uses more aliases than allowed.
    TooManyAliases,
    /// The request carries more root mutation fields than allowed.
    TooManyMutations,
    /// The request body is larger than allowed.
    PayloadTooLarge,
    /// An `Idempotency-Key` came back with a different request.
    IdempotencyKeyReused,
    /// Execution took longer than allowed.
    Timeout,
    /// A dependency (database, cache) is not reachable.
    Unavailable,
    /// Anything else; details are in the server log under the request id.
    Internal,
}

impl ErrorCode {
    /// Every code, for documentation and tests.
    pub const ALL: [ErrorCode; 18] = [
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::BadRequest,
        ErrorCode::GraphqlValidationFailed,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::PersistedQueryNotFound,
        ErrorCode::OperationNotAllowed,
        ErrorCode::QueryTooComplex,
        ErrorCode::QueryTooDeep,
        ErrorCode::TooManyAliases,
        ErrorCode::TooManyMutations,
        ErrorCode::PayloadTooLarge,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::Timeout,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    /// The code on the wire, and the HTTP status used when the error ends the whole request.
    pub fn describe(self) -> (&'static str, u16) {
        match self {
            ErrorCode::Unauthenticated => ("UNAUTHENTICATED", 401),
            ErrorCode::Forbidden => ("FORBIDDEN", 403),
            ErrorCode::NotFound => ("NOT_FOUND", 404),
            ErrorCode::BadRequest => ("BAD_REQUEST", 400),
            ErrorCode::GraphqlValidationFailed => ("GRAPHQL_VALIDATION_FAILED", 400),
            ErrorCode::Conflict => ("CONFLICT", 409),
            ErrorCode::RateLimited => ("RATE_LIMITED", 429),
            ErrorCode::PersistedQueryNotFound => ("PERSISTED_QUERY_NOT_FOUND", 404),
            ErrorCode::OperationNotAllowed => ("OPERATION_NOT_ALLOWED", 403),
            ErrorCode::QueryTooComplex => ("QUERY_TOO_COMPLEX", 400),
            ErrorCode::QueryTooDeep => ("QUERY_TOO_DEEP", 400),
            ErrorCode::TooManyAliases => ("TOO_MANY_ALIASES", 400),
            ErrorCode::TooManyMutations => ("TOO_MANY_MUTATIONS", 400),
            ErrorCode::PayloadTooLarge => ("PAYLOAD_TOO_LARGE", 413),
            ErrorCode::IdempotencyKeyReused => ("IDEMPOTENCY_KEY_REUSED", 422),
            ErrorCode::Timeout => ("TIMEOUT", 504),
            ErrorCode::Unavailable => ("UNAVAILABLE", 503),
            ErrorCode::Internal => ("INTERNAL", 500),
        }
    }

    /// The code on the wire.
    pub fn as_str(self) -> &'static str {
        self.describe().0
    }

    /// The HTTP status for a request that fails as a whole with this code.
    pub fn http_status(self) -> u16 {
        self.describe().1
    }
}

/// The application's error.
///
/// It deliberately does not implement `Display`: async-graphql converts anything displayable into
/// an error without a code, so keeping `Display` off makes `?` in a resolver go through the one
/// conversion below, which sets `extensions.code` and hides internal details.
#[derive(Debug)]
pub enum AppError {
    /// Missing or invalid credential; the message says which, without echoing the credential.
    Unauthenticated(String),
    /// The credential lacks a permission.
    Forbidden(String),
    /// Not found in the caller's tenant (also used for other tenants' ids: no existence oracle).
    NotFound(&'static str),
    /// Malformed request.
    BadRequest(String),
    /// Stale version.
    Conflict(String),
    /// Query too deep or complex.
    QueryTooComplex(String),
    /// A dependency is down.
    Unavailable(String),
    /// An `Idempotency-Key` came back with a different request.
    IdempotencyKeyReused(String),
    /// Anything unexpected. Only its code reaches the client.
    Internal(anyhow::Error),
}

impl AppError {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::BadRequest(_) => ErrorCode::BadRequest,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::QueryTooComplex(_) => ErrorCode::QueryTooComplex,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::IdempotencyKeyReused(_) => ErrorCode::IdempotencyKeyReused,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The message safe to show a client.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::BadRequest(m)
            | AppError::Conflict(m)
            | AppError::QueryTooComplex(m)
            | AppError::Unavailable(m)
            | AppError::IdempotencyKeyReused(m) => m.clone(),
            AppError::NotFound(what) => format!("{what} not found"),
            AppError::Internal(_) => "internal error".into(),
        }
    }

    /// Wraps any unexpected failure.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into())
    }

    /// For command-line code that reports through `anyhow`.
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            AppError::Internal(e) => e,
            other => anyhow::anyhow!("{} ({})", other.message(), other.code().as_str()),
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        match &err {
            // The seam refused a write built from a stale read (a concurrent change won).
            sea_orm::DbErr::Custom(m) if m.starts_with(entity::tenancy::STALE_VERSION) => {
                AppError::Conflict(
                    "the record changed while you were changing it; reload and retry".into(),
                )
            }
            _ => AppError::Internal(err.into()),
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Internal(source) = &err {
            // The request span carries the request id, so this line can be matched to the
            // response the client got.
            tracing::error!(error = ?source, "internal error");
        }
        let code = err.code().as_str();
        async_graphql::Error::new(err.message()).extend_with(|_, e| e.set("code", code))
    }
}

/// Result of services and helpers.
pub type AppResult<T> = Result<T, AppError>;

/// Result of resolvers: `?` on an [`AppError`] keeps its code.
pub type GqlResult<T> = async_graphql::Result<T>;

/// A problem with one field of a mutation's input: the payload-error shape of every domain
/// (`errors: [{ field, code, message }]`). `C` is the domain's code enum; each instantiation is
/// named in the `concrete` list below.
#[derive(async_graphql::SimpleObject, Debug, Clone)]
#[graphql(concrete(name = "AccessError", params(crate::services::access::AccessErrorCode)))]
#[graphql(concrete(
    name = "PlatformError",
    params(crate::services::tenants::PlatformErrorCode)
))]
#[graphql(concrete(name = "AppsError", params(crate::services::apps::AppsErrorCode)))]
#[graphql(concrete(
    name = "PersistedOperationError",
    params(crate::services::persisted::PersistedOperationErrorCode)
))]
#[graphql(concrete(
    name = "IdentityProviderError",
    params(crate::services::idp::IdpErrorCode)
))]
#[graphql(concrete(name = "OrgError", params(crate::services::org::OrgErrorCode)))]
#[graphql(concrete(
    name = "AccountingError",
    params(crate::services::accounting::AccountingErrorCode)
))]
#[graphql(concrete(name = "CollabError", params(crate::services::collab::CollabErrorCode)))]
#[graphql(concrete(name = "HrError", params(crate::services::hr::HrErrorCode)))]
#[graphql(concrete(
    name = "ApprovalError",
    params(crate::services::approvals::ApprovalErrorCode)
))]
#[graphql(concrete(
    name = "WebhookError",
    params(crate::services::webhooks::WebhookErrorCode)
))]
pub struct InputError<C: async_graphql::OutputType> {
    /// Path to the field in the input, e.g. `["permissions", "2"]`; empty when the input as a
    /// whole is at fault.
    pub field: List<String>,
    /// What is wrong, as a stable code.
    pub code: C,
    /// A human-readable explanation.
    pub message: String,
}

impl<C: async_graphql::OutputType> InputError<C> {
    /// A problem with the field at `path` (dotted, e.g. `"permissions.2"`; empty for none).
    pub fn new(path: &str, code: C, message: impl Into<String>) -> Self {
        let field = if path.is_empty() {
            Vec::new()
        } else {
            path.split('.').map(str::to_owned).collect()
        };
        Self {
            field: List(field),
            code,
            message: message.into(),
        }
    }
}
