//! The table of every setting, grouped by concern, and the checks on their values.
//!
//! Adding a setting is one entry here: a doc comment (its help text) and one line
//! `name: Type = default[, unset = "…"][, value_name = "…"];`. From it `settings!`
//! makes the `Config` field and default, the flag `--name-with-dashes` (global, so it
//! works after a subcommand too), the variable `ONECSE_NAME`, the TOML key `name`,
//! the help line with `[default: …]` appended (the default's value, or the `unset`
//! text when the default is `None`), and the layering. `value_name` names the value in
//! `--help` (clap's default is the upper-cased name). Then, if some values are wrong,
//! refuse them in `Config::check_plain_values` (a check on the value alone) or, when the
//! value becomes a typed one (a URL, a policy, a key), parse it in `startup`, which
//! hands the typed value to the part that uses it. This module holds plain values
//! only and names no other part of the crate (a test in `tests.rs` says so).
//!
//! Why the groups are `--help` headings and not nested structs: each setting keeps one
//! flat name, spelled the same way in every source (`notify_timeout_ms`,
//! `--notify-timeout-ms`, `ONECSE_NOTIFY_TIMEOUT_MS`), which is what users already
//! write in files, scripts and unit files. Nested `[notify]` tables would give every
//! key a second spelling to document, test and resolve conflicts between (or break the
//! flat keys), and would move every `config.x` read in the rest of the crate. The
//! `notify_`/`expiry_` prefixes already say the concern where a field is read.

use onecse_models::id::{is_unreserved_id, validate_cse_id, validate_resource_name};

use super::Secret;
use super::declare::settings;

