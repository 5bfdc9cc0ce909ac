-- The targets a crossResourceSubscription heard from in its current time window
-- (TS-0001 §9.6.58): one row per member subscription that notified, written in the
-- transaction of the change that raised the event, cleared when the window closes
-- (the crossResourceSubscription's `due` timer). Removed with the crossResourceSubscription.
CREATE TABLE cross_resource_heard (
    crs_ri TEXT NOT NULL REFERENCES resources (ri) ON DELETE CASCADE,
    member TEXT NOT NULL,
    PRIMARY KEY (crs_ri, member)
);
