/*
** test_json_diff.c: the fast paths of issue 19 against what they replaced.
**
** json_parse against json_parse_ref (the tokenizer before its fast paths,
** kept verbatim in json_parse_ref.c): on documents shaped like requests
** (spaces after colons and commas as json.dumps writes them, compact, and
** pretty), on the vignettes and a FHIR export, and on many mutants of each
** (bytes replaced with every value, inserted, deleted, the text cut short),
** the two must agree exactly: the result, the refusal message with its line
** and column, and every token; json_string must decode every string token
** as json_string_ref does. json_escape and jw_key against a byte-at-a-time
** escaper, on every byte value at every offset of short and long strings.
**
** usage: test_json_diff DIR... (files of JSON to take as seeds)
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json/json.h"
#include "json/json_write.h"
#include "util/arena.h"
#include "util/strbuf.h"

int json_parse_ref(arena *a, const char *text, size_t len, json_doc *doc, char *msg, size_t msgsz);
char *json_string_ref(arena *a, const json_doc *d, int i, size_t *len);

/* The seed folders (the command line), for the test through cmocka's state. */
typedef struct {
  char **dirs;
  int ndirs;
} seeds;

/* Parses text with both; fails the test at the first difference. */
static void agree(const char *text, size_t len, long *compared) {
  arena *a = arena_create(64 * 1024);
  assert_non_null(a);
  json_doc d1, d2;
  char m1[256] = "", m2[256] = "";
  int r1 = json_parse(a, text, len, &d1, m1, sizeof m1);
  int r2 = json_parse_ref(a, text, len, &d2, m2, sizeof m2);
  if (r1 != r2 || strcmp(m1, m2)) {
    fprintf(stderr, "differ on %zu bytes: %d '%s' vs reference %d '%s'\n", len, r1, m1, r2, m2);
    fail();
  }
  (*compared)++;
  if (r1 == 0) {
    assert_int_equal(d1.ntok, d2.ntok);
    assert_memory_equal(d1.tok, d2.tok, (size_t)d1.ntok * sizeof(json_tok));
    for (int i = 0; i < d1.ntok; i++) {
      if (d1.tok[i].type != JT_STRING) continue;
      size_t n1, n2;
      char *s1 = json_string(a, &d1, i, &n1), *s2 = json_string_ref(a, &d2, i, &n2);
      assert_int_equal(n1, n2);
      assert_memory_equal(s1, s2, n1 + 1);
    }
  }
  arena_destroy(a);
}

static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Mutants of seed: a byte replaced (any value, or one the grammar cares
** about), inserted or deleted, or the text cut short; each parsed by both. */
static void mutants(const char *seed, size_t len, int count, uint64_t *rs, long *compared) {
  static const char interesting[] = " \t\n\r:,{}[]\"\\/-+.0123456789eEtfnu\xc2\x80\x9f\xff\xed\xf4";
  char *buf = malloc(len + 8);
  assert_non_null(buf);
  for (int k = 0; k < count; k++) {
    memcpy(buf, seed, len);
    size_t n = len, at = len ? (size_t)(next_rand(rs) % len) : 0;
    uint64_t r = next_rand(rs);
    char b = (r & 1) ? (char)(r >> 8) : interesting[(r >> 8) % (sizeof interesting - 1)];
    switch ((r >> 16) % 4) {
      case 0: if (n) buf[at] = b; break;
      case 1: memmove(buf + at + 1, buf + at, n - at); buf[at] = b; n++; break;
      case 2: if (n) { memmove(buf + at, buf + at + 1, n - at - 1); n--; } break;
      default: n = at; break;
    }
    agree(buf, n, compared);
  }
  free(buf);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(1 << 20);
  size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
  fclose(f);
  *len = n;
  return buf;
}

