-- osteoplan_screen: a record's screen row as SQL columns, equal to the
-- plan's codes (tests/pg/test_pg_vignettes.py compares with `osteoplan screen`).
SET search_path = osteoplan, public;
SELECT s.* FROM example, LATERAL osteoplan_screen(record, '2026-11-01') AS s;
SELECT v.name, s.risk, s.action, s.first_agent, s.gaps
  FROM vignettes v, LATERAL osteoplan_screen(v.record, (v.record->>'as_of')::date) AS s
 WHERE v.name < '06'
 ORDER BY v.name;
-- the screen row agrees with the full plan on every vignette
SELECT v.name, s.risk, p->'risk'->>'category' AS plan_risk, s.action, p->'treatment'->>'action' AS plan_action
  FROM vignettes v,
       LATERAL osteoplan_screen(v.record, (v.record->>'as_of')::date) AS s,
       LATERAL osteoplan_assess(v.record, (v.record->>'as_of')::date) AS p
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
-- who the patient is: the record's name and MRN (identifier of type MR), NULL when absent
SELECT s.patient_id, s.name, s.mrn, s.risk
  FROM osteoplan_screen('{"id": "p-named", "name": "Maria Garcia", "identifiers": [{"system": "urn:example:ssn", "value": "123"}, {"system": "urn:example:mrn", "value": "0012345", "type": "MR"}], "sex": "female", "birth_date": "1950-01-01"}', '2026-12-01') AS s;
SELECT s.name IS NULL AS no_name, s.mrn IS NULL AS no_mrn
  FROM osteoplan_screen('{"id": "p-anon", "identifiers": [{"system": "urn:example:ssn", "value": "123"}], "sex": "female", "birth_date": "1950-01-01"}', '2026-12-01') AS s;
