/*
** fhir_bulk.c: see fhir_bulk.h. Every line is parsed once into the bulk's
** arena; a hash of patient ids (open addressing, doubled when half full)
** gathers each patient's resources.
*/
#include "fhir_bulk.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "screen/lines.h"

#define BULK_MAX_LINE (64u << 20)

typedef struct {
  const char *id;
  size_t idlen;
  fhir_res *res;
  int n, cap;
  bool has_patient;
} pat;

struct fhir_bulk {
  arena *a;
  pat *p;
  int np, pcap;
  int *hash; /* index into p, -1 empty */
  int hcap;
  int *order; /* patients with a Patient resource, in order read */
  int norder, ocap;
  long lines, bad, orphans;
};

static unsigned long hash_of(const char *s, size_t n) {
  unsigned long h = 1469598103934665603ul;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ul;
  return h;
}

static bool rehash(fhir_bulk *b) {
  int cap = b->hcap ? b->hcap * 2 : 1024;
  int *h = malloc(sizeof(int) * (size_t)cap);
  if (!h) return false;
  for (int i = 0; i < cap; i++) h[i] = -1;
  for (int i = 0; i < b->np; i++) {
    unsigned long k = hash_of(b->p[i].id, b->p[i].idlen) & (unsigned long)(cap - 1);
    while (h[k] >= 0) k = (k + 1) & (unsigned long)(cap - 1);
    h[k] = i;
  }
  free(b->hash);
  b->hash = h;
  b->hcap = cap;
  return true;
}

static pat *patient(fhir_bulk *b, const char *id, size_t n) {
  if (2 * (b->np + 1) > b->hcap && !rehash(b)) return NULL;
  unsigned long k = hash_of(id, n) & (unsigned long)(b->hcap - 1);
  while (b->hash[k] >= 0) {
    pat *p = &b->p[b->hash[k]];
    if (p->idlen == n && !memcmp(p->id, id, n)) return p;
    k = (k + 1) & (unsigned long)(b->hcap - 1);
  }
  if (b->np == b->pcap) {
    int cap = b->pcap ? b->pcap * 2 : 256;
    pat *np = realloc(b->p, sizeof(pat) * (size_t)cap);
    if (!np) return NULL;
    b->p = np;
    b->pcap = cap;
  }
  pat *p = &b->p[b->np];
  *p = (pat){arena_strndup(b->a, id, n), n, NULL, 0, 0, false};
  b->hash[k] = b->np++;
  return p->id ? p : NULL;
}

static bool add(pat *p, fhir_res r, bool first) {
  if (p->n == p->cap) {
    int cap = p->cap ? p->cap * 2 : 16;
    fhir_res *nr = realloc(p->res, sizeof(fhir_res) * (size_t)cap);
    if (!nr) return false;
    p->res = nr;
    p->cap = cap;
  }
  if (first) {
    memmove(p->res + 1, p->res, sizeof(fhir_res) * (size_t)p->n);
    p->res[0] = r;
  } else {
    p->res[p->n] = r;
  }
  p->n++;
  return true;
}

/* "Patient/ID" (or a urn:uuid:ID) of the resource's subject or patient. */
static bool patient_ref(const json_doc *d, int r, const char **id, size_t *n) {
  int ref = fj_get(d, fj_get(d, r, "subject"), "reference");
  if (ref < 0) ref = fj_get(d, fj_get(d, r, "patient"), "reference");
  if (ref < 0 || d->tok[ref].type != JT_STRING) return false;
  const char *s = d->text + d->tok[ref].start;
  size_t len = (size_t)(d->tok[ref].end - d->tok[ref].start);
  if (len > 8 && !memcmp(s, "Patient/", 8)) s += 8, len -= 8;
  else if (len > 9 && !memcmp(s, "urn:uuid:", 9)) s += 9, len -= 9;
  else return false;
  *id = s;
  *n = len;
  return len > 0;
}