settings! {
    "HTTP" {
        /// Address to listen on for HTTP (host:port; port 0 picks a free one)
        bind: String = "127.0.0.1:8080".into(), value_name = "HOST:PORT";
        /// HTTP worker threads
        workers: Option<usize> = None, unset = "one per CPU core; two per core on PostgreSQL with inline_point_reads", value_name = "N";
        /// Largest accepted request body, in bytes
        max_body_bytes: usize = 1024 * 1024, value_name = "BYTES";
        /// Longest request header line (name, colon and value) accepted, in bytes; a
        /// longer one is answered 4000 and the connection closed (at most 61440)
        max_header_bytes: usize = 16 * 1024, value_name = "BYTES";
        /// Time a client has to send a request's head (request line and headers) once
        /// it connected or sent the previous request, in milliseconds; then HTTP 408
        request_head_timeout_ms: u64 = 5000, value_name = "MS";
        /// Time a client has to send a request's whole body once its head arrived, in
        /// milliseconds; then 4000 and the connection is closed
        request_body_timeout_ms: u64 = 10_000, value_name = "MS";
        /// Connections served at once, over all workers; more wait in the listen
        /// queue. Keep it below the file-descriptor limit (ulimit -n) minus pool_size
        /// and notify_concurrency
        max_connections: usize = 768, value_name = "N";
        /// Point of access advertised in the CSEBase poa
        poa: Option<String> = None, unset = "http://HOST:PORT of the listener", value_name = "URL";
    }
    "Web console and CORS" {
        /// Serve the web console at /console: a browser application that speaks
        /// oneM2M to this CSE with the user's originator (and token), seeing only what
        /// access control lets that originator see
        console: bool = true, value_name = "true|false";
        /// Origins (scheme://host[:port], comma-separated) whose browser pages may send
        /// oneM2M requests to this CSE (CORS): their preflight requests are answered
        /// and the oneM2M response headers exposed to them; other origins get no CORS
        /// headers, so browsers keep their pages from reading the answers
        cors_allowed_origins: Option<String> = None, unset = "CORS off: only pages served by this CSE", value_name = "ORIGINS";
    }
    "MQTT" {
        /// Broker the MQTT binding (TS-0010) connects to: mqtt://HOST:PORT or
        /// mqtts://HOST:PORT (TLS; ports 1883 and 8883 when left out); requests to this
        /// CSE are taken from its oneM2M topics, and notifications to mqtt:// targets
        /// are published there
        mqtt_url: Option<String> = None, unset = "MQTT off", value_name = "URL";
        /// MQTT client identifier; each process of one CSE needs its own
        mqtt_client_id: Option<String> = None, unset = "C::CSE-ID without its leading /, plus a random suffix with mqtt_share_group", value_name = "ID";
        /// User name to log in to the broker with
        mqtt_username: Option<String> = None, unset = "none", value_name = "NAME";
        /// Password to log in to the broker with (with mqtt_username); never printed
        mqtt_password: Option<Secret> = None, unset = "none", value_name = "SECRET";
        /// PEM file with the CA certificates an mqtts broker's certificate must chain to
        mqtt_ca_file: Option<String> = None, unset = "required for mqtts", value_name = "FILE";
        /// MQTT keep-alive interval, in seconds (0: none)
        mqtt_keep_alive_s: u64 = 60, value_name = "S";
        /// Shared-subscription group: the processes of one CSE that name the same group
        /// share its request topics, so each request is handled by one of them
        mqtt_share_group: Option<String> = None, unset = "not shared (one process)", value_name = "NAME";
        /// Longest pause between reconnection attempts to the broker, in milliseconds
        /// (the pause starts at 500 ms and doubles)
        mqtt_reconnect_max_ms: u64 = 30_000, value_name = "MS";
        /// Whether /readyz answers 503 while the broker is not connected (it always
        /// reports the MQTT state)
        mqtt_required_for_ready: bool = false, value_name = "true|false";
    }
    "TLS" {
        /// PEM file with the listener's certificate chain (its own certificate first);
        /// with tls_key_file the listener serves HTTPS only, without it plain HTTP
        tls_cert_file: Option<String> = None, unset = "plain HTTP", value_name = "FILE";
        /// PEM file with the private key of tls_cert_file (PKCS#8, PKCS#1 or SEC1)
        tls_key_file: Option<String> = None, unset = "plain HTTP", value_name = "FILE";
        /// PEM file with the CA certificates client certificates must be signed by; when
        /// set, a client without such a certificate is refused during the TLS handshake
        tls_client_ca_file: Option<String> = None, unset = "no client certificates asked", value_name = "FILE";
    }
    "Metrics" {
        /// A separate address (host:port) for /metrics, /healthz and /readyz; when set
        /// they are served there and no longer on the main listener
        metrics_bind: Option<String> = None, unset = "served on the main listener", value_name = "HOST:PORT";
    }
    "Database" {
        /// Database: postgres://user@host/db for PostgreSQL, sqlite://FILE or a file path
        /// (relative to the working directory) for the embedded SQLite
        database_url: String = "onecse.db".into(), value_name = "URL";
        /// Maximum number of database connections
        pool_size: u32 = 16, value_name = "N";
        /// On PostgreSQL, most concurrent creates of instances (contentInstance,
        /// timeSeriesInstance, …) into one parent that share one transaction, each in
        /// its own savepoint (group commit: one row lock and one WAL flush for them
        /// all); 1 turns it off
        group_commit_max_batch: usize = 64, value_name = "N";
        /// On PostgreSQL, run point reads (a RETRIEVE of one resource, `la` or `ol`,
        /// without filter criteria or child resources) on the HTTP worker when a pooled
        /// connection is idle, instead of handing them to the blocking pool and back;
        /// turn it off when round trips to the database take a millisecond or more,
        /// as the worker serves none of its other connections while it waits
        inline_point_reads: bool = true, value_name = "true|false";
    }
    "Discovery and listings" {
        /// Rows one discovery or child listing examines for a page (beyond those
        /// passed over to reach ofst) when conditions or access are checked row by
        /// row; past it a page holding a result ends and says where to continue
        /// (X-M2M-CTS, X-M2M-CTO)
        scan_max_rows: usize = 10_000, value_name = "N";
        /// Longest a discovery or child listing examines rows, in milliseconds; then
        /// it answers what it found and says where to continue (X-M2M-CTS, X-M2M-CTO)
        scan_max_ms: u64 = 1000, value_name = "MS";
    }
    "Identity" {
        /// SP-relative CSE-ID of this CSE
        cse_id: String = "/id-in".into(), value_name = "ID";
        /// Resource name of the CSEBase; the tree is served under /NAME
        cse_name: String = "cse-in".into(), value_name = "NAME";
        /// M2M-SP-ID (without //) for absolute addresses /_/SP-ID/CSE-ID/…
        sp_id: String = "acme.example.com".into(), value_name = "DOMAIN";
        /// Originator that may do anything (administration)
        admin_originator: String = "CAdmin".into(), value_name = "ORIGINATOR";
    }
    "Several CSEs" {
        /// What this CSE is: IN (an infrastructure node, the root of its service
        /// provider, with no registrar) or MN (a middle node, which registers with the
        /// registrar at registrar_url)
        cse_type: String = "IN".into(), value_name = "IN|MN";
        /// Base URL of the registrar's HTTP binding (e.g. http://in.example.com:8080),
        /// where an MN-CSE registers at start-up and sends what it forwards upwards
        registrar_url: Option<String> = None, unset = "no registrar", value_name = "URL";
        /// SP-relative CSE-ID of the registrar
        registrar_cse_id: String = "/id-in".into(), value_name = "ID";
        /// Resource name of the registrar's CSEBase
        registrar_cse_name: String = "cse-in".into(), value_name = "NAME";
        /// How often a registered CSE checks that the registrar still holds its
        /// registration (and registers again when it lost it), in seconds
        registrar_check_interval_s: u64 = 60, value_name = "S";
        /// Whether stopping deregisters from the registrar (DELETE of this CSE's
        /// remoteCSE there, then of the local one); set false when several processes
        /// serve this CSE and one of them stops while the others go on
        registrar_deregister_on_stop: bool = true, value_name = "true|false";
    }
    "Access control" {
        /// Originators that may register AEs: comma-separated patterns where `*` matches
        /// any characters but `/` (a lone `*`: anyone); an absent originator counts as `C`
        registration_originators: String = "*".into(), value_name = "PATTERNS";
        /// CSEs that may register with this one (CREATE a remoteCSE): comma-separated
        /// SP-relative CSE-ID patterns where `*` matches any characters but `/`
        /// (e.g. /id-mn*); others are refused with 4107. The CSEBase's policies are
        /// not asked
        registration_cse_originators: Option<String> = None, unset = "no CSE may register", value_name = "PATTERNS";
        /// Prefixes an AE-ID must start with, comma-separated; AE-IDs the CSE assigns
        /// start with the first prefix of their letter (C or S)
        ae_id_prefixes: Option<String> = None, unset = "any AE-ID", value_name = "PREFIXES";
        /// Who may access a resource without accessControlPolicyIDs: `creator` (its
        /// creator and the administrator, as TS-0001 says) or `parent` (its creator, and
        /// whoever its parent's decision lets in)
        default_access: String = "creator".into(), value_name = "creator|parent";
    }
    "Notifications" {
        /// Notifications sent at once by this process
        notify_concurrency: usize = 32, value_name = "N";
        /// Time limit of one notification request, in milliseconds
        notify_timeout_ms: u64 = 5000, value_name = "MS";
        /// Time limit to connect to a notification target, in milliseconds
        notify_connect_timeout_ms: u64 = 2000, value_name = "MS";
        /// Delay before retrying a failed notification, doubled per attempt, in milliseconds
        notify_retry_base_ms: u64 = 1000, value_name = "MS";
        /// Longest delay between notification attempts, in milliseconds
        notify_retry_max_ms: u64 = 300_000, value_name = "MS";
        /// Attempts before a notification is given up (logged and counted, kept in the
        /// outbox table)
        notify_max_attempts: u32 = 12, value_name = "N";
        /// How often the outbox is polled when no wake-up arrives (rows of other
        /// processes, retries), in milliseconds
        notify_poll_ms: u64 = 500, value_name = "MS";
        /// Networks (comma-separated CIDRs) that notifications and other outgoing
        /// requests may reach although they are not public: loopback, private,
        /// link-local, shared, multicast, documentation, benchmarking, reserved and
        /// the IPv6 transition ranges are refused unless listed here (e.g.
        /// 127.0.0.0/8,::1 for receivers on this machine, 10.0.0.0/8 for a site
        /// network)
        notify_allowed_networks: Option<String> = None, unset = "public addresses only", value_name = "CIDRS";
        /// PEM file with CA certificates trusted for https notification targets (and
        /// other outgoing https requests) besides the system's root certificates, e.g.
        /// a site's private CA
        notify_ca_file: Option<String> = None, unset = "system roots only", value_name = "FILE";
        /// Most notification targets (nu entries) one subscription may name
        notify_max_targets: usize = 32, value_name = "N";
        /// Requests in flight to one host and port at most
        notify_per_target: usize = 4, value_name = "N";
    }
    "Non-blocking requests" {
        /// Non-blocking requests (rt 1, 2, 5) one originator may have accepted and
        /// not finished; more are refused with 5207
        request_max_pending_per_originator: usize = 64, value_name = "N";
        /// How long a request resource is kept after the request's deadlines (rqet, rset,
        /// oet) when the request gives no rp, in seconds
        request_lifetime_s: u64 = 600, value_name = "S";
        /// Non-blocking requests run at the same time by this process
        request_concurrency: usize = 4, value_name = "N";
        /// How often waiting non-blocking requests are looked for (an accepted one
        /// wakes the worker at once), in milliseconds
        request_poll_ms: u64 = 500, value_name = "MS";
    }
    "Polling channels" {
        /// How long a long poll of a pollingChannel's pcu (or a NOTIFY relayed to a
        /// polling AE) without X-M2M-RET waits, and how long a subscription
        /// verification waits for a polling AE's answer, in milliseconds; then 4008
        /// (5204 for a verification)
        polling_wait_ms: u64 = 10_000, value_name = "MS";
        /// Longest wait of a long poll or of a NOTIFY relayed to a polling AE,
        /// whatever X-M2M-RET asks, in milliseconds
        polling_wait_max_ms: u64 = 60_000, value_name = "MS";
        /// How long a request queued for a polling AE without its own X-M2M-RET
        /// (notifications, verifications) waits to be polled before it is dropped, in
        /// milliseconds
        polling_queue_expiry_ms: u64 = 600_000, value_name = "MS";
    }
    "Expiry" {
        /// How often expired resources are removed, in milliseconds
        expiry_interval_ms: u64 = 1000, value_name = "MS";
        /// Longest lifetime a resource may have, in seconds: an expirationTime further
        /// away is lowered to now plus this, and a resource created without one gets it
        /// (or its parent's, if sooner)
        max_expiration_delta_s: u64 = 157_680_000, value_name = "S";
    }
    "Testing" {
        /// Serve the Upper Tester interface (POST /__ut__ with X-M2M-UTCMD) that test
        /// systems use to switch on short expirations; test-only, never in production
        upper_tester: bool = false, value_name = "true|false";
    }
    "Timers" {
        /// How often due resource timers (missing-data detection of timeSeries) run,
        /// in milliseconds: a missing point is reported up to this much after mdt
        timer_interval_ms: u64 = 250, value_name = "MS";
    }
    "Authentication" {
        /// Originator authentication: none, or jwt (every request carries
        /// Authorization: Bearer TOKEN, a JWT whose sub is the originator)
        auth: String = "none".into(), value_name = "none|jwt";
        /// Serve with auth = none on an address other hosts can reach (a bind that is
        /// not loopback): every originator, the administrator included, is taken at its
        /// word; without this, onecse refuses to start so
        allow_unauthenticated_network: bool = false, value_name = "true|false";
        /// File holding the HS256 secret: its text without surrounding white space, at
        /// least 32 bytes
        jwt_secret_file: Option<String> = None, unset = "none", value_name = "FILE";
        /// The HS256 secret itself, at least 32 bytes; never printed (prefer the
        /// variable or jwt_secret_file to the flag, which other local users can see)
        jwt_secret: Option<Secret> = None, unset = "none", value_name = "SECRET";
        /// PEM file with the public key tokens are verified with: RSA for RS256, EC
        /// P-256 for ES256, EC P-384 for ES384
        jwt_public_key_file: Option<String> = None, unset = "none", value_name = "FILE";
        /// Issuer (iss) a token must name
        jwt_issuer: Option<String> = None, unset = "not checked", value_name = "ISSUER";
        /// Audience (aud) a token must include
        jwt_audience: Option<String> = None, unset = "not checked", value_name = "AUDIENCE";
        /// Clock difference allowed when checking a token's exp and nbf, in seconds
        jwt_leeway_s: u64 = 30, value_name = "S";
        /// Longest lifetime a token may have left: one whose exp is further from now
        /// (plus the leeway) is refused, and `onecse token` issues none longer, in
        /// seconds
        jwt_max_lifetime_s: u64 = 86_400, value_name = "S";
    }
    "Lifecycle" {
        /// Log format: text (for people) or json (one JSON object per line, for log
        /// collectors)
        log_format: String = "text".into(), value_name = "text|json";
        /// How long start-up and `onecse migrate` wait for PostgreSQL to accept a
        /// connection, retrying with backoff, in seconds (0: try once)
        database_wait_s: u64 = 60, value_name = "S";
        /// Longest a request waits for a database connection before it fails with
        /// 5000 "the database is unreachable", in milliseconds
        pool_timeout_ms: u64 = 5000, value_name = "MS";
        /// On SIGTERM or SIGINT, how long requests and notification sends in flight
        /// may take to finish before the process exits anyway, in seconds
        shutdown_grace_s: u64 = 30, value_name = "S";
    }
}

