/*
** omop.c: OMOP rows -> FHIR resources -> the FHIR mapper (omop.h).
**
** Going through FHIR keeps one mapping: a measurement with a LOINC code is
** an Observation with a LOINC code, read by the same kb/common/fhir.ini
** rows, units, date and skip rules. Resource ids name the OMOP table and
** row ("measurement-1233"), so each input note points at its row.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fhir/fhir_map.h"
#include "kb/kb_omop.h"
#include "omop/omop.h"
#include "omop/omop_number.h"
#include "omop/omop_tables.h"
#include "util/ctlchar.h"
#include "util/strbuf.h"

typedef struct {
  arena *a;
  const op_kb *kb;
  const omop_db *db;
  const char *as_of;
  strbuf b;
  long pid;
  FILE *bundles; /* omop_to_bundles: the bundles' text goes there, unmapped */
} builder;

static void put_str(strbuf *b, const char *s) {
  sb_putc(b, '"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') sb_putc(b, '\\'), sb_putc(b, (char)*p);
    else if (*p < 0x20) sb_printf(b, "\\u%04x", *p);
    else sb_putc(b, (char)*p);
  }
  sb_putc(b, '"');
}

/* "key":"value" after a comma. */
static void put_kv(strbuf *b, const char *key, const char *value) {
  sb_cat(b, ",\"", key, "\":", (char *)NULL);
  put_str(b, value);
}

/* OMOP vocabulary_id -> the FHIR code system the FHIR tables are keyed by
** (kb/common/omop.ini [omop.vocabulary]). Other vocabularies keep a system
** of their own, so the mapper notes their codes as unknown. */
static void put_coding(strbuf *b, const op_kb *kb, const omop_db *db, const char *concept_id, bool *first) {
  if (!*concept_id || !strcmp(concept_id, "0")) return; /* 0: "no matching concept" in OMOP */
  const omop_concept *c = omop_concept_of(db, concept_id);
  sb_puts(b, *first ? "{" : ",{");
  *first = false;
  if (!c) { /* not in concept.csv: kept, so the mapper notes it as unknown */
    sb_puts(b, "\"system\":\"urn:omop:concept_id\",\"code\":");
    put_str(b, concept_id);
    sb_putc(b, '}');
    return;
  }
  const char *sys = kb_omop_system(kb, c->vocabulary);
  sb_puts(b, "\"system\":");
  if (sys) put_str(b, sys);
  else {
    strbuf v;
    sb_init(&v, b->a);
    sb_cat(&v, "urn:omop:vocabulary:", c->vocabulary, (char *)NULL);
    put_str(b, sb_str(&v));
  }
  put_kv(b, "code", c->code);
  put_kv(b, "display", c->name);
  sb_putc(b, '}');
}

/* "code": the row's standard concept and its source concept (an ICD-10-CM
** source code carries the fracture site the SNOMED one may not). */
static void put_code(builder *w, const char *key, const char *concept_id, const char *source_id) {
  sb_cat(&w->b, ",\"", key, "\":{\"coding\":[", (char *)NULL);
  bool first = true;
  put_coding(&w->b, w->kb, w->db, concept_id, &first);
  if (strcmp(source_id, concept_id)) put_coding(&w->b, w->kb, w->db, source_id, &first);
  sb_puts(&w->b, "]}");
}

static void begin(builder *w, const char *type, const char *table, const char *row_id) {
  sb_cat(&w->b, ",{\"resource\":{\"resourceType\":\"", type, "\",\"id\":", (char *)NULL);
  strbuf id;
  sb_init(&id, w->a);
  sb_cat(&id, table, "-", row_id, (char *)NULL);
  put_str(&w->b, sb_str(&id));
  sb_printf(&w->b, ",\"subject\":{\"reference\":\"Patient/%ld\"}", w->pid);
}

/* s matches JSON's number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]{1,3})?
** (an exponent of at most 3 digits, which SQL's numeric also reads). */
static bool is_json_number(const char *s) {
  s += *s == '-';
  if (*s == '0') s++;
  else if (*s >= '1' && *s <= '9') s += strspn(s, "0123456789");
  else return false;
  if (*s == '.') {
    size_t k = strspn(++s, "0123456789");
    if (!k) return false;
    s += k;
  }
  if (*s == 'e' || *s == 'E') {
    s++;
    s += *s == '+' || *s == '-';
    size_t k = strspn(s, "0123456789");
    if (!k || k > 3) return false;
    s += k;
  }
  return !*s;
}

