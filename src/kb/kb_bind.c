/*
** kb_bind.c: the binders of the knowledge base, one per kind of section
** (metadata, sources, texts, disagreements, care gaps, FHIR tables). Each
** reads the entries kb.c has read (kb_loader.h) into the op_kb and refuses
** what is missing or wrong with file:line; kb.c calls them in order.
*/
#include <stdio.h>
#include <string.h>

#include "kb.h"
#include "kb_fhir.h"
#include "kb_loader.h"
#include "../util/date.h"

/* An optional key whose empty value means "none" (NULL). */
static const char *opt_value(loader *L, const char *sec, const char *key) {
  const char *v = opt_str(L, sec, key);
  return v && *v ? v : NULL;
}

/* "J. Smith, endocrinologist": a name of at least two words, each with a
** letter, a comma, then a role with a letter. A team, a tool or a blank
** is not a reviewer (default-profile.md section 10). */
static bool names_a_person(const char *s) {
  const char *comma = s ? strchr(s, ',') : NULL;
  if (!comma) return false;
  int words = 0;
  bool in_word = false, letter = false;
  for (const char *q = s; q < comma; q++) {
    bool alpha = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z');
    if (*q == ' ') {
      words += in_word && letter;
      in_word = letter = false;
    } else {
      in_word = true;
      letter |= alpha;
    }
  }
  words += in_word && letter;
  bool role = false;
  for (const char *q = comma + 1; *q; q++) role |= (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z');
  return words >= 2 && role;
}

/* status = approved needs who reviewed it (a named clinician and role) and
** when, on or after the content's date: a review older than the content
** does not cover it. */
static void check_review(loader *L, const entry *status) {
  const op_kb *kb = L->kb;
  op_date on, upd;
  if (!names_a_person(kb->reviewed_by)) {
    lerr(L, status->file, status->line,
         "status = approved needs reviewed_by: a named clinician and role (e.g. \"J. Smith, endocrinologist\")");
  } else if (!kb->reviewed_on || !date_parse(kb->reviewed_on, strlen(kb->reviewed_on), &on)) {
    lerr(L, status->file, status->line, "status = approved needs reviewed_on: the review's date (YYYY-MM-DD)");
  } else if (date_parse(kb->updated, strlen(kb->updated), &upd) && on < upd) {
    lerr(L, status->file, status->line, "reviewed_on %s is before updated %s: the review does not cover this content",
         kb->reviewed_on, kb->updated);
  }
}

/* [knowledge_base]: version, review status, date; the profile's name. */
void kb_bind_metadata(loader *L) {
  op_kb *kb = L->kb;
  /* metadata */
  kb->version = req_str(L, "knowledge_base", "version");
  kb->status = req_str(L, "knowledge_base", "status");
  kb->updated = req_str(L, "knowledge_base", "updated");
  kb->profile = req_str(L, "knowledge_base", "profile");
  kb->reviewed_by = opt_value(L, "knowledge_base", "reviewed_by");
  kb->reviewed_on = opt_value(L, "knowledge_base", "reviewed_on");
  {
    static const char *const st[] = {"draft", "under_review", "approved", "retired"};
    bool ok = false;
    for (int i = 0; i < 4; i++) ok |= !strcmp(kb->status, st[i]);
    entry *e = get(L, "knowledge_base", "status");
    if (!ok && e) lerr(L, e->file, e->line, "status must be draft, under_review, approved or retired");
    if (ok && e && !strcmp(kb->status, "approved")) check_review(L, e);
  }
  /* the plan names the profile it was made with: the folder's name */
  entry *p = get(L, "knowledge_base", "profile");
  if (p && strcmp(p->value, L->profile))
    lerr(L, p->file, p->line, "profile '%s' does not match its folder profiles/%s/", p->value, L->profile);
}

/* [source.X]: every one, in file order (a plan cites them by id). */
void kb_bind_sources(loader *L) {
  op_kb *kb = L->kb;
  /* sources: every [source.X] section, in file order */
  for (int i = 0; i < L->ns && !L->failed; i++) {
    if (strncmp(L->s[i].name, "source.", 7)) continue;
    if (kb->n_sources == OP_MAX_SOURCES) {
      lerr(L, L->s[i].file, L->s[i].line, "more than %d sources", OP_MAX_SOURCES);
      return;
    }
    kb_source *s = &kb->sources[kb->n_sources++];
    const char *sec = L->s[i].name;
    s->id = sec + 7;
    if (!*s->id) {
      lerr(L, L->s[i].file, L->s[i].line, "[source.] needs a name: [source.NAME]");
      return;
    }
    s->title = req_str(L, sec, "title");
    s->kind = req_str(L, sec, "kind");
    s->file = opt_str(L, sec, "file");
    s->updated = opt_str(L, sec, "updated");
    s->review = opt_str(L, sec, "review_status");
    if (strcmp(s->kind, "seed") && strcmp(s->kind, "guideline") && strcmp(s->kind, "label") &&
        strcmp(s->kind, "terminology")) {
      lerr_key(L, sec, "kind", "[%s] kind must be seed, guideline, label or terminology", sec);
    }
    if (!strcmp(s->kind, "seed") && !s->file) {
      lerr(L, L->s[i].file, L->s[i].line, "[%s] a seed needs its 'file'", sec);
    }
  }
  if (L->failed) return;
  for (int i = 0; i < kb->n_sources; i++) {
    char sec[64];
    snprintf(sec, sizeof sec, "source.%s", kb->sources[i].id);
    if (get(L, sec, "rests_on")) kb->sources[i].rests_on = req_sources(L, sec, "rests_on");
  }
}

/* [prefix.code] with clinician and patient texts, optional detail and
** sources (required when need_sources). */
static void bind_texts(loader *L, const char *prefix, const char *const *codes,
                       int n, kb_text *out, bool need_sources, bool need_detail) {
  char sec[128];
  for (int i = 0; i < n && !L->failed; i++) {
    snprintf(sec, sizeof sec, "%s.%s", prefix, codes[i]);
    if (!find_section(L, sec)) {
      missing_section(L, prefix, codes, n, codes[i], "texts.ini");
      return;
    }
    out[i].clinician = req_str(L, sec, "clinician");
    out[i].patient = req_str(L, sec, "patient");
    entry *d = get(L, sec, "detail");
    if (d) out[i].detail = d->value;
    if (need_detail && !d) {
      section *s = find_section(L, sec);
      lerr(L, s->file, s->line, "[%s] needs 'detail' (the reason with the patient's values)", sec);
    }
    if (d) check_template(L, d);
    entry *c = get(L, sec, "clinician"), *p = get(L, sec, "patient");
    if (c) check_template(L, c);
    if (p) check_template(L, p);
    if (need_sources || get(L, sec, "sources")) out[i].sources = req_sources(L, sec, "sources");
  }
}

/* [prefix.<key>] (phrase, worklist): one clinician template each, every
** key required. */
static void bind_phrases(loader *L, const char *prefix, const char *const *codes, int n, const char **out) {
  char sec[128];
  for (int i = 0; i < n && !L->failed; i++) {
    snprintf(sec, sizeof sec, "%s.%s", prefix, codes[i]);
    if (!find_section(L, sec)) {
      missing_section(L, prefix, codes, n, codes[i], "texts.ini");
      return;
    }
    out[i] = req_str(L, sec, "clinician");
    entry *c = get(L, sec, "clinician");
    if (c) check_template(L, c);
  }
}

/* The texts of every code, the phrases, the alerts' severities, the goal and
** the supplements. */
static void bind_text_tables(loader *L) {
  op_kb *kb = L->kb;
  /* texts */
  bind_texts(L, "diagnosis", op_diagnosis_str, OP_N_diagnosis, kb->diagnosis, false, false);
  bind_texts(L, "risk", op_risk_str, OP_N_risk, kb->risk, false, false);
  bind_texts(L, "criterion", op_criterion_str, OP_N_criterion, kb->criterion, true, true);
  bind_texts(L, "status", op_status_str, OP_N_status, kb->status_text, false, false);
  bind_texts(L, "finding", op_finding_str, OP_N_finding, kb->finding, true, false);
  bind_texts(L, "action", op_action_str, OP_N_action, kb->action, false, false);
  bind_texts(L, "intent", op_intent_str, OP_N_intent, kb->intent, false, false);
  bind_texts(L, "reason", op_reason_str, OP_N_reason, kb->reason, true, false);
  bind_texts(L, "alert", op_alert_str, OP_N_alert, kb->alert, true, false);
  bind_texts(L, "monitoring", op_monitor_str, OP_N_monitor, kb->monitor, true, false);
  bind_texts(L, "lifestyle", op_lifestyle_str, OP_N_lifestyle, kb->lifestyle, true, false);
  bind_texts(L, "rule", op_rule_str, OP_N_rule, kb->rule, true, false);
  bind_texts(L, "site", op_site_str, OP_N_site, kb->site, false, false);
  bind_texts(L, "fracture_site", op_fx_site_str, OP_N_fx_site, kb->fx_site, false, false);
  bind_texts(L, "severity", op_severity_str, OP_N_severity, kb->severity, false, false);
  bind_texts(L, "condition", op_condition_str, OP_N_condition, kb->condition, false, false);
  bind_texts(L, "ui", op_ui_str, OP_N_ui, kb->ui, false, false);
  bind_phrases(L, "phrase", op_phrase_str, OP_N_phrase, kb->phrase);
  bind_phrases(L, "worklist", op_wltext_str, OP_N_wltext, kb->wltext);
  if (L->failed) return;
  for (int i = 0; i < OP_N_alert && !L->failed; i++) {
    char sec[96];
    snprintf(sec, sizeof sec, "alert.%s", op_alert_str[i]);
    const char *sv = req_str(L, sec, "severity");
    kb->alert[i].severity = code_of(op_severity_str, OP_N_severity, sv);
    if (kb->alert[i].severity < 0 && *sv) {
      lerr_key(L, sec, "severity", "[%s] severity must be critical, warning or info", sec);
    }
  }
  kb->goal.clinician = req_str(L, "goal", "summary");
  kb->goal.patient = req_str(L, "goal", "patient");
  kb->goal.sources = req_sources(L, "goal", "sources");
  kb->supplements.clinician = req_str(L, "supplements", "clinician");
  kb->supplements.patient = req_str(L, "supplements", "patient");
  kb->supplements.sources = req_sources(L, "supplements", "sources");
  kb->goal_no_target.clinician = req_str(L, "goal", "summary_no_target");
  kb->goal_no_target.patient = req_str(L, "goal", "patient_no_target");
  kb->goal_no_target.sources = kb->goal.sources;
  kb->supplements_hold.clinician = req_str(L, "supplements", "clinician_hold");
  kb->supplements_hold.patient = req_str(L, "supplements", "patient_hold");
  kb->supplements_hold.sources = kb->supplements.sources;
}

/* [diagnosis_codes]: the codes a plan may propose. */
static void bind_dxcodes(loader *L) {
  op_kb *kb = L->kb;
  /* diagnosis codes */
  {
    const char *sys[] = {"icd10cm", "icd11"};
    const char *name[] = {"ICD-10-CM", "ICD-11"};
    for (int i = 0; i < 2; i++) {
      kb->dxcodes[i].system = name[i];
      kb->dxcodes[i].code = req_str(L, "diagnosis_codes", sys[i]);
    }
    kb->n_dxcodes = 2;
    /* 2026.12: the ICD-10-CM code that replaces the first when the
    ** osteoporosis is glucocorticoid-induced */
    kb->dxcode_glucocorticoid = req_str(L, "diagnosis_codes", "icd10cm_glucocorticoid");
    kb->dxcode_sources = req_sources(L, "diagnosis_codes", "sources");
  }
}

/* [disagreement.X]: every one, its positions keyed by source id. */
static void bind_disagreements(loader *L) {
  op_kb *kb = L->kb;
  /* disagreements */
  for (int d = 0; d < OP_N_disagreement && !L->failed; d++) {
    char sec[96];
    snprintf(sec, sizeof sec, "disagreement.%s", op_disagreement_str[d]);
    if (!find_section(L, sec)) {
      missing_section(L, "disagreement", op_disagreement_str, OP_N_disagreement, op_disagreement_str[d],
                      "disagreements.ini");
      return;
    }
    kb_disagreement *g = &kb->disagreement[d];
    g->topic = req_str(L, sec, "topic");
    g->applied = req_str(L, sec, "applied");
    g->patient = req_str(L, sec, "patient");
    /* positions: keys named after sources */
    for (int s = 0; s < kb->n_sources; s++) {
      entry *e = get(L, sec, kb->sources[s].id);
      if (!e) continue;
      if (g->n == 4) {
        lerr(L, e->file, e->line, "[%s] at most 4 positions", sec);
        return;
      }
      g->source[g->n] = kb->sources[s].id;
      g->statement[g->n] = e->value;
      g->n++;
      kb->disagreement_sources[d] |= (op_srcset)1 << s;
    }
    if (g->n < 2) {
      section *s = find_section(L, sec);
      lerr(L, s->file, s->line, "[%s] needs at least two positions, each keyed by its source id", sec);
    }
  }
  if (L->failed) return;
}

/* [gap.X]: the care gaps of screening, every one in file order, each a
** set of plan codes (all of them, or any of them). */
static void bind_gaps(loader *L) {
  op_kb *kb = L->kb;
  /* care gaps: every [gap.X] section, in file order */
  for (int i = 0; i < L->ns && !L->failed; i++) {
    if (strncmp(L->s[i].name, "gap.", 4)) continue;
    const char *sec = L->s[i].name;
    if (kb->n_gaps == OP_MAX_GAPS) {
      lerr(L, L->s[i].file, L->s[i].line, "more than %d care gaps", OP_MAX_GAPS);
      return;
    }
    kb_gap *g = &kb->gaps[kb->n_gaps++];
    g->code = sec + 4;
    for (const char *c = g->code; *c; c++)
      if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) {
        lerr(L, L->s[i].file, L->s[i].line, "[%s] a gap code is lower_snake_case", sec);
        return;
      }
    g->clinician = req_str(L, sec, "clinician");
    g->sources = req_sources(L, sec, "sources");
    const char *lists[2] = {"all", "any"};
    for (int k = 0; k < 2; k++) {
      entry *e = get(L, sec, lists[k]);
      if (!e) continue;
      char *items[9];
      int n = split_list(L, e->value, items, 8);
      if (n < 0) {
        lerr(L, e->file, e->line, "[%s] %s: at most 8 codes", sec, lists[k]);
        return;
      }
      for (int j = 0; j < n; j++) {
        static const char *const kinds[] = {"action", "rule", "risk", "criterion", "finding", "alert"};
        char *colon = strchr(items[j], ':');
        int kind = -1, code = -1;
        if (colon) {
          // cppcheck-suppress variableScope ; kept beside kinds[], which it parallels
          const char *const *tables[] = {op_action_str, op_rule_str, op_risk_str, op_criterion_str, op_finding_str, op_alert_str};
          const int sizes[] = {OP_N_action, OP_N_rule, OP_N_risk, OP_N_criterion, OP_N_finding, OP_N_alert};
          *colon = 0;
          for (int q = 0; q < 6; q++)
            if (!strcmp(items[j], kinds[q])) kind = q;
          if (kind >= 0) code = code_of(tables[kind], sizes[kind], colon + 1);
        }
        if (kind < 0 || code < 0) {
          lerr(L, e->file, e->line, "[%s] %s: '%s%s%s' is not kind:code (kinds: action, rule, risk, criterion, finding, alert)",
               sec, lists[k], items[j], colon ? ":" : "", colon ? colon + 1 : "");
          return;
        }
        kb_plan_code pc = {kind, code};
        if (k == 0) g->all[g->n_all++] = pc;
        else g->any[g->n_any++] = pc;
      }
    }
    if (!g->n_all && !g->n_any) {
      lerr(L, L->s[i].file, L->s[i].line, "[%s] needs 'all' or 'any'", sec);
      return;
    }
  }
}

