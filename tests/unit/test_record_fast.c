/*
** test_record_fast.c: the one-pass record reader (record_fast.c) against
** the strict one (record.c), on every input at hand and on mutants of them.
**
**   test_record_fast OSTEOPLAN_BINARY DIR...
**
** For each text and each (as_of, today) pair tried:
**   - when the fast reader accepts, the strict one accepts too and both
**     filled the same record (record_cmp.h, field by field);
**   - record_read (fast, then strict when the fast one gives up) gives the
**     strict reader's status, error message and path, and the same record.
** Inputs: synthetic records (osteoplan synth, several seeds, with and
** without broken lines), the JSON files of each DIR (vignettes, the bad
** input corpus), and mutants of them: every prefix, a byte replaced or cut
** at every position, numbers, strings and dates swapped for odd ones,
** members inserted into every object (duplicates, unknown fields). The
** fast reader must also accept nearly every good synthetic record, or it
** would be no faster.
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kb/kb.h"
#include "osteoplan.h"
#include "record/record.h"
#include "record/record_fast_codes.h"
#include "record_cmp.h"
#include "util/arena.h"

typedef struct {
  const op_kb *kb;
  arena *a1, *a2, *a3;
  long reads, strict_ok, fast_ok, failures;
} ctx;

static const char *bin;
static char **dirs;
static int n_dirs;

static void report(ctx *c, const char *text, size_t n, const char *as_of, const char *today, const char *what) {
  if (c->failures++ < 10)
    fprintf(stderr, "DIFFERENT (%s), as_of %s, today %s, input: %.*s\n", what, as_of ? as_of : "-",
            today ? today : "-", (int)(n > 600 ? 600 : n), text);
}

/* Reads text with the three entries and compares them. */
static void check(ctx *c, const char *text, size_t n, const char *as_of, const char *today) {
  op_record strict, fast, both;
  op_error e1, e3;
  char why[64];
  arena_reset(c->a1);
  arena_reset(c->a2);
  arena_reset(c->a3);
  op_status s1 = record_read_strict(c->a1, c->kb, text, n, as_of, today, &strict, &e1);
  bool f = record_read_fast(c->a2, c->kb, text, n, as_of, today, &fast);
  op_status s3 = record_read(c->a3, c->kb, text, n, as_of, today, &both, &e3);
  c->reads++;
  c->strict_ok += s1 == OP_OK;
  c->fast_ok += f;
  if (f && s1 != OP_OK) report(c, text, n, as_of, today, e1.message);
  if (f && s1 == OP_OK && !record_same(&strict, &fast, why, sizeof why)) report(c, text, n, as_of, today, why);
  if (s1 != s3 || strcmp(e1.message, e3.message) || strcmp(e1.path, e3.path))
    report(c, text, n, as_of, today, "record_read's status or error");
  else if (s1 == OP_OK && !record_same(&strict, &both, why, sizeof why))
    report(c, text, n, as_of, today, why);
}

/* The (as_of, today) pairs every base text is read with. */
static void check_dates(ctx *c, const char *text, size_t n) {
  check(c, text, n, NULL, "2026-11-01");
  check(c, text, n, NULL, NULL);
  check(c, text, n, "2026-11-01", NULL);
  check(c, text, n, "2020-06-30", "2026-11-01");
  check(c, text, n, "9899-12-31", NULL);
  check(c, text, n, "9900-01-01", NULL);
  check(c, text, n, "2026-02-30", NULL);
  check(c, text, n, NULL, "9950-01-01");
}

/* ---- mutants ------------------------------------------------------------ */

static char buf[1 << 16];

/* text with bytes [at, at + cut) replaced by ins. */
static void splice(ctx *c, const char *text, size_t n, size_t at, size_t cut, const char *ins) {
  size_t k = strlen(ins);
  if (n - cut + k > sizeof buf) return;
  memcpy(buf, text, at);
  memcpy(buf + at, ins, k);
  memcpy(buf + at + k, text + at + cut, n - at - cut);
  check(c, buf, n - cut + k, NULL, "2026-11-01");
}

