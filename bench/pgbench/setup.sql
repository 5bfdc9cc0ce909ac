-- Rows the raw transactions work on, in a database migrated by `onecse migrate`:
-- a CSEBase and containers c1 … c100 under it, shaped as onecse stores them.
INSERT INTO resources (ri, pi, ty, rn, path, ct, lt, et, st, cs, cni, cbs, lvl, doc)
VALUES ('root', NULL, 5, 'cse-in', 'cse-in', '20261125T000000,000000',
        '20261125T000000,000000', NULL, 0, 0, 0, 0, 1, '{"ty":5,"ri":"root","rn":"cse-in"}');
INSERT INTO resources (ri, pi, ty, rn, path, ct, lt, et, st, cs, cni, cbs, lvl, doc)
SELECT 'c' || n, 'root', 3, 'c' || n, 'cse-in/c' || n, '20261125T000000,000000',
       '20261125T000000,000000', '20311125T000000,000000', 0, 0, 0, 0, 2,
       '{"ty":3,"ri":"c' || n || '","rn":"c' || n || '","pi":"root"}'
FROM generate_series(1, 100) AS n;
