/*
** jwt_check.c: see jwt_check.h.
**
** The token's header and claims are decoded and read once, here; the
** signature library sees only the signing input and the signature, and
** verifies with the key and algorithm configured for the issuer. Anything
** two JSON parsers might read differently is refused outright: a member
** named twice (after unescaping), a number a 64-bit integer or a double
** cannot hold, a byte-order mark, trailing bytes.
*/
#include "jwt_check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhir_map.h"
#include "json/json.h"
#include "json/json_dupkey.h"
#include "server/jwt_keys.h"
#include "server/jwt_replay.h"

#define TOKEN_MAX 16384        /* bytes of a compact token */
#define NAME_MAX_BYTES 256     /* iss, jti, kid */
#define NUMERIC_DATE_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

typedef struct {
  char *iss, *kid;
  jwt_key *key;
} issuer;

struct jwt_checker {
  issuer *iss;
  int n;
  jwt_limits lim;
  jwt_replay *replay;
};

jwt_checker *jwt_checker_new(const jwt_issuer *issuers, int n, const jwt_limits *lim, char *err, size_t errsz) {
  jwt_checker *c = calloc(1, sizeof *c);
  if (!c) return snprintf(err, errsz, "out of memory"), NULL;
  c->lim = *lim;
  c->iss = calloc((size_t)(n > 0 ? n : 1), sizeof *c->iss);
  c->replay = jwt_replay_new(lim->replay_max);
  if (!c->iss || !c->replay) {
    snprintf(err, errsz, "out of memory");
    jwt_checker_free(c);
    return NULL;
  }
  for (int i = 0; i < n; i++, c->n++) {
    issuer *is = &c->iss[i];
    char why[160];
    is->iss = strdup(issuers[i].iss);
    is->kid = issuers[i].kid ? strdup(issuers[i].kid) : NULL;
    is->key = jwt_key_load(issuers[i].pem, issuers[i].pem_len, issuers[i].alg, why, sizeof why);
    if (!is->iss || (issuers[i].kid && !is->kid) || !is->key) {
      snprintf(err, errsz, "issuer %s: %s", issuers[i].iss, is->key ? "out of memory" : why);
      c->n++;
      jwt_checker_free(c);
      return NULL;
    }
  }
  return c;
}

void jwt_checker_free(jwt_checker *c) {
  if (!c) return;
  for (int i = 0; c->iss && i < c->n; i++) {
    free(c->iss[i].iss);
    free(c->iss[i].kid);
    jwt_key_free(c->iss[i].key);
  }
  free(c->iss);
  jwt_replay_free(c->replay);
  free(c);
}

/* base64url without padding (RFC 7515 2) -> bytes, NUL-terminated; NULL if
** malformed. */
static unsigned char *b64url(arena *a, const char *s, size_t n, size_t *outlen) {
  /* each character's value plus one; 0: not in the alphabet */
  static const unsigned char val[256] = {
      ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8, ['I'] = 9,
      ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
      ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27,
      ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
      ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45,
      ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
      ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['-'] = 63,
      ['_'] = 64};
  if (n % 4 == 1) return NULL;
  unsigned char *out = arena_alloc(a, n * 3 / 4 + 4);
  if (!out) return NULL;
  size_t k = 0;
  unsigned v = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned d = val[(unsigned char)s[i]];
    if (!d) return NULL;
    v = (v << 6) | (d - 1);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[k++] = (unsigned char)((v >> bits) & 0xFF);
    }
  }
  /* the last character's unused low bits must be zero (RFC 4648 3.5): one
  ** text per byte string, so a signature cannot be re-encoded */
  if (bits && (v & ((1u << bits) - 1u))) return NULL;
  out[k] = 0;
  *outlen = k;
  return out;
}

/* Every number as another parser would hold it: an integer within 64 bits,
** any other number a finite double. */
static bool numbers_representable(const json_doc *d) {
  for (int i = 0; i < d->ntok; i++) {
    const json_tok *t = &d->tok[i];
    if (t->type != JT_PRIMITIVE || !json_is_number(d, i)) continue;
    const char *s = d->text + t->start;
    size_t n = (size_t)(t->end - t->start);
    if (!memchr(s, '.', n) && !memchr(s, 'e', n) && !memchr(s, 'E', n)) {
      char buf[32];
      if (n >= sizeof buf) return false; /* 20 digits and a sign at most */
      memcpy(buf, s, n);
      buf[n] = 0;
      errno = 0;
      (void)strtoll(buf, NULL, 10);
      if (errno == ERANGE) return false;
    } else {
      double v;
      if (!json_number(d, i, &v)) return false;
    }
  }
  return true;
}

