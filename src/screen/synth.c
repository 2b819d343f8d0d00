/*
** synth.c: a deterministic synthetic population for tests and benchmarks.
**
** The same seed gives the same bytes on every machine: the generator is
** splitmix64 and every number is printed with a fixed number of decimals.
** The mix is built so that every rule, finding, alert and care gap of the
** default profile fires somewhere in a few thousand records: untreated
** high-risk patients, recent and old fractures, denosumab on schedule,
** overdue and stopped, anabolic courses running, complete and abandoned,
** bisphosphonates long enough for a holiday, failing or not tolerated,
** glucocorticoids, transplants, renal impairment, contraindications.
** These are test data, not epidemiology.
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

/* An approximately normal value (sum of uniforms), clamped. */
static double normal(uint64_t *s, double mean, double sd, double lo, double hi) {
  double x = 0;
  for (int i = 0; i < 6; i++) x += unif(s);
  x = mean + (x - 3.0) * sd / 0.7071;
  return x < lo ? lo : x > hi ? hi : x;
}

static void put_date(strbuf *b, const char *key, op_date d) {
  char buf[11];
  date_format(d, buf);
  sb_printf(b, "\"%s\":\"%s\"", key, buf);
}

/* A date between from and to (inclusive). */
static op_date between(uint64_t *s, op_date from, op_date to) {
  if (to <= from) return from;
  return from + (op_date)(next(s) % (uint64_t)(to - from + 1));
}

static const char *const fx_sites[] = {"hip", "vertebral", "wrist", "forearm", "humerus", "pelvis", "rib", "ankle", "other"};
static const char *const bmd_sites[] = {"lumbar_spine", "total_hip", "femoral_neck", "one_third_radius"};
static const char *const conditions[] = {
    "osteoporosis", "myocardial_infarction", "stroke", "paget_disease", "bone_metastases", "hypercalcemia",
    "hyperparathyroidism", "hypocalcemia", "esophageal_disorder", "gi_intolerance_oral_bisphosphonate",
    "malabsorption", "organ_transplant", "osteonecrosis_of_jaw", "atypical_femoral_fracture", "thigh_or_groin_pain",
    "jaw_pain", "dental_surgery_planned", "venous_thromboembolism", "high_fall_risk", "unable_to_remain_upright"};

static void therapy(strbuf *b, bool *first, const char *agent, op_date start, bool has_end, op_date end,
                    bool has_last, op_date last, int doses, const char *stop) {
  sb_printf(b, "%s{\"agent\":\"%s\",", *first ? "" : ",", agent);
  *first = false;
  put_date(b, "start", start);
  if (has_end) {
    sb_putc(b, ',');
    put_date(b, "end", end);
  } else {
    sb_puts(b, ",\"end\":null");
  }
  if (has_last) {
    sb_putc(b, ',');
    put_date(b, "last_dose", last);
  }
  if (doses >= 0) sb_printf(b, ",\"doses\":%d", doses);
  if (stop) sb_printf(b, ",\"stop_reason\":\"%s\"", stop);
  sb_putc(b, '}');
}

