//! Builds the whole application from the start-up settings: database, migrations,
//! CSEBase, HTTP server. Used by `main` and by the integration tests, so both run the
//! same thing. It reads typed values from `startup::Settings` and hands them to the
//! parts; it parses no setting itself.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_service::{IntoServiceFactory, ServiceFactoryExt, map_config};
use actix_web::dev::{Server, fn_service};
use actix_web::{HttpServer, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::announcer;
use crate::binding::connections::Counted;
use crate::binding::console::{self, ConsoleState};
use crate::binding::cors;
use crate::binding::guard::HeadGuard;
use crate::binding::http::{self, HttpState};
use crate::binding::mqtt::{self, connection as mqtt_connection, connection::MqttSettings};
use crate::binding::ops::{self, OpsState};
use crate::binding::tls;
use crate::binding::upper_tester_endpoint::{self as upper_tester, UpperTesterState};
use crate::blocking::blocking;
use crate::config::Config;
use crate::core::resources::cse_base;
use crate::core::{Cse, expiry_sweep, polling_channel, timer_sweep};
use crate::error::CseResult;
use crate::metrics::{Held, Metrics};
use crate::notify::OutboxSignal;
use crate::notify::courier::{Courier, PollingSettings};
use crate::notify::deliver::{self, DeliverySettings, DeliveryStats};
use crate::notify::mqtt::MqttLink;
use crate::notify::polling_hub::PollingHub;
use crate::notify::send::{Sender, SenderSettings};
use crate::registree;
use crate::service::{GroupCommit, Service, nonblocking};
use crate::startup::Settings;
use crate::store::{Backend, Database, DatabaseTarget, DbConn, migrate};

/// A built, not yet running, onecse.
pub struct App {
    server: Server,
    /// The separate operations listener (`metrics_bind`), stopped with the main one.
    ops_server: Option<(Server, SocketAddr)>,
    service: Service,
    expiry_interval: Duration,
    timer_interval: Duration,
    delivery: DeliverySettings,
    request_worker: nonblocking::WorkerSettings,
    stats: Arc<DeliveryStats>,
    shutdown_grace: Duration,
    metrics: Metrics,
    local_addr: SocketAddr,
    /// `https` with the listener's TLS, else `http`.
    scheme: &'static str,
    backend: Backend,
    cse_base_path: String,
    /// How the registration with a registrar runs.
    registree: registree::Settings,
    /// The MQTT binding, connected once the app runs.
    mqtt: Option<(MqttLink, rumqttc::EventLoop, MqttSettings)>,
    /// Threads of the MQTT binding's runtime: as many as the HTTP workers.
    mqtt_threads: usize,
}

impl App {
    /// Parses `config` once ([`Settings::parse`]) and builds the application from it:
    /// what the integration tests call with the `Config` they adjusted.
    pub fn build(config: &Config) -> anyhow::Result<Self> {
        Self::from_settings(Settings::parse(config)?)
    }

    /// Opens the database, migrates it, makes sure the CSEBase exists and binds the
    /// listener. Every failure names what was wrong (unreachable database, port in
    /// use) so `main` can print it as one line.
    pub fn from_settings(settings: Settings) -> anyhow::Result<Self> {
        let Settings {
            config,
            database: target,
            cse: cse_settings,
            egress,
            log_format: _,
            authenticator,
            verifier: _,
            tls,
            notify_roots,
            mqtt,
            cors,
        } = settings;
        let scheme = if tls.is_some() { "https" } else { "http" };
        crate::startup::refuse_open_network(
            &config.bind,
            authenticator.authenticates(),
            config.allow_unauthenticated_network,
        )?;
        // Bind first: a taken port should fail before anything touches the database.
        let listener = TcpListener::bind(&config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let local_addr = listener
            .local_addr()
            .context("cannot read the listening address")?;
        let ops_listener = match &config.metrics_bind {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .with_context(|| format!("cannot listen on {addr} (metrics_bind)"))?,
            ),
            None => None,
        };
        let mut conn = connect_and_migrate(&target, config.database_wait_s)?;
        let metrics = Metrics::new(target.backend).context("cannot register the metrics")?;
        let pool_timeout = Duration::from_millis(config.pool_timeout_ms);
        let db = Database::open(&target, config.pool_size, pool_timeout)
            .with_context(|| format!("cannot open the connection pool for {}", target.redacted()))?
            .observing_pool_wait(metrics.pool_wait.clone());
        // The broker connection is made by `run_until_stopped`; the sender gets its
        // link now, so notifications to mqtt:// targets share it.
        let mqtt = mqtt.map(|settings| {
            let (link, eventloop) = mqtt_connection::open(
                &settings,
                &config.cse_id,
                Duration::from_millis(config.notify_timeout_ms),
                config.max_body_bytes.saturating_add(MQTT_PACKET_OVERHEAD),
            );
            (link, eventloop, settings)
        });
        let ops_state = web::Data::new(OpsState {
            metrics: metrics.clone(),
            db: db.clone(),
            mqtt: mqtt
                .as_ref()
                .map(|(link, _, settings)| (link.clone(), settings.required_for_ready)),
        });
        let cse = Cse::new(cse_settings, db);
        // The HTTP point of access, then the broker's when MQTT is on: an HTTP
        // client tries the first, a CSE on the same broker may use the second.
        let mut poa = vec![
            config
                .poa
                .clone()
                .unwrap_or_else(|| format!("{scheme}://{local_addr}")),
        ];
        if let Some((_, _, settings)) = &mqtt {
            poa.push(settings.broker.poa());
        }
        cse_base::ensure(&mut conn, &cse, &poa)?;
        drop(conn);

        let cse_base_path = cse.cse_name.clone();
        let sender = Sender::new(
            &config.cse_id,
            SenderSettings {
                connect_timeout: Duration::from_millis(config.notify_connect_timeout_ms),
                timeout: Duration::from_millis(config.notify_timeout_ms),
                policy: egress,
                per_target: config.notify_per_target,
                extra_roots: notify_roots,
            },
        )
        .context("cannot build the notification HTTP client")?;
        let sender = match &mqtt {
            Some((link, _, _)) => sender.with_mqtt(link.clone()),
            None => sender,
        };
        let delivery = DeliverySettings {
            concurrency: config.notify_concurrency,
            retry_base: Duration::from_millis(config.notify_retry_base_ms),
            retry_max: Duration::from_millis(config.notify_retry_max_ms),
            max_attempts: i32::try_from(config.notify_max_attempts).unwrap_or(i32::MAX),
            poll: Duration::from_millis(config.notify_poll_ms),
            lease: Duration::from_millis(config.notify_timeout_ms.saturating_mul(2).max(10_000)),
            queue_expiry: Duration::from_millis(config.polling_queue_expiry_ms),
        };
        let courier = Courier {
            cse: cse.clone(),
            sender,
            hub: PollingHub::default(),
            settings: PollingSettings {
                wait: Duration::from_millis(config.polling_wait_ms),
                wait_max: Duration::from_millis(config.polling_wait_max_ms),
                queue_expiry: Duration::from_millis(config.polling_queue_expiry_ms),
            },
        };
        let service = Service {
            cse,
            courier,
            outbox: OutboxSignal::default(),
            requests: OutboxSignal::default(),
            group_commit: GroupCommit::new(
                config.group_commit_max_batch,
                metrics.group_commit_batch_size.clone(),
            ),
            inline_point_reads: config.inline_point_reads,
            in_flight: Default::default(),
        };
        let state = web::Data::new(HttpState {
            service: service.clone(),
            max_body_bytes: config.max_body_bytes,
            body_timeout: Duration::from_millis(config.request_body_timeout_ms),
            authenticator,
            metrics: metrics.clone(),
        });
        let console = config.console.then(|| {
            web::Data::new(ConsoleState {
                schema: console::schema(
                    &config.cse_id,
                    &config.cse_name,
                    state.authenticator.authenticates(),
                )
                .to_string(),
            })
        });
        let ops_on_main = ops_listener.is_none();
        let main_ops = ops_state.clone();
        let upper_tester = service.cse.upper_tester.enabled().then(|| {
            tracing::warn!(
                "the Upper Tester interface (POST /__ut__) is on: test systems can change this CSE's behaviour; never enable upper_tester in production"
            );
            web::Data::new(UpperTesterState {
                switches: service.cse.upper_tester.clone(),
                expiry_interval: Duration::from_millis(config.expiry_interval_ms),
                request_lifetime: Duration::from_secs(config.request_lifetime_s),
                max_expiration_delta: Duration::from_secs(config.max_expiration_delta_s),
            })
        });
        let workers = config.workers.unwrap_or_else(|| {
            default_workers(service.cse.db.backend(), config.inline_point_reads)
        });
        let head_timeout = Duration::from_millis(config.request_head_timeout_ms);
        let max_header = config.max_header_bytes;
        // On SIGTERM/SIGINT actix stops accepting and lets requests in flight finish
        // for this long.
        let shutdown_grace = Duration::from_secs(config.shutdown_grace_s);
        // actix-web's HttpServer, spelled out so that each connection passes through
        // the TLS handshake when configured (`binding::tls`) and then the head guard
        // (see `binding::guard`), on the decrypted bytes, before the HTTP decoder. Beyond
        // max_connections new connections wait in the listen queue instead of taking
        // file descriptors; a head that comes too slowly (or never) is answered 408.
        let open_connections = metrics.open_connections.clone();
        let builder = Server::build();
        // Tells kept-alive connections to close when shutdown starts, as HttpServer
        // does, so a graceful stop does not wait for idle clients.
        let closing = builder.graceful_shutdown_signal();
        let server = builder
            .workers(workers)
            .max_concurrent_connections(config.max_connections.div_ceil(workers).max(1))
            .shutdown_timeout(config.shutdown_grace_s)
            .listen("onecse-http", listener, move || {
                let app = actix_web::App::new()
                    .wrap(cors::middleware(cors.as_ref()))
                    .wrap(TracingLogger::default())
                    .app_data(state.clone())
                    .app_data(main_ops.clone())
                    .configure(|cfg| {
                        if ops_on_main {
                            ops::routes(cfg);
                        }
                        if let Some(console_state) = &console {
                            cfg.app_data(console_state.clone());
                            console::routes(cfg);
                        }
                        if let Some(ut) = &upper_tester {
                            cfg.app_data(ut.clone());
                            upper_tester::routes(cfg);
                        }
                    })
                    .default_service(web::to(http::handle))
                    .into_factory()
                    .map_err(|err: actix_web::Error| err.error_response());
                let closing = closing.clone();
                let http = actix_http::HttpService::build()
                    .graceful_shutdown_signal(move || {
                        let closing = closing.clone();
                        async move { closing.notified().await }
                    })
                    .client_request_timeout(head_timeout)
                    .local_addr(local_addr)
                    .h1(map_config(app, |_| actix_web::dev::AppConfig::default()));
                let tls = tls.clone();
                // One per worker: the guard's copy of the decoder reads nothing of it.
                let decoder_config = actix_http::ServiceConfig::default();
                let open_connections = open_connections.clone();
                fn_service(move |io: actix_web::rt::net::TcpStream| {
                    let open = Held::take(&open_connections);
                    let peer = io.peer_addr().ok();
                    let tls = tls.clone();
                    let decoder_config = decoder_config.clone();
                    async move {
                        let stream = tls::accept(io, tls.as_ref(), head_timeout)
                            .await
                            .map_err(actix_http::error::DispatchError::Io)?;
                        let stream = Counted::new(stream, open);
                        Ok((HeadGuard::new(stream, max_header, decoder_config), peer))
                    }
                })
                .and_then(http)
            })
            .with_context(|| format!("cannot listen on {local_addr}"))?
            .run();
        let ops_server = match ops_listener {
            Some(listener) => Some(ops_server(listener, ops_state)?),
            None => None,
        };
        Ok(Self {
            server,
            ops_server,
            service,
            expiry_interval: Duration::from_millis(config.expiry_interval_ms),
            timer_interval: Duration::from_millis(config.timer_interval_ms),
            delivery,
            request_worker: nonblocking::WorkerSettings {
                concurrency: config.request_concurrency,
                poll: Duration::from_millis(config.request_poll_ms),
                lease_s: REQUEST_LEASE_S,
            },
            stats: Arc::clone(&metrics.delivery),
            metrics,
            shutdown_grace,
            local_addr,
            scheme,
            backend: target.backend,
            cse_base_path,
            registree: registree::Settings {
                poa,
                check_interval: Duration::from_secs(config.registrar_check_interval_s),
                deregister_on_stop: config.registrar_deregister_on_stop,
            },
            mqtt,
            mqtt_threads: workers,
        })
    }

    /// Stops the server (and with it the expiry and delivery tasks) from elsewhere.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where `/metrics` and the health endpoints are served when `metrics_bind` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.ops_server.as_ref().map(|(_, addr)| *addr)
    }

    /// Delivery counters (delivered, retried, given up).
    pub fn delivery_stats(&self) -> Arc<DeliveryStats> {
        Arc::clone(&self.stats)
    }

    /// The database engine in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// `http://<addr>` (`https://` with the listener's TLS): where clients connect.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.local_addr)
    }

    /// `http://<addr>/<cse-name>` (`https://` with TLS), the URL of the CSEBase.
    pub fn cse_base_url(&self) -> String {
        format!("{}/{}", self.origin(), self.cse_base_path)
    }

    /// Serves until the server is stopped (SIGINT/SIGTERM in the binary, gracefully);
    /// the expiry and delivery tasks run alongside. Once the server has stopped,
    /// delivery is asked to stop claiming and gets the shutdown grace period to finish
    /// the sends in flight and record their results; whatever is still unrecorded then
    /// stays leased in the outbox and is sent again after its lease (at least once).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let (expiry_interval, timer_interval) = (self.expiry_interval, self.timer_interval);
        let removed_total = self.metrics.expired_removed.clone();
        let polling_expired = self.metrics.polling_expired.clone();
        let expiry = tokio::spawn(background_loop(
            "expiry sweep",
            self.service.cse.clone(),
            self.service.outbox.clone(),
            // The Upper Tester may shorten the interval while the CSE runs.
            move |cse: &Cse| cse.upper_tester.expiry_interval(expiry_interval),
            move |cse| {
                let swept = expiry_sweep::sweep(cse)?;
                removed_total.inc_by(swept.removed as u64);
                polling_expired.inc_by(polling_channel::drop_expired(cse)? as u64);
                if swept.removed > 0 {
                    tracing::debug!(removed = swept.removed, "removed expired resources");
                }
                Ok(swept.queued_notifications)
            },
        ));
        let timers = tokio::spawn(background_loop(
            "timer run",
            self.service.cse.clone(),
            self.service.outbox.clone(),
            move |_: &Cse| timer_interval,
            |cse| {
                let fired = timer_sweep::sweep(cse)?;
                if fired.fired > 0 {
                    tracing::debug!(fired = fired.fired, "ran due resource timers");
                }
                Ok(fired.queued_notifications)
            },
        ));
        let ops = self.ops_server.map(|(server, _)| {
            let handle = server.handle();
            (handle, tokio::spawn(server))
        });
        let registration = tokio::spawn(registree::run(
            self.service.cse.clone(),
            self.service.courier.sender.clone(),
            self.registree,
            stop.clone(),
        ));
        let announcements = tokio::spawn(announcer::run(
            self.service.cse.clone(),
            self.service.courier.sender.clone(),
            ANNOUNCEMENT_POLL,
        ));
        let mqtt = match self.mqtt {
            Some((link, eventloop, settings)) => Some(serve_mqtt(
                self.mqtt_threads,
                link,
                eventloop,
                settings,
                self.service.clone(),
                self.metrics.clone(),
            )?),
            None => None,
        };
        let requests = tokio::spawn(nonblocking::run(
            self.service.clone(),
            self.request_worker,
            stop.clone(),
        ));
        let mut delivery = tokio::spawn(deliver::run(
            self.service.cse,
            self.service.outbox,
            self.service.courier.hub,
            self.service.courier.sender,
            self.delivery,
            self.stats,
            stop,
        ));
        let result = self.server.await;
        expiry.abort();
        timers.abort();
        requests.abort();
        announcements.abort();
        // Dropping the sender stops the MQTT binding's runtime.
        drop(mqtt);
        let _ = stop_tx.send(true);
        // Deregistration (when configured) gets the grace period too.
        if tokio::time::timeout(self.shutdown_grace, registration)
            .await
            .is_err()
        {
            tracing::warn!("deregistration did not finish within the shutdown grace period");
        }
        if tokio::time::timeout(self.shutdown_grace, &mut delivery)
            .await
            .is_err()
        {
            tracing::warn!(
                grace_s = self.shutdown_grace.as_secs(),
                "notification sends still in flight at the end of the shutdown grace period; their leases expire and they are sent again"
            );
            delivery.abort();
        }
        if let Some((handle, task)) = ops {
            handle.stop(true).await;
            let _ = task.await;
        }
        result
    }
}

