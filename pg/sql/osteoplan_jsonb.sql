-- jsonb arguments reach the engine as JSON text (pg/osteoplan_pg_jsonb.c):
-- strings with quotes, backslashes, control and non-ASCII characters,
-- numbers in every form, nesting, empty containers and top-level scalars
-- read the same as the record's text given as json.
SET search_path = osteoplan, public;
CREATE TEMP TABLE odd (n int, record jsonb);
INSERT INTO odd VALUES
 (1, '{"id": "q\"uote \\back\\slash", "sex": "female", "birth_date": "1950-01-01"}'),
 (2, '{"id": "tab\there\nnew\u0001ctl\u001f", "sex": "female", "birth_date": "1950-01-01"}'),
 (3, '{"id": "Zoë Ångström 骨 🦴", "sex": "female", "birth_date": "1950-01-01"}'),
 (4, '{"id": "", "sex": "female", "birth_date": "1950-01-01", "bmd": [], "fractures": [],
       "extensions": {"a": [1, -0, 0.000001, 1e3, -2.50E-1, 123456789012345678901234567890, true, false, null, {}, [[[]]]]}}'),
 (5, '{"id": "n5", "sex": "female", "birth_date": "1950-01-01",
       "bmd": [{"site": "total_hip", "t_score": -2.50, "date": "2026-01-01"}, {"site": "lumbar_spine", "t_score": -3e0, "date": "2026-01-01"}]}');
-- the id comes back as it went in
SELECT n, (osteoplan_screen(record, '2026-12-01')).patient_id = record->>'id' AS same_id FROM odd ORDER BY n;
-- the jsonb plan is the plan of the same record as json text
SELECT n, osteoplan_assess(record, '2026-12-01') = osteoplan_assess(record::text::json, '2026-12-01') AS same_plan
  FROM odd ORDER BY n;
SELECT n, p->'lowest_t_score' AS lowest FROM odd, LATERAL osteoplan_assess(record, '2026-12-01') AS p WHERE n = 5;
-- more than 32 members (jsonb stores an offset every 32 entries): the
-- lowest T-score is the 80th of 80
CREATE TEMP TABLE wide AS
  SELECT jsonb_build_object('id', 'wide', 'sex', 'female', 'birth_date', '1950-01-01',
           'extensions', (SELECT jsonb_object_agg('k' || g, repeat('x', g)) FROM generate_series(1, 100) g),
           'bmd', (SELECT jsonb_agg(jsonb_build_object('site', 'total_hip', 't_score', -1 - g / 100.0,
                                                       'date', '2026-01-01') ORDER BY g) FROM generate_series(1, 80) g))
         AS record;
SELECT p->'lowest_t_score' AS lowest, p->>'diagnosis' AS diagnosis,
       p = osteoplan_assess(record::text::json, '2026-12-01') AS same_plan
  FROM wide, LATERAL osteoplan_assess(record, '2026-12-01') AS p;
-- top-level scalars and arrays are refused by the engine with its message
SELECT osteoplan_assess('"text"'::jsonb, '2026-12-01');
SELECT osteoplan_assess('42'::jsonb, '2026-12-01');
SELECT osteoplan_assess('[]'::jsonb, '2026-12-01');
