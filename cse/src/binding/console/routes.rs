//! The console's routes, registered before the oneM2M catch-all: `/console` (to
//! `/console/`), the files, and `schema.json`. Only GET and HEAD; everything else
//! under `/console` answers 405 rather than reaching the oneM2M handler.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, HttpResponseBuilder, web};

use super::assets::{CONTENT_SECURITY_POLICY, find};

/// The path the console is served under; a CSEBase may not take this name while the
/// console is on.
pub const CONSOLE_PATH: &str = "console";

/// What the console's routes serve besides the files.
#[derive(Clone)]
pub struct ConsoleState {
    /// `schema.json`, rendered once at start-up.
    pub schema: String,
}

/// Registers the console's routes; call before the catch-all `default_service`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/console")
            .route(web::get().to(to_index))
            .route(web::head().to(to_index)),
    )
    .service(
        web::resource("/console/schema.json")
            .route(web::get().to(schema))
            .route(web::head().to(schema)),
    )
    .service(
        web::resource("/console/{file:.*}")
            .route(web::get().to(file))
            .route(web::head().to(file)),
    );
}

async fn to_index() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/console/"))
        .finish()
}

async fn schema(state: web::Data<ConsoleState>) -> HttpResponse {
    secured(HttpResponse::Ok())
        .content_type("application/json")
        .body(state.schema.clone())
}

async fn file(path: web::Path<String>) -> HttpResponse {
    let name = match path.as_str() {
        "" => "index.html",
        name => name,
    };
    match find(name) {
        Some(asset) => secured(HttpResponse::Ok())
            .content_type(asset.media_type)
            .body(asset.body),
        None => secured(HttpResponse::NotFound())
            .content_type("text/plain; charset=utf-8")
            .body(format!("the console has no file {name}")),
    }
}

/// The headers every console answer carries: the strict CSP, no sniffing, no
/// referrer, and revalidation so a new onecse's files are used at once.
fn secured(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    builder
}
