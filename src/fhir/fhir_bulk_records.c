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

typedef struct {
  const op_kb *kb;
  const char *as_of, *today;
  FILE *errors;
  arena *a; /* one patient's mapping; reset for the next */
  long deceased, unmapped;
} mapping;

/* One patient of the export -> its record line (or none: deceased, or not
** mapped, which is reported). */
static int map_patient(void *ctx, const fhir_res *res, int n, const char **out, size_t *len) {
  mapping *c = ctx;
  fhir_result r;
  arena_reset(c->a);
  fhir_map(c->a, c->kb, res, n, c->as_of, c->today, &r);
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
    fprintf(c->errors, "Patient/%s: not mapped: %s\n", id, msg);
  }
  return 0;
}

int fhir_bulk_records(const char *path, const fhir_bulk_options *o, const op_kb *kb, const char *as_of,
                      const char *today, long *deceased, long *unmapped, fhir_bulk_stats *st) {
  mapping c = {kb, as_of, today, o->errors, arena_create(64 * 1024), 0, 0};
  *deceased = *unmapped = 0;
  if (!c.a) {
    memset(st, 0, sizeof *st);
    snprintf(st->error, sizeof st->error, "out of memory");
    errno = ENOMEM;
    return -1;
  }
  int fd = fhir_bulk_run(path, o, map_patient, &c, st);
  int saved = errno;
  arena_destroy(c.a);
  *deceased = c.deceased;
  *unmapped = c.unmapped;
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
