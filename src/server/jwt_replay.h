/*
** jwt_replay.h: the jti values seen, each until its token expires, so a
** token is accepted once. A hash table of at most `max` live entries under
** one mutex: a check costs O(1) (expected), expired entries are dropped as
** they are met and by a clock hand that looks at two more slots per check;
** when the table is full, one sweep a second drops every expired entry.
** Entries can only be added by validly signed tokens, whose lifetime the
** caller has capped, so the live set is bounded by issuer rate x lifetime.
*/
#ifndef OSTEO_JWT_REPLAY_H
#define OSTEO_JWT_REPLAY_H

#include <stddef.h>

typedef struct jwt_replay jwt_replay;

jwt_replay *jwt_replay_new(size_t max);
void jwt_replay_free(jwt_replay *r);

enum { REPLAY_FIRST = 1, REPLAY_SEEN = 0, REPLAY_FULL = -1 };
/* Records key (klen bytes) until `until` (inclusive, seconds since the
** epoch). REPLAY_FIRST when new, REPLAY_SEEN when recorded and not expired,
** REPLAY_FULL when max entries are live (or memory is short). Thread-safe. */
int jwt_replay_use(jwt_replay *r, const char *key, size_t klen, long long until, long long now);

#endif
