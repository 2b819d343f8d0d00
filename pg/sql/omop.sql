-- OMOP CDM 5.4 through SQL: the project's OMOP sample (tests/data/omop/
-- synthea27nj, 28 synthetic patients) loaded into schema cdm, its
-- Bundles and its screen; the knowledge-base functions the SQL reads.
-- (tests/pg/test_pg_omop.py checks every row and plan against the command line.)
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/../tests/data/omop/'
\set ddl :data 'cdm54.sql'
CREATE SCHEMA cdm;
SET search_path = cdm;
\set ECHO none
\i :ddl
\set ECHO all
\set f :data 'synthea27nj/PERSON.csv'
COPY person (person_id, gender_concept_id, year_of_birth, month_of_birth, day_of_birth, birth_datetime, race_concept_id, ethnicity_concept_id, location_id, provider_id, care_site_id, person_source_value, gender_source_value, gender_source_concept_id, race_source_value, race_source_concept_id, ethnicity_source_value, ethnicity_source_concept_id) FROM :'f' WITH (FORMAT csv, HEADER true);
\set f :data 'synthea27nj/DEATH.csv'
COPY death (person_id, death_date, death_datetime, death_type_concept_id, cause_concept_id, cause_source_value, cause_source_concept_id) FROM :'f' WITH (FORMAT csv, HEADER true);
\set f :data 'synthea27nj/MEASUREMENT.csv'
COPY measurement (measurement_id, person_id, measurement_concept_id, measurement_date, measurement_datetime, measurement_time, measurement_type_concept_id, operator_concept_id, value_as_number, value_as_concept_id, unit_concept_id, range_low, range_high, provider_id, visit_occurrence_id, visit_detail_id, measurement_source_value, measurement_source_concept_id, unit_source_value, unit_source_concept_id, value_source_value, measurement_event_id, meas_event_field_concept_id) FROM :'f' WITH (FORMAT csv, HEADER true);
\set f :data 'synthea27nj/OBSERVATION.csv'
COPY observation (observation_id, person_id, observation_concept_id, observation_date, observation_datetime, observation_type_concept_id, value_as_number, value_as_string, value_as_concept_id, qualifier_concept_id, unit_concept_id, provider_id, visit_occurrence_id, visit_detail_id, observation_source_value, observation_source_concept_id, unit_source_value, qualifier_source_value, value_source_value, observation_event_id, obs_event_field_concept_id) FROM :'f' WITH (FORMAT csv, HEADER true);
\set f :data 'synthea27nj/CONDITION_OCCURRENCE.csv'
COPY condition_occurrence (condition_occurrence_id, person_id, condition_concept_id, condition_start_date, condition_start_datetime, condition_end_date, condition_end_datetime, condition_type_concept_id, condition_status_concept_id, stop_reason, provider_id, visit_occurrence_id, visit_detail_id, condition_source_value, condition_source_concept_id, condition_status_source_value) FROM :'f' WITH (FORMAT csv, HEADER true);
\set f :data 'synthea27nj/DRUG_EXPOSURE.csv'
COPY drug_exposure (drug_exposure_id, person_id, drug_concept_id, drug_exposure_start_date, drug_exposure_start_datetime, drug_exposure_end_date, drug_exposure_end_datetime, verbatim_end_date, drug_type_concept_id, stop_reason, refills, quantity, days_supply, sig, route_concept_id, lot_number, provider_id, visit_occurrence_id, visit_detail_id, drug_source_value, drug_source_concept_id, route_source_value, dose_unit_source_value) FROM :'f' WITH (FORMAT csv, HEADER true);
\set f :data 'synthea27nj/PROCEDURE_OCCURRENCE.csv'
COPY procedure_occurrence (procedure_occurrence_id, person_id, procedure_concept_id, procedure_date, procedure_datetime, procedure_end_date, procedure_end_datetime, procedure_type_concept_id, modifier_concept_id, quantity, provider_id, visit_occurrence_id, visit_detail_id, procedure_source_value, procedure_source_concept_id, modifier_source_value) FROM :'f' WITH (FORMAT csv, HEADER true);
\set f :data 'synthea27nj/CONCEPT.csv'
COPY concept (concept_id, concept_name, domain_id, vocabulary_id, concept_class_id, standard_concept, concept_code, valid_start_date, valid_end_date, invalid_reason) FROM :'f' WITH (FORMAT csv, HEADER true);
SELECT (SELECT count(*) FROM person) AS persons, (SELECT count(*) FROM measurement) AS measurements, (SELECT count(*) FROM concept) AS concepts;
SET search_path = osteoplan, public;
-- the knowledge base's tables (kb/common/omop.ini)
SELECT v, osteoplan_omop_system(v) FROM unnest(ARRAY['LOINC', 'SNOMED', 'RxNorm', 'ICD10CM', 'ATC', 'Gender', 'rxnorm']) v;
SELECT osteoplan_omop_gender('Gender', 'F') AS f, osteoplan_omop_gender('Gender', 'M') AS m,
       osteoplan_omop_gender('Gender', 'O') AS o, osteoplan_omop_gender('SNOMED', 'M') AS other_vocabulary,
       osteoplan_omop_gender(NULL, 'M') AS source_value, osteoplan_omop_gender('Gender', NULL) AS no_code;
