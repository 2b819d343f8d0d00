/*
** kb_loader.h: the knowledge-base loader's own parts, shared by kb.c (the
** entries, the lookups and the binder), kb_bind.c (one binder per kind of
** section) and kb_files.c (files, folders and profiles). Not for use
** outside src/kb/.
*/
#ifndef OSTEO_KB_LOADER_H
#define OSTEO_KB_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include "kb.h"
#include "../util/arena.h"

typedef struct {
  const char *file;
  int line;
  const char *section, *key;
  char *value;
  bool used;
} entry;

typedef struct {
  const char *file;
  int line;
  const char *name;
  bool used;
  int first, n; /* its entries: a section appears once, so they are contiguous */
} section;

typedef struct {
  arena *a;
  entry *e;
  int ne, cap;
  section *s;
  int ns, scap;
  int *index; /* open-addressing hash of section names -> s[], size icap (a power of 2) */
  int icap;
  char *err;
  size_t errsz;
  bool failed;
  op_kb *kb;
  const char *profile; /* the name of the profile's folder (profiles/NAME/) */
} loader;

/* Errors: the first one is kept, as "file:line: what". */
void lerr(loader *L, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void lerr_key(loader *L, const char *sec, const char *key, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Reading: one file's text into entries and sections. */
bool kb_parse_file(loader *L, const char *file, const char *text);

/* Lookups; each marks what it finds as used. */
section *find_section(loader *L, const char *name);
entry *get(loader *L, const char *sec, const char *key);
section *need_section(loader *L, const char *sec);
const char *req_str(loader *L, const char *sec, const char *key);
const char *opt_str(loader *L, const char *sec, const char *key);
double req_num(loader *L, const char *sec, const char *key);
double opt_num(loader *L, const char *sec, const char *key, double dflt);
int split_list(loader *L, const char *v, char **items, int max);
int code_of(const char *const *table, int count, const char *s);
op_srcset req_sources(loader *L, const char *sec, const char *key);
bool check_template(loader *L, entry *e);
void missing_section(loader *L, const char *prefix, const char *const *codes, int n, const char *code,
                     const char *deflt_file);

/* The binders of kb_bind.c, in the order kb.c calls them. */
void kb_bind_metadata(loader *L);
void kb_bind_sources(loader *L);
void kb_bind_wording_and_tables(loader *L);

/* kb_values.c: {section.key} in the prose becomes the profile's value. */
void kb_bind_profile_values(loader *L);

/* kb_agents.c: [order.X] and the routes' snomed codes (agents.ini), after
** the agents and routes are bound. */
void kb_bind_orders(loader *L);

/* kb_omop.c: [omop.*] (kb/common/omop.ini). */
void kb_bind_omop(loader *L);

/* kb.c: binds the entries read into L->kb (the whole check). */
void kb_bind_all(loader *L);

#endif
