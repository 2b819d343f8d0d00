/*
** synth.c: a deterministic synthetic population for tests and benchmarks.
**
** The same seed gives the same bytes on every machine: the generator is
** splitmix64 and every number is printed with a fixed number of decimals.
** The mix is built so that every rule, criterion, finding, alert, action,
** monitoring item and care gap of the default profile fires somewhere in a
** couple of thousand records (tests/cli/test_synth_coverage.py checks it):
** untreated high-risk patients, recent and old fractures, denosumab on
** schedule, overdue, stopped, followed by an anabolic, anabolic courses
** running, complete and abandoned, bisphosphonates long enough for a
** holiday, failing, not tolerated or poorly taken, glucocorticoid courses up
** to and above 30 mg/day, transplants, labs missing, outdated and on both
** sides of each cut-off, and the contraindications that stop a current drug.
** A treatment history says what the rest of the record needs for its rule
** to fire (a fracture during the course, a condition, low renal function, a
** glucocorticoid): the `need` below. These are test data, not epidemiology.
*/
#include "synth.h"

#include <stdio.h>
#include <string.h>

static uint64_t next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static double unif(uint64_t *s) { return (double)(next(s) >> 11) * (1.0 / 9007199254740992.0); }
static int range(uint64_t *s, int lo, int hi) { return lo + (int)(next(s) % (uint64_t)(hi - lo + 1)); }
static bool chance(uint64_t *s, double p) { return unif(s) < p; }
static const char *pick(uint64_t *s, const char *const *list, int n) { return list[range(s, 0, n - 1)]; }

/* An approximately normal value (sum of uniforms), clamped. */
static double normal(uint64_t *s, double mean, double sd, double lo, double hi) {
  double x = 0;
  for (int i = 0; i < 6; i++) x += unif(s);
  x = mean + (x - 3.0) * sd / 0.7071;
  return x < lo ? lo : x > hi ? hi : x;
}

/* Numbers and dates by hand, not printf: synth feeds the benchmarks at a
** million records, and printf's float formatting was most of its time.
** Each value is a separate statement, so the generator's draws happen in
** a fixed order (the order of a call's arguments is unspecified in C). */
static void put_int(strbuf *b, long long v) {
  char buf[24];
  int k = (int)sizeof buf;
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do buf[--k] = (char)('0' + u % 10); while (u /= 10);
  if (v < 0) buf[--k] = '-';
  sb_putn(b, buf + k, sizeof buf - (size_t)k);
}

/* v rounded to decimals (0 to 3) places, always that many: -2.50 -> "-2.5"
** with 1; never "-0.0". */
static void put_num(strbuf *b, double v, int decimals) {
  static const long long scale[] = {1, 10, 100, 1000};
  double x = v * (double)scale[decimals];
  long long n = (long long)(x < 0 ? x - 0.5 : x + 0.5);
  if (n < 0) sb_putc(b, '-');
  unsigned long long u = n < 0 ? 0ull - (unsigned long long)n : (unsigned long long)n;
  put_int(b, (long long)(u / (unsigned long long)scale[decimals]));
  if (!decimals) return;
  char frac[4];
  unsigned long long f = u % (unsigned long long)scale[decimals];
  for (int i = decimals - 1; i >= 0; i--, f /= 10) frac[i] = (char)('0' + f % 10);
  sb_putc(b, '.');
  sb_putn(b, frac, (size_t)decimals);
}

static void put_date(strbuf *b, const char *key, op_date d) {
  char buf[11];
  date_format(d, buf);
  sb_cat(b, "\"", key, "\":\"", buf, "\"", (char *)NULL);
}

/* A date between from and to (inclusive). */
static op_date between(uint64_t *s, op_date from, op_date to) {
  if (to <= from) return from;
  return from + (op_date)(next(s) % (uint64_t)(to - from + 1));
}

#define Y ((op_date)OP_DAYS_PER_YEAR)
#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const fx_sites[] = {"hip", "vertebral", "wrist", "forearm", "humerus", "pelvis", "rib", "ankle", "other"};
static const char *const bmd_sites[] = {"lumbar_spine", "total_hip", "femoral_neck", "one_third_radius"};
static const char *const conditions[] = {
    "osteoporosis", "myocardial_infarction", "stroke", "paget_disease", "bone_metastases", "hypercalcemia",
    "hyperparathyroidism", "hypocalcemia", "esophageal_disorder", "gi_intolerance_oral_bisphosphonate",
    "malabsorption", "organ_transplant", "osteonecrosis_of_jaw", "atypical_femoral_fracture", "thigh_or_groin_pain",
    "jaw_pain", "dental_surgery_planned", "venous_thromboembolism", "high_fall_risk", "unable_to_remain_upright",
    "skeletal_malignancy", "prior_skeletal_radiation", "osteosarcoma_predisposition", "breast_cancer",
    "cancer_treatment_bone_loss", "hypocalcemia", "hyperparathyroidism"};
