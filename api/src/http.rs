//! HTTP endpoints: GraphQL over HTTP and WebSocket, GraphiQL, health, readiness and metrics.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::{Data, ErrorExtensionValues, ServerError, Value};
use async_graphql_actix_web::GraphQLSubscription;
use entity::TenantDb;
use serde_json::json;
use tracing_actix_web::RequestId;

use crate::auth::{self, Permission};
use crate::error::{AppError, ErrorCode};
use crate::graphql::Schemas;
use crate::graphql::core::{RequestInfo, Session};
use crate::state::AppState;

/// The media type of the GraphQL-over-HTTP spec.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig, graphiql: bool) {
    cfg.route("/graphql", web::post().to(graphql_post))
        .route("/graphql", web::get().to(graphql_get))
        .route("/graphql/ws", web::get().to(graphql_ws))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics))
        .route("/attachments", web::post().to(upload_attachment))
        .route("/attachments/{id}", web::get().to(download_attachment));
    if graphiql {
        cfg.route("/graphiql", web::get().to(graphiql_page))
            .route("/graphiql/assets/{file}", web::get().to(graphiql_asset));
    }
}

/// The id `tracing-actix-web` gave this request.
pub fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default()
}

/// A response made only of errors, in the GraphQL response shape, for failures before execution.
fn error_response(req: &HttpRequest, code: ErrorCode, message: &str) -> HttpResponse {
    let body = json!({
        "errors": [{
            "message": message,
            "extensions": { "code": code.as_str(), "requestId": request_id(req) }
        }]
    });
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = HttpResponse::build(status);
    if code == ErrorCode::Unauthenticated {
        resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
    }
    resp.content_type(response_media_type(req))
        .body(body.to_string())
}

/// `application/graphql-response+json` when the client accepts it, else `application/json`.
fn response_media_type(req: &HttpRequest) -> &'static str {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains(GRAPHQL_RESPONSE_JSON) {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    }
}

async fn graphql_post(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<Schemas>,
) -> HttpResponse {
    // The body is read here, not by an extractor, so an oversized body gets the same error shape
    // as every other failure.
    let body = match read_body(&req, &mut payload, state.settings.limits.max_body_bytes).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/json") {
        return error_response(
            &req,
            ErrorCode::BadRequest,
            "POST /graphql takes Content-Type: application/json",
        )
        .customize()
        .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        .respond_to(&req)
        .map_into_boxed_body();
    }
    match serde_json::from_slice::<async_graphql::Request>(&body) {
        Ok(gql) => execute(&req, gql, &state, &schema).await,
        Err(e) => error_response(
            &req,
            ErrorCode::BadRequest,
            &format!("the body is not a GraphQL request: {e}"),
        ),
    }
}

async fn graphql_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    schema: web::Data<Schemas>,
) -> HttpResponse {
    match async_graphql::http::parse_query_string(req.query_string()) {
        Ok(gql) => execute(&req, gql, &state, &schema).await,
        Err(e) => error_response(
            &req,
            ErrorCode::BadRequest,
            &format!("malformed query string: {e}"),
        ),
    }
}

use actix_web::Responder;

