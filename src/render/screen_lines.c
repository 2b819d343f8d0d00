/*
** screen_lines.c: one line of screen output per patient, NDJSON or CSV,
** from the codes of the plan (see screen_lines.h).
*/
#include "screen_lines.h"

#include <stdint.h>
#include <string.h>

#include "../json/json.h"
#include "../util/ctlchar.h"

/* name and mrn came last (issue 17): a consumer that reads the first seven
** columns by position reads them as before. */
const char screen_csv_header[] = "patient_id,risk,action,first_agent,alerts,findings,gaps,name,mrn\r\n";
const size_t screen_csv_header_len = sizeof screen_csv_header - 1;

/* Bytes of s (n bytes, no NUL) before the first one that needs care: a
** control character's first byte, a quote, or (for JSON) a backslash.
** Eight bytes at a time while they are all plain ASCII (a word with
** anything else, UTF-8 included, is looked at byte by byte), without
** reading past the n bytes. */
static size_t plain_run(const char *s, size_t n, bool json) {
  size_t k = 0;
  for (; n - k >= 8; k += 8) {
    uint64_t x;
    memcpy(&x, s + k, 8);
    if (!json_plain8(x)) break;
  }
  for (; k < n; k++) {
    unsigned char c = (unsigned char)s[k];
    if (c < 0x20 || c == 0x7f || c == 0xc2 || c == '"' || (json && c == '\\')) return k;
  }
  return n;
}

/* Record text into a JSON string or a quoted CSV cell: control characters as
** visible "\u00XX" (in JSON that is the escape itself; DEL and C1 are
** escaped too, which JSON allows raw but a terminal would obey); a quote is
** \" in JSON, "" in CSV. */
static void put_quoted_body(outbuf *b, const char *s, bool json) {
  const char *end = s + strlen(s);
  while (s < end) {
    size_t run = plain_run(s, (size_t)(end - s), json);
    ob_put(b, s, run);
    s += run;
    if (s == end) break;
    unsigned cp;
    size_t c = ctl_at(s, &cp);
    if (c) {
      char name[7];
      ctl_name(cp, name);
      ob_put(b, name, 6);
      s += c;
    } else if (*s == '"') {
      ob_put(b, json ? "\\\"" : "\"\"", 2);
      s++;
    } else {
      if (json && *s == '\\') ob_put(b, "\\", 1);
      ob_put(b, s++, 1); /* a backslash, or the 0xc2 of a printable U+00A0..U+00BF */
    }
  }
}

static void put_json_str(outbuf *b, const char *s) {
  ob_put(b, "\"", 1);
  put_quoted_body(b, s, true);
  ob_put(b, "\"", 1);
}

/* A cell a spreadsheet would run as a formula (OWASP "CSV injection"):
** its first character, after spaces, is one of = + - @ tab CR. */
static bool csv_formula(const char *s) {
  while (*s == ' ') s++;
  return *s && strchr("=+-@\t\r", *s);
}

/* A CSV cell from record text: quoted when it holds a comma or a quote, or
** would be a formula (then a single quote goes first, inside the quotes, so
** the spreadsheet shows it as text); control characters as visible escapes. */
static void put_csv_field(outbuf *b, const char *s) {
  bool formula = csv_formula(s);
  if (!formula && !strpbrk(s, ",\"")) {
    ob_text(b, s);
    return;
  }
  ob_put(b, formula ? "\"'" : "\"", formula ? 2 : 1);
  put_quoted_body(b, s, false);
  ob_put(b, "\"", 1);
}

/* The codes part of a line is written straight into the buffer's free room
** (one bounds test per piece, no call per piece): w is the next byte, end
** the end of the room. A piece that does not fit grows the buffer; when
** that fails, b->oom is set and nothing more is written (ob_put's rule). */
typedef struct {
  outbuf *b;
  char *w, *end;
} span;

/* Room for most lines at once: the codes part is rarely longer. */
enum { SPAN_ROOM = 512 };

static void span_open(span *s, outbuf *b) {
  s->b = b;
  if (!b->oom && !ob_reserve(b, SPAN_ROOM)) b->oom = true;
  s->w = b->p ? b->p + b->len : NULL;
  s->end = b->oom ? s->w : b->p + b->cap;
}

/* Gives the buffer what was written. */
static void span_close(span *s) {
  if (s->w) s->b->len = (size_t)(s->w - s->b->p);
}

static bool span_grow(span *s, size_t n) {
  outbuf *b = s->b;
  if (b->oom) return false;
  span_close(s);
  if (!ob_reserve(b, n + SPAN_ROOM)) {
    b->oom = true;
    s->end = s->w;
    return false;
  }
  s->w = b->p + b->len;
  s->end = b->p + b->cap;
  return true;
}

static inline void span_put(span *s, const char *p, size_t n) {
  /* >=, not >: after a failed growth w may be NULL with no room at all */
  if (n >= (size_t)(s->end - s->w) && !span_grow(s, n)) return;
  memcpy(s->w, p, n);
  s->w += n;
}

#define SPAN_LIT(s, lit) span_put((s), (lit), sizeof(lit) - 1)