impl Config {
    /// Checks the settings that need nothing but their own values (ranges, identifier
    /// syntax), so a bad one stops start-up with a message naming it. The settings that
    /// become typed values are checked by parsing them, in `startup::Settings::parse`,
    /// which runs this first; nothing else needs to call it.
    pub fn check_plain_values(&self) -> anyhow::Result<()> {
        validate_cse_id(&self.cse_id).map_err(|p| anyhow::anyhow!("CSE-ID: {}", p.message))?;
        validate_resource_name(&self.cse_name)
            .map_err(|p| anyhow::anyhow!("CSE name: {}", p.message))?;
        if self.cse_name == "-" {
            anyhow::bail!("CSE name: '-' is reserved as the CSEBase shortcut");
        }
        if !is_unreserved_id(&self.admin_originator) {
            anyhow::bail!(
                "admin originator '{}' must be a non-empty ID of letters, digits, '-', '.', '_' or '~'",
                self.admin_originator
            );
        }
        if self.sp_id.is_empty()
            || self.sp_id.contains('/')
            || self.sp_id != self.sp_id.to_lowercase()
        {
            anyhow::bail!(
                "SP-ID '{}' must be a lower-case domain name without slashes",
                self.sp_id
            );
        }
        if self.max_body_bytes == 0 {
            anyhow::bail!("max body size must be at least 1 byte");
        }
        if self.request_head_timeout_ms == 0 || self.request_body_timeout_ms == 0 {
            anyhow::bail!("request head and body timeouts must be at least 1 ms");
        }
        if !(1..=61_440).contains(&self.max_header_bytes) {
            // Below 64 KiB: actix-http panics on a header name of 64 KiB or more.
            anyhow::bail!("max header bytes must be between 1 and 61440");
        }
        if self.max_connections == 0 {
            anyhow::bail!("max connections must be at least 1");
        }
        if self.pool_size == 0 {
            anyhow::bail!("pool size must be at least 1");
        }
        if self.group_commit_max_batch == 0 {
            anyhow::bail!("group commit max batch must be at least 1 (1 turns it off)");
        }
        if self.notify_max_targets == 0 || self.notify_per_target == 0 {
            anyhow::bail!("notify max targets and per-target limit must be at least 1");
        }
        if self.notify_concurrency == 0 || self.notify_max_attempts == 0 {
            anyhow::bail!("notify concurrency and max attempts must be at least 1");
        }
        if self.notify_timeout_ms == 0
            || self.notify_connect_timeout_ms == 0
            || self.notify_poll_ms == 0
        {
            anyhow::bail!("notification timeouts and poll interval must be at least 1 ms");
        }
        if self.polling_wait_ms == 0
            || self.polling_wait_max_ms < self.polling_wait_ms
            || self.polling_queue_expiry_ms == 0
        {
            anyhow::bail!(
                "polling wait and queue expiry must be at least 1 ms, and the maximum wait at least the default wait"
            );
        }
        if self.expiry_interval_ms == 0 {
            anyhow::bail!("expiry interval must be at least 1 ms");
        }
        if self.max_expiration_delta_s == 0 {
            anyhow::bail!("max expiration delta must be at least 1 s");
        }
        if self.request_max_pending_per_originator == 0
            || self.request_concurrency == 0
            || self.request_poll_ms == 0
        {
            anyhow::bail!(
                "request max pending per originator, concurrency and poll interval must be at least 1"
            );
        }
        if self.timer_interval_ms == 0 {
            anyhow::bail!("timer interval must be at least 1 ms");
        }
        if self.scan_max_rows == 0 || self.scan_max_ms == 0 {
            anyhow::bail!("scan max rows and scan max time must be at least 1");
        }
        if self.pool_timeout_ms == 0 {
            anyhow::bail!("pool timeout must be at least 1 ms");
        }
        match (self.cse_type.as_str(), &self.registrar_url) {
            ("IN", None) | ("MN", Some(_)) => {}
            ("IN", Some(_)) => anyhow::bail!(
                "registrar URL: an IN-CSE has no registrar; set cse_type = MN to register with one"
            ),
            ("MN", None) => anyhow::bail!("cse type MN needs a registrar_url to register with"),
            (other, _) => anyhow::bail!("cse type '{other}' must be IN or MN"),
        }
        validate_cse_id(&self.registrar_cse_id)
            .map_err(|p| anyhow::anyhow!("registrar CSE-ID: {}", p.message))?;
        validate_resource_name(&self.registrar_cse_name)
            .map_err(|p| anyhow::anyhow!("registrar CSE name: {}", p.message))?;
        if self.registrar_url.is_some() && self.registrar_cse_id == self.cse_id {
            anyhow::bail!("registrar CSE-ID: {} is this CSE's own CSE-ID", self.cse_id);
        }
        if self.registrar_check_interval_s == 0 {
            anyhow::bail!("registrar check interval must be at least 1 s");
        }
        if self.workers == Some(0) {
            anyhow::bail!("workers must be at least 1");
        }
        Ok(())
    }
}
