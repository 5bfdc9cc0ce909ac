-- The resource tree; `st`, `cni`, `cbs` live only in their columns and `lvl` is the
-- depth of `path`. Same shape as the PostgreSQL migration of the same name.
-- SQLite compares TEXT byte-wise, which the subtree range scans on `path` rely on.
CREATE TABLE resources (
    ri   TEXT PRIMARY KEY NOT NULL,
    pi   TEXT REFERENCES resources (ri) ON DELETE CASCADE,
    ty   INTEGER NOT NULL,
    rn   TEXT NOT NULL,
    path TEXT NOT NULL,
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

CREATE TABLE labels (
    ri    TEXT NOT NULL REFERENCES resources (ri) ON DELETE CASCADE,
    label TEXT NOT NULL,
    PRIMARY KEY (ri, label)
);

CREATE INDEX labels_label ON labels (label, ri);
