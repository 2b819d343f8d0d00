/*
** test_identity.c: who the patient is: the record's name and identifiers
** as the reader fills or refuses them (each error names its field, none
** quotes the value), the MRN chosen, op_codes and the plan JSON carrying
** them, and a record without them unchanged.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kb/kb.h"
#include "osteoplan.h"
#include "record/record.h"
#include "util/arena.h"

#define BASE "\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":70"
/* recognisable text: an error that contains any of these quoted a value */
static const char *const secrets[] = {"Zyxwv", "Qutsr", "7777777", "urn:secret"};

static int setup(void **state) {
  op_error err;
  *state = op_kb_load_default(&err);
  return *state ? 0 : -1;
}

static int teardown(void **state) {
  op_kb_free(*state);
  return 0;
}

static op_status read_rec(const op_kb *kb, arena *a, const char *members, op_record *rec, op_error *err) {
  char json[4096];
  snprintf(json, sizeof json, "{%s%s" BASE "}", members, *members ? "," : "");
  return record_read(a, kb, json, strlen(json), NULL, "2026-11-01", rec, err);
}

static void test_accepts(void **s) {
  arena *a = arena_create(1 << 16);
  op_record rec;
  op_error err;
  assert_int_equal(read_rec(*s, a, "", &rec, &err), OP_OK);
  assert_null(rec.name);
  assert_null(rec.mrn);
  assert_int_equal(rec.n_identifiers, 0);
  assert_int_equal(read_rec(*s, a, "\"name\":null,\"identifiers\":null", &rec, &err), OP_OK);
  assert_null(rec.name);
  assert_int_equal(read_rec(*s, a,
                            "\"name\":\"Zyxwv Qutsr\",\"identifiers\":[{\"system\":\"urn:a\",\"value\":\"A-1\"},"
                            "{\"system\":\"urn:b\",\"value\":\"MRN-7777777\",\"type\":\"MR\"},"
                            "{\"system\":\"urn:c\",\"value\":\"second\",\"type\":\"MR\"},"
                            "{\"system\":\"urn:d\",\"value\":\"d\",\"type\":null}]",
                            &rec, &err),
                   OP_OK);
  assert_string_equal(rec.name, "Zyxwv Qutsr");
  assert_int_equal(rec.n_identifiers, 4);
  assert_string_equal(rec.identifiers[0].system, "urn:a");
  assert_null(rec.identifiers[0].type);
  assert_null(rec.identifiers[3].type);
  assert_string_equal(rec.mrn, "MRN-7777777"); /* the first of type MR */
  /* 200 characters of two bytes each are within the bound: characters, not bytes */
  char m[1200] = "\"name\":\"";
  for (int i = 0; i < 200; i++) strcat(m, "\xc3\xa9");
  strcat(m, "\"");
  assert_int_equal(read_rec(*s, a, m, &rec, &err), OP_OK);
  /* no MR: no MRN */
  assert_int_equal(read_rec(*s, a, "\"identifiers\":[{\"system\":\"urn:a\",\"value\":\"A\",\"type\":\"SS\"}]", &rec, &err),
                   OP_OK);
  assert_null(rec.mrn);
  arena_destroy(a);
}

typedef struct {
  const char *members, *path, *says;
} bad_case;

static void test_refuses_without_quoting(void **s) {
  static const bad_case cases[] = {
      {"\"name\":\"Zyxwv\\u001bQutsr\"", "name", "character 6 is a control character (U+001B)"},
      {"\"name\":\"Zyxwv\\u0000\"", "", "NUL character in a string"}, /* the JSON layer's */
      {"\"name\":\"Zyxwv\\u0085\"", "name", "control character (U+0085)"},
      {"\"name\":\"Zyxwv\\u007fQutsr\"", "name", "(U+007F)"},
      {"\"name\":7777777", "name", "got a number"},
      {"\"name\":[\"Zyxwv\"]", "name", "got an array"},
      {"\"name\":\"\"", "name", "an empty string"},
      {"\"name\":\"   \"", "name", "only spaces"},
      {"\"identifiers\":{\"system\":\"urn:secret\"}", "identifiers", "expected an array"},
      {"\"identifiers\":[\"MRN-7777777\"]", "identifiers[0]", "got a string"},
      {"\"identifiers\":[{\"system\":\"urn:secret\"}]", "identifiers[0]", "value is required"},
      {"\"identifiers\":[{\"value\":\"MRN-7777777\"}]", "identifiers[0]", "system is required"},
      {"\"identifiers\":[{\"system\":\"urn:a\",\"value\":\"a\"},{\"system\":\"urn:secret\",\"value\":7777777}]",
       "identifiers[1].value", "got a number"},
      {"\"identifiers\":[{\"system\":\"urn:secret\",\"value\":\"MRN-7777777\",\"Zyxwv\":1}]", "identifiers[0].Zyxwv",
       "unknown field (allowed here: system, value, type)"},
      {"\"identifiers\":[{\"system\":\"urn:secret\",\"value\":\"MRN-7777777\\r\\n\"}]", "identifiers[0].value",
       "(U+000D)"},
      {"\"identifiers\":[{\"system\":\"urn:secret\",\"value\":\"MRN-7777777\",\"type\":true}]",
       "identifiers[0].type", "got true"},
      {"\"identifiers\":[{\"system\":\"urn:secret\",\"value\":\"MRN-7777777\",\"value\":\"x\"}]",
       "identifiers[0].value", "field given twice"},
      {"\"name\":\"Zyxwv\",\"name\":\"Qutsr\"", "name", "field given twice"},
  };
  arena *a = arena_create(1 << 16);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    op_record rec;
    op_error err;
    op_status st = read_rec(*s, a, cases[i].members, &rec, &err);
    if (st != OP_ERR_INPUT || strcmp(err.path, cases[i].path) || !strstr(err.message, cases[i].says))
      fail_msg("case %zu (%s): status %d, path '%s', message '%s'", i, cases[i].members, st, err.path, err.message);
    for (size_t k = 0; k < sizeof secrets / sizeof *secrets; k++)
      if (strstr(err.message + strlen(err.path), secrets[k])) /* after the path (a key is named, as any key is) */
        fail_msg("case %zu: the message quotes the value: '%s'", i, err.message);
  }
  arena_destroy(a);
}

