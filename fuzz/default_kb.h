/*
** default_kb.h: the compiled-in knowledge base, loaded once per fuzzing
** process (the harnesses that do not fuzz the knowledge base itself).
*/
#ifndef OSTEO_FUZZ_DEFAULT_KB_H
#define OSTEO_FUZZ_DEFAULT_KB_H

#include "osteoplan.h"

static const op_kb *default_kb(void) {
  static op_kb *kb; /* libFuzzer runs one input at a time: no race */
  if (!kb) {
    op_error err;
    kb = op_kb_load_default(&err);
    if (!kb) __builtin_trap();
  }
  return kb;
}

#endif
