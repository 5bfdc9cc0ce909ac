//! Builds the whole application from a `Config`: database, migrations, CSEBase, HTTP
//! server. Used by `main` and by the integration tests, so both run the same thing.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::{HttpServer, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::binding::http::{self, HttpState};
use crate::config::Config;
use crate::core::{Cse, bootstrap};
use crate::store::{Backend, DatabaseTarget, DbConn, build_pool, migrate};

/// A built, not yet running, onecse.
pub struct App {
    server: Server,
    local_addr: SocketAddr,
    backend: Backend,
    cse_base_path: String,
}

impl App {
    /// Opens the database, migrates it, makes sure the CSEBase exists and binds the
    /// listener. Every failure names what was wrong (bad URL, unreachable database,
    /// port in use) so `main` can print it as one line.
    pub fn build(config: &Config) -> anyhow::Result<Self> {
        config.validate()?;
        // Bind first: a taken port should fail before anything touches the database.
        let listener = TcpListener::bind(&config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let local_addr = listener
            .local_addr()
            .context("cannot read the listening address")?;
        let (target, mut conn) = open_and_migrate(config)?;
        let pool = build_pool(&target, config.pool_size).with_context(|| {
            format!("cannot open the connection pool for {}", target.redacted())
        })?;
        let cse = Cse::new(config, pool);
        let poa = config
            .poa
            .clone()
            .unwrap_or_else(|| format!("http://{local_addr}"));
        bootstrap::ensure_cse_base(&mut conn, &cse, &poa)?;
        drop(conn);

        let cse_base_path = cse.cse_name.clone();
        let state = web::Data::new(HttpState {
            cse,
            max_body_bytes: config.max_body_bytes,
        });
        let mut server = HttpServer::new(move || {
            actix_web::App::new()
                .wrap(TracingLogger::default())
                .app_data(state.clone())
                .default_service(web::to(http::handle))
        });
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        let server = server
            .listen(listener)
            .with_context(|| format!("cannot listen on {local_addr}"))?
            .run();
        Ok(Self {
            server,
            local_addr,
            backend: target.backend,
            cse_base_path,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The database engine in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// `http://<addr>/<cse-name>`, the URL of the CSEBase.
    pub fn cse_base_url(&self) -> String {
        format!("http://{}/{}", self.local_addr, self.cse_base_path)
    }

    /// Serves until the server is stopped (SIGINT/SIGTERM in the binary).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Opens one connection and applies pending migrations (what `onecse migrate` does).
/// Returns the target and the open connection for further start-up work.
pub fn open_and_migrate(config: &Config) -> anyhow::Result<(DatabaseTarget, DbConn)> {
    let target = DatabaseTarget::parse(&config.database_url)
        .map_err(|e| anyhow::anyhow!("database URL: {e}"))?;
    let mut conn = target.connect().with_context(|| {
        format!(
            "cannot open the {} database {}",
            target.backend,
            target.redacted()
        )
    })?;
    let ran = migrate::run_pending(&mut conn)
        .map_err(|e| anyhow::anyhow!("cannot migrate the database {}: {e}", target.redacted()))?;
    if ran > 0 {
        tracing::info!(migrations = ran, database = %target.redacted(), "applied database migrations");
    }
    Ok((target, conn))
}