/// Reads a request body of at most `limit` bytes; anything larger is `PAYLOAD_TOO_LARGE`.
async fn read_body(
    req: &HttpRequest,
    payload: &mut web::Payload,
    limit: usize,
) -> Result<web::BytesMut, HttpResponse> {
    use futures_util::StreamExt;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return Err(error_response(
                req,
                ErrorCode::BadRequest,
                "the request body could not be read",
            ));
        };
        if body.len() + chunk.len() > limit {
            return Err(error_response(
                req,
                ErrorCode::PayloadTooLarge,
                &format!("the request body is larger than {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Where an upload goes: `POST /attachments?subjectId=..&fileName=..`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadTarget {
    subject_id: String,
    file_name: String,
}

/// The session of a plain-HTTP request (attachments), from the same credentials as GraphQL.
async fn session_of(req: &HttpRequest, state: &AppState) -> Result<Session, HttpResponse> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    match authenticate(state, header("x-api-key"), header("authorization")).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(error_response(
            req,
            ErrorCode::Unauthenticated,
            "send a credential",
        )),
        Err(e) => Err(error_response(req, e.code(), &e.message())),
    }
}

/// `POST /attachments?subjectId=..&fileName=..`: attaches the request body, of its
/// `Content-Type`, to a record the caller may read. Answers the new attachment, or payload
/// errors, in the GraphQL response shape.
async fn upload_attachment(
    req: HttpRequest,
    target: web::Query<UploadTarget>,
    mut payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    use crate::graphql::core::GlobalId;
    use crate::services::collab;
    let session = match session_of(&req, &state).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let body = match read_body(&req, &mut payload, state.storage.max_file_bytes).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let actor = entity::Actor {
        kind: match session.principal.kind {
            crate::auth::PrincipalKind::User => "user",
            crate::auth::PrincipalKind::App => "app",
        },
        id: Some(session.principal.actor_id),
        request_id: Some(request_id(&req)),
        operation: Some("uploadAttachment".into()),
    };
    let result: Result<Result<_, Vec<collab::CollabError>>, AppError> = async {
        let tx = session.db.acting_as(actor).begin().await?;
        let subject_id = async_graphql::ID(target.subject_id.clone());
        let upload = collab::Upload {
            subject_id: &subject_id,
            file_name: &target.file_name,
            content_type,
            content: &body,
        };
        match collab::add_attachment(&tx, &session.principal, &state.storage, upload).await? {
            Ok(row) => {
                // Content first, then the commit: a crash in between leaves an unreferenced
                // object, never a row without content.
                state.storage.put(&row.storage_key, body.to_vec()).await?;
                tx.commit().await?;
                Ok(Ok(row))
            }
            Err(errors) => Ok(Err(errors)),
        }
    }
    .await;
    match result {
        Ok(Ok(row)) => HttpResponse::Created().json(json!({
            "data": { "attachment": {
                "id": GlobalId::of::<entity::org::attachment::Entity>(row.id).0,
                "fileName": row.file_name,
                "contentType": row.content_type,
                "sizeBytes": row.size_bytes,
                "sha256": row.sha256,
                "downloadUrl": format!("/attachments/{}", row.id),
            }, "errors": [] }
        })),
        Ok(Err(errors)) => {
            let errors: Vec<_> = errors
                .iter()
                .map(|e| {
                    let code = async_graphql::InputType::to_value(&e.code).to_string();
                    json!({"field": e.field, "code": code, "message": e.message})
                })
                .collect();
            HttpResponse::UnprocessableEntity()
                .json(json!({ "data": { "attachment": null, "errors": errors } }))
        }
        Err(e) => {
            if matches!(e, AppError::Internal(_)) {
                tracing::error!(error = ?e, "upload failed");
            }
            error_response(&req, e.code(), &e.message())
        }
    }
}

/// `GET /attachments/{id}`: the content of an attachment, for a credential of the tenant that
/// owns it (others get 404, like a missing one).
async fn download_attachment(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let session = match session_of(&req, &state).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let not_found = || error_response(&req, ErrorCode::NotFound, "no such attachment");
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return not_found();
    };
    let principal = &session.principal;
    let row = session
        .db
        .read(async |tx| {
            crate::services::collab::readable_attachment(tx, principal, id)
                .await
                .map_err(|e| sea_orm::DbErr::Custom(format!("{e:?}")))
        })
        .await;
    let row = match row {
        Ok(Some(row)) => row,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = ?e, "reading an attachment row failed");
            return error_response(&req, ErrorCode::Internal, "internal error");
        }
    };
    match state.storage.get(&row.storage_key).await {
        Ok(bytes) => {
            let name: String = url_encode(&row.file_name);
            HttpResponse::Ok()
                .content_type(row.content_type.as_str())
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename*=UTF-8''{name}"),
                ))
                .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .insert_header((header::CACHE_CONTROL, "private, no-store"))
                .insert_header(("content-security-policy", "default-src 'none'; sandbox"))
                .body(bytes)
        }
        Err(e) => {
            tracing::error!(error = ?e, "reading attachment content failed");
            error_response(&req, ErrorCode::Internal, "internal error")
        }
    }
}

