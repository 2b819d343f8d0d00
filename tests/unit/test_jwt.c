/*
** test_jwt.c: the token checker in-process, at its exact boundaries (a
** fixed clock): repeated members after unescaping, the pinned algorithm,
** crit, numbers, lifetime, exp/iat/nbf against the skew, the jti cache
** (replay, full -> JWT_BUSY, recovery, many entries), and threads.
*/
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jws_sign.h"
#include "json/json_dupkey.h"
#include "server/jwt_check.h"
#include "server/jwt_keys.h"
#include "server/jwt_replay.h"

#define NOW 1793491200L /* 2026-11-01 */
#define AUD "https://cds.test/cds-services/x"
#define ISS "https://ehr.test"

static char *slurp(const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", OSTEOPLAN_KEYS, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *b = calloc(1, 65536);
  assert_non_null(b);
  *len = fread(b, 1, 65535, f);
  fclose(f);
  return b;
}

typedef struct {
  jwt_checker *c;
  EVP_PKEY *es256, *es384;
  char *pem256;
  size_t pem256_len;
} fixture;

static jwt_checker *checker(size_t replay_max, char *err, size_t errsz, const char *alg256) {
  size_t l1, l2, l3;
  char *p1 = slurp("ehr-es256.pem", &l1), *p2 = slurp("ehr-es384.pem", &l2), *p3 = slurp("ehr-rs384.pem", &l3);
  jwt_issuer is[3] = {{ISS, "k256", p1, l1, alg256}, {ISS, "k384", p2, l2, NULL}, {ISS, "krsa", p3, l3, NULL}};
  jwt_limits lim = {60, 300, replay_max};
  jwt_checker *c = jwt_checker_new(is, 3, &lim, err, errsz);
  free(p1), free(p2), free(p3);
  return c;
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  char err[256];
  f->c = checker(1000, err, sizeof err, NULL);
  size_t n;
  char *k = slurp("ehr-es256.key", &n);
  f->es256 = jws_private_key(k, n);
  free(k);
  k = slurp("ehr-es384.key", &n);
  f->es384 = jws_private_key(k, n);
  free(k);
  f->pem256 = slurp("ehr-es256.pem", &f->pem256_len);
  assert_true(f->c && f->es256 && f->es384);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  jwt_checker_free(f->c);
  EVP_PKEY_free(f->es256);
  EVP_PKEY_free(f->es384);
  free(f->pem256);
  free(f);
  return 0;
}

/* Signs header/claims texts (ES256 with the k256 key unless alg says otherwise) and checks. */
static int run_with(fixture *f, jwt_checker *c, const char *alg, const char *hdr, const char *claims, long now) {
  EVP_PKEY *k = !strcmp(alg, "ES384") ? f->es384 : f->es256;
  char *t = jws_sign(alg, k, f->pem256, f->pem256_len, hdr, strlen(hdr), claims, strlen(claims));
  assert_non_null(t);
  char authz[20000], msg[256];
  snprintf(authz, sizeof authz, "Bearer %s", t);
  free(t);
  int rc = jwt_check(c, authz, AUD, now, msg, sizeof msg);
  if (rc && getenv("JWT_TEST_VERBOSE")) fprintf(stderr, "  %s | %s: %s\n", hdr, claims, msg);
  return rc;
}

#define H256 "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"k256\"}"
static int jti_n;

/* Claims with a fresh jti, and `extra` members added. */
static int claims_run(fixture *f, long exp, long iat, const char *extra, long now) {
  char c[4096];
  snprintf(c, sizeof c, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":%ld,\"iat\":%ld,\"jti\":\"j-%d\"%s%s}", exp,
           iat, ++jti_n, *extra ? "," : "", extra);
  return run_with(f, f->c, "ES256", H256, c, now);
}

