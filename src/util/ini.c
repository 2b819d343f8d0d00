/*
** ini.c: the INI reader (see ini.h).
*/
#include "ini.h"

#include <string.h>

#include "strbuf.h"

void ini_init(ini_reader *r, char *text, unsigned flags) {
  *r = (ini_reader){.flags = flags};
  r->p = text;
}

static ini_kind fail(ini_reader *r, ini_item *it, const char *why) {
  *it = (ini_item){INI_ERROR, r->line, NULL, NULL, why};
  r->p = NULL; /* nothing more after an error */
  return INI_ERROR;
}

/* One line that is neither blank nor a comment; s is trimmed. */
static ini_kind classify(ini_reader *r, ini_item *it, char *s, bool indented) {
  if (indented && r->can_continue && (r->flags & INI_CONTINUATION)) {
    *it = (ini_item){INI_MORE, r->line, NULL, s, NULL};
    return INI_MORE;
  }
  if (*s == '[') {
    size_t n = strlen(s);
    if (s[n - 1] != ']' || n < 3) return fail(r, it, "a section header must look like [name]");
    s[n - 1] = 0;
    r->in_section = true;
    r->can_continue = false;
    *it = (ini_item){INI_SECTION, r->line, str_trim(s + 1), NULL, NULL};
    return INI_SECTION;
  }
  char *eq = strchr(s, '=');
  if (!eq) return fail(r, it, "expected 'key = value', a [section] or a # comment");
  if (!r->in_section) return fail(r, it, "a key before any [section]");
  *eq = 0;
  char *key = str_trim(s);
  if (!*key) return fail(r, it, "empty key");
  r->can_continue = true;
  *it = (ini_item){INI_KEY, r->line, key, str_trim(eq + 1), NULL};
  return INI_KEY;
}

ini_kind ini_next(ini_reader *r, ini_item *it) {
  while (r->p && *r->p) {
    r->line++;
    char *raw = r->p, *nl = strchr(raw, '\n');
    if (nl) *nl = 0;
    r->p = nl ? nl + 1 : raw + strlen(raw);
    if (r->line == 1 && (unsigned char)raw[0] == 0xEF) return fail(r, it, "byte-order mark: save the file as plain UTF-8");
    bool indented = raw[0] == ' ' || raw[0] == '\t';
    char *s = str_trim(raw);
    if (!*s) {
      r->can_continue = false; /* a blank line ends a multi-line value */
      continue;
    }
    if (*s == '#' || *s == ';') continue;
    if (r->flags & INI_INLINE_COMMENTS) {
      char *hash = strstr(s, " #");
      if (hash) *hash = 0, s = str_trim(s);
    }
    return classify(r, it, s, indented);
  }
  *it = (ini_item){INI_END, r->line, NULL, NULL, NULL};
  return INI_END;
}
