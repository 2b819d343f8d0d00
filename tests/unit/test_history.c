/*
** test_history.c: the worklist's run history in SQLite (src/worklist/history.h):
** two runs with known differences and the exact changes between them; a run
** rolled back, and a process killed mid-write (a forked child SIGKILLs
** itself before its commit, after SQLite has written into the file), leave
** the previous run whole, nothing of the other, and a file that passes
** PRAGMA integrity_check; files that are not ours, from a newer version, in
** a read-only folder are refused with clear errors that never hold a name
** or an MRN.
*/
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "osteoplan.h"
#include "worklist/history.h"

typedef struct {
  op_kb *kb;
  char dir[64];
  char db[128];
  char exe[512]; /* this program, run again for the children */
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  op_error e;
  f->kb = op_kb_load_default(&e);
  snprintf(f->dir, sizeof f->dir, "/tmp/test_history.XXXXXX");
  ssize_t n = readlink("/proc/self/exe", f->exe, sizeof f->exe - 1);
  if (!f->kb || n <= 0 || !mkdtemp(f->dir)) {
    op_kb_free(f->kb);
    free(f);
    return -1;
  }
  f->exe[n] = 0;
  snprintf(f->db, sizeof f->db, "%s/runs.db", f->dir);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  char cmd[160];
  snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' && rm -rf '%s'", f->dir, f->dir);
  int rc = system(cmd);
  op_kb_free(f->kb);
  free(f);
  return rc == 0 ? 0 : -1;
}

/* A code's index in this kb by its name (the test speaks names). */
static int code(const op_kb *kb, op_code_kind kind, const char *name) {
  for (int i = 0; i < op_code_count(kb, kind); i++)
    if (strcmp(op_code_name(kb, kind, i), name) == 0) return i;
  fail_msg("no code %s", name);
  return -1;
}

/* A row: "id|name|mrn|action|gap,gap" (empty fields: none). */
static worklist_row row(const op_kb *kb, char *spec) {
  worklist_row r = {.age = 70, .sex = "female", .first_agent = -1, .reason = "why"};
  char *save = NULL;
  char *f[5] = {0};
  char *s = spec;
  for (int i = 0; i < 5; i++, s = NULL) f[i] = strtok_r(s, "|", &save);
  r.patient_id = *f[0] != '-' ? f[0] : NULL;
  r.name = f[1];
  r.mrn = *f[2] != '-' ? f[2] : NULL;
  r.risk = code(kb, OP_CODE_RISK, "high");
  r.action = code(kb, OP_CODE_ACTION, f[3]);
  if (f[4])
    for (char *g = strtok_r(f[4], ",", &save); g; g = strtok_r(NULL, ",", &save))
      r.gaps |= 1UL << code(kb, OP_CODE_GAP, g);
  return r;
}

static const worklist_run run1 = {"2026-11-01T08:00:00Z", "2026-11-01", "2026.12", "november.ndjson", 10, 4, 6, 0};
static const worklist_run run2 = {"2026-12-01T08:00:00Z", "2026-12-01", "2026.12", "december.ndjson", 11, 4, 7, 0};

/* Writes one run of rows (specs as row() reads them). */
static void write_run(const fixture *f, history *h, const worklist_run *run, const char *const *specs, int n) {
  char err[512];
  assert_true(history_begin_run(h, run, err, sizeof err));
  for (int i = 0; i < n; i++) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", specs[i]);
    worklist_row r = row(f->kb, buf);
    if (!history_add_row(h, &r, f->kb, err, sizeof err)) fail_msg("%s", err);
  }
  if (!history_commit(h, run, err, sizeof err)) fail_msg("%s", err);
}

/* Run 1 and run 2 differ by: p1 a new gap, p2 a closed gap, p3 its action,
** p5 new on the list, p4 gone from it; p6 unchanged; a row without id or
** MRN in each (kept, not compared); p7 matched by MRN alone. */
static const char *const rows1[] = {
    "p1|Ann Alpha|M1|start|untreated_high_risk",
    "p2|Bea Beta|M2|start|untreated_high_risk,baseline_labs_missing",
    "p3|Cy Gamma|M3|assess|bone_density_test_needed",
    "p4|Di Delta|M4|start|untreated_after_fracture",
    "p6|Eve Same|M6|continue|denosumab_overdue",
    "-|No Id|-|start|untreated_high_risk",
    "-|=Formula, Name|M7|start|untreated_high_risk",
};
static const char *const rows2[] = {
    "p1|Ann Alpha|M1|start|untreated_high_risk,baseline_labs_missing",
    "p2|Bea Beta|M2|start|untreated_high_risk",
    "p3|Cy Gamma|M3|start|bone_density_test_needed",
    "p5|Flo New|M5|start|untreated_after_fracture,baseline_labs_missing,denosumab_overdue",
    "p6|Eve Same|M6|continue|denosumab_overdue",
    "-|No Id|-|start|untreated_high_risk",
    "-|=Formula, Name|M7|start|untreated_high_risk",
};

