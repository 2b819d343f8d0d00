/*
** record_rd.h: the record reader's state, shared by record.c (reading),
** record_identity.c (name, identifiers) and record_errors.c (its error
** messages). Not an interface.
*/
#ifndef OSTEO_RECORD_RD_H
#define OSTEO_RECORD_RD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "../json/json.h"
#include "record.h"

/* One step of the path to the field being read: a key (a literal name or
** a key token of the document) or an array index. The path is only turned
** into text when an error needs it. */
typedef struct {
  const char *name;
  int key_tok; /* -1 when name or index is used */
  int index;   /* -1 when not an array index */
} seg;

#define RD_MAX_DEPTH 16

typedef struct {
  arena *a;
  json_doc doc;
  const op_kb *kb;
  op_error *err;
  seg path[RD_MAX_DEPTH];
  int depth;
  op_date as_of;
  bool as_of_known;
} rd;

/* Walks the members of object obj (duplicate keys refused) / the elements
** of array arr (at most the knowledge base's list_entries_max), with the
** path kept; *count gets the element count. */
typedef bool (*rec_member_fn)(rd *r, int key, int val, void *ctx);
typedef bool (*rec_elem_fn)(rd *r, int idx, int tok, void *ctx);
bool rec_each_member(rd *r, int obj, rec_member_fn fn, void *ctx);
bool rec_each_elem(rd *r, int arr, rec_elem_fn fn, void *ctx, int *count);

/* record_identity.c: name and identifiers[] (the value at token val).
** Their errors name the field and what is wrong, never the value. */
bool rec_read_name(rd *r, int val, op_record *rec);
bool rec_read_identifiers(rd *r, int val, op_record *rec);

/* A short, printable description of what token i holds ("an object", "\"abc\""). */
void rec_describe(rd *r, int i, char *buf, size_t n);
/* Sets the error: status, the path being read and the formatted message.
** Returns false. */
bool rec_failv(rd *r, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
bool rec_fail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
