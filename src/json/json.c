/*
** json.c: the strictness layer over jsmn and small typed accessors.
*/
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest JSON document a single record may be; jsmn offsets are ints. */
#define JSON_MAX_BYTES (64u * 1024u * 1024u)
/* Deepest nesting accepted. A record needs four levels; the bound leaves room
** for "extensions" while keeping jsmn's closing-bracket walk (linear in the
** depth) from turning hostile input into quadratic work. */
#define JSON_MAX_DEPTH 64

void json_line_col(const char *text, size_t off, int *line, int *col) {
  int l = 1, c = 1;
  for (size_t i = 0; i < off; i++) {
    if (text[i] == '\n') {
      l++;
      c = 1;
    } else {
      c++;
    }
  }
  *line = l;
  *col = c;
}

static int fail(const char *text, size_t off, char *msg, size_t msgsz,
                const char *what) {
  int line, col;
  json_line_col(text, off, &line, &col);
  snprintf(msg, msgsz, "not valid JSON at line %d, column %d: %s", line, col,
           what);
  return -1;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Checks text[from, to) is whitespace around at most one required
** separator (0 for none). Returns the offset of the first bad byte or -1. */
static long check_gap(const char *t, size_t from, size_t to, char sep) {
  size_t i = from;
  while (i < to && is_ws(t[i])) i++;
  if (sep) {
    if (i >= to || t[i] != sep) return (long)(i < to ? i : to);
    i++;
    while (i < to && is_ws(t[i])) i++;
  }
  return i < to ? (long)i : -1;
}

static bool check_number(const char *s, size_t n) {
  size_t i = 0;
  if (i < n && s[i] == '-') i++;
  if (i >= n) return false;
  if (s[i] == '0') {
    i++;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    i++;
    size_t st = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == st) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t st = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == st) return false;
  }
  return i == n;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static long hex4(const char *s) {
  long v = 0;
  for (int k = 0; k < 4; k++) {
    int h = hexval(s[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/* Validates a string body; returns NULL or a description of the fault and
** sets *bad to its offset inside s. */
static const char *check_string(const unsigned char *s, size_t n, size_t *bad) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    *bad = i;
    if (c < 0x20) return "control character in a string";
    if (c == '\\') {
      if (i + 1 >= n) return "bad escape";
      char e = (char)s[i + 1];
      if (e == 'u') {
        if (i + 6 > n) return "bad \\u escape";
        long u = hex4((const char *)s + i + 2);
        if (u < 0) return "bad \\u escape";
        if (u == 0) return "NUL character in a string";
        i += 6;
        if (u >= 0xD800 && u <= 0xDBFF) {
          if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u') return "unpaired surrogate";
          long lo = hex4((const char *)s + i + 2);
          if (lo < 0xDC00 || lo > 0xDFFF) return "unpaired surrogate";
          i += 6;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
          return "unpaired surrogate";
        }
        continue;
      }
      if (!strchr("\"\\/bfnrt", e) || e == 0) return "bad escape";
      i += 2;
      continue;
    }
    if (c < 0x80) {
      i++;
      continue;
    }
    /* UTF-8: reject overlong forms, surrogates and code points > U+10FFFF */
    int len;
    unsigned long cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return "invalid UTF-8";
    if (i + (size_t)len > n) return "invalid UTF-8";
    for (int k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return "invalid UTF-8";
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return "invalid UTF-8";
    i += (size_t)len;
  }
  return NULL;
}

typedef struct {
  int remaining;    /* members (keys) or elements still to come */
  bool is_object;
  bool expect_value; /* object: a key was read, its value is next */
  bool first;
  int close_at;     /* offset of the closing bracket */
} frame;

static int validate(const json_doc *d, arena *a, char *msg, size_t msgsz) {
  const char *t = d->text;
  frame *st = arena_array(a, (size_t)d->ntok + 1, sizeof(frame));
  if (!st) return fail(t, 0, msg, msgsz, "out of memory");
  int sp = 0;
  size_t cur = 0;
  for (int i = 0; i < d->ntok; i++) {
    const jsmntok_t *k = &d->tok[i];
    size_t raw = (size_t)k->start - (k->type == JSMN_STRING ? 1 : 0);
    char sep = 0;
    bool is_key = false;
    if (sp == 0) {
      if (i > 0) return fail(t, raw, msg, msgsz, "more than one JSON value");
    } else {
      frame *f = &st[sp - 1];
      if (f->is_object && f->expect_value) sep = ':';
      else if (!f->first) sep = ',';
      is_key = f->is_object && !f->expect_value;
      if (f->remaining <= 0 && !f->expect_value)
        return fail(t, raw, msg, msgsz, "unexpected value");
    }
    long bad = check_gap(t, cur, raw, sep);
    if (bad >= 0)
      return fail(t, (size_t)bad, msg, msgsz,
                  sep == ':' ? "expected ':'" : sep == ',' ? "expected ','" : "unexpected character");
    if (is_key && k->type != JSMN_STRING)
      return fail(t, raw, msg, msgsz, "object key must be a string");
    switch (k->type) {
      case JSMN_PRIMITIVE: {
        const char *s = t + k->start;
        size_t n = (size_t)(k->end - k->start);
        bool ok = (n == 4 && !memcmp(s, "true", 4)) || (n == 5 && !memcmp(s, "false", 5)) ||
                  (n == 4 && !memcmp(s, "null", 4)) || check_number(s, n);
        if (!ok) return fail(t, raw, msg, msgsz, "invalid literal or number");
        cur = (size_t)k->end;
        break;
      }
      case JSMN_STRING: {
        size_t off;
        const char *why = check_string((const unsigned char *)t + k->start,
                                       (size_t)(k->end - k->start), &off);
        if (why) return fail(t, (size_t)k->start + off, msg, msgsz, why);
        cur = (size_t)k->end + 1;
        break;
      }
      default:
        cur = (size_t)k->start + 1;
        break;
    }
    if (sp > 0) {
      frame *f = &st[sp - 1];
      if (f->is_object && !f->expect_value) {
        f->expect_value = true;
      } else {
        f->expect_value = false;
        f->first = false;
        f->remaining--;
      }
    }
    if (k->type == JSMN_OBJECT || k->type == JSMN_ARRAY) {
      frame nf = {k->size, k->type == JSMN_OBJECT, false, true, k->end - 1};
      st[sp++] = nf;
    }
    while (sp > 0 && st[sp - 1].remaining == 0 && !st[sp - 1].expect_value) {
      frame *f = &st[sp - 1];
      bad = check_gap(t, cur, (size_t)f->close_at, 0);
      if (bad >= 0) return fail(t, (size_t)bad, msg, msgsz, "unexpected character");
      cur = (size_t)f->close_at + 1;
      sp--;
    }
  }
  if (sp != 0 || d->ntok == 0) return fail(t, d->len, msg, msgsz, "unexpected end of input");
  long bad = check_gap(t, cur, d->len, 0);
  if (bad >= 0) return fail(t, (size_t)bad, msg, msgsz, "unexpected data after the JSON value");
  return 0;
}

int json_parse(arena *a, const char *text, size_t len, json_doc *doc,
               char *msg, size_t msgsz) {
  memset(doc, 0, sizeof *doc);
  doc->text = text;
  doc->len = len;
  if (len > JSON_MAX_BYTES) return fail(text, 0, msg, msgsz, "document larger than 64 MiB");
  size_t lead = 0;
  while (lead < len && is_ws(text[lead])) lead++;
  if (lead == len) return fail(text, len, msg, msgsz, "empty input");
  if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
      (unsigned char)text[2] == 0xBF)
    return fail(text, 0, msg, msgsz, "byte-order mark is not allowed");
  if (memchr(text, 0, len)) {
    const char *z = memchr(text, 0, len);
    return fail(text, (size_t)(z - text), msg, msgsz, "NUL byte in input");
  }
  /* One linear pass over the bytes for the nesting depth (strings skipped). */
  {
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
      char ch = text[i];
      if (in_str) {
        if (ch == '\\') i++;
        else if (ch == '"') in_str = false;
      } else if (ch == '"') {
        in_str = true;
      } else if (ch == '{' || ch == '[') {
        if (++depth > JSON_MAX_DEPTH) return fail(text, i, msg, msgsz, "nested more than 64 levels deep");
      } else if (ch == '}' || ch == ']') {
        depth--;
      }
    }
  }
  /* A record has roughly one token per 8 bytes; grow on demand. jsmn resumes
  ** where it stopped when given a larger array. */
  unsigned cap = (unsigned)(len / 8 + 16);
  jsmntok_t *tok = arena_array(a, cap, sizeof(jsmntok_t));
  jsmn_parser p;
  jsmn_init(&p);
  for (;;) {
    if (!tok) return fail(text, 0, msg, msgsz, "out of memory");
    int r = jsmn_parse(&p, text, len, tok, cap);
    if (r >= 0) {
      doc->tok = tok;
      doc->ntok = r;
      break;
    }
    if (r == JSMN_ERROR_NOMEM) {
      unsigned ncap = cap * 2;
      tok = arena_grow(a, tok, cap * sizeof(jsmntok_t), ncap * sizeof(jsmntok_t));
      cap = ncap;
      continue;
    }
    if (r == JSMN_ERROR_PART) return fail(text, len, msg, msgsz, "unexpected end of input");
    return fail(text, p.pos < len ? p.pos : len, msg, msgsz, "invalid character");
  }
  return validate(doc, a, msg, msgsz);
}

int json_next(const json_doc *d, int i) {
  /* Tokens are in document order: the subtree of i ends before the first
  ** later token that starts at or after i's end. */
  int end = d->tok[i].end;
  int j = i + 1;
  while (j < d->ntok && d->tok[j].start < end) j++;
  return j;
}

bool json_is_null(const json_doc *d, int i) {
  const jsmntok_t *k = &d->tok[i];
  return k->type == JSMN_PRIMITIVE && d->text[k->start] == 'n';
}

bool json_is_bool(const json_doc *d, int i, bool *out) {
  const jsmntok_t *k = &d->tok[i];
  if (k->type != JSMN_PRIMITIVE) return false;
  char c = d->text[k->start];
  if (c != 't' && c != 'f') return false;
  *out = c == 't';
  return true;
}

bool json_is_number(const json_doc *d, int i) {
  const jsmntok_t *k = &d->tok[i];
  if (k->type != JSMN_PRIMITIVE) return false;
  char c = d->text[k->start];
  return c == '-' || (c >= '0' && c <= '9');
}

bool json_number(const json_doc *d, int i, double *out) {
  if (!json_is_number(d, i)) return false;
  const jsmntok_t *k = &d->tok[i];
  size_t n = (size_t)(k->end - k->start);
  char buf[512];
  if (n >= sizeof buf) return false;
  memcpy(buf, d->text + k->start, n);
  buf[n] = 0;
  double v = strtod(buf, NULL);
  if (!isfinite(v)) return false;
  *out = v;
  return true;
}

static void put_utf8(char **o, unsigned long cp) {
  unsigned char *p = (unsigned char *)*o;
  if (cp < 0x80) {
    *p++ = (unsigned char)cp;
  } else if (cp < 0x800) {
    *p++ = (unsigned char)(0xC0 | (cp >> 6));
    *p++ = (unsigned char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *p++ = (unsigned char)(0xE0 | (cp >> 12));
    *p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    *p++ = (unsigned char)(0x80 | (cp & 0x3F));
  } else {
    *p++ = (unsigned char)(0xF0 | (cp >> 18));
    *p++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    *p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    *p++ = (unsigned char)(0x80 | (cp & 0x3F));
  }
  *o = (char *)p;
}

char *json_string(arena *a, const json_doc *d, int i, size_t *len) {
  const jsmntok_t *k = &d->tok[i];
  const char *s = d->text + k->start;
  size_t n = (size_t)(k->end - k->start);
  char *out = arena_alloc(a, n + 1), *o = out;
  if (!out) return NULL;
  for (size_t j = 0; j < n;) {
    if (s[j] != '\\') {
      *o++ = s[j++];
      continue;
    }
    char e = s[j + 1];
    j += 2;
    switch (e) {
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u': {
        unsigned long cp = (unsigned long)hex4(s + j);
        j += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned long lo = (unsigned long)hex4(s + j + 2);
          j += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        put_utf8(&o, cp);
        break;
      }
      default: *o++ = e; break;
    }
  }
  *o = 0;
  if (len) *len = (size_t)(o - out);
  return out;
}

bool json_str_eq(const json_doc *d, int i, const char *s) {
  const jsmntok_t *k = &d->tok[i];
  size_t n = strlen(s);
  return k->type == JSMN_STRING && (size_t)(k->end - k->start) == n &&
         memcmp(d->text + k->start, s, n) == 0;
}
