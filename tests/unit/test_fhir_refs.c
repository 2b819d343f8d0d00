/*
** test_fhir_refs.c: the FHIR mapper's references, in process: the patient a
** resource belongs to, medicationReference (for patient data and for
** order-sign draft orders), searches not read whole, and the dates lab
** values keep (2026.12).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "api_internal.h"
#include "fhir/fhir_map.h"
#include "fhir/fhir_refs.h"
#include "json/json.h"
#include "kb/kb.h"
#include "osteoplan.h"
#include "record/record.h"

/* The agents are knowledge-base data: romosozumab by its record code. */
#define ROMO(kb) kb_agent_lookup((kb), "romosozumab", sizeof "romosozumab" - 1)

#define AS_OF "2026-11-01"

typedef struct {
  arena *a;
  op_kb *kb;
  json_doc d;
  fhir_res res[64];
  int n;
} fx;

static void load(fx *f, const char *json) {
  char err[256];
  f->a = arena_create(64 * 1024);
  f->kb = kb_load_default(err, sizeof err);
  assert_non_null(f->kb);
  assert_true(json_parse(f->a, json, strlen(json), &f->d, err, sizeof err) >= 0);
  f->n = fhir_collect(&f->d, 0, f->res, 64);
  assert_true(f->n > 0);
}

static void done(fx *f) {
  kb_free(f->kb);
  arena_destroy(f->a);
}

static bool has_note(const fhir_result *r, const char *s) {
  for (int i = 0; i < r->n_notes; i++)
    if (strstr(r->notes[i], s)) return true;
  return false;
}

#define PATIENT(id) "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"" id "\",\"gender\":\"female\",\"birthDate\":\"1950-01-01\"}}"
#define ROMO_CODE "\"code\":{\"coding\":[{\"system\":\"http://www.whocc.no/atc\",\"code\":\"M05BX06\"}]}"
#define MI "{\"resource\":{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{\"reference\":\"Patient/p1\"}," \
  "\"onsetDateTime\":\"2026-06-01\",\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\"I21.9\"}]}}}"
#define TSCORE(id, subj) "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"" id "\",\"status\":\"final\"," \
  "\"subject\":{\"reference\":\"" subj "\"},\"effectiveDateTime\":\"2026-01-10\",\"code\":{\"coding\":[{\"system\":" \
  "\"http://loinc.org\",\"code\":\"38267-1\"}]},\"valueQuantity\":{\"value\":-3.1,\"code\":\"{T-score}\"}}}"

/* The order-sign case of the issue: romosozumab ordered by reference five
** months after a myocardial infarction is an agent the plan avoids. */
static void test_romosozumab_by_reference(void **s) {
  (void)s;
  fx f;
  load(&f, "{\"resourceType\":\"Bundle\",\"entry\":[" PATIENT("p1") "," MI "," TSCORE("o1", "Patient/p1") ","
           "{\"fullUrl\":\"urn:uuid:m-2\",\"resource\":{\"resourceType\":\"Medication\",\"id\":\"evenity\"," ROMO_CODE "}},"
           "{\"resource\":{\"resourceType\":\"MedicationRequest\",\"id\":\"d1\",\"status\":\"draft\","
           "\"medicationReference\":{\"reference\":\"#m\"},\"contained\":[{\"resourceType\":\"Medication\",\"id\":\"m\","
           ROMO_CODE "}]}},"
           "{\"resource\":{\"resourceType\":\"MedicationRequest\",\"id\":\"d2\",\"status\":\"draft\","
           "\"medicationReference\":{\"reference\":\"Medication/evenity\"}}},"
           "{\"resource\":{\"resourceType\":\"MedicationRequest\",\"id\":\"d3\",\"status\":\"draft\","
           "\"medicationReference\":{\"reference\":\"urn:uuid:m-2\"}}},"
           "{\"resource\":{\"resourceType\":\"MedicationRequest\",\"id\":\"d4\",\"status\":\"draft\","
           "\"medicationReference\":{\"reference\":\"Medication/none\"}}}]}");
  const fhir_refs *refs = fhir_refs_index(f.a, f.res, f.n);
  int agents[4], k = 0;
  for (int i = 0; i < f.n; i++)
    if (fj_is(&f.d, fj_get(&f.d, f.res[i].tok, "resourceType"), "MedicationRequest"))
      agents[k++] = fhir_agent_in(f.a, f.kb, refs, &f.d, f.res[i].tok);
  assert_int_equal(k, 4);
  assert_int_equal(agents[0], ROMO(f.kb)); /* contained */
  assert_int_equal(agents[1], ROMO(f.kb)); /* Medication/<id> */
  assert_int_equal(agents[2], ROMO(f.kb)); /* the entry's fullUrl */
  assert_int_equal(agents[3], FHIR_AGENT_UNRESOLVED);
  /* without the index only contained Medications are found */
  int first = -1;
  for (int i = 0; i < f.n && first < 0; i++)
    if (fj_is(&f.d, fj_get(&f.d, f.res[i].tok, "resourceType"), "MedicationRequest")) first = f.res[i].tok;
  assert_int_equal(fhir_agent_of(f.a, f.kb, &f.d, first), ROMO(f.kb));
  /* and the plan of that patient avoids it */
  fhir_result r;
  fhir_map(f.a, f.kb, f.res, f.n, AS_OF, AS_OF, &r);
  assert_int_equal(r.status, FM_OK);
  op_options o = {.as_of = AS_OF, .today = AS_OF};
  op_assessment *as;
  op_error err;
  assert_int_equal(op_assess_json(f.kb, r.record, r.record_len, &o, &as, &err), OP_OK);
  const op_plan *p = op_assessment_plan(as);
  bool avoided = false;
  for (int i = 0; i < p->n_avoid; i++) avoided |= p->avoid[i].agent == ROMO(f.kb);
  assert_true(avoided);
  op_assessment_free(as);
  done(&f);
}

