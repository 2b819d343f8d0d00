/*
** feedback.c: CDS Hooks 2.0 feedback and the audit of the cards served (see
** feedback.h and audit/audit.h).
**
** A card's kind is the plan code that made it, noted by render/cards.c as
** it writes the card (card_kinds in cards.h): "decision.ACTION"
** (patient-view's plan card), "alert.CODE" (a critical alert's card),
** "avoid.AGENT", "not_recommended.AGENT", "not_first_choice.AGENT" and
** "order.unresolved" (order-sign), "no_plan" and "deceased". The ids
** themselves are read from the answer as written, so a card is never
** recorded under an id that was not served; should the two ever disagree in
** number (more cards than card_kinds keeps), the cards are recorded as kind
** "unknown" and the mismatch is logged.
**
** The strict reading of a feedback body follows CDS Hooks 2.0 and the
** invariants of its logical model (cds-fb-1: outcome accepted or
** overridden; cds-fb-2: accepted needs acceptedSuggestions; cds-fb-3: an
** overrideReason has a reason or a userComment), its Coding (system and code
** required) and RFC 3339 for outcomeTimestamp, in UTC. Beyond the spec,
** contradictions are refused too: accepted suggestions on an overridden card,
** an override reason on an accepted one. Unknown members are ignored (the
** spec reserves `extension`, and later versions add fields); a member given
** twice is refused (two parsers could read it differently).
*/
#include "server/feedback.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "json/json.h"
#include "json/json_dupkey.h"
#include "kb/kb.h"
#include "osteoplan.h"
#include "util/date.h"

/* Entries in one feedback request, and the longest reason text kept: more
** is no client's honest feedback, and the audit stays bounded. */
#define MAX_ENTRIES 100
#define MAX_TEXT 512
/* Cards of one answer read back: as many as cards.c notes kinds for. */
#define MAX_CARDS CARD_KINDS_MAX

/* Now, RFC 3339 UTC with milliseconds. */
static void now_utc(char out[32]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  int ms = (int)(ts.tv_nsec / 1000000L) % 1000;
  snprintf(out + n, 32 - n, ".%03dZ", ms);
}

/* The cards of an answer as written: their ids and suggestions' ids. */
static int read_cards(arena *a, const char *body, size_t len, audit_card *out) {
  json_doc d;
  char msg[128];
  if (json_parse(a, body, len, &d, msg, sizeof msg) < 0) return -1;
  int cards = fj_get(&d, 0, "cards");
  if (cards < 0 || d.tok[cards].type != JT_ARRAY) return -1;
  int n = 0;
  for (int m = 0, e = cards + 1; m < d.tok[cards].size && n < MAX_CARDS; m++, e = json_next(&d, e)) {
    out[n].card_id = fj_str(a, &d, fj_get(&d, e, "uuid"));
    strbuf sb;
    sb_init(&sb, a);
    int sg = fj_get(&d, e, "suggestions");
    for (int j = 0, s = sg + 1; sg >= 0 && j < d.tok[sg].size; j++, s = json_next(&d, s)) {
      const char *id = fj_str(a, &d, fj_get(&d, s, "uuid"));
      if (id) sb_cat(&sb, sb.len ? " " : "", id, (char *)NULL);
    }
    out[n].suggestions = sb_str(&sb);
    if (!out[n].card_id || !out[n].suggestions) return -1;
    n++;
  }
  return n;
}

