/*
** render_doc.c: the plan as a document for the clinician or the patient.
**
** Clinician: the decision first (action, agent, dose, duration, what must
** follow), then why with the patient's values, what to avoid and why, alerts
** by severity, monitoring with dates, supplements, lifestyle, goal,
** disagreements and sources.
** Patient: the same plan in plain words from the knowledge base's patient
** texts, without codes, with the safety messages a patient must hear.
*/
#include <string.h>

#include "../engine/facts.h"
#include "../kb/template.h"
#include "../util/numfmt.h"
#include "../word/word.h"
#include "doc.h"
#include "render.h"

/* Sentences a rendering remembers so that it says each once. */
#define SAID_MAX 512

typedef struct {
  arena *a;
  const op_plan *p;
  const op_kb *kb;
  doc d;
  bool patient;
  unsigned how_said; /* agents whose way of taking was written (bit per agent) */
  int n_said;
  /* (render_doc sets every field above by name: a new one must be set there) */
  const char *said[SAID_MAX];
  size_t said_len[SAID_MAX];
} ctx;

static const char *ui(ctx *c, op_ui_t k) { return kb_ui(c->kb, k, c->patient); }

static const char *fmt(ctx *c, const char *f, tmpl_var *v, int n) { return tmpl_fill(c->a, f, v, n); }

/* Upper case for the decision label (ASCII; the texts are English). */
static const char *upper(ctx *c, const char *s) {
  char *u = s ? arena_strdup(c->a, s) : NULL;
  if (!u) { /* out of memory: the rendering fails as a whole */
    c->d.b->oom = true;
    return "";
  }
  for (char *q = u; *q; q++)
    if (*q >= 'a' && *q <= 'z') *q = (char)(*q - 'a' + 'A');
  return u;
}

static const char *date_s(ctx *c, op_date d) {
  char buf[11];
  date_format(d, buf);
  return arena_strdup(c->a, buf);
}

static const char *t_s(ctx *c, double v) {
  strbuf b;
  sb_init(&b, c->a);
  sb_printf(&b, "%.1f", v == 0 ? 0 : v);
  return arena_strdup(c->a, sb_str(&b));
}

/* v as "%g" writes it; the usual values (months, doses) without the
** formatter (num_g_hundredths says which). */
static const char *num_s(ctx *c, double v) {
  char buf[NUM_G10_MAX];
  if (num_g_hundredths(v, buf)) return arena_strdup(c->a, buf);
  strbuf b;
  sb_init(&b, c->a);
  sb_printf(&b, "%g", v);
  return arena_strdup(c->a, sb_str(&b));
}

static const char *srcs_long(ctx *c, op_srcset s) {
  strbuf b;
  sb_init(&b, c->a);
  int n = 0;
  for (int i = 0; i < c->kb->n_sources; i++)
    if (s & ((op_srcset)1 << i)) sb_cat(&b, n++ ? ", " : "[", c->kb->sources[i].id, (char *)NULL);
  if (n) sb_puts(&b, "]");
  return arena_strdup(c->a, sb_str(&b));
}

/* "[S000, S001]": the sources of s. A detail writes a few dozen such
** lists: each is made in a local buffer, its set bits only, and copied
** once into the arena (a growing buffer for each cost more than the
** rest); a list too long for it is made by srcs_long. */
static const char *srcs(ctx *c, op_srcset s) {
  char buf[256];
  size_t len = 0;
  for (op_srcset rest = s; rest; rest &= rest - 1) {
    int i = __builtin_ctz(rest);
    if (i >= c->kb->n_sources) break; /* bits past the sources are none */
    const char *id = c->kb->sources[i].id;
    size_t k = strlen(id);
    if (len + 2 + k + 2 > sizeof buf) return srcs_long(c, s); /* room for ", ", id, "]", NUL */
    if (len) buf[len++] = ',', buf[len++] = ' ';
    else buf[len++] = '[';
    memcpy(buf + len, id, k);
    len += k;
  }
  if (len) buf[len++] = ']';
  buf[len] = 0;
  return arena_strdup(c->a, buf);
}

/* One sentence of s: up to '.', '!' or '?' that ends the text or comes
** before a space ("-2.5" and "25(OH)D" stay whole). */
static size_t sentence_len(const char *s) {
  size_t i = strcspn(s, ".!?"); /* the library's scan: a rendering splits every text it says */
  for (; s[i]; i += 1 + strcspn(s + i + 1, ".!?"))
    if (s[i + 1] == ' ' || !s[i + 1]) return i + 1;
  return i;
}

