DROP TABLE polling_queue;