void feedback_record_cards(const cds_ctx *c, arena *a, const char *service, const cards_hook *h,
                           const card_kinds *k, const char *body, size_t len) {
  if (!c->audit || !k) return;
  audit_card *cards = arena_array(a, MAX_CARDS, sizeof *cards);
  int n = cards ? read_cards(a, body, len, cards) : -1;
  if (n < 0) {
    fprintf(stderr, "osteoplan serve: audit: %s: the answer could not be read back; its cards are not recorded\n",
            service);
    return;
  }
  bool known = n == k->n && k->n <= CARD_KINDS_MAX;
  if (!known)
    fprintf(stderr, "osteoplan serve: audit: %s: %d cards read back, %d written; recorded as kind unknown\n", service,
            n, k->n);
  for (int i = 0; i < n; i++) cards[i].kind = known ? k->kind[i] : "unknown";
  char at[32], err[512];
  now_utc(at);
  audit_served s = {at, service, c->kb->version, h->patient_id, cards, n};
  /* the card is served either way: an audit that cannot keep up loses rows, never answers */
  if (!audit_record_served(c->audit, &s, err, sizeof err))
    fprintf(stderr, "osteoplan serve: audit: %s; %d cards served unrecorded\n", err, n);
}

/* ---- feedback ------------------------------------------------------------ */

static bool bad(arena *a, cds_reply *r, int status, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool bad(arena *a, cds_reply *r, int status, const char *fmt, ...) {
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cds_error(a, status, msg, r);
  return false;
}

static bool is_uuid(const char *s) {
  if (strlen(s) != 36) return false;
  for (int i = 0; i < 36; i++)
    if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !isxdigit((unsigned char)s[i])) return false;
  return true;
}

static bool digits(const char *s, int n, int lo, int hi) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  return v >= lo && v <= hi;
}

/* RFC 3339 date-time in UTC: YYYY-MM-DDTHH:MM:SS[.frac](Z|+00:00|-00:00). */
static bool utc_instant(const char *s) {
  op_date d;
  size_t n = strlen(s);
  if (n < 20 || !date_parse(s, 10, &d) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, 0, 23) ||
      s[13] != ':' || !digits(s + 14, 2, 0, 59) || s[16] != ':' || !digits(s + 17, 2, 0, 60))
    return false;
  const char *z = s + 19;
  if (*z == '.') {
    if (!isdigit((unsigned char)z[1])) return false;
    for (z++; isdigit((unsigned char)*z); z++) {}
  }
  return !strcmp(z, "Z") || !strcmp(z, "z") || !strcmp(z, "+00:00") || !strcmp(z, "-00:00");
}

/* A string member (NULL when absent); false with r set when it is there
** but not a string, is empty, or is longer than MAX_TEXT. */
static bool str_member(arena *a, const json_doc *d, int obj, const char *key, const char *path, const char **out,
                       cds_reply *r) {
  int t = fj_get(d, obj, key);
  *out = NULL;
  if (t < 0) return true;
  if (d->tok[t].type != JT_STRING) return bad(a, r, 400, "%s.%s: must be a string", path, key);
  *out = fj_str(a, d, t);
  if (!*out) return bad(a, r, 500, "out of memory");
  if (!**out || strlen(*out) > MAX_TEXT) return bad(a, r, 400, "%s.%s: 1 to %d characters", path, key, MAX_TEXT);
  return true;
}

/* overrideReason {reason?: Coding, userComment?} of an overridden entry. */
static bool read_override(arena *a, const json_doc *d, int o, const char *path, audit_feedback *f, cds_reply *r) {
  if (d->tok[o].type != JT_OBJECT) return bad(a, r, 400, "%s.overrideReason: must be an object", path);
  int rs = fj_get(d, o, "reason"), uc = fj_get(d, o, "userComment");
  if (rs < 0 && uc < 0) return bad(a, r, 400, "%s.overrideReason: needs a reason, a userComment or both", path);
  if (uc >= 0 && d->tok[uc].type != JT_STRING) return bad(a, r, 400, "%s.overrideReason.userComment: must be a string", path);
  f->user_comment = uc >= 0; /* its text is never kept: it may name the patient */
  if (rs < 0) return true;
  char rp[96];
  snprintf(rp, sizeof rp, "%s.overrideReason.reason", path);
  if (d->tok[rs].type != JT_OBJECT) return bad(a, r, 400, "%s: must be a Coding (an object)", rp);
  if (!str_member(a, d, rs, "system", rp, &f->reason_system, r) || !str_member(a, d, rs, "code", rp, &f->reason_code, r) ||
      !str_member(a, d, rs, "display", rp, &f->reason_display, r))
    return false;
  if (!f->reason_system) return bad(a, r, 400, "%s.system: required string", rp);
  if (!f->reason_code) return bad(a, r, 400, "%s.code: required string", rp);
  return true;
}