/* A member name of the object at tok written with an escape: the claims are
** looked up by their bytes, so "n\u0062f" would be a member nobody checks
** while another parser reads it as nbf. Real tokens never escape a name. */
static bool escaped_name(const json_doc *d, int tok) {
  int j = tok + 1;
  for (int m = 0; m < d->tok[tok].size; m++, j = json_next(d, j + 1))
    if (memchr(d->text + d->tok[j].start, '\\', (size_t)(d->tok[j].end - d->tok[j].start))) return true;
  return false;
}

/* Header or claims: strict JSON, one object, no name twice, numbers held. */
static const char *part(arena *a, const char *s, size_t n, json_doc *d) {
  size_t len;
  char *text = (char *)b64url(a, s, n, &len);
  char msg[128];
  if (!text || json_parse(a, text, len, d, msg, sizeof msg) != 0 || d->tok[0].type != JT_OBJECT)
    return "malformed token (header and claims: base64url of a JSON object)";
  int dup = json_duplicate_key(a, d);
  if (dup == -2) return "out of memory";
  if (dup >= 0) return "token names a member twice (compared after unescaping)";
  if (escaped_name(d, 0)) return "token writes a member name with an escape";
  if (!numbers_representable(d)) return "token holds a number out of range";
  return NULL;
}

/* A string member of at most NAME_MAX_BYTES, decoded; NULL if absent or not
** a string; *bad when present but not a short string. */
static const char *name_member(arena *a, const json_doc *d, const char *k, bool *bad) {
  int t = fj_get(d, 0, k);
  if (t < 0) return NULL;
  size_t n = 0;
  const char *s = d->tok[t].type == JT_STRING ? json_string(a, d, t, &n) : NULL;
  if (!s || n > NAME_MAX_BYTES || strlen(s) != n) {
    *bad = true;
    return NULL;
  }
  return s;
}

