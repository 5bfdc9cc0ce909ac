-- The counting window of each missing-data subscription (net 8, TS-0004 §7.5.1.2.9):
-- opened by the first missing point after the subscription exists and `enc/md/dur`
-- long; the points counted in it (`count`) wait in `pending` (a JSON array, newest
-- first) until `count` reaches `enc/md/num`. Removed with its subscription.
CREATE TABLE missing_data_windows (
    sub_ri     TEXT PRIMARY KEY NOT NULL REFERENCES resources (ri) ON DELETE CASCADE,
    window_end TEXT NOT NULL,
    count      INTEGER NOT NULL,
    pending    TEXT NOT NULL
);