/// Percent-encodes a file name for `filename*=UTF-8''...` (RFC 5987).
fn url_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Authenticates from the `X-API-Key` or `Authorization` header; `None` when the request is
/// anonymous. A bearer credential starting with `uk_` is an API key, anything else a JWT.
async fn authenticate(
    state: &AppState,
    api_key: Option<&str>,
    authorization: Option<&str>,
) -> Result<Option<Session>, AppError> {
    let principal = match (api_key, authorization) {
        (Some(_), Some(_)) => {
            return Err(AppError::Unauthenticated(
                "send either X-API-Key or Authorization, not both".into(),
            ));
        }
        (Some(key), None) => {
            auth::principal_from_api_key(&state.db, &state.cache, key.trim()).await?
        }
        (None, Some(value)) => {
            let credential = auth::bearer(value)?;
            if crate::services::apps::is_api_key(credential) {
                auth::principal_from_api_key(&state.db, &state.cache, credential).await?
            } else {
                auth::principal_from_jwt(&state.db, &state.cache, &state.tokens, credential).await?
            }
        }
        (None, None) => return Ok(None),
    };
    let db = TenantDb::new(state.db.clone(), principal.tenant);
    Ok(Some(Session::new(principal, db, state.cache.clone())))
}

/// Resolves a live connection's `Authorization` value again (cheap: the principal cache).
pub async fn reauthenticate(
    state: &AppState,
    authorization: &str,
) -> crate::error::AppResult<auth::Principal> {
    authenticate(state, None, Some(authorization))
        .await?
        .map(|s| s.principal)
        .ok_or_else(|| AppError::Unauthenticated("no credential".into()))
}

/// Whether `presented` is the configured operator key. Digests are compared, so the time taken
/// says nothing about how much of the key was right.
fn operator_key_matches(state: &AppState, presented: &str) -> bool {
    use secrecy::ExposeSecret;
    use sha2::{Digest, Sha256};
    state
        .settings
        .platform
        .operator_key
        .as_ref()
        .is_some_and(|key| {
            Sha256::digest(key.expose_secret().as_bytes()) == Sha256::digest(presented.as_bytes())
        })
}