-- the value rule: a decimal within a double's range, else NULL
SELECT v, osteoplan_omop_number(v) FROM unnest(ARRAY['-2.7', '48.1', '+2', '2.', '.5', '1e5', '1E-3', ' 2', '2 ',
  'not done', 'NaN', 'inf', '0x10', '1e400', '', '-']) v;
-- person 7 at 2019-01-01: a man born 1938 with a closed hip fracture, a
-- T-score of -2.7 only in value_source_value and a one-day alendronate
SELECT e->'resource'->>'id' AS id, e->'resource'->>'resourceType' AS type,
       coalesce(e->'resource'->'code', e->'resource'->'medicationCodeableConcept')->'coding'->0->>'code' AS code,
       e->'resource'->'valueQuantity' AS value, e->'resource'->>'status' AS status
  FROM osteoplan_omop_bundle('cdm', '2019-01-01') b, jsonb_array_elements(b.bundle->'entry') e
 WHERE b.person_id = 7 AND (e->'resource'->'valueQuantity'->>'code' = '{T-score}'
       OR e->'resource'->>'resourceType' = 'Patient'
       OR e->'resource'->'medicationCodeableConcept'->'coding'->0->>'code' = '904419'
       OR e->'resource'->'code'->'coding'->0->>'code' = '359817006')
 ORDER BY 1;
SELECT b.bundle->'entry'->0 AS patient FROM osteoplan_omop_bundle('cdm', '2019-01-01') b WHERE b.person_id = 7;
SELECT s.* FROM osteoplan_omop_screen('cdm', '2019-01-01') s ORDER BY person_id;
SELECT s.* FROM osteoplan_omop_screen('cdm', '2023-01-01') s WHERE person_id IN (7, 20) ORDER BY person_id;
-- one person's plan from its Bundle
SELECT p->'risk'->>'category' AS risk, p->'treatment'->>'action' AS action,
       p->'input_notes'->>0 AS first_note
  FROM osteoplan_omop_bundle('cdm', '2019-01-01') b, LATERAL osteoplan_assess_fhir(b.bundle, '2019-01-01') p
 WHERE b.person_id = 7;
-- a schema with only person and concept: the other tables count as empty
CREATE SCHEMA cdm_small;
CREATE TABLE cdm_small.person AS SELECT * FROM cdm.person WHERE person_id IN (7, 8);
CREATE TABLE cdm_small.concept AS SELECT * FROM cdm.concept;
SELECT s.* FROM osteoplan_omop_screen('cdm_small', '2019-01-01') s ORDER BY person_id;
-- no person table: an error naming the schema
\set VERBOSITY terse
SELECT * FROM osteoplan_omop_screen('no_such_schema', '2019-01-01');
\set VERBOSITY default
-- parallel safety of the OMOP functions
SELECT proname, provolatile, proparallel FROM pg_proc
 WHERE pronamespace = 'osteoplan'::regnamespace AND proname LIKE 'osteoplan_omop%' ORDER BY proname;
DROP SCHEMA cdm_small CASCADE;
