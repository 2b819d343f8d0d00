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
#include "doc.h"
#include "render.h"

typedef struct {
  arena *a;
  const op_plan *p;
  const op_kb *kb;
  doc d;
  bool patient;
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

static const char *num_s(ctx *c, double v) {
  strbuf b;
  sb_init(&b, c->a);
  sb_printf(&b, "%g", v);
  return arena_strdup(c->a, sb_str(&b));
}

static const char *srcs(ctx *c, op_srcset s) {
  strbuf b;
  sb_init(&b, c->a);
  int n = 0;
  for (int i = 0; i < c->kb->n_sources; i++)
    if (s & ((op_srcset)1 << i)) sb_cat(&b, n++ ? ", " : "[", c->kb->sources[i].id, (char *)NULL);
  if (n) sb_puts(&b, "]");
  return arena_strdup(c->a, sb_str(&b));
}

static doc_tone tone_of(int severity) {
  return severity == OP_SEV_CRITICAL ? DOC_CRITICAL : severity == OP_SEV_WARNING ? DOC_WARNING : DOC_INFO;
}

/* "romosozumab 210 mg subcutaneous monthly, 12 months" */
static const char *agent_line(ctx *c, const op_phase *ph, int agent, bool first) {
  const kb_agent *g = &c->kb->agent[agent];
  const char *len = ph->has_months ? fmt(c, "{months} {level}", (tmpl_var[]){{"months", num_s(c, ph->months)},
                                                                               {"level", ui(c, OP_UI_MONTHS)}}, 2)
                                   : ui(c, OP_UI_OPEN_ENDED);
  if (c->patient)
    return fmt(c, first ? "{level} {agent}: {other}." : "{agent}: {other}.",
               (tmpl_var[]){{"level", ui(c, OP_UI_BEST_CHOICE)},
                                                          {"agent", g->patient_name}, {"other", g->patient_how}}, 3);
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

static void decision(ctx *c) {
  const op_plan *p = c->p;
  const op_kb *kb = c->kb;
  doc_heading(&c->d, ui(c, OP_UI_DECISION));
  const char *action = c->patient ? kb->action[p->action].patient : kb->action[p->action].clinician;
  if (!p->n_phases) {
    doc_para(&c->d, DOC_GOOD, NULL, c->patient ? action : upper(c, action));
  }
  for (int i = 0; i < p->n_phases; i++) {
    const op_phase *ph = &p->phases[i];
    if (!ph->n) continue;
    const char *label = i == 0 ? (c->patient ? action : upper(c, fmt(c, "{other}:", (tmpl_var[]){{"other", action}}, 1)))
                               : (c->patient ? ui(c, OP_UI_THEN) : upper(c, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_THEN)}}, 1)));
    const char *intent = c->patient ? kb->intent[ph->intent].patient : kb->intent[ph->intent].clinician;
    const char *line = fmt(c, ui(c, OP_UI_PHASE_LINE),
                           (tmpl_var[]){{"other", agent_line(c, ph, ph->agents[0], i == 0)}, {"level", intent}}, 2);
    doc_para(&c->d, i == 0 ? DOC_GOOD : DOC_PLAIN, label, line);
    const char *alt = alternatives(c, ph);
    if (alt) doc_item(&c->d, DOC_PLAIN, fmt(c, "{other}:",
                                           (tmpl_var[]){{"other", ui(c, OP_UI_OR)}}, 1), alt);
  }
  if (c->patient) {
    doc_para(&c->d, DOC_PLAIN, NULL, p->rationale_patient);
  } else {
    doc_para(&c->d, DOC_PLAIN, NULL, fmt(c, "{other} {reasons}", (tmpl_var[]){{"other", p->rationale},
                                                                            {"reasons", srcs(c, p->treatment_sources)}}, 2));
  }
}

