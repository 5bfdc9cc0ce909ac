-- The resources an originator owns (the default policy's creator, TS-0001 §9.6.1.3),
-- found when an AE deregisters: its ownership of resources outside its own subtree
-- ends with its registration. Instances keep no owner (their parent decides about
-- them), so contentInstance writes never touch this index.
CREATE INDEX resources_owner ON resources (owner) WHERE owner IS NOT NULL;