/* [worklist] urgency: every gap once, most urgent first (the worklist's
** order); a gap left out or named twice is an error, so a new gap is never
** ranked by accident. */
static void bind_urgency(loader *L) {
  op_kb *kb = L->kb;
  entry *e = get(L, "worklist", "urgency");
  if (!e) {
    lerr(L, "gaps.ini", 0, "[worklist] needs 'urgency' (every care gap, most urgent first)");
    return;
  }
  char *items[OP_MAX_GAPS + 1];
  int n = split_list(L, e->value, items, OP_MAX_GAPS);
  if (n < 0) {
    lerr(L, e->file, e->line, "[worklist] urgency: more than %d care gaps", OP_MAX_GAPS);
    return;
  }
  bool seen[OP_MAX_GAPS] = {false};
  for (int j = 0; j < n && !L->failed; j++) {
    int g = 0;
    while (g < kb->n_gaps && strcmp(kb->gaps[g].code, items[j])) g++;
    if (g == kb->n_gaps || seen[g]) {
      lerr(L, e->file, e->line, "[worklist] urgency: '%s' is %s", items[j], g == kb->n_gaps ? "not a care gap" : "named twice");
      return;
    }
    seen[g] = true;
    kb->gap_urgency[g] = j;
    kb->gap_by_urgency[j] = g;
  }
  for (int g = 0; g < kb->n_gaps && !L->failed; g++)
    if (!seen[g]) lerr(L, e->file, e->line, "[worklist] urgency: care gap '%s' has no rank", kb->gaps[g].code);
}

