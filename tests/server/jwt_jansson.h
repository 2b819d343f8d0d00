/*
** jwt_jansson.h: the differential oracle. A token our checker accepted is
** read again by jansson (with JSON_REJECT_DUPLICATES), the JSON library
** libjwt uses; both must read the same alg, kid, iss, aud, exp, iat, nbf
** and jti. Shared by the differential test and the fuzz harness.
*/
#ifndef OSTEO_JWT_JANSSON_H
#define OSTEO_JWT_JANSSON_H

#include <stdbool.h>
#include <stddef.h>

#include "server/jwt_check.h"

/* header, claims: the decoded texts our checker accepted with `ours`;
** false with the first disagreement in why. */
bool jansson_agrees(const char *header, size_t hlen, const char *claims, size_t clen, const jwt_claims *ours,
                    const char *audience, char *why, size_t whysz);

#endif
