/*
** cjson_floor.c: parse-only with cJSON, one thread: each line of an NDJSON
** file parsed into a cJSON tree and freed. cJSON builds the whole tree (every
** value allocated and converted), so every document is touched fully. The
** file is read whole first (timed too).
**
** usage: cjson_floor FILE   prints: records seconds records_per_s bad
*/
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: cjson_floor FILE\n");
    return 2;
  }
  double t0 = now();
  FILE *f = fopen(argv[1], "rb");
  if (!f || fseek(f, 0, SEEK_END) != 0) {
    fprintf(stderr, "cjson_floor: cannot read %s\n", argv[1]);
    return 1;
  }
  long size = ftell(f);
  char *text = malloc((size_t)size + 1);
  if (size < 0 || !text || fseek(f, 0, SEEK_SET) != 0 || fread(text, 1, (size_t)size, f) != (size_t)size) {
    fprintf(stderr, "cjson_floor: cannot read %s\n", argv[1]);
    return 1;
  }
  fclose(f);
  long records = 0, bad = 0;
  for (char *p = text, *end = text + size; p < end;) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (len) {
      cJSON *doc = cJSON_ParseWithLength(p, len);
      if (doc) records++;
      else bad++;
      cJSON_Delete(doc);
    }
    p += len + 1;
  }
  double s = now() - t0;
  printf("%ld %.6f %.0f %ld\n", records, s, s > 0 ? (double)records / s : 0.0, bad);
  free(text);
  return 0;
}
