/*
** fuzz_cds: libFuzzer harness for the CDS Hooks request handler: the
** Authorization header through the JWT checker (header and claims read by
** our strict reader before libcrypto sees a signature; fuzz_jwt goes past
** the signature) and the body through
** both services and /api/assess, as server.c calls them. The input is
** "HEADER\n\nSBODY": the byte S picks the endpoint. Every
** answer must be a status with a JSON body.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osteoplan.h"
#include "server/cds.h"
#include "server/jwt_check.h"

/* A public key for the checker to hold (tests/server/keys/ehr-es384.pub). */
#include "fuzz_key.h"
#include "default_kb.h"

static jwt_checker *jwt;

/* fetching is refused, as when the EHR gives no fhirServer answer */
static cds_fetch_status no_fetch(void *ctx, arena *a, const char *base, const char *url, const char *token,
                                 const char **body, size_t *len, char *err, size_t errsz) {
  (void)ctx, (void)a, (void)base, (void)url, (void)token, (void)body, (void)len;
  snprintf(err, errsz, "not fetched while fuzzing");
  return CDS_FETCH_FAILED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const op_kb *kb = default_kb();
  if (!jwt) {
    jwt_issuer is = {"https://ehr.example.org", "ehr-1", FUZZ_PEM, sizeof FUZZ_PEM - 1, NULL};
    jwt_limits lim = {60, 300, 1024};
    char err[256];
    jwt = jwt_checker_new(&is, 1, &lim, err, sizeof err);
    if (!jwt) __builtin_trap();
  }
  char *in = malloc(size + 1);
  if (!in) return 0;
  memcpy(in, data, size);
  in[size] = 0;
  char *body = strstr(in, "\n\n");
  size_t blen = 0;
  if (body) {
    *body = 0;
    body += 2;
    blen = size - (size_t)(body - in);
  } else {
    body = in + size;
  }
  char msg[256];
  (void)jwt_check(jwt, in, "http://127.0.0.1:8080/cds-services/osteoplan-patient-view", 1793491200L, msg, sizeof msg);
  arena *a = arena_create(64 * 1024);
  if (!a) {
    free(in);
    return 0;
  }
  cds_ctx c = {kb, "2026-11-01", "2026-11-01", no_fetch, NULL, 0};
  cds_reply r = {0};
  int pick = 0;
  if (blen) {
    pick = (unsigned char)body[0] % 4;
    body++;
    blen--;
  }
  if (pick == 0) cds_service(&c, a, "osteoplan-patient-view", body, blen, &r);
  else if (pick == 1) cds_service(&c, a, "osteoplan-order-sign", body, blen, &r);
  else if (pick == 2) cds_api_assess(&c, a, body, blen, NULL, NULL, &r);
  else cds_api_assess(&c, a, body, blen, "fragment", "patient", &r);
  if (!r.body || r.status < 200 || r.status > 599) __builtin_trap();
  if (!r.type && r.body[0] != '{') __builtin_trap(); /* JSON answers are objects */
  arena_destroy(a);
  free(in);
  return 0;
}
