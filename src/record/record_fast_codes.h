/*
** record_fast_codes.h: byte compares and code lookups of the one-pass
** reader (record_fast.c, its only user; split off for the file's size).
**
** A code of the contract (kb/codes.h) used to be looked up by a loop over
** its table's names and lengths, about ten times a record. Here each table
** becomes an inline chain of tests generated from the same X-macro list the
** table is made of (codes.c): the length and the bytes of every name are
** constants, so a test is one compare of the length and a word or two
** compared with immediates. The names are never written here; a name added
** to a list is looked up at once. The order of the list is kept: the first
** equal name wins, as op_code_lookup_len's.
*/
#ifndef OSTEO_RECORD_FAST_CODES_H
#define OSTEO_RECORD_FAST_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../kb/codes.h"

/* 8 and 4 bytes at p as a word (unaligned, any byte order: only compared) */
static inline uint64_t ld64(const char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t ld32(const char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* The n bytes at k are those of s (n >= 1), the first byte aside when
** n < 4 (the callers test it first, to tell most names apart at once):
** words at a time, the last word overlapping; s is a literal, so its
** words fold. */
static inline bool same_bytes(const char *k, const char *s, size_t n) {
  if (n >= 8) {
    for (size_t j = 0; j + 8 < n; j += 8)
      if (ld64(k + j) != ld64(s + j)) return false;
    // cppcheck-suppress pointerOutOfBoundsCond ; n is the length of s (FAST_CODE_TRY), so s + n - 8 is inside it
    return ld64(k + n - 8) == ld64(s + n - 8);
  }
  if (n >= 4) return ld32(k) == ld32(s) && ld32(k + n - 4) == ld32(s + n - 4);
  for (size_t j = 1; j < n; j++)
    if (k[j] != s[j]) return false;
  return true;
}

/* One name of a list: its length, then its bytes. s[0] may be read when
** len is 0 (the closing quote is there); same_bytes reads only s[0..len). */
#define FAST_CODE_TRY(id, str) \
  if (len == sizeof(str) - 1 && s[0] == (str)[0] && same_bytes(s, (str), sizeof(str) - 1)) return OP_##id;
/* fast_code_<name>(s, len): the index of the name s (len bytes) in
** op_<name>_str, or -1. */
#define FAST_CODE_LOOKUP(name, LIST) \
  static inline int fast_code_##name(const char *s, size_t len) { LIST(FAST_CODE_TRY) return -1; }

FAST_CODE_LOOKUP(sex, OP_SEX_LIST)
FAST_CODE_LOOKUP(menopause, OP_MENOPAUSE_LIST)
FAST_CODE_LOOKUP(site, OP_SITE_LIST)
FAST_CODE_LOOKUP(fx_site, OP_FX_SITE_LIST)
FAST_CODE_LOOKUP(mechanism, OP_MECHANISM_LIST)
FAST_CODE_LOOKUP(stop_reason, OP_STOP_REASON_LIST)
FAST_CODE_LOOKUP(med_class, OP_MED_CLASS_LIST)
FAST_CODE_LOOKUP(condition, OP_CONDITION_LIST)

#undef FAST_CODE_LOOKUP
#undef FAST_CODE_TRY

#endif