/* A sentence worth remembering: three words or more, and not a list of
** sources ("[S000, S001, S002]" ends many lines and is no message). */
static bool is_message(const char *s, size_t n) {
  if (*s == '[') return false;
  int spaces = 0;
  for (size_t i = 0; i < n && spaces < 2; i++) spaces += s[i] == ' ';
  return spaces >= 2;
}

static bool already_said(const ctx *c, const char *s, size_t n) {
  for (int k = 0; k < c->n_said; k++)
    if (c->said_len[k] == n && !memcmp(c->said[k], s, n)) return true;
  return false;
}

/* The sentence remembered: itself, or after what it is about (an agent, a
** date), so that the same words about two agents are two messages. */
static const char *said_key(ctx *c, const char *about, const char *t, size_t *n) {
  if (!about) return t;
  /* about, a unit separator and the sentence, made in place at their size
  ** (a buffer and a copy of it cost a tenth of the detail) */
  size_t an = strlen(about), kn = an + 1 + *n;
  char *key = arena_alloc_raw(c->a, kn + 1);
  if (!key) return t; /* out of memory: remembered as itself */
  memcpy(key, about, an);
  key[an] = '\x1f';
  memcpy(key + an + 1, t, *n);
  key[kn] = 0;
  *n = kn;
  return key;
}

/* A kept sentence after those kept before it, one space between. */
static void keep_sentence(strbuf *b, const char *t, size_t n) {
  if (b->len) sb_putc(b, ' ');
  sb_putn(b, t, n);
}

/* The sentences of text that start before upto (a sentence's start), as
** once() splits them: once() writes them only when it first drops one. */
static void keep_sentences(strbuf *b, const char *text, const char *upto) {
  for (const char *s = text; *s;) {
    const char *t = s + strspn(s, " ");
    if (t >= upto) return;
    size_t n = sentence_len(t);
    keep_sentence(b, t, n);
    s = t + n;
  }
}

/* The text without the sentences this rendering has already said (each
** message once: a reminder that repeats an alert's sentence loses it);
** NULL when no message is left, or when there was no text (out of memory:
** the rendering fails). about: what the text is about, or NULL. */
static const char *once(ctx *c, const char *about, const char *text) {
  if (!text) {
    c->d.b->oom = true;
    return NULL;
  }
  /* The kept text is written only from the first sentence dropped on:
  ** most texts lose none and are returned as they are. */
  strbuf b;
  sb_init(&b, c->a);
  bool dropped = false, kept = false;
  for (const char *s = text; *s;) {
    const char *t = s + strspn(s, " ");
    size_t n = sentence_len(t);
    bool msg = is_message(t, n);
    size_t kn = n;
    const char *key = msg ? said_key(c, about, t, &kn) : t;
    if (msg && already_said(c, key, kn)) {
      if (!dropped) keep_sentences(&b, text, t); /* every one before was kept */
      dropped = true;
    } else {
      if (msg && c->n_said < SAID_MAX) {
        c->said[c->n_said] = key;
        c->said_len[c->n_said++] = kn;
      }
      kept |= msg;
      if (dropped) keep_sentence(&b, t, n);
    }
    s = t + n;
  }
  if (!dropped) return text;
  return kept ? arena_strdup(c->a, sb_str(&b)) : NULL;
}

/* An item whose label only sets its tone ("Urgent:", "Reminder:"). */
static void item(ctx *c, doc_tone tone, const char *label, const char *text) {
  const char *t = once(c, NULL, text);
  if (t) doc_item(&c->d, tone, label, t);
}

/* An item whose label says what it is about (an agent, a criterion, a
** date): its words count as said about that only. */
static void item_on(ctx *c, doc_tone tone, const char *label, const char *about, const char *text) {
  const char *t = once(c, about, text);
  if (t) doc_item(&c->d, tone, label, t);
}

static void item_about(ctx *c, doc_tone tone, const char *label, const char *text) {
  item_on(c, tone, label, label, text);
}

static void para(ctx *c, doc_tone tone, const char *label, const char *text) {
  const char *t = once(c, label, text);
  if (t) doc_para(&c->d, tone, label, t);
}

static doc_tone tone_of(int severity) {
  return severity == OP_SEV_CRITICAL ? DOC_CRITICAL : severity == OP_SEV_WARNING ? DOC_WARNING : DOC_INFO;
}

