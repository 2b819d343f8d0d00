-- The settings osteoplan.kb_dir and osteoplan.profile: the knowledge base
-- is loaded again when they change; a directory or profile that cannot be
-- loaded is an error naming it; only a superuser sets them.
SET search_path = osteoplan, public;
CREATE TEMP TABLE builtin AS
  SELECT v.name AS vignette, s.* FROM vignettes v, LATERAL osteoplan_screen(v.record, (v.record->>'as_of')::date) AS s;
-- (defined once the module is loaded, here by the first call)
SHOW osteoplan.kb_dir;
SHOW osteoplan.profile;
-- profiles: an unknown one is refused with the list of those there are
SET osteoplan.profile = 'no_such_profile';
SELECT osteoplan_kb_version();
\echo :LAST_ERROR_SQLSTATE
SET osteoplan.profile = 'default';
SELECT count(*) AS screened FROM vignettes, LATERAL osteoplan_screen(record, (record->>'as_of')::date) AS s;
RESET osteoplan.profile;
SET osteoplan.kb_dir = '/nonexistent/osteoplan-kb';
SELECT osteoplan_kb_version();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM osteoplan_screen('{"sex": "female", "birth_date": "1950-01-01"}', '2026-12-01');
-- _try too: a knowledge base that cannot be loaded is not the record's fault
SELECT * FROM osteoplan_screen_try('{"sex": "female", "birth_date": "1950-01-01"}', '2026-12-01');
RESET osteoplan.kb_dir;
SELECT osteoplan_kb_version() IS NOT NULL AS loaded_again;
-- the source tree's kb/ loaded from its directory gives the same rows as
-- the knowledge base built into the module
\getenv abs_srcdir PG_ABS_SRCDIR
\set kbdir :abs_srcdir '/../kb'
SET osteoplan.kb_dir = :'kbdir';
SELECT count(*) AS rows_differing FROM builtin b
  JOIN vignettes v ON v.name = b.vignette, LATERAL osteoplan_screen(v.record, (v.record->>'as_of')::date) AS s
 WHERE (b.patient_id, b.risk, b.action, b.first_agent, b.gaps) IS DISTINCT FROM
       (s.patient_id, s.risk, s.action, s.first_agent, s.gaps);
RESET osteoplan.kb_dir;
-- a setting inside a transaction that rolls back: the next call follows
-- the setting in force (the built-in knowledge base)
BEGIN;
SET LOCAL osteoplan.kb_dir = '/nonexistent/osteoplan-kb';
SELECT osteoplan_kb_version();
ROLLBACK;
SELECT count(*) AS screened FROM vignettes, LATERAL osteoplan_screen(record, (record->>'as_of')::date) AS s;
-- only a superuser sets them
CREATE ROLE osteoplan_regress_user;
GRANT USAGE ON SCHEMA osteoplan TO osteoplan_regress_user;
SET ROLE osteoplan_regress_user;
SET osteoplan.kb_dir = '/tmp';
SET osteoplan.profile = 'default';
SELECT (osteoplan_screen('{"sex": "female", "birth_date": "1950-01-01"}', '2026-12-01')).risk;
RESET ROLE;
DROP OWNED BY osteoplan_regress_user;
DROP ROLE osteoplan_regress_user;
