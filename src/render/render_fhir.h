/*
** render_fhir.h: the pieces the FHIR R4 rendering of a plan (render_fhir.c,
** render_fhir_items.c) shares. The Bundle only formats: every decision is
** the plan's, every word the knowledge base's.
**
** Every entry is addressed by a urn:uuid fullUrl that the references use;
** the uuids are a hash of the patient, the plan's date and the entry's
** place, so the same plan renders to the same bytes.
*/
#ifndef OSTEO_RENDER_FHIR_H
#define OSTEO_RENDER_FHIR_H

#include "../json/json_write.h"
#include "render.h"

/* The plan's own code systems (the project's "urn:osteoplan:" names, as
** the order-sign cards' override reasons): codes are the plan's codes. */
#define FX_SYS_MONITOR "urn:osteoplan:monitor"
#define FX_SYS_ALERT "urn:osteoplan:alert"
#define FX_SYS_ISSUE "urn:osteoplan:detected-issue"
#define FX_SYS_REASON "urn:osteoplan:avoid-reason"
#define FX_SYS_SOURCE "urn:osteoplan:source"
#define FX_SYS_AGENT "urn:osteoplan:agent"

/* The kinds of entry, in Bundle order; an entry is (kind, index). */
typedef enum { FX_BUNDLE, FX_CAREPLAN, FX_PATIENT, FX_MEDREQ, FX_SERVREQ, FX_ISSUE_AVOID, FX_ISSUE_ALERT, FX_DEVICE, FX_PROVENANCE } fx_kind;

typedef struct {
  jwriter *w;
  arena *a;
  const op_plan *p;
  const op_kb *kb;
  const char *patient_ref; /* "Patient/ID", or the Bundle's Patient entry when the record has no id */
  char as_of[11];
} fx;

/* The entry's uuid (36 characters), the same for the same (kind, i). */
const char *fx_uuid(fx *c, fx_kind kind, int i);
/* "urn:uuid:" and the entry's uuid: its fullUrl and how others refer to it. */
const char *fx_urn(fx *c, fx_kind kind, int i);

/* JSON pieces: "key": "value"; "key": {"reference": ref}; a Coding. */
void fx_kv(fx *c, const char *key, const char *value);
void fx_ref(fx *c, const char *key, const char *ref);
void fx_coding(fx *c, const char *system, const char *code, const char *display);
/* "key": {"coding": [one], "text": text}; display and text may be NULL. */
void fx_concept(fx *c, const char *key, const char *system, const char *code, const char *display, const char *text);
/* "subject" or "patient": the plan's patient. */
void fx_patient(fx *c, const char *key);
/* "note": [{"text": ...}] for each non-NULL text of n. */
void fx_notes(fx *c, const char *const *texts, int n);
/* "Sources: S000, S002" in the knowledge base's words; NULL for none. */
const char *fx_sources_line(fx *c, op_srcset s);
/* A Reference naming each source of s: {"identifier": {system, value: id}, "display": title}. */
void fx_source_refs(fx *c, op_srcset s);
/* Writes entry (kind, i) of the Bundle: {"fullUrl": ..., "resource": {...}}. */
void fx_entry_open(fx *c, fx_kind kind, int i, const char *type);
void fx_entry_close(fx *c);

/* render_fhir_items.c: the requests, the issues, the Patient entry. */
void fx_medication_request(fx *c, int phase);
const char *fx_alternatives(fx *c, const op_phase *ph);
void fx_patient_entry(fx *c);
void fx_service_request(fx *c, int item);
void fx_issue_avoid(fx *c, int i);
void fx_issue_alert(fx *c, int alert);
/* Whether alert i of the plan is one the Bundle raises as an issue (critical). */
bool fx_alert_is_issue(const op_plan *p, int i);

#endif