/* the reasons to stop a bisphosphonate or denosumab (section 5) */
static const char *const jaw_femur[] = {"osteonecrosis_of_jaw", "atypical_femoral_fracture"};
/* the reasons that rule out teriparatide and abaloparatide */
static const char *const pth_contra[] = {"paget_disease", "bone_metastases", "hypercalcemia", "hyperparathyroidism",
                                         "skeletal_malignancy", "prior_skeletal_radiation"};
static const char *const other_meds[] = {"immunosuppressant", "aromatase_inhibitor", "androgen_deprivation",
                                         "anticonvulsant", "proton_pump_inhibitor", "other"};
/* prednisone-equivalent mg/day: below, at and above 2.5, 7.5 and 30 */
static const double gc_doses[] = {2.5, 5, 5, 7.5, 10, 12.5, 20, 30, 40, 60};

enum { RENAL_ANY, RENAL_BELOW_30, RENAL_30_TO_34 };

/* What a treatment history needs elsewhere in the record for its rule to
** fire. */
typedef struct {
  op_date oral_start; /* an oral bisphosphonate begun in the last months: markers around it */
  op_date fx[2];      /* fragility fractures */
  int n_fx;
  const char *cond[4];
  op_date cond_date[4]; /* 0: undated */
  int n_cond;
  int renal; /* RENAL_* */
  bool gc;   /* a current glucocorticoid course, started 3 months ago or more */
  /* a DXA before this course's start and one a year or more into it (0:
  ** none), for target_not_met; loss: bone density falling fast (bmd_loss) */
  op_date dxa_course;
  bool loss;
} need;

static void need_cond(need *n, const char *code, op_date date) {
  if (n->n_cond == N_OF(n->cond)) return;
  n->cond_date[n->n_cond] = date;
  n->cond[n->n_cond++] = code;
}

static void need_fx(need *n, op_date d) {
  if (n->n_fx < N_OF(n->fx)) n->fx[n->n_fx++] = d;
}

/* With probability p, a condition from list, dated in the last 3 years or
** undated. */
static void maybe_cond(uint64_t *s, need *n, op_date as_of, double p, const char *const *list, int count) {
  if (!chance(s, p)) return;
  const char *c = pick(s, list, count);
  need_cond(n, c, chance(s, 0.7) ? as_of - range(s, 5, 3 * Y) : 0);
}

/* Thigh or groin pain, jaw pain or planned dental surgery (with a
** bisphosphonate or denosumab: the warnings of section 7). */
static const char *const symptoms[] = {"thigh_or_groin_pain", "jaw_pain", "dental_surgery_planned"};

/* A bisphosphonate course begun at start: one outcome at most (DXA
** around it with a T-score gain short of the target, or with bone density
** falling fast; or a fracture 18 months or more into it, sometimes on
** glucocorticoids), so each rule of 5.1 to 5.4 gets its share; sometimes a
** symptom, or a jaw or femur reason to stop it. */
static void bp_needs(uint64_t *s, need *n, op_date start, op_date as_of) {
  double u = unif(s);
  op_date days = as_of - start;
  bool judged = days > 3 * Y; /* target_not_met judges courses of 36 months and more */
  if ((judged && u < 0.55) || (days > 430 && u < 0.15)) {
    n->dxa_course = start;
    n->loss = judged ? u >= 0.45 : true;
  } else if (days > 600 && u < (judged ? 0.7 : 0.35)) {
    need_fx(n, between(s, start + 560, as_of - 1));
    n->gc = chance(s, 0.5);
  }
  maybe_cond(s, n, as_of, 0.2, symptoms, N_OF(symptoms));
  maybe_cond(s, n, as_of, 0.08, jaw_femur, 2);
}

/* One osteoporosis course; end and last 0 when absent, doses -1. */
typedef struct {
  const char *agent;
  op_date start, end, last;
  int doses;
  const char *stop, *adherence;
} course;

static void put_course(strbuf *b, bool *first, const course *c) {
  sb_cat(b, *first ? "" : ",", "{\"agent\":\"", c->agent, "\",", (char *)NULL);
  *first = false;
  put_date(b, "start", c->start);
  if (c->end) {
    sb_putc(b, ',');
    put_date(b, "end", c->end);
  } else {
    sb_puts(b, ",\"end\":null");
  }
  if (c->last) {
    sb_putc(b, ',');
    put_date(b, "last_dose", c->last);
  }
  if (c->doses >= 0) {
    sb_puts(b, ",\"doses\":");
    put_int(b, c->doses);
  }
  if (c->stop) sb_cat(b, ",\"stop_reason\":\"", c->stop, "\"", (char *)NULL);
  if (c->adherence) sb_cat(b, ",\"adherence\":\"", c->adherence, "\"", (char *)NULL);
  sb_putc(b, '}');
}

