/*
** json.h: strict JSON reading on top of jsmn.
**
** jsmn (Debian's libjsmn-dev, header-only) tokenizes without allocating,
** without recursion and without global state, and gives every token's byte
** offsets, which is what a reentrant engine and exact error positions need.
** It is deliberately lax about the grammar, so json_parse() adds one linear,
** non-recursive pass that checks what jsmn does not: separators between
** tokens, literals, the number grammar, string escapes, control characters
** and UTF-8. A document that passes is RFC 8259 JSON.
**
** All memory comes from the caller's arena. Nothing here is global.
*/
#ifndef OSTEO_JSON_H
#define OSTEO_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/arena.h"

/* Parent links make closing a container O(1); without them jsmn walks back
** over every token, which is quadratic on deeply nested input. */
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#define JSMN_STATIC
#include <jsmn.h>

typedef struct {
  const char *text;
  size_t len;
  jsmntok_t *tok;
  int ntok;
} json_doc;

/* On failure fills msg (with line and column) and returns -1. */
int json_parse(arena *a, const char *text, size_t len, json_doc *doc,
               char *msg, size_t msgsz);

/* Index of the token after the whole subtree that starts at i. */
int json_next(const json_doc *d, int i);
bool json_is_null(const json_doc *d, int i);
bool json_is_bool(const json_doc *d, int i, bool *out);
bool json_is_number(const json_doc *d, int i);
/* Parses a number token (already grammar-checked); false when not a number
** or not finite (1e999). */
bool json_number(const json_doc *d, int i, double *out);
/* Decodes a string token into the arena (escapes resolved, NUL-terminated). */
char *json_string(arena *a, const json_doc *d, int i, size_t *len);
/* Does string token i equal s exactly (no escapes in s)? */
bool json_str_eq(const json_doc *d, int i, const char *s);
/* Line and column (1-based) of a byte offset. */
void json_line_col(const char *text, size_t off, int *line, int *col);

#endif