static bool is_oral(const op_kb *kb, int agent) { return !strcmp(kb->route_code[kb->agent[agent].route_code], "oral"); }

/* "romosozumab 210 mg subcutaneous monthly, 12 months"; for the patient,
** with the way to take a shot or a drip the first time it is named (an
** oral agent's comes after the phases: how_to_take) */
static const char *agent_line(ctx *c, const op_phase *ph, int agent, bool first) {
  const kb_agent *g = &c->kb->agent[agent];
  if (c->patient && !is_oral(c->kb, agent) && !(c->how_said & (1u << agent))) {
    c->how_said |= 1u << agent;
    return fmt(c, first ? "{level} {agent}: {other}." : "{agent}: {other}.",
               (tmpl_var[]){{"level", ui(c, OP_UI_BEST_CHOICE)}, {"agent", g->patient_name}, {"other", g->patient_how}}, 3);
  }
  const char *len = ph->has_months ? fmt(c, "{months} {level}", (tmpl_var[]){{"months", num_s(c, ph->months)},
                                                                               {"level", ui(c, OP_UI_MONTHS)}}, 2)
                                   : ui(c, OP_UI_OPEN_ENDED);
  if (c->patient)
    return fmt(c, first ? "{level} {agent}." : "{agent}.",
               (tmpl_var[]){{"level", ui(c, OP_UI_BEST_CHOICE)}, {"agent", g->patient_name}}, 2);
  return fmt(c, "{agent} {dose} {other} {level}, {months}",
             (tmpl_var[]){{"agent", g->name}, {"dose", g->dose}, {"other", g->route}, {"level", g->frequency},
                          {"months", len}},
             5);
}

static const char *alternatives(ctx *c, const op_phase *ph) {
  if (ph->n < 2) return NULL;
  strbuf b;
  sb_init(&b, c->a);
  for (int k = 1; k < ph->n; k++) {
    const kb_agent *g = &c->kb->agent[ph->agents[k]];
    sb_cat(&b, k > 1 ? ", " : "", c->patient ? g->patient_name : g->name, (char *)NULL);
  }
  return arena_strdup(c->a, sb_str(&b));
}

/* Whether the record holds a bone density result (then "a bone scan first"
** is never said). */
static bool has_bmd(const ctx *c) { return c->p->rec && c->p->rec->n_bmd > 0; }

/* The action's words; assess with a bone density on record asks for what
** is missing, not for the scan. */
static const char *action_words(ctx *c) {
  const op_kb *kb = c->kb;
  if (c->p->action == OP_ACT_ASSESS && has_bmd(c)) return ui(c, OP_UI_ASSESS_HAS_BMD);
  return c->patient ? kb->action[c->p->action].patient : kb->action[c->p->action].clinician;
}

/* The oral agents the phases name, in order, each once. */
static int oral_agents(const ctx *c, int *out) {
  int n = 0;
  unsigned seen = 0;
  for (int i = 0; i < c->p->n_phases; i++)
    for (int k = 0; k < c->p->phases[i].n; k++) {
      int ag = c->p->phases[i].agents[k];
      if (is_oral(c->kb, ag) && !(seen & (1u << ag))) seen |= 1u << ag, out[n++] = ag;
    }
  return n;
}

/* The way to take each oral agent the phases name (empty stomach,
** upright, water: the knowledge base's words), once each; agents taken
** the same way share one line. */
static void how_to_take(ctx *c) {
  const op_kb *kb = c->kb;
  int ags[OP_MAX_AGENTS];
  int n = oral_agents(c, ags);
  for (int i = 0; i < n; i++) {
    if (c->how_said & (1u << ags[i])) continue;
    const char *how = kb->agent[ags[i]].patient_how, *names = NULL;
    for (int k = i; k < n; k++) {
      const kb_agent *g = &kb->agent[ags[k]];
      if ((c->how_said & (1u << ags[k])) || strcmp(g->patient_how, how)) continue;
      c->how_said |= 1u << ags[k];
      const char *name = c->patient ? g->patient_name : g->name;
      names = names ? fmt(c, ui(c, OP_UI_OR_JOIN), (tmpl_var[]){{"reasons", names}, {"other", name}}, 2) : name;
    }
    item(c, DOC_PLAIN, NULL, fmt(c, ui(c, OP_UI_HOW_TO_TAKE), (tmpl_var[]){{"agent", names}, {"other", how}}, 2));
  }
}