/* How a current course is taken: mostly unrecorded. */
static const char *adherence(uint64_t *s) {
  double u = unif(s);
  return u < 0.2 ? "poor" : u < 0.4 ? "good" : NULL;
}

/* A current oral bisphosphonate: recent or long (holiday), sometimes
** poorly taken, failing (a fracture on it), on glucocorticoids, or with a
** reason to stop it now (renal function, jaw or femur). */
static void oral_current(uint64_t *s, strbuf *b, bool *first, op_date as_of, need *n) {
  const char *ag = chance(s, 0.7) ? "alendronate" : chance(s, 0.5) ? "risedronate" : "ibandronate";
  op_date st = chance(s, 0.3) ? as_of - range(s, 70, 200) : as_of - range(s, 60, 8 * Y);
  if (as_of - st <= 200) n->oral_start = st;
  course c = {ag, st, 0, 0, -1, NULL, adherence(s)};
  put_course(b, first, &c);
  bp_needs(s, n, st, as_of);
  if (chance(s, 0.12)) n->renal = chance(s, 0.5) ? RENAL_BELOW_30 : RENAL_30_TO_34;
}

/* An oral bisphosphonate that failed (a fracture on it), then another oral
** one: moving within a failing class is no escalation. */
static void oral_failed_before(uint64_t *s, strbuf *b, bool *first, op_date as_of, need *n) {
  op_date st = as_of - range(s, 4 * Y, 9 * Y), end = st + range(s, 2 * Y, 4 * Y);
  if (end > as_of - 60) end = as_of - 60;
  course c1 = {"alendronate", st, end, 0, -1, chance(s, 0.5) ? "other" : NULL, NULL};
  put_course(b, first, &c1);
  need_fx(n, between(s, st + 560, end));
  course c2 = {chance(s, 0.5) ? "risedronate" : "ibandronate", end + range(s, 10, 50), 0, 0, -1, NULL, adherence(s)};
  put_course(b, first, &c2);
  n->gc = chance(s, 0.4);
}

static void zoledronic(uint64_t *s, strbuf *b, bool *first, op_date as_of, need *n) {
  op_date st = as_of - range(s, 200, 5 * Y);
  course c = {"zoledronic_acid", st, 0, between(s, st, as_of), range(s, 1, 5), NULL, NULL};
  put_course(b, first, &c);
  if (chance(s, 0.2)) n->renal = chance(s, 0.6) ? RENAL_BELOW_30 : RENAL_30_TO_34;
  bp_needs(s, n, st, as_of);
}

/* Denosumab on schedule or overdue; sometimes with jaw or femur (a
** specialist decides), severe kidney disease, or a transplant. */
static void denosumab_current(uint64_t *s, strbuf *b, bool *first, op_date as_of, need *n) {
  op_date st = as_of - range(s, 200, 6 * Y);
  op_date last = as_of - range(s, 10, chance(s, 0.5) ? 180 : 400);
  course c = {"denosumab", st, 0, last > st ? last : st, -1, NULL, NULL};
  put_course(b, first, &c);
  maybe_cond(s, n, as_of, 0.18, jaw_femur, 2);
  maybe_cond(s, n, as_of, 0.2, symptoms, N_OF(symptoms));
  if (chance(s, 0.18)) n->renal = RENAL_BELOW_30;
  if (chance(s, 0.1)) need_cond(n, "organ_transplant", 0);
}

/* Denosumab stopped: followed by zoledronic acid, by raloxifene or hormone
** therapy (no follow-on), or by nothing; no bisphosphonate safe (resume)
** or nothing safe at all (refer). */
static void denosumab_stopped(uint64_t *s, strbuf *b, bool *first, op_date as_of, need *n) {
  op_date st = as_of - range(s, 3 * Y, 7 * Y), end = as_of - range(s, 30, 2 * Y);
  course c = {"denosumab", st, end, end - range(s, 0, 150), -1, chance(s, 0.5) ? "patient_choice" : NULL, NULL};
  put_course(b, first, &c);
  double u = unif(s);
  if (u < 0.35) {
    course z = {"zoledronic_acid", end, end + 1, end, 1, "completed", NULL};
    put_course(b, first, &z);
  } else if (u < 0.5) {
    course r = {chance(s, 0.6) ? "raloxifene" : "hormone_therapy", end + range(s, 0, 20), 0, 0, -1, NULL, NULL};
    put_course(b, first, &r);
  }
  u = unif(s);
  if (u < 0.3) {
    n->renal = RENAL_BELOW_30;
  } else if (u < 0.4) {
    n->renal = RENAL_30_TO_34;
    need_cond(n, "gi_intolerance_oral_bisphosphonate", 0);
  } else if (u < 0.5) {
    maybe_cond(s, n, as_of, 1, jaw_femur, 2);
  }
}

