/*
** outbuf.h: a growing output buffer for lines that must land whole or not
** at all (screening's results and bad-line reports).
**
** oom is sticky: once an append fails, the pieces after it must not land
** either (a smaller one could still fit and leave a line with a hole), so
** every writer marks where its line began and, when oom is set at the end,
** cuts the buffer back to that mark (ob_commit).
*/
#ifndef OSTEO_OUTBUF_H
#define OSTEO_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct {
  char *p;
  size_t len, cap;
  bool oom;
  /* Tests only: grows the buffer instead of realloc when set, so a test can
  ** make the Nth allocation fail. */
  void *(*grow)(void *ctx, void *p, size_t n);
  void *grow_ctx;
} outbuf;

/* Room for extra more bytes; false when out of memory (nothing changed). */
bool ob_reserve(outbuf *b, size_t extra);

static inline void ob_put(outbuf *b, const char *s, size_t n) {
  if (n == 0 || b->oom) return; /* an empty line: nothing to copy, maybe no buffer yet */
  if (b->len + n > b->cap && !ob_reserve(b, n)) {
    b->oom = true;
    return;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

/* Ends a line begun at mark: true when it is whole; false when an append
** failed, and then the line is taken back out entirely. */
static inline bool ob_commit(outbuf *b, size_t mark) {
  if (!b->oom) return true;
  b->len = mark;
  b->oom = false;
  return false;
}

static inline void ob_puts(outbuf *b, const char *s) { ob_put(b, s, strlen(s)); }

/* Text from a record or a message about one: control characters come out
** as visible "\u00XX" (ctlchar.h), never as themselves. */
void ob_text(outbuf *b, const char *s);

#endif
