-- The raw transaction behind one contentInstance CREATE into one container (the
-- statements onecse runs: read the container, count the instance in it, insert it).
\set k random(1, 2000000000)
BEGIN;
SELECT ri, doc FROM resources WHERE path = 'cse-in/c1';
UPDATE resources SET st = st + 1, cni = cni + 1, cbs = cbs + 4 WHERE ri = 'c1' RETURNING st, cni, cbs;
INSERT INTO resources (ri, pi, ty, rn, path, ct, lt, et, st, cs, lvl, doc)
  VALUES ('cin' || :k || '-' || :client_id || '-' || random(), 'c1', 4, 'n' || :k || '-' || random(),
          'cse-in/c1/n' || :k || '-' || random(), '20261125T000000,000000', '20261125T000000,000000',
          '20311125T000000,000000', 1, 4, 3,
          '{"ty":4,"con":"21.5","cnf":"text/plain:0","lbl":[],"pi":"c1"}');
COMMIT;
