/*
** json_dupkey.c: see json_dupkey.h.
*/
#include "json/json_dupkey.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *s;
  size_t n;
  int tok;
} name;

static int by_name(const void *x, const void *y) {
  const name *a = x, *b = y;
  size_t n = a->n < b->n ? a->n : b->n;
  int c = memcmp(a->s, b->s, n);
  if (c) return c;
  if (a->n != b->n) return a->n < b->n ? -1 : 1;
  return a->tok - b->tok; /* equal names: the earlier first */
}

/* The object at token obj: its names decoded and sorted, neighbours compared. */
static int object_dup(arena *a, const json_doc *d, int obj) {
  int n = d->tok[obj].size;
  if (n < 2) return -1;
  name *v = arena_array(a, (size_t)n, sizeof *v);
  if (!v) return -2;
  for (int m = 0, j = obj + 1; m < n; m++, j = json_next(d, j + 1)) {
    bool plain = !memchr(d->text + d->tok[j].start, '\\', (size_t)(d->tok[j].end - d->tok[j].start));
    v[m].s = plain ? d->text + d->tok[j].start : json_string(a, d, j, &v[m].n);
    if (!v[m].s) return -2;
    if (plain) v[m].n = (size_t)(d->tok[j].end - d->tok[j].start);
    v[m].tok = j;
  }
  qsort(v, (size_t)n, sizeof *v, by_name);
  int first = -1;
  for (int m = 1; m < n; m++)
    if (v[m].n == v[m - 1].n && !memcmp(v[m].s, v[m - 1].s, v[m].n) && (first < 0 || v[m].tok < first))
      first = v[m].tok;
  return first;
}

int json_duplicate_key(arena *a, const json_doc *d) {
  int found = -1;
  for (int i = 0; i < d->ntok; i++) {
    if (d->tok[i].type != JT_OBJECT) continue;
    int k = object_dup(a, d, i);
    if (k == -2) return -2;
    if (k >= 0 && (found < 0 || k < found)) found = k;
  }
  return found;
}
