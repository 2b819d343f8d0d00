/*
** test_kb.c: the knowledge-base loader accepts the default and rejects a
** malformed or inconsistent copy with file:line and what is wrong.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kb/kb.h"
#include "util/ini.h"
#include "api_internal.h"
#include "osteoplan.h"

static void test_default_loads(void **s) {
  (void)s;
  char err[512] = "";
  op_kb *kb = kb_load_default(err, sizeof err);
  assert_non_null(kb);
  /* no clinician has reviewed the shipped default (default-profile.md 10) */
  assert_string_equal(kb->status, "draft");
  assert_null(kb->reviewed_by);
  assert_null(kb->reviewed_on);
  assert_true(kb->n_sources >= 5);
  assert_string_equal(kb->sources[0].id, "S000");
  /* every code has both texts */
  for (int i = 0; i < OP_N_alert; i++) {
    assert_non_null(kb->alert[i].clinician);
    assert_non_null(kb->alert[i].patient);
    assert_true(kb->alert[i].sources != 0);
  }
  for (int i = 0; i < OP_N_criterion; i++) assert_true(kb->criterion[i].sources != 0);
  assert_true(KB_TH(kb, T_OSTEOPOROSIS) < KB_TH(kb, T_LOW_BONE_MASS));
  kb_free(kb);
}

/* The embedded files are named by their path under kb/ (common/texts.ini,
** profiles/default/profile.ini); the tests name them by base name. */
static bool is_file(const char *name, const char *base) {
  const char *slash = strrchr(name, '/');
  return base && !strcmp(slash ? slash + 1 : name, base);
}

/* Loads the default files with one replacement in one file; returns the
** error (static buffer) or NULL when the copy loads (then *out holds it).
** *path gets the edited file's full name. */
static const char *load_kb_path_with(const char *file, const char *find, const char *repl, int *line, op_kb **out,
                                     const char **path) {
  static char err[1024];
  kb_file files[16];
  char *copy = NULL;
  int n = op_kb_embedded_files_count;
  *line = 0;
  *path = file;
  for (int i = 0; i < n; i++) {
    files[i] = op_kb_embedded_files[i];
    if (is_file(files[i].name, file)) {
      *path = files[i].name;
      const char *at = strstr(files[i].text, find);
      assert_non_null(at); /* the test's anchor must exist */
      for (const char *p = files[i].text; p < at; p++) *line += *p == '\n';
      (*line)++;
      size_t pre = (size_t)(at - files[i].text);
      copy = malloc(strlen(files[i].text) + strlen(repl) + 1);
      memcpy(copy, files[i].text, pre);
      strcpy(copy + pre, repl);
      strcat(copy, at + strlen(find));
      files[i].text = copy;
    }
  }
  if (file && !strcmp(file, "drop")) n--; /* the last file goes missing */
  op_kb *kb = kb_load_files(files, n, err, sizeof err);
  free(copy);
  *out = kb;
  return kb ? NULL : err;
}

static const char *load_kb_with(const char *file, const char *find, const char *repl, int *line, op_kb **out) {
  const char *path;
  return load_kb_path_with(file, find, repl, line, out, &path);
}

static void expect(const char *file, const char *find, const char *repl, const char *want, bool check_line) {
  int line;
  op_kb *kb;
  const char *path;
  const char *err = load_kb_path_with(file, find, repl, &line, &kb, &path);
  kb_free(kb);
  if (!err) fail_msg("'%s' -> '%s' in %s was accepted", find, repl, file);
  if (!strstr(err, want)) fail_msg("error '%s' does not say '%s'", err, want);
  if (check_line) {
    char where[96];
    snprintf(where, sizeof where, "%s:%d:", path, line);
    if (strncmp(err, where, strlen(where))) fail_msg("error '%s' is not at %s", err, where);
  }
}

