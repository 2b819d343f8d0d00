/*
** wl_mem.c: the chunks of wl_mem.h.
*/
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS: not in POSIX (the build's _POSIX_C_SOURCE hides them) */
#include "wl_mem.h"

#include <stdint.h>
#include <sys/mman.h>

/* 8 MB: four huge pages, a few thousand rows; a bigger request (a row over
** 8 MB: a pathological name) gets a chunk of its own size. */
#define CHUNK_BYTES (8u << 20)

struct wl_chunk {
  wl_chunk *next;
  size_t size, used; /* bytes mapped, bytes given (this header included) */
};

enum { HEAD = (sizeof(wl_chunk) + 15) & ~(size_t)15 };

static wl_chunk *chunk_new(size_t size) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  wl_chunk *c = p;
  c->next = NULL;
  c->size = size;
  c->used = HEAD;
  return c;
}

void *wl_mem_alloc(wl_mem *m, size_t n) {
  if (n > SIZE_MAX - HEAD - 15) return NULL;
  n = (n + 15) & ~(size_t)15;
  wl_chunk *c = m->head;
  if (c && n + HEAD > CHUNK_BYTES) { /* its own chunk, behind the one being filled */
    wl_chunk *own = chunk_new(n + HEAD);
    if (!own) return NULL;
    own->next = c->next;
    c->next = own;
    own->used += n;
    return (char *)own + HEAD;
  }
  if (!c || c->size - c->used < n) {
    size_t size = n + HEAD > CHUNK_BYTES ? n + HEAD : CHUNK_BYTES;
    wl_chunk *fresh = chunk_new(size);
    if (!fresh) return NULL;
    fresh->next = c;
    m->head = c = fresh;
  }
  void *p = (char *)c + c->used;
  c->used += n;
  return p;
}

void wl_mem_free(wl_mem *m) {
  for (wl_chunk *c = m->head, *next; c; c = next) {
    next = c->next;
    munmap(c, c->size);
  }
  m->head = NULL;
}