static int read_file(fhir_bulk *b, const char *path, FILE *errors) {
  line_reader lr;
  if (lr_open(&lr, path, BULK_MAX_LINE) != 0) return -1;
  const char *line;
  size_t len;
  bool too_long;
  long no = 0;
  int rc;
  while ((rc = lr_next(&lr, &line, &len, &too_long)) > 0) {
    no++;
    if (too_long) {
      fprintf(errors, "%s:%ld: line longer than %u MiB, skipped\n", path, no, BULK_MAX_LINE >> 20);
      b->bad++;
      continue;
    }
    if (len == 0) continue;
    b->lines++;
    char *text = arena_strndup(b->a, line, len);
    json_doc *d = arena_alloc(b->a, sizeof *d);
    char msg[256];
    if (!text || !d) return -1;
    if (json_parse(b->a, text, len, d, msg, sizeof msg) < 0) {
      fprintf(errors, "%s:%ld: not JSON: %s\n", path, no, msg);
      b->bad++;
      continue;
    }
    int rt = fj_get(d, 0, "resourceType");
    if (rt < 0 || d->tok[rt].type != JT_STRING) {
      fprintf(errors, "%s:%ld: not a FHIR resource (no resourceType), skipped\n", path, no);
      b->bad++;
      continue;
    }
    const char *id;
    size_t n;
    bool is_patient = fj_is(d, rt, "Patient");
    if (is_patient) {
      int t = fj_get(d, 0, "id");
      if (t < 0 || d->tok[t].type != JT_STRING) {
        fprintf(errors, "%s:%ld: Patient without id, skipped\n", path, no);
        b->bad++;
        continue;
      }
      id = d->text + d->tok[t].start;
      n = (size_t)(d->tok[t].end - d->tok[t].start);
    } else if (!patient_ref(d, 0, &id, &n)) {
      b->orphans++; /* not about one patient (Practitioner, Organization...) */
      continue;
    }
    pat *p = patient(b, id, n);
    if (!p || !add(p, (fhir_res){d, 0}, is_patient)) return -1;
    if (is_patient && !p->has_patient) {
      p->has_patient = true;
      if (b->norder == b->ocap) {
        int cap = b->ocap ? b->ocap * 2 : 256;
        int *o = realloc(b->order, sizeof(int) * (size_t)cap);
        if (!o) return -1;
        b->order = o;
        b->ocap = cap;
      }
      b->order[b->norder++] = (int)(p - b->p);
    }
  }
  int saved = errno;
  lr_close(&lr);
  errno = saved;
  return rc < 0 ? -1 : 0;
}

static int name_cmp(const void *x, const void *y) {
  return strcmp(*(char *const *)x, *(char *const *)y);
}

static bool ndjson_name(const char *n) {
  size_t l = strlen(n);
  return (l > 7 && !strcmp(n + l - 7, ".ndjson")) || (l > 10 && !strcmp(n + l - 10, ".ndjson.gz"));
}

fhir_bulk *fhir_bulk_load(const char *path, FILE *errors) {
  fhir_bulk *b = calloc(1, sizeof *b);
  if (!b || !(b->a = arena_create(1 << 20))) {
    free(b);
    errno = ENOMEM;
    return NULL;
  }
  struct stat st;
  int rc = 0;
  if (strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    DIR *dir = opendir(path);
    if (!dir) {
      fhir_bulk_free(b);
      return NULL;
    }
    char **names = NULL;
    int nn = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
      if (!ndjson_name(e->d_name)) continue;
      if (nn == cap) {
        cap = cap ? cap * 2 : 16;
        char **nw = realloc(names, sizeof(char *) * (size_t)cap);
        if (!nw) break;
        names = nw;
      }
      names[nn++] = strdup(e->d_name);
    }
    closedir(dir);
    if (nn) qsort(names, (size_t)nn, sizeof *names, name_cmp);
    for (int i = 0; i < nn; i++) {
      char full[4096];
      snprintf(full, sizeof full, "%s/%s", path, names[i] ? names[i] : "");
      if (rc == 0 && names[i]) rc = read_file(b, full, errors);
      free(names[i]);
    }
    free(names);
  } else {
    rc = read_file(b, path, errors);
  }
  if (rc != 0) {
    int saved = errno;
    fhir_bulk_free(b);
    errno = saved;
    return NULL;
  }
  for (int i = 0; i < b->np; i++)
    if (!b->p[i].has_patient) b->orphans += b->p[i].n;
  return b;
}

void fhir_bulk_free(fhir_bulk *b) {
  if (!b) return;
  for (int i = 0; i < b->np; i++) free(b->p[i].res);
  free(b->p);
  free(b->hash);
  free(b->order);
  arena_destroy(b->a);
  free(b);
}

int fhir_bulk_patients(const fhir_bulk *b) { return b->norder; }
int fhir_bulk_resources(const fhir_bulk *b, int i, const fhir_res **res) {
  const pat *p = &b->p[b->order[i]];
  *res = p->res;
  return p->n;
}
long fhir_bulk_bad_lines(const fhir_bulk *b) { return b->bad; }
long fhir_bulk_orphans(const fhir_bulk *b) { return b->orphans; }
long fhir_bulk_lines(const fhir_bulk *b) { return b->lines; }
