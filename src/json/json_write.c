/*
** json_write.c: see json_write.h.
*/
#include "json_write.h"

#include <math.h>
#include <stdio.h>

void jw_init(jwriter *w, strbuf *b, bool pretty) {
  w->b = b;
  w->depth = 0;
  w->first[0] = true;
  w->after_key = false;
  w->pretty = pretty;
}

static void newline(jwriter *w) {
  static const char spaces[] = "\n                                                                ";
  if (!w->pretty) return;
  int n = 2 * w->depth < (int)sizeof spaces - 2 ? 2 * w->depth : (int)sizeof spaces - 2;
  sb_putn(w->b, spaces, (size_t)n + 1);
}

/* Separator before a value or key at the current level. */
static void pre(jwriter *w) {
  if (w->after_key) {
    w->after_key = false;
    return;
  }
  if (w->depth > 0) {
    if (!w->first[w->depth]) sb_putc(w->b, ',');
    w->first[w->depth] = false;
    newline(w);
  }
}

static void open(jwriter *w, char c) {
  pre(w);
  sb_putc(w->b, c);
  if (w->depth < JW_MAX_DEPTH - 1) w->depth++;
  w->first[w->depth] = true;
}

static void close_(jwriter *w, char c) {
  bool empty = w->first[w->depth];
  if (w->depth > 0) w->depth--;
  if (!empty) newline(w);
  sb_putc(w->b, c);
}

void jw_obj(jwriter *w) { open(w, '{'); }
void jw_arr(jwriter *w) { open(w, '['); }
void jw_end_obj(jwriter *w) { close_(w, '}'); }
void jw_end_arr(jwriter *w) { close_(w, ']'); }

void json_escape(strbuf *b, const char *s) {
  sb_putc(b, '"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    /* copy the run of characters that need no escape in one go */
    const unsigned char *q = p;
    while (*q >= 0x20 && *q != '"' && *q != '\\') q++;
    if (q > p) {
      sb_putn(b, (const char *)p, (size_t)(q - p));
      p = q;
      if (!*p) break;
    }
    switch (*p) {
      case '"': sb_puts(b, "\\\""); break;
      case '\\': sb_puts(b, "\\\\"); break;
      case '\n': sb_puts(b, "\\n"); break;
      case '\r': sb_puts(b, "\\r"); break;
      case '\t': sb_puts(b, "\\t"); break;
      default:
        if (*p < 0x20) sb_printf(b, "\\u%04x", *p);
        else sb_putc(b, (char)*p);
    }
  }
  sb_putc(b, '"');
}

void jw_key(jwriter *w, const char *k) {
  pre(w);
  json_escape(w->b, k);
  sb_puts(w->b, w->pretty ? ": " : ":");
  w->after_key = true;
}

void jw_str(jwriter *w, const char *s) {
  if (!s) {
    jw_null(w);
    return;
  }
  pre(w);
  json_escape(w->b, s);
}

void jw_num(jwriter *w, double v) {
  pre(w);
  if (!isfinite(v)) {
    sb_puts(w->b, "null");
    return;
  }
  // cppcheck-suppress duplicateConditionalAssign ; -0 becomes +0
  if (v == 0) v = 0;
  sb_printf(w->b, "%.10g", v);
}

void jw_int(jwriter *w, long v) {
  pre(w);
  sb_printf(w->b, "%ld", v);
}

void jw_bool(jwriter *w, bool v) {
  pre(w);
  sb_puts(w->b, v ? "true" : "false");
}

void jw_null(jwriter *w) {
  pre(w);
  sb_puts(w->b, "null");
}
