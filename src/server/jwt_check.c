/*
** jwt_check.c: see jwt_check.h.
*/
#include "jwt_check.h"

#include <jwt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhir_map.h"
#include "json/json.h"

#define REPLAY_MAX 65536 /* remembered jti values; the oldest expired go first */

typedef struct {
  char *key; /* iss "\n" jti */
  long exp;
} seen;

struct jwt_checker {
  jwt_issuer *iss;
  int n;
  long skew;
  pthread_mutex_t lock;
  seen *seen;
  int nseen;
};

jwt_checker *jwt_checker_new(const jwt_issuer *issuers, int n, long skew) {
  jwt_checker *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->iss = calloc((size_t)(n ? n : 1), sizeof *c->iss);
  c->seen = calloc(REPLAY_MAX, sizeof *c->seen);
  if (!c->iss || !c->seen) {
    jwt_checker_free(c);
    return NULL;
  }
  for (int i = 0; i < n; i++) {
    c->iss[i].iss = strdup(issuers[i].iss);
    c->iss[i].kid = issuers[i].kid ? strdup(issuers[i].kid) : NULL;
    char *pem = malloc(issuers[i].pem_len + 1);
    if (pem) {
      memcpy(pem, issuers[i].pem, issuers[i].pem_len);
      pem[issuers[i].pem_len] = 0;
    }
    c->iss[i].pem = pem;
    c->iss[i].pem_len = issuers[i].pem_len;
    c->n++;
  }
  c->skew = skew;
  pthread_mutex_init(&c->lock, NULL);
  return c;
}

void jwt_checker_free(jwt_checker *c) {
  if (!c) return;
  for (int i = 0; i < c->n; i++) {
    free((char *)c->iss[i].iss);
    free((char *)c->iss[i].kid);
    free((char *)c->iss[i].pem);
  }
  for (int i = 0; i < c->nseen; i++) free(c->seen[i].key);
  free(c->iss);
  free(c->seen);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

/* base64url without padding -> bytes (NUL-terminated); NULL if malformed. */
static char *b64url(arena *a, const char *s, size_t n, size_t *outlen) {
  char *out = arena_alloc(a, n * 3 / 4 + 4);
  if (!out) return NULL;
  size_t k = 0;
  unsigned v = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)s[i], d;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == '-') d = 62;
    else if (c == '_') d = 63;
    else return NULL;
    v = (v << 6) | (unsigned)d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[k++] = (char)((v >> bits) & 0xFF);
    }
  }
  out[k] = 0;
  *outlen = k;
  return out;
}

static bool part(arena *a, const char *s, size_t n, json_doc *d) {
  size_t len;
  char *text = b64url(a, s, n, &len);
  char msg[128];
  return text && json_parse(a, text, len, d, msg, sizeof msg) == 0 && d->tok[0].type == JT_OBJECT;
}

static bool num_claim(const json_doc *d, const char *k, double *v) {
  int t = fj_get(d, 0, k);
  return t >= 0 && json_number(d, t, v);
}

static bool aud_matches(const json_doc *d, const char *audience) {
  int t = fj_get(d, 0, "aud");
  if (t < 0) return false;
  if (d->tok[t].type == JT_STRING) return fj_is(d, t, audience);
  if (d->tok[t].type != JT_ARRAY) return false;
  int j = t + 1;
  for (int k = 0; k < d->tok[t].size; k++, j = json_next(d, j))
    if (fj_is(d, j, audience)) return true;
  return false;
}

/* Records iss+jti until exp; false when it was already used. */
static bool first_use(jwt_checker *c, const char *iss, const char *jti, long exp, long now) {
  size_t n = strlen(iss) + strlen(jti) + 2;
  char *key = malloc(n);
  if (!key) return false;
  snprintf(key, n, "%s\n%s", iss, jti);
  pthread_mutex_lock(&c->lock);
  bool fresh = true;
  int w = 0;
  for (int i = 0; i < c->nseen; i++) {
    if (c->seen[i].exp + c->skew < now) { /* expired: forget it */
      free(c->seen[i].key);
      continue;
    }
    if (!strcmp(c->seen[i].key, key)) fresh = false;
    c->seen[w++] = c->seen[i];
  }
  c->nseen = w;
  if (fresh && c->nseen == REPLAY_MAX) fresh = false; /* full of live tokens: refuse rather than forget */
  if (fresh) c->seen[c->nseen++] = (seen){key, exp};
  else free(key);
  pthread_mutex_unlock(&c->lock);
  return fresh;
}

static int fail(char *msg, size_t n, const char *why) {
  snprintf(msg, n, "%s", why);
  return -1;
}

int jwt_check(jwt_checker *c, const char *authorization, const char *audience, long now, char *msg, size_t msgsz) {
  if (!authorization || strncmp(authorization, "Bearer ", 7)) return fail(msg, msgsz, "missing bearer token");
  const char *tok = authorization + 7;
  size_t len = strlen(tok);
  if (len > 16384) return fail(msg, msgsz, "token too long");
  const char *dot1 = memchr(tok, '.', len), *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - tok)) : NULL;
  if (!dot1 || !dot2) return fail(msg, msgsz, "malformed token");
  arena *a = arena_create(8192);
  if (!a) return fail(msg, msgsz, "out of memory");
  json_doc h, p;
  int rc = -1;
  if (!part(a, tok, (size_t)(dot1 - tok), &h) || !part(a, dot1 + 1, (size_t)(dot2 - dot1 - 1), &p)) {
    fail(msg, msgsz, "malformed token");
    goto done;
  }
  static const char *const allowed[] = {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512"};
  int alg = fj_get(&h, 0, "alg");
  bool ok_alg = false;
  for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++) ok_alg |= fj_is(&h, alg, allowed[i]);
  if (!ok_alg) {
    fail(msg, msgsz, "token algorithm not allowed (asymmetric ES/RS only; never none or HMAC)");
    goto done;
  }
  const char *iss = fj_str(a, &p, fj_get(&p, 0, "iss"));
  const char *kid = fj_str(a, &h, fj_get(&h, 0, "kid"));
  const jwt_issuer *is = NULL;
  for (int i = 0; iss && i < c->n; i++)
    if (!strcmp(c->iss[i].iss, iss) && (!c->iss[i].kid || (kid && !strcmp(kid, c->iss[i].kid)))) is = &c->iss[i];
  if (!is) {
    fail(msg, msgsz, "token issuer (or key id) not allowed");
    goto done;
  }
  jwt_t *j = NULL;
  if (jwt_decode(&j, tok, (const unsigned char *)is->pem, (int)is->pem_len) != 0 || !j) {
    fail(msg, msgsz, "token signature not valid");
    goto done;
  }
  jwt_free(j);
  double exp, iat;
  if (!aud_matches(&p, audience)) {
    fail(msg, msgsz, "token audience is not this service's URL");
    goto done;
  }
  if (!num_claim(&p, "exp", &exp) || exp + (double)c->skew < (double)now) {
    fail(msg, msgsz, "token expired");
    goto done;
  }
  if (!num_claim(&p, "iat", &iat) || iat > (double)(now + c->skew)) {
    fail(msg, msgsz, "token iat missing or in the future");
    goto done;
  }
  const char *jti = fj_str(a, &p, fj_get(&p, 0, "jti"));
  if (!jti || !*jti) {
    fail(msg, msgsz, "token without jti");
    goto done;
  }
  if (!first_use(c, iss, jti, (long)exp, now)) {
    fail(msg, msgsz, "token already used (jti replay)");
    goto done;
  }
  rc = 0;
done:
  arena_destroy(a);
  return rc;
}
