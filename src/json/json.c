/*
** json.c: the one-pass strict JSON tokenizer of json.h, and accessors.
**
** The parser is a loop over bytes with an explicit stack of open containers
** (at most JSON_MAX_DEPTH) and a small state: what may come next. Strings are
** scanned with a fast path for plain ASCII; escapes, control characters and
** UTF-8 sequences are checked where they occur. Numbers are checked against
** the JSON grammar as they are scanned.
*/
#include "json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int fail(const char *text, size_t off, char *msg, size_t msgsz, const char *what) {
  int line, col;
  json_line_col(text, off, &line, &col);
  snprintf(msg, msgsz, "not valid JSON at line %d, column %d: %s", line, col, what);
  return -1;
}

static int oom(char *msg, size_t msgsz) {
  snprintf(msg, msgsz, "out of memory");
  return JSON_OUT_OF_MEMORY;
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

/* Scans a string body from i (after the opening quote). Returns the index
** of the closing quote, or (size_t)-1 with *why and *bad set. */
static size_t scan_string(const unsigned char *s, size_t i, size_t n, const char **why, size_t *bad) {
  for (;;) {
#ifdef __SSE2__
    /* 16 bytes at a time while they are all printable ASCII other than quote
    ** and backslash */
    while (i + 16 <= n) {
      int mask = json_special16(s + i);
      if (mask) {
        i += (size_t)__builtin_ctz((unsigned)mask);
        break;
      }
      i += 16;
    }
#endif
    /* fast path: printable ASCII other than quote and backslash */
    while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') i++;
    if (i >= n) {
      *why = "unterminated string";
      *bad = n;
      return (size_t)-1;
    }
    unsigned char c = s[i];
    *bad = i;
    if (c == '"') return i;
    if (c < 0x20) {
      *why = c == 0 ? "NUL byte in input" : "control character in a string";
      return (size_t)-1;
    }
    if (c == '\\') {
      if (i + 1 >= n) {
        *why = "bad escape";
        return (size_t)-1;
      }
      unsigned char e = s[i + 1];
      if (e == 'u') {
        if (i + 6 > n) {
          *why = "bad \\u escape";
          return (size_t)-1;
        }
        long u = hex4((const char *)s + i + 2);
        if (u < 0) {
          *why = "bad \\u escape";
          return (size_t)-1;
        }
        if (u == 0) {
          *why = "NUL character in a string";
          return (size_t)-1;
        }
        i += 6;
        if (u >= 0xD800 && u <= 0xDBFF) {
          long lo = i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u' ? hex4((const char *)s + i + 2) : -1;
          if (lo < 0xDC00 || lo > 0xDFFF) {
            *why = "unpaired surrogate";
            return (size_t)-1;
          }
          i += 6;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
          *why = "unpaired surrogate";
          return (size_t)-1;
        }
        continue;
      }
      if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
        *why = "bad escape";
        return (size_t)-1;
      }
      i += 2;
      continue;
    }
    /* UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF */
    int len;
    unsigned long cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else {
      *why = "invalid UTF-8";
      return (size_t)-1;
    }
    if (i + (size_t)len > n) {
      *why = "invalid UTF-8";
      return (size_t)-1;
    }
    for (int k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) {
        *why = "invalid UTF-8";
        return (size_t)-1;
      }
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      *why = "invalid UTF-8";
      return (size_t)-1;
    }
    i += (size_t)len;
  }
}

/* scan_string for the common string: plain ASCII up to its closing quote,
** found 16 bytes at a time without the call (and the saving of registers)
** the full scan needs; anything else (an escape, a control character,
** UTF-8, a string near the end of the input) goes to scan_string from the
** first byte that is not plain. The same answers, the same errors. */
static inline size_t scan_string_fast(const unsigned char *s, size_t i, size_t n, const char **why, size_t *bad) {
#ifdef __SSE2__
  while (i + 16 <= n) {
    int mask = json_special16(s + i);
    if (mask) {
      i += (size_t)__builtin_ctz((unsigned)mask);
      if (s[i] == '"') return i;
      break;
    }
    i += 16;
  }
#endif
  return scan_string(s, i, n, why, bad);
}