static void test_boundaries(void **state) {
  fixture *f = *state;
  assert_int_equal(claims_run(f, NOW + 300, NOW, "", NOW), JWT_OK);
  assert_int_equal(claims_run(f, NOW + 301, NOW, "", NOW), JWT_REFUSED);      /* lifetime one over */
  assert_int_equal(claims_run(f, NOW - 60, NOW - 100, "", NOW), JWT_OK);      /* exp at the skew */
  assert_int_equal(claims_run(f, NOW - 61, NOW - 100, "", NOW), JWT_REFUSED); /* one second past */
  assert_int_equal(claims_run(f, NOW + 100, NOW + 60, "", NOW), JWT_OK);      /* iat at the skew */
  assert_int_equal(claims_run(f, NOW + 100, NOW + 61, "", NOW), JWT_REFUSED);
  assert_int_equal(claims_run(f, NOW + 100, NOW, "\"nbf\":1793491260", NOW), JWT_OK); /* nbf = now + skew */
  assert_int_equal(claims_run(f, NOW + 100, NOW, "\"nbf\":1793491261", NOW), JWT_REFUSED);
  assert_int_equal(claims_run(f, NOW - 1, NOW, "", NOW), JWT_REFUSED); /* exp before iat */
}

static void test_numbers(void **state) {
  fixture *f = *state;
  static const char *const bad[] = {"1e19", "10000000000000000000", "1e400", "-1", "1793491300.5", "1.7934913e9",
                                    "\"1793491300\"", "253402300800", "null", "true", "{}", "-0"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char c[512];
    snprintf(c, sizeof c, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":%s,\"iat\":%ld,\"jti\":\"n-%zu\"}", bad[i],
             NOW, i);
    assert_int_equal(run_with(f, f->c, "ES256", H256, c, NOW), JWT_REFUSED);
    snprintf(c, sizeof c, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":%ld,\"iat\":%s,\"jti\":\"m-%zu\"}",
             NOW + 10, bad[i], i);
    assert_int_equal(run_with(f, f->c, "ES256", H256, c, NOW), JWT_REFUSED);
    snprintf(c, sizeof c, "\"nbf\":%s", bad[i]);
    assert_int_equal(claims_run(f, NOW + 10, NOW, c, NOW), JWT_REFUSED);
  }
  /* anywhere in the claims: what a 64-bit parser cannot hold */
  assert_int_equal(claims_run(f, NOW + 10, NOW, "\"x\":99999999999999999999", NOW), JWT_REFUSED);
  assert_int_equal(claims_run(f, NOW + 10, NOW, "\"x\":[1e999]", NOW), JWT_REFUSED);
  assert_int_equal(claims_run(f, NOW + 10, NOW, "\"x\":-9223372036854775808", NOW), JWT_OK);
  assert_int_equal(claims_run(f, NOW + 10, NOW, "\"x\":1e-400", NOW), JWT_OK);
}

