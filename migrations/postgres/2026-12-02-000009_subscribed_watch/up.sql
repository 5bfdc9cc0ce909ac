-- Watch bit 4: some subscription has this resource as its parent, so a
-- contentInstance create learns from its container's row (the statement that counts
-- it) whether to look for subscriptions at all. Set here for data written before.
UPDATE resources SET watch = watch | 4
WHERE ri IN (SELECT pi FROM resources WHERE ty = 23 AND pi IS NOT NULL);