/* history_changes into a string (malloc'd). */
static char *changes(history *h, const op_kb *kb, history_format fmt) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  assert_non_null(out);
  char err[512];
  bool ok = history_changes(h, kb, out, fmt, err, sizeof err);
  assert_int_equal(fclose(out), 0);
  if (!ok) fail_msg("%s", err);
  return buf;
}

static const char expect_csv_codes[] =
    "change,patient_id,name,mrn,item,before,after\r\n"
    "new on the list,p5,Flo New,M5,action,,start\r\n"
    "new on the list,p5,Flo New,M5,gap,,baseline_labs_missing\r\n" /* no kb: by name */
    "new on the list,p5,Flo New,M5,gap,,denosumab_overdue\r\n"
    "new on the list,p5,Flo New,M5,gap,,untreated_after_fracture\r\n"
    "gone from the list,p4,Di Delta,M4,action,start,\r\n"
    "gone from the list,p4,Di Delta,M4,gap,untreated_after_fracture,\r\n"
    "new gap,p1,Ann Alpha,M1,gap,,baseline_labs_missing\r\n"
    "closed gap,p2,Bea Beta,M2,gap,baseline_labs_missing,\r\n"
    "action changed,p3,Cy Gamma,M3,action,assess,start\r\n";

static void test_changes(void **state) {
  fixture *f = *state;
  history *h;
  char err[512];
  assert_true(history_open(f->db, &h, err, sizeof err));
  char *none = changes(h, f->kb, HISTORY_TEXT);
  assert_string_equal(none, "No earlier run to compare with: 0 run(s) in the history.\n");
  free(none);
  write_run(f, h, &run1, rows1, 7);
  write_run(f, h, &run2, rows2, 7);
  long n = 0;
  assert_true(history_run_count(h, &n, err, sizeof err));
  assert_int_equal(n, 2);
  char *csv = changes(h, NULL, HISTORY_CSV);
  assert_string_equal(csv, expect_csv_codes);
  free(csv);
  /* in words: the kb's words for the gap and the actions */
  csv = changes(h, f->kb, HISTORY_CSV);
  assert_non_null(strstr(csv, "action changed,p3,Cy Gamma,M3,action,assess first: measure bone density (DXA) and estimate FRAX,start\r\n"));
  assert_non_null(strstr(csv, "new gap,p1,Ann Alpha,M1,gap,,\"labs needed before the next dose missing or older than 12 "
                              "months (renal function, calcium, vitamin D)\"\r\n"));
  free(csv);
  char *text = changes(h, f->kb, HISTORY_TEXT);
  if (getenv("TEST_HISTORY_SHOW")) fputs(text, stderr);
  assert_non_null(strstr(text, "Before: run 1 on 2026-11-01T08:00:00Z (as of 2026-11-01, knowledge base 2026.12, input "
                               "november.ndjson): 10 records, 4 listed, 6 not listed (out of scope or no care gap), 0 not read; 1 listed without "
                               "an id or MRN, not compared\n"));
  assert_non_null(strstr(text, "Action changed:\n  p3 | Cy Gamma | MRN M3 | assess first: measure bone density (DXA) "
                               "and estimate FRAX -> start\n"));
  assert_non_null(strstr(text, "Gone from the list:\n  p4 | Di Delta | MRN M4 | action was: start | gaps were: "));
  assert_non_null(strstr(text, "1 new on the list, 1 gone from it, 1 with new gaps, 1 with closed gaps, 1 with a changed action\n"));
  /* with the kb, a patient's gaps most urgent first ([worklist] urgency), not by name */
  const char *p5 = strstr(text, "p5 | Flo New");
  assert_non_null(p5);
  const char *overdue = strstr(p5, "denosumab"), *fracture = strstr(p5, "fracture"), *labs = strstr(p5, "labs needed");
  assert_non_null(overdue), assert_non_null(fracture), assert_non_null(labs);
  assert_true(overdue < fracture && fracture < labs);
  free(text);
  history_close(h);
}