/* Scans a number from i; returns the index after it, or (size_t)-1. */
static size_t scan_number(const char *s, size_t i, size_t n) {
  if (s[i] == '-') i++;
  if (i >= n) return (size_t)-1;
  if (s[i] == '0') {
    i++;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  } else {
    return (size_t)-1;
  }
  if (i < n && s[i] == '.') {
    size_t st = ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == st) return (size_t)-1;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t st = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == st) return (size_t)-1;
  }
  return i;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* The offset of the first byte from i on that is not white space (or len).
** Most calls find none or one space: the common case is a check of the
** byte and, for one space, of the next. */
static inline size_t skip_ws(const char *text, size_t i, size_t len) {
  if (i < len && (unsigned char)text[i] > ' ') return i;
  if (i + 1 < len && text[i] == ' ' && (unsigned char)text[i + 1] > ' ') return i + 1;
  while (i < len && is_ws(text[i])) i++;
  return i;
}

/* fail()'s -1 as an offset */
static inline size_t failed(int rc) { return rc < 0 ? (size_t)-1 : 0; }

/* A string, number or literal at text[i] (token n) into *t. Returns the
** offset after it, or (size_t)-1 with msg set. */
static inline size_t scalar(const char *text, size_t len, size_t i, int n, json_tok *t, char *msg, size_t msgsz) {
  const unsigned char *s = (const unsigned char *)text;
  char c = text[i];
  if (c == '"') {
    const char *why;
    size_t bad, q = scan_string_fast(s, i + 1, len, &why, &bad);
    if (q == (size_t)-1) return failed(fail(text, bad, msg, msgsz, why));
    *t = (json_tok){JT_STRING, (int)i + 1, (int)q, 0, n + 1};
    return q + 1;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    size_t e = scan_number(text, i, len);
    if (e == (size_t)-1 || (e < len && !is_ws(text[e]) && text[e] != ',' && text[e] != '}' && text[e] != ']'))
      return failed(fail(text, i, msg, msgsz, "invalid number"));
    *t = (json_tok){JT_PRIMITIVE, (int)i, (int)e, 0, n + 1};
    return e;
  }
  size_t l = c == 't' ? 4 : c == 'f' ? 5 : c == 'n' ? 4 : 0;
  const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
  if (!l || i + l > len || memcmp(text + i, word, l) ||
      (i + l < len && !is_ws(text[i + l]) && text[i + l] != ',' && text[i + l] != '}' && text[i + l] != ']'))
    return failed(fail(text, i, msg, msgsz, c ? "invalid character or literal" : "NUL byte in input"));
  *t = (json_tok){JT_PRIMITIVE, (int)i, (int)(i + l), 0, n + 1};
  return i + l;
}

/* The token array doubled (the n tokens copied); NULL when out of memory. */
static json_tok *grow(arena *a, const json_tok *tok, int n, int *cap) {
  json_tok *nt = arena_alloc_raw(a, (size_t)*cap * 2 * sizeof(json_tok));
  if (!nt) return NULL;
  memcpy(nt, tok, (size_t)n * sizeof(json_tok));
  *cap *= 2;
  return nt;
}

/* After white space from i, the byte want: the offset past it when it is
** there and room (the token array has room for one more), else i. The
** parser takes a key's colon and a value's comma so, rather than in a turn
** of its loop of their own: that turn would pass the same checks and do the
** same (neither adds a token; a full array would grow first, so then the
** turn is taken). */
static inline size_t take(const char *text, size_t i, size_t len, char want, bool room) {
  size_t j = skip_ws(text, i, len);
  return room && j < len && text[j] == want ? j + 1 : i;
}

/* The offset of a key's quote after white space from i, when the token
** array has room for it (room), else (size_t)-1. */
static inline size_t key_at(const char *text, size_t i, size_t len, bool room) {
  size_t j = skip_ws(text, i, len);
  return room && j < len && text[j] == '"' ? j : (size_t)-1;
}

/* What may come next. */
enum { ST_VALUE, ST_VALUE_OR_CLOSE, ST_KEY, ST_KEY_OR_CLOSE, ST_COLON, ST_AFTER, ST_END };

