ALTER TABLE resources DROP COLUMN owner;
