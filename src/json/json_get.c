/*
** json_get.c: reading members of a parsed document (see json.h): the small
** helpers the FHIR mapper, the CDS Hooks service and the API share.
*/
#include <string.h>

#include "json.h"

int fj_getn(const json_doc *d, int obj, const char *key, size_t n) {
  if (obj < 0 || d->tok[obj].type != JT_OBJECT) return -1;
  int j = obj + 1;
  for (int m = 0; m < d->tok[obj].size; m++) {
    if (json_str_eqn(d, j, key, n)) return j + 1;
    j = d->tok[j + 1].next; /* past the member's value */
  }
  return -1;
}

const char *fj_str(arena *a, const json_doc *d, int tok) {
  if (tok < 0 || d->tok[tok].type != JT_STRING) return NULL;
  return json_string(a, d, tok, NULL);
}
