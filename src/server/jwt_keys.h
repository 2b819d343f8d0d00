/*
** jwt_keys.h: an issuer's public key, parsed once, with its pinned JWS
** algorithm, and signature verification against it (OpenSSL libcrypto).
**
** Why libcrypto and not libjwt: libjwt 1.10 takes the algorithm from the
** token's header (read by jansson, which keeps the last of two "alg"
** members where our reader kept the first) and parses the PEM again on
** every call (OpenSSL 3's decoders: 366 requests/s with JWT on against
** 21,827 off at 16 connections). With libcrypto the key
** is an EVP_PKEY made at start-up, the algorithm is ours, and the only
** token bytes the library sees are the signing input and the signature.
** A jwt_key is immutable once made; OpenSSL 3 allows an EVP_PKEY and an
** EVP_MD to be shared by threads that only use them.
*/
#ifndef OSTEO_JWT_KEYS_H
#define OSTEO_JWT_KEYS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct jwt_key jwt_key;

/* alg: the configured algorithm or NULL (EC: from the curve, P-256/384/521
** -> ES256/384/512; RSA: RS384). NULL with the reason in err when the PEM
** holds no public key, the key type is not EC or RSA (of 2048 bits or
** more), or alg does not fit the key. */
jwt_key *jwt_key_load(const char *pem, size_t len, const char *alg, char *err, size_t errsz);
void jwt_key_free(jwt_key *k);
const char *jwt_key_alg(const jwt_key *k);
/* Is sig (JWS form: raw r||s for ES*) a valid signature of msg? */
bool jwt_key_verify(const jwt_key *k, const void *msg, size_t n, const unsigned char *sig, size_t siglen);

#endif