static void decision(ctx *c) {
  const op_plan *p = c->p;
  const op_kb *kb = c->kb;
  doc_heading(&c->d, ui(c, OP_UI_DECISION));
  const char *action = action_words(c);
  if (!p->n_phases) para(c, DOC_GOOD, NULL, c->patient ? action : upper(c, action));
  for (int i = 0; i < p->n_phases; i++) {
    const op_phase *ph = &p->phases[i];
    if (!ph->n) continue;
    const char *label = i == 0 ? (c->patient ? action : upper(c, fmt(c, "{other}:", (tmpl_var[]){{"other", action}}, 1)))
                               : (c->patient ? ui(c, OP_UI_THEN) : upper(c, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_THEN)}}, 1)));
    const char *intent = c->patient ? kb->intent[ph->intent].patient : kb->intent[ph->intent].clinician;
    const char *line = fmt(c, ui(c, OP_UI_PHASE_LINE),
                           (tmpl_var[]){{"other", agent_line(c, ph, ph->agents[0], i == 0)}, {"level", intent}}, 2);
    para(c, i == 0 ? DOC_GOOD : DOC_PLAIN, label, line);
    const char *alt = alternatives(c, ph);
    if (alt) item(c, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_OR)}}, 1), alt);
  }
  how_to_take(c);
  if (c->patient) {
    para(c, DOC_PLAIN, NULL, p->rationale_patient);
  } else {
    para(c, DOC_PLAIN, NULL, fmt(c, "{other} {reasons}", (tmpl_var[]){{"other", p->rationale},
                                                                     {"reasons", srcs(c, p->treatment_sources)}}, 2));
  }
}

static bool any_message(const ctx *c, int from, int to);

/* Whether the rendering says something urgent: a critical alert, or for
** the patient a critical reminder (both read "Urgent"). */
static bool any_critical(const ctx *c) {
  for (int i = 0; i < c->p->n_alerts; i++)
    if (c->p->alerts[i].severity == OP_SEV_CRITICAL) return true;
  return c->patient && any_message(c, OP_SEV_CRITICAL, OP_SEV_CRITICAL);
}

/* The risk line: "low" never stands beside an urgent message. */
static const char *risk_words(ctx *c) {
  const op_plan *p = c->p;
  if (p->risk == OP_RISK_LOW && any_critical(c)) return ui(c, OP_UI_RISK_LOW_URGENT);
  return c->patient ? c->kb->risk[p->risk].patient : c->kb->risk[p->risk].clinician;
}

static const char *diagnosis_words(ctx *c) {
  const op_plan *p = c->p;
  if (p->diagnosis == OP_DX_UNKNOWN && has_bmd(c)) return ui(c, OP_UI_UNKNOWN_HAS_BMD);
  return c->patient ? c->kb->diagnosis[p->diagnosis].patient : c->kb->diagnosis[p->diagnosis].clinician;
}

static void why(ctx *c) {
  const op_plan *p = c->p;
  const op_kb *kb = c->kb;
  doc_heading(&c->d, ui(c, OP_UI_WHY));
  if (c->patient) {
    item(c, DOC_PLAIN, NULL, diagnosis_words(c));
    item(c, DOC_PLAIN, NULL, risk_words(c));
    /* a fracture is named by its site and date: the criterion's own values */
    for (int i = 0; i < p->n_criteria; i++)
      item(c, DOC_PLAIN, NULL, word_patient(c->a, kb, p->criteria[i].say, kb->criterion[p->criteria[i].code].patient));
    return;
  }
  const char *lowest = p->has_lowest ? fmt(c, "{value} ({site}, {date})",
                                           (tmpl_var[]){{"value", t_s(c, p->lowest_t)},
                                                        {"site", kb->site[p->lowest_site].clinician},
                                                        {"date", date_s(c, p->lowest_date)}}, 3)
                                     : ui(c, OP_UI_NONE);
  item(c, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_DIAGNOSIS)}}, 1),
       fmt(c, "{other}; {level}: {value}", (tmpl_var[]){{"other", diagnosis_words(c)},
                                                       {"level", ui(c, OP_UI_LOWEST_T)}, {"value", lowest}}, 3));
  item(c, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_RISK)}}, 1), risk_words(c));
  for (int i = 0; i < p->n_criteria; i++) {
    const op_criterion *cr = &p->criteria[i];
    item_about(c, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", kb->criterion[cr->code].clinician}}, 1),
         fmt(c, "{other} {reasons}", (tmpl_var[]){{"other", cr->detail}, {"reasons", srcs(c, cr->sources)}}, 2));
  }
  item(c, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_STATUS)}}, 1),
       kb->status_text[p->status].clinician);
  for (int i = 0; i < OP_N_finding; i++) {
    if (!p->finding[i]) continue;
    /* the agent a finding concerns, when the engine names one */
    const char *what = p->finding_has_agent[i]
                           ? fmt(c, "{other} ({agent})", (tmpl_var[]){{"other", kb->finding[i].clinician},
                                                                     {"agent", kb->agent[p->finding_agent[i]].name}}, 2)
                           : kb->finding[i].clinician;
    item(c, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_FINDINGS)}}, 1),
         fmt(c, "{other} {reasons}", (tmpl_var[]){{"other", what}, {"reasons", srcs(c, kb->finding[i].sources)}}, 2));
  }
}

