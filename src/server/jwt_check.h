/*
** jwt_check.h: verifying the EHR's JSON Web Token (CDS Hooks 2.0, "Trusting
** CDS Clients"): the issuer must be allow-listed with its public key, the
** algorithm the one pinned for that key (never "none" or an HMAC: a public
** key used as an HMAC secret would let anyone sign), the signature valid,
** aud the URL called, exp in the future, nbf and iat not, exp - iat within
** the configured lifetime, no "crit" header, and each jti used once until
** it expires.
**
** The header and claims are read once, by osteoplan's strict JSON reader,
** and a member named twice at any depth (compared after unescaping) refuses
** the token: no second parser ever reads them, so no parser difference can
** pick an algorithm or a claim. Signatures are checked with OpenSSL's
** libcrypto against keys parsed once, when the checker is made.
*/
#ifndef OSTEO_JWT_CHECK_H
#define OSTEO_JWT_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

typedef struct {
  const char *iss;   /* the iss claim it signs with */
  const char *kid;   /* required kid, or NULL for any */
  const char *pem;   /* public key, PEM */
  size_t pem_len;
  const char *alg;   /* pinned algorithm, or NULL: from the key (EC curve; RSA: RS384) */
} jwt_issuer;

typedef struct {
  long skew_s;         /* clock difference tolerated for exp, nbf and iat */
  long max_lifetime_s; /* longest exp - iat accepted */
  size_t replay_max;   /* live jti values remembered; when all are live, JWT_BUSY */
} jwt_limits;

/* jwt_check's answers. JWT_BUSY is the server's fault, not the client's:
** the replay cache holds replay_max live tokens (answer 503, not 401). */
enum { JWT_OK = 0, JWT_REFUSED = -1, JWT_BUSY = -2 };

/* What an accepted token said (strings in the caller's arena). */
typedef struct {
  const char *alg, *kid, *iss, *jti; /* kid NULL when absent */
  long long exp, iat, nbf;           /* nbf -1 when absent */
} jwt_claims;

typedef struct jwt_checker jwt_checker;

/* Parses every issuer's key and pins its algorithm; NULL with the reason
** (naming the issuer) in err when a key is unreadable, of an unsupported
** type, or does not fit the configured alg. */
jwt_checker *jwt_checker_new(const jwt_issuer *issuers, int n, const jwt_limits *lim, char *err, size_t errsz);
void jwt_checker_free(jwt_checker *c);

/* authorization: the Authorization header (may be NULL); audience: the
** service URL called; now: seconds since the epoch. JWT_OK when the token
** is good, else JWT_REFUSED or JWT_BUSY with the reason in msg. Thread-safe. */
int jwt_check(jwt_checker *c, const char *authorization, const char *audience, long now, char *msg, size_t msgsz);
/* The same, filling out (when not NULL) from arena a on JWT_OK. */
int jwt_check_claims(jwt_checker *c, const char *authorization, const char *audience, long now, arena *a,
                     jwt_claims *out, char *msg, size_t msgsz);

#endif
