/*
** wl_input.c: a FHIR Bulk Data export or OMOP tables -> patient record
** lines on a temporary file, for the worklist (the same mapping as
** `osteoplan screen --input fhir|omop`: fhir_bulk_run + fhir_map, and
** omop_to_records). Reports go to the errors stream as screen writes them.
*/
#include "wl_input.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/arena.h"
#include "../util/ctlchar.h"

typedef struct {
  const op_kb *kb;
  const char *as_of, *today;
  FILE *errors;
  arena *a; /* one patient's mapping; reset for the next */
  wl_input_stats *st;
} fhir_ctx;

static int map_patient(void *ctx, const fhir_res *res, int n, const char **out, size_t *len) {
  fhir_ctx *c = ctx;
  fhir_result r;
  arena_reset(c->a);
  fhir_map(c->a, c->kb, res, n, c->as_of, c->today, &r);
  *out = NULL;
  *len = 0;
  if (r.status == FM_OK) {
    *out = r.record;
    *len = r.record_len;
  } else if (r.status == FM_DECEASED) {
    c->st->deceased++;
  } else {
    c->st->unmapped++;
    char id[200], msg[1024]; /* the export's text: no control characters */
    ctl_escape(id, sizeof id, r.patient_id ? r.patient_id : "?");
    ctl_escape(msg, sizeof msg, r.message);
    fprintf(c->errors, "Patient/%s: not mapped: %s\n", id, msg);
  }
  return 0;
}

/* OSTEOPLAN_FHIR_BUCKET_BYTES, as screen reads it; dflt when unset, 0 when
** not a positive number. */
static size_t bucket_bytes(void) {
  const char *v = getenv("OSTEOPLAN_FHIR_BUCKET_BYTES");
  if (!v) return FHIR_BULK_BUCKET_BYTES;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  return *v >= '0' && *v <= '9' && !*end && !errno && n > 0 && n <= SIZE_MAX / 8 ? (size_t)n : 0;
}

int wl_fhir_records(const op_kb *kb, const char *path, const char *as_of, const char *today, FILE *errors,
                    wl_input_stats *st) {
  memset(st, 0, sizeof *st);
  fhir_ctx c = {kb, as_of, today, errors, arena_create(64 * 1024), st};
  fhir_bulk_options bo = {errors, bucket_bytes(), NULL, 0};
  if (!bo.bucket_bytes) {
    snprintf(st->error, sizeof st->error, "OSTEOPLAN_FHIR_BUCKET_BYTES: expected a positive number of bytes");
    arena_destroy(c.a);
    errno = EINVAL;
    return -1;
  }
  if (!c.a) {
    snprintf(st->error, sizeof st->error, "out of memory");
    errno = ENOMEM;
    return -1;
  }
  int fd = fhir_bulk_run(path, &bo, map_patient, &c, &st->fhir);
  int saved = errno;
  arena_destroy(c.a);
  if (fd < 0) snprintf(st->error, sizeof st->error, "%s", st->fhir.error[0] ? st->fhir.error : strerror(saved));
  st->too_big = st->fhir.too_big;
  errno = saved;
  return fd;
}

int wl_omop_records(const op_kb *kb, const char *dir, const char *as_of, const char *today, FILE *errors,
                    wl_input_stats *st) {
  memset(st, 0, sizeof *st);
  int fd = omop_to_records(kb, dir, as_of, today, errors, &st->omop);
  if (fd < 0) snprintf(st->error, sizeof st->error, "%s", st->omop.error);
  st->deceased = st->omop.deceased;
  st->unmapped = st->omop.unmapped;
  return fd;
}
