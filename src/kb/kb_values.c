/*
** kb_values.c: the profile's numbers in the prose.
**
** A text that restates a number of the profile (a disagreement's "applied:
** very high at >= 30%", a rule's "every 6 months") names it instead:
**
**   {risk.frax_major_very_high_pct}        the value of [risk]
**                                          frax_major_very_high_pct in the
**                                          profile's profile.ini, as written
**   {risk.recent_fracture_months:years}    the same value in months, as years
**
** The loader fills these in every file before the texts are bound, so a
** profile that moves a threshold says so in its prose too, and refuses a
** placeholder that names no number of the profile with its file:line. The
** engine's own placeholders ({value}, {date}, ...) have no '.', and are
** left for the engine to fill.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_loader.h"
#include "../util/strbuf.h"

/* The profile's profile.ini entry [sec] key, or NULL. */
static const entry *profile_value(loader *L, const char *name, size_t n) {
  const char *dot = memchr(name, '.', n);
  if (!dot) return NULL;
  char sec[128];
  size_t sl = (size_t)(dot - name);
  if (sl >= sizeof sec) return NULL;
  memcpy(sec, name, sl);
  sec[sl] = 0;
  section *s = find_section(L, sec);
  if (!s || strncmp(s->file, "profiles/", 9)) return NULL;
  for (int i = s->first; i < s->first + s->n; i++) {
    const entry *e = &L->e[i];
    if (strlen(e->key) == n - sl - 1 && !strncmp(e->key, dot + 1, n - sl - 1)) return e;
  }
  return NULL;
}

static bool number(const char *v, double *out) {
  char *end;
  errno = 0;
  *out = strtod(v, &end);
  return end != v && !*end && !errno && isfinite(*out);
}

/* Appends the value of placeholder {p[0..n)} to b; false (with the error
** at e) when it names no number of the profile. */
static bool fill(loader *L, const entry *e, const char *p, size_t n, strbuf *b) {
  const char *colon = memchr(p, ':', n);
  size_t nl = colon ? (size_t)(colon - p) : n;
  bool years = colon && n - nl - 1 == 5 && !strncmp(colon + 1, "years", 5);
  const entry *v = profile_value(L, p, nl);
  double d = 0;
  if (!v || !number(v->value, &d) || (colon && !years)) {
    lerr(L, e->file, e->line, "unknown placeholder {%.*s} (a number of the profile is {section.key} of profile.ini, "
         "or {section.key:years} for months)", (int)n, p);
    return false;
  }
  if (!years) {
    sb_puts(b, v->value);
    return true;
  }
  if (d < 0 || fmod(d, 12) != 0 || d / 12 > 1000) {
    lerr(L, e->file, e->line, "{%.*s}: %s months is not a whole number of years", (int)n, p, v->value);
    return false;
  }
  sb_printf(b, "%d", (int)(d / 12));
  return true;
}

/* One entry's value with its profile placeholders filled; false on error. */
static bool expand(loader *L, entry *e) {
  strbuf b;
  sb_init(&b, L->a);
  const char *s = e->value, *done = s;
  bool any = false;
  for (const char *open; (open = strchr(s, '{'));) {
    const char *close = strchr(open, '}');
    if (!close) break; /* an unclosed brace is the template check's to report */
    size_t n = (size_t)(close - open - 1);
    s = close + 1;
    if (!memchr(open + 1, '.', n)) continue; /* the engine's own */
    any = true;
    sb_putn(&b, done, (size_t)(open - done));
    if (!fill(L, e, open + 1, n, &b)) return false;
    done = s;
  }
  if (!any) return true;
  sb_puts(&b, done);
  const char *v = sb_str(&b);
  if (b.oom || !v) return false;
  e->value = (char *)v; /* the arena keeps it; no later append */
  return true;
}

void kb_bind_profile_values(loader *L) {
  for (int i = 0; i < L->ne && !L->failed; i++)
    if (strchr(L->e[i].value, '{') && !expand(L, &L->e[i]) && !L->failed) lerr(L, L->e[i].file, L->e[i].line, "out of memory");
}
