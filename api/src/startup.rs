//! Building the application; used by `main` and by the tests alike.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpMessage, HttpServer, web};
use anyhow::Context;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::auth::TokenService;
use crate::config::Settings;
use crate::graphql;
use crate::metrics::Metrics;
use crate::state::AppState;

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Connects, migrates, seeds the demo tenant when enabled, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.validate()?;
        let statements = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let db = crate::db::prepare_counted(&settings, statements.clone()).await?;
        if settings.demo.enabled {
            crate::services::demo::ensure(&db)
                .await
                .map_err(crate::error::AppError::into_anyhow)?;
        }
        let metrics = Arc::new(Metrics::new()?);
        let mut cache = crate::cache::ReadCache::new(
            crate::cache::connect(&settings).await?,
            Duration::from_secs(settings.cache.ttl_seconds),
            Duration::from_millis(settings.redis.retry_after_ms),
            metrics.cache.clone(),
        );
        if !settings.cache.enabled {
            cache = cache.disabled();
        }
        let cache = Arc::new(cache);
        let commit_listener = crate::cache::listen_to_commits(cache.clone());
        let settings_storage = settings.storage.clone();
        let bus = Arc::new(crate::events::EventBus::connect(&settings).await?);
        crate::services::webhooks::configure(&settings.webhooks);
        let state = AppState {
            tokens: TokenService::new(&settings.auth),
            settings: Arc::new(settings),
            db,
            cache,
            commit_listener,
            metrics,
            statements,
            storage: Arc::new(crate::storage::Storage::open(&settings_storage)?),
            bus,
            documents: crate::state::document_cache(),
        };
        let app = Self::bind(state)?;
        crate::events::start(&app.state);
        Ok(app)
    }

    /// Binds the listener for already-built state.
    pub fn bind(state: AppState) -> anyhow::Result<Self> {
        let settings = state.settings.clone();
        let schema = graphql::Schemas::new(&settings.limits, state.clone());
        let listener = TcpListener::bind((settings.http.host.as_str(), settings.http.port))
            .with_context(|| format!("binding {}:{}", settings.http.host, settings.http.port))?;
        let port = listener.local_addr()?.port();
        let graphiql = settings.http.graphiql;
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(stamp_request_id))
                .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
                .app_data(web::Data::new(app_state.clone()))
                .app_data(web::Data::new(schema.clone()))
                .configure(|cfg| crate::http::routes(cfg, graphiql))
        })
        .listen(listener)?
        .shutdown_timeout(settings.http.shutdown_timeout_seconds)
        .client_request_timeout(Duration::from_secs(10));
        if settings.http.workers > 0 {
            server = server.workers(settings.http.workers);
        }
        Ok(Self {
            port,
            server: server.run(),
            state,
        })
    }

    /// The bound port (useful when the configuration asked for port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish (up to
    /// `http.shutdown_timeout_seconds`).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Puts the request id on every response as `x-request-id`, so a client can quote it.
async fn stamp_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    if let Some(id) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), id);
    }
    res.headers_mut().insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}
