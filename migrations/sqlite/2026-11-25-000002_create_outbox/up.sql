-- Notifications waiting to be delivered. Rows are written in the transaction of the
-- change that caused them, so an accepted change never loses its notification and a
-- rolled-back one never sends it. Delivery order is kept per `stream` (one
-- subscription towards one target): only the oldest live row of a stream is ever
-- claimed. `claimed_until` is a lease: a worker that dies releases its rows when the
-- lease runs out. `failed` rows gave up after the configured attempts and are kept
-- for inspection.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    stream        TEXT NOT NULL,
    sub_ri        TEXT NOT NULL,
    target        TEXT NOT NULL,
    payload       TEXT NOT NULL,
    batch_num     INTEGER,
    latest_only   INTEGER NOT NULL DEFAULT 0,
    counts        INTEGER NOT NULL DEFAULT 0,
    created       TEXT NOT NULL,
    due           TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_until TEXT,
    failed        INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT
);

CREATE INDEX outbox_stream ON outbox (stream, id);
CREATE INDEX outbox_due ON outbox (due, id) WHERE failed = 0;