static void test_patient_designated(void **s) {
  (void)s;
  fx f;
  load(&f, "{\"resourceType\":\"Bundle\",\"entry\":[" PATIENT("p1") "," PATIENT("p2") "," TSCORE("o1", "Patient/p1")
           "," TSCORE("o2", "Patient/p2") "]}");
  fhir_result r;
  fhir_map(f.a, f.kb, f.res, f.n, AS_OF, AS_OF, &r); /* whose plan? */
  assert_int_equal(r.status, FM_ERROR);
  assert_non_null(strstr(r.message, "Patient/p1"));
  assert_non_null(strstr(r.message, "Patient/p2"));
  fhir_map_patient(f.a, f.kb, f.res, f.n, AS_OF, AS_OF, "p2", &r);
  assert_int_equal(r.status, FM_OK);
  assert_string_equal(r.patient_id, "p2");
  assert_true(has_note(&r, "1 of 2 Patient resources not used: another patient (e.g. Patient/p1)"));
  assert_true(has_note(&r, "Observation/o1 of Patient/p1"));
  fhir_map_patient(f.a, f.kb, f.res, f.n, AS_OF, AS_OF, "p3", &r);
  assert_int_equal(r.status, FM_ERROR);
  assert_non_null(strstr(r.message, "Patient/p3"));
  done(&f);
}

static void test_references(void **s) {
  (void)s;
  assert_true(fhir_ref_names("Patient/p1", "Patient", "p1", NULL));
  /* an absolute URL: only on the server of the resource's own fullUrl */
  const char *url = "https://ehr.example.org/fhir/Patient/p1";
  assert_false(fhir_ref_names("https://ehr.example.org/fhir/Patient/p1", "Patient", "p1", NULL));
  assert_true(fhir_ref_names("https://ehr.example.org/fhir/Patient/p1", "Patient", "p1", url));
  assert_true(fhir_ref_names("https://ehr.example.org/fhir/Patient/p1/_history/2", "Patient", "p1", url));
  assert_false(fhir_ref_names("https://other.example/fhir/Patient/p1", "Patient", "p1", url));
  assert_false(fhir_ref_names("https://ehr.example.org/Patient/p1", "Patient", "p1", url));
  assert_false(fhir_ref_names("https://other.example/fhir/Patient/p1", "Patient", "p1", "urn:uuid:1"));
  assert_false(fhir_ref_names("https://ehr.example.org/fhir/Patient/p1/_history/../../Patient/p1", "Patient", "p1", url));
  /* paths that walk back to the patient are not the patient */
  assert_false(fhir_ref_names("Patient/p1/_history/../../Patient/p1", "Patient", "p1", NULL));
  assert_false(fhir_ref_names("Patient/p2/_history/../../Patient/p1", "Patient", "p1", NULL));
  assert_false(fhir_ref_names("Patient/../Patient/p1", "Patient", "p1", NULL));
  assert_false(fhir_ref_names("x/Patient/p1", "Patient", "p1", NULL));
  assert_false(fhir_ref_names("Patient/p1/_history/", "Patient", "p1", NULL));
  assert_false(fhir_ref_names("Patient/p1/_history/1/x", "Patient", "p1", NULL));
  assert_false(fhir_ref_names("Patient/p1#x", "Patient", "p1", NULL));
  assert_true(fhir_ref_names("Patient/p1/_history/2", "Patient", "p1", NULL));
  assert_true(fhir_ref_names("urn:uuid:1", "Patient", "p1", "urn:uuid:1"));
  assert_false(fhir_ref_names("Patient/p10", "Patient", "p1", NULL));
  assert_false(fhir_ref_names("Group/p1", "Patient", "p1", NULL));
  assert_false(fhir_ref_names("xPatient/p1", "Patient", "p1", NULL));
  assert_false(fhir_ref_names("Patient/", "Patient", "", NULL));
  assert_false(fhir_ref_names("Patient/p1?x", "Patient", "p1", NULL));
  assert_false(fhir_ref_names("urn:uuid:2", "Patient", "p1", "urn:uuid:1"));
  assert_false(fhir_ref_names("p1", "Patient", "p1", NULL));
}

