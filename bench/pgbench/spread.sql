-- The same transaction as hot.sql, each time into one of 100 containers.
\set k random(1, 2000000000)
\set c random(1, 100)
BEGIN;
SELECT ri, doc FROM resources WHERE path = 'cse-in/c' || :c;
UPDATE resources SET st = st + 1, cni = cni + 1, cbs = cbs + 4 WHERE ri = 'c' || :c RETURNING st, cni, cbs;
INSERT INTO resources (ri, pi, ty, rn, path, ct, lt, et, st, cs, lvl, doc)
  VALUES ('cin' || :k || '-' || :client_id || '-' || random(), 'c' || :c, 4, 'n' || :k || '-' || random(),
          'cse-in/c' || :c || '/n' || :k || '-' || random(), '20261125T000000,000000',
          '20261125T000000,000000', '20311125T000000,000000', 1, 4, 3,
          '{"ty":4,"con":"21.5","cnf":"text/plain:0","lbl":[],"pi":"c"}');
COMMIT;