static void test_rejects(void **s) {
  (void)s;
  expect("profile.ini", "t_score_osteoporosis = -2.5", "t_score_osteoporosis = minus 2.5", "expected a number", true);
  expect("profile.ini", "frax_hip_high_pct = 3\n", "", "needs the number 'frax_hip_high_pct'", false);
  expect("profile.ini", "frax_hip_high_pct = 3", "frax_hip_high_pct = 3\nfrax_hip_high_pct = 4", "given twice", false);
  expect("texts.ini", "[criterion.frax_high]", "[criterion.frax_higher]", "unknown section [criterion.frax_higher]", true);
  expect("texts.ini", "[criterion.frax_high]\n", "# [criterion.frax_high]\n[ui.extra]\n", "no [criterion.frax_high] section", false);
  expect("texts.ini", "[diagnosis.osteopenia]", "[diagnosis.osteopenia_x]\nclinician = x\npatient = y\n[diagnosis.osteopenia]",
         "unknown section [diagnosis.osteopenia_x]", true);
  expect("texts.ini", "[risk.low]\nclinician = low fracture risk",
         "[risk.low]\nclinician = low fracture risk\ncolour = green", "unknown key 'colour'", false);
  expect("texts.ini", "severity = critical", "severity = urgent", "severity must be critical, warning or info", true);
  expect("texts.ini", "detail = {count} fragility fractures", "detail = {number} fragility fractures",
         "unknown placeholder {number}", true);
  expect("texts.ini", "sources = S004\n", "sources = S009\n", "source 'S009' does not exist", true);
  expect("regimens.ini", "agents = alendronate, zoledronic_acid, denosumab, risedronate",
         "agents = alendronate, zoledronic_acid, calcitonin", "unknown agent 'calcitonin'", true);
  expect("agents.ini", "reasons = immunosuppression", "reasons = immunosupression", "unknown reason code", true);
  expect("agents.ini", "class = pth_analog\nintent = anabolic", "class = pth_analog\nintent = antiresorptive",
         "needs intent anabolic", false);
  expect("agents.ini", "route = subcutaneous\ndose = 60 mg", "route = injection\ndose = 60 mg",
         "route 'injection' has no [route.injection] section", true);
  expect("agents.ini", "rebound_when_stopped = yes", "rebound_when_stopped = always",
         "rebound_when_stopped: expected yes or no", true);
  expect("agents.ini", "drug_holiday = oral", "drug_holiday = yearly", "drug_holiday: unknown code 'yearly'", true);
  expect("agents.ini", "disagreement_if_offered = teriparatide_duration", "disagreement_if_offered = duration",
         "disagreement_if_offered: unknown code 'duration'", true);
  expect("agents.ini", "[agent.denosumab]", "[agent.Denosumab]", "a code is 1 to 40 characters", true);
  expect("agents.ini", "[route.oral]\nclinician = oral\n", "[route.oral]\n", "[route.oral] needs 'clinician'", false);
  expect("sources.ini", "kind = label", "kind = website", "kind must be seed, guideline, label or terminology", false);
  expect("profile.ini", "status = draft", "status = final", "status must be", true);
  /* approved only with a named clinician and role, and the review's date */
  expect("profile.ini", "status = draft", "status = approved", "needs reviewed_by: a named clinician", true);
  expect("profile.ini", "status = draft\nupdated = 2026-12-07\nreviewed_by =\n",
         "status = approved\nupdated = 2026-12-07\nreviewed_by = osteoplan clinical content\n",
         "needs reviewed_by: a named clinician", true);
  expect("profile.ini", "status = draft\nupdated = 2026-12-07\nreviewed_by =\n",
         "status = approved\nupdated = 2026-12-07\nreviewed_by = J. Smith, endocrinologist\n", "needs reviewed_on", true);
  expect("profile.ini", "status = draft\nupdated = 2026-12-07\nreviewed_by =\nreviewed_on =\n",
         "status = approved\nupdated = 2026-12-07\nreviewed_by = J. Smith, endocrinologist\nreviewed_on = 2026-12-01\n",
         "does not cover this content", true);
  {
    /* and loads with them */
    int line;
    op_kb *kb;
    const char *path;
    const char *err = load_kb_path_with(
        "profile.ini", "status = draft\nupdated = 2026-12-07\nreviewed_by =\nreviewed_on =\n",
        "status = approved\nupdated = 2026-12-07\nreviewed_by = J. Smith, endocrinologist\nreviewed_on = 2026-12-07\n",
        &line, &kb, &path);
    if (err) fail_msg("an approved knowledge base with its reviewer is refused: %s", err);
    assert_string_equal(kb->reviewed_by, "J. Smith, endocrinologist");
    assert_string_equal(kb->reviewed_on, "2026-12-07");
    kb_free(kb);
  }
  expect("profile.ini", "btm_window_to_months = 6", "btm_window_to_months = 1", "BTM window", false);
  expect("disagreements.ini", "S001 = FRAX major osteoporotic >= 30% is very high risk\n", "",
         "needs at least two positions", false);
  expect("texts.ini", "[ui.title]", "title without brackets", "expected 'key = value'", true);
  expect("drop", NULL, NULL, "file is missing", false);
  /* found by fuzz_kb: a source section without its kind, or without a name,
  ** made the loader read through a missing entry */
  expect("sources.ini", "\n[source.", "\n[source.S999]\ntitle = t\n\n[source.", "[source.S999] needs 'kind'", false);
  expect("sources.ini", "\n[source.", "\n[source. ]\n\n[source.", "[source.] needs a name", false);
  expect("sources.ini", "\n[source.", "\n[source.S998]\ntitle = t\nkind =\n\n[source.", "kind is empty", false);
  expect("disagreements.ini", "topic = daily vitamin D dose\n", "", "'topic'", false);
  /* the phrases: every one required, placeholders checked, clinician only */
  expect("texts.ini", "[phrase.calcium_low]\nclinician = calcium {value} mg/dL < {threshold}\n", "",
         "no [phrase.calcium_low] section", false);
  expect("texts.ini", "clinician = {falls} falls in the past year", "clinician = {fallz} falls in the past year",
         "unknown placeholder {fallz}", true);
  expect("texts.ini", "[phrase.card_then]\nclinician = then {other} therapy",
         "[phrase.card_then]\nclinician = then {other} therapy\npatient = then", "unknown key 'patient'", false);
}

