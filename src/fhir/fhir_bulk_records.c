/*
** fhir_bulk_records.c: a FHIR Bulk Data export -> one patient record per
** line (fhir_bulk.h), the mapping `screen --input fhir` and `worklist
** --input fhir` both read, so the two can never map a patient differently.
*/
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhir_bulk.h"
#include "util/ctlchar.h"

/* What one worker thread keeps: its own arena and counts. */
typedef struct {
  arena *a; /* one patient's mapping; reset for the next */
  long deceased, unmapped;
} per_worker;

typedef struct {
  const op_kb *kb;
  const char *as_of, *today;
  per_worker w[FHIR_BULK_MAX_THREADS];
} mapping;

/* One patient of the export -> its record line (or none: deceased, or not
** mapped, which is reported). */
static int map_patient(void *ctx, int worker, FILE *errors, const fhir_res *res, int n, const char **out,
                       size_t *len) {
  per_worker *c = &((mapping *)ctx)->w[worker];
  const mapping *m = ctx;
  fhir_result r;
  /* The first block is kept from patient to patient: a large one, so a
  ** patient's mapping takes no fresh pages from the system. */
  if (!c->a && !(c->a = arena_create(1u << 20))) {
    errno = ENOMEM;
    return -1;
  }
  arena_reset(c->a);
  fhir_map(c->a, m->kb, res, n, m->as_of, m->today, &r);
  *out = NULL;
  *len = 0;
  if (r.status == FM_OK) {
    *out = r.record;
    *len = r.record_len;
  } else if (r.status == FM_DECEASED) {
    c->deceased++;
  } else {
    c->unmapped++;
    char id[200], msg[1024]; /* the export's text: no control characters */
    ctl_escape(id, sizeof id, r.patient_id ? r.patient_id : "?");
    ctl_escape(msg, sizeof msg, r.message);
    fprintf(errors, "Patient/%s: not mapped: %s\n", id, msg);
  }
  return 0;
}

int fhir_bulk_records(const char *path, const fhir_bulk_options *o, const op_kb *kb, const char *as_of,
                      const char *today, long *deceased, long *unmapped, fhir_bulk_stats *st) {
  mapping c = {kb, as_of, today, {{0}}};
  *deceased = *unmapped = 0;
  int fd = fhir_bulk_run(path, o, map_patient, &c, st);
  int saved = errno;
  for (int i = 0; i < FHIR_BULK_MAX_THREADS; i++) {
    arena_destroy(c.w[i].a);
    *deceased += c.w[i].deceased;
    *unmapped += c.w[i].unmapped;
  }
  errno = saved;
  return fd;
}

size_t fhir_bulk_env_bytes(const char *name, size_t dflt) {
  const char *v = getenv(name);
  if (!v) return dflt;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  return *v >= '0' && *v <= '9' && !*end && !errno && n > 0 && n <= SIZE_MAX / 8 ? (size_t)n : 0;
}
