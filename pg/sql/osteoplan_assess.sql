-- osteoplan_assess: the plan as jsonb, and its agreement with every
-- vignette's expectations (tests/pg/test_pg_vignettes.py compares whole
-- plans with the command line's).
SET search_path = osteoplan, public;
SELECT p->>'schema' AS schema, p->>'patient_id' AS id, p->>'as_of' AS as_of, p->>'diagnosis' AS diagnosis,
       p->'risk'->>'category' AS risk, p->'treatment'->>'action' AS action,
       p->'treatment'->'phases'->0->'options'->0->>'agent' AS first_agent
  FROM example, LATERAL osteoplan_assess(record, '2026-11-01') AS p;
-- the date argument is the plan's date, whatever the record says
SELECT osteoplan_assess(record, '2027-06-30')->>'as_of' AS as_of, osteoplan_assess(record, '2027-06-30')->'age' AS age
  FROM example;
-- the json overload reads the same record the same way
SELECT osteoplan_assess(record::text::json, '2026-11-01') = osteoplan_assess(record, '2026-11-01') AS same_plan
  FROM example;
-- every vignette: diagnosis, risk, action and first agent as expected
SELECT name, expect->>'risk' AS expected, p->'risk'->>'category' AS got
  FROM vignettes, LATERAL osteoplan_assess(record, (record->>'as_of')::date) AS p
 WHERE expect ? 'risk' AND expect->>'risk' IS DISTINCT FROM p->'risk'->>'category';
SELECT name, expect->>'action' AS expected, p->'treatment'->>'action' AS got
  FROM vignettes, LATERAL osteoplan_assess(record, (record->>'as_of')::date) AS p
 WHERE expect ? 'action' AND expect->>'action' IS DISTINCT FROM p->'treatment'->>'action';
SELECT name, expect->>'diagnosis' AS expected, p->>'diagnosis' AS got
  FROM vignettes, LATERAL osteoplan_assess(record, (record->>'as_of')::date) AS p
 WHERE expect ? 'diagnosis' AND expect->>'diagnosis' IS DISTINCT FROM p->>'diagnosis';
SELECT name, expect->>'first_agent' AS expected, p->'treatment'->'phases'->0->'options'->0->>'agent' AS got
  FROM vignettes, LATERAL osteoplan_assess(record, (record->>'as_of')::date) AS p
 WHERE expect ? 'first_agent'
   AND expect->>'first_agent' IS DISTINCT FROM p->'treatment'->'phases'->0->'options'->0->>'agent';
SELECT count(*) AS vignettes_assessed
  FROM vignettes, LATERAL osteoplan_assess(record, (record->>'as_of')::date) AS p
 WHERE p->>'schema' = 'osteoplan.plan/1';
-- a few cases in full: risk, action and the first agent
SELECT name, p->'risk'->>'category' AS risk, p->'treatment'->>'action' AS action,
       p->'treatment'->'phases'->0->'options'->0->>'agent' AS first_agent
  FROM vignettes, LATERAL osteoplan_assess(record, (record->>'as_of')::date) AS p
 WHERE name IN ('01_naive_high_tscore', '08_denosumab_stopped', '11_bisphosphonate_failure_fracture',
                '28_premenopausal_out_of_scope')
 ORDER BY name;
