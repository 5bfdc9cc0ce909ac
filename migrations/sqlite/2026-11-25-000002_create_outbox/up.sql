-- Notifications waiting to be delivered. Rows are written in the transaction of the
-- change that caused them, so an accepted change never loses its notification and a
-- rolled-back one never sends it. Delivery order is kept per `stream` (one
-- subscription towards one target): only the stream's `head` (its oldest live row)
-- is ever claimed, and the next row becomes head when it is done. Claiming reads the
-- heads through a partial index, so a large backlog does not slow it down. `claimed_until` is a lease: a worker that dies releases its rows when the
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
    head          INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT
);

CREATE INDEX outbox_stream ON outbox (stream, id);
CREATE INDEX outbox_heads ON outbox (due, id) WHERE head = 1 AND failed = 0;
CREATE INDEX outbox_stream_heads ON outbox (stream) WHERE head = 1 AND failed = 0;
