/*
** jws_sign.c: see jws_sign.h.
*/
#include "jws_sign.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

EVP_PKEY *jws_private_key(const char *pem, size_t len) {
  BIO *b = BIO_new_mem_buf(pem, (int)len);
  EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
  BIO_free(b);
  return k;
}

static size_t b64url(const unsigned char *in, size_t n, char *out) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t k = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
    out[k++] = a[v >> 18 & 63];
    out[k++] = a[v >> 12 & 63];
    if (i + 1 < n) out[k++] = a[v >> 6 & 63];
    if (i + 2 < n) out[k++] = a[v & 63];
  }
  return k;
}

/* DER ECDSA_SIG -> r||s of `half` bytes each (JWS form). */
static size_t raw_ecdsa(const unsigned char *der, size_t n, size_t half, unsigned char *out) {
  ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &der, (long)n);
  if (!s) return 0;
  int ok = BN_bn2binpad(ECDSA_SIG_get0_r(s), out, (int)half) == (int)half &&
           BN_bn2binpad(ECDSA_SIG_get0_s(s), out + half, (int)half) == (int)half;
  ECDSA_SIG_free(s);
  return ok ? 2 * half : 0;
}

static size_t sign(const char *alg, EVP_PKEY *pkey, const void *secret, size_t slen, const char *in, size_t n,
                   unsigned char *sig) {
  const char *md = !strcmp(alg + 2, "256") ? "SHA256" : !strcmp(alg + 2, "384") ? "SHA384" : "SHA512";
  if (alg[0] == 'H') {
    unsigned len = 0;
    return HMAC(EVP_get_digestbyname(md), secret, (int)slen, (const unsigned char *)in, n, sig, &len) ? len : 0;
  }
  unsigned char der[1024];
  size_t dl = sizeof der;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int ok = c && EVP_DigestSignInit_ex(c, NULL, md, NULL, NULL, pkey, NULL) == 1 &&
           EVP_DigestSign(c, der, &dl, (const unsigned char *)in, n) == 1;
  EVP_MD_CTX_free(c);
  if (!ok) return 0;
  if (alg[0] == 'R') return memcpy(sig, der, dl), dl;
  size_t half = (size_t)(EVP_PKEY_get_bits(pkey) + 7) / 8;
  return raw_ecdsa(der, dl, half, sig);
}

char *jws_sign(const char *alg, EVP_PKEY *pkey, const void *secret, size_t secret_len, const char *header,
               size_t hlen, const char *claims, size_t clen) {
  if (strlen(alg) != 5) return NULL;
  char *out = malloc((hlen + clen) * 4 / 3 + 2048);
  if (!out) return NULL;
  size_t k = b64url((const unsigned char *)header, hlen, out);
  out[k++] = '.';
  k += b64url((const unsigned char *)claims, clen, out + k);
  unsigned char sig[1024];
  size_t sl = sign(alg, pkey, secret, secret_len, out, k, sig);
  if (!sl) {
    free(out);
    return NULL;
  }
  out[k++] = '.';
  k += b64url(sig, sl, out + k);
  out[k] = 0;
  return out;
}
