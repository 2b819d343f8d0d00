/*
** jws_sign.h: signing JWS compact tokens for the tests, the fuzz harness
** and the benchmark (OpenSSL libcrypto), over header and claims texts given
** byte for byte, so tests can sign what no JSON library would write
** (a member twice, escapes, odd numbers).
*/
#ifndef OSTEO_JWS_SIGN_H
#define OSTEO_JWS_SIGN_H

#include <openssl/evp.h>
#include <stddef.h>

/* A private key from PEM text; NULL if unreadable. */
EVP_PKEY *jws_private_key(const char *pem, size_t len);
/* base64url(header) "." base64url(claims) "." base64url(signature), malloc'd;
** alg: ES256/384/512 (the key's curve), RS256/384/512, or HS256 (key: an
** HMAC secret of secret_len bytes, pkey unused); NULL on failure. */
char *jws_sign(const char *alg, EVP_PKEY *pkey, const void *secret, size_t secret_len, const char *header,
               size_t hlen, const char *claims, size_t clen);

#endif
