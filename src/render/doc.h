/*
** doc.h: a tiny document model so one content builder (render_doc.c) gives
** the same content as plain text, Markdown or a self-contained HTML page
** (doc_backends.c). Severity is always written as a word, so nothing is
** conveyed by colour alone.
*/
#ifndef OSTEO_DOC_H
#define OSTEO_DOC_H

#include <stdbool.h>

#include "../util/strbuf.h"
#include "osteoplan.h"

typedef enum { DOC_PLAIN = -1, DOC_CRITICAL = 0, DOC_WARNING = 1, DOC_INFO = 2, DOC_GOOD = 3 } doc_tone;

typedef struct doc doc;
struct doc {
  strbuf *b;
  op_format fmt;
  bool color;
  bool in_list;
  bool fragment; /* HTML: an <article> for a page, not a whole document */
  const char *lang;
};

/* who: a line naming the patient, shown above the subtitle; NULL: none. */
void doc_begin(doc *d, const char *title, const char *who, const char *subtitle);
void doc_heading(doc *d, const char *text);
/* A paragraph; tone colours it (and marks it) where the format allows. */
void doc_para(doc *d, doc_tone tone, const char *label, const char *text);
void doc_item(doc *d, doc_tone tone, const char *label, const char *text);
void doc_end(doc *d, const char *footer);

#endif
