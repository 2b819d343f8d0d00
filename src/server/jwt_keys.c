/*
** jwt_keys.c: see jwt_keys.h.
*/
#include "server/jwt_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jwt_key {
  EVP_PKEY *pkey;
  EVP_MD *md;
  EVP_MD_CTX *init; /* DigestVerifyInit done once: each check copies it (no fetch, no key export) */
  char alg[8];
  size_t half; /* ES*: bytes of r and of s in the JWS signature; 0 for RSA */
};

/* The JWS algorithms we verify (RFC 7518 3.3, 3.4): no HMAC, no "none". */
static const struct {
  const char *alg, *md;
  int ec_bits; /* the curve's size; 0: RSA PKCS#1 v1.5 */
} algs[] = {{"ES256", "SHA256", 256}, {"ES384", "SHA384", 384}, {"ES512", "SHA512", 521},
            {"RS256", "SHA256", 0},   {"RS384", "SHA384", 0},   {"RS512", "SHA512", 0}};

static int alg_index(const char *alg) {
  for (size_t i = 0; i < sizeof algs / sizeof *algs; i++)
    if (!strcmp(algs[i].alg, alg)) return (int)i;
  return -1;
}

/* The algorithm the key allows: EC by its curve, RSA by the configuration. */
static int pin(EVP_PKEY *pk, const char *alg, char *err, size_t errsz) {
  int bits = EVP_PKEY_get_bits(pk);
  int want = alg ? alg_index(alg) : -1;
  if (alg && want < 0) {
    snprintf(err, errsz, "alg %s is not one of ES256, ES384, ES512, RS256, RS384, RS512", alg);
    return -1;
  }
  if (EVP_PKEY_is_a(pk, "EC")) {
    int i = bits == 256 ? 0 : bits == 384 ? 1 : bits == 521 ? 2 : -1;
    if (i < 0) snprintf(err, errsz, "an EC key of %d bits (P-256, P-384 or P-521 only)", bits);
    else if (alg && want != i) snprintf(err, errsz, "alg %s does not fit an EC P-%d key (%s)", alg, bits, algs[i].alg);
    else return i;
    return -1;
  }
  if (EVP_PKEY_is_a(pk, "RSA")) {
    if (bits < 2048) snprintf(err, errsz, "an RSA key of %d bits (2048 or more)", bits);
    else if (alg && algs[want].ec_bits) snprintf(err, errsz, "alg %s does not fit an RSA key (RS256/384/512)", alg);
    else return alg ? want : alg_index("RS384");
    return -1;
  }
  snprintf(err, errsz, "not an EC or RSA public key");
  return -1;
}

jwt_key *jwt_key_load(const char *pem, size_t len, const char *alg, char *err, size_t errsz) {
  BIO *b = len <= 1u << 20 ? BIO_new_mem_buf(pem, (int)len) : NULL;
  EVP_PKEY *pk = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
  BIO_free(b);
  ERR_clear_error();
  if (!pk) {
    snprintf(err, errsz, "no PEM public key (-----BEGIN PUBLIC KEY-----) could be read");
    return NULL;
  }
  int i = pin(pk, alg, err, errsz);
  jwt_key *k = i >= 0 ? calloc(1, sizeof *k) : NULL;
  if (k) {
    k->pkey = pk;
    k->md = EVP_MD_fetch(NULL, algs[i].md, NULL);
    k->init = EVP_MD_CTX_new();
  }
  if (!k || !k->md || !k->init || EVP_DigestVerifyInit(k->init, NULL, k->md, NULL, pk) != 1) {
    if (i >= 0) snprintf(err, errsz, "cannot prepare the %s verifier", algs[i].alg);
    if (k) jwt_key_free(k);
    else EVP_PKEY_free(pk);
    ERR_clear_error();
    return NULL;
  }
  snprintf(k->alg, sizeof k->alg, "%s", algs[i].alg);
  k->half = algs[i].ec_bits ? ((size_t)algs[i].ec_bits + 7) / 8 : 0;
  return k;
}

void jwt_key_free(jwt_key *k) {
  if (!k) return;
  EVP_MD_CTX_free(k->init);
  EVP_MD_free(k->md);
  EVP_PKEY_free(k->pkey);
  free(k);
}

const char *jwt_key_alg(const jwt_key *k) { return k->alg; }

/* JWS carries an ECDSA signature as r||s, each of the curve's size;
** libcrypto wants the DER of ECDSA_SIG. 0 when sig has the wrong size. */
static size_t ecdsa_der(const jwt_key *k, const unsigned char *sig, size_t siglen, unsigned char *der, size_t cap) {
  if (siglen != 2 * k->half) return 0;
  ECDSA_SIG *es = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(sig, (int)k->half, NULL), *s = BN_bin2bn(sig + k->half, (int)k->half, NULL);
  if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return 0;
  }
  int n = i2d_ECDSA_SIG(es, NULL);
  unsigned char *p = der;
  size_t out = n > 0 && (size_t)n <= cap && i2d_ECDSA_SIG(es, &p) == n ? (size_t)n : 0;
  ECDSA_SIG_free(es);
  return out;
}

bool jwt_key_verify(const jwt_key *k, const void *msg, size_t n, const unsigned char *sig, size_t siglen) {
  unsigned char der[192]; /* P-521: at most 2 * (66 + 3) + 3 bytes */
  if (k->half) {
    siglen = ecdsa_der(k, sig, siglen, der, sizeof der);
    sig = der;
    if (!siglen) return false;
  }
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_MD_CTX_copy_ex(ctx, k->init) == 1 && EVP_DigestVerify(ctx, sig, siglen, msg, n) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) ERR_clear_error(); /* the failure is ours to report; leave the thread's queue empty */
  return ok;
}