static void test_duplicates(void **state) {
  fixture *f = *state;
  assert_int_equal(claims_run(f, NOW + 10, NOW, "\"iss\":\"" ISS "\"", NOW), JWT_REFUSED);
  assert_int_equal(claims_run(f, NOW + 10, NOW, "\"\\u0069ss\":\"x\"", NOW), JWT_REFUSED);
  assert_int_equal(claims_run(f, NOW + 10, NOW, "\"o\":{\"a\":[{\"k\\u00e9\":1,\"k\xc3\xa9\":2}]}", NOW), JWT_REFUSED);
  assert_int_equal(claims_run(f, NOW + 10, NOW, "\"o\":{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", NOW), JWT_REFUSED);
  assert_int_equal(claims_run(f, NOW + 10, NOW, "\"o\":{\"a\":1},\"p\":{\"a\":1}", NOW), JWT_OK);
  char c[512];
  snprintf(c, sizeof c, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":%ld,\"iat\":%ld,\"jti\":\"d-1\"}", NOW + 10, NOW);
  assert_int_equal(run_with(f, f->c, "ES256", "{\"alg\":\"ES256\",\"kid\":\"k256\",\"alg\":\"ES256\"}", c, NOW), JWT_REFUSED);
  assert_int_equal(run_with(f, f->c, "ES256", "{\"alg\":\"ES256\",\"kid\":\"k256\",\"al\\u0067\":\"HS256\"}", c, NOW),
                   JWT_REFUSED);
  assert_int_equal(run_with(f, f->c, "HS256", "{\"alg\":\"ES256\",\"kid\":\"k256\",\"alg\":\"HS256\"}", c, NOW), JWT_REFUSED);
  /* the facility itself */
  arena *a = arena_create(4096);
  json_doc d;
  char msg[64];
  const char *t = "{\"a\":1,\"b\":{\"x\":1,\"y\":[{\"z\":1,\"\\u007a\":2}]}}";
  assert_int_equal(json_parse(a, t, strlen(t), &d, msg, sizeof msg), 0);
  assert_true(json_duplicate_key(a, &d) >= 0);
  t = "{\"a\":1,\"b\":{\"a\":1,\"y\":[{\"a\":1},{\"a\":2}]}}";
  assert_int_equal(json_parse(a, t, strlen(t), &d, msg, sizeof msg), 0);
  assert_int_equal(json_duplicate_key(a, &d), -1);
  arena_destroy(a);
}