const char *omop_number(const char *s, char buf[static 32]) {
  /* a decimal: sign, digits with a fraction or a fraction alone, exponent */
  const char *p = s + (*s == '+' || *s == '-');
  size_t whole = strspn(p, "0123456789"), frac = 0;
  p += whole;
  if (*p == '.') frac = strspn(++p, "0123456789"), p += frac;
  if (!whole && !frac) return NULL;
  if (*p == 'e' || *p == 'E') {
    p++;
    p += *p == '+' || *p == '-';
    size_t k = strspn(p, "0123456789");
    if (!k) return NULL;
    p += k;
  }
  if (*p) return NULL;
  errno = 0;
  double v = strtod(s, NULL);
  if (errno == ERANGE || !isfinite(v)) return NULL; /* beyond a double: not a value anyone measured */
  if (is_json_number(s)) return s;
  snprintf(buf, 32, "%.17g", v); /* "+2", "2.", ".5": the same double, as JSON writes it */
  return buf;
}

/* measurement and observation rows -> Observation. The value is
** value_as_number, else value_source_value when that is a number: the
** Synthea OMOP conversion puts the DXA T-score only there, as text. */
static void put_observations(builder *w, int k, const char *idc, const char *conc, const char *date, const char *src) {
  const csv_table *t = &w->db->t[k];
  int ci = csv_col(t, idc), cc = csv_col(t, conc), cd = csv_col(t, date), cs = csv_col(t, src),
      cn = csv_col(t, "value_as_number"), cv = csv_col(t, "value_source_value"), cu = csv_col(t, "unit_source_value");
  long first, n = omop_rows_of(w->db, k, w->pid, &first);
  for (long i = first; i < first + n; i++) {
    long r = w->db->ix[k][i].row;
    begin(w, "Observation", omop_table_name(k), csv_cell(t, r, ci));
    sb_puts(&w->b, ",\"status\":\"final\"");
    put_code(w, "code", csv_cell(t, r, cc), csv_cell(t, r, cs));
    put_kv(&w->b, "effectiveDateTime", csv_cell(t, r, cd));
    char nb[32]; /* the first call fails before it writes here */
    const char *v = omop_number(csv_cell(t, r, cn), nb);
    if (!v) v = omop_number(csv_cell(t, r, cv), nb);
    if (v) {
      sb_cat(&w->b, ",\"valueQuantity\":{\"value\":", v, (char *)NULL);
      const char *u = csv_cell(t, r, cu);
      if (*u) put_kv(&w->b, "system", "http://unitsofmeasure.org"), put_kv(&w->b, "code", u);
      sb_putc(&w->b, '}');
    }
    sb_puts(&w->b, "}}");
  }
}

static void put_conditions(builder *w) {
  const csv_table *t = &w->db->t[OT_CONDITION];
  int ci = csv_col(t, "condition_occurrence_id"), cc = csv_col(t, "condition_concept_id"),
      cd = csv_col(t, "condition_start_date"), cs = csv_col(t, "condition_source_concept_id");
  long first, n = omop_rows_of(w->db, OT_CONDITION, w->pid, &first);
  for (long i = first; i < first + n; i++) {
    long r = w->db->ix[OT_CONDITION][i].row;
    begin(w, "Condition", "condition_occurrence", csv_cell(t, r, ci));
    put_code(w, "code", csv_cell(t, r, cc), csv_cell(t, r, cs));
    put_kv(&w->b, "onsetDateTime", csv_cell(t, r, cd));
    sb_puts(&w->b, "}}");
  }
}

/* drug_exposure -> MedicationStatement over the exposure's start and end:
** active while the end is not before as_of, else completed. */
static void put_drugs(builder *w) {
  const csv_table *t = &w->db->t[OT_DRUG];
  int ci = csv_col(t, "drug_exposure_id"), cc = csv_col(t, "drug_concept_id"),
      cs = csv_col(t, "drug_source_concept_id"), c0 = csv_col(t, "drug_exposure_start_date"),
      c1 = csv_col(t, "drug_exposure_end_date");
  long first, n = omop_rows_of(w->db, OT_DRUG, w->pid, &first);
  for (long i = first; i < first + n; i++) {
    long r = w->db->ix[OT_DRUG][i].row;
    const char *end = csv_cell(t, r, c1);
    begin(w, "MedicationStatement", "drug_exposure", csv_cell(t, r, ci));
    put_kv(&w->b, "status", !*end || strcmp(end, w->as_of) >= 0 ? "active" : "completed");
    put_code(w, "medicationCodeableConcept", csv_cell(t, r, cc), csv_cell(t, r, cs));
    sb_puts(&w->b, ",\"effectivePeriod\":{\"start\":");
    put_str(&w->b, csv_cell(t, r, c0));
    if (*end) put_kv(&w->b, "end", end);
    sb_puts(&w->b, "}}}");
  }
}