/* The engine's phrases are the knowledge base's: new wording there is the
** wording of the plan. */
static void test_phrases_are_data(void **s) {
  (void)s;
  int line;
  op_kb *kb;
  assert_null(load_kb_with("texts.ini", "clinician = {falls} falls in the past year",
                           "clinician = {falls} falls reported for the last 12 months", &line, &kb));
  static const char rec[] = "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"birth_date\":\"1950-01-01\","
                            "\"menopause\":\"post\",\"falls_past_year\":3,"
                            "\"bmd\":[{\"site\":\"total_hip\",\"t_score\":-2.7,\"date\":\"2026-01-01\"}]}";
  op_assessment *as;
  op_error err;
  op_options o = {0};
  assert_int_equal(op_assess_json(kb, rec, sizeof rec - 1, &o, &as, &err), OP_OK);
  const op_plan *p = op_assessment_plan(as);
  bool found = false;
  for (int i = 0; i < p->n_alerts; i++)
    if (p->alerts[i].code == OP_AL_FALL_RISK) {
      found = true;
      assert_non_null(strstr(p->alerts[i].message, "3 falls reported for the last 12 months"));
    }
  assert_true(found);
  op_assessment_free(as);
  kb_free(kb);
}

/* The prose names the profile's numbers: a copy with the FRAX very-high
** threshold moved says so in the disagreement's "applied" text. */
static void test_profile_values_in_prose(void **s) {
  (void)s;
  int line;
  op_kb *kb;
  assert_null(load_kb_with("profile.ini", "frax_major_very_high_pct = 30", "frax_major_very_high_pct = 35", &line, &kb));
  assert_string_equal(kb->disagreement[OP_DG_FRAX_VERY_HIGH_RISK].applied,
                      "very high at FRAX major osteoporotic >= 35% or hip >= 4.5%");
  kb_free(kb);
  assert_null(load_kb_with(NULL, NULL, NULL, &line, &kb)); /* as built: the number as profile.ini writes it */
  assert_string_equal(kb->disagreement[OP_DG_FRAX_VERY_HIGH_RISK].applied,
                      "very high at FRAX major osteoporotic >= 30% or hip >= 4.5%");
  assert_string_equal(kb->disagreement[OP_DG_T_SCORE_VERY_HIGH_RISK].applied, "very high at T-score <= -3.0");
  assert_non_null(strstr(kb->goal.clinician, "toward -2.5 over 3 years"));
  kb_free(kb);
  expect("disagreements.ini", "{risk.t_score_very_low}", "{risk.t_score_very_lowest}",
         "unknown placeholder {risk.t_score_very_lowest}", true);
  expect("texts.ini", "{risk.age_very_high} or over", "{sources.age_very_high} or over", "unknown placeholder", true);
  expect("texts.ini", "{risk.recent_fracture_months:years}", "{risk.recent_fracture_months:weeks}",
         "unknown placeholder {risk.recent_fracture_months:weeks}", true);
  expect("profile.ini", "review_months = 36", "review_months = 30", "30 months is not a whole number of years", false);
}

