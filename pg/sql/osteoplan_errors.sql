-- Bad records: an ERROR naming the JSON path, SQLSTATE 22023
-- (invalid_parameter_value); the _try variants return the message instead,
-- so one bad row does not stop a batch. NULL arguments: NULL (STRICT).
SET search_path = osteoplan, public;
SELECT osteoplan_assess('{"sex": "female", "birth_date": "1950-01-01", "therapies": [{"agent": "alendronate", "start": "2020-01-01"}, {"agent": "alendronate", "start": "2021-01-01", "end": "x"}]}'::jsonb, '2026-12-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM osteoplan_screen('{"sex": "female", "birth_date": "1950-13-01"}', '2026-12-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM osteoplan_screen('{"sex": "other", "birth_date": "1950-01-01"}', '2026-12-01');
SELECT * FROM osteoplan_screen('[1, 2]', '2026-12-01');
SELECT * FROM osteoplan_screen('null', '2026-12-01');
SELECT * FROM osteoplan_screen('{"sex": "female", "birth_date": "1950-01-01", "bmd": [{"site": "total_hip", "t_score": "low", "date": "2026-01-01"}]}', '2026-12-01');
-- dates the engine cannot hold
SELECT * FROM osteoplan_screen('{"sex": "female", "birth_date": "1950-01-01"}', 'infinity');
SELECT * FROM osteoplan_screen('{"sex": "female", "birth_date": "1950-01-01"}', '10000-01-01');
-- a key given twice: json keeps the text as written and is refused as the
-- command line refuses it; jsonb has already kept the last value
SELECT osteoplan_assess('{"sex": "female", "birth_date": "1950-01-01", "sex": "male"}'::json, '2026-12-01');
\echo :LAST_ERROR_SQLSTATE
SELECT osteoplan_assess('{"sex": "female", "birth_date": "1950-01-01", "sex": "male"}'::jsonb, '2026-12-01')->>'patient_id' IS NULL AS jsonb_accepted;
-- text that is not JSON at all is refused by PostgreSQL's json input first
SELECT osteoplan_assess('{"sex": "female", "birth_date": "1950-01-01",'::json, '2026-12-01');
-- _try: plan or message, never an error
SELECT plan IS NULL AS no_plan, error
  FROM osteoplan_assess_try('{"sex": "female", "birth_date": "1950-01-01", "therapies": [{"agent": "alendronate", "start": "2020-02-30"}]}', '2026-12-01');
SELECT plan->'risk'->>'category' AS risk, error IS NULL AS no_error
  FROM example, LATERAL osteoplan_assess_try(record, '2026-11-01');
-- a batch with one bad row among good ones completes
CREATE TEMP TABLE batch AS
  SELECT name, record FROM vignettes
  UNION ALL SELECT 'zz_bad', '{"id": "bad-1", "sex": "female", "birth_date": "yesterday"}'::jsonb;
SELECT b.name AS row_name, s.* FROM batch b, LATERAL osteoplan_screen_try(b.record, '2026-12-01') AS s
 WHERE s.error IS NOT NULL;
SELECT count(*) AS rows, count(s.error) AS errors, count(s.risk) AS screened
  FROM batch, LATERAL osteoplan_screen_try(record, '2026-12-01') AS s;
SELECT count(*) AS rows, count(t.error) AS errors, count(t.plan) AS planned
  FROM batch, LATERAL osteoplan_assess_try(record, '2026-12-01') AS t;
-- the same batch through the non-try function stops at the bad row
SELECT count(*) FROM batch, LATERAL osteoplan_screen(record, '2026-12-01') AS s;
-- NULL arguments: STRICT functions return NULL without running
SELECT osteoplan_assess(NULL::jsonb, '2026-12-01') IS NULL AS a1, osteoplan_assess(record, NULL) IS NULL AS a2,
       osteoplan_assess(NULL::json, NULL) IS NULL AS a3
  FROM example;
SELECT s IS NULL AS row_null, s.* FROM osteoplan_screen(NULL, '2026-12-01') AS s;
SELECT s.* FROM osteoplan_screen_try('{"sex": "female"}', NULL) AS s;
SELECT t.* FROM osteoplan_assess_try(NULL, '2026-12-01') AS t;
SELECT osteoplan_assess_fhir(NULL, '2026-12-01') IS NULL AS f1, (osteoplan_screen_fhir(NULL, NULL)).risk IS NULL AS f2;
