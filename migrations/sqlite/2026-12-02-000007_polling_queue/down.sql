DROP TABLE polling_answers;
DROP TABLE polling_queue;
