/*
** api_internal.h: what the service layers (CDS Hooks cards) read of an
** assessment beyond its renderings: the plan itself.
*/
#ifndef OSTEO_API_INTERNAL_H
#define OSTEO_API_INTERNAL_H

#include "engine/plan.h"
#include "osteoplan.h"

const op_plan *op_assessment_plan(const op_assessment *as);

#endif