static void why(ctx *c) {
  const op_plan *p = c->p;
  const op_kb *kb = c->kb;
  doc_heading(&c->d, ui(c, OP_UI_WHY));
  if (c->patient) {
    doc_item(&c->d, DOC_PLAIN, NULL, kb->diagnosis[p->diagnosis].patient);
    doc_item(&c->d, DOC_PLAIN, NULL, kb->risk[p->risk].patient);
    for (int i = 0; i < p->n_criteria; i++) doc_item(&c->d, DOC_PLAIN, NULL, kb->criterion[p->criteria[i].code].patient);
    return;
  }
  const char *lowest = p->has_lowest ? fmt(c, "{value} ({site}, {date})",
                                           (tmpl_var[]){{"value", t_s(c, p->lowest_t)},
                                                        {"site", kb->site[p->lowest_site].clinician},
                                                        {"date", date_s(c, p->lowest_date)}}, 3)
                                     : ui(c, OP_UI_NONE);
  doc_item(&c->d, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_DIAGNOSIS)}}, 1),
           fmt(c, "{other}; {level}: {value}", (tmpl_var[]){{"other", kb->diagnosis[p->diagnosis].clinician},
                                                           {"level", ui(c, OP_UI_LOWEST_T)}, {"value", lowest}}, 3));
  doc_item(&c->d, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_RISK)}}, 1),
           kb->risk[p->risk].clinician);
  for (int i = 0; i < p->n_criteria; i++) {
    const op_criterion *cr = &p->criteria[i];
    doc_item(&c->d, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", kb->criterion[cr->code].clinician}}, 1),
             fmt(c, "{other} {reasons}", (tmpl_var[]){{"other", cr->detail}, {"reasons", srcs(c, cr->sources)}}, 2));
  }
  doc_item(&c->d, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_STATUS)}}, 1),
           kb->status_text[p->status].clinician);
  for (int i = 0; i < OP_N_finding; i++)
    if (p->finding[i])
      doc_item(&c->d, DOC_PLAIN, fmt(c, "{other}:", (tmpl_var[]){{"other", ui(c, OP_UI_FINDINGS)}}, 1),
               fmt(c, "{other} {reasons}", (tmpl_var[]){{"other", kb->finding[i].clinician},
                                                      {"reasons", srcs(c, kb->finding[i].sources)}}, 2));
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
      doc_item(&c->d, DOC_PLAIN, NULL,
               fmt(c, "{agent}: {reasons}.", (tmpl_var[]){{"agent", kb->agent[x->agent].patient_name},
                                                          {"reasons", reasons}}, 2));
    } else {
      const char *detail = x->detail ? fmt(c, " ({other})", (tmpl_var[]){{"other", x->detail}}, 1) : "";
      doc_item(&c->d, DOC_PLAIN, fmt(c, "{agent}:", (tmpl_var[]){{"agent", kb->agent[x->agent].name}}, 1),
               fmt(c, "{reasons}{other} {from}", (tmpl_var[]){{"reasons", reasons}, {"other", detail},
                                                             {"from", srcs(c, x->sources)}}, 3));
    }
  }
}

static void safety(ctx *c);

static void alerts(ctx *c) {
  const op_plan *p = c->p;
  doc_heading(&c->d, ui(c, OP_UI_ALERTS));
  for (int i = 0; i < p->n_alerts; i++) { /* already sorted by severity */
    const op_alert *a = &p->alerts[i];
    const char *label = c->patient ? fmt(c, "{other}:", (tmpl_var[]){{"other", c->kb->severity[a->severity].patient}}, 1)
                                   : fmt(c, "[{other}]", (tmpl_var[]){{"other", c->kb->severity[a->severity].clinician}}, 1);
    const char *text = c->patient ? a->patient
                                  : fmt(c, "{other} {from}", (tmpl_var[]){{"other", a->message},
                                                                         {"from", srcs(c, a->sources)}}, 2);
    doc_item(&c->d, tone_of(a->severity), label, text);
  }
  safety(c);
}

