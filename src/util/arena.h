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

#endif
