/*
** jwt_sign.c: signs test tokens for the service tests (libjwt).
**   jwt_sign ALG PRIVATE_KEY_FILE KID CLAIMS_JSON  -> the compact JWT
*/
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: jwt_sign ES384|RS384 KEYFILE KID CLAIMS_JSON\n");
    return 2;
  }
  FILE *f = fopen(argv[2], "rb");
  if (!f) return 1;
  unsigned char key[16384];
  size_t n = fread(key, 1, sizeof key, f);
  fclose(f);
  jwt_t *j;
  if (jwt_new(&j)) return 1;
  jwt_alg_t alg = !strcmp(argv[1], "ES384") ? JWT_ALG_ES384 : JWT_ALG_RS384;
  if (jwt_set_alg(j, alg, key, (int)n) || jwt_add_header(j, "kid", argv[3]) ||
      jwt_add_grants_json(j, argv[4])) {
    fprintf(stderr, "jwt_sign: cannot build the token\n");
    return 1;
  }
  char *t = jwt_encode_str(j);
  if (!t) return 1;
  puts(t);
  free(t);
  jwt_free(j);
  return 0;
}