/* The treatment history: one of the patterns the rules care about. Returns
** the start of an oral bisphosphonate begun in the last months (for bone
** turnover markers around it), or 0. */
static op_date therapies(uint64_t *s, strbuf *b, op_date as_of) {
  op_date recent_oral = 0;
  int pattern = range(s, 0, 15);
  bool first = true;
  sb_puts(b, ",\"therapies\":[");
  op_date y = (op_date)OP_DAYS_PER_YEAR;
  switch (pattern) {
    case 0: case 1: { /* oral bisphosphonate, 2 months to 8 years */
      const char *ag = chance(s, 0.7) ? "alendronate" : chance(s, 0.5) ? "risedronate" : "ibandronate";
      op_date st = chance(s, 0.25) ? as_of - range(s, 70, 200) : as_of - range(s, 60, 8 * y);
      if (as_of - st <= 200) recent_oral = st;
      therapy(b, &first, ag, st, false, 0, false, 0, -1, NULL);
      break;
    }
    case 2: { /* zoledronic acid with infusions */
      op_date st = as_of - range(s, 200, 5 * y);
      therapy(b, &first, "zoledronic_acid", st, false, 0, true, between(s, st, as_of), range(s, 1, 5), NULL);
      break;
    }
    case 3: case 4: { /* denosumab on schedule or overdue */
      op_date st = as_of - range(s, 200, 6 * y);
      op_date last = as_of - range(s, 10, pattern == 3 ? 180 : 400);
      therapy(b, &first, "denosumab", st, false, 0, true, last > st ? last : st, -1, NULL);
      break;
    }
    case 5: { /* denosumab stopped, sometimes followed */
      op_date st = as_of - range(s, 3 * y, 7 * y), end = as_of - range(s, 30, 2 * y);
      therapy(b, &first, "denosumab", st, true, end, true, end - range(s, 0, 150), -1,
              chance(s, 0.5) ? "patient_choice" : NULL);
      if (chance(s, 0.4)) therapy(b, &first, "zoledronic_acid", end, true, end + 1, true, end, 1, "completed");
      break;
    }
    case 6: { /* teriparatide or abaloparatide ended, sometimes followed */
      op_date end = as_of - range(s, 30, 3 * y), st = end - range(s, 300, 760);
      therapy(b, &first, chance(s, 0.7) ? "teriparatide" : "abaloparatide", st, true, end, false, 0, -1, "completed");
      if (chance(s, 0.4)) {
        op_date fo = end + range(s, 0, 60);
        therapy(b, &first, "alendronate", fo < as_of ? fo : as_of, false, 0, false, 0, -1, NULL);
      }
      break;
    }
    case 7: { /* current anabolic */
      if (chance(s, 0.5)) {
        int doses = range(s, 1, 13);
        op_date st = as_of - doses * 30 - range(s, 0, 20);
        therapy(b, &first, "romosozumab", st, false, 0, true, as_of - range(s, 0, 25), doses, NULL);
      } else {
        therapy(b, &first, "teriparatide", as_of - range(s, 30, 800), false, 0, false, 0, -1, NULL);
      }
      break;
    }
    case 8: { /* raloxifene or hormone therapy */
      therapy(b, &first, chance(s, 0.7) ? "raloxifene" : "hormone_therapy", as_of - range(s, 100, 6 * y), false, 0,
              false, 0, -1, NULL);
      break;
    }
    case 9: { /* oral bisphosphonate stopped for intolerance, another since */
      op_date st = as_of - range(s, 2 * y, 6 * y), end = st + range(s, 30, 300);
      therapy(b, &first, "alendronate", st, true, end, false, 0, -1, chance(s, 0.5) ? "intolerance" : "adverse_event");
      if (chance(s, 0.5)) therapy(b, &first, "risedronate", end + range(s, 10, 200), false, 0, false, 0, -1, NULL);
      break;
    }
    case 10: { /* past course stopped for nonadherence, or completed long ago */
      op_date st = as_of - range(s, 5 * y, 12 * y), end = st + range(s, 200, 5 * y);
      therapy(b, &first, "alendronate", st, true, end < as_of ? end : as_of - 1, false, 0, -1,
              chance(s, 0.5) ? "nonadherence" : "completed");
      break;
    }
    default:
      break;
  }
  sb_putc(b, ']');
  return recent_oral;
}

/* DXA results: 1 to 3 dates (back from within 5 years of as_of, none
** before age 40), 1 to 3 sites, T-scores around t_base. */
static void synth_bmd(uint64_t *s, uint64_t index, op_date as_of, op_date birth, double t_base, strbuf *b) {
  op_date y = (op_date)OP_DAYS_PER_YEAR;
  int dates = range(s, 1, 3), sites = range(s, 1, 3);
  op_date d = as_of - range(s, 20, 5 * y);
  double bmd = normal(s, 0.8, 0.1, 0.45, 1.3);
  sb_puts(b, ",\"bmd\":[");
  for (int k = 0; k < dates; k++) {
    for (int j = 0; j < sites; j++) {
      double t = t_base + (j ? normal(s, 0.3, 0.3, -0.5, 1.2) : 0) + (dates - 1 - k) * normal(s, 0.05, 0.15, -0.4, 0.4);
      if (t < -7.9) t = -7.9;
      sb_printf(b, "%s{\"site\":\"%s\",\"t_score\":%.1f,", k || j ? "," : "", bmd_sites[(j + (int)(index % 2)) % 4], t);
      if (chance(s, 0.5)) sb_printf(b, "\"bmd_g_cm2\":%.3f,", bmd * (1 + (k - dates + 1) * normal(s, 0.02, 0.08, -0.2, 0.15)));
      put_date(b, "date", d);
      sb_putc(b, '}');
    }
    if (d - 400 < birth + 40 * y) break;
    d -= range(s, 365, 1000);
  }
  sb_putc(b, ']');
}

/* Labs; with an oral course started at oral_start, P1NP before and after it. */
static void synth_labs(uint64_t *s, op_date as_of, op_date oral_start, strbuf *b) {
  sb_printf(b, ",\"labs\":{\"egfr_ml_min\":%.0f,\"calcium_mg_dl\":%.1f,\"vitamin_d_ng_ml\":%.0f",
            chance(s, 0.1) ? normal(s, 25, 6, 8, 34) : normal(s, 72, 18, 35, 120), normal(s, 9.4, 0.4, 7.8, 10.8),
            normal(s, 28, 10, 5, 70));
  if (oral_start) { /* markers before the start and 2 to 6 months after */
    op_date second = oral_start + range(s, 62, 180);
    sb_printf(b, ",\"p1np\":[{\"value\":%.0f,", normal(s, 60, 15, 20, 120));
    put_date(b, "date", oral_start - range(s, 1, 20));
    sb_printf(b, "},{\"value\":%.0f,", normal(s, 35, 15, 8, 110));
    put_date(b, "date", second < as_of ? second : as_of);
    sb_puts(b, "}]");
  } else if (chance(s, 0.1)) {
    op_date base = as_of - range(s, 100, 200);
    sb_printf(b, ",\"p1np\":[{\"value\":%.0f,", normal(s, 60, 15, 20, 120));
    put_date(b, "date", base);
    sb_printf(b, "},{\"value\":%.0f,", normal(s, 40, 15, 8, 110));
    put_date(b, "date", base + range(s, 70, 95));
    sb_puts(b, "}]");
  }
  sb_putc(b, '}');
}

