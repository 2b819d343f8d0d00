/*
** ini.h: the one reader of the INI files osteoplan reads (the knowledge
** base and the serve configuration).
**
**   # a comment on its own line (or ; ...)
**   [section]
**   key = value
**       an indented line continues the value above   (INI_CONTINUATION)
**   key = value   # a comment after a value          (INI_INLINE_COMMENTS)
**
** The reader walks a text the caller owns and may change in place (it ends
** names and values with NULs), one item at a time, and says at which line
** each item is: the callers word their own errors about meaning (unknown
** keys, bad values) and pin them to file:line. It allocates nothing; what
** to do with an item (keep, join a continuation, refuse a duplicate) is the
** caller's. We do not use Debian's libinih: its build keeps settings in
** global variables, silently splits lines over 200 bytes, and does not give
** the handler its line number.
*/
#ifndef OSTEO_INI_H
#define OSTEO_INI_H

#include <stdbool.h>

typedef enum {
  INI_END,     /* no more lines */
  INI_SECTION, /* [name]: name */
  INI_KEY,     /* key = value: name, value */
  INI_MORE,    /* an indented line continuing the value above: value */
  INI_ERROR    /* a line that is none of these: error (no file, no line) */
} ini_kind;

typedef enum {
  INI_CONTINUATION = 1,   /* indented lines continue the previous value */
  INI_INLINE_COMMENTS = 2 /* " #" ends a line's content */
} ini_flags;

typedef struct {
  char *p;            /* the rest of the text */
  int line;           /* of the item last returned */
  unsigned flags;     /* ini_flags */
  bool in_section;    /* a [section] has been seen */
  bool can_continue;  /* the previous item was a value, with no blank line since */
} ini_reader;

typedef struct {
  ini_kind kind;
  int line;
  char *name, *value;
  const char *error;
} ini_item;

void ini_init(ini_reader *r, char *text, unsigned flags);
/* The next item into *it; returns its kind. After INI_ERROR or INI_END the
** reader has nothing more to give. */
ini_kind ini_next(ini_reader *r, ini_item *it);

#endif
