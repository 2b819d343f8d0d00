/*
** json.h: strict JSON reading in one pass.
**
** json_parse() checks the whole document against RFC 8259 and cuts it into
** a flat array of tokens (objects, arrays, strings, primitives) with their
** byte offsets, in document order, without recursion and without global
** state; all memory comes from the caller's arena. One pass checks
** everything: the grammar, string escapes, control characters, UTF-8, the
** number grammar, literals, nesting depth. A document that passes is valid
** JSON, so the readers above only check types, ranges and codes.
**
** Why not a library: the strict reader is the hot path of screening (see the
** README). jsmn, the fastest parser Debian has, is lax about the grammar, so
** it needed two more passes to make it strict, and its closing-bracket walk is
** linear in depth (quadratic on deeply nested input). This one pass measured
** 2.4 times the throughput of jsmn plus those checks and has no such corner.
*/
#ifndef OSTEO_JSON_H
#define OSTEO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/arena.h"

/* Deepest nesting accepted (a record needs four levels). */
#define JSON_MAX_DEPTH 64
/* Largest document: offsets are ints. */
#define JSON_MAX_BYTES (64u * 1024u * 1024u)

typedef enum { JT_OBJECT = 1, JT_ARRAY, JT_STRING, JT_PRIMITIVE } json_type;

typedef struct {
  json_type type;
  int start, end; /* byte offsets; a string's exclude its quotes, a
                  ** container's end is one past its closing bracket */
  int size;       /* members of an object, elements of an array */
  int next;       /* index of the token after this one's subtree */
} json_tok;

typedef struct {
  const char *text;
  size_t len;
  json_tok *tok;
  int ntok;
} json_doc;

/* On failure fills msg (with line and column) and returns -1, or
** JSON_OUT_OF_MEMORY when the arena had no room (msg "out of memory": not a
** fault of the input, and callers say so). */
#define JSON_OUT_OF_MEMORY (-2)
int json_parse(arena *a, const char *text, size_t len, json_doc *doc,
               char *msg, size_t msgsz);

/* Index of the token after the whole subtree that starts at i. */
int json_next(const json_doc *d, int i);
bool json_is_null(const json_doc *d, int i);
bool json_is_bool(const json_doc *d, int i, bool *out);
bool json_is_number(const json_doc *d, int i);
/* Parses a number token; false when not a number or not finite (1e999). */
bool json_number(const json_doc *d, int i, double *out);
/* Decodes a string token into the arena (escapes resolved, NUL-terminated). */
char *json_string(arena *a, const json_doc *d, int i, size_t *len);
/* Does string token i equal s exactly (no escapes in s)? */
bool json_str_eq(const json_doc *d, int i, const char *s);
/* The same with the length of s known (n bytes). */
static inline bool json_str_eqn(const json_doc *d, int i, const char *s, size_t n) {
  const json_tok *k = &d->tok[i];
  return (size_t)(k->end - k->start) == n && k->type == JT_STRING &&
         __builtin_memcmp(d->text + k->start, s, n) == 0;
}
/* Line and column (1-based) of a byte offset. */
void json_line_col(const char *text, size_t off, int *line, int *col);

#ifdef __SSE2__
#include <emmintrin.h>
/* Bit i set when byte i of the 16 at p cannot stand in a JSON string as it
** is: a quote, a backslash, a control character, or a byte >= 0x80 (which
** the reader must check as UTF-8 and the writer copies). Shared by the
** reader's and the writer's fast paths over plain string bytes. */
static inline int json_special16(const unsigned char *p) {
  const __m128i v = _mm_loadu_si128((const __m128i *)p);
  const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                       _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
  return _mm_movemask_epi8(special);
}
/* The writer's set: json_special16's bytes and DEL (0x7f, valid JSON as it
** is, but a terminal would obey it, so writers escape it). */
static inline int json_write_special16(const unsigned char *p) {
  const __m128i del = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), _mm_set1_epi8(0x7f));
  return json_special16(p) | _mm_movemask_epi8(del);
}
#endif

/* The same set as json_write_special16, eight bytes at a time in plain C
** (for runs shorter than 16 bytes, and machines without SSE2): is every
** byte of the word x printable ASCII (0x20..0x7e) other than a quote and a
** backslash? Exact on all 256 byte values: no high bit; no byte below 0x20
** ((x - 0x20 each) borrows into a clear high bit only from such a byte, for
** the first one at least); no 0x7f (adding 1 to each byte, all below 0x80,
** carries into a high bit only from 0x7f); no byte equal to '"' or '\\'
** (the same borrow test on x xor that byte). */
static inline bool json_plain8(uint64_t x) {
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
  uint64_t stop = x | ((x - ones * 0x20) & ~x) | (x + ones) | ((q - ones) & ~q) | ((bs - ones) & ~bs);
  return !(stop & highs);
}

/* Members of a parsed document (json_get.c), for readers that walk one:
** the FHIR mapper, the CDS Hooks service, the API. */
int fj_getn(const json_doc *d, int obj, const char *key, size_t n); /* value token or -1 */
/* Inline so that a literal key's length is known when compiling: the
** mapper looks up members by constant names some thirty times a resource. */
static inline int fj_get(const json_doc *d, int obj, const char *key) {
  return fj_getn(d, obj, key, __builtin_strlen(key));
}
/* Does token tok (may be -1) equal s? */
static inline bool fj_is(const json_doc *d, int tok, const char *s) {
  return tok >= 0 && json_str_eqn(d, tok, s, __builtin_strlen(s));
}
const char *fj_str(arena *a, const json_doc *d, int tok); /* decoded string or NULL */

#endif