/* The patient matched by MRN alone whose name starts with '=' stays text
** in CSV: a third run where only that patient's action changes. */
static void test_csv_formula_and_mrn_key(void **state) {
  fixture *f = *state;
  history *h;
  char err[512];
  assert_true(history_open(f->db, &h, err, sizeof err));
  write_run(f, h, &run1, rows1 + 6, 1);
  const char *changed[] = {"-|=Formula, Name|M7|refer|untreated_high_risk"};
  write_run(f, h, &run2, changed, 1);
  char *csv = changes(h, NULL, HISTORY_CSV);
  assert_string_equal(csv, "change,patient_id,name,mrn,item,before,after\r\n"
                           "action changed,,\"'=Formula, Name\",M7,action,start,refer\r\n");
  free(csv);
  history_close(h);
}

/* integrity_check, the runs and the rows of runs that are not there. */
static void check_file(const char *path, long runs, long rows) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  const char *sql[] = {"PRAGMA integrity_check", "SELECT count(*) FROM run", "SELECT count(*) FROM patient_row",
                       "SELECT count(*) FROM patient_row WHERE run_id NOT IN (SELECT id FROM run)",
                       "SELECT count(*) FROM gap WHERE row_id NOT IN (SELECT id FROM patient_row)",
                       "PRAGMA foreign_key_check"};
  for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql[i], -1, &st, NULL), SQLITE_OK);
    int rc = sqlite3_step(st);
    if (i == 0) {
      assert_int_equal(rc, SQLITE_ROW);
      assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    } else if (i == 5) {
      assert_int_equal(rc, SQLITE_DONE); /* no row: no broken reference */
    } else {
      assert_int_equal(rc, SQLITE_ROW);
      long want = i == 1 ? runs : i == 2 ? rows : 0;
      assert_int_equal(sqlite3_column_int64(st, 0), want);
    }
    sqlite3_finalize(st);
  }
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void test_rollback(void **state) {
  fixture *f = *state;
  history *h;
  char err[512];
  assert_true(history_open(f->db, &h, err, sizeof err));
  write_run(f, h, &run1, rows1, 7);
  assert_true(history_begin_run(h, &run2, err, sizeof err));
  char buf[128];
  snprintf(buf, sizeof buf, "%s", rows2[3]);
  worklist_row r = row(f->kb, buf);
  assert_true(history_add_row(h, &r, f->kb, err, sizeof err));
  /* changes refused while a run is open: it is not complete */
  FILE *out = tmpfile();
  assert_false(history_changes(h, NULL, out, HISTORY_TEXT, err, sizeof err));
  assert_non_null(strstr(err, "a run is open"));
  fclose(out);
  history_rollback(h);
  char *text = changes(h, NULL, HISTORY_TEXT);
  assert_string_equal(text, "No earlier run to compare with: 1 run(s) in the history.\n");
  free(text);
  /* a run left open at close is rolled back too */
  assert_true(history_begin_run(h, &run2, err, sizeof err));
  assert_true(history_add_row(h, &r, f->kb, err, sizeof err));
  history_close(h);
  check_file(f->db, 1, 7);
}

/* The same patient twice in one run: refused, and the error holds neither
** the id, the name nor the MRN. */
static void test_duplicate_no_patient_data(void **state) {
  fixture *f = *state;
  history *h;
  char err[512];
  assert_true(history_open(f->db, &h, err, sizeof err));
  assert_true(history_begin_run(h, &run1, err, sizeof err));
  char a[] = "p9|Secret Name|SECRETMRN|start|untreated_high_risk", b[] = "p9|Secret Name|SECRETMRN|start|";
  worklist_row ra = row(f->kb, a), rb = row(f->kb, b);
  assert_true(history_add_row(h, &ra, f->kb, err, sizeof err));
  assert_false(history_add_row(h, &rb, f->kb, err, sizeof err));
  assert_non_null(strstr(err, "row 2: a patient already listed in this run"));
  assert_null(strstr(err, "p9"));
  assert_null(strstr(err, "Secret"));
  assert_null(strstr(err, "SECRETMRN"));
  /* a code the kb does not have: named by number, the row by its place */
  worklist_row rc = ra;
  rc.patient_id = "p10";
  rc.action = 999;
  assert_false(history_add_row(h, &rc, f->kb, err, sizeof err));
  assert_non_null(strstr(err, "row 3: action code 999 is not in the knowledge base"));
  history_rollback(h);
  history_close(h);
  check_file(f->db, 0, 0);
}