static void test_incomplete(void **s) {
  (void)s;
  fx f;
  load(&f, "{\"patient\":{\"resourceType\":\"Patient\",\"id\":\"p1\"},"
           "\"observations\":{\"resourceType\":\"Bundle\",\"link\":[{\"relation\":\"self\",\"url\":"
           "\"https://x/fhir/Observation?patient=p1\"},{\"relation\":\"next\",\"url\":\"https://x/p2\"}],\"entry\":[]},"
           "\"conditions\":{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"timeout\"}]},"
           "\"medicationRequests\":{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":"
           "\"OperationOutcome\",\"issue\":[{\"severity\":\"warning\",\"code\":\"informational\"}]}}]}}");
  const char *notes[4];
  assert_int_equal(fhir_incomplete(f.a, f.kb, &f.d, 0, notes, 4), 2);
  assert_non_null(strstr(notes[0], "the Observation search was not complete"));
  assert_non_null(strstr(notes[1], "the conditions search was not complete"));
  assert_non_null(strstr(notes[1], "timeout"));
  assert_int_equal(fhir_incomplete(f.a, f.kb, &f.d, 0, notes, 1), 2); /* counted beyond max */
  done(&f);
}

/* Two Medications with one id: one drug only when their codes agree,
** whichever order they come in. */
static void test_duplicate_medications(void **s) {
  (void)s;
  static const char *const orders[] = {
      "{\"resourceType\":\"Bundle\",\"entry\":[" PATIENT("p1") ","
      "{\"resource\":{\"resourceType\":\"Medication\",\"id\":\"m\"," ROMO_CODE "}},"
      "{\"resource\":{\"resourceType\":\"Medication\",\"id\":\"m\",\"code\":{\"coding\":[{\"system\":"
      "\"http://www.whocc.no/atc\",\"code\":\"M05BA04\"}]}}},"
      "{\"resource\":{\"resourceType\":\"MedicationRequest\",\"id\":\"d1\",\"status\":\"active\","
      "\"subject\":{\"reference\":\"Patient/p1\"},\"authoredOn\":\"2026-01-01\","
      "\"medicationReference\":{\"reference\":\"Medication/m\"}}}]}",
      "{\"resourceType\":\"Bundle\",\"entry\":[" PATIENT("p1") ","
      "{\"resource\":{\"resourceType\":\"Medication\",\"id\":\"m\",\"code\":{\"coding\":[{\"system\":"
      "\"http://www.whocc.no/atc\",\"code\":\"M05BA04\"}]}}},"
      "{\"resource\":{\"resourceType\":\"Medication\",\"id\":\"m\"," ROMO_CODE "}},"
      "{\"resource\":{\"resourceType\":\"MedicationRequest\",\"id\":\"d1\",\"status\":\"active\","
      "\"subject\":{\"reference\":\"Patient/p1\"},\"authoredOn\":\"2026-01-01\","
      "\"medicationReference\":{\"reference\":\"Medication/m\"}}}]}",
  };
  for (int k = 0; k < 2; k++) {
    fx f;
    load(&f, orders[k]);
    const fhir_refs *refs = fhir_refs_index(f.a, f.res, f.n);
    assert_int_equal(fhir_agent_in(f.a, f.kb, refs, &f.d, f.res[f.n - 1].tok), FHIR_AGENT_UNRESOLVED);
    fhir_result r;
    fhir_map(f.a, f.kb, f.res, f.n, AS_OF, AS_OF, &r);
    assert_int_equal(r.status, FM_OK);
    assert_null(strstr(r.record, "\"agent\""));
    assert_true(has_note(&r, "two Medications with one id and different codes"));
    done(&f);
  }
  /* identical copies: one drug */
  fx f;
  load(&f, "{\"resourceType\":\"Bundle\",\"entry\":["
           "{\"resource\":{\"resourceType\":\"Medication\",\"id\":\"m\"," ROMO_CODE "}},"
           "{\"resource\":{\"resourceType\":\"Medication\",\"id\":\"m\"," ROMO_CODE "}},"
           "{\"resource\":{\"resourceType\":\"MedicationRequest\",\"id\":\"d1\",\"status\":\"draft\","
           "\"medicationReference\":{\"reference\":\"Medication/m\"}}}]}");
  const fhir_refs *refs = fhir_refs_index(f.a, f.res, f.n);
  assert_int_equal(fhir_agent_in(f.a, f.kb, refs, &f.d, f.res[2].tok), ROMO(f.kb));
  done(&f);
}

