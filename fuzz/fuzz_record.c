/*
** fuzz_record: libFuzzer harness for the strict JSON reader, the record
** reader and the whole engine with its renderings. Any input must either be
** refused with a message naming the problem, or give a plan that renders.
** The one-pass record reader must agree with the strict one: when it
** accepts, the strict reader accepts too and fills the same record.
**
**   clang -g -O1 -fsanitize=fuzzer,address,undefined ...  (see fuzz/run.sh)
*/
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../tests/unit/record_cmp.h"
#include "default_kb.h"
#include "osteoplan.h"
#include "record/record.h"
#include "util/arena.h"

/* record_read_fast against record_read_strict, with as_of from the text
** (or today) and with an earlier as_of given. */
static void readers_agree(const op_kb *kb, const char *text, size_t size, const char *as_of) {
  arena *a = arena_create(1 << 14), *b = arena_create(1 << 14);
  if (!a || !b) __builtin_trap();
  op_record strict, fast;
  op_error err;
  char why[64];
  op_status st = record_read_strict(a, kb, text, size, as_of, "2026-11-01", &strict, &err);
  if (record_read_fast(b, kb, text, size, as_of, "2026-11-01", &fast) &&
      (st != OP_OK || !record_same(&strict, &fast, why, sizeof why)))
    __builtin_trap();
  arena_destroy(a);
  arena_destroy(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const op_kb *kb = default_kb();
  op_options opts = {.as_of = NULL, .today = "2026-11-01"};
  op_assessment *as = NULL;
  op_error err;
  readers_agree(kb, (const char *)data, size, NULL);
  readers_agree(kb, (const char *)data, size, "2020-06-30");
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
