/*
** fhir_bulk.h: a FHIR Bulk Data export (a directory of NDJSON files, one
** resource per line, gzip or plain, or one such file) grouped by patient,
** in bounded memory.
**
** Resources reference their patient (subject / patient "Patient/ID") and the
** export keeps one file per type, so a patient's resources are spread over
** the whole export. Rather than holding the export in memory, a first pass
** parses each line once and spills it into one of FHIR_BULK_FANOUT unlinked
** temporary files chosen by a hash of its patient id; then each such bucket
** is read back alone, its patients grouped, handed over one by one and
** freed. A bucket larger than the memory target is split again by another
** hash first, so the resource text held at once stays near the target
** whatever the size of the export. Medication resources (no patient) go to
** one more temporary file, read back for each bucket that references them.
**
** Resources of types the mapper never reads (anything but Patient,
** Medication, Observation, Condition, MedicationRequest and
** MedicationStatement) are dropped in the first pass and counted. A patient
** whose resources alone exceed patient_bytes is not held at all: it is
** reported on the errors stream as not screened, counted, and never handed
** over (a plan is never built from part of a patient's data).
**
** Threads: both passes run on o->threads workers (fhir_bulk_int.h says
** how the result stays the same, byte for byte, on any number of them).
** Together they hold bucket_bytes of text at most at once: a worker groups
** a bucket larger than its share (bucket_bytes / threads) whole while the
** others leave room for it, and splits it again when they do not.
**
** Memory: about eight times bucket_bytes at most (the text, its parsed
** tokens and one patient's mapping; measured on Synthea data; the spill
** buffers of pass one, bucket_bytes in all, are freed before pass two),
** plus 24 bytes per patient (the output order) and about 40 per patient
** reported in a bucket split again, or eight times patient_bytes when one
** patient alone exceeds the target (but not patient_bytes): that patient
** is grouped while the other workers wait. Temporary space:
** about the export's uncompressed size plus 16 bytes and the patient id per
** resource, and the output.
*/
#ifndef OSTEO_FHIR_BULK_H
#define OSTEO_FHIR_BULK_H

#include <stdio.h>

#include "fhir/fhir_map.h"

/* Default resource text held in memory at once. */
#define FHIR_BULK_BUCKET_BYTES (8u << 20)
/* Temporary files a bucket is split into. */
#define FHIR_BULK_FANOUT 64
/* Threads at most: each holds FHIR_BULK_FANOUT + 3 temporary files open. */
#define FHIR_BULK_MAX_THREADS 8

typedef struct {
  FILE *errors;        /* bad lines, as file:line: what */
  size_t bucket_bytes; /* the memory target (0: FHIR_BULK_BUCKET_BYTES) */
  const char *tmpdir;  /* for temporary files (NULL: $TMPDIR, else /tmp) */
  size_t patient_bytes; /* one patient's resources at most (0: the larger of
                        ** FHIR_BULK_PATIENT_BYTES and twice the target) */
  int threads;          /* workers (0 or 1: one; at most FHIR_BULK_MAX_THREADS),
                        ** which share the memory target */
} fhir_bulk_options;

/* The default per-patient limit (spilled bytes: resource text plus its
** patient id and 17 bytes per resource). */
#define FHIR_BULK_PATIENT_BYTES (16u << 20)

typedef struct {
  long lines;       /* resources read (non-blank lines) */
  long bad;         /* lines that were not resources */
  long orphans;     /* resources of no patient, or of a patient with no Patient resource */
  long medications; /* Medication resources */
  long dropped;     /* resources of a type the mapper never reads */
  long too_big;     /* patients not screened: over patient_bytes of resources */
  long not_ndjson;  /* files of the export directory not named *.ndjson(.gz), not read */
  long patients;    /* patients handed to the callback */
  int buckets;      /* buckets grouped in memory */
  long long temp_written; /* bytes written to temporary files */
  long long temp_peak;    /* most bytes held in temporary files at once */
  bool unreadable;  /* it failed because the export could not be opened */
  char error[512];  /* why fhir_bulk_run failed */
} fhir_bulk_stats;

/* One patient: res[0] is its Patient resource (the last one read, when the
** export repeats it), then its other resources in the order read, then each
** Medication resource they reference by medicationReference "Medication/ID"
** (or the R5 medication.reference) (once; the first in the export when
** several have its id). The callback sets *out and *len to the line to keep
** for this patient (*out NULL: none; no newline) and returns 0, or -1 to
** stop (errno set). It is called on worker threads, at the same time for
** different patients: worker (0 to threads - 1) says which, for the state
** it keeps per worker; its reports go to errors (that worker's, written to
** o->errors in a fixed order). */
typedef int (*fhir_bulk_fn)(void *ctx, int worker, FILE *errors, const fhir_res *res, int n, const char **out,
                            size_t *len);

/* Reads the export at path (a directory: every *.ndjson and *.ndjson.gz in
** it, in name order; "-": standard input), calls fn for every patient with
** a Patient resource, and writes the lines fn returns, each with a newline,
** in the order of the patients' (first) Patient resources in the export, to
** an unlinked temporary file. Returns its descriptor at offset 0, or -1 with
** errno set and st->error saying why (an unreadable, truncated or corrupt
** file, temporary space that cannot be written). Lines that are not
** resources are reported to o->errors with file:line, counted and skipped;
** so are files of the directory not named *.ndjson or *.ndjson.gz, and
** patients over patient_bytes (st->too_big: the caller must fail the run). */
int fhir_bulk_run(const char *path, const fhir_bulk_options *o, fhir_bulk_fn fn, void *ctx, fhir_bulk_stats *st);

/* fhir_bulk_run with the FHIR mapper as the callback: every patient's
** record (fhir_map, for as_of and today), one line each. Patients dead on
** as_of are counted in *deceased; those that cannot be mapped in *unmapped,
** each reported on o->errors ("Patient/ID: not mapped: why"). What screen
** and the worklist read (fhir_bulk_records.c). */
int fhir_bulk_records(const char *path, const fhir_bulk_options *o, const op_kb *kb, const char *as_of,
                      const char *today, long *deceased, long *unmapped, fhir_bulk_stats *st);

/* A byte count from the environment variable name (the tests' knobs
** OSTEOPLAN_FHIR_BUCKET_BYTES, OSTEOPLAN_FHIR_PATIENT_BYTES): dflt when it
** is unset, 0 when it is not a positive number. */
size_t fhir_bulk_env_bytes(const char *name, size_t dflt);

#endif