static void avoid_section(ctx *c, op_ui_t heading, const op_avoid *list, int n) {
  if (!n) return;
  const op_kb *kb = c->kb;
  doc_heading(&c->d, ui(c, heading));
  for (int i = 0; i < n; i++) {
    const op_avoid *x = &list[i];
    const char *reasons = "";
    for (int k = 0; k < x->n; k++) {
      const char *one = c->patient ? kb->reason[x->reasons[k]].patient : kb->reason[x->reasons[k]].clinician;
      reasons = k ? fmt(c, ui(c, OP_UI_REASONS_JOIN), (tmpl_var[]){{"reasons", reasons}, {"other", one}}, 2) : one;
    }
    if (c->patient) {
      item_on(c, DOC_PLAIN, NULL, kb->agent[x->agent].patient_name,
               fmt(c, "{agent}: {reasons}.", (tmpl_var[]){{"agent", kb->agent[x->agent].patient_name},
                                                          {"reasons", reasons}}, 2));
    } else {
      const char *detail = x->detail ? fmt(c, " ({other})", (tmpl_var[]){{"other", x->detail}}, 1) : "";
      item_about(c, DOC_PLAIN, fmt(c, "{agent}:", (tmpl_var[]){{"agent", kb->agent[x->agent].name}}, 1),
               fmt(c, "{reasons}{other} {from}", (tmpl_var[]){{"reasons", reasons}, {"other", detail},
                                                             {"from", srcs(c, x->sources)}}, 3));
    }
  }
}

/* One alert, labelled with its severity in words. */
static void alert_item(ctx *c, const op_alert *a) {
  const char *label = c->patient ? fmt(c, "{other}:", (tmpl_var[]){{"other", c->kb->severity[a->severity].patient}}, 1)
                                 : fmt(c, "[{other}]", (tmpl_var[]){{"other", c->kb->severity[a->severity].clinician}}, 1);
  const char *text = c->patient ? a->patient
                                : fmt(c, "{other} {from}", (tmpl_var[]){{"other", a->message},
                                                                       {"from", srcs(c, a->sources)}}, 2);
  item(c, tone_of(a->severity), label, text);
}

/* A safety reminder for this audience (the engine decides who hears it):
** worded labels, nothing said by colour alone; for the clinician these are
** standing reminders, not alerts about this patient. */
static void reminder_item(ctx *c, const op_reminder *m) {
  if (!(c->patient ? m->patient : m->clinician)) return;
  const char *label = c->patient ? fmt(c, "{other}:", (tmpl_var[]){{"other", c->kb->severity[m->severity].patient}}, 1)
                                 : ui(c, OP_UI_REMINDER);
  item(c, c->patient ? tone_of(m->severity) : DOC_PLAIN, label, ui(c, op_reminder_ui[m->code]));
}

static bool heard(const ctx *c, const op_reminder *m) { return c->patient ? m->patient : m->clinician; }

/* Whether any alert or reminder of these severities is for this audience. */
static bool any_message(const ctx *c, int from, int to) {
  for (int i = 0; i < c->p->n_alerts; i++)
    if ((int)c->p->alerts[i].severity >= from && (int)c->p->alerts[i].severity <= to) return true;
  for (int i = 0; i < c->p->n_reminders; i++)
    if (heard(c, &c->p->reminders[i]) && c->p->reminders[i].severity >= from && c->p->reminders[i].severity <= to)
      return true;
  return false;
}