static void bytes(ctx *c, const char *text, size_t n) {
  static const char subst[] = "\"\\,:{}[]0-e. x1\x7f";
  static const char odd[][3] = {{0, 0, 0}, {'\x01', 0, 0}, {'\xc3', 0, 0}, {'\xc2', '\x85', 0}, {'\xff', 0, 0}};
  for (size_t i = 0; i <= n; i++) {
    if (i < n) check(c, text, i, NULL, "2026-11-01"); /* every prefix */
    if (i == n) break;
    splice(c, text, n, i, 1, ""); /* a byte cut */
    for (const char *s = subst; *s; s++) {
      char one[2] = {*s, 0};
      splice(c, text, n, i, 1, one);
    }
    for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) {
      memcpy(buf, text, n);
      size_t len = odd[k][0] ? strlen(odd[k]) : 1;
      if (n + len > sizeof buf) continue;
      memmove(buf + i + len, text + i + 1, n - i - 1);
      memcpy(buf + i, odd[k], len);
      check(c, buf, n - 1 + len, NULL, "2026-11-01");
    }
  }
}

/* Each ten-byte string (a date's place) filled with one byte value, all
** 256 of them: the fast reader remembers the last date's bytes, and no
** starting content of that memory may pass for a date (ten NULs once did). */
static void date_fills(ctx *c, const char *text, size_t n) {
  if (n > sizeof buf) return;
  for (size_t i = 0; i + 11 < n; i++) {
    if (text[i] != '"' || text[i + 11] != '"') continue;
    for (int v = 0; v < 256; v++) {
      memcpy(buf, text, n);
      memset(buf + i + 1, v, 10);
      check(c, buf, n, NULL, "2026-11-01");
      check(c, buf, n, "2020-06-30", "2026-11-01");
    }
  }
}

static const char *const numbers[] = {
    "0", "-0", "-0.0", "1e5", "1E2", "1.0e-2", "2e0", "0.5", "1.5", "-1.5", "100", "99.99",
    "123456789012345", "1234567890123456", "0.000000000000000000000001", "0.1234567890123456",
    "1.000000000000000", "1e999", "-1e999", "00", "01", "-", "2.", ".5", "1e", "+1", "1.5.3", "0x10",
    "NaN", "1000000000", "1000000001", "6.9104274032803700", "2.3725376813640358", "43.713809799324371", "7", "-3.5", "-7", "3", "100000000000000000000", "1,", "1}",
    "true", "null", "\"5\"", "[]", "{}", "[1]"};
static const char *const strings[] = {
    "\"\"", "\" \"", "\"a\\u0041\"", "\"a\\n\"", "\"tab\\t\"", "\"\xc3\xa9t\xc3\xa9\"", "\"\xc2\x85\"",
    "\"\x7f\"", "\"\xed\xa0\x80\"", "\"female\"", "\"male\"", "\"post\"", "\"total_hip\"", "\"vertebral\"",
    "\"denosumab\"", "\"good\"", "\"poor\"", "\"MR\"", "\"x\"", "\"2026-11-01\"", "\"2026-11-02\"",
    "\"2024-02-29\"", "\"2023-02-29\"", "\"0000-01-01\"", "\"0001-01-01\"", "\"9899-12-31\"",
    "\"9900-01-01\"", "\"2026-1-01\"", "\"2026-11-01T00:00\"", "\"1900-07-01\"", "\"fem\\u0061le\"",
    "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"\xf0\x9f\x98\x80\"", "null", "1", "true"};
