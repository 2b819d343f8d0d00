/*
** jwt_replay.c: see jwt_replay.h.
*/
#include "server/jwt_replay.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

typedef struct {
  uint64_t h;
  long long until;
  char *key; /* NULL: the slot is free */
  size_t klen;
  uint32_t next; /* in the bucket's chain, or in the free list */
} slot;

struct jwt_replay {
  pthread_mutex_t lock;
  slot *s;
  uint32_t *bucket;
  size_t max, mask, count, hand;
  uint32_t free_head;
  long long swept; /* the second of the last full sweep */
};

jwt_replay *jwt_replay_new(size_t max) {
  if (max < 1 || max >= NIL) return NULL;
  jwt_replay *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  size_t nb = 16;
  while (nb < max) nb *= 2; /* load factor at most 1 */
  r->s = calloc(max, sizeof *r->s);
  r->bucket = malloc(nb * sizeof *r->bucket);
  if (!r->s || !r->bucket || pthread_mutex_init(&r->lock, NULL) != 0) {
    free(r->s);
    free(r->bucket);
    free(r);
    return NULL;
  }
  memset(r->bucket, 0xFF, nb * sizeof *r->bucket); /* every bucket NIL */
  for (size_t i = 0; i < max; i++) r->s[i].next = i + 1 < max ? (uint32_t)(i + 1) : NIL;
  r->max = max;
  r->mask = nb - 1;
  r->swept = -1;
  return r;
}

void jwt_replay_free(jwt_replay *r) {
  if (!r) return;
  for (size_t i = 0; i < r->max; i++) free(r->s[i].key);
  free(r->s);
  free(r->bucket);
  pthread_mutex_destroy(&r->lock);
  free(r);
}

/* FNV-1a: entries come only from validly signed tokens, so nobody without
** an issuer's private key can choose keys that collide. */
static uint64_t hash(const char *k, size_t n) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
  return h;
}

static void release(jwt_replay *r, uint32_t i) {
  free(r->s[i].key);
  r->s[i].key = NULL;
  r->s[i].next = r->free_head;
  r->free_head = i;
  r->count--;
}

/* Unlinks slot i from its chain and frees it. */
static void drop(jwt_replay *r, uint32_t i) {
  uint32_t *p = &r->bucket[r->s[i].h & r->mask];
  while (*p != i) p = &r->s[*p].next;
  *p = r->s[i].next;
  release(r, i);
}

static void sweep(jwt_replay *r, long long now) {
  for (size_t i = 0; i < r->max; i++)
    if (r->s[i].key && r->s[i].until < now) drop(r, (uint32_t)i);
}

/* Is key in the chain of bucket b? Drops the expired entries it passes. */
static bool seen(jwt_replay *r, size_t b, uint64_t h, const char *key, size_t klen, long long now) {
  for (uint32_t *p = &r->bucket[b]; *p != NIL;) {
    slot *e = &r->s[*p];
    if (e->until < now) {
      uint32_t i = *p;
      *p = e->next;
      release(r, i);
      continue;
    }
    if (e->h == h && e->klen == klen && !memcmp(e->key, key, klen)) return true;
    p = &e->next;
  }
  return false;
}

static int use_locked(jwt_replay *r, const char *key, size_t klen, long long until, long long now) {
  uint64_t h = hash(key, klen);
  size_t b = h & r->mask;
  if (seen(r, b, h, key, klen, now)) return REPLAY_SEEN;
  for (int k = 0; k < 2; k++) { /* the clock hand */
    uint32_t i = (uint32_t)(r->hand++ % r->max);
    if (r->s[i].key && r->s[i].until < now) drop(r, i);
  }
  if (r->count == r->max && r->swept != now) {
    sweep(r, now);
    r->swept = now;
  }
  if (r->count == r->max) return REPLAY_FULL;
  char *copy = malloc(klen ? klen : 1);
  if (!copy) return REPLAY_FULL;
  memcpy(copy, key, klen);
  uint32_t i = r->free_head;
  r->free_head = r->s[i].next;
  r->s[i] = (slot){h, until, copy, klen, r->bucket[b]};
  r->bucket[b] = i;
  r->count++;
  return REPLAY_FIRST;
}

int jwt_replay_use(jwt_replay *r, const char *key, size_t klen, long long until, long long now) {
  pthread_mutex_lock(&r->lock);
  int rc = use_locked(r, key, klen, until, now);
  pthread_mutex_unlock(&r->lock);
  return rc;
}