/* The alerts and reminders of severities from..to, critical before
** warning before info; within one, the alerts before the reminders, so a
** reminder that repeats an alert's sentence loses it. */
static void messages(ctx *c, int from, int to) {
  const op_plan *p = c->p;
  for (int sev = from; sev <= to; sev++) {
    for (int i = 0; i < p->n_alerts; i++)
      if ((int)p->alerts[i].severity == sev) alert_item(c, &p->alerts[i]);
    for (int i = 0; i < p->n_reminders; i++)
      if (p->reminders[i].severity == sev) reminder_item(c, &p->reminders[i]);
  }
}

static void alerts(ctx *c) {
  doc_heading(&c->d, ui(c, OP_UI_ALERTS));
  messages(c, OP_SEV_CRITICAL, OP_SEV_INFO);
}

/* When an item is due: its date, or "now (due since ...)" when it fell
** due before as_of. */
static const char *due_words(ctx *c, const op_monitor_item *m) {
  if (m->overdue)
    return fmt(c, ui(c, OP_UI_DUE_NOW), (tmpl_var[]){{"date", date_s(c, m->overdue_since)}}, 1);
  if (!c->patient) return date_s(c, m->due);
  return fmt(c, "{due} {date}", (tmpl_var[]){{"due", ui(c, OP_UI_DUE)}, {"date", date_s(c, m->due)}}, 2);
}

static void monitoring(ctx *c) {
  const op_plan *p = c->p;
  if (!p->n_monitor) return;
  doc_heading(&c->d, ui(c, OP_UI_MONITORING));
  for (int i = 0; i < p->n_monitor; i++) {
    const op_monitor_item *m = &p->monitor[i];
    const kb_text *t = &c->kb->monitor[m->code];
    if (c->patient)
      item(c, DOC_PLAIN, NULL, fmt(c, "{other}: {due}.", (tmpl_var[]){{"other", t->patient}, {"due", due_words(c, m)}}, 2));
    else {
      /* a reason said already (a referral's is the rationale) is not said again */
      const char *reason = m->reason ? once(c, NULL, m->reason) : NULL;
      item_on(c, DOC_PLAIN, due_words(c, m), t->clinician,
              fmt(c, reason ? "{other}: {reasons} {from}" : "{other} {from}",
                  (tmpl_var[]){{"other", t->clinician}, {"reasons", reason}, {"from", srcs(c, m->sources)}}, 3));
    }
  }
}

static void foundations(ctx *c) {
  const op_plan *p = c->p;
  const op_kb *kb = c->kb;
  if (!p->in_scope) return;
  doc_heading(&c->d, ui(c, OP_UI_SUPPLEMENTS));
  const char *vd = fmt(c, ui(c, OP_UI_VITAMIN_D_RANGE), (tmpl_var[]){{"from", num_s(c, KB_TH(kb, VITD_IU_MIN))},
                                                                   {"to", num_s(c, KB_TH(kb, VITD_IU_MAX))}}, 2);
  tmpl_var v[] = {{"from", num_s(c, KB_TH(kb, CALCIUM_MG_MIN))}, {"to", num_s(c, KB_TH(kb, CALCIUM_MG_MAX))},
                  {"level", vd}, {"threshold", num_s(c, KB_TH(kb, VITD_TARGET))}};
  /* calcium held until the cause of a raised calcium is known: no dose */
  const kb_text *sup = p->calcium_hold ? &kb->supplements_hold : &kb->supplements;
  const char *s = fmt(c, c->patient ? sup->patient : sup->clinician, v, 4);
  para(c, DOC_PLAIN, NULL, c->patient ? s : fmt(c, "{other} {from}", (tmpl_var[]){{"other", s},
                                                {"from", srcs(c, sup->sources)}}, 2));
  doc_heading(&c->d, ui(c, OP_UI_LIFESTYLE));
  tmpl_var lv[] = {{"level", num_s(c, KB_TH(kb, ALCOHOL_UNITS_MAX))}};
  for (int i = 0; i < OP_N_lifestyle; i++)
    if (p->lifestyle[i])
      item(c, DOC_PLAIN, NULL, fmt(c, c->patient ? kb->lifestyle[i].patient : kb->lifestyle[i].clinician, lv, 1));
}

