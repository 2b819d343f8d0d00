/*
** wl_input.c: a FHIR Bulk Data export or OMOP tables -> patient record
** lines on a temporary file, for the worklist (the same mapping as
** `osteoplan screen --input fhir|omop`: fhir_bulk_run + fhir_map, and
** omop_to_records). Reports go to the errors stream as screen writes them.
*/
#include "wl_input.h"

#include <errno.h>
#include <string.h>


int wl_fhir_records(const op_kb *kb, const char *path, const char *as_of, const char *today, FILE *errors,
                    wl_input_stats *st) {
  memset(st, 0, sizeof *st);
  fhir_bulk_options bo = {errors, fhir_bulk_env_bytes("OSTEOPLAN_FHIR_BUCKET_BYTES", FHIR_BULK_BUCKET_BYTES), NULL, 0, 1};
  if (!bo.bucket_bytes) {
    snprintf(st->error, sizeof st->error, "OSTEOPLAN_FHIR_BUCKET_BYTES: expected a positive number of bytes");
    errno = EINVAL;
    return -1;
  }
  int fd = fhir_bulk_records(path, &bo, kb, as_of, today, &st->deceased, &st->unmapped, &st->fhir);
  int saved = errno;
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
