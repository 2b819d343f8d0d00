/*
** fhir_bulk_temp.c: the temporary files of fhir_bulk (fhir_bulk_int.h):
** spills of resources, and the error reports kept in export order.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fhir/fhir_bulk_int.h"

/* Keeps the first error's message and errno; every worker stops at its next
** step (failed). */
void bulk_note_error(bulk *b, int err, const char *fmt, ...) {
  pthread_mutex_lock(&b->em);
  if (!b->st->error[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->st->error, sizeof b->st->error, fmt, ap);
    va_end(ap);
    b->err = err ? err : EIO;
  }
  atomic_store(&b->failed, true);
  errno = b->err;
  pthread_mutex_unlock(&b->em);
}

static const char *temp_dir(const bulk *b) {
  const char *d = b->o->tmpdir ? b->o->tmpdir : getenv("TMPDIR");
  return d && *d ? d : "/tmp";
}

/* An unlinked file in the temporary directory: gone when closed or killed;
** its descriptor, or -1. */
static int temp_fd(bulk *b) {
  char path[4096];
  const char *dir = temp_dir(b);
  if (snprintf(path, sizeof path, "%s/osteoplan-bulk-XXXXXX", dir) >= (int)sizeof path)
    return FAIL(b, ENAMETOOLONG, "temporary directory %s: name too long", dir);
  int fd = mkstemp(path);
  if (fd < 0) return FAIL(b, errno, "cannot create a temporary file in %s: %s", dir, strerror(errno));
  unlink(path);
  return fd;
}

int temp_open(bulk *b, spill *s) {
  int fd = temp_fd(b);
  if (fd < 0) return -1;
  *s = (spill){.open = true, .fd = fd};
  return 0;
}

/* A temporary file through stdio (the error reports, written with fprintf). */
FILE *temp_file(bulk *b) {
  int fd = temp_fd(b);
  FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
  if (fd >= 0 && !f) {
    int e = errno;
    close(fd);
    bulk_note_error(b, e, "cannot open a temporary file in %s: %s", temp_dir(b), strerror(e));
  }
  return f;
}

static int write_fail(bulk *b, int e) {
  return FAIL(b, e ? e : EIO, "cannot write a temporary file in %s (%lld bytes written in all): %s", temp_dir(b),
              atomic_load(&b->written), strerror(e ? e : EIO));
}

