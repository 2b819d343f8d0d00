/*
** json_write.h: a small JSON writer into a strbuf, indented for people and
** valid for machines. Strings are escaped; numbers are finite by
** construction (the engine never produces NaN or infinity).
*/
#ifndef OSTEO_JSON_WRITE_H
#define OSTEO_JSON_WRITE_H

#include <stdbool.h>

#include "../util/strbuf.h"

#define JW_MAX_DEPTH 32

typedef struct {
  strbuf *b;
  int depth;
  bool first[JW_MAX_DEPTH];
  bool after_key;
  bool pretty;
} jwriter;

void jw_init(jwriter *w, strbuf *b, bool pretty);
void jw_obj(jwriter *w);
void jw_arr(jwriter *w);
void jw_end_obj(jwriter *w);
void jw_end_arr(jwriter *w);
void jw_key(jwriter *w, const char *k);
void jw_str(jwriter *w, const char *s); /* NULL writes null */
void jw_num(jwriter *w, double v);
void jw_int(jwriter *w, long v);
void jw_bool(jwriter *w, bool v);
void jw_null(jwriter *w);
/* Escapes s as a JSON string literal (with quotes) into b. */
void json_escape(strbuf *b, const char *s);

#endif
