
-- OMOP CDM 5.4 input: the second part of the install script.
--
-- Each person's rows become the FHIR R4 Bundle `osteoplan screen --input
-- omop` builds from the same tables as CSV (src/omop/omop.c), which
-- osteoplan_assess_fhir / osteoplan_screen_fhir then map with the FHIR
-- tables of the knowledge base: person -> Patient (death -> its
-- deceasedDateTime), measurement and observation -> Observation,
-- condition_occurrence -> Condition, drug_exposure -> MedicationStatement,
-- procedure_occurrence -> Procedure. A concept is the coding (FHIR system
-- of its vocabulary_id, concept_code) read through the concept table,
-- never the bare concept_id; resource ids name the row
-- ("measurement-1233"), so every input note of a plan points at its row.
-- The CDM tables live in a schema the caller names (commonly cdm).

-- Knowledge-base data (kb/common/omop.ini), from the backend's knowledge base.
CREATE FUNCTION osteoplan_omop_system(vocabulary_id text) RETURNS text
  AS 'MODULE_PATHNAME', 'osteoplan_omop_system' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_omop_system(text) IS
  'The FHIR code system URL of an OMOP vocabulary_id (knowledge base, omop.ini [omop.vocabulary]), or NULL';

CREATE FUNCTION osteoplan_omop_gender(vocabulary_id text, concept_code text) RETURNS text
  AS 'MODULE_PATHNAME', 'osteoplan_omop_gender' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_omop_gender(text, text) IS
  'The FHIR gender of a code of the OMOP Gender vocabulary (omop.ini [omop.gender]), or NULL; vocabulary_id NULL reads the code as a gender_source_value';

CREATE FUNCTION osteoplan_omop_number(value text) RETURNS numeric
  AS 'MODULE_PATHNAME', 'osteoplan_omop_number' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION osteoplan_omop_number(text) IS
  'A value_as_number or value_source_value that is a number (a decimal within a double''s range; no space, hex, inf or nan), else NULL: the rule of screen --input omop';

-- The helpers below are STABLE, as the functions they call (to_char,
-- json_build_object): so the planner inlines them into the query instead
-- of calling a SQL function for each row (which is ten times slower). The
-- Bundle is built as json (text, the fastest to build) and read as jsonb
-- once per person.

-- One coding of a concept id: NULL for none (NULL or 0, "no matching
-- concept"); urn:omop:concept_id when the concept table lacks it (the
-- mapper then notes an unknown code); else the vocabulary's system.
CREATE FUNCTION osteoplan_omop_coding(concept_id bigint, found boolean, vocabulary_id text, concept_code text,
                                      concept_name text) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN concept_id IS NULL OR concept_id = 0 THEN NULL
    WHEN NOT found THEN json_build_object('system', 'urn:omop:concept_id', 'code', concept_id::text)
    ELSE json_build_object(
      'system', coalesce(@extschema@.osteoplan_omop_system(coalesce(vocabulary_id, '')),
                         'urn:omop:vocabulary:' || coalesce(vocabulary_id, '')),
      'code', coalesce(concept_code, ''), 'display', coalesce(concept_name, ''))
  END $$;

-- A row's code: its standard concept's coding, then its source concept's
-- when that is another concept (an ICD-10-CM source code carries the
-- fracture site its SNOMED CT concept may not).
CREATE FUNCTION osteoplan_omop_codings(standard json, source json) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT json_build_object('coding', CASE
    WHEN standard IS NULL AND source IS NULL THEN '[]'::json
    WHEN source IS NULL THEN json_build_array(standard)
    WHEN standard IS NULL THEN json_build_array(source)
    ELSE json_build_array(standard, source) END) $$;

-- A date as the CSV export writes it ("YYYY-MM-DD"; '' for none),
-- whatever DateStyle is.
CREATE FUNCTION osteoplan_omop_date(d date) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT coalesce(to_char(d, 'YYYY-MM-DD'), '') $$;

-- The query text of every person's Bundle from the CDM tables in
-- cdm_schema, with as_of as $1 (a drug exposure is active while its end
-- is not before as_of). Every row of every table is one resource (k: the
-- table, id: the row's id); one aggregate by person orders them as
-- screen --input omop does (Patient, measurement, observation,
-- condition_occurrence, drug_exposure, procedure_occurrence, each by id)
-- and reads each table once, with no index needed. Rows of a person_id
-- not in person are left out. A table that is not there counts as empty,
-- as a missing CSV file does; person and concept are required.
CREATE FUNCTION osteoplan_omop_query(cdm_schema text) RETURNS text
  LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE
  s text := quote_ident(cdm_schema);
  x text := '@extschema@';
  coding text := '%1$s.osteoplan_omop_coding(t.%2$I, %3$s.concept_id IS NOT NULL, %3$s.vocabulary_id, %3$s.concept_code, %3$s.concept_name)';
  q text;
BEGIN
  IF to_regclass(s || '.person') IS NULL OR to_regclass(s || '.concept') IS NULL THEN
    RAISE EXCEPTION 'osteoplan_omop: schema % has no person or concept table (both are required)', cdm_schema
      USING ERRCODE = 'undefined_table';
  END IF;
  -- person -> Patient, with the earliest death_date of its death rows
  -- ('' when none is given), as screen --input omop takes it
  q := format($q$SELECT p.person_id::bigint AS person_id, 0 AS k, NULL::bigint AS id, json_strip_nulls(json_build_object(
          'resourceType', 'Patient', 'id', p.person_id::text,
          'gender', coalesce(CASE WHEN gc.concept_id IS NOT NULL
                                  THEN %2$s.osteoplan_omop_gender(coalesce(gc.vocabulary_id, ''), gc.concept_code) END,
                             %2$s.osteoplan_omop_gender(NULL, p.gender_source_value)),
          'birthDate', nullif(CASE
              WHEN p.birth_datetime IS NOT NULL THEN to_char(p.birth_datetime, 'YYYY-MM-DD')
              WHEN p.year_of_birth IS NOT NULL AND p.month_of_birth IS NOT NULL AND p.day_of_birth IS NOT NULL
                THEN p.year_of_birth || '-' || CASE WHEN p.month_of_birth BETWEEN 0 AND 9 THEN '0' ELSE '' END || p.month_of_birth
                     || '-' || CASE WHEN p.day_of_birth BETWEEN 0 AND 9 THEN '0' ELSE '' END || p.day_of_birth
              ELSE coalesce(p.year_of_birth::text, '') END, ''),
          'deceasedDateTime', d.died,
          -- person_source_value: an identifier without a type, as screen --input omop gives it
          'identifier', CASE WHEN coalesce(p.person_source_value, '') <> '' THEN json_build_array(json_build_object(
              'system', 'urn:omop:person_source_value', 'value', p.person_source_value)) END)) AS r
    FROM %1$s.person p
    LEFT JOIN %1$s.concept gc ON gc.concept_id = p.gender_concept_id
    %3$s$q$, s, x,
    CASE WHEN to_regclass(s || '.death') IS NULL THEN 'LEFT JOIN (SELECT NULL::bigint AS person_id, NULL::text AS died) d ON false'
         ELSE format('LEFT JOIN (SELECT dd.person_id, %2$s.osteoplan_omop_date(min(dd.death_date)) AS died
                        FROM %1$s.death dd GROUP BY dd.person_id) d ON d.person_id = p.person_id', s, x) END);
  IF to_regclass(s || '.measurement') IS NOT NULL THEN
    q := q || format(' UNION ALL SELECT t.person_id, 1, t.measurement_id, %s FROM %s.measurement t', @extschema@.osteoplan_omop_observation_sql('measurement'), s)
      || format(' LEFT JOIN %1$s.concept c ON c.concept_id = t.measurement_concept_id LEFT JOIN %1$s.concept sc ON sc.concept_id = t.measurement_source_concept_id', s);
  END IF;
  IF to_regclass(s || '.observation') IS NOT NULL THEN
    q := q || format(' UNION ALL SELECT t.person_id, 2, t.observation_id, %s FROM %s.observation t', @extschema@.osteoplan_omop_observation_sql('observation'), s)
      || format(' LEFT JOIN %1$s.concept c ON c.concept_id = t.observation_concept_id LEFT JOIN %1$s.concept sc ON sc.concept_id = t.observation_source_concept_id', s);
  END IF;
  IF to_regclass(s || '.condition_occurrence') IS NOT NULL THEN
    q := q || format($q$ UNION ALL SELECT t.person_id, 3, t.condition_occurrence_id, json_build_object(
            'resourceType', 'Condition', 'id', 'condition_occurrence-' || coalesce(t.condition_occurrence_id::text, ''),
            'subject', json_build_object('reference', 'Patient/' || t.person_id),
            'code', %1$s.osteoplan_omop_codings(%3$s,
               CASE WHEN t.condition_source_concept_id IS DISTINCT FROM t.condition_concept_id THEN %4$s END),
            'onsetDateTime', %1$s.osteoplan_omop_date(t.condition_start_date))
          FROM %2$s.condition_occurrence t
          LEFT JOIN %2$s.concept c ON c.concept_id = t.condition_concept_id
          LEFT JOIN %2$s.concept sc ON sc.concept_id = t.condition_source_concept_id$q$, x, s,
      format(coding, x, 'condition_concept_id', 'c'), format(coding, x, 'condition_source_concept_id', 'sc'));
  END IF;
  IF to_regclass(s || '.drug_exposure') IS NOT NULL THEN
    q := q || format($q$ UNION ALL SELECT t.person_id, 4, t.drug_exposure_id, json_strip_nulls(json_build_object(
            'resourceType', 'MedicationStatement', 'id', 'drug_exposure-' || coalesce(t.drug_exposure_id::text, ''),
            'subject', json_build_object('reference', 'Patient/' || t.person_id),
            'status', CASE WHEN t.drug_exposure_end_date IS NULL OR t.drug_exposure_end_date >= $1 THEN 'active' ELSE 'completed' END,
            'medicationCodeableConcept', %1$s.osteoplan_omop_codings(%3$s,
               CASE WHEN t.drug_source_concept_id IS DISTINCT FROM t.drug_concept_id THEN %4$s END),
            'effectivePeriod', json_build_object('start', %1$s.osteoplan_omop_date(t.drug_exposure_start_date),
                                                 'end', to_char(t.drug_exposure_end_date, 'YYYY-MM-DD'))))
          FROM %2$s.drug_exposure t
          LEFT JOIN %2$s.concept c ON c.concept_id = t.drug_concept_id
          LEFT JOIN %2$s.concept sc ON sc.concept_id = t.drug_source_concept_id$q$, x, s,
      format(coding, x, 'drug_concept_id', 'c'), format(coding, x, 'drug_source_concept_id', 'sc'));
  END IF;
  IF to_regclass(s || '.procedure_occurrence') IS NOT NULL THEN
    q := q || format($q$ UNION ALL SELECT t.person_id, 5, t.procedure_occurrence_id, json_build_object(
            'resourceType', 'Procedure', 'id', 'procedure_occurrence-' || coalesce(t.procedure_occurrence_id::text, ''),
            'subject', json_build_object('reference', 'Patient/' || t.person_id),
            'code', %1$s.osteoplan_omop_codings(%3$s, NULL),
            'performedDateTime', %1$s.osteoplan_omop_date(t.procedure_date))
          FROM %2$s.procedure_occurrence t
          LEFT JOIN %2$s.concept c ON c.concept_id = t.procedure_concept_id$q$, x, s,
      format(coding, x, 'procedure_concept_id', 'c'));
  END IF;
  RETURN 'SELECT u.person_id, json_build_object(''resourceType'', ''Bundle'', ''type'', ''collection'', ''entry'', '
    || 'json_agg(json_build_object(''resource'', u.r) ORDER BY u.k, u.id NULLS FIRST))::jsonb AS bundle FROM ('
    || q || ') u GROUP BY u.person_id HAVING bool_or(u.k = 0)';
END $fn$;

-- The Observation of a measurement or observation row (alias t; c and sc
-- its concept rows). The value is value_as_number, else value_source_value
-- when that is a number (the Synthea conversion puts the DXA T-score only
-- there, as text).
CREATE FUNCTION osteoplan_omop_observation_sql(tab text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT format($q$json_strip_nulls(json_build_object(
      'resourceType', 'Observation', 'id', %2$L || coalesce(t.%3$I::text, ''),
      'subject', json_build_object('reference', 'Patient/' || t.person_id),
      'status', 'final',
      'code', %1$s.osteoplan_omop_codings(
         %1$s.osteoplan_omop_coding(t.%4$I, c.concept_id IS NOT NULL, c.vocabulary_id, c.concept_code, c.concept_name),
         CASE WHEN t.%5$I IS DISTINCT FROM t.%4$I THEN
         %1$s.osteoplan_omop_coding(t.%5$I, sc.concept_id IS NOT NULL, sc.vocabulary_id, sc.concept_code, sc.concept_name) END),
      'effectiveDateTime', %1$s.osteoplan_omop_date(t.%6$I),
      'valueQuantity', CASE WHEN coalesce(%1$s.osteoplan_omop_number(t.value_as_number::text),
                                          %1$s.osteoplan_omop_number(t.value_source_value)) IS NOT NULL
        THEN json_build_object('value', coalesce(%1$s.osteoplan_omop_number(t.value_as_number::text),
                                                 %1$s.osteoplan_omop_number(t.value_source_value)),
                               'system', CASE WHEN t.unit_source_value <> '' THEN 'http://unitsofmeasure.org' END,
                               'code', nullif(t.unit_source_value, '')) END))$q$,
    '@extschema@', tab || '-', tab || '_id', tab || '_concept_id', tab || '_source_concept_id', tab || '_date') $fn$;

-- Every person's Bundle: (person_id, bundle), in no particular order.
--   SELECT * FROM osteoplan.osteoplan_omop_bundle('cdm', '2019-01-01') ORDER BY person_id;
CREATE FUNCTION osteoplan_omop_bundle(cdm_schema text, as_of date) RETURNS TABLE (person_id bigint, bundle jsonb)
  LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 100000 AS $fn$
BEGIN
  RETURN QUERY EXECUTE @extschema@.osteoplan_omop_query(cdm_schema) USING as_of;
END $fn$;
COMMENT ON FUNCTION osteoplan_omop_bundle(text, date) IS
  'The FHIR R4 Bundle of every person of the OMOP CDM 5.4 tables in cdm_schema, as screen --input omop builds it, for osteoplan_assess_fhir / osteoplan_screen_fhir';

-- Every person's screen row for as_of: the FHIR _try variant, so one
-- person who cannot be mapped never aborts the screen (error says why;
-- a person dead by as_of has no plan: every column NULL but error).
--   SELECT * FROM osteoplan.osteoplan_omop_screen('cdm', '2019-01-01') WHERE error IS NULL ORDER BY person_id;
CREATE FUNCTION osteoplan_omop_screen(cdm_schema text, as_of date)
  RETURNS TABLE (person_id bigint, patient_id text, risk text, action text, first_agent text, gaps text[], name text,
                 mrn text, error text)
  LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 100000 AS $fn$
BEGIN
  RETURN QUERY EXECUTE 'SELECT b.person_id, s.patient_id, s.risk, s.action, s.first_agent, s.gaps, s.name, s.mrn, s.error FROM ('
    || @extschema@.osteoplan_omop_query(cdm_schema)
    || ') b, LATERAL @extschema@.osteoplan_screen_fhir_try(b.bundle, $1) s' USING as_of;
END $fn$;
COMMENT ON FUNCTION osteoplan_omop_screen(text, date) IS
  'The screen row of every person of the OMOP CDM 5.4 tables in cdm_schema for as_of (as screen --input omop), with error for a person without a plan';
