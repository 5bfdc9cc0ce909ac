ALTER TABLE resources DROP COLUMN watch;