static const char *const members[] = {
    "\"sex\":\"female\",", "\"as_of\":\"2026-11-01\",", "\"as_of\":null,", "\"date\":\"2020-01-01\",",
    "\"value\":1,", "\"site\":\"total_hip\",", "\"agent\":\"denosumab\",", "\"code\":\"ckd\",", "\"zzz\":1,",
    "\"extensions\":{},", "\"extensions\":{\"a\":[1,{\"b\":null}]},", "\"extensions\":[],", "\"id\":\"x\",",
    "\"year\":2000,", "\"name\":\"A B\",", "\"start\":\"2020-01-01\",", "\"t_score\":-1,", "\"labs\":{},",
    "\"age\":70,", "\"birth_date\":\"1950-01-01\",", "\"menopause\":\"post\",", "\"s\\u0065x\":\"male\",", "\"sexx\":1,", "\"se\":1,",
    "\"sex\\\"\":1,", "\"date \":1,", "\"\":1,", "\"site\" :\"hip\",", "\"s\"", "\"sex\"\"female\","};

/* Each value (after ':' or in a list) swapped for the odd ones. */
static void tokens(ctx *c, const char *text, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char p = i ? text[i - 1] : 0;
    if (p != ':' && p != '[' && !(p == ',' && text[i] != '"')) continue;
    size_t e = i;
    if (text[i] == '"') {
      for (e = i + 1; e < n && text[e] != '"'; e++)
        if (text[e] == '\\') e++;
      e++;
      for (size_t k = 0; k < sizeof strings / sizeof *strings; k++) splice(c, text, n, i, e - i, strings[k]);
    } else if (text[i] == '-' || (text[i] >= '0' && text[i] <= '9') || text[i] == 'n' || text[i] == 't' ||
               text[i] == 'f') {
      while (e < n && !strchr(",}] ", text[e])) e++;
      for (size_t k = 0; k < sizeof numbers / sizeof *numbers; k++) splice(c, text, n, i, e - i, numbers[k]);
      for (size_t k = 0; k < sizeof strings / sizeof *strings; k++) splice(c, text, n, i, e - i, strings[k]);
    }
  }
  for (size_t i = 0; i < n; i++)
    if (text[i] == '{')
      for (size_t k = 0; k < sizeof members / sizeof *members; k++) splice(c, text, n, i + 1, 0, members[k]);
}

/* ---- inputs ------------------------------------------------------------- */