/// Runs one GraphQL request: authenticate, apply the transport rules, execute with a deadline,
/// then stamp the request id on every error and record metrics.
async fn execute(
    req: &HttpRequest,
    mut gql: async_graphql::Request,
    state: &AppState,
    schema: &Schemas,
) -> HttpResponse {
    let started = Instant::now();
    let rid = request_id(req);
    let operation = state.metrics.operation_label(gql.operation_name.as_deref());

    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let (api_key, authorization) = (header("x-api-key"), header("authorization"));
    let operator = match (header("x-platform-key"), api_key.or(authorization)) {
        (None, _) => false,
        (Some(key), None) if operator_key_matches(state, key) => true,
        (Some(_), _) => {
            let e = AppError::Unauthenticated(
                "the platform key is not valid, or was sent with another credential".into(),
            );
            state.metrics.observe_request(
                &operation,
                started.elapsed().as_secs_f64(),
                &[e.code().as_str().into()],
            );
            return error_response(req, e.code(), &e.message());
        }
    };
    let session = match authenticate(state, api_key, authorization).await {
        Ok(s) => s,
        Err(e) => {
            state.metrics.observe_request(
                &operation,
                started.elapsed().as_secs_f64(),
                &[e.code().as_str().into()],
            );
            return error_response(req, e.code(), &e.message());
        }
    };

    // Persisted queries and the API keys' allow-list, before anything parses the query.
    if let Err(refusal) = crate::services::persisted::apply(state, session.as_ref(), &mut gql).await
    {
        state.metrics.observe_request(
            &operation,
            started.elapsed().as_secs_f64(),
            &[refusal.code.as_str().into()],
        );
        return error_response(req, refusal.code, &refusal.message);
    }

    // A document seen before is not parsed again.
    if gql.query.len() <= crate::state::MAX_KEPT_DOCUMENT {
        if let Some(doc) = state.documents.get(&gql.query).await {
            gql.set_parsed_query((*doc).clone());
        } else if let Ok(doc) = gql.parsed_query() {
            let doc = Arc::new(doc.clone());
            state.documents.insert(gql.query.clone(), doc).await;
        }
    }

    // Limits the schema cannot enforce by itself, each with its own code.
    if let Ok(doc) = gql.parsed_query()
        && let Some((code, message)) = check_document(doc, &state.settings.limits)
    {
        state.metrics.observe_request(
            &operation,
            started.elapsed().as_secs_f64(),
            &[code.as_str().into()],
        );
        return error_response(req, code, &message);
    }

    // GET may only carry queries (GraphQL over HTTP): a mutation must not be triggered by a link.
    if req.method() == Method::GET
        && matches!(
            operation_type(&mut gql),
            Some(OperationType::Mutation) | Some(OperationType::Subscription)
        )
    {
        return error_response(
            req,
            ErrorCode::BadRequest,
            "only queries may be sent with GET; use POST",
        )
        .customize()
        .with_status(StatusCode::METHOD_NOT_ALLOWED)
        .insert_header((header::ALLOW, "POST"))
        .respond_to(req)
        .map_into_boxed_body();
    }

    // Introspection is for people exploring the schema. A request that asks for it without the
    // permission gets a clear error; disabling it is the backstop for anything the scan misses.
    if !session
        .as_ref()
        .is_some_and(|s| s.principal.can(Permission::ExploreSchema))
    {
        if gql.parsed_query().is_ok_and(uses_introspection) {
            let code = if session.is_some() {
                ErrorCode::Forbidden
            } else {
                ErrorCode::Unauthenticated
            };
            state.metrics.observe_request(
                &operation,
                started.elapsed().as_secs_f64(),
                &[code.as_str().into()],
            );
            return error_response(
                req,
                code,
                if session.is_some() {
                    "exploring the schema needs the EXPLORE_SCHEMA permission"
                } else {
                    "sign in to explore the schema"
                },
            );
        }
        gql = gql.disable_introspection();
    }
    gql = gql.data(RequestInfo {
        request_id: rid.clone(),
    });
    if operator {
        gql = gql.data(crate::graphql::operator::PlatformOperator);
    }
    // A query sent with `"extensions": {"cache": true}` is answered from the response cache when
    // the same principal sent the same query and variables before and nothing of the tenant's was
    // written since: every tenant commit moves `ANY_WRITE` before it returns, so a cached answer
    // is never older than the last write. A hit costs one rate-limit point.
    let mut fill = None;
    if let Some(s) = session.as_ref()
        && gql.extensions.get("cache") == Some(&Value::Boolean(true))
        && operation_type(&mut gql) == Some(OperationType::Query)
    {
        let key = response_key(&s.principal, &gql);
        if let Some(found) = state
            .cache
            .lookup(s.principal.tenant, &[crate::cache::ANY_WRITE], &key)
            .await
        {
            if let Some(body) = found.value {
                let charge = crate::ratelimit::charge(state, &s.principal, 1).await;
                if charge.is_none_or(|c| c.allowed) {
                    state
                        .metrics
                        .observe_request(&operation, started.elapsed().as_secs_f64(), &[]);
                    let mut out = HttpResponse::Ok();
                    if let Some(charge) = charge {
                        rate_limit_headers(&mut out, &charge);
                    }
                    return out
                        .insert_header(("urakata-cache", "hit"))
                        .content_type(response_media_type(req))
                        .body(body);
                }
            } else {
                fill = Some((found.stamp, key));
            }
        }
    }
    let reads = session
        .as_ref()
        .map(|s| (s.reads.clone(), s.db.clone(), s.principal.clone()));
    let principal = reads.as_ref().map(|(_, _, p)| p.clone());

    // An Idempotency-Key on a mutation: a repeat from the same principal replays the first
    // response instead of running again.
    let mut claimed = None;
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{fffd}").to_owned());
    if let (Some(key), Some(session)) = (key, session.as_ref())
        && is_mutation(&mut gql)
    {
        use crate::services::idempotency::{self, Claim};
        if !idempotency::valid_key(&key) {
            return error_response(
                req,
                ErrorCode::BadRequest,
                "an Idempotency-Key is 1-255 visible ASCII characters",
            );
        }
        let variables = serde_json::to_value(&gql.variables).unwrap_or_default();
        let hash = idempotency::request_hash(gql.operation_name.as_deref(), &gql.query, &variables);
        match idempotency::claim(&session.db, session.principal.actor_id, &key, &hash).await {
            Ok(Claim::Replay(body)) => {
                state
                    .metrics
                    .observe_request(&operation, started.elapsed().as_secs_f64(), &[]);
                return HttpResponse::Ok()
                    .insert_header(("idempotent-replayed", "true"))
                    .content_type(response_media_type(req))
                    .body(body);
            }
            Ok(Claim::Fresh(id)) => claimed = Some((session.db.clone(), id)),
            Err(e) => {
                state.metrics.observe_request(
                    &operation,
                    started.elapsed().as_secs_f64(),
                    &[e.code().as_str().into()],
                );
                return error_response(req, e.code(), &e.message());
            }
        }
    }
    if let Some(session) = session {
        gql = gql.data(session);
    }
    let rate = Arc::new(crate::ratelimit::RateLimitSlot::default());
    gql = gql.data(rate.clone());

    let deadline = Duration::from_millis(state.settings.limits.timeout_ms);
    let run = async {
        match schema.admit(&mut gql, principal, rate.clone()).await {
            Some(refused) => refused,
            None => schema.fast.execute(gql).await,
        }
    };
    let mut resp = match tokio::time::timeout(deadline, run).await {
        Ok(resp) => resp,
        Err(_) => {
            let mut err = ServerError::new("the request took longer than allowed", None);
            set_ext(&mut err, "code", ErrorCode::Timeout.as_str());
            async_graphql::Response::from_errors(vec![err])
        }
    };

    // Personal data leaves only after its reads are logged.
    let mut read_personal_data = false;
    if let Some((reads, db, principal)) = reads {
        let pending = reads.take();
        read_personal_data = !pending.is_empty();
        if let Err(e) = crate::services::personal_data::flush(&db, &principal, &rid, pending).await
        {
            tracing::error!(error = ?e, "logging reads of personal data failed; withholding the response");
            let mut err = ServerError::new("internal error", None);
            set_ext(&mut err, "code", ErrorCode::Internal.as_str());
            resp = async_graphql::Response::from_errors(vec![err]);
        }
    }

    let request_failed = resp.data == Value::Null && !resp.errors.is_empty();
    let mut codes = Vec::with_capacity(resp.errors.len());
    for err in &mut resp.errors {
        let code = classify(err);
        if code == ErrorCode::Internal.as_str() && err.message != "internal error" {
            // Whatever an unexpected error said stays in the log, keyed by the request id.
            tracing::error!(message = %err.message, path = ?err.path, "internal error");
            err.message = "internal error".into();
        }
        set_ext(err, "code", code);
        set_ext(err, "requestId", &rid);
        codes.push(code.to_owned());
    }
    let elapsed = started.elapsed();
    state
        .metrics
        .observe_request(&operation, elapsed.as_secs_f64(), &codes);
    // One line per request, inside the request span, so it carries the request id.
    tracing::info!(
        operation = %operation,
        duration_ms = elapsed.as_millis() as u64,
        errors = ?codes,
        "graphql request"
    );

    let media = response_media_type(req);
    let status = if request_failed && media == GRAPHQL_RESPONSE_JSON {
        codes
            .first()
            .and_then(|c| ErrorCode::ALL.iter().find(|k| k.as_str() == c))
            .map_or(400, |c| c.http_status())
    } else {
        200
    };
    let body = match serde_json::to_vec(&resp) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "serialising a response");
            return error_response(req, ErrorCode::Internal, "internal error");
        }
    };
    if let Some((db, id)) = claimed {
        use crate::services::idempotency;
        // Failures the client cannot fix, and a refusal by the rate limits (nothing ran),
        // release the key, so a retry runs again.
        let retryable = codes.iter().any(|c| {
            c == ErrorCode::Internal.as_str()
                || c == ErrorCode::Timeout.as_str()
                || c == ErrorCode::RateLimited.as_str()
        });
        let stored = if retryable {
            idempotency::release(&db, id).await
        } else {
            idempotency::complete(&db, id, &String::from_utf8_lossy(&body)).await
        };
        if let Err(e) = stored {
            tracing::error!(error = ?e, "recording an idempotent response failed");
        }
    }
    // Only a clean answer is kept, and never one that read personal data: each such read must
    // be logged, which a cached answer would skip.
    if let Some((stamp, key)) = fill
        && codes.is_empty()
        && !read_personal_data
    {
        state.cache.store(&stamp, &key, body.clone()).await;
    }
    let mut out = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    if let Some(charge) = rate.get() {
        rate_limit_headers(&mut out, &charge);
    }
    out.content_type(media).body(body)
}

