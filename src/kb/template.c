/*
** template.c: a single left-to-right pass; no nesting, no escapes.
*/
#include "template.h"

#include <string.h>

#include "../util/strbuf.h"

const char *tmpl_fill(arena *a, const char *t, const tmpl_var *vars, int n) {
  if (!t) return NULL;
  if (!strchr(t, '{')) return t;
  strbuf b;
  sb_init(&b, a);
  while (*t) {
    const char *open = strchr(t, '{');
    const char *close = open ? strchr(open, '}') : NULL;
    if (!open || !close) {
      sb_puts(&b, t);
      break;
    }
    sb_putn(&b, t, (size_t)(open - t));
    size_t len = (size_t)(close - open - 1);
    const char *val = NULL;
    /* the name whole: no strlen per try; the first byte compared before
    ** the call, which most names fail (an empty placeholder has none).
    ** The last variable of the name wins: looked for from the end, the
    ** first found is it, and the rest need no look. */
    for (int i = n - 1; i >= 0; i--)
      if (vars[i].name && (!len || vars[i].name[0] == open[1]) && !strncmp(vars[i].name, open + 1, len) &&
          !vars[i].name[len]) {
        val = vars[i].value;
        break;
      }
    if (val) sb_puts(&b, val);
    else sb_putn(&b, open, len + 2);
    t = close + 1;
  }
  if (b.oom) return "";
  /* an empty placeholder at the end must not leave a dangling space */
  size_t len = b.len;
  while (len && b.p[len - 1] == ' ') len--;
  if (!b.p) return "";
  b.p[len] = 0; /* the buffer is the arena's and nobody else's: it is the text, no copy */
  return b.p;
}