/* procedure_occurrence -> Procedure: the mapper reads the procedures that
** imply a condition (an organ transplant, kb/common/fhir.ini) and counts
** the others in the notes, so every row is accounted for. */
static void put_procedures(builder *w) {
  const csv_table *t = &w->db->t[OT_PROCEDURE];
  int ci = csv_col(t, "procedure_occurrence_id"), cc = csv_col(t, "procedure_concept_id"),
      cd = csv_col(t, "procedure_date");
  long first, n = omop_rows_of(w->db, OT_PROCEDURE, w->pid, &first);
  for (long i = first; i < first + n; i++) {
    long r = w->db->ix[OT_PROCEDURE][i].row;
    begin(w, "Procedure", "procedure_occurrence", csv_cell(t, r, ci));
    put_code(w, "code", csv_cell(t, r, cc), "0");
    put_kv(&w->b, "performedDateTime", csv_cell(t, r, cd));
    sb_puts(&w->b, "}}");
  }
}

/* The person's gender (kb/common/omop.ini [omop.gender]): its gender
** concept's code, else gender_source_value; FHIR's male / female, or NULL. */
static const char *gender_of(const op_kb *kb, const omop_db *db, long r) {
  const csv_table *t = &db->t[OT_PERSON];
  const omop_concept *c = omop_concept_of(db, csv_cell(t, r, csv_col(t, "gender_concept_id")));
  const char *g = c ? kb_omop_gender(kb, c->vocabulary, c->code) : NULL;
  return g ? g : kb_omop_gender(kb, NULL, csv_cell(t, r, csv_col(t, "gender_source_value")));
}

/* person (row r) and its death -> Patient. The birth date is
** birth_datetime's date, else year, month and day of birth. */
static void put_patient(builder *w, long r) {
  const csv_table *t = &w->db->t[OT_PERSON];
  sb_printf(&w->b, "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":"
                   "{\"resourceType\":\"Patient\",\"id\":\"%ld\"", w->pid);
  const char *g = gender_of(w->kb, w->db, r);
  if (g) put_kv(&w->b, "gender", g);
  const char *bd = csv_cell(t, r, csv_col(t, "birth_datetime"));
  const char *y = csv_cell(t, r, csv_col(t, "year_of_birth")), *m = csv_cell(t, r, csv_col(t, "month_of_birth")),
             *d = csv_cell(t, r, csv_col(t, "day_of_birth"));
  strbuf s;
  sb_init(&s, w->a);
  if (strlen(bd) >= 10) sb_putn(&s, bd, 10);
  else if (*y && *m && *d) sb_printf(&s, "%s-%02ld-%02ld", y, omop_id(m), omop_id(d));
  else sb_puts(&s, y);
  if (*sb_str(&s)) put_kv(&w->b, "birthDate", sb_str(&s));
  long first, n = omop_rows_of(w->db, OT_DEATH, w->pid, &first);
  const char *died = NULL; /* the earliest death_date given, when the person has more than one row */
  for (long i = first; i < first + n; i++) {
    const csv_table *dt = &w->db->t[OT_DEATH];
    const char *dd = csv_cell(dt, w->db->ix[OT_DEATH][i].row, csv_col(dt, "death_date"));
    if (!died || (*dd && (!*died || strcmp(dd, died) < 0))) died = dd;
  }
  if (died) put_kv(&w->b, "deceasedDateTime", died);
  sb_puts(&w->b, "}}");
}

/* One person's resources as a FHIR Bundle (JSON text in w->b). */
static void bundle(builder *w, long r) {
  put_patient(w, r);
  put_observations(w, OT_MEASUREMENT, "measurement_id", "measurement_concept_id", "measurement_date",
                   "measurement_source_concept_id");
  put_observations(w, OT_OBSERVATION, "observation_id", "observation_concept_id", "observation_date",
                   "observation_source_concept_id");
  put_conditions(w);
  put_drugs(w);
  put_procedures(w);
  sb_puts(&w->b, "]}");
}