/* Denosumab, then teriparatide or abaloparatide (DATA-Switch). */
static void denosumab_then_pth(uint64_t *s, strbuf *b, bool *first, op_date as_of, need *n) {
  op_date end = as_of - range(s, 60, 700), st = end - range(s, 2 * Y, 5 * Y);
  course d = {"denosumab", st, end, end - range(s, 150, 190), -1, chance(s, 0.5) ? "other" : NULL, NULL};
  put_course(b, first, &d);
  course p = {chance(s, 0.7) ? "teriparatide" : "abaloparatide", end + range(s, 0, 50), 0, 0, -1, NULL, NULL};
  put_course(b, first, &p);
  maybe_cond(s, n, as_of, 0.1, jaw_femur, 2);
}

/* Teriparatide or abaloparatide ended, sometimes followed; sometimes no
** antiresorptive is safe after it. */
static void pth_ended(uint64_t *s, strbuf *b, bool *first, op_date as_of, need *n) {
  op_date end = as_of - range(s, 30, 3 * Y), st = end - range(s, 300, 760);
  course c = {chance(s, 0.7) ? "teriparatide" : "abaloparatide", st, end, 0, -1, "completed", NULL};
  put_course(b, first, &c);
  if (chance(s, 0.4)) {
    op_date fo = end + range(s, 0, 60);
    course a = {"alendronate", fo < as_of ? fo : as_of, 0, 0, -1, NULL, adherence(s)};
    put_course(b, first, &a);
  } else {
    maybe_cond(s, n, as_of, 0.2, jaw_femur, 2);
  }
}

/* A current anabolic: romosozumab (in women and men; an MI or stroke within
** 12 months stops it) or a PTH analog (near its lifetime limit, or with a
** reason to stop it); sometimes nothing is safe to follow it. */
static void anabolic_current(uint64_t *s, strbuf *b, bool *first, op_date as_of, bool female, need *n) {
  double u = unif(s);
  if (u < (female ? 0.5 : 0.75)) { /* more men: romosozumab_not_indicated */
    int doses = chance(s, 0.3) ? range(s, 12, 13) : range(s, 1, 11); /* 12: the course is complete */
    course c = {"romosozumab", as_of - doses * 30 - range(s, 0, 20), 0, as_of - range(s, 0, 25), doses, NULL, NULL};
    put_course(b, first, &c);
    if (chance(s, 0.25)) need_cond(n, chance(s, 0.5) ? "myocardial_infarction" : "stroke",
                                   chance(s, 0.8) ? as_of - range(s, 5, 300) : 0);
  } else {
    const char *ag = u < 0.85 ? "teriparatide" : "abaloparatide";
    op_date st = as_of - range(s, 30, 800);
    if (chance(s, 0.35)) { /* an earlier course: the lifetime limit near or reached */
      op_date e0 = st - range(s, Y, 4 * Y);
      course c0 = {ag, e0 - range(s, 200, 500), e0, 0, -1, "other", NULL};
      put_course(b, first, &c0);
    }
    course c = {ag, st, 0, 0, -1, NULL, NULL};
    put_course(b, first, &c);
    maybe_cond(s, n, as_of, 0.12, pth_contra, N_OF(pth_contra));
  }
  if (chance(s, 0.12)) {
    maybe_cond(s, n, as_of, 1, jaw_femur, 2);
  } else if (chance(s, 0.08)) { /* denosumab (immunosuppression) and every bisphosphonate (renal) ruled out */
    need_cond(n, "organ_transplant", 0);
    n->renal = RENAL_BELOW_30;
  }
}

/* No course, but the contraindications that leave no safe agent, or no
** safe follow-on after the anabolic the risk calls for. */
static void contraindicated(uint64_t *s, need *n, op_date as_of) {
  double u = unif(s);
  if (u < 0.7) {
    maybe_cond(s, n, as_of, 1, jaw_femur, 2);
    if (u >= 0.4) maybe_cond(s, n, as_of, 1, pth_contra, N_OF(pth_contra));
  } else {
    need_cond(n, "organ_transplant", 0);
    n->renal = RENAL_BELOW_30;
  }
}

