/*
** lines.c: a growing window over the (decompressed) stream; lines are cut in
** place with memchr. gzip goes through zlib's inflate directly, member by
** member, rather than gzread: gzread reports a stream cut short as a quiet
** end of file and skips bytes after a member that do not look like gzip, and
** either would lose records without a word.
*/
#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LR_CHUNK (1u << 20)
#define LR_IN (256u * 1024u)

static bool ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), t = strlen(tail);
  return n >= t && !strcmp(s + n - t, tail);
}

int lr_open(line_reader *r, const char *path, size_t max_line) {
  int fd = strcmp(path, "-") ? open(path, O_RDONLY) : dup(STDIN_FILENO);
  if (fd < 0) return -1;
  if (lr_open_fd(r, fd, max_line) != 0) return -1;
  r->want_gzip = ends_with(path, ".gz");
  return 0;
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
  r->max_line = max_line;
  r->cap = LR_CHUNK;
  r->in_cap = LR_IN;
  r->buf = malloc(r->cap);
  r->in = malloc(r->in_cap);
  if (!r->buf || !r->in) {
    free(r->buf);
    free(r->in);
    close(r->fd);
    errno = ENOMEM;
    return -1;
  }
  return 0;
}

/* Stops reading with a message; errno EBADMSG for the caller. */
static bool fail(line_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(line_reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->msg, sizeof r->msg, fmt, ap);
  va_end(ap);
  r->error = r->eof = true;
  r->err = errno = EBADMSG;
  return false;
}

/* Where reading stopped, for the messages: compressed bytes and lines. */
static long long consumed(const line_reader *r) { return r->raw_read - (long long)r->zs.avail_in; }

/* A read error (errno set by read): stops reading with a message. */
static bool read_failed(line_reader *r) {
  r->err = errno;
  snprintf(r->msg, sizeof r->msg, "read error after %lld bytes: %s", r->raw_read, strerror(r->err));
  r->error = r->eof = true;
  errno = r->err;
  return false;
}

/* Reads into the raw buffer after the have bytes it holds; false on error. */
static bool read_more(line_reader *r, size_t have) {
  ssize_t n;
  do n = read(r->fd, r->in + have, r->in_cap - have);
  while (n < 0 && errno == EINTR);
  if (n < 0) return read_failed(r);
  if (n == 0) r->raw_eof = true;
  r->zs.next_in = r->in;
  r->zs.avail_in = (uInt)(have + (size_t)n);
  r->raw_read += n;
  return true;
}

/* Refills the raw buffer when it is empty; false on a read error. */
static bool read_raw(line_reader *r) { return r->zs.avail_in || r->raw_eof || read_more(r, 0); }

/* Looks at the first bytes: gzip (1f 8b) or plain. */
static bool begin(line_reader *r) {
  r->started = true;
  if (!read_raw(r)) return false;
  while (r->zs.avail_in == 1 && !r->raw_eof) /* a pipe may give one byte first */
    if (!read_more(r, 1)) return false;
  const unsigned char *p = r->in;
  uInt n = r->zs.avail_in;
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
    if (inflateInit2(&r->zs, 15 + 16) != Z_OK) { /* 16: gzip wrapper only */
      r->error = r->eof = true;
      r->err = errno = ENOMEM;
      return false;
    }
    r->zs.next_in = r->in; /* inflateInit2 keeps next_in/avail_in, but be explicit */
    r->zs.avail_in = n;
    r->zinit = r->gzip = r->member_start = true;
    return true;
  }
  if (r->want_gzip) return fail(r, "not gzip: no gzip header in its first %u bytes (empty or cut)", n < 2 ? n : 2);
  if (n >= 1 && p[0] == 0x1f) return fail(r, "corrupt gzip: broken header in the first %u bytes", n);
  return true;
}

