-- The bounding box of each resource's `loc` (TS-0001 R4 location), in degrees: a
-- geo-query narrows its candidates to the boxes that can satisfy it through these
-- indexes, then checks the exact geometry on the few rows left. It goes with its
-- resource. Same shape as the SQLite migration of the same name.
CREATE TABLE locations (
    ri      TEXT PRIMARY KEY REFERENCES resources (ri) ON DELETE CASCADE,
    min_lon DOUBLE PRECISION NOT NULL,
    min_lat DOUBLE PRECISION NOT NULL,
    max_lon DOUBLE PRECISION NOT NULL,
    max_lat DOUBLE PRECISION NOT NULL
);
CREATE INDEX locations_min_lon ON locations (min_lon, min_lat);
CREATE INDEX locations_max_lon ON locations (max_lon, max_lat);
CREATE INDEX locations_min_lat ON locations (min_lat);
CREATE INDEX locations_max_lat ON locations (max_lat);