/* acceptedSuggestions [{id}] of an accepted entry: one or more uuids. */
static bool read_accepted(arena *a, const json_doc *d, int as, const char *path, audit_feedback *f, cds_reply *r) {
  if (d->tok[as].type != JT_ARRAY || d->tok[as].size < 1 || d->tok[as].size > 16)
    return bad(a, r, 400, "%s.acceptedSuggestions: must be an array of 1 to 16 {\"id\": uuid}", path);
  const char **ids = arena_array(a, (size_t)d->tok[as].size, sizeof *ids);
  if (!ids) return bad(a, r, 500, "out of memory");
  int k = 0;
  for (int e = as + 1; k < d->tok[as].size; k++, e = json_next(d, e)) {
    int id = fj_get(d, e, "id");
    ids[k] = id >= 0 && d->tok[id].type == JT_STRING ? fj_str(a, d, id) : NULL;
    if (!ids[k] || !is_uuid(ids[k]))
      return bad(a, r, 400, "%s.acceptedSuggestions[%d].id: required, a suggestion's uuid", path, k);
  }
  f->accepted_ids = ids;
  f->n_accepted = k;
  return true;
}

/* One feedback entry, read and checked against the spec (not yet the audit). */
static bool read_entry(arena *a, const json_doc *d, int e, int i, audit_feedback *f, cds_reply *r) {
  char path[48];
  snprintf(path, sizeof path, "feedback[%d]", i);
  memset(f, 0, sizeof *f);
  if (d->tok[e].type != JT_OBJECT) return bad(a, r, 400, "%s: must be an object", path);
  int card = fj_get(d, e, "card"), oc = fj_get(d, e, "outcome"), ts = fj_get(d, e, "outcomeTimestamp");
  f->card_id = card >= 0 && d->tok[card].type == JT_STRING ? fj_str(a, d, card) : NULL;
  if (!f->card_id || !is_uuid(f->card_id)) return bad(a, r, 400, "%s.card: required, the card's uuid", path);
  if (!fj_is(d, oc, "accepted") && !fj_is(d, oc, "overridden"))
    return bad(a, r, 400, "%s.outcome: required, accepted or overridden", path);
  f->accepted = fj_is(d, oc, "accepted");
  f->outcome_at = ts >= 0 && d->tok[ts].type == JT_STRING ? fj_str(a, d, ts) : NULL;
  if (!f->outcome_at || !utc_instant(f->outcome_at))
    return bad(a, r, 400, "%s.outcomeTimestamp: required, an RFC 3339 date-time in UTC (2026-01-15T10:05:31Z)", path);
  int as = fj_get(d, e, "acceptedSuggestions"), orr = fj_get(d, e, "overrideReason");
  if (f->accepted) {
    if (as < 0) return bad(a, r, 400, "%s.acceptedSuggestions: required when the outcome is accepted", path);
    if (orr >= 0) return bad(a, r, 400, "%s.overrideReason: only for an overridden card", path);
    return read_accepted(a, d, as, path, f, r);
  }
  if (as >= 0) return bad(a, r, 400, "%s.acceptedSuggestions: only for an accepted card", path);
  return orr < 0 || read_override(a, d, orr, path, f, r);
}