void synth_record(uint64_t *s, uint64_t index, op_date as_of, strbuf *b) {
  op_date y = (op_date)OP_DAYS_PER_YEAR;
  bool female = chance(s, 0.8);
  int age = chance(s, 0.03) ? range(s, 30, 49) : (int)normal(s, 71, 9, 50, 99);
  op_date birth = as_of - age * y - range(s, 1, 360);
  sb_printf(b, "{\"id\":\"syn-%llu\",", (unsigned long long)index);
  put_date(b, "as_of", as_of);
  sb_printf(b, ",\"sex\":\"%s\",", female ? "female" : "male");
  put_date(b, "birth_date", birth);
  if (female) {
    double u = unif(s);
    if (age < 52 && u < 0.5) sb_puts(b, ",\"menopause\":\"pre\"");
    else if (age < 55 && u < 0.6) sb_puts(b, ",\"menopause\":\"peri\"");
    else if (u < 0.95) sb_puts(b, ",\"menopause\":\"post\"");
  }
  if (chance(s, 0.6)) sb_printf(b, ",\"weight_kg\":%.1f,\"height_cm\":%.0f", normal(s, 66, 12, 38, 130),
                                normal(s, female ? 160 : 174, 7, 140, 200));
  double t_base = normal(s, -2.0, 0.9, -4.6, 1.5);
  if (chance(s, 0.82)) synth_bmd(s, index, as_of, birth, t_base, b); /* DXA: 1 to 3 dates, 1 to 3 sites */
  if (chance(s, 0.45)) {
    double mof = normal(s, 15, 9, 1, 60), hip = mof * normal(s, 0.2, 0.08, 0.02, 0.5);
    sb_printf(b, ",\"frax\":{\"major_osteoporotic_pct\":%.1f,\"hip_pct\":%.1f}", mof, hip);
  }
  if (chance(s, 0.32)) {
    int n = chance(s, 0.8) ? 1 : 2;
    sb_puts(b, ",\"fractures\":[");
    for (int k = 0; k < n; k++) {
      sb_printf(b, "%s{\"site\":\"%s\",", k ? "," : "", fx_sites[range(s, 0, 8)]);
      if (chance(s, 0.1)) sb_printf(b, "\"year\":%d", 2010 + range(s, 0, 15));
      else put_date(b, "date", as_of - range(s, 10, 10 * y));
      if (chance(s, 0.1)) sb_puts(b, ",\"mechanism\":\"traumatic\"");
      sb_putc(b, '}');
    }
    sb_putc(b, ']');
  }
  if (chance(s, 0.3)) sb_printf(b, ",\"falls_past_year\":%d", range(s, 0, 3));
  op_date oral_start = chance(s, 0.5) ? therapies(s, b, as_of) : 0;
  if (chance(s, 0.15)) {
    sb_puts(b, ",\"medications\":[");
    double u = unif(s);
    const char *cls = u < 0.55 ? "glucocorticoid" : u < 0.75 ? "immunosuppressant" : u < 0.9 ? "aromatase_inhibitor"
                                                                                             : "androgen_deprivation";
    sb_printf(b, "{\"class\":\"%s\",\"dose_mg_per_day\":%.1f,", cls, normal(s, 7, 5, 1, 40));
    put_date(b, "start", as_of - range(s, 20, 6 * y));
    sb_puts(b, ",\"end\":null}");
    if (chance(s, 0.3)) {
      sb_puts(b, ",{\"class\":\"immunosuppressant\",");
      put_date(b, "start", as_of - range(s, 20, 6 * y));
      sb_putc(b, '}');
    }
    sb_putc(b, ']');
  }
  if (chance(s, 0.28)) {
    int n = range(s, 1, 2);
    sb_puts(b, ",\"conditions\":[");
    for (int k = 0; k < n; k++) {
      sb_printf(b, "%s{\"code\":\"%s\"", k ? "," : "", conditions[range(s, 0, 19)]);
      if (chance(s, 0.6)) {
        sb_putc(b, ',');
        put_date(b, "date", as_of - range(s, 5, 3 * y));
      }
      sb_putc(b, '}');
    }
    sb_putc(b, ']');
  }
  if (oral_start || chance(s, 0.45)) synth_labs(s, as_of, oral_start, b);
  if (chance(s, 0.5)) sb_printf(b, ",\"lifestyle\":{\"smoker\":%s,\"alcohol_units_per_day\":%.1f}",
                                chance(s, 0.15) ? "true" : "false", normal(s, 1, 1, 0, 6));
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
