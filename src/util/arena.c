/*
** arena.c: blocks chained in a list; allocation bumps a pointer in the
** newest block. Big requests get a block of their own.
*/
#include "arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
  struct block *next;
  size_t size, used;
  _Alignas(16) unsigned char data[];
} block;

struct arena {
  block *head;
  size_t block_size;
  size_t *budget; /* allocations left, or NULL: see arena_set_budget */
  size_t failures;
  size_t *parent_failures; /* arena_create_like: the parent's count, or NULL */
};

/* p, or a failure counted when p is NULL. */
static void *counted(arena *a, void *p) {
  if (!p) {
    a->failures++;
    if (a->parent_failures) ++*a->parent_failures;
  }
  return p;
}

size_t arena_failures(const arena *a) { return a->failures; }

/* One allocation spent from the budget; false when none is left. */
static bool spend(size_t *budget) {
  if (!budget) return true;
  if (!*budget) return false;
  --*budget;
  return true;
}

static block *block_new(size_t size) {
  block *b = malloc(sizeof(block) + size);
  if (!b) return NULL;
  b->next = NULL;
  b->size = size;
  b->used = 0;
  return b;
}

arena *arena_create(size_t first_block) {
  arena *a = malloc(sizeof *a);
  if (!a) return NULL;
  a->block_size = first_block < 1024 ? 1024 : first_block;
  a->budget = NULL;
  a->failures = 0;
  a->parent_failures = NULL;
  a->head = block_new(a->block_size);
  if (!a->head) {
    free(a);
    return NULL;
  }
  return a;
}

void arena_set_budget(arena *a, size_t *left) { a->budget = left; }

arena *arena_create_budget(size_t first_block, size_t *left) {
  if (!spend(left)) return NULL;
  arena *a = arena_create(first_block);
  if (a) a->budget = left;
  return a;
}

arena *arena_create_like(arena *a, size_t first_block) {
  arena *c = arena_create_budget(first_block, a->budget);
  if (c) c->parent_failures = &a->failures;
  else a->failures++;
  return c;
}

void arena_destroy(arena *a) {
  if (!a) return;
  block *b = a->head;
  while (b) {
    block *n = b->next;
    free(b);
    b = n;
  }
  free(a);
}

void arena_reset(arena *a) {
  block *b = a->head;
  while (b->next) { /* keep only the oldest (first) block */
    block *n = b->next;
    b->next = NULL;
    free(b);
    b = n;
  }
  /* b is now the last in the chain, which is the first block allocated */
  a->head = b;
  a->head->used = 0;
}

void *arena_alloc(arena *a, size_t n) {
  void *p = arena_alloc_raw(a, n);
  if (p) memset(p, 0, n);
  return p;
}

/* arena_alloc_raw without spending from the budget (the caller has). */
static void *alloc_raw(arena *a, size_t n) {
  if (n > SIZE_MAX / 2) return NULL;
  n = (n + 15) & ~(size_t)15;
  block *b = a->head;
  if (b->size - b->used < n) {
    size_t sz = n > a->block_size ? n : a->block_size;
    block *nb = block_new(sz);
    if (!nb) return NULL;
    /* Keep the fuller block behind: new blocks go to the front so the bump
    ** pointer always works on the newest one. */
    nb->next = a->head;
    a->head = nb;
    if (a->block_size < (1u << 20)) a->block_size *= 2;
    b = nb;
  }
  void *p = b->data + b->used;
  b->used += n;
  return p;
}

void *arena_alloc_raw(arena *a, size_t n) {
  /* the usual case first, in a few instructions (a record makes dozens of
  ** allocations): no budget and room in the newest block */
  block *b = a->head;
  if (!a->budget && n <= SIZE_MAX / 2) {
    size_t r = (n + 15) & ~(size_t)15;
    if (b->size - b->used >= r) {
      void *p = b->data + b->used;
      b->used += r;
      return p;
    }
  }
  return counted(a, spend(a->budget) ? alloc_raw(a, n) : NULL);
}

void *arena_array(arena *a, size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return counted(a, NULL);
  return arena_alloc(a, count * size);
}

char *arena_strndup(arena *a, const char *s, size_t n) {
  /* every byte is written: no zeroing first */
  char *p = arena_alloc_raw(a, n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *arena_strdup(arena *a, const char *s) {
  return arena_strndup(a, s, strlen(s));
}

void *arena_grow_raw(arena *a, void *old, size_t old_size, size_t new_size) {
  if (new_size > SIZE_MAX / 2 || !spend(a->budget)) return counted(a, NULL);
  block *b = a->head;
  size_t old_r = (old_size + 15) & ~(size_t)15, new_r = (new_size + 15) & ~(size_t)15;
  /* The newest allocation of the newest block grows where it is: a buffer
  ** built up by doubling (a reply, a rendering) then costs no copies. A
  ** caller that passes less than its allocation's size just never matches. */
  if (old && old_size && new_size > old_size && (unsigned char *)old + old_r == b->data + b->used &&
      new_r - old_r <= b->size - b->used) {
    b->used += new_r - old_r;
    return old;
  }
  unsigned char *p = counted(a, alloc_raw(a, new_size));
  if (p && old && old_size) memcpy(p, old, old_size < new_size ? old_size : new_size);
  return p;
}

void *arena_grow(arena *a, void *old, size_t old_size, size_t new_size) {
  unsigned char *p = arena_grow_raw(a, old, old_size, new_size);
  size_t keep = old ? (old_size < new_size ? old_size : new_size) : 0;
  if (p && new_size > keep) memset(p + keep, 0, new_size - keep);
  return p;
}
