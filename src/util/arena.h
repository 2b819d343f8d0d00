/*
** arena.h: a bump allocator. One arena per assessment: the record, the facts,
** the plan and its renderings all live in it, and arena_destroy() frees them
** in one call. Not thread-safe by design: an arena belongs to one thread.
*/
#ifndef OSTEO_ARENA_H
#define OSTEO_ARENA_H

#include <stddef.h>

typedef struct arena arena;

arena *arena_create(size_t first_block);
void arena_destroy(arena *a);
/* Zeroed memory, 16-byte aligned; NULL only when the system is out of
** memory or n is absurd. */
void *arena_alloc(arena *a, size_t n);
/* The same without zeroing, for buffers the caller fills at once. */
void *arena_alloc_raw(arena *a, size_t n);
void *arena_array(arena *a, size_t count, size_t size);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
/* Grow an arena array to new_size bytes, the new bytes zeroed. old_size is
** the size old was allocated with: when old is the arena's newest
** allocation and its block has room, it grows in place; otherwise the old
** contents are copied (the old storage stays until the arena is destroyed). */
void *arena_grow(arena *a, void *old, size_t old_size, size_t new_size);
/* The same without zeroing the new bytes, for buffers that track their length. */
void *arena_grow_raw(arena *a, void *old, size_t old_size, size_t new_size);
/* Forget everything allocated but keep the first block for reuse. */
void arena_reset(arena *a);

/* Failing on demand, to test every out-of-memory path (tests only; the
** service never sets a budget). *left is how many allocations the arena may
** still make: each call of arena_alloc*, arena_grow* (grown in place or
** not) and arena_create_budget/_like spends one, and at 0 every allocation fails as if the system were out of memory. The
** caller owns the counter (several arenas of one assessment may share it)
** and keeps it alive as long as the arenas; NULL means no limit. */
void arena_set_budget(arena *a, size_t *left);
/* arena_create spending one from *left (NULL when it is 0), the budget set. */
arena *arena_create_budget(size_t first_block, size_t *left);
/* A new arena under the same budget as a (none when a has none), whose
** failed allocations count as a's too: for scratch arenas a stage makes
** while working for a's owner. Destroy it before a. */
arena *arena_create_like(arena *a, size_t first_block);
/* How many allocations of this arena (and of its arena_create_like
** children) have failed so far, budget or system. A stage may let one pass
** (a note left out); the owner compares the count before and after a stage
** and gives no answer rather than a partial one. */
size_t arena_failures(const arena *a);

#endif