static void goal_and_codes(ctx *c) {
  const op_plan *p = c->p;
  const op_kb *kb = c->kb;
  if (p->has_goal) {
    /* no T-score at or below the target: "kept or rising", no number */
    const kb_text *g = p->goal_has_target ? &kb->goal : &kb->goal_no_target;
    doc_heading(&c->d, ui(c, OP_UI_GOAL));
    if (c->patient) para(c, DOC_PLAIN, NULL, g->patient);
    else if (p->goal_has_target)
      para(c, DOC_PLAIN, NULL,
           fmt(c, kb->phrase[OP_PH_GOAL_LINE],
               (tmpl_var[]){{"other", g->clinician}, {"value", t_s(c, KB_TH(kb, GOAL_T_TARGET))},
                            {"date", date_s(c, p->goal_review_by)}, {"from", srcs(c, g->sources)}}, 4));
    else
      para(c, DOC_PLAIN, NULL,
           fmt(c, kb->phrase[OP_PH_GOAL_LINE_NO_TARGET],
               (tmpl_var[]){{"other", g->clinician}, {"date", date_s(c, p->goal_review_by)},
                            {"from", srcs(c, g->sources)}}, 3));
  }
  if (p->has_dxcodes && !c->patient) {
    doc_heading(&c->d, ui(c, OP_UI_DIAGNOSIS_CODES));
    for (int i = 0; i < kb->n_dxcodes; i++)
      doc_item(&c->d, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", kb->dxcodes[i].system}}, 1),
               fmt(c, "{other} {from}", (tmpl_var[]){{"other", (i == 0 && p->dxcode_glucocorticoid ? kb->dxcode_glucocorticoid : kb->dxcodes[i].code)}, {"from", srcs(c, kb->dxcode_sources)}}, 2));
  }
}

static void disagreements(ctx *c) {
  const op_plan *p = c->p;
  const op_kb *kb = c->kb;
  bool any = false;
  for (int d = 0; d < OP_N_disagreement; d++) any |= p->disagreement[d];
  if (!any) return;
  doc_heading(&c->d, ui(c, OP_UI_DISAGREEMENTS));
  for (int d = 0; d < OP_N_disagreement; d++) {
    if (!p->disagreement[d]) continue;
    const kb_disagreement *g = &kb->disagreement[d];
    if (c->patient) {
      item(c, DOC_PLAIN, NULL, g->patient);
      continue;
    }
    strbuf b;
    sb_init(&b, c->a);
    for (int k = 0; k < g->n; k++) sb_cat(&b, k ? "; " : "", g->source[k], ": ", g->statement[k], (char *)NULL);
    sb_cat(&b, ". ", ui(c, OP_UI_APPLIED), ": ", g->applied, ".", (char *)NULL);
    doc_item(&c->d, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", g->topic}}, 1),
             arena_strdup(c->a, sb_str(&b)));
  }
}

/* What the input held that the plan could not use (clinicians only: the
** notes name resources and codes). */
static void input_notes(ctx *c) {
  if (c->patient || !c->p->n_input_notes) return;
  doc_heading(&c->d, ui(c, OP_UI_INPUT_NOTES));
  for (int i = 0; i < c->p->n_input_notes; i++) doc_item(&c->d, DOC_PLAIN, NULL, c->p->input_notes[i]);
}

static void sources(ctx *c) {
  const op_plan *p = c->p;
  const op_kb *kb = c->kb;
  input_notes(c);
  doc_heading(&c->d, ui(c, OP_UI_SOURCES));
  for (int i = 0; i < kb->n_sources; i++) {
    if (!(p->all_sources & ((op_srcset)1 << i))) continue;
    const kb_source *s = &kb->sources[i];
    if (c->patient) continue; /* titles are for clinicians; the note below says where */
    /* with a file, the file, date and review go in parentheses after the title */
    const char *t = s->file ? fmt(c, kb->phrase[OP_PH_SOURCE_FILE], (tmpl_var[]){{"other", s->file}}, 1) : s->title;
    if (s->updated) t = fmt(c, kb->phrase[OP_PH_SOURCE_UPDATED], (tmpl_var[]){{"other", t}, {"date", s->updated}}, 2);
    if (s->review) t = fmt(c, kb->phrase[OP_PH_SOURCE_REVIEW], (tmpl_var[]){{"other", t}, {"level", s->review}}, 2);
    if (s->file) t = fmt(c, "{other} ({from})", (tmpl_var[]){{"other", s->title}, {"from", t}}, 2);
    doc_item(&c->d, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", s->id}}, 1), t);
  }
  doc_para(&c->d, DOC_PLAIN, NULL, ui(c, OP_UI_SOURCES_NOTE));
  doc_para(&c->d, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_KNOWLEDGE_BASE)}}, 1),
           fmt(c, ui(c, OP_UI_KB_LINE),
               (tmpl_var[]){{"other", kb->version}, {"level", kb->status}, {"date", kb->updated},
                            {"from", kb->profile}}, 4));
}

