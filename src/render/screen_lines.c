/*
** screen_lines.c: one line of screen output per patient, NDJSON or CSV,
** from the codes of the plan (see screen_lines.h).
*/
#include "screen_lines.h"

#include <string.h>

#include "../util/ctlchar.h"

/* name and mrn came last (issue 17): a consumer that reads the first seven
** columns by position reads them as before. */
const char screen_csv_header[] = "patient_id,risk,action,first_agent,alerts,findings,gaps,name,mrn\r\n";
const size_t screen_csv_header_len = sizeof screen_csv_header - 1;

/* Bytes of s before the first one that needs care: a control character's
** first byte, a quote, or (for JSON) a backslash. */
static size_t plain_run(const char *s, bool json) {
  size_t k = 0;
  for (;; k++) {
    unsigned char c = (unsigned char)s[k];
    if (c < 0x20 || c == 0x7f || c == 0xc2 || c == '"' || (json && c == '\\')) return k; /* NUL too */
  }
}

/* Record text into a JSON string or a quoted CSV cell: control characters as
** visible "\u00XX" (in JSON that is the escape itself; DEL and C1 are
** escaped too, which JSON allows raw but a terminal would obey); a quote is
** \" in JSON, "" in CSV. */
static void put_quoted_body(outbuf *b, const char *s, bool json) {
  while (*s) {
    size_t run = plain_run(s, json);
    ob_put(b, s, run);
    s += run;
    if (!*s) break;
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

/* The codes of one list (alerts, findings) for NDJSON or CSV. */
static void put_codes(outbuf *b, bool csv, const char *const *names, const unsigned char *lens, int n, const bool *on) {
  int k = 0;
  if (!csv) ob_put(b, "[", 1);
  for (int i = 0; i < n; i++) {
    if (!on[i]) continue;
    if (k++) ob_put(b, csv ? ";" : ",", 1);
    if (!csv) ob_put(b, "\"", 1);
    ob_put(b, names[i], lens[i]);
    if (!csv) ob_put(b, "\"", 1);
  }
  if (!csv) ob_put(b, "]", 1);
}

/* The care gaps (bit g of gaps: kb->gaps[g]) as put_codes writes a list:
** the set bits only, in ascending order. */
static void put_gaps(outbuf *b, bool csv, const op_kb *kb, unsigned long gaps) {
  int k = 0;
  if (!csv) ob_put(b, "[", 1);
  for (unsigned long m = gaps; m; m &= m - 1) {
    int g = __builtin_ctzl(m);
    if (g >= kb->n_gaps) break;
    if (k++) ob_put(b, csv ? ";" : ",", 1);
    if (!csv) ob_put(b, "\"", 1);
    ob_puts(b, kb->gaps[g].code);
    if (!csv) ob_put(b, "\"", 1);
  }
  if (!csv) ob_put(b, "]", 1);
}

void screen_line(outbuf *b, const op_kb *kb, bool csv, const op_codes *c) {
  const char *id = c->patient_id;
  int first = c->first_agent;
  if (csv) {
    put_csv_field(b, id ? id : "");
    ob_put(b, ",", 1);
    ob_put(b, op_risk_str[c->risk], op_risk_len[c->risk]);
    ob_put(b, ",", 1);
    ob_put(b, op_action_str[c->action], op_action_len[c->action]);
    ob_put(b, ",", 1);
    if (first >= 0) ob_puts(b, kb->agent_code[first]);
    ob_put(b, ",", 1);
    put_codes(b, true, op_alert_str, op_alert_len, OP_N_alert, c->alerts);
    ob_put(b, ",", 1);
    put_codes(b, true, op_finding_str, op_finding_len, OP_N_finding, c->findings);
    ob_put(b, ",", 1);
    put_gaps(b, true, kb, c->gaps);
    ob_put(b, ",", 1);
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
  ob_puts(b, ",\"risk\":\"");
  ob_put(b, op_risk_str[c->risk], op_risk_len[c->risk]);
  ob_puts(b, "\",\"action\":\"");
  ob_put(b, op_action_str[c->action], op_action_len[c->action]);
  ob_puts(b, "\",\"first_agent\":");
  if (first >= 0) {
    ob_put(b, "\"", 1);
    ob_puts(b, kb->agent_code[first]);
    ob_put(b, "\"", 1);
  } else {
    ob_puts(b, "null");
  }
  ob_puts(b, ",\"alerts\":");
  put_codes(b, false, op_alert_str, op_alert_len, OP_N_alert, c->alerts);
  ob_puts(b, ",\"findings\":");
  put_codes(b, false, op_finding_str, op_finding_len, OP_N_finding, c->findings);
  ob_puts(b, ",\"gaps\":");
  put_gaps(b, false, kb, c->gaps);
  ob_puts(b, "}\n");
}

