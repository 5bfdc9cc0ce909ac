DROP TABLE labels;
DROP TABLE resources;
