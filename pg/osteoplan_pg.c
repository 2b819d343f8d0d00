/*
** osteoplan_pg.c: the osteoplan engine inside PostgreSQL; this file holds
** the module's setup, its two settings and the knowledge base of a backend.
** The SQL functions are in osteoplan_pg_assess.c and osteoplan_pg_screen.c.
**
** The engine keeps no global state; PostgreSQL's unit of work is the
** backend process, so the one piece of per-backend state (the loaded
** knowledge base and its workspace) is a static here, the way extensions
** keep per-backend caches. A parallel worker is a backend of its own and
** loads its own copy, with the leader's settings (PostgreSQL hands its
** workers every setting).
*/
#include "osteoplan_pg.h"

#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/memutils.h"

PG_MODULE_MAGIC;

void _PG_init(void);

/* The settings. Both PGC_SUSET: the functions are IMMUTABLE (a plan
** depends only on the record and the date), which holds only while the
** knowledge base does not change under a session's feet. Letting any user
** switch it per session would give the same call two answers inside one
** database (an expression index, a materialized view, a constant folded
** by the planner); an administrator chooses it for a database or role
** (ALTER DATABASE ... SET), or a superuser for a session. kb_dir also
** makes the server read a directory of its file system, which is for a
** superuser to allow. */
static char *guc_kb_dir = NULL;
static char *guc_profile = NULL;

/* What this backend has loaded, and with which settings (copies in
** TopMemoryContext; the knowledge base and workspace are the engine's own
** malloc'ed memory, kept for the backend's life). */
static struct {
  op_kb *kb;
  op_workspace *ws;
  char *dir;
  char *profile;
} cache;

void _PG_init(void) {
  DefineCustomStringVariable("osteoplan.kb_dir", "Directory of the osteoplan knowledge base (common/, profiles/NAME/).",
                             "Empty: the knowledge base built into the extension.", &guc_kb_dir, "", PGC_SUSET, 0,
                             NULL, NULL, NULL);
  DefineCustomStringVariable("osteoplan.profile", "Profile of the osteoplan knowledge base.",
                             "Empty: the default profile.", &guc_profile, "", PGC_SUSET, 0, NULL, NULL, NULL);
  MarkGUCPrefixReserved("osteoplan");
}

static bool same(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

/* Drops what the backend had loaded (engine memory first, then ours). */
static void cache_drop(void) {
  if (cache.ws) op_workspace_free(cache.ws);
  if (cache.kb) op_kb_free(cache.kb);
  cache.ws = NULL;
  cache.kb = NULL;
  if (cache.dir) pfree(cache.dir);
  if (cache.profile) pfree(cache.profile);
  cache.dir = NULL;
  cache.profile = NULL;
}

/* Loads the knowledge base the settings name. On failure nothing stays
** loaded (the next call tries again) and the error names both settings. */
static void cache_load(void) {
  const char *dir = guc_kb_dir ? guc_kb_dir : "";
  const char *profile = guc_profile ? guc_profile : "";
  op_error err;
  cache_drop();
  op_kb *kb = op_kb_load_profile(dir[0] ? dir : NULL, profile[0] ? profile : NULL, &err);
  if (!kb)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("osteoplan.kb_dir '%s', osteoplan.profile '%s': knowledge base rejected: %s", dir, profile,
                           err.message)));
  op_workspace *ws = op_workspace_new();
  if (!ws) {
    op_kb_free(kb);
    ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
  }
  /* the copies first: an allocation failure here must not leave a kb
  ** recorded under settings it was not loaded with */
  PG_TRY();
  {
    cache.dir = MemoryContextStrdup(TopMemoryContext, dir);
    cache.profile = MemoryContextStrdup(TopMemoryContext, profile);
  }
  PG_CATCH();
  {
    op_workspace_free(ws);
    op_kb_free(kb);
    cache_drop();
    PG_RE_THROW();
  }
  PG_END_TRY();
  cache.kb = kb;
  cache.ws = ws;
}

const op_kb *osteoplan_pg_kb(void) {
  if (!cache.kb || !same(cache.dir, guc_kb_dir) || !same(cache.profile, guc_profile)) cache_load();
  return cache.kb;
}

op_workspace *osteoplan_pg_workspace(void) {
  osteoplan_pg_kb();
  return cache.ws;
}

void osteoplan_pg_date(DateADT d, char buf[11]) {
  int y, m, day;
  if (DATE_NOT_FINITE(d))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("as_of: expected a finite date")));
  j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
  if (y < 1 || y > 9999)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("as_of: expected a year from 1 to 9999")));
  snprintf(buf, 11, "%04d-%02d-%02d", y, m, day);
}

void osteoplan_pg_raise(op_status st, const op_error *err) {
  /* the engine's internal failures are out of memory, or a knowledge base
  ** it cannot use (refused when loaded, so not expected here) */
  if (st == OP_ERR_INTERNAL)
    ereport(ERROR, (errcode(strstr(err->message, "out of memory") ? ERRCODE_OUT_OF_MEMORY : ERRCODE_INTERNAL_ERROR),
                    errmsg("osteoplan: %s", err->message)));
  ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", err->message)));
}

PG_FUNCTION_INFO_V1(osteoplan_kb_version);
Datum osteoplan_kb_version(PG_FUNCTION_ARGS) {
  const op_kb *kb = osteoplan_pg_kb();
  char buf[256];
  snprintf(buf, sizeof buf, "%s (%s, updated %s)", op_kb_version(kb), op_kb_status(kb), op_kb_updated(kb));
  PG_RETURN_TEXT_P(cstring_to_text(buf));
}
