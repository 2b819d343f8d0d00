-- FHIR R4 input: a small Bundle, a deceased patient (no plan), input that
-- is not FHIR.
SET search_path = osteoplan, public;
CREATE TEMP TABLE bundles (name text, bundle jsonb);
INSERT INTO bundles VALUES
 ('hip', '{"resourceType": "Bundle", "type": "collection", "entry": [
   {"resource": {"resourceType": "Patient", "id": "f1", "gender": "female", "birthDate": "1948-05-02"}},
   {"resource": {"resourceType": "Observation", "id": "o1", "status": "final", "subject": {"reference": "Patient/f1"},
     "code": {"coding": [{"system": "http://loinc.org", "code": "38264-8"}]}, "effectiveDateTime": "2026-09-01",
     "valueQuantity": {"value": -2.9, "unit": "{T-score}"}}},
   {"resource": {"resourceType": "Observation", "id": "o2", "status": "final", "subject": {"reference": "Patient/f1"},
     "code": {"coding": [{"system": "http://loinc.org", "code": "99999-9"}]}, "effectiveDateTime": "2026-09-01",
     "valueQuantity": {"value": 1, "unit": "1"}}}]}'),
 ('dead', '{"resourceType": "Bundle", "type": "collection", "entry": [
   {"resource": {"resourceType": "Patient", "id": "f2", "gender": "female", "birthDate": "1940-01-01",
     "deceasedDateTime": "2020-05-01T10:00:00Z"}}]}'),
 ('not_fhir', '{"patients": []}');
SELECT p->>'patient_id' AS id, p->>'diagnosis' AS diagnosis, p->'risk'->>'category' AS risk,
       p->'treatment'->>'action' AS action, jsonb_array_length(p->'input_notes') > 0 AS has_input_notes
  FROM bundles, LATERAL osteoplan_assess_fhir(bundle, '2026-12-01') AS p WHERE name = 'hip';
SELECT s.* FROM bundles b, LATERAL osteoplan_screen_fhir(b.bundle, '2026-12-01') AS s WHERE b.name = 'hip';
-- the FHIR screen row equals the plan's codes
SELECT (osteoplan_screen_fhir(bundle, '2026-12-01')).risk = osteoplan_assess_fhir(bundle, '2026-12-01')->'risk'->>'category' AS agree
  FROM bundles WHERE name = 'hip';
-- deceased: no plan (NULL), the reason from _try
SELECT osteoplan_assess_fhir(bundle, '2026-12-01') IS NULL AS no_plan,
       osteoplan_screen_fhir(bundle, '2026-12-01') IS NULL AS no_row
  FROM bundles WHERE name = 'dead';
SELECT t.plan IS NULL AS no_plan, t.error FROM bundles, LATERAL osteoplan_assess_fhir_try(bundle, '2026-12-01') AS t
 WHERE name = 'dead';
SELECT s.* FROM bundles b, LATERAL osteoplan_screen_fhir_try(b.bundle, '2026-12-01') AS s WHERE b.name = 'dead';
-- not FHIR: an error from the non-try functions, the message from _try
SELECT osteoplan_assess_fhir(bundle, '2026-12-01') FROM bundles WHERE name = 'not_fhir';
\echo :LAST_ERROR_SQLSTATE
SELECT osteoplan_screen_fhir(bundle, '2026-12-01') FROM bundles WHERE name = 'not_fhir';
SELECT b.name, s.risk, s.error FROM bundles b, LATERAL osteoplan_screen_fhir_try(b.bundle, '2026-12-01') AS s ORDER BY b.name;