static void test_algorithms(void **state) {
  fixture *f = *state;
  char c[512];
  snprintf(c, sizeof c, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":%ld,\"iat\":%ld,\"jti\":\"a-1\"}", NOW + 10, NOW);
  /* the right key, its algorithm named otherwise */
  assert_int_equal(run_with(f, f->c, "ES256", "{\"alg\":\"ES384\",\"kid\":\"k256\"}", c, NOW), JWT_REFUSED);
  assert_int_equal(run_with(f, f->c, "HS256", "{\"alg\":\"HS256\",\"kid\":\"k256\"}", c, NOW), JWT_REFUSED);
  assert_int_equal(run_with(f, f->c, "ES256", "{\"alg\":\"none\",\"kid\":\"k256\"}", c, NOW), JWT_REFUSED);
  assert_int_equal(run_with(f, f->c, "ES256", "{\"alg\":\"ES256\",\"kid\":\"k256\",\"crit\":[]}", c, NOW), JWT_REFUSED);
  assert_int_equal(run_with(f, f->c, "ES384", "{\"alg\":\"ES384\",\"kid\":\"k384\"}", c, NOW), JWT_OK);
  /* the ES384 key's token for the ES256 issuer */
  snprintf(c, sizeof c, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":%ld,\"iat\":%ld,\"jti\":\"a-2\"}", NOW + 10, NOW);
  assert_int_equal(run_with(f, f->c, "ES384", "{\"alg\":\"ES384\",\"kid\":\"k256\"}", c, NOW), JWT_REFUSED);
  /* pinning checked against the key at start-up */
  char err[256];
  assert_null(checker(10, err, sizeof err, "ES384"));
  assert_non_null(strstr(err, "does not fit"));
  assert_null(checker(10, err, sizeof err, "HS256"));
  jwt_checker *c2 = checker(10, err, sizeof err, "ES256");
  assert_non_null(c2);
  jwt_checker_free(c2);
  static const char junk[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  assert_null(jwt_key_load(junk, sizeof junk - 1, NULL, err, sizeof err));
}

static void test_claims_out(void **state) {
  fixture *f = *state;
  const char *c = "{\"iss\":\"" ISS "\",\"aud\":[\"x\",\"" AUD "\"],\"exp\":1793491300,\"iat\":1793491200,"
                  "\"nbf\":1793491100,\"jti\":\"o-\\u00e9\"}";
  char *t = jws_sign("ES256", f->es256, NULL, 0, H256, strlen(H256), c, strlen(c));
  char authz[4096], msg[256];
  snprintf(authz, sizeof authz, "Bearer %s", t);
  free(t);
  arena *a = arena_create(4096);
  jwt_claims out;
  assert_int_equal(jwt_check_claims(f->c, authz, AUD, NOW, a, &out, msg, sizeof msg), JWT_OK);
  assert_string_equal(out.alg, "ES256");
  assert_string_equal(out.kid, "k256");
  assert_string_equal(out.jti, "o-\xc3\xa9");
  assert_true(out.exp == 1793491300 && out.iat == 1793491200 && out.nbf == 1793491100);
  assert_int_equal(jwt_check_claims(f->c, authz, AUD, NOW, a, &out, msg, sizeof msg), JWT_REFUSED);
  assert_non_null(strstr(msg, "replay"));
  arena_destroy(a);
}

static void test_full_cache(void **state) {
  fixture *f = *state;
  char err[256];
  jwt_checker *small = checker(2, err, sizeof err, NULL);
  assert_non_null(small);
  char c[512];
  for (int i = 0; i < 3; i++) {
    snprintf(c, sizeof c, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":%ld,\"iat\":%ld,\"jti\":\"f-%d\"}",
             NOW + 10, NOW, i);
    assert_int_equal(run_with(f, small, "ES256", H256, c, NOW), i < 2 ? JWT_OK : JWT_BUSY);
  }
  /* exp + skew is NOW + 70: at NOW + 70 still held, at NOW + 71 dropped */
  snprintf(c, sizeof c, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":%ld,\"iat\":%ld,\"jti\":\"f-9\"}", NOW + 80,
           NOW + 70);
  assert_int_equal(run_with(f, small, "ES256", H256, c, NOW + 70), JWT_BUSY);
  assert_int_equal(run_with(f, small, "ES256", H256, c, NOW + 71), JWT_OK);
  jwt_checker_free(small);
}

static void test_replay_table(void **state) {
  (void)state;
  enum { N = 200000 };
  jwt_replay *r = jwt_replay_new(N);
  assert_non_null(r);
  char k[32];
  for (int i = 0; i < N; i++) {
    int n = snprintf(k, sizeof k, "iss\n%d", i);
    assert_int_equal(jwt_replay_use(r, k, (size_t)n, 100 + i % 50, 0), REPLAY_FIRST);
  }
  for (int i = 0; i < N; i += 7) {
    int n = snprintf(k, sizeof k, "iss\n%d", i);
    assert_int_equal(jwt_replay_use(r, k, (size_t)n, 100, 0), REPLAY_SEEN);
  }
  assert_int_equal(jwt_replay_use(r, "new", 3, 100, 0), REPLAY_FULL);
  assert_int_equal(jwt_replay_use(r, "new", 3, 200, 130), REPLAY_FIRST); /* one sweep frees them all */
  assert_int_equal(jwt_replay_use(r, "iss\n7", 5, 200, 130), REPLAY_FIRST);
  jwt_replay_free(r);
}

typedef struct {
  fixture *f;
  int id, ok;
} worker;

static void *work(void *p) {
  worker *w = p;
  for (int i = 0; i < 40; i++) {
    char c[512];
    snprintf(c, sizeof c, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":%ld,\"iat\":%ld,\"jti\":\"t-%d\"}",
             NOW + 10, NOW, i);
    w->ok += run_with(w->f, w->f->c, "ES256", H256, c, NOW) == JWT_OK;
  }
  return NULL;
}

/* Four threads present the same 40 jti values: each is accepted once. */
static void test_threads(void **state) {
  fixture *f = *state;
  pthread_t t[4];
  worker w[4];
  for (int i = 0; i < 4; i++) {
    w[i] = (worker){f, i, 0};
    assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
  }
  int ok = 0;
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    ok += w[i].ok;
  }
  assert_int_equal(ok, 40);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_boundaries), cmocka_unit_test(test_numbers),    cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_algorithms), cmocka_unit_test(test_claims_out), cmocka_unit_test(test_full_cache),
      cmocka_unit_test(test_replay_table), cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