/* Older patterns: raloxifene or hormone therapy (with a thrombosis, a stop
** reason), an oral bisphosphonate stopped for intolerance, a past course. */
static void other_history(uint64_t *s, strbuf *b, bool *first, op_date as_of, need *n, int pattern) {
  if (pattern == 0) {
    course c = {chance(s, 0.7) ? "raloxifene" : "hormone_therapy", as_of - range(s, 100, 6 * Y), 0, 0, -1, NULL, NULL};
    put_course(b, first, &c);
    if (chance(s, 0.35)) need_cond(n, "venous_thromboembolism", as_of - range(s, 5, 2 * Y));
  } else if (pattern == 1) {
    op_date st = as_of - range(s, 2 * Y, 6 * Y), end = st + range(s, 30, 300);
    course c = {"alendronate", st, end, 0, -1, chance(s, 0.5) ? "intolerance" : "adverse_event", NULL};
    put_course(b, first, &c);
    if (chance(s, 0.5)) {
      course r = {"risedronate", end + range(s, 10, 200), 0, 0, -1, NULL, adherence(s)};
      put_course(b, first, &r);
    }
  } else {
    op_date st = as_of - range(s, 5 * Y, 12 * Y), end = st + range(s, 200, 5 * Y);
    course c = {"alendronate", st, end < as_of ? end : as_of - 1, 0, -1, NULL, NULL};
    c.stop = chance(s, 0.5) ? "nonadherence" : "completed";
    put_course(b, first, &c);
  }
}

/* The treatment history: one of the patterns the rules care about, with
** what it needs from the rest of the record in n. */
static void therapies(uint64_t *s, strbuf *b, op_date as_of, bool female, need *n) {
  /* a pattern's share is its number of values of 0..31; the rest: none */
  int pattern = range(s, 0, 31);
  bool first = true;
  if (pattern == 17) { /* no course: nothing safe to give */
    contraindicated(s, n, as_of);
    return;
  }
  sb_puts(b, ",\"therapies\":[");
  switch (pattern) {
    case 0: case 1: case 2: case 3: oral_current(s, b, &first, as_of, n); break;
    case 4: oral_failed_before(s, b, &first, as_of, n); break;
    case 5: zoledronic(s, b, &first, as_of, n); break;
    case 6: case 7: denosumab_current(s, b, &first, as_of, n); break;
    case 8: case 9: denosumab_stopped(s, b, &first, as_of, n); break;
    case 10: denosumab_then_pth(s, b, &first, as_of, n); break;
    case 11: pth_ended(s, b, &first, as_of, n); break;
    case 12: case 13: case 14: anabolic_current(s, b, &first, as_of, female, n); break;
    case 15: case 16: case 18: other_history(s, b, &first, as_of, n, pattern == 18 ? 2 : pattern - 15); break;
    default: break;
  }
  sb_putc(b, ']');
}

/* DXA results: 1 to 3 dates (back from within 5 years of as_of, none
** before age 40), 1 to 3 sites, T-scores around t_base. */
static void synth_bmd(uint64_t *s, uint64_t index, op_date as_of, op_date birth, double t_base, strbuf *b) {
  int dates = range(s, 1, 3), sites = range(s, 1, 3);
  op_date d = as_of - range(s, 20, 5 * Y);
  double bmd = normal(s, 0.8, 0.1, 0.45, 1.3);
  sb_puts(b, ",\"bmd\":[");
  for (int k = 0; k < dates; k++) {
    for (int j = 0; j < sites; j++) {
      double t = t_base + (j ? normal(s, 0.3, 0.3, -0.5, 1.2) : 0) + (dates - 1 - k) * normal(s, 0.05, 0.15, -0.4, 0.4);
      if (t < -7.9) t = -7.9;
      sb_cat(b, k || j ? "," : "", "{\"site\":\"", bmd_sites[(j + (int)(index % 2)) % 4], "\",\"t_score\":", (char *)NULL);
      put_num(b, t, 1);
      sb_putc(b, ',');
      if (chance(s, 0.5)) {
        sb_puts(b, "\"bmd_g_cm2\":");
        put_num(b, bmd * (1 + (k - dates + 1) * normal(s, 0.02, 0.08, -0.2, 0.15)), 3);
        sb_putc(b, ',');
      }
      put_date(b, "date", d);
      sb_putc(b, '}');
    }
    if (d - 400 < birth + 40 * Y) break;
    d -= range(s, 365, 1000);
  }
  sb_putc(b, ']');
}

/* One DXA result with its bone density (T-scores kept in the reader's range). */
static void put_dxa(strbuf *b, bool comma, const char *site, double t, double g, op_date d) {
  sb_cat(b, comma ? "," : "", "{\"site\":\"", site, "\",\"t_score\":", (char *)NULL);
  put_num(b, t < -7.9 ? -7.9 : t, 1);
  sb_puts(b, ",\"bmd_g_cm2\":");
  put_num(b, g < 0.1 ? 0.1 : g, 3);
  sb_putc(b, ',');
  put_date(b, "date", d);
  sb_putc(b, '}');
}