/* json_parse's checks of the whole text and its first token array of cap
** tokens; NULL with *rc what json_parse returns. (The array and its size
** are returned, not written through pointers: the loop keeps them in
** registers.) Not inlined: inlined, it changed how the compiler kept the
** loop's variables, 4k instructions more a typical request. */
__attribute__((noinline)) static json_tok *parse_start(arena *a, const char *text, size_t len, json_doc *doc,
                                                       char *msg, size_t msgsz, int cap, int *rc) {
  memset(doc, 0, sizeof *doc);
  doc->text = text;
  doc->len = len;
  *rc = -1;
  if (len > JSON_MAX_BYTES) return fail(text, 0, msg, msgsz, "document larger than 64 MiB"), NULL;
  if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
    return fail(text, 0, msg, msgsz, "byte-order mark is not allowed"), NULL;
  json_tok *tok = arena_alloc_raw(a, (size_t)cap * sizeof(json_tok));
  if (!tok) *rc = oom(msg, msgsz);
  return tok;
}

/* The loop takes a turn per byte that decides something. Where the turn
** for the next step would pass the same checks (no end of input, no NUL,
** room in the token array: a full one grows first, so then the turn is
** taken) and come to the same place, it is taken at once instead: a
** member's value after its key's colon (the value's own scan refuses a
** NUL as the turn would), an object's first key, a key after a comma, an
** array's value after a comma. top and in_obj: the innermost open
** container (stack[sp - 1], when sp > 0) and whether it is an object. */
int json_parse(arena *a, const char *text, size_t len, json_doc *doc, char *msg, size_t msgsz) {
  int cap = (int)(len / 8) + 16, n = 0, rc; /* a record has about a token per 8 bytes; grown on demand */
  json_tok *tok = parse_start(a, text, len, doc, msg, msgsz, cap, &rc);
  if (!tok) return rc;
  int stack[JSON_MAX_DEPTH];
  int sp = 0, state = ST_VALUE, top = -1;
  bool in_obj = false;
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  for (;;) {
    i = skip_ws(text, i, len);
    if (i >= len) break;
    char c = text[i];
    if (c == 0) return fail(text, i, msg, msgsz, "NUL byte in input");
    if (state == ST_END) return fail(text, i, msg, msgsz, "unexpected data after the JSON value");
    if (n + 1 >= cap && !(tok = grow(a, tok, n, &cap))) return oom(msg, msgsz);
    switch (state) {
      case ST_COLON:
        if (c != ':') return fail(text, i, msg, msgsz, "expected ':'");
        i++;
        state = ST_VALUE;
        continue;
      case ST_AFTER:
        if (c == ',') {
          i++;
          state = in_obj ? ST_KEY : ST_VALUE;
          continue;
        }
        if ((c == '}' && in_obj) || (c == ']' && !in_obj)) goto close;
        return fail(text, i, msg, msgsz, in_obj ? "expected ',' or '}'" : "expected ',' or ']'");
      case ST_KEY_OR_CLOSE:
        if (c == '}') goto close;
        /* fall through */
      case ST_KEY: {
        if (c != '"') return fail(text, i, msg, msgsz, "object key must be a string");
      key:; /* text[i] is a key's quote, and the token array has room */
        const char *why;
        size_t bad, q = scan_string_fast(s, i + 1, len, &why, &bad);
        if (q == (size_t)-1) return fail(text, bad, msg, msgsz, why);
        tok[n] = (json_tok){JT_STRING, (int)i + 1, (int)q, 1, n + 1};
        n++;
        tok[top].size++;
        size_t j = take(text, q + 1, len, ':', n + 1 < cap);
        state = j != q + 1 ? ST_VALUE : ST_COLON;
        i = state == ST_VALUE ? skip_ws(text, j, len) : j;
        if (state != ST_VALUE || i >= len || n + 1 >= cap) continue;
        c = text[i];
        goto member_value;
      }
      case ST_VALUE_OR_CLOSE:
        if (c == ']') goto close;
        /* fall through */
      default:
        break;
    }
    /* a value */
    if (sp > 0 && !in_obj) tok[top].size++;
  member_value:
    if (c == '{' || c == '[') {
      if (sp == JSON_MAX_DEPTH) return fail(text, i, msg, msgsz, "nested more than 64 levels deep");
      tok[n] = (json_tok){c == '{' ? JT_OBJECT : JT_ARRAY, (int)i, -1, 0, -1};
      top = stack[sp++] = n++;
      in_obj = c == '{';
      i++;
      state = c == '{' ? ST_KEY_OR_CLOSE : ST_VALUE_OR_CLOSE;
      size_t k = c == '{' ? key_at(text, i, len, n + 1 < cap) : (size_t)-1;
      if (k == (size_t)-1) continue;
      i = k;
      goto key;
    }
    i = scalar(text, len, i, n, &tok[n], msg, msgsz);
    if (i == (size_t)-1) return -1;
    n++;
    goto after_value;
  close:
    tok[stack[--sp]].end = (int)i + 1;
    tok[stack[sp]].next = n;
    top = sp ? stack[sp - 1] : -1;
    in_obj = sp && tok[top].type == JT_OBJECT;
    i++;
  after_value:
    state = sp ? ST_AFTER : ST_END;
    if (sp) { /* the comma after a value, as the colon after a key */
      size_t j = take(text, i, len, ',', n + 1 < cap);
      if (j != i) state = in_obj ? ST_KEY : ST_VALUE;
      i = j;
      if (state == ST_AFTER || (i = skip_ws(text, i, len)) >= len || n + 1 >= cap) continue;
      c = text[i];
      if (state == ST_KEY && c != '"') continue;
      if (state == ST_KEY) goto key;
      tok[top].size++;
      goto member_value;
    }
  }
  if (n == 0) return fail(text, len, msg, msgsz, "empty input");
  if (state != ST_END) return fail(text, len, msg, msgsz, "unexpected end of input");
  doc->tok = tok;
  doc->ntok = n;
  return 0;
}