/// The standard rate-limit headers (IETF `RateLimit-*`), and `429` with `Retry-After` when the
/// request was refused, whatever media type was negotiated.
fn rate_limit_headers(out: &mut actix_web::HttpResponseBuilder, charge: &crate::cache::Charge) {
    use crate::ratelimit::seconds;
    out.insert_header(("ratelimit-limit", charge.limit.to_string()))
        .insert_header(("ratelimit-remaining", charge.remaining.to_string()))
        .insert_header(("ratelimit-reset", seconds(charge.reset_ms).to_string()))
        .insert_header(("ratelimit-policy", format!("{};w=60", charge.limit)));
    if !charge.allowed {
        out.status(StatusCode::TOO_MANY_REQUESTS).insert_header((
            header::RETRY_AFTER,
            seconds(charge.retry_after_ms).max(1).to_string(),
        ));
    }
}

/// Whether the operation the request selects is a mutation.
fn is_mutation(gql: &mut async_graphql::Request) -> bool {
    operation_type(gql) == Some(OperationType::Mutation)
}

/// The type of the operation a request will run, when its document parses and names one.
fn operation_type(gql: &mut async_graphql::Request) -> Option<OperationType> {
    let name = gql.operation_name.clone();
    let doc = gql.parsed_query().ok()?;
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(n)) => ops.get(n.as_str()).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    }
}