/// Runs the MQTT binding on a runtime of its own with `threads` workers, the way the
/// HTTP binding has its own workers: the application's runtime is single-threaded
/// (actix's system), and requests that run on the calling thread (point reads) would
/// otherwise all queue behind each other and behind the connection's event loop. The
/// binding stops when the returned sender is dropped.
fn serve_mqtt(
    threads: usize,
    link: MqttLink,
    eventloop: rumqttc::EventLoop,
    settings: MqttSettings,
    service: Service,
    metrics: Metrics,
) -> std::io::Result<tokio::sync::oneshot::Sender<()>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .thread_name("onecse-mqtt")
        .enable_all()
        .build()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::Builder::new()
        .name("onecse-mqtt".into())
        .spawn(move || {
            runtime.block_on(async move {
                tokio::select! {
                    () = mqtt::serve(link, eventloop, settings, service, metrics) => {}
                    _ = stopped => {}
                }
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        })?;
    Ok(stop)
}

/// Room for an MQTT packet's header, topic and primitive members beyond its content
/// (the content itself is bounded by `max_body_bytes`, as over HTTP).
const MQTT_PACKET_OVERHEAD: usize = 64 * 1024;

/// How long a claimed non-blocking request is held by its worker: one that was
/// interrupted (a crash) runs again this long after it was claimed.
const REQUEST_LEASE_S: i64 = 300;

/// How often the announcement worker looks for due work when it found none.
const ANNOUNCEMENT_POLL: Duration = Duration::from_millis(250);

/// Longest pause of a background task after repeated database failures.
const BACKGROUND_BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Runs `work` every `interval` on the blocking pool (the expiry sweep, the resource
/// timers) and wakes delivery when it queued notifications (`work` returns how
/// many). While the database fails, the pause doubles up to 30 s, so an outage gives
/// a few warnings, not one per tick.
async fn background_loop(
    what: &'static str,
    cse: Cse,
    outbox: OutboxSignal,
    interval: impl Fn(&Cse) -> Duration + Send + 'static,
    work: impl Fn(&Cse) -> CseResult<usize> + Clone + Send + 'static,
) {
    let mut failures: u32 = 0;
    loop {
        let interval = interval(&cse);
        let pause = interval
            .saturating_mul(1 << failures.min(16))
            .min(BACKGROUND_BACKOFF_MAX.max(interval));
        tokio::time::sleep(pause).await;
        let cse = cse.clone();
        let work = work.clone();
        match blocking(move || work(&cse)).await {
            Ok(Ok(queued)) => {
                if failures > 0 {
                    tracing::info!(task = what, failures, "background task works again");
                }
                failures = 0;
                outbox.wake_if(queued);
            }
            Ok(Err(err)) | Err(err) => {
                failures = failures.saturating_add(1);
                tracing::warn!(task = what, error = %err, failures, "background task failed; retrying with backoff")
            }
        }
    }
}

/// First pause between attempts to reach the database at start-up; doubles per attempt.
const CONNECT_BACKOFF_START: Duration = Duration::from_millis(250);
/// Longest pause between attempts to reach the database at start-up.
const CONNECT_BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Opens one connection, retrying PostgreSQL for up to `wait` with capped exponential
/// backoff (a container orchestrator starts onecse and its database together), one
/// WARN line per failed attempt that will be retried. SQLite is tried once: its
/// failures (a missing directory, permissions) do not heal by waiting.
fn connect_waiting(target: &DatabaseTarget, wait: Duration) -> anyhow::Result<DbConn> {
    let started = std::time::Instant::now();
    let mut pause = CONNECT_BACKOFF_START;
    let mut attempt: u32 = 1;
    loop {
        let err = match target.connect() {
            Ok(conn) => return Ok(conn),
            Err(err) => err,
        };
        // libpq spreads its reasons over several lines; logs want one.
        let reason = err
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let elapsed = started.elapsed();
        if target.backend != Backend::Postgres || elapsed + pause > wait {
            let tried = if attempt > 1 {
                format!(" after {attempt} attempts in {} s", elapsed.as_secs())
            } else {
                String::new()
            };
            anyhow::bail!(
                "cannot open the {} database {}{tried}: {reason}",
                target.backend,
                target.redacted()
            );
        }
        tracing::warn!(
            attempt,
            database = %target.redacted(),
            error = %reason,
            retry_in_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
            "cannot reach the database yet; retrying"
        );
        std::thread::sleep(pause);
        pause = (pause * 2).min(CONNECT_BACKOFF_MAX);
        attempt += 1;
    }
}

/// The separate listener of `metrics_bind`: only the operations endpoints, one worker
/// (a scrape every few seconds needs no more).
fn ops_server(
    listener: TcpListener,
    state: web::Data<OpsState>,
) -> anyhow::Result<(Server, SocketAddr)> {
    let addr = listener
        .local_addr()
        .context("cannot read the metrics listening address")?;
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .configure(ops::routes)
    })
    .workers(1)
    .listen(listener)
    .with_context(|| format!("cannot listen on {addr} (metrics_bind)"))?
    .run();
    Ok((server, addr))
}

