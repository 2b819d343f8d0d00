/*
** fuzz_fhir: libFuzzer harness for FHIR R4 input: the JSON reader, the
** resource collector, the mapper (kb/fhir.ini tables, courses, fracture
** merging, the drop-and-retry loop), the record reader and the engine. Any
** input must give a plan, "no plan" for a deceased patient, or a refusal
** that says why.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "default_kb.h"
#include "osteoplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const op_kb *kb = default_kb();
  op_options opts = {.as_of = "2026-11-01", .today = "2026-11-01"};
  op_assessment *as = NULL;
  op_error err;
  op_status st = op_assess_fhir(kb, (const char *)data, size, &opts, &as, &err);
  if (st == OP_OK) {
    size_t n;
    if (!op_render(as, OP_FORMAT_JSON, OP_AUDIENCE_CLINICIAN, false, &n)) __builtin_trap();
    if (!op_render(as, OP_FORMAT_MARKDOWN, OP_AUDIENCE_CLINICIAN, false, &n)) __builtin_trap();
    op_assessment_free(as);
  } else if (err.message[0] == 0) {
    __builtin_trap(); /* a refusal must say why */
  }
  char *rec = NULL;
  size_t len = 0;
  if (op_fhir_to_record(kb, (const char *)data, size, &opts, &rec, &len, &err) == OP_OK) {
    /* the mapped record must read back as a record */
    op_status s2 = op_assess_json(kb, rec, len, &opts, &as, &err);
    if (s2 != OP_OK) __builtin_trap();
    op_assessment_free(as);
  }
  free(rec);
  return 0;
}
