-- Accepted non-blocking requests (rt 1, 2 or 5) that have not finished yet: the whole
-- request primitive and its caller (`primitive`, JSON), kept with their `<request>`
-- resource (removed with it: deleting a pending `<request>` cancels the request) so
-- that an accepted request survives a restart. `due` is when it may run (its `oet`,
-- else its acceptance). Workers claim rows oldest first; `claimed_until` is a lease:
-- a row whose worker died runs again once its lease passed (at least once). The row
-- is deleted in the transaction that records the result in the `<request>`.
CREATE TABLE requests (
    ri            TEXT PRIMARY KEY NOT NULL REFERENCES resources (ri) ON DELETE CASCADE,
    originator    TEXT NOT NULL,
    created       TEXT NOT NULL,
    due           TEXT NOT NULL,
    claimed_until TEXT,
    primitive     TEXT NOT NULL
);

CREATE INDEX requests_originator ON requests (originator);
CREATE INDEX requests_due ON requests (due, created);
