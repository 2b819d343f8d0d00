/*
** wl_input.h: the worklist's FHIR and OMOP inputs, mapped to patient record
** lines the way `osteoplan screen --input fhir|omop` maps them.
*/
#ifndef OSTEO_WL_INPUT_H
#define OSTEO_WL_INPUT_H

#include <stdio.h>

#include "fhir/fhir_bulk.h"
#include "omop/omop.h"

typedef struct {
  long deceased, unmapped; /* counted and reported, no plan */
  long too_big;            /* FHIR: patients with too much data: the run fails */
  fhir_bulk_stats fhir;
  omop_stats omop;
  char error[640]; /* why it failed */
} wl_input_stats;

/* Each returns the descriptor of an unlinked temporary file of record lines
** at offset 0, or -1 with errno and st->error. */
int wl_fhir_records(const op_kb *kb, const char *path, const char *as_of, const char *today, FILE *errors,
                    wl_input_stats *st);
int wl_omop_records(const op_kb *kb, const char *dir, const char *as_of, const char *today, FILE *errors,
                    wl_input_stats *st);

#endif
