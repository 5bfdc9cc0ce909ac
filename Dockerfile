# syntax=docker/dockerfile:1
# onecse container image: a Rust build stage and a small Debian runtime stage.
#
#   docker build -t onecse .
#   docker run -p 8080:8080 -v onecse-data:/data onecse          # SQLite in /data
#   docker compose up                                              # with PostgreSQL
#
# The builder pins the toolchain the workspace declares (rust-version = 1.95) on the
# same Debian release as the runtime image, so the binary finds the glibc and libpq it
# was linked against.

FROM rust:1.95-trixie AS builder
# libpq-dev for diesel's PostgreSQL backend (SQLite is compiled in, bundled).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# Dependency layer: the manifests and Cargo.lock with empty targets, built once and
# cached until a manifest or the lock file changes.
COPY Cargo.toml Cargo.lock rustfmt.toml clippy.toml ./
COPY models/Cargo.toml models/
COPY cse/Cargo.toml cse/
COPY conformance/Cargo.toml conformance/
COPY bench/Cargo.toml bench/
COPY testkit/Cargo.toml testkit/
RUN for crate in models cse conformance bench testkit; do \
      mkdir -p "$crate/src" && echo 'fn main() {}' > "$crate/src/main.rs" && touch "$crate/src/lib.rs"; \
    done \
 && mkdir -p cse/tests/it && touch cse/tests/it/main.rs \
 && cargo build --release --locked -p onecse \
 && rm -rf models/src cse/src conformance/src bench/src testkit/src cse/tests

# The sources: only onecse and the crates it is built from are rebuilt.
COPY . .
# COPY keeps the context's time stamps, which may be older than the placeholder build:
# touch the real sources so cargo rebuilds them instead of keeping the placeholders.
RUN find models/src cse/src cse/build.rs migrations -type f -exec touch {} + \
 && cargo build --release --locked -p onecse \
 && install -D target/release/onecse /out/onecse

FROM debian:trixie-slim
# At run time the binary needs libpq (PostgreSQL client library) and CA certificates
# (the system roots https notification targets are checked against); nothing else: the
# health check below uses bash, which the image already has.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin onecse \
 && mkdir -p /data \
 && chown onecse:onecse /data
COPY --from=builder /out/onecse /usr/local/bin/onecse

USER onecse
WORKDIR /data
# Listen on every interface of the container; SQLite in the volume unless
# ONECSE_DATABASE_URL names a PostgreSQL database (docker-compose.yml does). On this
# address onecse refuses to start without authentication: give it ONECSE_AUTH=jwt and
# a key (ONECSE_JWT_SECRET or ONECSE_JWT_SECRET_FILE), or, to serve it open on purpose,
# ONECSE_ALLOW_UNAUTHENTICATED_NETWORK=true.
ENV ONECSE_BIND=0.0.0.0:8080 \
    ONECSE_DATABASE_URL=/data/onecse.db
VOLUME /data
EXPOSE 8080

# Ready = /readyz answers 200. Plain HTTP/1.0 over bash's /dev/tcp to the port of
# ONECSE_BIND, so the image needs no curl; the timeout bounds a hung connection.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ONECSE_BIND##*:} && printf 'GET /readyz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r _ status _ <&3 && [ \"$status\" = 200 ]"]

ENTRYPOINT ["onecse"]
CMD ["serve"]