/// Opens one connection to the configured database and applies pending migrations
/// (what `onecse migrate` does). Returns the open connection for further start-up work.
pub fn open_and_migrate(settings: &Settings) -> anyhow::Result<DbConn> {
    connect_and_migrate(&settings.database, settings.config.database_wait_s)
}

/// Opens one connection to `target`, waiting up to `wait_s` seconds for PostgreSQL,
/// and applies pending migrations.
fn connect_and_migrate(target: &DatabaseTarget, wait_s: u64) -> anyhow::Result<DbConn> {
    let mut conn = connect_waiting(target, Duration::from_secs(wait_s))?;
    let ran = migrate::run_pending(&mut conn)
        .map_err(|e| anyhow::anyhow!("cannot migrate the database {}: {e}", target.redacted()))?;
    if ran > 0 {
        tracing::info!(migrations = ran, database = %target.redacted(), "applied database migrations");
    }
    Ok(conn)
}

/// HTTP workers when `workers` is unset: one per CPU core, two per core on PostgreSQL
/// with `inline_point_reads`, where a worker waits for the database's answer during a
/// point read and another must have the core meanwhile (on 2 cores, 4 workers served
/// `retrieve-latest` at 1.3× the rate of 2, with writes unchanged; without inline
/// reads 4 workers gained little and lengthened the tail: docs/performance-lab-notes.md).
fn default_workers(backend: Backend, inline_point_reads: bool) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    match backend {
        Backend::Postgres if inline_point_reads => cores * 2,
        _ => cores,
    }
}
