/*
** jwt_jansson.c: see jwt_jansson.h.
*/
#include "jwt_jansson.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static bool same_string(json_t *o, const char *k, const char *ours) {
  json_t *v = json_object_get(o, k);
  if (!ours) return v == NULL;
  return json_is_string(v) && json_string_length(v) == strlen(ours) && !memcmp(json_string_value(v), ours, strlen(ours));
}

static bool same_int(json_t *o, const char *k, long long ours, bool absent_ok) {
  json_t *v = json_object_get(o, k);
  if (absent_ok && ours == -1) return v == NULL;
  return json_is_integer(v) && json_integer_value(v) == ours;
}

static bool aud_holds(json_t *o, const char *audience) {
  json_t *v = json_object_get(o, "aud");
  if (json_is_string(v)) return !strcmp(json_string_value(v), audience) && json_string_length(v) == strlen(audience);
  size_t i;
  json_t *e;
  json_array_foreach(v, i, e) if (json_is_string(e) && json_string_length(e) == strlen(audience) &&
                                  !strcmp(json_string_value(e), audience)) return true;
  return false;
}

bool jansson_agrees(const char *header, size_t hlen, const char *claims, size_t clen, const jwt_claims *ours,
                    const char *audience, char *why, size_t whysz) {
  json_error_t e1, e2;
  json_t *h = json_loadb(header, hlen, JSON_REJECT_DUPLICATES, &e1);
  json_t *c = json_loadb(claims, clen, JSON_REJECT_DUPLICATES, &e2);
  const char *bad = NULL;
  if (!h) snprintf(why, whysz, "jansson refuses the header: %s", e1.text), bad = why;
  else if (!c) snprintf(why, whysz, "jansson refuses the claims: %s", e2.text), bad = why;
  else if (!json_is_object(h) || !json_is_object(c)) bad = "jansson reads no object";
  else if (!same_string(h, "alg", ours->alg)) bad = "alg differs";
  else if (!same_string(h, "kid", ours->kid)) bad = "kid differs";
  else if (!same_string(c, "iss", ours->iss)) bad = "iss differs";
  else if (!same_string(c, "jti", ours->jti)) bad = "jti differs";
  else if (!aud_holds(c, audience)) bad = "aud differs";
  else if (!same_int(c, "exp", ours->exp, false)) bad = "exp differs";
  else if (!same_int(c, "iat", ours->iat, false)) bad = "iat differs";
  else if (!same_int(c, "nbf", ours->nbf, true)) bad = "nbf differs";
  if (bad && bad != why) snprintf(why, whysz, "%s", bad);
  json_decref(h);
  json_decref(c);
  return !bad;
}