/* A NumericDate (RFC 7519 2) as we take it: whole seconds, 0 to the end of
** year 9999, written as plain digits (no fraction, exponent or sign). */
static int numeric_date(const json_doc *d, const char *k, long long *out) {
  int t = fj_get(d, 0, k);
  if (t < 0) return 0;
  const json_tok *tk = &d->tok[t];
  long long v = 0;
  if (tk->type != JT_PRIMITIVE || tk->end - tk->start > 12) return -1;
  for (int i = tk->start; i < tk->end; i++) {
    if (d->text[i] < '0' || d->text[i] > '9') return -1;
    v = v * 10 + (d->text[i] - '0');
  }
  if (v > NUMERIC_DATE_MAX) return -1;
  *out = v;
  return 1;
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

/* The time claims: exp, iat required, nbf optional; NULL when they hold. */
static const char *times(const jwt_checker *c, const json_doc *p, long long now, jwt_claims *out) {
  long skew = c->lim.skew_s;
  long long exp, iat, nbf = -1;
  int he = numeric_date(p, "exp", &exp), hi = numeric_date(p, "iat", &iat), hn = numeric_date(p, "nbf", &nbf);
  if (he < 0 || hi < 0 || hn < 0) return "token exp, iat or nbf is not whole seconds between 0 and year 9999";
  if (!he || !hi) return "token without exp or iat";
  if (exp + skew < now) return "token expired";
  if (iat > now + skew) return "token iat in the future";
  if (hn && nbf > now + skew) return "token not valid yet (nbf)";
  if (exp < iat) return "token exp before its iat";
  if (exp - iat > c->lim.max_lifetime_s) return "token lifetime (exp - iat) over the configured max_lifetime_s";
  out->exp = exp, out->iat = iat, out->nbf = hn ? nbf : -1;
  return NULL;
}

/* The issuer configured for iss and kid; NULL when none. */
static const issuer *find_issuer(const jwt_checker *c, const char *iss, const char *kid) {
  for (int i = 0; iss && i < c->n; i++)
    if (!strcmp(c->iss[i].iss, iss) && (!c->iss[i].kid || (kid && !strcmp(kid, c->iss[i].kid)))) return &c->iss[i];
  return NULL;
}

/* The header's checks and the signature; fills alg, kid and iss. */
static const char *signed_by_issuer(const jwt_checker *c, arena *a, const char *tok, const char *dot2,
                                    const json_doc *h, const json_doc *p, jwt_claims *out) {
  if (fj_get(h, 0, "crit") >= 0) return "token header has crit (no extension is understood here)";
  bool bad = false;
  out->alg = name_member(a, h, "alg", &bad);
  out->kid = name_member(a, h, "kid", &bad);
  out->iss = name_member(a, p, "iss", &bad);
  if (bad || !out->alg) return "token alg, kid or iss is not a string of at most 256 bytes";
  const issuer *is = find_issuer(c, out->iss, out->kid);
  if (!is) return "token issuer (or key id) not allowed";
  if (strcmp(out->alg, jwt_key_alg(is->key)))
    return "token algorithm is not the one configured for its issuer (never none or HMAC)";
  size_t slen;
  const unsigned char *sig = b64url(a, dot2 + 1, strlen(dot2 + 1), &slen);
  if (!sig || !jwt_key_verify(is->key, tok, (size_t)(dot2 - tok), sig, slen)) return "token signature not valid";
  return NULL;
}

static int refuse(char *msg, size_t n, const char *why) {
  snprintf(msg, n, "%s", why);
  return JWT_REFUSED;
}

/* The checks after the token is cut in three; the caller owns arena a. */
static int check_parts(jwt_checker *c, arena *a, const char *tok, const char *dot1, const char *dot2,
                       const char *audience, long now, jwt_claims *out, char *msg, size_t msgsz) {
  json_doc h, p;
  const char *why = part(a, tok, (size_t)(dot1 - tok), &h);
  if (!why) why = part(a, dot1 + 1, (size_t)(dot2 - dot1 - 1), &p);
  if (!why) why = signed_by_issuer(c, a, tok, dot2, &h, &p, out);
  if (!why && !aud_matches(&p, audience)) why = "token audience is not this service's URL";
  if (!why) why = times(c, &p, now, out);
  bool bad = false;
  if (!why && (!(out->jti = name_member(a, &p, "jti", &bad)) || !*out->jti))
    why = "token jti missing, empty, or not a string of at most 256 bytes";
  if (why) return refuse(msg, msgsz, why);
  /* the key: iss NUL jti (neither holds a NUL: name_member refused it) */
  size_t il = strlen(out->iss), jl = strlen(out->jti);
  char key[2 * NAME_MAX_BYTES + 2];
  memcpy(key, out->iss, il + 1);
  memcpy(key + il + 1, out->jti, jl);
  int r = jwt_replay_use(c->replay, key, il + 1 + jl, out->exp + c->lim.skew_s, now);
  if (r == REPLAY_SEEN) return refuse(msg, msgsz, "token already used (jti replay)");
  if (r == REPLAY_FULL) {
    snprintf(msg, msgsz, "jti replay cache full (%zu live tokens): try again shortly", c->lim.replay_max);
    return JWT_BUSY;
  }
  return JWT_OK;
}

int jwt_check_claims(jwt_checker *c, const char *authorization, const char *audience, long now, arena *a,
                     jwt_claims *out, char *msg, size_t msgsz) {
  if (!authorization || strncmp(authorization, "Bearer ", 7)) return refuse(msg, msgsz, "missing bearer token");
  const char *tok = authorization + 7;
  size_t len = strlen(tok);
  if (len > TOKEN_MAX) return refuse(msg, msgsz, "token too long");
  const char *dot1 = memchr(tok, '.', len), *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - tok)) : NULL;
  if (!dot1 || !dot2) return refuse(msg, msgsz, "malformed token");
  arena *own = a ? NULL : arena_create(8192);
  if (!a && !own) return refuse(msg, msgsz, "out of memory");
  jwt_claims tmp;
  int rc = check_parts(c, a ? a : own, tok, dot1, dot2, audience, now, out ? out : &tmp, msg, msgsz);
  arena_destroy(own);
  return rc;
}

int jwt_check(jwt_checker *c, const char *authorization, const char *audience, long now, char *msg, size_t msgsz) {
  return jwt_check_claims(c, authorization, audience, now, NULL, NULL, msg, msgsz);
}