/* DXA before a course's start and a year or more into it, with bone
** density in g/cm2 at both: a T-score gain mostly short of the target, and
** with n->loss a fall of 11% to 20% a year. */
static void bmd_course(uint64_t *s, uint64_t index, op_date as_of, double t_base, const need *n, strbuf *b) {
  op_date base = n->dxa_course - range(s, 0, 60), from = n->dxa_course + 380;
  op_date latest = between(s, from > as_of - 400 ? from : as_of - 400, as_of - 20);
  double years = (double)(latest - base) / OP_DAYS_PER_YEAR;
  int sites = range(s, 1, 3);
  if (chance(s, 0.7)) t_base = normal(s, -2.9, 0.3, -4.5, -2.5); /* mostly treated for osteoporosis */
  sb_puts(b, ",\"bmd\":[");
  for (int j = 0; j < sites; j++) {
    double gain = chance(s, 0.2) ? normal(s, 0.6, 0.1, 0.5, 1.0) : normal(s, 0, 0.15, -0.5, 0.4);
    double t = t_base + (j ? normal(s, 0.3, 0.3, -0.5, 1.2) : 0), g = normal(s, 0.8, 0.1, 0.45, 1.3);
    double rate = n->loss ? normal(s, 0.15, 0.03, 0.11, 0.2) : normal(s, 0.01, 0.02, -0.02, 0.04);
    double later = g * (1 - rate * years);
    const char *site = bmd_sites[(j + (int)(index % 2)) % 4];
    put_dxa(b, j > 0, site, t - gain, g, base);
    put_dxa(b, true, site, t, later, latest);
  }
  sb_putc(b, ']');
}

/* One lab value: a plain number (taken as current), or dated within the
** last 12 months, or dated before them (outdated: asked for again). */
static void put_lab(uint64_t *s, strbuf *b, bool *first, const char *key, double v, int decimals, op_date as_of) {
  double u = unif(s);
  sb_cat(b, *first ? "" : ",", "\"", key, "\":", (char *)NULL);
  *first = false;
  if (u < 0.45) {
    put_num(b, v, decimals);
    return;
  }
  sb_puts(b, "{\"value\":");
  put_num(b, v, decimals);
  sb_putc(b, ',');
  put_date(b, "date", u < 0.85 ? as_of - range(s, 0, 360) : as_of - range(s, 370, 3 * Y));
  sb_putc(b, '}');
}

static double renal_value(uint64_t *s, int renal) {
  if (renal == RENAL_BELOW_30) return normal(s, 22, 5, 8, 29);
  if (renal == RENAL_30_TO_34) return range(s, 30, 34);
  double u = unif(s);
  return u < 0.08 ? normal(s, 25, 6, 8, 34) : u < 0.1 ? 35 : normal(s, 72, 18, 35, 120);
}

/* Albumin-corrected calcium: low, at 8.5, usual, at 10.5, raised. */
static double calcium_value(uint64_t *s) {
  double u = unif(s);
  return u < 0.05 ? normal(s, 8.0, 0.2, 7.4, 8.4) : u < 0.07 ? 8.5 : u < 0.93 ? normal(s, 9.4, 0.3, 8.6, 10.4)
       : u < 0.95 ? 10.5 : normal(s, 11.0, 0.3, 10.6, 11.8);
}

/* P1NP before an oral start and 2 to 6 months after it (sometimes exactly
** 38% lower: not a response). */
static void p1np(uint64_t *s, strbuf *b, bool *first, op_date base, op_date second) {
  bool exact = chance(s, 0.05);
  sb_cat(b, *first ? "" : ",", "\"p1np\":[{\"value\":", (char *)NULL);
  *first = false;
  put_num(b, exact ? 50.0 : normal(s, 60, 15, 20, 120), 0);
  sb_putc(b, ',');
  put_date(b, "date", base);
  sb_puts(b, "},{\"value\":");
  put_num(b, exact ? 31.0 : normal(s, 40, 15, 8, 110), 0);
  sb_putc(b, ',');
  put_date(b, "date", second);
  sb_puts(b, "}]");
}

/* Labs: each value present or not, plain or dated; renal function as the
** history needs it; markers around an oral start. */
static void synth_labs(uint64_t *s, op_date as_of, const need *n, strbuf *b) {
  size_t mark = b->len;
  bool first = true;
  sb_puts(b, ",\"labs\":{");
  if (chance(s, 0.88) || n->renal != RENAL_ANY)
    put_lab(s, b, &first, "egfr_ml_min", renal_value(s, n->renal), 0, as_of);
  if (chance(s, 0.08)) put_lab(s, b, &first, "creatinine_clearance_ml_min", renal_value(s, n->renal), 0, as_of);
  if (chance(s, 0.85)) put_lab(s, b, &first, "calcium_mg_dl", calcium_value(s), 1, as_of);
  if (chance(s, 0.8)) put_lab(s, b, &first, "vitamin_d_ng_ml", normal(s, 28, 10, 5, 70), 0, as_of);
  if (n->oral_start) {
    op_date second = n->oral_start + range(s, 62, 180);
    p1np(s, b, &first, n->oral_start - range(s, 1, 20), second < as_of ? second : as_of);
  } else if (chance(s, 0.1)) {
    op_date base = as_of - range(s, 100, 200);
    p1np(s, b, &first, base, base + range(s, 70, 95));
  }
  if (first) b->len = mark; /* nothing measured: no labs at all */
  else sb_putc(b, '}');
}

