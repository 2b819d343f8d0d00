/*
** fuzz_record: libFuzzer harness for the strict JSON reader, the record
** reader and the whole engine with its renderings. Any input must either be
** refused with a message naming the problem, or give a plan that renders.
**
**   clang -g -O1 -fsanitize=fuzzer,address,undefined ...  (see fuzz/run.sh)
*/
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "default_kb.h"
#include "osteoplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const op_kb *kb = default_kb();
  op_options opts = {.as_of = NULL, .today = "2026-11-01"};
  op_assessment *as = NULL;
  op_error err;
  op_status st = op_assess_json(kb, (const char *)data, size, &opts, &as, &err);
  if (st == OP_OK) {
    size_t n;
    if (!op_render(as, OP_FORMAT_JSON, OP_AUDIENCE_CLINICIAN, false, &n)) __builtin_trap();
    if (!op_render(as, OP_FORMAT_TEXT, OP_AUDIENCE_PATIENT, false, &n)) __builtin_trap();
    if (!op_render(as, OP_FORMAT_HTML, OP_AUDIENCE_CLINICIAN, false, &n)) __builtin_trap();
    op_assessment_free(as);
  } else if (st == OP_ERR_INPUT && err.message[0] == 0) {
    __builtin_trap(); /* a refusal must say why */
  }
  return 0;
}