/* Request-shaped documents written three ways, and the seed files. */
static void test_parse_diff(void **state) {
  const seeds *sd = *state;
  long compared = 0;
  static const char *const shapes[] = {
      ("{\"hook\": \"patient-view\", \"context\": {\"patientId\": \"p-1\", \"n\": [1, -2.5e3, true, false, null]}, "
       "\"prefetch\": {\"patient\": {\"resourceType\": \"Patient\", \"name\": [{\"given\": [\"Ana\\u00e9\", \"\\ud83d\\ude00\"]}]}}}"),
      "{\"a\":{\"b\":[{\"c\":\"d\"},{}],\"e\":[]},\"f\":\"\xc3\xa9t\xc3\xa9 is a long string of plain text\\n\",\"g\":0}",
      "{\n  \"a\" : [\n    1 ,\n    \"x\"\n  ] ,\n  \"b\" : { }\n}\n",
      "[\"0123456789abcdef0123456789\", \"0123456789abcdef\\\"0123\", {\"k\": \"v\"}, [[[]]]]",
  };
  uint64_t rs = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
    agree(shapes[i], strlen(shapes[i]), &compared);
    mutants(shapes[i], strlen(shapes[i]), 20000, &rs, &compared);
  }
  int files = 0;
  for (int k = 0; k < sd->ndirs; k++) {
    DIR *dir = opendir(sd->dirs[k]);
    assert_non_null(dir);
    for (struct dirent *e; (e = readdir(dir));) {
      size_t nl = strlen(e->d_name);
      if (nl < 6 || (strcmp(e->d_name + nl - 5, ".json") && strcmp(e->d_name + nl - 7, ".ndjson"))) continue;
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", sd->dirs[k], e->d_name);
      size_t len;
      char *text = slurp(path, &len);
      assert_non_null(text);
      agree(text, len, &compared);
      mutants(text, len < 4096 ? len : 4096, 300, &rs, &compared); /* the first 4 KB: the mutants stay quick */
      free(text);
      files++;
    }
    closedir(dir);
  }
  fprintf(stderr, "%d seed files, %ld documents parsed by both\n", files, compared);
  assert_true(files > 0);
}

/* The escaper as it was written byte by byte (json_write.h's contract). */
static void escape_ref(strbuf *b, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  sb_putc(b, '"');
  for (; *p; p++) {
    if (*p == '"') sb_puts(b, "\\\"");
    else if (*p == '\\') sb_puts(b, "\\\\");
    else if (*p == '\n') sb_puts(b, "\\n");
    else if (*p == '\r') sb_puts(b, "\\r");
    else if (*p == '\t') sb_puts(b, "\\t");
    else if (*p < 0x20 || *p == 0x7f) sb_printf(b, "\\u%04x", *p);
    else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) sb_printf(b, "\\u%04x", *++p);
    else sb_putn(b, (const char *)p, 1);
  }
  sb_putc(b, '"');
}

/* Every byte value, alone and beside 0xc2, at every offset of strings of
** 0 to 40 bytes: json_escape and jw_key (a key) as escape_ref. */
static void test_escape_diff(void **s) {
  (void)s;
  arena *a = arena_create(1 << 16);
  long checked = 0;
  for (int len = 1; len <= 40; len++)
    for (int at = 0; at < len; at++)
      for (int c = 1; c < 256; c++)
        for (int c1 = 0; c1 < 2; c1++) {
          char in[48];
          memset(in, 'k', (size_t)len);
          in[len] = 0;
          in[at] = (char)c;
          if (c1 && at > 0) in[at - 1] = (char)0xc2; /* 0xc2, then c: a C1 control or not */
          strbuf want, got, key;
          sb_init(&want, a);
          sb_init(&got, a);
          sb_init(&key, a);
          escape_ref(&want, in);
          json_escape(&got, in);
          assert_string_equal(sb_str(&got), sb_str(&want));
          jwriter w;
          jw_init(&w, &key, false);
          jw_obj(&w);
          jw_key(&w, in);
          jw_null(&w);
          sb_puts(&want, ":null");
          assert_string_equal(sb_str(&key) + 1, sb_str(&want));
          checked++;
          if (checked % 4096 == 0) { /* keep the arena small */
            arena_destroy(a);
            a = arena_create(1 << 16);
          }
        }
  arena_destroy(a);
  fprintf(stderr, "%ld strings escaped by both\n", checked);
}

int main(int argc, char **argv) {
  seeds sd = {argv + 1, argc - 1};
  const struct CMUnitTest tests[] = {cmocka_unit_test_prestate(test_parse_diff, &sd), cmocka_unit_test(test_escape_diff)};
  return cmocka_run_group_tests_name("json_diff", tests, NULL, NULL);
}