/* The child (this program run again with --killed-writer DB, a process of
** its own, so that a memory checker watching the tests does not watch it
** die): a run of many rows (more than SQLite's page cache holds, so pages
** are written into the database file before the commit), then SIGKILL
** before history_commit. Never returns. */
static int killed_writer(const char *db, long rows) {
  op_error e;
  op_kb *kb = op_kb_load_default(&e);
  history *h;
  char err[512];
  if (!kb || !history_open(db, &h, err, sizeof err) || !history_begin_run(h, &run2, err, sizeof err)) _exit(2);
  char spec[] = "x|Killed Run|MK|start|untreated_high_risk,baseline_labs_missing";
  worklist_row r = row(kb, spec);
  char id[32];
  for (long i = 0; i < rows; i++) {
    snprintf(id, sizeof id, "k%ld", i);
    r.patient_id = id;
    if (!history_add_row(h, &r, kb, err, sizeof err)) _exit(3);
  }
  kill(getpid(), SIGKILL);
  _exit(4);
}

/* Runs this program again with a mode and a path; its wait status. */
static int run_self(const fixture *f, const char *mode, const char *path, int out_fd) {
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0) _exit(5);
    execl(f->exe, f->exe, mode, path, (char *)NULL);
    _exit(6);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return status;
}

static void test_killed_mid_write(void **state) {
  fixture *f = *state;
  history *h;
  char err[512];
  assert_true(history_open(f->db, &h, err, sizeof err));
  write_run(f, h, &run1, rows1, 7);
  history_close(h);
  struct stat before, after, journal;
  assert_int_equal(stat(f->db, &before), 0);
  int status = run_self(f, "--killed-writer", f->db, -1);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGKILL);
  /* it was killed mid-write: the file grew and a hot journal is there */
  char jpath[160];
  snprintf(jpath, sizeof jpath, "%s-journal", f->db);
  assert_int_equal(stat(f->db, &after), 0);
  assert_true(after.st_size > before.st_size);
  assert_int_equal(stat(jpath, &journal), 0);
  assert_true(journal.st_size > 0);
  /* hot: its header carries the magic SQLite writes (and syncs) before it
  ** changes a page of the database file */
  static const unsigned char magic[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};
  unsigned char head[8] = {0};
  FILE *jf = fopen(jpath, "rb");
  assert_non_null(jf);
  assert_int_equal(fread(head, 1, 8, jf), 8);
  fclose(jf);
  assert_memory_equal(head, magic, 8);
  /* the reader of --changes rolls the hot journal back: run 1 whole */
  assert_true(history_open_readonly(f->db, &h, err, sizeof err));
  char *text = changes(h, NULL, HISTORY_TEXT);
  assert_string_equal(text, "No earlier run to compare with: 1 run(s) in the history.\n");
  free(text);
  history_close(h);
  assert_int_equal(stat(jpath, &journal), -1);
  check_file(f->db, 1, 7);
  /* and the next run goes in as if nothing had happened */
  assert_true(history_open(f->db, &h, err, sizeof err));
  write_run(f, h, &run2, rows2, 7);
  char *csv = changes(h, NULL, HISTORY_CSV);
  assert_string_equal(csv, expect_csv_codes);
  free(csv);
  history_close(h);
}

/* err after a failed open, which must name the file. */
static void open_fails(const char *path, bool readonly, const char *why, char *err, size_t errsz) {
  history *h = (history *)1;
  bool ok = readonly ? history_open_readonly(path, &h, err, errsz) : history_open(path, &h, err, errsz);
  assert_false(ok);
  assert_null(h);
  assert_non_null(strstr(err, path));
  if (!strstr(err, why)) fail_msg("'%s' does not say '%s'", err, why);
}

static void write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  assert_true(fputs(text, fp) >= 0);
  assert_int_equal(fclose(fp), 0);
}

