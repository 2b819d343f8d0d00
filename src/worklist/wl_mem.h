/*
** wl_mem.h: the memory a worklist thread keeps its rows in until they are
** written: large chunks mapped straight from the system, filled by bumping
** a pointer, all released at once.
**
** A million-record list keeps some 600,000 rows (their CSV lines, about 400
** bytes each). Grown as one buffer, those rows were copied at every
** doubling; chunks never move, so nothing is copied and a row's address is
** final when it is made. (Transparent huge pages, MADV_HUGEPAGE, were
** tried: 10,000 page faults instead of 92,000, but the kernel's time went
** up from 0.2-0.4 s to 0.8-0.9 s, compacting memory to find them.)
*/
#ifndef OSTEO_WL_MEM_H
#define OSTEO_WL_MEM_H

#include <stddef.h>

typedef struct wl_chunk wl_chunk;

typedef struct {
  wl_chunk *head; /* the newest chunk, the one allocations come from */
} wl_mem;

/* n bytes aligned to 16, not zeroed (fresh pages are, but a reused chunk
** is not promised); NULL when out of memory. */
void *wl_mem_alloc(wl_mem *m, size_t n);
/* Every chunk given back; m is empty again. */
void wl_mem_free(wl_mem *m);

#endif
