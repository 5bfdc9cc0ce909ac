DROP INDEX resources_owner;