/* The bounds, each just over (and the count of identifiers). */
static void test_bounds(void **s) {
  arena *a = arena_create(1 << 18);
  op_record rec;
  op_error err;
  char *m = malloc(16384);
  assert_non_null(m);
  strcpy(m, "\"name\":\"");
  for (int i = 0; i < OP_NAME_MAX_CHARS + 1; i++) strcat(m, "Z");
  strcat(m, "\"");
  assert_int_equal(read_rec(*s, a, m, &rec, &err), OP_ERR_INPUT);
  assert_string_equal(err.message, "name: expected at most 200 characters, got 201");
  strcpy(m, "\"identifiers\":[{\"system\":\"s\",\"value\":\"");
  for (int i = 0; i < OP_ID_VALUE_MAX_CHARS + 1; i++) strcat(m, "7");
  strcat(m, "\"}]");
  assert_int_equal(read_rec(*s, a, m, &rec, &err), OP_ERR_INPUT);
  assert_string_equal(err.path, "identifiers[0].value");
  assert_null(strstr(err.message, "777"));
  strcpy(m, "\"identifiers\":[");
  for (int i = 0; i < OP_IDENTIFIERS_MAX + 1; i++) strcat(m, i ? ",{\"system\":\"s\",\"value\":\"v\"}" : "{\"system\":\"s\",\"value\":\"v\"}");
  strcat(m, "]");
  assert_int_equal(read_rec(*s, a, m, &rec, &err), OP_ERR_INPUT);
  assert_string_equal(err.message, "identifiers: expected at most 20 identifiers, got 21");
  free(m);
  arena_destroy(a);
}

/* op_codes and the plan JSON carry them; without them, nothing is added. */
static void test_codes_and_plan(void **s) {
  const char *with = "{\"id\":\"p\",\"name\":\"Zyxwv Qutsr\",\"identifiers\":[{\"system\":\"urn:b\",\"value\":\"MRN-7777777\","
                     "\"type\":\"MR\"}]," BASE "}";
  const char *without = "{\"id\":\"p\"," BASE "}";
  op_workspace *ws = op_workspace_new();
  op_codes c;
  op_error err;
  op_options o = {.today = "2026-11-01"};
  assert_int_equal(op_assess_codes(*s, ws, with, strlen(with), &o, &c, &err), OP_OK);
  assert_string_equal(c.name, "Zyxwv Qutsr");
  assert_string_equal(c.mrn, "MRN-7777777");
  assert_int_equal(op_assess_codes(*s, ws, without, strlen(without), &o, &c, &err), OP_OK);
  assert_null(c.name);
  assert_null(c.mrn);
  op_workspace_free(ws);
  op_assessment *as;
  assert_int_equal(op_assess_json(*s, with, strlen(with), &o, &as, &err), OP_OK);
  const char *j = op_render(as, OP_FORMAT_JSON, OP_AUDIENCE_CLINICIAN, false, NULL);
  assert_non_null(strstr(j, "\"patient_id\": \"p\",\n  \"patient\": {\n    \"name\": \"Zyxwv Qutsr\",\n"
                            "    \"mrn\": \"MRN-7777777\",\n    \"identifiers\": ["));
  const char *t = op_render(as, OP_FORMAT_TEXT, OP_AUDIENCE_CLINICIAN, false, NULL);
  assert_non_null(strstr(t, "\nZyxwv Qutsr, MRN MRN-7777777\nPatient p, female, age 70"));
  op_assessment_free(as);
  assert_int_equal(op_assess_json(*s, without, strlen(without), &o, &as, &err), OP_OK);
  j = op_render(as, OP_FORMAT_JSON, OP_AUDIENCE_CLINICIAN, false, NULL);
  assert_null(strstr(j, "\"patient\": {"));
  t = op_render(as, OP_FORMAT_TEXT, OP_AUDIENCE_CLINICIAN, false, NULL);
  assert_non_null(strstr(t, "====\nPatient p, female, age 70"));
  op_assessment_free(as);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accepts),
      cmocka_unit_test(test_refuses_without_quoting),
      cmocka_unit_test(test_bounds),
      cmocka_unit_test(test_codes_and_plan),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
