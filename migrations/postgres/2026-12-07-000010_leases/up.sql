-- Leases on work that one process of a CSE does for all of them (several processes
-- may share one PostgreSQL database): the registration with the registrar and its
-- liveness check. A process holds the lease `name` until `until` (a oneM2M
-- timestamp text) and renews it while it works; another takes it over once it
-- lapsed (the holder died or stopped).
CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  TEXT NOT NULL
);
