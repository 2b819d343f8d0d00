/*
** json_get.c: reading members of a parsed document (see json.h): the small
** helpers the FHIR mapper, the CDS Hooks service and the API share.
*/
#include <string.h>

#include "json.h"

int fj_get(const json_doc *d, int obj, const char *key) {
  if (obj < 0 || d->tok[obj].type != JT_OBJECT) return -1;
  size_t n = strlen(key);
  int j = obj + 1;
  for (int m = 0; m < d->tok[obj].size; m++) {
    if (json_str_eqn(d, j, key, n)) return j + 1;
    j = json_next(d, j + 1);
  }
  return -1;
}

bool fj_is(const json_doc *d, int tok, const char *s) {
  return tok >= 0 && json_str_eqn(d, tok, s, strlen(s));
}

const char *fj_str(arena *a, const json_doc *d, int tok) {
  if (tok < 0 || d->tok[tok].type != JT_STRING) return NULL;
  return json_string(a, d, tok, NULL);
}