/// The response-cache key of a query: the tenant, who asks and with which permissions, and the
/// request itself. Keys are per principal because fields may show a principal their own data
/// (their own payslip, their own personal data) that others with the same roles do not see.
fn response_key(p: &auth::Principal, gql: &async_graphql::Request) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(p.actor_id.as_bytes());
    h.update(p.key_id.map(|k| k.into_bytes()).unwrap_or_default());
    for perm in &p.permissions {
        h.update((*perm as u16).to_le_bytes());
    }
    h.update(b"\n");
    h.update(gql.operation_name.as_deref().unwrap_or("").as_bytes());
    h.update(b"\n");
    h.update(gql.query.as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(&gql.variables).unwrap_or_default());
    format!(
        "t:{}:response:{}",
        p.tenant.uuid(),
        hex::encode(h.finalize())
    )
}

/// Counts aliases (everywhere) and root mutation fields (per request) against the limits.
fn check_document(
    doc: &ExecutableDocument,
    limits: &crate::config::LimitSettings,
) -> Option<(ErrorCode, String)> {
    // Fragments are counted at every spread, since each spread repeats their work.
    fn aliases(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> usize {
        if depth > 8 {
            return 0;
        }
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some())
                        + aliases(doc, &f.node.selection_set.node, depth)
                }
                Selection::InlineFragment(frag) => {
                    aliases(doc, &frag.node.selection_set.node, depth)
                }
                Selection::FragmentSpread(spread) => doc
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .map_or(0, |frag| {
                        aliases(doc, &frag.node.selection_set.node, depth + 1)
                    }),
            })
            .sum()
    }
    fn root_fields(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> usize {
        if depth > 8 {
            return 0;
        }
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(frag) => {
                    root_fields(doc, &frag.node.selection_set.node, depth + 1)
                }
                Selection::FragmentSpread(spread) => doc
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .map_or(0, |frag| {
                        root_fields(doc, &frag.node.selection_set.node, depth + 1)
                    }),
            })
            .sum()
    }
    let total_aliases: usize = doc
        .operations
        .iter()
        .map(|(_, op)| aliases(doc, &op.node.selection_set.node, 0))
        .sum();
    if total_aliases > limits.max_aliases {
        return Some((
            ErrorCode::TooManyAliases,
            format!(
                "the document uses {total_aliases} aliases; at most {} are allowed",
                limits.max_aliases
            ),
        ));
    }
    let mutations: usize = doc
        .operations
        .iter()
        .filter(|(_, op)| op.node.ty == OperationType::Mutation)
        .map(|(_, op)| root_fields(doc, &op.node.selection_set.node, 0))
        .max()
        .unwrap_or(0);
    if mutations > limits.max_root_mutations {
        return Some((
            ErrorCode::TooManyMutations,
            format!(
                "the request runs {mutations} mutations; at most {} are allowed",
                limits.max_root_mutations
            ),
        ));
    }
    None
}

