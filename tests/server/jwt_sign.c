/*
** jwt_sign.c: signs test tokens for the service tests and the benchmark.
**   jwt_sign ALG KEYFILE KID CLAIMS_JSON
**       -> the compact JWT with header {"alg":ALG,"typ":"JWT","kid":KID}
**   jwt_sign ALG KEYFILE KID CLAIMS_JSON COUNT
**       -> COUNT tokens, one a line: CLAIMS_JSON (an object) with
**          "jti":"<KID>-<i>" added as its last member
**   jwt_sign --raw ALG KEYFILE HEADER_TEXT CLAIMS_TEXT
**       -> header and claims signed as given, byte for byte
** ALG: ES256/384/512, RS256/384/512; HS256 signs with KEYFILE's bytes as
** the HMAC secret (the attack of a public key used as a secret).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jws_sign.h"

static int emit(const char *alg, EVP_PKEY *k, const char *key, size_t kl, const char *h, const char *c) {
  char *t = jws_sign(alg, k, key, kl, h, strlen(h), c, strlen(c));
  if (!t || puts(t) == EOF) {
    fprintf(stderr, "jwt_sign: cannot sign\n");
    free(t);
    return 1;
  }
  free(t);
  return 0;
}

static int many(const char *alg, EVP_PKEY *k, const char *kid, const char *claims, long n) {
  char h[512], c[8192];
  snprintf(h, sizeof h, "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg, kid);
  size_t cl = strlen(claims);
  if (cl < 2 || claims[cl - 1] != '}' || cl + 600 > sizeof c) return 2;
  for (long i = 0; i < n; i++) {
    snprintf(c, sizeof c, "%.*s%s\"jti\":\"%s-%ld\"}", (int)(cl - 1), claims, cl > 2 ? "," : "", kid, i);
    if (emit(alg, k, NULL, 0, h, c)) return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  int raw = argc > 1 && !strcmp(argv[1], "--raw");
  if (argc != 5 + raw && !(argc == 6 && !raw)) {
    fprintf(stderr, "usage: jwt_sign ALG KEYFILE KID CLAIMS_JSON [COUNT] | jwt_sign --raw ALG KEYFILE HEADER CLAIMS\n");
    return 2;
  }
  argv += raw;
  FILE *f = fopen(argv[2], "rb");
  if (!f) return perror(argv[2]), 1;
  static char key[65536];
  size_t n = fread(key, 1, sizeof key, f);
  fclose(f);
  const char *alg = argv[1];
  EVP_PKEY *k = alg[0] == 'H' ? NULL : jws_private_key(key, n);
  if (alg[0] != 'H' && !k) {
    fprintf(stderr, "jwt_sign: %s: no private key\n", argv[2]);
    return 1;
  }
  int rc;
  if (raw) {
    rc = emit(alg, k, key, n, argv[3], argv[4]);
  } else if (argc == 6) {
    rc = many(alg, k, argv[3], argv[4], atol(argv[5]));
  } else {
    char h[512];
    snprintf(h, sizeof h, "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg, argv[3]);
    rc = emit(alg, k, key, n, h, argv[4]);
  }
  EVP_PKEY_free(k);
  return rc;
}
