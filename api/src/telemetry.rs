//! Structured logging with `tracing`.
//!
//! Every HTTP request runs inside a root span (from `tracing-actix-web`) that carries its
//! `request_id`, so every line logged while serving it, in either format, names the request.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::Settings;

/// Installs the global subscriber. Safe to call more than once (later calls do nothing), which
/// the tests rely on.
pub fn init(settings: &Settings) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.log.filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE);
    let _ = if settings.json_logs() {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.with_target(false).try_init()
    };
}