/// Whether any operation selects `__schema` or `__type` at its root (directly or through
/// fragments).
fn uses_introspection(doc: &ExecutableDocument) -> bool {
    fn walk(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> bool {
        depth < 8
            && set.items.iter().any(|item| match &item.node {
                Selection::Field(f) => matches!(f.node.name.node.as_str(), "__schema" | "__type"),
                Selection::InlineFragment(frag) => {
                    walk(doc, &frag.node.selection_set.node, depth + 1)
                }
                Selection::FragmentSpread(spread) => doc
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .is_some_and(|frag| walk(doc, &frag.node.selection_set.node, depth + 1)),
            })
    }
    doc.operations
        .iter()
        .any(|(_, op)| walk(doc, &op.node.selection_set.node, 0))
}

/// The stable code of an error: its own when a resolver set one, otherwise derived from what
/// failed. An uncoded resolver error is a bug, so it is logged and reported as `INTERNAL`.
fn classify(err: &ServerError) -> &'static str {
    if let Some(Value::String(code)) = err.extensions.as_ref().and_then(|e| e.get("code"))
        && let Some(known) = ErrorCode::ALL.iter().find(|k| k.as_str() == code)
    {
        return known.as_str();
    }
    let msg = err.message.as_str();
    if msg.contains("nested too deep") {
        ErrorCode::QueryTooDeep.as_str()
    } else if msg.contains("too complex") {
        ErrorCode::QueryTooComplex.as_str()
    } else if err.path.is_empty() {
        ErrorCode::GraphqlValidationFailed.as_str()
    } else if msg.starts_with("Failed to parse \"")
        || msg.starts_with("Expected input type \"")
        || msg.contains("(occurred while parsing \"")
    {
        // A variable's value did not fit its argument; the library reports that at execution,
        // with a path, but it is the client's input that is wrong.
        ErrorCode::BadRequest.as_str()
    } else {
        ErrorCode::Internal.as_str()
    }
}

