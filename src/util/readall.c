/*
** readall.c: doubling reads; the limit is checked before the buffer grows
** past it, so a huge input costs at most max bytes of memory.
*/
#include "readall.h"

#include <errno.h>
#include <stdlib.h>

char *read_all(FILE *f, size_t max, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  if (!buf) return NULL;
  for (;;) {
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (n < cap) {
      if (ferror(f)) {
        int e = errno;
        free(buf);
        errno = e ? e : EIO;
        return NULL;
      }
      break;
    }
    if (cap > max) {
      free(buf);
      errno = EFBIG;
      return NULL;
    }
    char *nb = realloc(buf, cap * 2 + 1);
    if (!nb) {
      free(buf);
      errno = ENOMEM;
      return NULL;
    }
    buf = nb;
    cap *= 2;
  }
  if (n > max) {
    free(buf);
    errno = EFBIG;
    return NULL;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}
