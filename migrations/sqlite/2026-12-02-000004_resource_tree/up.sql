-- A value a resource's type keeps unique among its siblings (a timeSeriesInstance's
-- dataGenerationTime, a mgmtObj specialization allowed once per node). The index
-- makes concurrent creates of the same value fail instead of both succeeding;
-- partial, so the rows without such a value (most resources) cost it nothing.
ALTER TABLE resources ADD COLUMN uk TEXT;
CREATE UNIQUE INDEX resources_sibling_key ON resources (pi, uk) WHERE uk IS NOT NULL;

-- When the type's timer (missing-data detection of a timeSeries) is next due. The
-- partial index lets the timer task find due rows without scanning the table.
ALTER TABLE resources ADD COLUMN due TEXT;
CREATE INDEX resources_due ON resources (due) WHERE due IS NOT NULL;