/* The line naming the patient: the record's name and MRN, either or both
** ("Maria Garcia, MRN 12345"); NULL when the record has neither. */
static const char *identity(ctx *c, const op_record *r) {
  const char *mrn = r->mrn ? fmt(c, ui(c, OP_UI_MRN), (tmpl_var[]){{"value", r->mrn}}, 1) : NULL;
  if (r->name && mrn) return fmt(c, "{other}, {value}", (tmpl_var[]){{"other", r->name}, {"value", mrn}}, 2);
  return r->name ? r->name : mrn;
}

const char *render_doc(arena *a, const op_plan *p, op_format fmt_, bool patient, bool color, size_t *len) {
  strbuf b;
  sb_init(&b, a);
  bool fragment = fmt_ == OP_FORMAT_HTML_FRAGMENT;
  if (fragment) fmt_ = OP_FORMAT_HTML;
  /* every field set but the said lists (8 KB), which only n_said entries
  ** of are ever read: an initializer would zero them for each rendering */
  ctx c;
  c.a = a;
  c.p = p;
  c.kb = p->kb;
  c.d = (doc){&b, fmt_, color && fmt_ == OP_FORMAT_TEXT, false, fragment, NULL};
  c.patient = patient;
  c.how_said = 0;
  c.n_said = 0;
  c.d.lang = ui(&c, OP_UI_LANGUAGE);
  const op_record *r = p->rec;
  const char *who = fmt(&c, ui(&c, OP_UI_PATIENT_LINE),
                        (tmpl_var[]){{"other", ui(&c, OP_UI_PATIENT)},
                                     {"agent", r->id ? r->id : "-"},
                                     {"level", ui(&c, kb_sex_ui(r->sex))},
                                     {"age", ui(&c, OP_UI_AGE)},
                                     {"value", num_s(&c, p->age)},
                                     {"date", date_s(&c, p->as_of)}}, 6);
  doc_begin(&c.d, ui(&c, OP_UI_TITLE), identity(&c, r), who);
  /* at the top: rules nobody has reviewed say so (default-profile.md 10) */
  if (strcmp(p->kb->status, "approved"))
    para(&c, DOC_WARNING, NULL, fmt(&c, ui(&c, OP_UI_KB_NOT_REVIEWED), (tmpl_var[]){{"level", p->kb->status}}, 1));
  /* before the decision: a plan made from part of the data must say so first */
  if (!patient && p->incomplete_input) para(&c, DOC_CRITICAL, NULL, ui(&c, OP_UI_INCOMPLETE_INPUT));
  /* the patient hears the urgent messages first, before the decision */
  if (patient && any_message(&c, OP_SEV_CRITICAL, OP_SEV_CRITICAL)) {
    doc_heading(&c.d, ui(&c, OP_UI_URGENT));
    messages(&c, OP_SEV_CRITICAL, OP_SEV_CRITICAL);
  }
  decision(&c);
  if (patient) {
    if (any_message(&c, OP_SEV_WARNING, OP_SEV_INFO)) {
      doc_heading(&c.d, ui(&c, OP_UI_ALERTS));
      messages(&c, OP_SEV_WARNING, OP_SEV_INFO);
    }
    why(&c);
  } else {
    why(&c);
    avoid_section(&c, OP_UI_AVOID, p->avoid, p->n_avoid);
    avoid_section(&c, OP_UI_NOT_RECOMMENDED, p->not_rec, p->n_not_rec);
    alerts(&c);
  }
  monitoring(&c);
  if (patient) {
    avoid_section(&c, OP_UI_AVOID, p->avoid, p->n_avoid);
  }
  foundations(&c);
  goal_and_codes(&c);
  disagreements(&c);
  sources(&c);
  doc_end(&c.d, ui(&c, OP_UI_DISCLAIMER));
  if (b.oom) return NULL;
  if (len) *len = b.len;
  return sb_str(&b);
}
