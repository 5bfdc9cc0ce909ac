DROP INDEX resources_due;
ALTER TABLE resources DROP COLUMN due;
DROP INDEX resources_sibling_key;
ALTER TABLE resources DROP COLUMN uk;
