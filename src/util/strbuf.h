/*
** strbuf.h: an append-only string in an arena, used by every renderer.
*/
#ifndef OSTEO_STRBUF_H
#define OSTEO_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

typedef struct {
  arena *a;
  char *p;
  size_t len, cap;
  bool oom; /* sticky: set when an append could not get memory */
} strbuf;

void sb_init(strbuf *b, arena *a);
/* The growing path of sb_putn (strbuf.c). */
void sb_putn_grow(strbuf *b, const char *s, size_t n);

/* Appends n bytes of s. Inline because a rendering appends a few thousand
** short pieces: the common case (room for them and the NUL) is a compare
** and a copy, and only growth or an out-of-memory buffer takes the call. */
static inline void sb_putn(strbuf *b, const char *s, size_t n) {
  /* cap > len whenever cap is not 0; an out-of-memory buffer takes no more */
  if (b->cap - b->len > n && !b->oom) {
    __builtin_memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
    return;
  }
  sb_putn_grow(b, s, n);
}
void sb_puts(strbuf *b, const char *s);
static inline void sb_putc(strbuf *b, char c) {
  if (b->cap - b->len > 1 && !b->oom) {
    b->p[b->len++] = c;
    b->p[b->len] = 0;
    return;
  }
  sb_putn_grow(b, &c, 1);
}
/* Appends each string up to a NULL: plain concatenation without printf's
** format parsing, for the hot renderers. */
void sb_cat(strbuf *b, ...) __attribute__((sentinel));
void sb_printf(strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sb_vprintf(strbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends v as "%ld" writes it, without the formatter. */
void sb_long(strbuf *b, long v);
/* A NUL-terminated view of the contents (valid until the next append). */
const char *sb_str(strbuf *b);

/* Trims spaces, tabs and a CR (files from Windows) from both ends, in place. */
char *str_trim(char *s);

#endif
