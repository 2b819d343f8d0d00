/*
** outbuf.c: growing the output buffer (see outbuf.h).
*/
#include "outbuf.h"

#include <stdlib.h>

#include "ctlchar.h"

bool ob_reserve(outbuf *b, size_t extra) {
  if (b->len + extra <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + extra) cap *= 2;
  char *np = b->grow ? b->grow(b->grow_ctx, b->p, cap) : realloc(b->p, cap);
  if (!np) return false;
  b->p = np;
  b->cap = cap;
  return true;
}

static void put_cb(void *b, const char *s, size_t n) { ob_put(b, s, n); }

void ob_text(outbuf *b, const char *s) { ctl_write(s, put_cb, b); }
