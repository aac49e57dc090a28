//! The HTTP ceiling of `scripts/bench`: what actix-web itself does on this machine with nothing
//! behind it. It answers `POST /graphql` with a fixed GraphQL-shaped body, so the load generator
//! sends the same request shape to it as to Urakata, and Urakata's figures can be printed as a
//! share of this one.
//!
//!   http-ceiling PORT [WORKERS]

use actix_web::{App, HttpResponse, HttpServer, web};

// The same allocator as the server, so the ceiling is measured on the same footing.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BODY: &str = r#"{"data":{"ping":"pong"}}"#;

async fn answer(_body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(BODY)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(8089);
    let workers: usize = args
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    HttpServer::new(|| App::new().route("/graphql", web::post().to(answer)))
        .workers(workers)
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
