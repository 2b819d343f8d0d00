/*
** fuzz_jwt: libFuzzer harness for the JWT checker PAST the signature. The
** input is "HEADER\0CLAIMS" (no NUL: CLAIMS alone under a plain ES256
** header); both texts are signed here with the test private key
** (tests/server/keys/ehr-es256.key), so every input reaches the checks
** after the signature: repeated members, crit, the pinned algorithm,
** audience, numbers, lifetime, nbf, the jti cache (small, so it fills and
** empties). A token the checker accepts is read again by jansson, which
** must agree on every claim (as the differential test does): a
** disagreement, a crash or a sanitizer report is a finding.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jws_sign.h"
#include "jwt_jansson.h"
#include "server/jwt_check.h"

#include "fuzz_key.h" /* FUZZ_ES256_KEY, FUZZ_ES256_PEM */

#define AUD "http://127.0.0.1:8080/cds-services/osteoplan-patient-view"
#define NOW 1793491200L

typedef struct {
  jwt_checker *c;
  EVP_PKEY *priv;
} state;

static state *setup(void) {
  static state s; /* the harness's one instance, made on the first input */
  if (s.c) return &s;
  jwt_issuer is = {"https://ehr.example.org", NULL, FUZZ_ES256_PEM, sizeof FUZZ_ES256_PEM - 1, NULL};
  jwt_limits lim = {60, 300, 64};
  char err[256];
  s.c = jwt_checker_new(&is, 1, &lim, err, sizeof err);
  s.priv = jws_private_key(FUZZ_ES256_KEY, sizeof FUZZ_ES256_KEY - 1);
  if (!s.c || !s.priv) __builtin_trap();
  return &s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  state *s = setup();
  static const char plain[] = "{\"alg\":\"ES256\",\"typ\":\"JWT\"}";
  const char *in = (const char *)data, *nul = memchr(in, 0, size);
  const char *h = nul ? in : plain, *c = nul ? nul + 1 : in;
  size_t hl = nul ? (size_t)(nul - in) : sizeof plain - 1, cl = nul ? size - hl - 1 : size;
  char *t = jws_sign("ES256", s->priv, NULL, 0, h, hl, c, cl);
  if (!t) return 0;
  char *authz = malloc(strlen(t) + 8);
  if (!authz) return free(t), 0;
  memcpy(authz, "Bearer ", 7);
  memcpy(authz + 7, t, strlen(t) + 1);
  arena *a = arena_create(4096);
  jwt_claims out;
  char msg[256], why[256];
  /* the clock moves with the input's length, so entries of the jti cache expire */
  long now = NOW + (long)(size % 512);
  int rc = a ? jwt_check_claims(s->c, authz, AUD, now, a, &out, msg, sizeof msg) : JWT_REFUSED;
  if (rc != JWT_OK && rc != JWT_REFUSED && rc != JWT_BUSY) __builtin_trap();
  if (getenv("FUZZ_JWT_VERBOSE")) fprintf(stderr, "%d %s\n", rc, rc ? msg : "accepted");
  if (rc == JWT_OK && !jansson_agrees(h, hl, c, cl, &out, AUD, why, sizeof why)) {
    fprintf(stderr, "jansson disagrees on an accepted token: %s\n", why);
    __builtin_trap();
  }
  arena_destroy(a);
  free(authz);
  free(t);
  return 0;
}
