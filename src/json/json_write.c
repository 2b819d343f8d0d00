/*
** json_write.c: see json_write.h.
*/
#include "json_write.h"

#include "../util/numfmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

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

/* A C1 control (U+0080..U+009F) in UTF-8 at q: valid JSON as it is, but a
** terminal takes it as a command, so the writer escapes it like DEL. */
static bool c1_at(const unsigned char *q, const unsigned char *end) {
  return q[0] == 0xc2 && end - q >= 2 && q[1] >= 0x80 && q[1] <= 0x9f;
}

/* Bytes that stand in a JSON string as they are, one look-up a byte: all
** but the controls, DEL, the quote, the backslash and 0xc2, which starts a
** C1 control only when the next byte is 0x80..0x9f (c1_at decides). */
static const unsigned char json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Length of the run from p that needs no escaping (stops at a control
** character, DEL, a C1 control, a quote, a backslash or the end). */
static size_t plain_run(const unsigned char *p, const unsigned char *end) {
  const unsigned char *q = p;
#ifdef __SSE2__
  /* 16 bytes at a time; a byte >= 0x80 (UTF-8, copied as it is) stops the
  ** vector test too, and is stepped over unless it starts a C1 control */
  while (end - q >= 16) {
    int mask = json_write_special16(q);
    if (!mask) {
      q += 16;
      continue;
    }
    q += __builtin_ctz((unsigned)mask);
    if (*q < 0x80 || c1_at(q, end)) break;
    q++;
  }
#endif
  while (q < end && (json_plain[*q] || (*q == 0xc2 && !c1_at(q, end)))) q++;
  return (size_t)(q - p);
}

void json_escape(strbuf *b, const char *s) {
  const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
  sb_putc(b, '"');
  while (p < end) {
    size_t k = plain_run(p, end);
    if (k) sb_putn(b, (const char *)p, k);
    p += k;
    if (p == end) break;
    switch (*p) {
      case '"': sb_putn(b, "\\\"", 2); break;
      case '\\': sb_putn(b, "\\\\", 2); break;
      case '\n': sb_putn(b, "\\n", 2); break;
      case '\r': sb_putn(b, "\\r", 2); break;
      case '\t': sb_putn(b, "\\t", 2); break;
      default:
        if (c1_at(p, end)) p++; /* U+0080..U+009F: its second byte is the code */
        sb_printf(b, "\\u%04x", *p); /* the other control characters, DEL */
    }
    p++;
  }
  sb_putc(b, '"');
}

void jw_key(jwriter *w, const char *k) {
  pre(w);
  /* keys are the code's names, plain ASCII: found so in one look-up a
  ** byte and copied whole, without the escaper's runs and its strlen */
  size_t n = 0;
  while ((unsigned char)k[n] < 0x80 && json_plain[(unsigned char)k[n]]) n++;
  if (k[n]) {
    json_escape(w->b, k);
  } else {
    sb_putc(w->b, '"');
    sb_putn(w->b, k, n);
    sb_putc(w->b, '"');
  }
  if (w->pretty) sb_putn(w->b, ": ", 2); /* lengths known: no strlen a key */
  else sb_putc(w->b, ':');
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
  char buf[NUM_G10_MAX];
  sb_putn(w->b, buf, (size_t)num_g10(v, buf));
}

void jw_int(jwriter *w, long v) {
  pre(w);
  char buf[NUM_G10_MAX];
  sb_putn(w->b, buf, (size_t)num_long(v, buf));
}

void jw_bool(jwriter *w, bool v) {
  pre(w);
  sb_puts(w->b, v ? "true" : "false");
}

void jw_null(jwriter *w) {
  pre(w);
  sb_puts(w->b, "null");
}