/* [fhir.*]: every key goes to kb_fhir_compile. */
static void bind_fhir(loader *L) {
  op_kb *kb = L->kb;
  /* FHIR mapping tables: every [fhir.*] key goes to kb_fhir_compile */
  {
    int nf = 0;
    for (int i = 0; i < L->ne; i++)
      if (!strncmp(L->e[i].section, "fhir.", 5)) nf++;
    kb_fhir_entry *fe = arena_array(L->a, (size_t)(nf ? nf : 1), sizeof *fe);
    if (!fe) {
      lerr(L, "fhir.ini", 0, "out of memory");
      return;
    }
    nf = 0;
    for (int i = 0; i < L->ne; i++)
      if (!strncmp(L->e[i].section, "fhir.", 5)) {
        L->e[i].used = true;
        fe[nf++] = (kb_fhir_entry){L->e[i].file, L->e[i].line, L->e[i].section, L->e[i].key, L->e[i].value};
      }
    for (int i = 0; i < L->ns; i++)
      if (!strncmp(L->s[i].name, "fhir.", 5)) L->s[i].used = true;
    kb->fhir = kb_fhir_compile(L->a, fe, nf, kb->agent_code, kb->n_agents, L->err, L->errsz);
    if (!kb->fhir) {
      L->failed = true;
      return;
    }
  }
}

/* Everything after the agents and the regimens: the numbers of the profile
** into the prose first (the texts are checked with them filled in), then
** the wording and the tables. */
void kb_bind_wording_and_tables(loader *L) {
  kb_bind_profile_values(L);
  if (L->failed) return;
  bind_text_tables(L);
  bind_dxcodes(L);
  bind_disagreements(L);
  if (L->failed) return;
  bind_gaps(L);
  if (!L->failed) bind_urgency(L);
  bind_fhir(L);
}
