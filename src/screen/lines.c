/*
** lines.c: a growing window over the decompressed stream; lines are cut in
** place with memchr.
*/
#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LR_CHUNK (1u << 20)

int lr_open(line_reader *r, const char *path, size_t max_line) {
  int fd = strcmp(path, "-") ? open(path, O_RDONLY) : dup(STDIN_FILENO);
  if (fd < 0) return -1;
  return lr_open_fd(r, fd, max_line);
}

int lr_open_fd(line_reader *r, int fd, size_t max_line) {
  memset(r, 0, sizeof *r);
  r->fd = fd;
  struct stat st;
  r->size = fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode) ? (long long)st.st_size : -1;
  if (r->size < 0 && fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(r->fd);
    errno = EISDIR;
    return -1;
  }
  r->gz = gzdopen(r->fd, "rb");
  if (!r->gz) {
    close(r->fd);
    errno = ENOMEM;
    return -1;
  }
  gzbuffer(r->gz, 256 * 1024);
  r->max_line = max_line;
  r->cap = LR_CHUNK;
  r->buf = malloc(r->cap);
  if (!r->buf) {
    gzclose(r->gz);
    errno = ENOMEM;
    return -1;
  }
  return 0;
}

/* Moves the unread tail to the front and reads more; false at end or error. */
static bool fill(line_reader *r) {
  if (r->eof) return false;
  if (r->pos > 0) {
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
  }
  if (r->len == r->cap) return true; /* full: the caller decides */
  int n = gzread(r->gz, r->buf + r->len, (unsigned)(r->cap - r->len));
  if (n < 0) {
    r->error = true;
    r->eof = true;
    return false;
  }
  if (n == 0) {
    r->eof = true;
    return false;
  }
  r->len += (size_t)n;
  return true;
}

int lr_next(line_reader *r, const char **line, size_t *len, bool *too_long) {
  *too_long = false;
  size_t scanned = 0; /* bytes after pos already known to hold no newline */
  bool skipping = false;
  for (;;) {
    char *start = r->buf + r->pos;
    char *nl = memchr(start + scanned, '\n', r->len - r->pos - scanned);
    if (nl) {
      size_t n = (size_t)(nl - start);
      r->pos += n + 1;
      r->line_no++;
      if (skipping || n > r->max_line) {
        *too_long = true;
        *line = NULL;
        *len = 0;
        return 1;
      }
      if (n && start[n - 1] == '\r') n--;
      *line = start;
      *len = n;
      return 1;
    }
    scanned = r->len - r->pos;
    if (skipping) { /* drop what we have of the long line */
      r->pos = r->len;
      scanned = 0;
    } else if (scanned > r->max_line) {
      skipping = true;
      r->pos = r->len;
      scanned = 0;
    } else if (r->pos == 0 && r->len == r->cap) { /* grow for a long line */
      size_t ncap = r->cap * 2;
      char *nb = realloc(r->buf, ncap);
      if (!nb) {
        r->error = true;
        return -1;
      }
      r->buf = nb;
      r->cap = ncap;
    }
    if (!fill(r)) {
      if (r->error) return -1;
      /* end of input: the last line may lack its newline */
      size_t n = r->len - r->pos;
      if (skipping) {
        r->line_no++;
        *too_long = true;
        *line = NULL;
        *len = 0;
        return 1;
      }
      if (n == 0) return 0;
      start = r->buf + r->pos;
      r->pos = r->len;
      r->line_no++;
      if (start[n - 1] == '\r') n--;
      *line = start;
      *len = n;
      return 1;
    }
  }
}

long long lr_offset(line_reader *r) { return (long long)gzoffset(r->gz); }

void lr_close(line_reader *r) {
  if (r->gz) gzclose(r->gz); /* closes fd */
  free(r->buf);
  memset(r, 0, sizeof *r);
}
