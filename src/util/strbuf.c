/*
** strbuf.c: doubling growth inside the arena; the old storage is simply left
** behind for the arena to free.
*/
#include "strbuf.h"

#include <stdio.h>
#include <string.h>

#include "numfmt.h"

void sb_init(strbuf *b, arena *a) {
  b->a = a;
  b->p = NULL;
  b->len = b->cap = 0;
  b->oom = false;
}

static bool reserve(strbuf *b, size_t extra) {
  if (b->oom) return false;
  if (b->len + extra + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) cap *= 2;
  char *p = arena_grow_raw(b->a, b->p, b->cap, cap); /* the allocation size: it may grow in place */
  if (!p) {
    b->oom = true;
    return false;
  }
  b->p = p;
  b->cap = cap;
  return true;
}

void sb_putn_grow(strbuf *b, const char *s, size_t n) {
  if (!reserve(b, n)) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

/* A NULL string is one that could not be made for want of memory (a
** template not filled): the buffer is out of memory too. */
void sb_puts(strbuf *b, const char *s) {
  if (s) sb_putn(b, s, strlen(s));
  else b->oom = true;
}

void sb_cat(strbuf *b, ...) {
  va_list ap;
  va_start(ap, b);
  for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) sb_puts(b, s);
  va_end(ap);
}

void sb_vprintf(strbuf *b, const char *fmt, va_list ap) {
  /* format once into the room there is; only when it does not fit, grow
  ** and format again (formatting is the cost, not the copy) */
  if (!reserve(b, 64)) return;
  va_list ap2;
  va_copy(ap2, ap);
  size_t room = b->cap - b->len;
  int n = vsnprintf(b->p + b->len, room, fmt, ap2);
  va_end(ap2);
  if (n < 0) {
    b->p[b->len] = 0;
    return;
  }
  if ((size_t)n >= room) {
    if (!reserve(b, (size_t)n)) {
      b->p[b->len] = 0;
      return;
    }
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  }
  b->len += (size_t)n;
}

void sb_printf(strbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(b, fmt, ap);
  va_end(ap);
}

void sb_long(strbuf *b, long v) {
  char buf[NUM_G10_MAX];
  sb_putn(b, buf, (size_t)num_long(v, buf));
}

const char *sb_str(strbuf *b) {
  if (!b->p) return "";
  return b->p;
}

char *str_trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = 0;
  return s;
}