/* A knowledge base holds several profiles; one is loaded by name, the
** plan says which, and an unknown name is refused naming those there are. */
static void test_profiles(void **s) {
  (void)s;
  char err[512];
  kb_file files[32];
  char *copies[16];
  int n = 0, nc = 0;
  for (int i = 0; i < op_kb_embedded_files_count; i++) {
    files[n++] = op_kb_embedded_files[i];
    const char *name = op_kb_embedded_files[i].name;
    if (strncmp(name, "profiles/default/", 17)) continue;
    /* the same profile again as "strict", with another threshold */
    const char *text = op_kb_embedded_files[i].text;
    char *copy = malloc(strlen(text) + 64), *nm = malloc(strlen(name) + 8);
    sprintf(nm, "profiles/strict/%s", name + 17);
    strcpy(copy, text);
    char *at = strstr(copy, "profile = default\n");
    if (at) memcpy(at, "profile = strict \n", 18);
    at = strstr(copy, "frax_major_very_high_pct = 30");
    if (at) memcpy(at + 27, "25", 2);
    files[n++] = (kb_file){nm, copy, (long)strlen(copy)};
    copies[nc++] = copy, copies[nc++] = nm;
  }
  op_kb *kb = kb_load_files_profile(files, n, "strict", err, sizeof err);
  assert_non_null(kb);
  assert_string_equal(kb->profile, "strict");
  assert_true(KB_TH(kb, FRAX_MOF_VERY_HIGH) == 25);
  assert_non_null(strstr(kb->disagreement[OP_DG_FRAX_VERY_HIGH_RISK].applied, ">= 25%"));
  kb_free(kb);
  kb = kb_load_files_profile(files, n, "default", err, sizeof err);
  assert_non_null(kb);
  assert_string_equal(kb->profile, "default");
  kb_free(kb);
  assert_null(kb_load_files_profile(files, n, "nogg", err, sizeof err));
  assert_string_equal(err, "unknown profile 'nogg' (profiles: default, strict)");
  assert_null(kb_load_files_profile(files, n, "../default", err, sizeof err));
  assert_non_null(strstr(err, "unknown profile '../default'"));
  assert_null(kb_load_profile(NULL, "nogg", err, sizeof err));
  assert_string_equal(err, "unknown profile 'nogg' (profiles: default)");
  for (int i = 0; i < nc; i++) free(copies[i]);
  /* the profile's metadata names its folder */
  expect("profile.ini", "profile = default", "profile = other", "profile 'other' does not match its folder profiles/default/",
         true);
}

/* The one INI reader: items and their lines; continuation and inline
** comments only when asked; the first fault ends the reading. */
static void test_ini_reader(void **s) {
  (void)s;
  char text[] = "# c\n[a]\nk = v  # not a comment here\n    more\n\n  x = 1\n[ b ]\n; c\nk2=\n";
  ini_reader r;
  ini_item it;
  ini_init(&r, text, INI_CONTINUATION);
  assert_int_equal(ini_next(&r, &it), INI_SECTION);
  assert_string_equal(it.name, "a");
  assert_int_equal(it.line, 2);
  assert_int_equal(ini_next(&r, &it), INI_KEY);
  assert_string_equal(it.value, "v  # not a comment here");
  assert_int_equal(ini_next(&r, &it), INI_MORE);
  assert_string_equal(it.value, "more");
  assert_int_equal(it.line, 4);
  assert_int_equal(ini_next(&r, &it), INI_KEY); /* after a blank line: a key again */
  assert_string_equal(it.name, "x");
  assert_int_equal(ini_next(&r, &it), INI_SECTION);
  assert_string_equal(it.name, "b");
  assert_int_equal(ini_next(&r, &it), INI_KEY);
  assert_string_equal(it.value, "");
  assert_int_equal(it.line, 9);
  assert_int_equal(ini_next(&r, &it), INI_END);
  char text2[] = "[s]\nk = v # gone\n  k2 = w\nk3\nk4 = z\n";
  ini_init(&r, text2, INI_INLINE_COMMENTS);
  assert_int_equal(ini_next(&r, &it), INI_SECTION);
  assert_int_equal(ini_next(&r, &it), INI_KEY);
  assert_string_equal(it.value, "v");
  assert_int_equal(ini_next(&r, &it), INI_KEY); /* no continuation: a key */
  assert_string_equal(it.name, "k2");
  assert_int_equal(ini_next(&r, &it), INI_ERROR);
  assert_int_equal(it.line, 4);
  assert_string_equal(it.error, "expected 'key = value', a [section] or a # comment");
  assert_int_equal(ini_next(&r, &it), INI_END); /* nothing after a fault */
  char text3[] = "k = v\n";
  ini_init(&r, text3, 0);
  assert_int_equal(ini_next(&r, &it), INI_ERROR);
  assert_string_equal(it.error, "a key before any [section]");
  char text4[] = "[s]\n[]\n";
  ini_init(&r, text4, 0);
  ini_next(&r, &it);
  assert_int_equal(ini_next(&r, &it), INI_ERROR);
  assert_int_equal(it.line, 2);
}

