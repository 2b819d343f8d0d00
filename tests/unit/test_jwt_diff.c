/*
** test_jwt_diff.c: our JSON reader against jansson on JWT headers and
** claims. Every header of a corpus of tricky texts (escapes, members
** repeated through escapes, unicode and surrogates, big and odd numbers,
** nesting, whitespace, a byte-order mark, trailing bytes) is signed with
** every claims text of another; for each token the checker ACCEPTS,
** jansson (JSON_REJECT_DUPLICATES) must read both texts without error and
** agree on alg, kid, iss, aud, exp, iat, nbf and jti. Any disagreement on
** an accepted token fails, and so does a corpus that no longer has enough
** accepted tokens to compare.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jws_sign.h"
#include "jwt_jansson.h"
#include "server/jwt_check.h"

#define NOW 1793491200L
#define AUD "https://cds.test/cds-services/x"
#define T "\"iss\":\"https://ehr.test\",\"aud\":\"" AUD "\",\"exp\":1793491300,\"iat\":1793491200"

static const char *const headers[] = {
    "{\"alg\":\"ES256\",\"typ\":\"JWT\"}",
    "{\"alg\":\"ES256\",\"kid\":\"k\\u00e9y\"}",
    "{\"alg\":\"ES256\",\"kid\":\"\\ud83d\\ude00\"}",
    "{\"alg\":\"ES256\",\"kid\":\"\\uD834\\uDD1E\\u00E9\"}",
    "{\"alg\":\"ES256\",\"alg\":\"ES256\"}",
    "{\"alg\":\"ES256\",\"al\\u0067\":\"HS256\"}",
    "{\"\\u0061lg\":\"ES256\"}",
    "{\"alg\":\"ES\\u0032\\u0035\\u0036\"}",
    " \t\r\n{ \"alg\" : \"ES256\" \t,\r\n\"typ\":\"JWT\" } \n",
    "\xEF\xBB\xBF{\"alg\":\"ES256\"}",
    "{\"alg\":\"ES256\"}x",
    "{\"alg\":\"ES256\"}{}",
    "{\"alg\":\"ES256\",\"x\":{\"a\":{\"b\":[1,2,{\"c\":null,\"d\":[[[]]]}]}}}",
    "{\"alg\":\"ES256\",\"kid\":\"\\ud800\"}",
    "{\"alg\":\"ES256\",\"kid\":\"\\udc00\\ud800\"}",
    "{\"alg\":\"ES256\",\"kid\":\"\\ud800x\"}",
    "{\"alg\":\"ES256\",\"x\":1e400}",
    "{\"alg\":\"ES256\",\"x\":-0.0e-0,\"y\":1E+2,\"z\":1e-400}",
    "{\"alg\":\"ES256\",\"kid\":\"\\/k\\\"q\\\\\\b\\f\\n\\r\\t\"}",
    "{\"alg\":\"ES256\",\"kid\":123}",
    "{\"alg\":\"ES256\",\"kid\":null}",
    "{\"alg\":\"ES256\",\"crit\":[\"x\"]}",
    "{\"alg\":\"ES256\",}",
    "{\"alg\":\"ES256\",\"kid\":\"a\",\"kid\":\"b\"}",
    "{\"alg\":\"ES256\",\"kid\":\"\xC0\xAF\"}",
    "{\"alg\":\"ES256\",\"kid\":\"\xED\xA0\x80\"}",
    "{\"alg\":\"ES256\",\"kid\":\"\xF4\x90\x80\x80\"}",
    "{\"alg\":\"ES256\",\"kid\":\"\xE4\xB8\xAD\xF0\x9F\x98\x80\"}",
    "[{\"alg\":\"ES256\"}]",
    "{\"alg\":\"ES256\",\"x\":01}",
    "{\"alg\":\"ES256\",\"x\":9223372036854775807,\"y\":-9223372036854775808}",
    "{\"alg\":\"ES256\",\"x\":9223372036854775808}",
    "{\"alg\":\"ES256\",\"x\":true,\"y\":false,\"z\":null,\"w\":\"\"}",
    "{\"alg\":\"ES256\",\"\":1,\"\\u0000\":2}",
    "{\"alg\":\"ES256\",\"\":1,\"\":2}",
    "{\"alg\":\"es256\"}",
    "{\"alg\":\"ES256 \"}",
    "{\"alg\":[\"ES256\"]}",
    "{'alg':'ES256'}",
    "{\"alg\":\"ES256\",\"x\":.5}",
    "{\"alg\":\"ES256\",\"x\":NaN}",
    "{\"alg\":\"ES256\",\"x\":Infinity}",
    "{\"alg\":\"ES256\",\"x\":1.}",
    "{\"alg\":\"ES256\"",
    "",
};

static const char *const claims[] = {
    "{" T ",\"jti\":\"j\"}",
    "{" T ",\"jti\":\"\\u00e9\\ud83d\\ude00\"}",
    "{" T ",\"jti\":\"\xC3\xA9\xF0\x9F\x98\x80\"}",
    "{\"iss\":\"https:\\/\\/ehr.test\",\"aud\":\"" AUD "\",\"exp\":1793491300,\"iat\":1793491200,\"jti\":\"j\"}",
    "{\"iss\":\"https://ehr.test\",\"aud\":[\"other\",\"" AUD "\",\"" AUD "\"],\"exp\":1793491300,\"iat\":1793491200,"
    "\"jti\":\"j\"}",
    "{\"iss\":\"https://ehr.test\",\"aud\":\"https:\\/\\/cds.test\\/cds-services\\/x\",\"exp\":1793491300,"
    "\"iat\":1793491200,\"jti\":\"j\"}",
    "{\"iss\":\"https://ehr.test\",\"aud\":\"" AUD "\",\"exp\":1.7934913e9,\"iat\":1793491200,\"jti\":\"j\"}",
    "{\"iss\":\"https://ehr.test\",\"aud\":\"" AUD "\",\"exp\":1793491300.0,\"iat\":1793491200,\"jti\":\"j\"}",
    "{\"iss\":\"https://ehr.test\",\"aud\":\"" AUD "\",\"exp\":1e19,\"iat\":1793491200,\"jti\":\"j\"}",
    "{\"iss\":\"https://ehr.test\",\"aud\":\"" AUD "\",\"exp\":18446744073709551616,\"iat\":1793491200,\"jti\":\"j\"}",
    "{\"iss\":\"https://ehr.test\",\"aud\":\"" AUD "\",\"exp\":-1793491300,\"iat\":1793491200,\"jti\":\"j\"}",
    "{" T ",\"nbf\":1793491100,\"jti\":\"j\"}",
    "{" T ",\"nbf\":0,\"jti\":\"j\"}",
    "{" T ",\"nbf\":-1,\"jti\":\"j\"}",
    "{" T ",\"nbf\":1793491100,\"nbf\":1893491100,\"jti\":\"j\"}",
    "{" T ",\"jti\":\"j\",\"iss\":\"https://evil.test\"}",
    "{" T ",\"jti\":\"j\",\"j\\u0074i\":\"k\"}",
    "{" T ",\"jti\":\"j\",\"\\u0065xp\":1893491300}",
    "{" T ",\"jti\":\"j\",\"ctx\":{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":1}]}}",
    "{" T ",\"jti\":\"j\",\"ctx\":{\"a\":1,\"\\u0061\":2}}",
    "{" T ",\"jti\":\"j\",\"ctx\":[{\"k\\u00e9\":1,\"k\xC3\xA9\":2}]}",
    "\n\t {" T ",\"jti\":\"j\"} \r\n",
    "\xEF\xBB\xBF{" T ",\"jti\":\"j\"}",
    "{" T ",\"jti\":\"j\"}}",
    "{" T ",\"jti\":\"j\"} null",
    "{" T ",\"jti\":\"j\",\"x\":1e-400,\"y\":-0,\"z\":123.456e-7}",
    "{" T ",\"jti\":\"j\",\"x\":123456789012345678901234567890}",
    "{" T ",\"jti\":\"j\",\"x\":1e309}",
    "{\"iss\":[\"https://ehr.test\"],\"aud\":\"" AUD "\",\"exp\":1793491300,\"iat\":1793491200,\"jti\":\"j\"}",
    "{" T ",\"jti\":\"\"}",
    "{" T ",\"jti\":5}",
    "{" T ",\"jti\":\"\\u0000\"}",
    "{\"iss\":\"https://ehr.test\",\"aud\":\"" AUD "\",\"exp\":1793491300,\"iat\":0,\"jti\":\"j\"}",
    "{\"iss\":\"https://ehr.test\",\"aud\":\"" AUD "\",\"exp\":01793491300,\"iat\":1793491200,\"jti\":\"j\"}",
    "{\"iss\":\"https://ehr.test\",\"aud\":\"" AUD "\",\"exp\":1793491300,\"iat\":1793491200,\"jti\":\"j\","
    "\"deep\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    "{\"iss\":\"https://ehr.test\",\"aud\":\"" AUD "\",\"exp\":1793491300,\"iat\":1793491200,\"jti\":\"j\","
    "\"deep\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
    "]]]]]]]]]]]]]]]]]]]]]}",
    "{" T ",\"jti\":\"j\",\"\\ud83d\\ude00\":1,\"\xF0\x9F\x98\x80\":2}",
    "{" T ",\"jti\":\"j\",\"\\uD83D\\uDE00\":1,\"\\ud83d\\ude00\":2}",
};

static int run(EVP_PKEY *priv, const char *pem, size_t pem_len, const char *h, const char *c, int *accepted) {
  jwt_issuer is = {"https://ehr.test", NULL, pem, pem_len, NULL};
  jwt_limits lim = {60, 300, 16};
  char err[256], msg[256];
  jwt_checker *k = jwt_checker_new(&is, 1, &lim, err, sizeof err);
  char *t = jws_sign("ES256", priv, NULL, 0, h, strlen(h), c, strlen(c));
  if (!k || !t) {
    fprintf(stderr, "cannot set up: %s\n", k ? "signing failed" : err);
    jwt_checker_free(k);
    free(t);
    return 1;
  }
  char *authz = malloc(strlen(t) + 8);
  sprintf(authz, "Bearer %s", t);
  arena *a = arena_create(4096);
  jwt_claims out;
  int bad = 0;
  if (jwt_check_claims(k, authz, AUD, NOW, a, &out, msg, sizeof msg) == JWT_OK) {
    ++*accepted;
    if (getenv("JWT_DIFF_VERBOSE")) printf("accepted: %s | %s\n", h, c);
    char why[256];
    if (!jansson_agrees(h, strlen(h), c, strlen(c), &out, AUD, why, sizeof why)) {
      fprintf(stderr, "DISAGREEMENT on an accepted token: %s\n  header: %s\n  claims: %s\n", why, h, c);
      bad = 1;
    }
  }
  arena_destroy(a);
  free(authz);
  free(t);
  jwt_checker_free(k);
  return bad;
}

static char *slurp(const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", OSTEOPLAN_KEYS, name);
  FILE *f = fopen(path, "rb");
  char *b = f ? calloc(1, 65536) : NULL;
  *len = b ? fread(b, 1, 65535, f) : 0;
  if (f) fclose(f);
  return b;
}

int main(void) {
  size_t kl, pl;
  char *key = slurp("ehr-es256.key", &kl), *pem = slurp("ehr-es256.pem", &pl);
  EVP_PKEY *priv = key ? jws_private_key(key, kl) : NULL;
  if (!priv || !pem) {
    fprintf(stderr, "test_jwt_diff: cannot read the test keys in %s\n", OSTEOPLAN_KEYS);
    return 1;
  }
  int bad = 0, accepted = 0, n = 0;
  for (size_t i = 0; i < sizeof headers / sizeof *headers; i++)
    for (size_t j = 0; j < sizeof claims / sizeof *claims; j++, n++) bad += run(priv, pem, pl, headers[i], claims[j], &accepted);
  printf("%d tokens, %d accepted, %d disagreements\n", n, accepted, bad);
  EVP_PKEY_free(priv);
  free(key);
  free(pem);
  if (accepted < 100) fprintf(stderr, "too few accepted tokens to compare (%d)\n", accepted);
  return bad || accepted < 100;
}