static void monitoring(ctx *c) {
  const op_plan *p = c->p;
  if (!p->n_monitor) return;
  doc_heading(&c->d, ui(c, OP_UI_MONITORING));
  for (int i = 0; i < p->n_monitor; i++) {
    const op_monitor_item *m = &p->monitor[i];
    const kb_text *t = &c->kb->monitor[m->code];
    if (c->patient)
      doc_item(&c->d, DOC_PLAIN, NULL, fmt(c, "{other}: {due} {date}.", (tmpl_var[]){{"other", t->patient},
                                                                             {"due", ui(c, OP_UI_DUE)},
                                                                             {"date", date_s(c, m->due)}}, 3));
    else
      doc_item(&c->d, DOC_PLAIN, fmt(c, "{date}", (tmpl_var[]){{"date", date_s(c, m->due)}}, 1),
               fmt(c, "{other}: {reasons} {from}", (tmpl_var[]){{"other", t->clinician},
                                                               {"reasons", m->reason ? m->reason : ""},
                                                               {"from", srcs(c, m->sources)}}, 3));
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
  const char *s = fmt(c, c->patient ? kb->supplements.patient : kb->supplements.clinician, v, 4);
  doc_para(&c->d, DOC_PLAIN, NULL, c->patient ? s : fmt(c, "{other} {from}", (tmpl_var[]){{"other", s},
                                                        {"from", srcs(c, kb->supplements.sources)}}, 2));
  doc_heading(&c->d, ui(c, OP_UI_LIFESTYLE));
  tmpl_var lv[] = {{"level", num_s(c, KB_TH(kb, ALCOHOL_UNITS_MAX))}};
  for (int i = 0; i < OP_N_lifestyle; i++)
    if (p->lifestyle[i])
      doc_item(&c->d, DOC_PLAIN, NULL, fmt(c, c->patient ? kb->lifestyle[i].patient : kb->lifestyle[i].clinician, lv, 1));
}

static void goal_and_codes(ctx *c) {
  const op_plan *p = c->p;
  const op_kb *kb = c->kb;
  if (p->has_goal) {
    doc_heading(&c->d, ui(c, OP_UI_GOAL));
    if (c->patient) doc_para(&c->d, DOC_PLAIN, NULL, kb->goal.patient);
    else
      doc_para(&c->d, DOC_PLAIN, NULL,
               fmt(c, kb->phrase[OP_PH_GOAL_LINE],
                   (tmpl_var[]){{"other", kb->goal.clinician}, {"value", t_s(c, KB_TH(kb, GOAL_T_TARGET))},
                                {"date", date_s(c, p->goal_review_by)}, {"from", srcs(c, kb->goal.sources)}}, 4));
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
      doc_item(&c->d, DOC_PLAIN, NULL, g->patient);
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

/* The plan's safety reminders for this audience (the engine decides them). */
static void safety(ctx *c) {
  const op_plan *p = c->p;
  for (int i = 0; i < p->n_reminders; i++) {
    const op_reminder *m = &p->reminders[i];
    if (!(c->patient ? m->patient : m->clinician)) continue;
    /* worded labels: nothing is said by colour alone; for the clinician these
    ** are standing reminders, not alerts about this patient */
    const char *label = c->patient ? fmt(c, "{other}:", (tmpl_var[]){{"other", c->kb->severity[m->severity].patient}}, 1)
                                   : ui(c, OP_UI_REMINDER);
    doc_item(&c->d, c->patient ? tone_of(m->severity) : DOC_PLAIN, label, ui(c, op_reminder_ui[m->code]));
  }
}

const char *render_doc(arena *a, const op_plan *p, op_format fmt_, bool patient, bool color, size_t *len) {
  strbuf b;
  sb_init(&b, a);
  bool fragment = fmt_ == OP_FORMAT_HTML_FRAGMENT;
  if (fragment) fmt_ = OP_FORMAT_HTML;
  ctx c = {a, p, p->kb, {&b, fmt_, color && fmt_ == OP_FORMAT_TEXT, false, fragment, NULL}, patient};
  c.d.lang = ui(&c, OP_UI_LANGUAGE);
  const op_record *r = p->rec;
  const char *who = fmt(&c, ui(&c, OP_UI_PATIENT_LINE),
                        (tmpl_var[]){{"other", ui(&c, OP_UI_PATIENT)},
                                     {"agent", r->id ? r->id : "-"},
                                     {"level", ui(&c, kb_sex_ui(r->sex))},
                                     {"age", ui(&c, OP_UI_AGE)},
                                     {"value", num_s(&c, p->age)},
                                     {"date", date_s(&c, p->as_of)}}, 6);
  doc_begin(&c.d, ui(&c, OP_UI_TITLE), who);
  /* before the decision: a plan made from part of the data must say so first */
  if (!patient && p->incomplete_input) doc_para(&c.d, DOC_CRITICAL, NULL, ui(&c, OP_UI_INCOMPLETE_INPUT));
  decision(&c);
  if (patient) {
    doc_heading(&c.d, ui(&c, OP_UI_ALERTS));
    safety(&c);
    for (int i = 0; i < p->n_alerts; i++)
      doc_item(&c.d, tone_of(p->alerts[i].severity),
               fmt(&c, "{other}:", (tmpl_var[]){{"other", p->kb->severity[p->alerts[i].severity].patient}}, 1),
               p->alerts[i].patient);
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