static void exec_sql(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void test_bad_files(void **state) {
  fixture *f = *state;
  char path[160], err[512];
  snprintf(path, sizeof path, "%s/notes.txt", f->dir);
  write_file(path, "these are a nurse's notes, not a database, and long enough to be read as a header: 0123456789\n");
  open_fails(path, false, "file is not a database", err, sizeof err);
  open_fails(path, true, "file is not a database", err, sizeof err);
  snprintf(path, sizeof path, "%s/other.db", f->dir);
  exec_sql(path, "CREATE TABLE t (x)");
  open_fails(path, false, "not an osteoplan run history", err, sizeof err);
  snprintf(path, sizeof path, "%s/empty.db", f->dir);
  exec_sql(path, "PRAGMA user_version = 0");
  open_fails(path, true, "holds no runs yet", err, sizeof err);
  snprintf(path, sizeof path, "%s/missing.db", f->dir);
  open_fails(path, true, "No such file", err, sizeof err);
  assert_int_equal(access(path, F_OK), -1); /* read-only open never creates */
  /* a history written by a newer osteoplan */
  history *h;
  assert_true(history_open(f->db, &h, err, sizeof err));
  history_close(h);
  exec_sql(f->db, "PRAGMA user_version = 3");
  open_fails(f->db, false, "written by a newer osteoplan (schema version 3; this one reads up to 2)", err, sizeof err);
  open_fails(f->db, true, "schema version 3", err, sizeof err);
}

static long long query_ll(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  long long v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  return v;
}

/* A history of schema 1 (run.not_listed was named out_of_scope) is read as
** it is by --changes, and moved to schema 2 by the next run that writes. */
static void test_schema1(void **state) {
  fixture *f = *state;
  history *h;
  char err[512];
  assert_true(history_open(f->db, &h, err, sizeof err));
  write_run(f, h, &run1, rows1, 7);
  write_run(f, h, &run2, rows2, 7);
  history_close(h);
  exec_sql(f->db, "ALTER TABLE run RENAME COLUMN not_listed TO out_of_scope; PRAGMA user_version = 1");
  assert_true(history_open_readonly(f->db, &h, err, sizeof err));
  char *text = changes(h, f->kb, HISTORY_TEXT);
  assert_non_null(strstr(text, "10 records, 4 listed, 6 not listed (out of scope or no care gap), 0 not read"));
  free(text);
  history_close(h);
  assert_int_equal(query_ll(f->db, "PRAGMA user_version"), 1); /* reading changes nothing */
  assert_true(history_open(f->db, &h, err, sizeof err));
  history_close(h);
  assert_int_equal(query_ll(f->db, "PRAGMA user_version"), 2);
  assert_int_equal(query_ll(f->db, "SELECT not_listed FROM run WHERE id = 1"), 6);
  assert_int_equal(query_ll(f->db, "SELECT count(*) FROM pragma_table_info('run') WHERE name = 'out_of_scope'"), 0);
}

/* Created 0600: it holds names and MRNs. */
static void test_private_mode(void **state) {
  fixture *f = *state;
  history *h;
  char err[512];
  mode_t old = umask(022);
  assert_true(history_open(f->db, &h, err, sizeof err));
  umask(old);
  history_close(h);
  struct stat st;
  assert_int_equal(stat(f->db, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
}

/* In a folder the user cannot write: as root (who writes anywhere), the
** check runs in a child that has given up root for nobody. */
static void test_readonly_dir(void **state) {
  fixture *f = *state;
  char sub[160], path[200];
  snprintf(sub, sizeof sub, "%s/ro", f->dir);
  assert_int_equal(mkdir(sub, 0555), 0);
  assert_int_equal(chmod(f->dir, 0755), 0);
  snprintf(path, sizeof path, "%s/runs.db", sub);
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  int status = run_self(f, "--open-as-nobody", path, fds[1]);
  close(fds[1]);
  char err[512] = {0};
  ssize_t n = read(fds[0], err, sizeof err - 1);
  close(fds[0]);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_true(n > 0);
  assert_non_null(strstr(err, path));
  assert_non_null(strstr(err, "cannot create: Permission denied"));
}

/* The child of test_readonly_dir: gives up root (who may write anywhere)
** for nobody, tries to create the history, prints the error. */
static int open_as_nobody(const char *path) {
  if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) return 2;
  history *h;
  char err[512] = "";
  if (history_open(path, &h, err, sizeof err)) return 3;
  return fputs(err, stdout) < 0 || fflush(stdout) != 0 ? 4 : 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--killed-writer") == 0) return killed_writer(argv[2], 60000);
  if (argc == 3 && strcmp(argv[1], "--open-as-nobody") == 0) return open_as_nobody(argv[2]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_csv_formula_and_mrn_key, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
      cmocka_unit_test_setup_teardown(test_duplicate_no_patient_data, setup, teardown),
      cmocka_unit_test_setup_teardown(test_killed_mid_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
      cmocka_unit_test_setup_teardown(test_schema1, setup, teardown),
      cmocka_unit_test_setup_teardown(test_private_mode, setup, teardown),
      cmocka_unit_test_setup_teardown(test_readonly_dir, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
