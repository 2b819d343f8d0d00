/*
** test_lines.c: the line reader (util/lines.c) against a plain splitter of
** the same bytes, from a regular file and from a pipe that gives its bytes
** in uneven pieces (one byte first, as a slow writer may).
**
** Plain input is read straight into the reader's line buffer, after the
** first bytes it looked at for the gzip magic (issue 19); the text here is
** several times that buffer (1 MB), with lines of every length from empty
** to past the reader's limit, bytes of every value but the newline, CR LF
** endings, a line that makes the buffer grow, and a last line without its
** newline.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/lines.h"

#define MAX_LINE (1536u * 1024u) /* more than the reader's first buffer */

/* a small deterministic generator: the same text on every run */
static uint64_t next_rand(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return *s >> 33;
}

/* The text: lines of random length and bytes, some very long ones. */
static char *make_text(size_t *len) {
  size_t cap = 8u << 20, n = 0;
  char *t = malloc(cap);
  assert_non_null(t);
  uint64_t s = 19;
  for (int i = 0; n < cap - (3u << 20); i++) {
    size_t l = next_rand(&s) % 600;
    if (i % 97 == 5) l = 0;
    if (i == 300) l = MAX_LINE - 1; /* fits: the buffer grows for it */
    if (i == 700) l = MAX_LINE + 10; /* too long: skipped to its end */
    if (i == 701) l = MAX_LINE;      /* exactly the limit, with a CR: too long by one */
    for (size_t k = 0; k < l; k++) {
      char c = (char)(next_rand(&s) & 0xff);
      t[n++] = c == '\n' ? 'x' : c;
    }
    if (i % 5 == 1 || i == 701) t[n++] = '\r';
    t[n++] = '\n';
  }
  memcpy(t + n, "last\rline", 9); /* no newline: still a line, its CR kept */
  n += 9;
  *len = n;
  return t;
}

/* Reads every line of r and compares it with the text split by hand. */
static void compare(line_reader *r, const char *t, size_t n) {
  size_t at = 0;
  uint64_t lines = 0;
  for (;;) {
    const char *line;
    size_t len;
    bool too_long;
    int got = lr_next(r, &line, &len, &too_long);
    assert_true(got >= 0);
    if (at == n) {
      assert_int_equal(got, 0);
      break;
    }
    assert_int_equal(got, 1);
    const char *nl = memchr(t + at, '\n', n - at);
    size_t raw = nl ? (size_t)(nl - (t + at)) : n - at; /* the line's bytes, CR included */
    lines++;
    assert_int_equal(r->line_no, lines);
    if (raw > MAX_LINE) {
      assert_true(too_long);
    } else {
      size_t want = nl && raw && t[at + raw - 1] == '\r' ? raw - 1 : raw;
      assert_false(too_long);
      assert_int_equal(len, want);
      assert_memory_equal(line, t + at, want);
    }
    at += raw + (nl != NULL);
  }
}

static void test_file(void **state) {
  (void)state;
  size_t n;
  char *t = make_text(&n);
  char path[] = "/tmp/test_lines_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, t, n), (ssize_t)n);
  close(fd);
  line_reader r;
  assert_int_equal(lr_open(&r, path, MAX_LINE), 0);
  compare(&r, t, n);
  lr_close(&r);
  unlink(path);
  free(t);
}

static void test_pipe(void **state) {
  (void)state;
  size_t n;
  char *t = make_text(&n);
  int p[2];
  assert_int_equal(pipe(p), 0);
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) { /* the writer: one byte, then pieces of uneven sizes */
    close(p[0]);
    uint64_t s = 7;
    size_t at = 0;
    for (size_t piece = 1; at < n; piece = 1 + next_rand(&s) % 70000) {
      if (piece > n - at) piece = n - at;
      ssize_t w = write(p[1], t + at, piece);
      if (w <= 0) _exit(1);
      at += (size_t)w;
    }
    _exit(0);
  }
  close(p[1]);
  line_reader r;
  assert_int_equal(lr_open_fd(&r, p[0], MAX_LINE), 0);
  compare(&r, t, n);
  lr_close(&r);
  int status = 0;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_file), cmocka_unit_test(test_pipe)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