/* Glucocorticoid courses (one to three, their doses adding up, some
** started days ago and some ended) and other medications. */
static void synth_meds(uint64_t *s, op_date as_of, bool gc, strbuf *b) {
  bool first = true;
  sb_puts(b, ",\"medications\":[");
  int courses = gc || chance(s, 0.6) ? (chance(s, 0.7) ? 1 : chance(s, 0.75) ? 2 : 3) : 0;
  for (int k = 0; k < courses; k++) {
    /* the course the history needs started 3 months ago or more */
    op_date st = chance(s, 0.35) && (k || !gc) ? as_of - range(s, 10, 120) : as_of - range(s, 121, 6 * Y);
    sb_cat(b, first ? "" : ",", "{\"class\":\"glucocorticoid\",", chance(s, 0.3) ? "\"name\":\"prednisone\"," : "",
           "\"dose_mg_per_day\":", (char *)NULL);
    put_num(b, gc_doses[range(s, 0, N_OF(gc_doses) - 1)], 1);
    sb_putc(b, ',');
    first = false;
    put_date(b, "start", st);
    if (k && st < as_of - 1 && chance(s, 0.2)) { /* an earlier course, ended */
      sb_putc(b, ',');
      put_date(b, "end", between(s, st + 1, as_of - 1));
      sb_putc(b, '}');
    } else {
      sb_puts(b, ",\"end\":null}");
    }
  }
  if (!courses || chance(s, 0.3)) {
    const char *cls = pick(s, other_meds, N_OF(other_meds));
    sb_cat(b, first ? "" : ",", "{\"class\":\"", cls, "\",", (char *)NULL);
    put_date(b, "start", as_of - range(s, 20, 6 * Y));
    sb_puts(b, ",\"end\":null}");
    if (chance(s, 0.3)) {
      sb_puts(b, ",{\"class\":\"immunosuppressant\",");
      put_date(b, "start", as_of - range(s, 20, 6 * Y));
      sb_putc(b, '}');
    }
  }
  sb_putc(b, ']');
}

/* Conditions: those the history needs, then some at random (open
** epiphyses only under 50). */
static void synth_conditions(uint64_t *s, op_date as_of, int age, const need *n, strbuf *b) {
  int extra = chance(s, 0.3) ? range(s, 1, 2) : 0;
  bool young = age < 50 && chance(s, 0.2);
  if (!n->n_cond && !extra && !young) return;
  sb_puts(b, ",\"conditions\":[");
  int k = 0;
  for (int i = 0; i < n->n_cond; i++, k++) {
    sb_cat(b, k ? "," : "", "{\"code\":\"", n->cond[i], "\"", (char *)NULL);
    if (n->cond_date[i]) {
      sb_putc(b, ',');
      put_date(b, "date", n->cond_date[i]);
    }
    sb_putc(b, '}');
  }
  for (int i = 0; i < extra; i++, k++) {
    sb_cat(b, k ? "," : "", "{\"code\":\"", pick(s, conditions, N_OF(conditions)), "\"", (char *)NULL);
    if (chance(s, 0.6)) {
      sb_putc(b, ',');
      put_date(b, "date", as_of - range(s, 5, 3 * Y));
    }
    sb_putc(b, '}');
  }
  if (young) sb_cat(b, k ? "," : "", "{\"code\":\"open_epiphyses\"}", (char *)NULL);
  sb_putc(b, ']');
}

/* Fractures: those the history needs, then some at random. */
static void synth_fractures(uint64_t *s, op_date as_of, const need *n, strbuf *b) {
  int extra = chance(s, 0.32) ? (chance(s, 0.8) ? 1 : 2) : 0;
  if (!n->n_fx && !extra) return;
  sb_puts(b, ",\"fractures\":[");
  for (int k = 0; k < n->n_fx + extra; k++) {
    sb_cat(b, k ? "," : "", "{\"site\":\"", pick(s, fx_sites, N_OF(fx_sites)), "\",", (char *)NULL);
    if (k < n->n_fx) {
      put_date(b, "date", n->fx[k]);
    } else {
      if (chance(s, 0.1)) { /* only the year, 1 to 15 years before as_of's (taken as 1 July) */
        int y, m, d;
        date_to_ymd(as_of, &y, &m, &d);
        sb_puts(b, "\"year\":");
        put_int(b, y - range(s, 1, 15));
      } else {
        put_date(b, "date", as_of - range(s, 10, 10 * Y));
      }
      if (chance(s, 0.1)) sb_puts(b, ",\"mechanism\":\"traumatic\"");
    }
    sb_putc(b, '}');
  }
  sb_putc(b, ']');
}

