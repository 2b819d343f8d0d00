/*
** wl_out.c: the worklist's output file, whole or not at all (wl_write.h).
*/
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wl_write.h"

int wl_out_open(wl_out *o, const char *path) {
  memset(o, 0, sizeof *o);
  o->path = path;
  if (!strcmp(path, "-")) {
    o->f = stdout;
    return 0;
  }
  struct stat sb;
  if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) { /* a device or a pipe: nothing to rename */
    if (S_ISDIR(sb.st_mode)) {
      errno = EISDIR;
      return -1;
    }
    o->f = fopen(path, "w");
    return o->f ? 0 : -1;
  }
  /* beside the target, hidden, so the rename stays in one file system */
  const char *slash = strrchr(path, '/');
  int dirlen = slash ? (int)(slash - path + 1) : 0;
  int n = snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.tmp-XXXXXX", dirlen, path, slash ? slash + 1 : path);
  if (n < 0 || (size_t)n >= sizeof o->tmp) {
    o->tmp[0] = 0;
    errno = ENAMETOOLONG;
    return -1;
  }
  int fd = mkstemp(o->tmp); /* mode 0600: the list names patients */
  if (fd < 0) {
    o->tmp[0] = 0;
    return -1;
  }
  o->f = fdopen(fd, "w");
  if (!o->f) {
    int e = errno;
    close(fd);
    unlink(o->tmp);
    o->tmp[0] = 0;
    errno = e;
    return -1;
  }
  return 0;
}

const char *wl_out_name(const wl_out *o) { return o->tmp[0] ? o->tmp : o->path; }

void wl_out_abort(wl_out *o) {
  int e = errno;
  if (o->f && o->f != stdout) fclose(o->f);
  o->f = NULL;
  if (o->tmp[0]) unlink(o->tmp);
  o->tmp[0] = 0;
  errno = e;
}

/* The temporary file's bytes on the disk before it takes the target's name
** (a crash after the rename must not leave an empty file under it). */
static int sync_file(const char *name) {
  int fd = open(name, O_RDONLY);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  int e = errno;
  if (close(fd) != 0 && !rc) return -1;
  errno = e;
  return rc;
}

int wl_out_commit(wl_out *o) {
  errno = 0;
  if (o->f) {
    bool ok = fflush(o->f) == 0 && !ferror(o->f);
    if (!ok && !errno) errno = EIO;
    if (o->f == stdout) {
      o->f = NULL;
      return ok ? 0 : -1;
    }
    int e = errno;
    if (fclose(o->f) != 0 && ok) {
      ok = false;
      e = errno ? errno : EIO;
    }
    o->f = NULL;
    if (!ok) {
      errno = e;
      wl_out_abort(o);
      return -1;
    }
  }
  if (!o->tmp[0]) return 0;
  if (sync_file(o->tmp) != 0 || rename(o->tmp, o->path) != 0) {
    wl_out_abort(o);
    return -1;
  }
  o->tmp[0] = 0;
  return 0;
}
