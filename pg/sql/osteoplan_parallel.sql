-- Parallel screening: the functions are PARALLEL SAFE, so a screen over a
-- table runs in parallel workers (each loads its own knowledge base, with
-- the leader's settings), and gives the rows of a serial screen.
SET search_path = osteoplan, public;
CREATE TABLE public.population AS
  SELECT g, name, jsonb_set(record, '{id}', to_jsonb(name || '-' || g)) AS record
    FROM vignettes, generate_series(1, 40) AS g;
ANALYZE public.population;
CREATE TEMP TABLE serial AS
  SELECT s.* FROM population, LATERAL osteoplan_screen(record, '2026-12-01') AS s;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
  SELECT s.risk, count(*) FROM population, LATERAL osteoplan_screen(record, '2026-12-01') AS s GROUP BY s.risk;
EXPLAIN (COSTS OFF)
  SELECT s.* FROM population, LATERAL osteoplan_screen_try(record, '2026-12-01') AS s;
CREATE TEMP TABLE par AS
  SELECT s.* FROM population, LATERAL osteoplan_screen(record, '2026-12-01') AS s;
SELECT (SELECT count(*) FROM serial) AS serial_rows, (SELECT count(*) FROM par) AS parallel_rows;
SELECT count(*) AS rows_differing FROM (
  (SELECT * FROM serial EXCEPT ALL SELECT * FROM par) UNION ALL (SELECT * FROM par EXCEPT ALL SELECT * FROM serial)) d;
SELECT s.risk, count(*) FROM population, LATERAL osteoplan_screen(record, '2026-12-01') AS s GROUP BY s.risk ORDER BY 1;
-- with a setting, which the workers receive from the leader
\getenv abs_srcdir PG_ABS_SRCDIR
\set kbdir :abs_srcdir '/../kb'
SET osteoplan.kb_dir = :'kbdir';
SELECT count(*) AS rows_differing FROM (
  SELECT s.* FROM population, LATERAL osteoplan_screen(record, '2026-12-01') AS s
  EXCEPT ALL SELECT * FROM serial) d;
-- the error of a setting that cannot be loaded comes from the workers
-- (the leader does not take part): proof the function runs in them
SET osteoplan.kb_dir = '/nonexistent/osteoplan-kb';
SELECT count(*) FROM population, LATERAL osteoplan_screen(record, '2026-12-01') AS s;
RESET osteoplan.kb_dir;
