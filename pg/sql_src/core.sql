-- osteoplan's SQL interface: the first part of the install script
-- (pg/Makefile joins pg/sql_src/core.sql, then omop.sql).
\echo Use "CREATE EXTENSION osteoplan" to load this file. \quit

-- A record's screen row, as `osteoplan screen` prints it (alerts and
-- findings are in the full plan, osteoplan_assess).
CREATE TYPE osteoplan_screen_row AS (
  patient_id text,
  risk text,
  action text,
  first_agent text,
  gaps text[],
  name text,  -- the record's name, or NULL
  mrn text    -- the record's medical record number (identifier of type MR), or NULL
);
CREATE TYPE osteoplan_screen_try_row AS (
  patient_id text,
  risk text,
  action text,
  first_agent text,
  gaps text[],
  name text,
  mrn text,
  error text
);

-- IMMUTABLE: a plan depends only on the record and the date (the
-- knowledge base is fixed per version and chosen by a superuser, see the
-- settings osteoplan.kb_dir and osteoplan.profile); PARALLEL SAFE: each
-- backend, parallel workers included, holds its own knowledge base.
CREATE FUNCTION osteoplan_assess(record jsonb, as_of date) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'osteoplan_assess_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_assess(jsonb, date) IS
  'The treatment plan of a patient record for the date (as osteoplan assess --format json --as-of); a bad record is an error naming the JSON path';

CREATE FUNCTION osteoplan_assess(record json, as_of date) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'osteoplan_assess_json' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_assess(json, date) IS
  'The treatment plan of a patient record kept as written (json): a key given twice is refused, as the command line refuses it';

CREATE FUNCTION osteoplan_assess_try(record jsonb, as_of date, OUT plan jsonb, OUT error text)
  AS 'MODULE_PATHNAME', 'osteoplan_assess_try' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_assess_try(jsonb, date) IS
  'osteoplan_assess for batches: a bad record gives plan NULL and error the message, never an error';

CREATE FUNCTION osteoplan_screen(record jsonb, as_of date) RETURNS osteoplan_screen_row
  AS 'MODULE_PATHNAME', 'osteoplan_screen' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_screen(jsonb, date) IS
  'The screen row of a patient record for the date (as osteoplan screen --as-of); a bad record is an error naming the JSON path';

CREATE FUNCTION osteoplan_screen_try(record jsonb, as_of date) RETURNS osteoplan_screen_try_row
  AS 'MODULE_PATHNAME', 'osteoplan_screen_try' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_screen_try(jsonb, date) IS
  'osteoplan_screen for batches: a bad record gives every column NULL but error, the message';

CREATE FUNCTION osteoplan_assess_fhir(bundle jsonb, as_of date) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'osteoplan_assess_fhir' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_assess_fhir(jsonb, date) IS
  'The treatment plan of one patient''s FHIR R4 input (a Bundle, a CDS Hooks prefetch object or one resource); NULL for a deceased patient';

CREATE FUNCTION osteoplan_assess_fhir_try(bundle jsonb, as_of date, OUT plan jsonb, OUT error text)
  AS 'MODULE_PATHNAME', 'osteoplan_assess_fhir_try' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_assess_fhir_try(jsonb, date) IS
  'osteoplan_assess_fhir for batches: bad input or a deceased patient gives plan NULL and error the message';

CREATE FUNCTION osteoplan_screen_fhir(bundle jsonb, as_of date) RETURNS osteoplan_screen_row
  AS 'MODULE_PATHNAME', 'osteoplan_screen_fhir' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_screen_fhir(jsonb, date) IS
  'The screen row of one patient''s FHIR R4 input; NULL for a deceased patient';

CREATE FUNCTION osteoplan_screen_fhir_try(bundle jsonb, as_of date) RETURNS osteoplan_screen_try_row
  AS 'MODULE_PATHNAME', 'osteoplan_screen_fhir_try' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_screen_fhir_try(jsonb, date) IS
  'osteoplan_screen_fhir for batches: bad input or a deceased patient gives every column NULL but error, the message';

-- STABLE: the knowledge base follows the settings of the session.
CREATE FUNCTION osteoplan_kb_version() RETURNS text
  AS 'MODULE_PATHNAME', 'osteoplan_kb_version' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_kb_version() IS
  'The loaded knowledge base: version (status, updated date)';
