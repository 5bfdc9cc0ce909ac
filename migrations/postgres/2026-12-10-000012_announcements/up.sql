-- Announcement work (TS-0001 §10.2.13, spec digest inter-cse §4): a row per request
-- the original's host owes an announced copy on another CSE, written in the
-- transaction of the change that caused it, so an accepted change is never lost and a
-- rolled-back one never announced. One process (the `announcement` lease) works the
-- rows of each target CSE in `id` order, so a copy is created before it is updated or
-- deleted; a failed row waits until `due` and is tried again.
--   op       'create' | 'update' | 'delete'
--   names    for 'update': the JSON list of attribute names whose current values
--            (or null) the copy gets
--   address  for 'delete': the copy's address on the target (`/id-in/cntA12`)
CREATE TABLE announcements (
    id          BIGSERIAL PRIMARY KEY,
    target      TEXT NOT NULL,
    original    TEXT NOT NULL,
    op          TEXT NOT NULL,
    names       TEXT,
    address     TEXT,
    due         TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);

CREATE INDEX announcements_target ON announcements (target, id);