fn set_ext(err: &mut ServerError, key: &str, value: &str) {
    err.extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set(key, value);
}

/// WebSocket subscriptions with the `graphql-transport-ws` protocol. The credential travels in
/// the `connection_init` payload as `{"Authorization": "Bearer <token>"}`.
async fn graphql_ws(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<Schemas>,
) -> actix_web::Result<HttpResponse> {
    let state = state.get_ref().clone();
    let rid = request_id(&req);
    GraphQLSubscription::new(schema.full.clone())
        .on_connection_init(move |params: serde_json::Value| async move {
            let auth = params
                .get("Authorization")
                .or_else(|| params.get("authorization"))
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            let mut data = Data::default();
            data.insert(RequestInfo { request_id: rid });
            data.insert(crate::graphql::core::OverWebSocket);
            if let Some(cred) = &auth {
                data.insert(crate::graphql::core::LiveCredential(cred.clone()));
            }
            // A live connection needs a credential from the start.
            match authenticate(&state, None, auth.as_deref()).await {
                Ok(Some(session)) => data.insert(session),
                Ok(None) => {
                    return Err(AppError::Unauthenticated(
                        "send a credential in the connection_init payload".into(),
                    )
                    .into());
                }
                Err(e) => return Err(async_graphql::Error::from(e)),
            }
            Ok(data)
        })
        .start(&req, payload)
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready when the database answers within two seconds. Redis is not required: without it the
/// server keeps serving (reads from the database, rate limits as configured), so a Redis outage
/// reports `degraded` and stays ready rather than taking every process out of rotation.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let limit = Duration::from_secs(2);
    let db = match tokio::time::timeout(limit, state.db.ping()).await {
        Ok(Ok(())) => "ok",
        _ => "unavailable",
    };
    let cache = match tokio::time::timeout(limit, state.cache.ping()).await {
        Ok(Ok(())) => "ok",
        _ => "unavailable",
    };
    let status = match (db, cache) {
        ("ok", "ok") => "ready",
        ("ok", _) => "degraded",
        _ => "unavailable",
    };
    let body = json!({
        "status": status,
        "database": { "backend": crate::db::backend_name(&state.db), "status": db },
        "cache": { "backend": state.cache.backend(), "status": cache },
    });
    if db == "ok" {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (open, idle) = crate::db::pool_usage(&state.db);
    state
        .metrics
        .set_pool(open, idle, state.settings.database.max_connections);
    state
        .metrics
        .set_statements(state.statements.load(std::sync::atomic::Ordering::Relaxed));
    if let Some(evicted) = state.cache.evictions().await {
        state.metrics.set_cache_evictions(evicted);
    }
    match state.metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4")
            .body(text),
        Err(e) => {
            tracing::error!(error = %e, "rendering metrics");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The GraphiQL assets, bundled into the binary at build time so the page works offline.
const GRAPHIQL_ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.js",
        "text/javascript",
        include_bytes!("../assets/graphiql/app.js"),
    ),
    (
        "app.css",
        "text/css",
        include_bytes!("../assets/graphiql/app.css"),
    ),
    (
        "graphiql.min.js",
        "text/javascript",
        include_bytes!("../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css",
        include_bytes!("../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript",
        include_bytes!("../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript",
        include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    ),
];

/// Scripts only from this server; inline styles are needed by GraphiQL itself.
const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'";

async fn graphiql_page() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_SECURITY_POLICY, GRAPHIQL_CSP))
        .content_type("text/html; charset=utf-8")
        .body(&include_bytes!("../assets/graphiql/index.html")[..])
}

async fn graphiql_asset(path: web::Path<String>) -> HttpResponse {
    match GRAPHIQL_ASSETS
        .iter()
        .find(|(name, _, _)| *name == path.as_str())
    {
        Some((_, mime, bytes)) => HttpResponse::Ok()
            .insert_header((
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ))
            .content_type(*mime)
            .body(*bytes),
        None => HttpResponse::NotFound().finish(),
    }
}
