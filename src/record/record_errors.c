/*
** record_errors.c: the record reader's error: the field's path as a person
** writes it ("therapies[1].end") and what was expected and found. Only run
** when a record is refused.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../util/ctlchar.h"
#include "record_rd.h"

static void path_text(rd *r, char *buf, size_t n) {
  size_t k = 0;
  buf[0] = 0;
  for (int i = 0; i < r->depth && i < RD_MAX_DEPTH && k < n; i++) {
    const seg *s = &r->path[i];
    int w;
    if (s->index >= 0) {
      w = snprintf(buf + k, n - k, "[%d]", s->index);
    } else {
      const char *name = s->name;
      int len = name ? (int)strlen(name) : 0;
      if (!name) {
        const json_tok *t = &r->doc.tok[s->key_tok];
        name = r->doc.text + t->start;
        len = t->end - t->start;
      }
      w = snprintf(buf + k, n - k, "%s%.*s", k ? "." : "", len, name);
    }
    if (w < 0) break;
    k += (size_t)w;
  }
}

/* A short, printable description of what the token holds. */
void rec_describe(rd *r, int i, char *buf, size_t n) {
  const json_tok *t = &r->doc.tok[i];
  switch (t->type) {
    case JT_OBJECT: snprintf(buf, n, "an object"); return;
    case JT_ARRAY: snprintf(buf, n, "an array"); return;
    default: break;
  }
  int len = t->end - t->start;
  const char *s = r->doc.text + t->start;
  char clip[48];
  int k = 0;
  for (int j = 0; j < len && k < 40; j++) {
    unsigned char c = (unsigned char)s[j];
    if (c == 0xc2 && j + 1 < len && (unsigned char)s[j + 1] >= 0x80 && (unsigned char)s[j + 1] <= 0x9f) {
      clip[k++] = '?'; /* a C1 control (U+0080..U+009F): a terminal would obey it */
      j++;
      continue;
    }
    clip[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  clip[k] = 0;
  const char *more = len > 40 ? "..." : "";
  if (t->type == JT_STRING) snprintf(buf, n, "\"%s%s\"", clip, more);
  else snprintf(buf, n, "%s%s", clip, more);
}

bool rec_failv(rd *r, const char *fmt, va_list ap) {
  char what[480];
  vsnprintf(what, sizeof what, fmt, ap);
  r->err->status = OP_ERR_INPUT;
  char raw[sizeof r->err->path];
  path_text(r, raw, sizeof raw);
  ctl_escape(r->err->path, sizeof r->err->path, raw); /* a key is the record's text */
  if (r->err->path[0]) snprintf(r->err->message, sizeof r->err->message, "%s: %s", r->err->path, what);
  else snprintf(r->err->message, sizeof r->err->message, "%s", what);
  return false;
}

bool rec_fail(rd *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rec_failv(r, fmt, ap);
  va_end(ap);
  return false;
}