/* Fields and forms the synthetic records do not have: name and
** identifiers, fracture years, dated and undated labs, markers, every
** therapy and medication member, as_of last, extensions, whitespace. */
static const char *const handmade[] = {
    "{\"id\":\"p1\",\"name\":\"Ann Example\",\"identifiers\":[{\"system\":\"urn:oid:1.2\",\"value\":\"123\","
    "\"type\":\"MR\"},{\"system\":\"urn:x\",\"value\":\"9\",\"type\":null}],\"as_of\":\"2026-11-01\","
    "\"sex\":\"female\",\"age\":70.5,\"menopause\":null}",
    "{\"name\":\"Jos\xc3\xa9 \xe5\xb1\xb1\xe7\x94\xb0\",\"identifiers\":[{\"system\":\"s\",\"value\":\"v\",\"type\":\"XX\"},"
    "{\"system\":\"s2\",\"value\":\"v2\",\"type\":\"MR\"}],\"as_of\":\"2026-11-01\",\"sex\":\"male\",\"age\":80}",
    "{\"sex\":\"female\",\"birth_date\":\"1950-03-01\",\"fractures\":[{\"site\":\"hip\",\"year\":2026},"
    "{\"site\":\"wrist\",\"year\":1950,\"mechanism\":\"traumatic\"},{\"site\":\"rib\",\"date\":\"1950-03-01\"}],"
    "\"falls_past_year\":2,\"as_of\":\"2026-03-01\"}",
    "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"birth_date\":\"1951-11-01\",\"age\":75,\"menopause\":\"post\","
    "\"weight_kg\":null,\"height_cm\":null,\"frax\":{\"major_osteoporotic_pct\":21.5,\"hip_pct\":null,"
    "\"date\":\"2026-01-01\"},\"labs\":{\"egfr_ml_min\":null,\"creatinine_clearance_ml_min\":{\"value\":33,"
    "\"date\":\"2026-10-31\"},\"calcium_mg_dl\":9,\"vitamin_d_ng_ml\":{\"date\":\"2026-01-02\",\"value\":0},"
    "\"p1np\":[{\"value\":40,\"date\":\"2025-01-01\"},{\"date\":\"2026-01-01\",\"value\":12.5}],\"ctx\":[]},"
    "\"lifestyle\":{\"smoker\":true,\"alcohol_units_per_day\":null},\"extensions\":{}}",
    "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":66,\"therapies\":[{\"agent\":\"denosumab\","
    "\"start\":\"2020-01-01\",\"end\":\"2027-01-01\",\"last_dose\":\"2026-06-01\",\"doses\":12,"
    "\"stop_reason\":\"patient_choice\",\"adherence\":\"poor\"},{\"agent\":\"alendronate\",\"start\":\"2015-01-01\","
    "\"end\":\"2015-01-01\",\"doses\":null,\"stop_reason\":null,\"adherence\":\"good\",\"last_dose\":null}],"
    "\"medications\":[{\"class\":\"glucocorticoid\",\"dose_mg_per_day\":7.5,\"start\":\"2026-01-01\","
    "\"end\":\"2026-12-31\",\"name\":\"prednisolone \xc2\xa0x\"},{\"class\":\"other\",\"name\":null,"
    "\"dose_mg_per_day\":null,\"start\":null,\"end\":null}],\"conditions\":[{\"code\":\"stroke\",\"date\":null},"
    "{\"code\":\"breast_cancer\",\"date\":\"2000-02-29\"}],\"lifestyle\":{\"smoker\":null},\"id\":null}",
    " \r\n\t{ \"sex\" : \"male\" ,\n \"age\" : 0 , \"bmd\" : [ { \"site\" : \"lumbar_spine\" , \"t_score\" : -2.5 ,"
    " \"bmd_g_cm2\" : 0.8 , \"date\" : \"2026-11-01\" } ] , \"frax\" : null , \"name\" : null , \"as_of\" :"
    " \"2026-11-01\" , \"identifiers\" : [ ] , \"labs\" : { } , \"lifestyle\" : { } } \n ",
};

/* Each line of `osteoplan synth`; the first `mutate` lines mutated too. */
static void synth(ctx *c, const char *args, int mutate) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s' synth %s", bin, args);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  static char line[1 << 16];
  int k = 0;
  while (fgets(line, sizeof line, p)) {
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n') line[--n] = 0;
    check_dates(c, line, n);
    if (k < mutate) {
      bytes(c, line, n);
      tokens(c, line, n);
    }
    k++;
  }
  assert_int_equal(pclose(p), 0);
}

static char *slurp(const char *path, size_t *n) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  char *s = malloc(1 << 20);
  *n = s ? fread(s, 1, (1 << 20) - 1, fp) : 0;
  fclose(fp);
  return s;
}

static void files(ctx *c, const char *dir) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l < 6 || strcmp(e->d_name + l - 5, ".json")) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    size_t n;
    char *s = slurp(path, &n);
    assert_non_null(s);
    check_dates(c, s, n);
    if (n < 4000) tokens(c, s, n);
    if (n < 1500) bytes(c, s, n);
    if (n < 4000) date_fills(c, s, n);
    free(s);
  }
  closedir(d);
}

/* Lists about the limits: identifiers (at most 20), the fast reader's
** own (FAST_MAX_ELEMS, 32) and the knowledge base's list_entries_max. */
static void lists(ctx *c) {
  static const int counts[] = {0, 1, 19, 20, 21, 22, 31, 32, 33, 34, 199, 200, 201};
  static char text[1 << 16];
  for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
    for (int kind = 0; kind < 3; kind++) {
      size_t n = (size_t)snprintf(text, sizeof text, "{\"as_of\":\"2026-11-01\",\"sex\":\"female\",\"age\":70,\"%s\":[",
                                  kind == 0 ? "identifiers" : kind == 1 ? "bmd" : "conditions");
      for (int k = 0; k < counts[i]; k++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", k ? "," : "",
                              kind == 0   ? "{\"system\":\"s\",\"value\":\"v\"}"
                              : kind == 1 ? "{\"site\":\"total_hip\",\"t_score\":-1,\"date\":\"2020-01-01\"}"
                                          : "{\"code\":\"stroke\"}");
      n += (size_t)snprintf(text + n, sizeof text - n, "]}");
      check(c, text, n, NULL, NULL);
    }
  }
}

