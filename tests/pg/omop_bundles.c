/*
** omop_bundles: the FHIR Bundle `osteoplan screen --input omop` builds for
** each person of an OMOP CSV directory, one JSON text a line (person.csv's
** order), so tests/pg/test_pg_omop.py can check that the extension's SQL
** builds the same ones.
**
** usage: omop_bundles DIR AS_OF
*/
#include <stdio.h>

#include "kb/kb.h"
#include "omop/omop.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: omop_bundles DIR AS_OF\n");
    return 2;
  }
  char err[512];
  op_kb *kb = kb_load_default(err, sizeof err);
  if (!kb) {
    fprintf(stderr, "omop_bundles: %s\n", err);
    return 1;
  }
  omop_stats st;
  int rc = omop_to_bundles(kb, argv[1], argv[2], stdout, &st);
  if (rc != 0) fprintf(stderr, "omop_bundles: %s\n", st.error);
  kb_free(kb);
  return rc != 0 || fflush(stdout) != 0 ? 1 : 0;
}
