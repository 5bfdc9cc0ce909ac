-- Requests waiting for an AE that is not request-reachable (rr false) and polls its
-- <pollingChannel> (TS-0001 §10.2.5.12-19): subscription notifications, verification
-- requests and relayed NOTIFYs. `owner` is the AE-ID (the AE's resourceID); a
-- long poll hands out the owner's oldest live row and deletes it in the same
-- transaction, so every row is handed out once and in order, even with several
-- processes on one PostgreSQL (rows are claimed with SKIP LOCKED). `rqp` is the
-- request primitive as JSON (m2m:rqp members). Rows expire at `et` (the
-- request's rqet) and are then deleted by the sweep.
CREATE TABLE polling_queue (
    id      BIGSERIAL PRIMARY KEY,
    owner   TEXT NOT NULL,
    rqi     TEXT NOT NULL,
    rqp     TEXT NOT NULL,
    created TEXT NOT NULL,
    et      TEXT NOT NULL
);

CREATE INDEX polling_queue_owner ON polling_queue (owner, id);
CREATE INDEX polling_queue_et ON polling_queue (et);

-- Answers awaited from polling AEs (a relayed NOTIFY, a verification request): the
-- process that queued such a request writes a row with `rsp` NULL and waits; the
-- AE's `m2m:rsp` through `pcu` may reach any process, which fills `rsp`; the waiting
-- process takes it (polling every second when it was not the one answered). Rows
-- are deleted by the waiter, or by the expiry sweep after `et`.
CREATE TABLE polling_answers (
    owner TEXT NOT NULL,
    rqi   TEXT NOT NULL,
    et    TEXT NOT NULL,
    rsp   TEXT,
    PRIMARY KEY (owner, rqi)
);

CREATE INDEX polling_answers_et ON polling_answers (et);