/* A record longer than the reader's copy on the stack (4096 bytes), read
** from its copy in the arena: whitespace inside, before and after. Is it
** read on the fast path? */
static bool long_text(ctx *c) {
  static char text[12000];
  size_t n = (size_t)snprintf(text, sizeof text, "%4500s{\"as_of\":\"2026-11-01\",\"sex\":\"female\",%4500s\"age\":70}", "", "");
  memset(text + n, ' ', 2000);
  n += 2000;
  check_dates(c, text, n);
  bytes(c, text + 4400, n - 4400);
  return record_read_fast(c->a2, c->kb, text, n, NULL, NULL, &(op_record){0});
}

static void test_agree(void **state) {
  (void)state;
  op_error err;
  ctx c = {op_kb_load_default(&err), arena_create(1 << 16), arena_create(1 << 16), arena_create(1 << 16), 0, 0, 0, 0};
  assert_non_null(c.kb);
  synth(&c, "--count 3000 --seed 1", 0);
  long good = c.strict_ok, fast = c.fast_ok;
  synth(&c, "--count 2000 --seed 2", 6);
  synth(&c, "--count 2000 --seed 3 --bad-rate 0.3", 4);
  synth(&c, "--count 500 --seed 4 --as-of 2024-02-29", 2);
  for (int i = 0; i < n_dirs; i++) files(&c, dirs[i]);
  lists(&c);
  bool long_ok = long_text(&c);
  long hand_ok = 0;
  for (size_t i = 0; i < sizeof handmade / sizeof *handmade; i++) {
    size_t n = strlen(handmade[i]);
    hand_ok += record_read_fast(c.a2, c.kb, handmade[i], n, NULL, NULL, &(op_record){0});
    check_dates(&c, handmade[i], n);
    tokens(&c, handmade[i], n);
    bytes(&c, handmade[i], n);
    date_fills(&c, handmade[i], n);
  }
  printf("%ld reads, strict reader accepted %ld, fast reader %ld; first synth set: %ld of %ld fast; %ld different\n",
         c.reads, c.strict_ok, c.fast_ok, fast, good, c.failures);
  arena_destroy(c.a1);
  arena_destroy(c.a2);
  arena_destroy(c.a3);
  op_kb_free((op_kb *)c.kb);
  assert_int_equal(c.failures, 0);
  /* the fast reader takes nearly every good record, or it is no faster */
  assert_true(good > 10000 && fast * 100 >= good * 99);
  assert_int_equal(hand_ok, sizeof handmade / sizeof *handmade); /* each read on the fast path */
  assert_true(long_ok);
}

/* The fast reader's dates against date_parse: every year 0000..9999 with
** months 00..13 and days 00..32, every month/day pair 00..99 in a leap, a
** common, a century and a 400-year year, and every byte of a few dates
** replaced by each of the 256 values. */
static long date_differs(const char *s) {
  op_date a = 12345, b = 12345;
  bool fa = record_fast_date10(s, &a), fb = date_parse(s, 10, &b);
  if (fa == fb && a == b) return 0;
  fprintf(stderr, "date %.10s: fast %d %d, date_parse %d %d\n", s, fa, a, fb, b);
  return 1;
}