/* Plain input is read straight into the line buffer: a copy through the
** raw buffer cost about as much as the rest of the line reader. Only the
** bytes begin() read to look for the gzip magic are still copied. */
static bool fill_plain(line_reader *r) {
  if (r->zs.avail_in == 0 && !r->raw_eof) {
    ssize_t got;
    do got = read(r->fd, r->buf + r->len, r->cap - r->len);
    while (got < 0 && errno == EINTR);
    if (got < 0) return read_failed(r);
    r->raw_read += got;
    if (got > 0) {
      r->len += (size_t)got;
      return true;
    }
    r->raw_eof = true;
  }
  if (r->zs.avail_in == 0) {
    r->eof = true;
    return false;
  }
  size_t n = r->zs.avail_in < r->cap - r->len ? r->zs.avail_in : r->cap - r->len;
  memcpy(r->buf + r->len, r->zs.next_in, n);
  r->zs.next_in += n;
  r->zs.avail_in -= (uInt)n;
  r->len += n;
  return true;
}

/* Decompresses until some bytes come out, member after member. */
static bool fill_gzip(line_reader *r) {
  for (;;) {
    if (!read_raw(r)) return false;
    if (r->zs.avail_in == 0) { /* raw end of input */
      if (r->member_start) {
        r->eof = true;
        return false;
      }
      return fail(r, "truncated gzip: the input ends inside a compressed member after %lld bytes, %llu lines read",
                  r->raw_read, (unsigned long long)r->line_no);
    }
    bool was_start = r->member_start;
    r->member_start = false;
    r->zs.next_out = (unsigned char *)r->buf + r->len;
    r->zs.avail_out = (uInt)(r->cap - r->len);
    int ret = inflate(&r->zs, Z_NO_FLUSH);
    size_t got = r->cap - r->len - r->zs.avail_out;
    r->len += got;
    if (ret == Z_STREAM_END) { /* trailer checked: CRC-32 and length */
      inflateReset(&r->zs);
      r->member_start = true;
    } else if (ret == Z_MEM_ERROR) {
      r->error = r->eof = true;
      r->err = errno = ENOMEM;
      return false;
    } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
      if (was_start && r->zs.msg && !strcmp(r->zs.msg, "incorrect header check"))
        return fail(r, "corrupt gzip: bytes that are not gzip after a complete member, at byte %lld, %llu lines read",
                    consumed(r), (unsigned long long)r->line_no);
      return fail(r, "corrupt gzip: %s, at byte %lld of %lld read, %llu lines read",
                  r->zs.msg ? r->zs.msg : "bad data", consumed(r), r->raw_read, (unsigned long long)r->line_no);
    }
    if (got) return true;
  }
}

/* Moves the unread tail to the front and reads more; false at end or error. */
static bool fill(line_reader *r) {
  if (r->eof) return false;
  if (!r->started && !begin(r)) return false;
  if (r->pos > 0) {
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
  }
  if (r->len == r->cap) return true; /* full: the caller decides */
  return r->gzip ? fill_gzip(r) : fill_plain(r);
}

/* The end of input: the last line may lack its newline. */
static int last_line(line_reader *r, bool skipping, const char **line, size_t *len, bool *too_long) {
  size_t n = r->len - r->pos;
  if (skipping) {
    r->line_no++;
    *too_long = true;
    *line = NULL;
    *len = 0;
    return 1;
  }
  if (n == 0) return 0;
  char *start = r->buf + r->pos;
  r->pos = r->len;
  r->line_no++;
  if (start[n - 1] == '\r') n--;
  *line = start;
  *len = n;
  return 1;
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
        r->err = errno = ENOMEM;
        return -1;
      }
      r->buf = nb;
      r->cap = ncap;
    }
    if (!fill(r)) {
      if (r->error) {
        errno = r->err;
        return -1;
      }
      return last_line(r, skipping, line, len, too_long);
    }
  }
}

long long lr_offset(line_reader *r) { return consumed(r); }

const char *lr_error(const line_reader *r) { return r->msg; }

void lr_close(line_reader *r) {
  if (r->zinit) inflateEnd(&r->zs);
  close(r->fd);
  free(r->buf);
  free(r->in);
  memset(r, 0, sizeof *r);
  r->fd = -1;
}