/* A search nested deeper than the walk looks is reported, never passed over. */
static void test_incomplete_deep(void **s) {
  (void)s;
  char json[2048] = "";
  size_t n = 0;
  for (int i = 0; i < 10; i++)
    n += (size_t)snprintf(json + n, sizeof json - n, "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":");
  n += (size_t)snprintf(json + n, sizeof json - n,
                        "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"link\":[{\"relation\":\"next\","
                        "\"url\":\"https://x/p2\"}],\"entry\":[" PATIENT("p1") "]}");
  for (int i = 0; i < 10; i++) n += (size_t)snprintf(json + n, sizeof json - n, "}]}");
  assert_true(n < sizeof json);
  fx f;
  load(&f, json);
  const char *notes[2];
  assert_true(fhir_incomplete(f.a, f.kb, &f.d, 0, notes, 2) >= 1);
  assert_non_null(strstr(notes[0], "not read whole"));
  done(&f);
}

#define LAB(id, loinc, value, unit, when) "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"" id "\"," \
  "\"status\":\"final\",\"subject\":{\"reference\":\"Patient/p1\"}," when ",\"code\":{\"coding\":[{\"system\":" \
  "\"http://loinc.org\",\"code\":\"" loinc "\"}]},\"valueQuantity\":{\"value\":" value ",\"code\":\"" unit "\"}}}"

/* A lab value keeps its Observation's date into the record (the latest
** value, with its own date), and the reader gives the engine that date. */
static void test_lab_dates(void **s) {
  (void)s;
  fx f;
  load(&f, "{\"resourceType\":\"Bundle\",\"entry\":[" PATIENT("p1") ","
           LAB("e1", "33914-3", "41", "mL/min/{1.73_m2}", "\"effectiveDateTime\":\"2025-02-03T08:30:00+01:00\"") ","
           LAB("e2", "98979-8", "55", "mL/min/{1.73_m2}", "\"effectiveDateTime\":\"2024-06-01\"") ","
           LAB("d1", "1989-3", "31", "ng/mL", "\"effectivePeriod\":{\"start\":\"2023-09-14\"}") ","
           LAB("c1", "17861-6", "9.1", "mg/dL", "\"issued\":\"2026-10-30T12:00:00Z\"") "]}");
  fhir_result r;
  fhir_map(f.a, f.kb, f.res, f.n, AS_OF, AS_OF, &r);
  assert_int_equal(r.status, FM_OK);
  assert_true(has_note(&r, "an older value of the same test (e.g. Observation/e2)"));
  op_record rec;
  op_error err;
  assert_int_equal(record_read(f.a, f.kb, r.record, r.record_len, AS_OF, AS_OF, &rec, &err), OP_OK);
  op_date d;
  assert_true(rec.has_egfr && rec.egfr == 41);
  assert_true(date_parse("2025-02-03", 10, &d) && rec.egfr_date == d);
  assert_true(rec.has_vitd && rec.vitd == 31);
  assert_true(date_parse("2023-09-14", 10, &d) && rec.vitd_date == d);
  assert_true(rec.has_calcium && rec.calcium == 9.1);
  assert_true(date_parse("2026-10-30", 10, &d) && rec.calcium_date == d);
  assert_true(!rec.has_crcl && rec.crcl_date == OP_NO_DATE); /* no FHIR code maps to it */
  done(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_romosozumab_by_reference),
      cmocka_unit_test(test_patient_designated),
      cmocka_unit_test(test_references),
      cmocka_unit_test(test_incomplete),
      cmocka_unit_test(test_duplicate_medications),
      cmocka_unit_test(test_incomplete_deep),
      cmocka_unit_test(test_lab_dates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
