/*
** api_extra.h: the web page's helpers beside /api/assess (spec/ehr.md's
** service does not need them; the page does):
**   GET  /api/units            the units each lab field may be typed in, with
**                              the knowledge base's factor to the record's unit
**   POST /api/record-from-fhir a FHIR Bundle, resource or CDS Hooks prefetch
**                              (or a whole hook request) in, the patient
**                              record the FHIR mapper reads from it out
** Pure functions of the request, like cds.h; server.c routes to them.
*/
#ifndef OSTEO_API_EXTRA_H
#define OSTEO_API_EXTRA_H

#include <stdbool.h>
#include <stddef.h>

#include "server/cds.h"

/* The method path answers to: 'G' (GET), 'P' (POST), or 0 when it is none
** of these endpoints. */
char api_extra_method(const char *path);

/* Answers path into r; false when path is none of these endpoints. */
bool api_extra_answer(const cds_ctx *c, arena *a, const char *path, const char *body, size_t len, cds_reply *r);

#endif
