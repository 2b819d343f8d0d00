/*
** test_kb_names.c: kb_fhir_lookup by name (drug names in display texts)
** against the plain search it replaced: every name row tried with
** has_word, the longest that occurs as a whole word winning, the first of
** equals. Texts: every name alone, inside words, at either end, next to
** other names, in upper case, with punctuation and digits around, and
** random mixes of names and bytes. Any difference fails.
*/
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kb/kb.h"
#include "kb/kb_fhir.h"

/* The search before the index, verbatim in effect: lower case, then each
** row's name as a whole word (strstr), the longest wins. */
static bool ref_has_word(const char *low, const char *word) {
  size_t n = strlen(word);
  for (const char *p = strstr(low, word); p; p = strstr(p + 1, word)) {
    bool left = p == low || !isalnum((unsigned char)p[-1]);
    if (left && !isalnum((unsigned char)p[n])) return true;
  }
  return false;
}

static const fhir_row *ref_lookup(const kb_fhir *f, const char *text, size_t len) {
  char low[512];
  if (len >= sizeof low || memchr(text, 0, len)) return NULL;
  for (size_t i = 0; i < len; i++) low[i] = (char)tolower((unsigned char)text[i]);
  low[len] = 0;
  const fhir_row *rows;
  int n = kb_fhir_rows(f, FS_NAME, &rows);
  const fhir_row *best = NULL;
  for (int i = 0; i < n; i++)
    if (ref_has_word(low, rows[i].code) && (!best || strlen(rows[i].code) > strlen(best->code))) best = &rows[i];
  return best;
}

static int checked, differ;

static void check(const kb_fhir *f, const char *text, size_t len) {
  const fhir_row *got = kb_fhir_lookup(f, FS_NAME, text, len), *want = ref_lookup(f, text, len);
  checked++;
  if (got != want && differ++ < 5)
    fprintf(stderr, "differ on '%.*s': %s vs reference %s\n", (int)len, text, got ? got->code : "(none)",
            want ? want->code : "(none)");
}

static void check_s(const kb_fhir *f, const char *text) { check(f, text, strlen(text)); }

static void names_match_reference(void **state) {
  (void)state;
  char err[256], buf[600];
  op_kb *kb = kb_load_default(err, sizeof err);
  assert_non_null(kb);
  const kb_fhir *f = kb->fhir;
  const fhir_row *rows;
  int n = kb_fhir_rows(f, FS_NAME, &rows);
  assert_true(n > 10);
  static const char *const around[] = {"", " ", "x", "1", "-", "(", ")", "/", "ab", "Z9", ".", "\xc3\xa9"};
  const int na = (int)(sizeof around / sizeof *around);
  for (int i = 0; i < n; i++) {
    const char *w = rows[i].code;
    for (int l = 0; l < na; l++)
      for (int r = 0; r < na; r++) {
        snprintf(buf, sizeof buf, "%s%s%s", around[l], w, around[r]);
        check_s(f, buf);
        for (char *p = buf; *p; p++) *p = (char)toupper((unsigned char)*p);
        check_s(f, buf);
      }
    snprintf(buf, sizeof buf, "%s 10 MG Oral Tablet", w);
    check_s(f, buf);
    check(f, w, strlen(w) > 0 ? strlen(w) - 1 : 0); /* cut short */
    for (int j = 0; j < n; j += 7) {                /* two names, either order, joined or not */
      snprintf(buf, sizeof buf, "%s %s", w, rows[j].code);
      check_s(f, buf);
      snprintf(buf, sizeof buf, "%s%s and %s", rows[j].code, w, w);
      check_s(f, buf);
    }
  }
  /* random texts of name pieces and bytes, any length up to past the limit */
  unsigned seed = 12345;
  for (int t = 0; t < 20000; t++) {
    size_t len = 0;
    int parts = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 8;
    for (int k = 0; k < parts && len < sizeof buf - 80; k++) {
      seed = seed * 1103515245u + 12345u;
      const char *w = rows[(seed >> 16) % (unsigned)n].code;
      size_t wl = strlen(w), cut = (seed >> 8) % 4 == 0 ? (seed >> 4) % (wl + 1) : wl;
      memcpy(buf + len, w, cut);
      len += cut;
      seed = seed * 1103515245u + 12345u;
      buf[len++] = " -x1(/\x01\xc3"[(seed >> 16) % 8];
    }
    check(f, buf, len);
  }
  memset(buf, 'a', sizeof buf);
  check(f, buf, 511);
  check(f, buf, 512); /* too long: no name, as before */
  check(f, "alendronate\0x", 13);
  fprintf(stderr, "%d texts, %d differ\n", checked, differ);
  assert_int_equal(differ, 0);
  kb_free(kb);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(names_match_reference)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