int json_next(const json_doc *d, int i) { return d->tok[i].next; }

bool json_is_null(const json_doc *d, int i) {
  const json_tok *k = &d->tok[i];
  return k->type == JT_PRIMITIVE && d->text[k->start] == 'n';
}

bool json_is_bool(const json_doc *d, int i, bool *out) {
  const json_tok *k = &d->tok[i];
  if (k->type != JT_PRIMITIVE) return false;
  char c = d->text[k->start];
  if (c != 't' && c != 'f') return false;
  *out = c == 't';
  return true;
}

bool json_is_number(const json_doc *d, int i) {
  const json_tok *k = &d->tok[i];
  if (k->type != JT_PRIMITIVE) return false;
  char c = d->text[k->start];
  return c == '-' || (c >= '0' && c <= '9');
}

/* Powers of ten that a double holds exactly. */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The common case, exactly: at most 15 significant digits and a decimal
** exponent within +-22 make mantissa and power exact doubles, so one
** multiplication or division rounds correctly (Clinger's fast path).
** Anything else goes to strtod. The grammar was checked by json_parse. */
static bool fast_number(const char *s, size_t n, double *out) {
  size_t i = 0;
  bool neg = s[0] == '-';
  if (neg) i++;
  uint64_t m = 0;
  int digits = 0, exp10 = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    if (m || s[i] != '0') digits++;
    m = m * 10 + (uint64_t)(s[i] - '0');
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
      if (m || s[i] != '0') digits++;
      m = m * 10 + (uint64_t)(s[i] - '0');
      exp10--;
    }
  }
  if (i != n || digits > 15) return false; /* exponent part or too long */
  double v = (double)m;
  if (exp10 < -22) return false;
  v = exp10 < 0 ? v / pow10_exact[-exp10] : v;
  *out = neg ? -v : v;
  return true;
}

bool json_number(const json_doc *d, int i, double *out) {
  if (!json_is_number(d, i)) return false;
  const json_tok *k = &d->tok[i];
  size_t n = (size_t)(k->end - k->start);
  if (fast_number(d->text + k->start, n, out)) return true;
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
  const json_tok *k = &d->tok[i];
  const char *s = d->text + k->start;
  size_t n = (size_t)(k->end - k->start);
  char *out = arena_alloc_raw(a, n + 1), *o = out; /* every byte up to the NUL is written */
  if (!out) return NULL;
  /* most strings have no escape: the bytes before the first backslash are
  ** copied at once */
  const char *esc = memchr(s, '\\', n);
  size_t plain = esc ? (size_t)(esc - s) : n;
  memcpy(o, s, plain);
  o += plain;
  for (size_t j = plain; j < n;) {
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
  const json_tok *k = &d->tok[i];
  size_t n = strlen(s);
  return k->type == JT_STRING && (size_t)(k->end - k->start) == n &&
         memcmp(d->text + k->start, s, n) == 0;
}