/* Maps person row r; writes its record line to out, or reports why not. */
static int map_person(builder *w, const op_kb *kb, long r, const char *today, FILE *errors, FILE *out,
                      omop_stats *st) {
  sb_init(&w->b, w->a);
  bundle(w, r);
  if (w->bundles)
    return w->b.oom ? (errno = ENOMEM, -1)
                    : fwrite(w->b.p, 1, w->b.len, w->bundles) == w->b.len && putc('\n', w->bundles) != EOF ? 0 : -1;
  json_doc d;
  char msg[256];
  fhir_result res = {0};
  fhir_res *rs = NULL;
  int n = -1;
  if (w->b.oom || json_parse(w->a, w->b.p, w->b.len, &d, msg, sizeof msg) != 0) {
    errno = ENOMEM; /* the text is ours: only memory can fail it */
    return -1;
  }
  rs = arena_array(w->a, (size_t)d.ntok, sizeof *rs);
  if (!rs || (n = fhir_collect(&d, 0, rs, d.ntok)) < 0) return errno = ENOMEM, -1;
  fhir_map(w->a, kb, rs, n, w->as_of, today, &res);
  if (res.status == FM_OK) {
    if (fwrite(res.record, 1, res.record_len, out) != res.record_len || putc('\n', out) == EOF) return -1;
  } else if (res.status == FM_DECEASED) {
    st->deceased++;
  } else {
    st->unmapped++;
    char m[1024];
    ctl_escape(m, sizeof m, res.message);
    fprintf(errors, "person %ld: not mapped: %s\n", w->pid, m);
  }
  return 0;
}

/* Rows of people not in person.csv: counted, never used. */
static void count_rows(const omop_db *db, omop_stats *st) {
  for (int k = 0; k < OT_N; k++) {
    if (k == OT_PERSON || k == OT_CONCEPT || !db->present[k]) {
      if (!db->present[k]) {
        size_t u = strlen(st->missing);
        snprintf(st->missing + u, sizeof st->missing - u, "%s%s", u ? ", " : "", omop_table_name(k));
      }
      continue;
    }
    st->rows += db->t[k].nrows;
    for (long i = 0; i < db->t[k].nrows; i++) {
      long f;
      if (!omop_rows_of(db, OT_PERSON, db->ix[k][i].pid, &f)) st->orphans++;
    }
  }
}

/* omop_to_records, or with bundles set the bundles themselves. */
static int to_output(const op_kb *kb, const char *dir, const char *as_of, const char *today, FILE *errors, omop_stats *st,
               FILE *bundles) {
  memset(st, 0, sizeof *st);
  arena *a = arena_create(1 << 20), *pa = arena_create(64 * 1024);
  FILE *out = tmpfile();
  omop_db db;
  int fd = -1;
  if (!a || !pa || !out) {
    snprintf(st->error, sizeof st->error, "%s", out ? "out of memory" : "cannot create a temporary file");
  } else if (omop_load(a, dir, &db, st->error, sizeof st->error) == 0) {
    count_rows(&db, st);
    st->concepts = db.n_concepts;
    st->persons = db.t[OT_PERSON].nrows;
    builder w = {pa, kb, &db, as_of, {0}, 0, bundles};
    int rc = 0;
    for (long i = 0; i < db.t[OT_PERSON].nrows && !rc; i++) { /* in the order of person.csv */
      arena_reset(pa);
      w.pid = omop_id(csv_cell(&db.t[OT_PERSON], i, csv_col(&db.t[OT_PERSON], "person_id")));
      rc = map_person(&w, kb, i, today, errors, out, st);
    }
    if (rc || fflush(out) != 0 || ferror(out))
      snprintf(st->error, sizeof st->error, "cannot write the records: %s", strerror(errno));
    else if ((fd = dup(fileno(out))) < 0 || lseek(fd, 0, SEEK_SET) != 0)
      snprintf(st->error, sizeof st->error, "temporary file: %s", strerror(errno));
  }
  if (out) fclose(out);
  arena_destroy(pa);
  arena_destroy(a);
  return st->error[0] ? (fd >= 0 ? close(fd), -1 : -1) : fd;
}

int omop_to_records(const op_kb *kb, const char *dir, const char *as_of, const char *today, FILE *errors,
                    omop_stats *st) {
  return to_output(kb, dir, as_of, today, errors, st, NULL);
}

int omop_to_bundles(const op_kb *kb, const char *dir, const char *as_of, FILE *out, omop_stats *st) {
  int fd = to_output(kb, dir, as_of, as_of, out, st, out);
  return fd < 0 ? -1 : close(fd);
}