void synth_record(uint64_t *s, uint64_t index, op_date as_of, strbuf *b) {
  bool female = chance(s, 0.8);
  int age = chance(s, 0.03) ? range(s, 30, 49) : (int)normal(s, 71, 9, 50, 99);
  op_date birth = as_of - age * Y - range(s, 1, 360);
  sb_puts(b, "{\"id\":\"syn-");
  put_int(b, (long long)index);
  sb_puts(b, "\",");
  put_date(b, "as_of", as_of);
  sb_cat(b, ",\"sex\":\"", female ? "female" : "male", "\",", (char *)NULL);
  put_date(b, "birth_date", birth);
  if (female) {
    double u = unif(s);
    if (age < 52 && u < 0.5) sb_puts(b, ",\"menopause\":\"pre\"");
    else if (age < 55 && u < 0.6) sb_puts(b, ",\"menopause\":\"peri\"");
    else if (u < 0.95) sb_puts(b, ",\"menopause\":\"post\"");
  }
  if (chance(s, 0.6)) {
    sb_puts(b, ",\"weight_kg\":");
    put_num(b, normal(s, 66, 12, 38, 130), 1);
    sb_puts(b, ",\"height_cm\":");
    put_num(b, normal(s, female ? 160 : 174, 7, 140, 200), 0);
  }
  need n = {0};
  if (chance(s, 0.6)) therapies(s, b, as_of, female, &n);
  double t_base = normal(s, -2.0, 0.9, -4.6, 1.5);
  if (n.dxa_course) bmd_course(s, index, as_of, t_base, &n, b);
  else if (chance(s, 0.82)) synth_bmd(s, index, as_of, birth, t_base, b); /* DXA: 1 to 3 dates, 1 to 3 sites */
  if (chance(s, 0.45)) {
    double mof = normal(s, 15, 9, 1, 60), hip = mof * normal(s, 0.2, 0.08, 0.02, 0.5);
    sb_puts(b, ",\"frax\":{\"major_osteoporotic_pct\":");
    put_num(b, mof, 1);
    sb_puts(b, ",\"hip_pct\":");
    put_num(b, hip, 1);
    sb_putc(b, '}');
  }
  if (chance(s, 0.3)) {
    sb_puts(b, ",\"falls_past_year\":");
    put_int(b, range(s, 0, 3));
  }
  synth_fractures(s, as_of, &n, b);
  if (n.gc || chance(s, 0.18)) synth_meds(s, as_of, n.gc, b);
  synth_conditions(s, as_of, age, &n, b);
  if (n.oral_start || n.renal != RENAL_ANY || chance(s, 0.8)) synth_labs(s, as_of, &n, b);
  if (chance(s, 0.5)) {
    sb_cat(b, ",\"lifestyle\":{\"smoker\":", chance(s, 0.15) ? "true" : "false", ",\"alcohol_units_per_day\":", (char *)NULL);
    put_num(b, normal(s, 1, 1, 0, 6), 1);
    sb_putc(b, '}');
  }
  sb_putc(b, '}');
}

/* Ways a line can be broken, each a class of bad input the reader refuses. */
void synth_break(uint64_t *s, strbuf *b) {
  const char *t = sb_str(b);
  size_t n = b->len;
  char *copy = arena_strndup(b->a, t, n);
  b->len = 0;
  switch (range(s, 0, 6)) {
    case 0: sb_putn(b, copy, n / 2); break;                                   /* truncated */
    case 1: sb_putn(b, copy, n - 1); sb_puts(b, ",\"tscore\":-2.5}"); break;   /* unknown field */
    case 2: {                                                                 /* impossible date */
      char *d = strstr(copy, "\"as_of\":\"");
      if (d) memcpy(d + 9 + 5, "02-30", 5); // NOLINT(bugprone-not-null-terminated-result): in place
      sb_putn(b, copy, n);
      break;
    }
    case 3: sb_puts(b, "not json at all"); break;
    case 4: sb_putn(b, copy, n - 1); sb_puts(b, ",\"falls_past_year\":\"two\"}"); break; /* wrong type */
    case 5: {                                                                 /* missing sex */
      char *x = strstr(copy, "\"sex\":\"");
      if (x) memcpy(x + 1, "sxe", 3); // NOLINT(bugprone-not-null-terminated-result): in place
      sb_putn(b, copy, n);
      break;
    }
    default: sb_putn(b, copy, n - 1); sb_puts(b, ",\"id\":\"dup\"}"); break;    /* duplicate key */
  }
}