/* The index of the agent with record code c (the test fails without it). */
static int agent_of(const op_kb *kb, const char *c) {
  int a = kb_agent_lookup(kb, c, strlen(c));
  if (a < 0) fail_msg("no agent '%s'", c);
  return a;
}

/* A verified code: digits only for RxNorm, a name unless "-" was given, and
** every code has its sources (agents.ini [order.X]). */
static void expect_rx(const kb_coding *c, const char *code, const char *display) {
  assert_non_null(c->code);
  assert_string_equal(c->code, code);
  if (display) assert_string_equal(c->display, display);
  else assert_null(c->display);
  assert_true(c->sources != 0);
}

/* Every agent but hormone therapy: a code to order by, an ATC code, a dose
** and a timing with sources, the route coded (oral, subcutaneous and
** intravenous as SNOMED CT codes them); the dose is the number the agent's
** words give. */
static void expect_structured(const op_kb *kb, const kb_agent *skip) {
  static const struct {
    const char *route, *code;
  } routes[] = {{"oral", "26643006"}, {"subcutaneous", "34206005"}, {"intravenous", "47625008"}};
  for (int a = 0; a < kb->n_agents; a++) {
    const kb_agent *g = &kb->agent[a];
    if (g == skip) continue;
    /* romosozumab: no RxNorm code was verified (agents.ini says so); ATC only */
    bool romo = !strcmp(kb->agent_code[a], "romosozumab");
    if (romo != (!g->rx.rx_scd.code && !g->rx.rx_in.code))
      fail_msg("%s: RxNorm codes %s", kb->agent_code[a], romo ? "now given: update this test" : "missing");
    assert_non_null(g->rx.atc.code);
    assert_non_null(g->rx.dose_ucum);
    assert_true(g->rx.dose_value == strtod(g->dose, NULL));
    assert_true(g->rx.dose_sources != 0 && g->rx.timing_sources != 0);
    assert_non_null(g->rx.period_unit);
    const kb_coding *rc = &kb->route[g->route_code].snomed;
    assert_non_null(rc->code);
    bool known = false;
    for (size_t k = 0; k < sizeof routes / sizeof *routes; k++)
      if (!strcmp(kb->route_code[g->route_code], routes[k].route)) known = !strcmp(rc->code, routes[k].code);
    if (!known) fail_msg("%s: route %s coded %s", kb->agent_code[a], kb->route_code[g->route_code], rc->code);
    for (const char *p = g->rx.rx_scd.code; p && *p; p++) assert_true(*p >= '0' && *p <= '9');
    for (const char *p = g->rx.rx_in.code; p && *p; p++) assert_true(*p >= '0' && *p <= '9');
  }
}

