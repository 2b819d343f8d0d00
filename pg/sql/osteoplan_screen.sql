-- osteoplan_screen: a record's screen row as SQL columns, equal to the
-- plan's codes (tests/pg/test_pg_vignettes.py compares with `osteoplan screen`).
SET search_path = osteoplan, public;
SELECT s.* FROM example, LATERAL osteoplan_screen(record, '2026-11-01') AS s;
SELECT name, s.risk, s.action, s.first_agent, s.gaps
  FROM vignettes, LATERAL osteoplan_screen(record, (record->>'as_of')::date) AS s
 WHERE name < '06'
 ORDER BY name;
-- the screen row agrees with the full plan on every vignette
SELECT name, s.risk, p->'risk'->>'category' AS plan_risk, s.action, p->'treatment'->>'action' AS plan_action
  FROM vignettes,
       LATERAL osteoplan_screen(record, (record->>'as_of')::date) AS s,
       LATERAL osteoplan_assess(record, (record->>'as_of')::date) AS p
 WHERE s.risk IS DISTINCT FROM p->'risk'->>'category'
    OR s.action IS DISTINCT FROM p->'treatment'->>'action'
    OR s.first_agent IS DISTINCT FROM p->'treatment'->'phases'->0->'options'->0->>'agent'
    OR s.patient_id IS DISTINCT FROM p->>'patient_id';
-- in the target list too, and the column types
SELECT (osteoplan_screen(record, '2026-11-01')).gaps FROM example;
SELECT pg_typeof((osteoplan_screen(record, '2026-11-01')).gaps) FROM example;
-- no id: patient_id is NULL; no first agent: NULL; no gap: an empty array
SELECT s.patient_id IS NULL AS no_id, s.first_agent IS NULL AS no_agent, s.gaps
  FROM osteoplan_screen('{"sex": "female", "birth_date": "1990-01-01", "menopause": "pre"}', '2026-12-01') AS s;
-- screening a population: counts by risk
SELECT s.risk, count(*)
  FROM vignettes, LATERAL osteoplan_screen(record, (record->>'as_of')::date) AS s
 GROUP BY 1 ORDER BY 1;
