-- The originator whose CREATE made the resource (for an AE: its own AE-ID). Access
-- control gives it every right over a resource without accessControlPolicyIDs (the
-- default policy, TS-0001 §9.6.1.3). Rows made before this column existed get the
-- AE they belong to, which is who could reach them then.
ALTER TABLE resources ADD COLUMN owner TEXT;

UPDATE resources SET owner = ri WHERE ty = 2;

UPDATE resources SET owner = (
    SELECT a.ri FROM resources a
    WHERE a.ty = 2 AND substr(resources.path, 1, length(a.path) + 1) = a.path || '/'
) WHERE ty <> 2 AND owner IS NULL;

-- The accessControlPolicyIDs of a resource, one row each, so the lookup of a request's
-- target brings the policies that decide about it in the same statement (a join)
-- instead of a second query. `acp` may name a policy that no longer exists: such a
-- link grants nothing.
CREATE TABLE policy_links (
    ri  TEXT NOT NULL REFERENCES resources (ri) ON DELETE CASCADE,
    acp TEXT NOT NULL,
    PRIMARY KEY (ri, acp)
);
