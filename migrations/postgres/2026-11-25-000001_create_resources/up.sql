-- The resource tree. `st`, `cni` and `cbs` live only in their columns (they change with
-- every new child instance, and rewriting the document each time would be waste); `lvl`
-- is the depth of `path` (CSEBase = 1), for the level limit of hierarchical results.
-- `pi` references the parent so that a child inserted while its parent is being
-- deleted fails (or goes with it) instead of being orphaned. `rn` uses the "C"
-- collation too, so siblings in (pi, rn) order are in path order. Instances are
-- ordered by `st`, which their container assigns under its row lock, so latest,
-- oldest and eviction follow commit order.
-- Indexed attributes are columns; the full representation is the
-- JSON document in `doc`. Timestamps are oneM2M basic-format text (fixed width, so
-- text order is time order). `path` is the structured CSE-relative address; it uses
-- the "C" collation so that subtree range scans (path >= 'a/' AND path < 'a0') follow
-- byte order, as on SQLite.
CREATE TABLE resources (
    ri   TEXT PRIMARY KEY,
    pi   TEXT REFERENCES resources (ri) ON DELETE CASCADE,
    ty   INTEGER NOT NULL,
    rn   TEXT COLLATE "C" NOT NULL,
    path TEXT COLLATE "C" NOT NULL,
    ct   TEXT NOT NULL,
    lt   TEXT NOT NULL,
    et   TEXT,
    st   BIGINT NOT NULL DEFAULT 0,
    cr   TEXT,
    cs   BIGINT NOT NULL DEFAULT 0,
    cni  BIGINT NOT NULL DEFAULT 0,
    cbs  BIGINT NOT NULL DEFAULT 0,
    lvl  INTEGER NOT NULL,
    doc  TEXT NOT NULL
);

CREATE UNIQUE INDEX resources_path ON resources (path);
CREATE UNIQUE INDEX resources_parent_name ON resources (pi, rn);
CREATE INDEX resources_parent_type_state ON resources (pi, ty, st);
CREATE INDEX resources_expiry ON resources (et) WHERE et IS NOT NULL;

-- Labels are queried (discovery), so each one is a row.
CREATE TABLE labels (
    ri    TEXT NOT NULL REFERENCES resources (ri) ON DELETE CASCADE,
    label TEXT NOT NULL,
    PRIMARY KEY (ri, label)
);

CREATE INDEX labels_label ON labels (label, ri);
