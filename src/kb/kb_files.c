/*
** kb_files.c: the files, folders and profiles of a knowledge base.
**
** A knowledge base is a root holding common/ (what every profile shares:
** sources, drug facts, wording, FHIR tables) and profiles/NAME/ (one
** profile's numbers, preference orders, rules, disagreements and care
** gaps). Loading reads common/ and one profile, in the order of kb_parts.
** The embedded default carries common/ and every profile under the same
** relative names (CMakeLists.txt), so the two ways in share one loader.
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kb.h"
#include "kb_loader.h"
#include "../util/arena.h"
#include "../util/readall.h"

/* The files of a knowledge base, in load order (sources first: the other
** files refer to them); in_profile: under profiles/NAME/, else common/. */
static const struct {
  const char *name;
  bool in_profile;
} kb_parts[] = {
    {"sources.ini", false}, {"profile.ini", true}, {"agents.ini", false},
    {"regimens.ini", true}, {"texts.ini", false},  {"rules.ini", true},
    {"disagreements.ini", true}, {"gaps.ini", true}, {"fhir.ini", false},
    {"omop.ini", false},
};
#define KB_NFILES ((int)(sizeof kb_parts / sizeof *kb_parts))

/* A profile's name is a folder name and appears in paths: lower-case
** letters, digits, '_' and '-' only (no '/', no "..", no hidden folder). */
#define KB_PROFILE_NAME_MAX 64
_Static_assert(KB_PROFILE_NAME_MAX + 32 <= 128, "a part's name (profiles/NAME/file.ini) fits its 128 bytes");
static bool profile_name_ok(const char *p) {
  size_t n = strlen(p);
  if (!n || n > KB_PROFILE_NAME_MAX || p[0] == '-') return false;
  return strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The name files give part k of profile p: "common/X" or "profiles/p/X". */
static void part_name(char *out, size_t sz, int k, const char *profile) {
  if (kb_parts[k].in_profile) snprintf(out, sz, "profiles/%s/%s", profile, kb_parts[k].name);
  else snprintf(out, sz, "common/%s", kb_parts[k].name);
}

/* Adds name to the ", "-separated list in out unless it is there. */
static void list_add(char *out, size_t sz, const char *name, size_t len) {
  for (const char *p = out; *p;) {
    size_t k = strcspn(p, ",");
    if (k == len && !strncmp(p, name, len)) return;
    p += k + (p[k] ? 2 : 0);
  }
  size_t used = strlen(out);
  snprintf(out + used, sz - used, "%s%.*s", used ? ", " : "", (int)len, name);
}

static void unknown_profile(char *err, size_t errsz, const char *where, const char *profile, const char *list) {
  snprintf(err, errsz, "%s%sunknown profile '%s' (profiles: %s)", where, *where ? ": " : "", profile,
           *list ? list : "none");
}

static op_kb *finish(loader *L, arena *a) {
  kb_bind_all(L);
  /* a copy the binders could not make (an unchecked arena_strdup of a FHIR
  ** row, say) would leave a table short: no knowledge base instead */
  if (!L->failed && arena_failures(a)) lerr(L, "kb", 0, "out of memory");
  if (L->failed) {
    arena_destroy(a);
    return NULL;
  }
  L->kb->storage = a;
  return L->kb;
}

op_kb *kb_load_files_profile(const kb_file *files, int n, const char *profile, char *err, size_t errsz) {
  char want[128], list[512] = "";
  bool known = false;
  part_name(want, sizeof want, 1, profile_name_ok(profile) ? profile : "");
  for (int i = 0; i < n; i++) {
    if (!strncmp(files[i].name, "profiles/", 9))
      list_add(list, sizeof list, files[i].name + 9, strcspn(files[i].name + 9, "/"));
    known |= !strcmp(files[i].name, want);
  }
  if (!known || !profile_name_ok(profile)) {
    unknown_profile(err, errsz, "", profile, list);
    return NULL;
  }
  arena *a = arena_create(1 << 16);
  if (!a) {
    snprintf(err, errsz, "out of memory");
    return NULL;
  }
  loader L = {.a = a, .err = err, .errsz = errsz, .profile = arena_strdup(a, profile)};
  L.kb = arena_alloc(a, sizeof(op_kb));
  if (!L.kb || !L.profile) lerr(&L, "kb", 0, "out of memory");
  for (int k = 0; k < KB_NFILES && !L.failed; k++) {
    part_name(want, sizeof want, k, profile);
    const kb_file *f = NULL;
    for (int i = 0; i < n; i++)
      if (!strcmp(files[i].name, want)) f = &files[i];
    if (!f) {
      lerr(&L, want, 0, "file is missing from the knowledge base");
      break;
    }
    if (!kb_parse_file(&L, f->name, f->text) && !L.failed) lerr(&L, f->name, 0, "out of memory");
  }
  return finish(&L, a);
}

op_kb *kb_load_files(const kb_file *files, int n, char *err, size_t errsz) {
  return kb_load_files_profile(files, n, OP_KB_DEFAULT_PROFILE, err, errsz);
}

static char *read_file(const char *path, size_t max) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t len;
  char *buf = read_all(f, max, &len);
  fclose(f);
  if (buf && memchr(buf, 0, len)) { /* a binary file is not a knowledge base */
    free(buf);
    return NULL;
  }
  return buf;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The profiles under dir/profiles, sorted, into list; false when there is
** no such folder (then the files' own "cannot read" errors speak). */
static bool dir_profiles(const char *dir, char *list, size_t sz) {
  char path[4096];
  snprintf(path, sizeof path, "%s/profiles", dir);
  DIR *d = opendir(path);
  if (!d) return false;
  enum { MAX_LISTED = 64 };
  char names[MAX_LISTED][KB_PROFILE_NAME_MAX + 1];
  char *sorted[MAX_LISTED] = {0};
  int n = 0;
  for (struct dirent *e; n < MAX_LISTED && (e = readdir(d));) {
    struct stat st;
    snprintf(path, sizeof path, "%s/profiles/%s", dir, e->d_name);
    if (!profile_name_ok(e->d_name) || stat(path, &st) || !S_ISDIR(st.st_mode)) continue;
    memcpy(names[n], e->d_name, strlen(e->d_name) + 1); /* fits: profile_name_ok bounds it */
    sorted[n] = names[n];
    n++;
  }
  closedir(d);
  qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
  list[0] = 0;
  for (int i = 0; i < n; i++) list_add(list, sz, sorted[i], strlen(sorted[i]));
  return true;
}

op_kb *kb_load_dir_profile(const char *dir, const char *profile, char *err, size_t errsz) {
  char list[512];
  if (dir_profiles(dir, list, sizeof list)) {
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/profiles/%s", dir, profile);
    if (!profile_name_ok(profile) || stat(path, &st) || !S_ISDIR(st.st_mode)) {
      unknown_profile(err, errsz, dir, profile, list);
      return NULL;
    }
  }
  kb_file files[KB_NFILES];
  char *texts[KB_NFILES] = {0}, names[KB_NFILES][128];
  op_kb *kb = NULL;
  for (int k = 0; k < KB_NFILES; k++) {
    char path[4096];
    part_name(names[k], sizeof names[k], k, profile_name_ok(profile) ? profile : "");
    snprintf(path, sizeof path, "%s/%s", dir, names[k]);
    texts[k] = read_file(path, 16u << 20);
    if (!texts[k]) {
      snprintf(err, errsz, "%s:0: cannot read the file (missing, unreadable, binary or too large)", path);
      goto done;
    }
    files[k] = (kb_file){names[k], texts[k], (long)strlen(texts[k])};
  }
  kb = kb_load_files_profile(files, KB_NFILES, profile, err, errsz);
  if (!kb) {
    /* name the directory in front of the file */
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", err);
    snprintf(err, errsz, "%s/%s", dir, tmp);
  }
done:
  for (int i = 0; i < KB_NFILES; i++) free(texts[i]);
  return kb;
}

op_kb *kb_load_dir(const char *dir, char *err, size_t errsz) {
  return kb_load_dir_profile(dir, OP_KB_DEFAULT_PROFILE, err, errsz);
}

op_kb *kb_load_profile(const char *dir, const char *profile, char *err, size_t errsz) {
  if (!profile) profile = OP_KB_DEFAULT_PROFILE;
  if (dir) return kb_load_dir_profile(dir, profile, err, errsz);
  return kb_load_files_profile(op_kb_embedded_files, op_kb_embedded_files_count, profile, err, errsz);
}

op_kb *kb_load_default(char *err, size_t errsz) {
  return kb_load_profile(NULL, NULL, err, errsz);
}

void kb_free(op_kb *kb) {
  if (kb) arena_destroy(kb->storage);
}
