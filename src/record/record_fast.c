/*
** record_fast.c: reading a record in one pass over its bytes (issue 19).
**
** The strict reader (record.c) parses the JSON into tokens, then walks them.
** Screening reads millions of records, almost all well formed, so this
** reader goes over the bytes once, straight into the op_record, each field
** checked as it is read against the same rules.
**
** It only ever accepts: on anything it did not fully check (an error of any
** kind, an escape in a string, a number with an exponent or more than 15
** digits, extensions with content, more than FAST_MAX_ELEMS entries in a
** list) it gives up, and record_read reads the text again the strict way,
** which gives the record or the exact error message. So this file must
** never accept what the strict reader refuses, and must fill the same
** op_record; tests/unit/test_record_fast.c and fuzz/fuzz_record.c compare
** the two readers on every input they have.
**
** The text is read from a copy followed by FAST_PAD zero bytes: a NUL
** matches nothing the reader expects (a quote, a bracket, a digit, a
** letter of a name), so every scan stops at the end as at a bad byte, with
** no test of the end per byte, and reads of a few bytes at once (keys,
** dates, 16-byte scans) stay inside the copy. Invariant: p <= end (only
** bytes that matched something other than NUL are passed over), and no
** read goes further than p + FAST_PAD - 1.
**
** Dates are checked against as_of at the end (as_of may come last in the
** document): only the latest date that may not follow as_of is kept, and a
** fracture given by year keeps the year until as_of is known.
*/
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../json/json.h"
#include "../util/ctlchar.h"
#include "record.h"
#include "record_fast_codes.h"

/* Entries of one list read on the fast path (more: the strict reader). */
#define FAST_MAX_ELEMS 32
#define FAST_ELEM_BYTES 64
/* Zero bytes after the copy of the text (longer than any read ahead: a key
** and its quote and colon, a date, 16 bytes of a scan), and the longest
** text copied on the stack (longer ones are copied into the arena). */
#define FAST_PAD 64
#define FAST_STACK_COPY 4096
_Static_assert(sizeof(op_bmd) <= FAST_ELEM_BYTES && sizeof(op_fracture) <= FAST_ELEM_BYTES &&
                   sizeof(op_therapy) <= FAST_ELEM_BYTES && sizeof(op_medication) <= FAST_ELEM_BYTES &&
                   sizeof(op_condition) <= FAST_ELEM_BYTES && sizeof(op_marker) <= FAST_ELEM_BYTES &&
                   sizeof(op_identifier) <= FAST_ELEM_BYTES,
               "a list entry fits its scratch slot");

typedef struct {
  const unsigned char *p, *end;
  arena *a;
  const op_kb *kb;
  op_record *rec;
  op_date latest; /* the latest date read that may not follow as_of */
  /* the last date read, as its ten bytes and its day: a record repeats its
  ** dates (one per BMD site of a scan), and the same bytes give the same day.
  ** Empty until a date has been read: the input may hold any ten bytes,
  ** NULs included, so no initial text is safe to match. */
  bool has_last_date;
  char last_date_text[10];
  op_date last_date;
  /* a list's entries, copied into the arena once their count is known
  ** (lists do not nest in a record) */
  _Alignas(16) unsigned char scratch[FAST_MAX_ELEMS * FAST_ELEM_BYTES];
} fr;

#define TH(id) KB_TH(f->kb, id)

/* ---- JSON pieces -------------------------------------------------------- */

static inline void ws(fr *f) {
  /* the usual case, no whitespace at all: one compare (all four are <= ' ');
  ** the NUL after the text stops the loop */
  if (*f->p > ' ') return;
  while (*f->p == ' ' || *f->p == '\n' || *f->p == '\r' || *f->p == '\t') f->p++;
}

/* Is the next byte (after whitespace) c? It is eaten when so. */
static inline bool eat(fr *f, unsigned char c) {
  ws(f);
  if (*f->p == c) { /* c is not NUL */
    f->p++;
    return true;
  }
  return false;
}

/* null is eaten when it comes next. A letter after it ("nullx") is left
** for the caller, which expects ',' or a closing bracket and gives up. */
static inline bool null_next(fr *f) {
  ws(f);
  if (!memcmp(f->p, "null", 4)) {
    f->p += 4;
    return true;
  }
  return false;
}

