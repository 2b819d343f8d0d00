/*
** render.h: the plan's renderings. Renderers only format: every decision
** and every text is already in the plan (plan.h) or the knowledge base.
*/
#ifndef OSTEO_RENDER_H
#define OSTEO_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "../engine/plan.h"
#include "../util/arena.h"
#include "osteoplan.h"

/* The JSON plan of spec/plan.md. */
const char *render_json(arena *a, const op_plan *p, bool pretty, size_t *len);
/* The plan as a FHIR R4 Bundle (render_fhir.c): CarePlan, requests,
** DetectedIssues and Provenance; for the clinician (the kb's words). */
const char *render_fhir(arena *a, const op_plan *p, size_t *len);
/* Clinician or patient document as text, Markdown or HTML. */
const char *render_doc(arena *a, const op_plan *p, op_format fmt, bool patient, bool color, size_t *len);

/* Every code's knowledge-base wording (clinician), the record's code lists
** and the rendering headings, as one JSON object (GET /api/labels). */
const char *render_labels(arena *a, const op_kb *kb, size_t *len);

/* Text as Markdown that renders as exactly that text (the escaping every
** rendering uses): for a CDS card detail the plan renderer did not write,
** such as why there is no plan, which can quote the record. */
const char *render_md_inert(arena *a, const char *s);

#endif