/* n bytes at the end of the file (short writes resumed: a file size limit
** shows as a short write first, then EFBIG). */
static int write_out(bulk *b, spill *s, const char *p, size_t n) {
  while (n) {
    ssize_t r = write(s->fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return write_fail(b, r < 0 ? errno : 0);
    p += r, n -= (size_t)r;
  }
  return 0;
}

static int flush_buf(bulk *b, spill *s) {
  int rc = s->blen ? write_out(b, s, s->buf, s->blen) : 0;
  s->blen = 0;
  return rc;
}

int temp_write(bulk *b, spill *s, const void *p, size_t n) {
  if (!s->buf && !(s->buf = malloc(b->spill_buf))) return FAIL(b, ENOMEM, "out of memory");
  if (s->blen + n > b->spill_buf && flush_buf(b, s) != 0) return -1;
  if (n > b->spill_buf) {
    if (write_out(b, s, p, n) != 0) return -1;
  } else if (n) {
    memcpy(s->buf + s->blen, p, n);
    s->blen += n;
  }
  s->bytes += (long long)n;
  atomic_fetch_add(&b->written, (long long)n);
  long long live = atomic_fetch_add(&b->live, (long long)n) + (long long)n;
  long long peak = atomic_load(&b->peak);
  while (live > peak && !atomic_compare_exchange_weak(&b->peak, &peak, live)) {
  }
  return 0;
}

/* Writes out the buffer (where a full disk shows) and makes the spill ready
** to be read from its start (spill_get; or by offset). The buffer is freed:
** a spill waiting to be read holds no memory. */
int temp_rewind(bulk *b, spill *s) {
  if (flush_buf(b, s) != 0) return -1;
  free(s->buf);
  s->buf = NULL;
  s->blen = 0;
  s->bpos = 0;
  s->roff = 0;
  return 0;
}

void temp_close(bulk *b, spill *s) {
  if (s->open) {
    close(s->fd);
    atomic_fetch_sub(&b->live, s->bytes);
  }
  free(s->buf);
  *s = (spill){0};
}

int spill_put(bulk *b, spill *s, int64_t pos, const char *key, size_t keylen, const char *line, size_t len) {
  if (!s->open && temp_open(b, s) != 0) return -1;
  rec_hdr h = {(uint32_t)len + 1, (uint32_t)keylen, pos};
  if (temp_write(b, s, &h, sizeof h) || temp_write(b, s, key, keylen) || temp_write(b, s, line, len) ||
      temp_write(b, s, "", 1))
    return -1;
  s->recs++;
  return 0;
}

bool grow_buf(char **p, size_t *cap, size_t need) {
  if (need <= *cap) return true;
  char *n = realloc(*p, need);
  if (!n) return false;
  *p = n;
  *cap = need;
  return true;
}

/* n bytes of a rewound spill, read ahead through its buffer. */
static bool read_ahead(bulk *b, spill *s, char *p, size_t n) {
  while (n) {
    if (s->bpos == s->blen) {
      long long left = s->bytes - s->roff;
      size_t want = left < (long long)b->spill_buf ? (size_t)left : b->spill_buf;
      if (!want) return false;
      if (!s->buf && !(s->buf = malloc(b->spill_buf))) return false;
      if (!pread_all(s->fd, s->buf, want, s->roff)) return false;
      s->roff += (long long)want;
      s->blen = want;
      s->bpos = 0;
    }
    size_t k = s->blen - s->bpos < n ? s->blen - s->bpos : n;
    memcpy(p, s->buf + s->bpos, k);
    s->bpos += k, p += k, n -= k;
  }
  return true;
}

/* The next record of a rewound spill into w->rbuf (key, then line):
** 1, 0 at the end, -1 on error. */
int spill_get(bulk_worker *w, spill *s, rec_hdr *h) {
  if (s->roff == s->bytes && s->bpos == s->blen) return 0;
  if (!read_ahead(w->b, s, (char *)h, sizeof *h)) return FAIL(w->b, EIO, "cannot read a temporary file back");
  size_t need = (size_t)h->keylen + h->len;
  if (!grow_buf(&w->rbuf, &w->rcap, need)) return FAIL(w->b, ENOMEM, "out of memory");
  if (!read_ahead(w->b, s, w->rbuf, need)) return FAIL(w->b, EIO, "cannot read a temporary file back");
  return 1;
}

/* Which of FHIR_BULK_FANOUT buckets a key goes to at one level: each level
** hashes differently, so a split bucket really splits. */
unsigned bucket_of(const char *k, size_t n, int level) {
  uint64_t h = 1469598103934665603ull ^ ((uint64_t)level * 0x9E3779B97F4A7C15ull);
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return (unsigned)(h % FHIR_BULK_FANOUT);
}

bool pread_all(int fd, char *p, size_t n, long long off) {
  while (n) {
    ssize_t r = pread(fd, p, n, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r, n -= (size_t)r, off += r;
  }
  return true;
}

static bool more_chunks(bulk *b) {
  if (b->chunks && b->nchunks < b->cchunks) return true;
  size_t cap = b->cchunks ? b->cchunks * 2 : 64;
  err_chunk *nc = realloc(b->chunks, sizeof *nc * cap);
  if (!nc) return false;
  b->chunks = nc;
  b->cchunks = cap;
  return true;
}

/* Notes that w's error file holds, from start on, the reports of batch or
** bucket key at sub (nothing when it holds none). The reports of a bucket
** grouped whole come in their order: one chunk. */
int add_chunk(bulk *b, long long key, long long sub, bulk_worker *w, long long start) {
  if (!w->errs) return 0;
  long long end = ftell(w->errs);
  if (end < 0) return FAIL(b, errno ? errno : EIO, "cannot write a temporary file");
  if (end <= start) return 0;
  pthread_mutex_lock(&b->m);
  bool ok = true;
  err_chunk *last = w->last_chunk >= 0 ? &b->chunks[w->last_chunk] : NULL;
  if (w->whole && last && last->key == key && last->off + last->len == start) {
    last->len = end - last->off;
  } else if ((ok = more_chunks(b))) {
    b->chunks[b->nchunks] = (err_chunk){key, sub, start, end - start, w->id};
    w->last_chunk = (long)b->nchunks++;
  }
  pthread_mutex_unlock(&b->m);
  return ok ? 0 : FAIL(b, ENOMEM, "out of memory");
}

static int by_key(const void *x, const void *y) {
  const err_chunk *a = x, *c = y;
  if (a->key != c->key) return (a->key > c->key) - (a->key < c->key);
  return (a->sub > c->sub) - (a->sub < c->sub);
}

/* The reports noted so far, to the errors stream in key order; forgotten. */
int write_chunks(bulk *b) {
  for (int i = 0; i < b->nw; i++) {
    errno = 0;
    if (b->w[i].errs && (fflush(b->w[i].errs) != 0 || ferror(b->w[i].errs)))
      return FAIL(b, errno ? errno : EIO, "cannot write a temporary file");
    b->w[i].last_chunk = -1;
  }
  if (b->nchunks) qsort(b->chunks, b->nchunks, sizeof *b->chunks, by_key);
  char tmp[16384];
  for (size_t i = 0; i < b->nchunks; i++) {
    const err_chunk *c = &b->chunks[i];
    int fd = fileno(b->w[c->worker].errs);
    for (long long done = 0; done < c->len;) {
      size_t n = c->len - done < (long long)sizeof tmp ? (size_t)(c->len - done) : sizeof tmp;
      if (!pread_all(fd, tmp, n, c->off + done)) return FAIL(b, errno ? errno : EIO, "cannot read a temporary file back");
      fwrite(tmp, 1, n, b->o->errors); /* checked by the caller, as every report is */
      done += (long long)n;
    }
  }
  b->nchunks = 0;
  return 0;
}