/* The body: {"feedback": [entry, ...]}, every entry read. */
static int read_body(arena *a, const char *body, size_t len, audit_feedback **out, cds_reply *r) {
  json_doc d;
  char msg[512];
  int rc = json_parse(a, body, len, &d, msg, sizeof msg);
  if (rc == JSON_OUT_OF_MEMORY) return bad(a, r, 500, "out of memory"), -1;
  if (rc < 0) return bad(a, r, 400, "request body is not JSON: %s", msg), -1;
  if (d.tok[0].type != JT_OBJECT) return bad(a, r, 400, "request body must be a JSON object"), -1;
  int dup = json_duplicate_key(a, &d);
  if (dup == -2) return bad(a, r, 500, "out of memory"), -1;
  if (dup >= 0) return bad(a, r, 400, "a member is given twice: \"%.*s\"", d.tok[dup].end - d.tok[dup].start > 64 ? 64 : d.tok[dup].end - d.tok[dup].start, d.text + d.tok[dup].start), -1;
  int fb = fj_get(&d, 0, "feedback");
  if (fb < 0 || d.tok[fb].type != JT_ARRAY || d.tok[fb].size < 1)
    return bad(a, r, 400, "feedback: required, an array of one or more entries"), -1;
  if (d.tok[fb].size > MAX_ENTRIES)
    return bad(a, r, 400, "feedback: %d entries, at most %d in one request", d.tok[fb].size, MAX_ENTRIES), -1;
  audit_feedback *f = arena_array(a, (size_t)d.tok[fb].size, sizeof *f);
  if (!f) return bad(a, r, 500, "out of memory"), -1;
  int n = 0;
  for (int e = fb + 1; n < d.tok[fb].size; n++, e = json_next(&d, e))
    if (!read_entry(a, &d, e, n, &f[n], r)) return -1;
  *out = f;
  return n;
}

/* Is id one of the space-separated ids in list? */
static bool listed(const char *list, const char *id) {
  size_t n = strlen(id);
  for (const char *p = list; *p;) {
    size_t k = strcspn(p, " ");
    if (k == n && !memcmp(p, id, n)) return true;
    p += k + (p[k] == ' ');
  }
  return false;
}

/* Every entry's card served by this service, every accepted suggestion the card's. */
static bool find_cards(const cds_ctx *c, arena *a, const char *service, const audit_feedback *f, int n, cds_reply *r) {
  for (int i = 0; i < n; i++) {
    audit_card_info info;
    char err[512];
    audit_lookup l = audit_find_card(c->audit, f[i].card_id, &info, err, sizeof err);
    if (l == AUDIT_FAILED) {
      fprintf(stderr, "osteoplan serve: audit: %s; feedback answered 503\n", err);
      return bad(a, r, 503, "the audit cannot be read now; try again");
    }
    if (l == AUDIT_NOT_FOUND || strcmp(info.service, service))
      return bad(a, r, 404, "feedback[%d].card: %s served no card with this uuid", i, service);
    for (int k = 0; k < f[i].n_accepted; k++)
      if (!listed(info.suggestions, f[i].accepted_ids[k]))
        return bad(a, r, 404, "feedback[%d].acceptedSuggestions[%d].id: not a suggestion of this card", i, k);
  }
  return true;
}

void feedback_post(const cds_ctx *c, arena *a, const char *service, const char *body, size_t len, cds_reply *r) {
  if (!c->audit) {
    cds_error(a, 404, "feedback is not kept by this server (it runs without --audit-db)", r);
    return;
  }
  audit_feedback *f = NULL;
  int n = read_body(a, body, len, &f, r);
  if (n < 0 || !find_cards(c, a, service, f, n, r)) return;
  char at[32], err[512];
  now_utc(at);
  if (!audit_record_feedback(c->audit, at, f, n, err, sizeof err)) {
    fprintf(stderr, "osteoplan serve: audit: %s; feedback answered 503\n", err);
    cds_error(a, 503, "the feedback could not be stored now; try again", r);
    return;
  }
  r->status = 200;
  r->body = "{}";
  r->len = 2;
}