/* A string without escapes, its bytes unchecked: only for codes, which are
** accepted only when they equal a plain ASCII name. */
static bool raw_str(fr *f, const char **s, size_t *n) {
  ws(f);
  if (*f->p != '"') return false;
  const unsigned char *b = ++f->p, *q = b;
#ifdef __SSE2__
  /* 16 bytes at a time; the first byte that is not plain printable ASCII
  ** must be the closing quote (anything else matches no name). The NUL at
  ** the end is such a byte, so a block read starts at or before the end. */
  for (;;) {
    int mask = json_special16(q);
    if (mask) {
      q += __builtin_ctz((unsigned)mask);
      break;
    }
    q += 16;
  }
#else
  while (*q >= 0x20 && *q != '"' && *q != '\\' && *q < 0x80) q++;
#endif
  if (*q != '"') return false;
  *s = (const char *)b;
  *n = (size_t)(q - b);
  f->p = q + 1;
  return true;
}

/* The length of a well-formed UTF-8 sequence at q (lead byte >= 0x80), or
** 0: json.c's rules (no overlong forms, no surrogates, nothing above
** U+10FFFF). */
static size_t utf8_len(const unsigned char *q, const unsigned char *end) {
  unsigned char c = q[0];
  size_t len;
  unsigned long cp;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1Fu; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0Fu; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07u; }
  else return 0;
  if ((size_t)(end - q) < len) return 0;
  for (size_t k = 1; k < len; k++) {
    if ((q[k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (q[k] & 0x3Fu);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return len;
}

/* A string that is kept, every byte checked as json.c checks it; an escape
** gives up (the strict reader decodes it). */
static bool text_str(fr *f, const char **s, size_t *n) {
  ws(f);
  if (*f->p != '"') return false;
  const unsigned char *b = f->p + 1, *q = b;
  for (;;) {
    unsigned char c = *q; /* the NUL at the end is refused below */
    if (c == '"') break;
    if (c < 0x20 || c == '\\') return false;
    if (c < 0x80) {
      q++;
      continue;
    }
    size_t len = utf8_len(q, f->end);
    if (!len) return false;
    q += len;
  }
  *s = (const char *)b;
  *n = (size_t)(q - b);
  f->p = q + 1;
  return true;
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline bool is_digit(unsigned char c) { return (unsigned)(c - '0') <= 9; }

/* A number in JSON's grammar, converted as json.c's fast_number converts
** it (exact: at most 15 significant digits, at most 22 decimals). An
** exponent or anything longer gives up: the strict reader uses strtod. */
static bool num(fr *f, double *out) {
  ws(f);
  const unsigned char *p = f->p;
  bool neg = *p == '-';
  p += neg;
  if (!is_digit(*p)) return false;
  uint64_t m = 0;
  int digits = 0, exp10 = 0;
  if (*p == '0') {
    p++; /* a leading 0 stands alone */
  } else {
    for (; is_digit(*p); p++) {
      if (++digits > 15) return false;
      m = m * 10 + (uint64_t)(*p - '0');
    }
  }
  if (*p == '.') {
    p++;
    if (!is_digit(*p)) return false;
    for (; is_digit(*p); p++) {
      if ((m || *p != '0') && ++digits > 15) return false;
      m = m * 10 + (uint64_t)(*p - '0');
      exp10--;
    }
  }
  if (*p == 'e' || *p == 'E') return false;
  if (exp10 < -22) return false;
  double v = (double)m;
  v = exp10 < 0 ? v / pow10_exact[-exp10] : v;
  *out = neg ? -v : v;
  f->p = p;
  return true;
}

/* ---- typed values (record.c's rd_* on the accept side) ------------------ */

static bool number(fr *f, double lo, double hi, double *out) {
  double d;
  if (!num(f, &d) || d < lo || d > hi) return false;
  // cppcheck-suppress duplicateConditionalAssign ; -0 == 0 holds, and the assignment makes it +0
  if (d == 0) d = 0; /* -0 is 0 */
  *out = d;
  return true;
}

static bool nonneg(fr *f, double *out) { return number(f, 0, 1e9, out); }

static bool whole(fr *f, double lo, double hi, int *out) {
  double d;
  if (!num(f, &d) || d != floor(d) || d < lo || d > hi) return false;
  *out = (int)d;
  return true;
}

static bool boolean(fr *f, bool *out) {
  ws(f);
  if (!memcmp(f->p, "true", 4)) {
    f->p += 4;
    *out = true;
    return true;
  }
  if (!memcmp(f->p, "false", 5)) {
    f->p += 5;
    *out = false;
    return true;
  }
  return false;
}

/* date_parse's rules on the ten bytes at s (YYYY-MM-DD, year 0001..9999, a
** real calendar day), without its per-byte calls: screening reads about ten
** dates a record. tests/unit/test_record_fast.c compares the two on every
** year, month and day around the valid ranges and on odd bytes. Flattened:
** date_from_ymd is inlined (across files, by LTO), its range tests fold. */
__attribute__((flatten)) bool record_fast_date10(const char *text, op_date *out) {
  const unsigned char *s = (const unsigned char *)text;
  int y, m, d;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  /* "YYYY-MM-" as one word (byte i in bits 8i) and "DD" as another: a
  ** byte is a digit when its high nibble is 3 and stays 3 after adding 6
  ** (no carry can cross a byte once the first test holds) */
  uint64_t w;
  uint16_t w2;
  memcpy(&w, s, 8);
  memcpy(&w2, s + 8, 2);
  const uint64_t hi = 0x00F0F000F0F0F0F0u, zero = 0x0030300030303030u;
  if ((w & 0xFF0000FF00000000u) != 0x2D00002D00000000u || (w & hi) != zero || ((w + 0x0006060006060606u) & hi) != zero ||
      (w2 & 0xF0F0u) != 0x3030u || ((w2 + 0x0606u) & 0xF0F0u) != 0x3030u)
    return false;
  /* the digits' values (the dashes' bytes zero), then each byte times ten
  ** plus the next one: bytes 0, 2 and 5 hold the pairs YY, YY and MM
  ** (at most 99, so no carry crosses into the next byte) */
  const uint64_t v = w & 0x000F0F000F0F0F0Fu, t = v * 10 + (v >> 8);
  y = (int)(t & 0xFF) * 100 + (int)((t >> 16) & 0xFF);
  m = (int)((t >> 40) & 0xFF);
  d = (w2 & 0x0F) * 10 + ((w2 >> 8) & 0x0F);
#else
  unsigned v[10];
  if (s[4] != '-' || s[7] != '-') return false;
  for (int i = 0; i < 10; i++) v[i] = (unsigned)s[i] - '0';
  if (v[0] > 9 || v[1] > 9 || v[2] > 9 || v[3] > 9 || v[5] > 9 || v[6] > 9 || v[8] > 9 || v[9] > 9) return false;
  y = (int)(v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3]), m = (int)(v[5] * 10 + v[6]), d = (int)(v[8] * 10 + v[9]);
#endif
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  /* the leap year only matters in February */
  int dim = m == 2 ? 28 + ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)
                   : 30 + ((m + (m >> 3)) & 1); /* 31: Jan Mar May Jul Aug Oct Dec */
  if (d > dim) return false;
  *out = date_from_ymd(y, m, d);
  return true;
}

/* A calendar date; past: it may not follow as_of (checked at the end). The
** ten bytes of a valid date are digits and dashes, so the string is plain.
** Inlined: about ten a record, most of them the last one again. */
static inline __attribute__((always_inline)) bool date(fr *f, bool past, op_date *out) {
  ws(f);
  const unsigned char *p = f->p;
  if (p[0] != '"' || p[11] != '"') return false;
  if (!f->has_last_date || memcmp(p + 1, f->last_date_text, 10) != 0) {
    op_date d;
    if (!record_fast_date10((const char *)p + 1, &d)) return false;
    memcpy(f->last_date_text, p + 1, 10);
    f->last_date = d;
    f->has_last_date = true;
  }
  *out = f->last_date;
  f->p = p + 12;
  if (past && *out > f->latest) f->latest = *out;
  return true;
}

/* A code of the kb's own table (the agents): op_code_lookup_len's search
** (the first equal name), without a call per candidate. */
static bool code(fr *f, const char *const *table, const unsigned char *lens, int n, int *out) {
  const char *s;
  size_t len;
  if (!raw_str(f, &s, &len)) return false;
  if (len == 0) return false;
  for (int i = 0; i < n; i++)
    if (lens[i] == len && table[i][0] == s[0] && same_bytes(s, table[i], len)) {
      *out = i;
      return true;
    }
  return false;
}

/* A code of the contract, through its list's inline lookup
** (record_fast_codes.h; the string is followed by its quote and the
** padding, so s[0] may be read when it is empty). */
typedef int (*code_lookup)(const char *s, size_t len);
static inline __attribute__((always_inline)) bool code_of(fr *f, code_lookup look, int *out) {
  const char *s;
  size_t len;
  if (!raw_str(f, &s, &len)) return false;
  int i = look(s, len);
  if (i < 0) return false;
  *out = i;
  return true;
}
#define CODE(name, out) code_of(f, fast_code_##name, (out))

/* A string kept as it is (the strict reader's json_string of a plain one). */
static bool string(fr *f, const char **out) {
  const char *s;
  size_t n;
  if (!text_str(f, &s, &n)) return false;
  *out = arena_strndup(f->a, s, n);
  return *out != NULL;
}

/* record_identity.c's rd_text on the accept side: 1..max characters, not
** only spaces, no control character (C0, DEL, C1). */
static bool text(fr *f, int max, const char **out) {
  const char *s;
  size_t n;
  if (!text_str(f, &s, &n)) return false;
  int chars = 0;
  bool blank = true;
  for (size_t k = 0; k < n; k++) {
    unsigned char c = (unsigned char)s[k];
    if ((c & 0xc0u) == 0x80u) continue;
    chars++;
    unsigned cp;
    if (ctl_at(s + k, &cp)) return false;
    if (c != ' ') blank = false;
  }
  if (blank || chars > max) return false;
  *out = arena_strndup(f->a, s, n);
  return *out != NULL;
}

/* ---- objects and lists -------------------------------------------------- */

/* The next member of an object whose '{' was read: 1 with k at the first
** byte of its key (after the quote; it may be the NUL after the text), 0 at
** the closing '}', -1 on anything else. *n counts the members read. The
** key is not scanned: FIELD compares it with each name in turn, and an
** unknown key gives up. Always inlined: as a call (one per member) it
** cost a twentieth of a screening run, most of it passing n and k through
** memory. */
static inline __attribute__((always_inline)) int next_key(fr *f, int *n, const char **k) {
  ws(f);
  if (*f->p == '}') {
    f->p++;
    return 0;
  }
  if (*n > 0) {
    if (*f->p != ',') return -1;
    f->p++;
    ws(f);
  }
  if (*f->p != '"') return -1;
  *k = (const char *)++f->p;
  (*n)++;
  return 1;
}

/* Is the key at k the name s (n bytes) and its closing quote? Then the
** key and its ':' are eaten. The names hold no quote and no backslash, so
** the bytes of s and a quote after them are the whole key. The first
** byte tells most names apart at once. The bytes compared are within
** FAST_PAD of k, which is at most the end: a key cut short meets the NUL
** after the text, which no name holds. */
static inline bool key_is(fr *f, const char *k, const char *s, size_t n) {
  if (k[0] != s[0] || k[n] != '"' || !same_bytes(k, s, n))
    return false;
  if (k[n + 1] == ':') { /* the usual case: no whitespace around the colon */
    f->p = (const unsigned char *)k + n + 2;
    return true;
  }
  f->p = (const unsigned char *)k + n + 1;
  return eat(f, ':');
}

/* Key k is name s, met for the first time in this object (bit i of seen):
** a key given twice gives up, as does an unknown one (no case matches). */
static inline bool once(unsigned *seen, int i) {
  unsigned b = 1u << i;
  if (*seen & b) return false;
  *seen |= b;
  return true;
}
/* (the sizeof: a name, its quote and colon are read ahead within FAST_PAD) */
#define FIELD(i, s) \
  ((void)sizeof(char[sizeof(s) + 1 < FAST_PAD ? 1 : -1]), key_is(f, k, s, sizeof(s) - 1) && once(&seen, (i)))
/* The member loop of one object; BODY sets ok for the key at k. */
#define MEMBERS(BODY)                                     \
  do {                                                    \
    const char *k;                                        \
    int n_ = 0, st_;                                      \
    if (!eat(f, '{')) return false;                       \
    while ((st_ = next_key(f, &n_, &k)) > 0) {            \
      bool ok = false;                                    \
      BODY                                                \
      if (!ok) return false;                              \
    }                                                     \
    if (st_ < 0) return false;                            \
  } while (0)

typedef bool (*elem_fn)(fr *f, void *slot);

/* A list of objects into the arena, count + 1 zeroed entries of size bytes
** as the strict reader allocates them; at most max entries (its limit). */
static bool list(fr *f, size_t size, elem_fn fn, int max, void **out, int *count) {
  if (!eat(f, '[')) return false;
  int n = 0;
  if (!eat(f, ']')) {
    for (;;) {
      if (n >= FAST_MAX_ELEMS || n >= max) return false;
      void *slot = f->scratch + (size_t)n * size;
      /* a constant size is a few stores, not a call; the bytes past this
      ** entry are those of later entries, not yet read (and zeroed again) */
      memset(slot, 0, FAST_ELEM_BYTES);
      if (!fn(f, slot)) return false;
      n++;
      if (eat(f, ']')) break;
      if (!eat(f, ',')) return false;
    }
  }
  /* n + 1 entries, the last one zeroed (n <= 32, size <= 64: no overflow);
  ** not arena_array, which would zero the entries about to be copied */
  unsigned char *arr = arena_alloc_raw(f->a, ((size_t)n + 1) * size);
  if (!arr) return false;
  if (n) memcpy(arr, f->scratch, (size_t)n * size);
  memset(arr + (size_t)n * size, 0, size);
  *out = arr;
  *count = n;
  return true;
}
#define LIST(type, fn, max, out, count) list(f, sizeof(type), fn, (max), (void **)(out), (count))

/* ---- the record's objects ----------------------------------------------- */

static bool bmd_elem(fr *f, void *slot) {
  op_bmd *b = slot;
  unsigned seen = 0;
  MEMBERS({
    if (FIELD(0, "site")) ok = CODE(site, &b->site);
    else if (FIELD(1, "t_score")) ok = number(f, TH(V_T_MIN), TH(V_T_MAX), &b->t_score);
    else if (FIELD(2, "bmd_g_cm2"))
      ok = null_next(f) || (b->has_bmd = true, number(f, TH(V_BMD_MIN), TH(V_BMD_MAX), &b->bmd));
    else if (FIELD(3, "date")) ok = date(f, true, &b->date);
  });
  return (seen & 0xbu) == 0xbu; /* site, t_score, date */
}

static bool frax_obj(fr *f, op_frax *x) {
  unsigned seen = 0;
  double lo = TH(V_FRAX_MIN), hi = TH(V_FRAX_MAX);
  MEMBERS({
    if (FIELD(0, "major_osteoporotic_pct")) ok = null_next(f) || (x->has_mof = true, number(f, lo, hi, &x->mof));
    else if (FIELD(1, "hip_pct")) ok = null_next(f) || (x->has_hip = true, number(f, lo, hi, &x->hip));
    else if (FIELD(2, "date")) ok = null_next(f) || (x->has_date = true, date(f, true, &x->date));
  });
  return true;
}

/* A fracture's year is kept in date until as_of is known (finish()). */
static bool fx_elem(fr *f, void *slot) {
  op_fracture *x = slot;
  unsigned seen = 0;
  x->mechanism = OP_MECH_FRAGILITY;
  MEMBERS({
    if (FIELD(0, "site")) ok = CODE(fx_site, &x->site);
    else if (FIELD(1, "date")) ok = date(f, true, &x->date);
    else if (FIELD(2, "year")) ok = whole(f, (int)TH(V_FRACTURE_YEAR_MIN), OP_AS_OF_LAST_YEAR, &x->date);
    else if (FIELD(3, "mechanism")) ok = CODE(mechanism, &x->mechanism);
  });
  x->year_only = (seen & 4u) != 0;
  return (seen & 1u) && ((seen >> 1) & 3u) != 0 && ((seen >> 1) & 3u) != 3u; /* site; date or year */
}

static bool th_elem(fr *f, void *slot) {
  static const char *const adherence_str[] = {"good", "poor"};
  static const unsigned char adherence_len[] = {4, 4};
  op_therapy *t = slot;
  unsigned seen = 0;
  int adh = 0;
  t->end = OP_NO_DATE;
  MEMBERS({
    if (FIELD(0, "agent")) ok = code(f, f->kb->agent_code, f->kb->agent_code_len, f->kb->n_agents, &t->agent);
    else if (FIELD(1, "start")) ok = date(f, true, &t->start);
    else if (FIELD(2, "end")) ok = null_next(f) || (t->has_end = true, date(f, false, &t->end));
    else if (FIELD(3, "last_dose")) ok = null_next(f) || (t->has_last_dose = true, date(f, true, &t->last_dose));
    else if (FIELD(4, "doses")) ok = null_next(f) || (t->has_doses = true, whole(f, 0, (int)TH(V_DOSES_MAX), &t->doses));
    else if (FIELD(5, "stop_reason"))
      ok = null_next(f) || (t->has_stop_reason = true, CODE(stop_reason, &t->stop_reason));
    else if (FIELD(6, "adherence"))
      ok = null_next(f) || (code(f, adherence_str, adherence_len, 2, &adh) && ((t->adherence_poor = adh == 1), true));
  });
  if ((seen & 3u) != 3u) return false; /* agent, start */
  if (t->has_end && t->end < t->start) return false;
  if (t->has_last_dose && t->last_dose < t->start) return false;
  return !(t->has_last_dose && t->has_end && t->last_dose > t->end);
}

static bool med_elem(fr *f, void *slot) {
  op_medication *m = slot;
  unsigned seen = 0;
  MEMBERS({
    if (FIELD(0, "class")) ok = CODE(med_class, &m->cls);
    else if (FIELD(1, "dose_mg_per_day")) ok = null_next(f) || (m->has_dose = true, nonneg(f, &m->dose));
    else if (FIELD(2, "start")) ok = null_next(f) || (m->has_start = true, date(f, true, &m->start));
    else if (FIELD(3, "end")) ok = null_next(f) || (m->has_end = true, date(f, false, &m->end));
    else if (FIELD(4, "name")) ok = null_next(f) || string(f, &m->name);
  });
  return (seen & 1u) && !(m->has_start && m->has_end && m->end < m->start);
}

static bool cond_elem(fr *f, void *slot) {
  op_condition *c = slot;
  unsigned seen = 0;
  MEMBERS({
    if (FIELD(0, "code")) ok = CODE(condition, &c->code);
    else if (FIELD(1, "date")) ok = null_next(f) || (c->has_date = true, date(f, true, &c->date));
  });
  return seen & 1u;
}

static bool mk_elem(fr *f, void *slot) {
  op_marker *m = slot;
  unsigned seen = 0;
  MEMBERS({
    if (FIELD(0, "value")) ok = nonneg(f, &m->value);
    else if (FIELD(1, "date")) ok = date(f, true, &m->date);
  });
  return seen == 3u;
}

/* A lab: null, a plain number (undated) or {value, date}. */
static bool lab(fr *f, bool *has, double *value, op_date *when) {
  if (null_next(f)) return true;
  *has = true;
  *when = OP_NO_DATE;
  if (*f->p != '{') return nonneg(f, value);
  unsigned seen = 0;
  MEMBERS({
    if (FIELD(0, "value")) ok = nonneg(f, value);
    else if (FIELD(1, "date")) ok = date(f, true, when);
  });
  return seen == 3u;
}

static bool labs_obj(fr *f, op_record *r) {
  unsigned seen = 0;
  MEMBERS({
    if (FIELD(0, "egfr_ml_min")) ok = lab(f, &r->has_egfr, &r->egfr, &r->egfr_date);
    else if (FIELD(1, "creatinine_clearance_ml_min")) ok = lab(f, &r->has_crcl, &r->crcl, &r->crcl_date);
    else if (FIELD(2, "calcium_mg_dl")) ok = lab(f, &r->has_calcium, &r->calcium, &r->calcium_date);
    else if (FIELD(3, "vitamin_d_ng_ml")) ok = lab(f, &r->has_vitd, &r->vitd, &r->vitd_date);
    else if (FIELD(4, "p1np")) ok = LIST(op_marker, mk_elem, (int)TH(V_LIST_MAX), &r->p1np, &r->n_p1np);
    else if (FIELD(5, "ctx")) ok = LIST(op_marker, mk_elem, (int)TH(V_LIST_MAX), &r->ctx, &r->n_ctx);
  });
  return true;
}

static bool life_obj(fr *f, op_record *r) {
  unsigned seen = 0;
  bool b;
  MEMBERS({
    if (FIELD(0, "smoker")) ok = null_next(f) || (boolean(f, &b) && ((r->smoker = b), true));
    else if (FIELD(1, "alcohol_units_per_day")) ok = null_next(f) || (r->has_alcohol = true, nonneg(f, &r->alcohol_units));
  });
  return true;
}

static bool id_elem(fr *f, void *slot) {
  op_identifier *x = slot;
  unsigned seen = 0;
  MEMBERS({
    if (FIELD(0, "system")) ok = text(f, OP_ID_SYSTEM_MAX_CHARS, &x->system);
    else if (FIELD(1, "value")) ok = text(f, OP_ID_VALUE_MAX_CHARS, &x->value);
    else if (FIELD(2, "type")) ok = null_next(f) || text(f, OP_ID_TYPE_MAX_CHARS, &x->type);
  });
  return (seen & 3u) == 3u;
}

static bool identifiers(fr *f, op_record *r) {
  if (!LIST(op_identifier, id_elem, OP_IDENTIFIERS_MAX, &r->identifiers, &r->n_identifiers)) return false;
  /* the medical record number: the first identifier of type MR */
  for (int i = 0; i < r->n_identifiers && !r->mrn; i++)
    if (r->identifiers[i].type && !strcmp(r->identifiers[i].type, "MR")) r->mrn = r->identifiers[i].value;
  return true;
}

/* ---- the root ----------------------------------------------------------- */

typedef struct {
  bool has_as_of;
  op_date as_of;
  double age_years;
} root_ctx;

/* Bits of seen at the root that finish() asks about. */
enum { R_SEX = 4, R_BIRTH = 5, R_AGE = 6, R_MENO = 7 };

static bool root_obj(fr *f, root_ctx *c, unsigned *seen_out) {
  op_record *r = f->rec;
  unsigned seen = 0, set = 0; /* set: birth_date, age, menopause given and not null */
  int lmax = (int)TH(V_LIST_MAX);
  /* by the key's first byte first (a root has twenty names, each tried in
  ** turn cost a dozen compares a key); an unknown one leaves ok false */
  MEMBERS({
    switch (k[0]) {
      case 'i':
        if (FIELD(0, "id")) ok = null_next(f) || string(f, &r->id);
        else if (FIELD(2, "identifiers")) ok = null_next(f) || identifiers(f, r);
        break;
      case 'n':
        if (FIELD(1, "name")) ok = null_next(f) || text(f, OP_NAME_MAX_CHARS, &r->name);
        break;
      case 'a':
        if (FIELD(3, "as_of")) ok = null_next(f) || (c->has_as_of = true, date(f, false, &c->as_of));
        else if (FIELD(R_AGE, "age")) ok = null_next(f) || (set |= 1u << R_AGE, number(f, 0, TH(V_AGE_MAX), &c->age_years));
        break;
      case 's':
        if (FIELD(R_SEX, "sex")) ok = CODE(sex, &r->sex);
        break;
      case 'b':
        if (FIELD(R_BIRTH, "birth_date"))
          ok = null_next(f) || (set |= 1u << R_BIRTH, r->has_birth_date = true, date(f, true, &r->birth_date));
        else if (FIELD(10, "bmd")) ok = LIST(op_bmd, bmd_elem, lmax, &r->bmd, &r->n_bmd);
        break;
      case 'm':
        if (FIELD(R_MENO, "menopause")) ok = null_next(f) || (set |= 1u << R_MENO, CODE(menopause, &r->menopause));
        else if (FIELD(15, "medications")) ok = LIST(op_medication, med_elem, lmax, &r->meds, &r->n_meds);
        break;
      case 'w':
        if (FIELD(8, "weight_kg"))
          ok = null_next(f) || (r->has_weight = true, number(f, TH(V_WEIGHT_MIN), TH(V_WEIGHT_MAX), &r->weight_kg));
        break;
      case 'h':
        if (FIELD(9, "height_cm"))
          ok = null_next(f) || (r->has_height = true, number(f, TH(V_HEIGHT_MIN), TH(V_HEIGHT_MAX), &r->height_cm));
        break;
      case 'f':
        if (FIELD(11, "frax")) ok = null_next(f) || (r->frax.present = true, frax_obj(f, &r->frax));
        else if (FIELD(12, "fractures")) ok = LIST(op_fracture, fx_elem, lmax, &r->fractures, &r->n_fractures);
        else if (FIELD(13, "falls_past_year"))
          ok = null_next(f) || (r->has_falls = true, whole(f, 0, (int)TH(V_FALLS_MAX), &r->falls_past_year));
        break;
      case 't':
        if (FIELD(14, "therapies")) ok = LIST(op_therapy, th_elem, lmax, &r->therapies, &r->n_therapies);
        break;
      case 'c':
        if (FIELD(16, "conditions")) ok = LIST(op_condition, cond_elem, lmax, &r->conditions, &r->n_conditions);
        break;
      case 'l':
        if (FIELD(17, "labs")) ok = labs_obj(f, r);
        else if (FIELD(18, "lifestyle")) ok = life_obj(f, r);
        break;
      case 'e':
        if (FIELD(19, "extensions")) ok = eat(f, '{') && eat(f, '}'); /* with content: the strict reader */
        break;
      default: break;
    }
  });
  *seen_out = (seen & 1u << R_SEX) | set;
  return true;
}

/* date_parse on the caller's string: it refuses any length but ten, and
** on ten bytes record_fast_date10 is date_parse (test_dates) without calls. */
static bool given_date(const char *s, op_date *out) { return strlen(s) == 10 && record_fast_date10(s, out); }

/* as_of, then what the strict reader checks after its walk. */
static bool finish(fr *f, const root_ctx *c, unsigned seen, const char *as_of_override, const char *today) {
  op_record *r = f->rec;
  op_date as_of;
  if (as_of_override) {
    if (!given_date(as_of_override, &as_of)) return false;
  } else if (c->has_as_of) {
    as_of = c->as_of;
  } else if (!today || !given_date(today, &as_of)) {
    return false;
  }
  int asy, as_m, as_d;
  date_to_ymd(as_of, &asy, &as_m, &as_d);
  /* the strict reader bounds a given as_of, not today's date */
  if ((as_of_override || c->has_as_of) && asy > OP_AS_OF_LAST_YEAR) return false;
  if (f->latest > as_of) return false;
  r->as_of = as_of;
  for (int i = 0; i < r->n_fractures; i++) {
    op_fracture *x = &r->fractures[i];
    if (!x->year_only) continue;
    if (x->date > asy) return false;
    x->date = date_from_ymd(x->date, 7, 1); /* a year alone is taken as 1 July */
    if (x->date > as_of) x->date = as_of;
  }
  if (!(seen & 1u << R_SEX)) return false;
  if (!(seen & (1u << R_BIRTH | 1u << R_AGE))) return false;
  if (seen & 1u << R_BIRTH) {
    int by, bm, bd, m, d;
    date_to_ymd(r->birth_date, &by, &bm, &bd);
    /* date_years_between(birth_date, as_of), from the days already split */
    r->age = asy - by - (as_m < bm || (as_m == bm && as_d < bd));
    if (r->age > TH(V_AGE_MAX)) return false;
    if ((seen & 1u << R_AGE) && (int)floor(c->age_years) != r->age) return false;
    for (int i = 0; i < r->n_fractures; i++) {
      const op_fracture *x = &r->fractures[i];
      if (!x->year_only) {
        if (x->date < r->birth_date) return false;
        continue;
      }
      int fy;
      date_to_ymd(x->date, &fy, &m, &d);
      if (fy < by) return false;
    }
  } else {
    r->age = (int)floor(c->age_years);
  }
  return !((seen & 1u << R_MENO) && r->sex == OP_SEX_MALE);
}

bool record_read_fast(arena *a, const op_kb *kb, const char *json, size_t len, const char *as_of_override,
                      const char *today, op_record *rec) {
  if (len > JSON_MAX_BYTES) return false;
  memset(rec, 0, sizeof *rec);
  rec->menopause = -1;
  rec->smoker = -1;
  rec->egfr_date = rec->crcl_date = rec->calcium_date = rec->vitd_date = OP_NO_DATE;
  /* the copy the reader reads (see the top of the file) */
  unsigned char stack[FAST_STACK_COPY + FAST_PAD];
  unsigned char *copy = len <= FAST_STACK_COPY ? stack : arena_alloc_raw(a, len + FAST_PAD);
  if (!copy) return false;
  memcpy(copy, json, len);
  memset(copy + len, 0, FAST_PAD);
  fr f;
  f.p = copy;
  f.end = copy + len;
  f.a = a;
  f.kb = kb;
  f.rec = rec;
  f.latest = OP_NO_DATE;
  f.has_last_date = false;
  f.last_date = OP_NO_DATE;
  root_ctx c = {false, 0, 0};
  unsigned seen = 0;
  if (!root_obj(&f, &c, &seen)) return false;
  ws(&f);
  if (f.p != f.end) return false; /* anything after the record */
  return finish(&f, &c, seen, as_of_override, today);
}

op_status record_read(arena *a, const op_kb *kb, const char *json, size_t len, const char *as_of_override,
                      const char *today, op_record *out, op_error *err) {
  if (record_read_fast(a, kb, json, len, as_of_override, today, out)) {
    /* the three fields a reader of err looks at, not its 1 KB: zeroing
    ** it all cost a percent of a screening run (see record.h) */
    err->status = OP_OK;
    err->path[0] = err->message[0] = '\0';
    return OP_OK;
  }
  /* refused or unusual: read again strictly, for the record or the exact error */
  return record_read_strict(a, kb, json, len, as_of_override, today, out, err);
}