/* [order.X]: the codes and the structured dosage an order is written from. */
static void test_orders_data(void **s) {
  (void)s;
  char err[512];
  op_kb *kb = kb_load_default(err, sizeof err);
  assert_non_null(kb);
  const kb_rx *aln = &kb->agent[agent_of(kb, "alendronate")].rx;
  expect_rx(&aln->rx_in, "46041", "alendronate");
  expect_rx(&aln->rx_scd, "904431", "Alendronic acid 70 MG Oral Tablet");
  expect_rx(&aln->rx_sbd, "904433", "Alendronic acid 70 MG Oral Tablet [Fosamax]");
  expect_rx(&aln->atc, "M05BA04", "alendronic acid");
  assert_true(aln->dose_value == 70);
  assert_string_equal(aln->dose_ucum, "mg");
  assert_true(aln->frequency == 1 && aln->period == 1);
  assert_string_equal(aln->period_unit, "wk");
  const kb_rx *den = &kb->agent[agent_of(kb, "denosumab")].rx;
  expect_rx(&den->rx_scd, "993452", "1 ML denosumab 60 MG/ML Prefilled Syringe");
  assert_true(den->frequency == 1 && den->period == 6);
  assert_string_equal(den->period_unit, "mo");
  const kb_agent *ter = &kb->agent[agent_of(kb, "teriparatide")];
  expect_rx(&ter->rx.rx_scd, "1435115", "28 ACTUAT teriparatide 0.02 MG/ACTUAT Pen Injector");
  assert_null(ter->rx.rx_in.code); /* not verified: left out */
  assert_true(ter->rx.dose_value == 20);
  assert_string_equal(ter->rx.dose_ucum, "ug");
  assert_string_equal(ter->rx.dose_unit, "mcg"); /* the unit as the dose's words write it */
  const kb_rx *zol = &kb->agent[agent_of(kb, "zoledronic_acid")].rx;
  expect_rx(&zol->rx_scd, "705824", NULL); /* the code verified, its name not */
  assert_string_equal(zol->period_unit, "a");
  expect_rx(&kb->agent[agent_of(kb, "abaloparatide")].rx.rx_in, "1921069", "abaloparatide");
  /* hormone therapy: a choice of products and routes, an individualized dose */
  const kb_agent *ht = &kb->agent[agent_of(kb, "hormone_therapy")];
  assert_null(ht->rx.rx_scd.code);
  assert_null(ht->rx.dose_ucum);
  assert_null(ht->rx.period_unit);
  assert_null(kb->route[ht->route_code].snomed.code);
  expect_structured(kb, ht);
  kb_free(kb);
}

static void test_orders_rejects(void **s) {
  (void)s;
  /* the quantity and the words of a dose never disagree */
  expect("agents.ini", "dose_quantity = 70 mg | S000, LABEL", "dose_quantity = 75 mg | S000, LABEL",
         "dose_quantity: expected VALUE UCUM-UNIT with the value of the dose '70 mg'", true);
  expect("agents.ini", "timing = 1 1 wk | S000, LABEL", "timing = 1 1 week | S000, LABEL",
         "timing: expected FREQUENCY PERIOD UNIT", true);
  expect("agents.ini", "rxnorm_in = 46041 | alendronate | RXNORM_REF", "rxnorm_in = 46041 | alendronate",
         "rxnorm_in: expected code | display | sources", true);
  expect("agents.ini", "rxnorm_in = 46041 | alendronate | RXNORM_REF", "rxnorm_in = 46041 | alendronate | RXNORM",
         "source 'RXNORM' does not exist in sources.ini", true);
  expect("agents.ini", "rxnorm_in = 46041 | alendronate | RXNORM_REF", "rxnorm_in = 46 041 | alendronate | RXNORM_REF",
         "a code is letters and digits", true);
  expect("agents.ini", "[order.alendronate]", "[order.alendronat]", "unknown section [order.alendronat]", true);
  expect("agents.ini", "timing = 1 1 wk | S000, LABEL", "timing = 1 1 wk | S000, LABEL\nrxnorm_bn = 1 | x | S000",
         "unknown key 'rxnorm_bn'", false);
  expect("agents.ini", "snomed = 26643006 | Oral route | SCT_ROUTE", "snomed = 26643006 | Oral route |",
         "snomed: expected code | display | sources", true);
}

static void test_load_dir_errors(void **s) {
  (void)s;
  char err[512];
  assert_null(kb_load_dir("/nonexistent-osteoplan-kb", err, sizeof err));
  assert_non_null(strstr(err, "cannot read"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_loads),
      cmocka_unit_test(test_rejects), cmocka_unit_test(test_phrases_are_data),
      cmocka_unit_test(test_load_dir_errors), cmocka_unit_test(test_profile_values_in_prose),
      cmocka_unit_test(test_profiles), cmocka_unit_test(test_ini_reader),
      cmocka_unit_test(test_orders_data), cmocka_unit_test(test_orders_rejects),
  };
  return cmocka_run_group_tests_name("kb", tests, NULL, NULL);
}