/* One code of a list: a separator after the first, quoted in NDJSON. */
static void span_code(span *s, bool csv, int k, const char *name, size_t len) {
  if ((size_t)(s->end - s->w) < len + 3 && !span_grow(s, len + 3)) return;
  if (k) *s->w++ = csv ? ';' : ',';
  if (!csv) *s->w++ = '"';
  memcpy(s->w, name, len);
  s->w += len;
  if (!csv) *s->w++ = '"';
}

/* The codes of one list (alerts, findings) for NDJSON or CSV; the flags are
** tested eight at a time (most are false), and in a word that has some
** only the set ones are visited: a bool is 0 or 1, so each true flag is
** one bit of the word, at the bottom of its byte (the byte order does not
** matter for that, but the loop wants the lowest address first: little
** endian, else one flag at a time). */
static void put_codes(span *s, bool csv, const char *const *names, const unsigned char *lens, int n, const bool *on) {
  int k = 0;
  if (!csv) SPAN_LIT(s, "[");
  int i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; n - i >= 8; i += 8) {
    uint64_t eight;
    memcpy(&eight, on + i, 8);
    for (; eight; eight &= eight - 1) {
      int j = i + __builtin_ctzll(eight) / 8;
      span_code(s, csv, k++, names[j], lens[j]);
    }
  }
#endif
  for (; i < n; i++)
    if (on[i]) span_code(s, csv, k++, names[i], lens[i]);
  if (!csv) SPAN_LIT(s, "]");
}

/* The care gaps (bit g of gaps: kb->gaps[g]) as put_codes writes a list:
** the set bits only, in ascending order. */
static void put_gaps(span *s, bool csv, const op_kb *kb, unsigned long gaps) {
  int k = 0;
  if (!csv) SPAN_LIT(s, "[");
  for (unsigned long m = gaps; m; m &= m - 1) {
    int g = __builtin_ctzl(m);
    if (g >= kb->n_gaps) break;
    const char *code = kb->gaps[g].code;
    span_code(s, csv, k++, code, strlen(code));
  }
  if (!csv) SPAN_LIT(s, "]");
}

/* The codes of a CSV line: risk to gaps, each followed by its comma. */
static void csv_codes(span *s, const op_kb *kb, const op_codes *c) {
  span_put(s, op_risk_str[c->risk], op_risk_len[c->risk]);
  SPAN_LIT(s, ",");
  span_put(s, op_action_str[c->action], op_action_len[c->action]);
  SPAN_LIT(s, ",");
  if (c->first_agent >= 0) span_put(s, kb->agent_code[c->first_agent], kb->agent_code_len[c->first_agent]);
  SPAN_LIT(s, ",");
  put_codes(s, true, op_alert_str, op_alert_len, OP_N_alert, c->alerts);
  SPAN_LIT(s, ",");
  put_codes(s, true, op_finding_str, op_finding_len, OP_N_finding, c->findings);
  SPAN_LIT(s, ",");
  put_gaps(s, true, kb, c->gaps);
  SPAN_LIT(s, ",");
}

/* The codes of an NDJSON line, from risk to the line's end. */
static void json_codes(span *s, const op_kb *kb, const op_codes *c) {
  SPAN_LIT(s, ",\"risk\":\"");
  span_put(s, op_risk_str[c->risk], op_risk_len[c->risk]);
  SPAN_LIT(s, "\",\"action\":\"");
  span_put(s, op_action_str[c->action], op_action_len[c->action]);
  SPAN_LIT(s, "\",\"first_agent\":");
  if (c->first_agent >= 0) {
    SPAN_LIT(s, "\"");
    span_put(s, kb->agent_code[c->first_agent], kb->agent_code_len[c->first_agent]);
    SPAN_LIT(s, "\"");
  } else {
    SPAN_LIT(s, "null");
  }
  SPAN_LIT(s, ",\"alerts\":");
  put_codes(s, false, op_alert_str, op_alert_len, OP_N_alert, c->alerts);
  SPAN_LIT(s, ",\"findings\":");
  put_codes(s, false, op_finding_str, op_finding_len, OP_N_finding, c->findings);
  SPAN_LIT(s, ",\"gaps\":");
  put_gaps(s, false, kb, c->gaps);
  SPAN_LIT(s, "}\n");
}

void screen_line(outbuf *b, const op_kb *kb, bool csv, const op_codes *c) {
  const char *id = c->patient_id;
  span s;
  if (csv) {
    put_csv_field(b, id ? id : "");
    ob_put(b, ",", 1);
    span_open(&s, b);
    csv_codes(&s, kb, c);
    span_close(&s);
    put_csv_field(b, c->name ? c->name : "");
    ob_put(b, ",", 1);
    put_csv_field(b, c->mrn ? c->mrn : "");
    ob_put(b, "\r\n", 2);
    return;
  }
  ob_puts(b, "{\"patient_id\":");
  if (id) put_json_str(b, id);
  else ob_puts(b, "null");
  /* only when the record has them: a line without is as it always was */
  if (c->name) {
    ob_puts(b, ",\"name\":");
    put_json_str(b, c->name);
  }
  if (c->mrn) {
    ob_puts(b, ",\"mrn\":");
    put_json_str(b, c->mrn);
  }
  span_open(&s, b);
  json_codes(&s, kb, c);
  span_close(&s);
}