static void test_dates(void **state) {
  (void)state;
  char s[11];
  long bad = 0, n = 0;
  for (int y = 0; y <= 9999; y++)
    for (int m = 0; m <= 13; m++)
      for (int d = 0; d <= 32; d++, n++) {
        snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
        bad += date_differs(s);
      }
  static const int years[] = {2024, 2023, 1900, 2000, 1, 9999};
  for (size_t i = 0; i < sizeof years / sizeof *years; i++)
    for (int md = 0; md < 10000; md++, n++) {
      snprintf(s, sizeof s, "%04d-%02d-%02d", years[i], md / 100, md % 100);
      bad += date_differs(s);
    }
  static const char *const dates[] = {"2024-02-29", "1999-12-31", "0001-01-01", "9999-12-31", "2026-11-01"};
  for (size_t i = 0; i < sizeof dates / sizeof *dates; i++)
    for (int at = 0; at < 10; at++)
      for (int c = 0; c < 256; c++, n++) {
        memcpy(s, dates[i], 11);
        s[at] = (char)c;
        bad += date_differs(s);
      }
  printf("%ld dates compared, %ld different\n", n, bad);
  assert_int_equal(bad, 0);
}

/* The fast reader's inline code lookups (record_fast_codes.h) against
** op_code_lookup_len on each table: every name, every name cut short or
** made longer, each byte of it replaced by each of the 256 values, and
** every name of every other list. The text is followed by its closing
** quote and zero bytes, as in the reader's padded copy. */
typedef struct {
  int (*fast)(const char *s, size_t len);
  const char *const *str;
  const unsigned char *len;
  int n;
} code_table;
#define CODE_TABLE(name) {fast_code_##name, op_##name##_str, op_##name##_len, OP_N_##name}

static long code_differs(const code_table *t, const char *s, size_t n) {
  char padded[128] = {0};
  if (n + 1 > 64) return 0;
  memcpy(padded, s, n);
  padded[n] = '"';
  int a = t->fast(padded, n), b = op_code_lookup_len(t->str, t->len, t->n, padded, n);
  if (a == b) return 0;
  fprintf(stderr, "code %.*s: fast %d, table %d\n", (int)n, padded, a, b);
  return 1;
}

static void test_codes(void **state) {
  (void)state;
  static const code_table tables[] = {CODE_TABLE(sex),         CODE_TABLE(menopause), CODE_TABLE(site),
                                      CODE_TABLE(fx_site),     CODE_TABLE(mechanism), CODE_TABLE(stop_reason),
                                      CODE_TABLE(med_class),   CODE_TABLE(condition)};
  const size_t nt = sizeof tables / sizeof *tables;
  long bad = 0, n = 0, found = 0;
  char w[64];
  for (size_t t = 0; t < nt; t++) {
    bad += code_differs(&tables[t], "", 0), n++;
    for (size_t u = 0; u < nt; u++) /* every name of every list, this one's included */
      for (int i = 0; i < tables[u].n; i++, n++) {
        const char *name = tables[u].str[i];
        size_t len = strlen(name);
        bad += code_differs(&tables[t], name, len);
        found += u == t && tables[t].fast(name, len) == i;
        if (u != t) continue;
        for (size_t k = 0; k < len; k++, n++) bad += code_differs(&tables[t], name, k); /* cut short */
        snprintf(w, sizeof w, "%sx", name);
        bad += code_differs(&tables[t], w, len + 1), n++;
        for (size_t at = 0; at < len; at++)
          for (int c = 0; c < 256; c++, n++) {
            memcpy(w, name, len);
            w[at] = (char)c;
            bad += code_differs(&tables[t], w, len);
          }
      }
  }
  long names = 0;
  for (size_t t = 0; t < nt; t++) names += tables[t].n;
  printf("%ld code lookups compared, %ld different, %ld of %ld names found\n", n, bad, found, names);
  assert_int_equal(bad, 0);
  assert_int_equal(found, names);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s OSTEOPLAN_BINARY DIR...\n", argv[0]);
    return 2;
  }
  bin = argv[1];
  dirs = argv + 2;
  n_dirs = argc - 2;
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_dates), cmocka_unit_test(test_codes), cmocka_unit_test(test_agree)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
