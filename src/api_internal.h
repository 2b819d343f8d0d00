/*
** api_internal.h: what the service layers (CDS Hooks cards) read of an
** assessment beyond its renderings: the plan itself.
*/
#ifndef OSTEO_API_INTERNAL_H
#define OSTEO_API_INTERNAL_H

#include "engine/plan.h"
#include "osteoplan.h"
#include "record/record.h"

#include <stdbool.h>
#include <stddef.h>

const op_plan *op_assessment_plan(const op_assessment *as);

/* op_assess_json of a record already read by record_read (as_of and today
** as opts gives them) into arena a, which the assessment takes over
** (destroyed on failure): the FHIR mapper's record, read once. */
op_status op_assess_read(const op_kb *kb, arena *a, const op_record *rec, const op_options *opts,
                         op_assessment **out, op_error *err);

/* op_assess_json (fhir false) or op_assess_fhir (true) with every arena of
** the assessment under one allocation budget (arena_set_budget): at most
** *budget allocations, mapping, assessment and later op_render calls
** together; then each fails as if out of memory. For the out-of-memory
** tests: every failure must be a clean OP_ERR_INTERNAL (or a NULL
** rendering). *budget must outlive the assessment. */
op_status op_assess_limited(const op_kb *kb, const char *json, size_t len, bool fhir, const op_options *opts,
                            size_t *budget, op_assessment **out, op_error *err);

#endif
