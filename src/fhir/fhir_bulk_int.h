/*
** fhir_bulk_int.h: what the two passes of fhir_bulk share (fhir_bulk.c:
** pass one and the run; fhir_bulk_group.c: pass two; fhir_bulk_temp.c: the
** temporary files). Not for other modules.
**
** Threads: in pass one each worker takes batches of lines from the one
** shared reader and spills them into its own bucket files; in pass two each
** worker takes whole buckets (bucket i is every worker's part i), in any
** order, grouped whole or split again depending on what the others hold.
** Nothing depends on which worker did what, or on how a bucket was split:
** every spilled resource carries its place in the export (file, line), a
** bucket's resources are grouped in that order, Patient lines are ordered
** by it, and the error reports are collected per batch (pass one) and per
** bucket and patient (pass two, err_chunk) and written in that order. So
** the output is the same, byte for byte, on any number of threads.
*/
#ifndef OSTEO_FHIR_BULK_INT_H
#define OSTEO_FHIR_BULK_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "fhir/fhir_bulk.h"
#include "util/lines.h"

/* A resource's place in the export: file index << 40 | line number; bit 62
** marks a Patient resource. */
#define POS_PATIENT (INT64_C(1) << 62)
#define POS_ORDER(p) ((p) & ~POS_PATIENT)
#define POS_OF(file, line) (((int64_t)(file) << 40) | (int64_t)(line))

/* A spilled resource: this header, the key, the line, a NUL. Its size is
** part of a patient's byte count (the README's "17 bytes a resource" with
** the NUL): keep it 16 bytes. */
typedef struct {
  uint32_t len;    /* line bytes with the NUL */
  uint32_t keylen; /* key bytes */
  int64_t pos;     /* POS_OF, | POS_PATIENT for a Patient */
} rec_hdr;

/* A temporary file written through a buffer of bulk.spill_buf bytes: the
** kernel's page cache is much cheaper filled in large writes (large folios,
** fewer calls) than in stdio's 4 KiB ones, which were most of the time the
** kernel spent on spills. Once rewound, the same buffer reads it ahead. */
typedef struct {
  bool open;       /* fd is a temporary file */
  int fd;
  char *buf;       /* what is not written yet, or what is read ahead */
  size_t blen;     /* bytes in buf */
  size_t bpos;     /* next byte of buf to read */
  long long bytes; /* written (with the buffer) */
  long long roff;  /* file offset after what buf holds, when reading */
  long recs;
} spill;

/* A line kept for the output: where it is, in which worker's file. */
typedef struct {
  int64_t seq; /* the POS_ORDER of the patient's first Patient resource */
  long long off;
  uint32_t len;
  int32_t worker;
} out_ent;

/* Error text of one batch (pass one), or of patients of one bucket (pass
** two), in a worker's error file. In pass two a bucket's reports are put in
** one order whether it was grouped whole or split again (which can depend
** on what the other workers hold): the patients over the limit first, then
** the others, each in the order of their first resource in the export
** (sub: SUB_OTHER | that place), which is the order a bucket grouped whole
** writes them in. */
typedef struct {
  long long key; /* batch number, or bucket */
  long long sub; /* the order within a bucket (0 in pass one) */
  long long off, len;
  int worker;
} err_chunk;
#define SUB_OTHER (INT64_C(1) << 62)

typedef struct bulk bulk;

/* Parts of a bucket put aside in pass two until the memory target has
** room for them (fhir_bulk_group.c). */
typedef struct {
  spill parts[FHIR_BULK_MAX_THREADS];
  int np, depth, bucket;
} deferred;

typedef struct {
  bulk *b;
  int id;
  arena *a;       /* one line in pass one, one bucket in pass two */
  char *rbuf;     /* a record read back */
  size_t rcap;
  char *buf;      /* a bucket read whole: kept from bucket to bucket */
  size_t bcap;
  void *order;    /* a bucket's records in export order (fhir_bulk_group.c) */
  size_t ocap;
  spill bk[FHIR_BULK_FANOUT], med; /* pass one's spills */
  spill mapped;
  FILE *errs; /* its reports, kept in export order (err_chunk) */
  int bucket;      /* pass two: the bucket being grouped */
  bool whole;      /* ... in one group, not split again: its reports come in order */
  long last_chunk; /* its last err_chunk of this bucket (merged with the next), or -1 */
  deferred *def;   /* put aside */
  size_t ndef, cdef;
  bool draining;   /* the buckets are all taken: wait for room */
  out_ent *out;
  size_t nout, cout;
  fhir_bulk_stats st; /* its counts, added up at the end */
} bulk_worker;

struct bulk {
  const fhir_bulk_options *o;
  fhir_bulk_stats *st;
  size_t target;      /* one worker's share of the memory target */
  size_t patient_max; /* one patient's record bytes at most */
  size_t spill_buf;   /* a spill's buffer: one worker's 64 take its share of the target */
  fhir_bulk_fn fn;
  void *ctx;
  int nw;
  bulk_worker *w;
  pthread_mutex_t m;  /* the reader, the next bucket, the chunks */
  pthread_mutex_t em; /* the first error */
  atomic_bool failed;
  atomic_llong live, peak, written; /* temporary bytes */
  int err;
  /* pass one: the export's files and the one reader */
  char **files;
  int nfiles, file; /* file being read, nfiles when done */
  bool open;
  line_reader lr;
  long long batches;
  err_chunk *chunks;
  size_t nchunks, cchunks;
  /* pass two: buckets are taken in any order, and the text of those being
  ** grouped is target at most in all (held, under mm: a worker waits in
  ** budget_take while it would go over); one bucket of more than the
  ** worker's share is grouped whole when the others leave room for it, and
  ** split again (as a larger one always is) when not. */
  pthread_mutex_t mm;
  pthread_cond_t mc;
  long long total; /* the memory target of the run */
  long long held;
  bool taken[FHIR_BULK_FANOUT];
};

void bulk_note_error(bulk *b, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define FAIL(b, ...) (bulk_note_error((b), __VA_ARGS__), -1)

/* fhir_bulk_temp.c */
int temp_open(bulk *b, spill *s);
int temp_write(bulk *b, spill *s, const void *p, size_t n);
int temp_rewind(bulk *b, spill *s);
void temp_close(bulk *b, spill *s);
FILE *temp_file(bulk *b);
int spill_put(bulk *b, spill *s, int64_t pos, const char *key, size_t keylen, const char *line, size_t len);
int spill_get(bulk_worker *w, spill *s, rec_hdr *h);
unsigned bucket_of(const char *k, size_t n, int level);
bool pread_all(int fd, char *p, size_t n, long long off);
bool grow_buf(char **p, size_t *cap, size_t need);
int add_chunk(bulk *b, long long key, long long sub, bulk_worker *w, long long start);
int write_chunks(bulk *b);

/* fhir_bulk_group.c: one worker of pass two (arg: its bulk_worker). */
void *bulk_pass_two(void *arg);

#endif
