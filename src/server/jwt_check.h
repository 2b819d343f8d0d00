/*
** jwt_check.h: verifying the EHR's JSON Web Token (CDS Hooks 2.0, "Trusting
** CDS Clients"): the issuer must be allow-listed with its public key, the
** algorithm asymmetric (never "none" or an HMAC: a public key used as an
** HMAC secret would let anyone sign), the signature valid, aud the URL
** called, exp in the future, and each jti used once until it expires.
**
** Signatures are checked by libjwt (OpenSSL); the header and claims are read
** by osteoplan's own strict JSON reader before any key is chosen.
*/
#ifndef OSTEO_JWT_CHECK_H
#define OSTEO_JWT_CHECK_H

#include <stddef.h>

typedef struct {
  const char *iss;   /* the iss claim it signs with */
  const char *kid;   /* required kid, or NULL for any */
  const char *pem;   /* public key, PEM */
  size_t pem_len;
} jwt_issuer;

typedef struct jwt_checker jwt_checker;

/* skew: seconds of clock difference tolerated for exp and iat. */
jwt_checker *jwt_checker_new(const jwt_issuer *issuers, int n, long skew);
void jwt_checker_free(jwt_checker *c);

/* authorization: the Authorization header (may be NULL); audience: the
** service URL called; now: seconds since the epoch. 0 when the token is
** good, else -1 with the reason in msg. Thread-safe. */
int jwt_check(jwt_checker *c, const char *authorization, const char *audience, long now, char *msg, size_t msgsz);

#endif
