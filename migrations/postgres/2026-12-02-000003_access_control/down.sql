DROP TABLE policy_links;
ALTER TABLE resources DROP COLUMN owner;
