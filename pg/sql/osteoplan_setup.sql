-- The extension, its objects, and the records the other tests read:
-- tests/vignettes (one table row per case) and examples/patient.json.
CREATE EXTENSION osteoplan;
SELECT extname, extnamespace::regnamespace AS schema, extrelocatable
  FROM pg_extension WHERE extname = 'osteoplan';
SELECT obj_description(oid, 'pg_extension') AS comment FROM pg_extension WHERE extname = 'osteoplan';
-- every function of the core interface, with its volatility, strictness
-- and parallel safety (the OMOP functions are tested in omop*.sql)
SELECT p.proname, pg_get_function_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result,
       p.provolatile AS vol, p.proisstrict AS strict, p.proparallel AS par
  FROM pg_proc p
 WHERE p.pronamespace = 'osteoplan'::regnamespace AND p.proname NOT LIKE 'osteoplan_omop%'
 ORDER BY 1, 2;
SET search_path = osteoplan, public;
SELECT osteoplan_kb_version() ~ '^[0-9]+\.[0-9]+\.[0-9]+ \((draft|under_review|approved|retired), updated [0-9]{4}-[0-9]{2}-[0-9]{2}\)$'
  AS kb_version_ok;

\getenv abs_srcdir PG_ABS_SRCDIR
\set vdir :abs_srcdir '/../tests/vignettes/'
\set example :abs_srcdir '/../examples/patient.json'
CREATE TABLE public.vignettes AS
  SELECT regexp_replace(f, '\.json$', '') AS name,
         (pg_read_file(:'vdir' || f)::jsonb) -> 'patient' AS record,
         (pg_read_file(:'vdir' || f)::jsonb) -> 'expect' AS expect
    FROM pg_ls_dir(:'vdir') AS f
   WHERE f LIKE '%.json';
SELECT count(*) > 30 AS enough_vignettes FROM public.vignettes;
CREATE TABLE public.example AS SELECT pg_read_file(:'example')::jsonb AS record;
