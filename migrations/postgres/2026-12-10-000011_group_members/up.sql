-- The local members of each group (TS-0001 §9.6.13: a deleted member leaves `mid`
-- and `cnm`). Indexed by member, so deleting a resource finds the groups that list
-- it without reading any group; both ends go with their resources.
CREATE TABLE group_members (
    grp    TEXT NOT NULL REFERENCES resources (ri) ON DELETE CASCADE,
    member TEXT NOT NULL REFERENCES resources (ri) ON DELETE CASCADE,
    PRIMARY KEY (grp, member)
);
CREATE INDEX group_members_member ON group_members (member);
