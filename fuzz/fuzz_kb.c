/*
** fuzz_kb: libFuzzer harness for the knowledge-base loader. The first byte
** picks one of the knowledge base's files, the rest replaces its text; the
** loader must accept the copy or refuse it with "file:line: what", and a
** copy it accepts must assess a record without failing.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb.h"
#include "osteoplan.h"

static const char record[] =
    "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"birth_date\":\"1950-01-01\",\"menopause\":\"post\","
    "\"bmd\":[{\"site\":\"total_hip\",\"t_score\":-2.7,\"date\":\"2026-01-01\"}],"
    "\"fractures\":[{\"site\":\"vertebral\",\"date\":\"2025-06-01\"}],"
    "\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2022-01-01\",\"end\":\"2025-01-01\",\"last_dose\":\"2024-07-01\"}],"
    "\"conditions\":[{\"code\":\"myocardial_infarction\",\"date\":\"2026-05-01\"}],\"labs\":{\"egfr_ml_min\":28}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int n = op_kb_embedded_files_count;
  int pick = data[0] % n;
  char *text = malloc(size);
  if (!text) return 0;
  memcpy(text, data + 1, size - 1);
  text[size - 1] = 0; /* files are text: the loader sees up to the first NUL */
  kb_file files[16];
  for (int i = 0; i < n && i < 16; i++) files[i] = op_kb_embedded_files[i];
  files[pick].text = text;
  files[pick].len = (long)strlen(text);
  char err[1024] = "";
  op_kb *kb = kb_load_files(files, n, err, sizeof err);
  if (!kb) {
    if (!strchr(err, ':')) __builtin_trap(); /* file:line: what */
  } else {
    op_options opts = {.as_of = NULL, .today = "2026-11-01"};
    op_assessment *as = NULL;
    op_error e;
    if (op_assess_json(kb, record, sizeof record - 1, &opts, &as, &e) != OP_OK) __builtin_trap();
    size_t len;
    if (!op_render(as, OP_FORMAT_TEXT, OP_AUDIENCE_PATIENT, false, &len)) __builtin_trap();
    if (!op_render(as, OP_FORMAT_JSON, OP_AUDIENCE_CLINICIAN, false, &len)) __builtin_trap();
    op_assessment_free(as);
    kb_free(kb);
  }
  free(text);
  return 0;
}
