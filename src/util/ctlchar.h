/*
** ctlchar.h: finding control characters in text that came from outside.
**
** A patient id or a drug name is data, but a terminal, a spreadsheet or a
** log reader takes ESC, CR, LF, DEL and the C1 controls (U+0080..U+009F,
** CSI among them) as commands. Every writer of such text replaces each one
** visibly with "\u00XX" (never silently: the reader sees something was
** there). Header-only, so each module keeps its own output buffer type.
*/
#ifndef OSTEO_CTLCHAR_H
#define OSTEO_CTLCHAR_H

#include <stddef.h>

/* The bytes of the control character at s (1 for C0 and DEL, 2 for a C1
** control in UTF-8), 0 when s does not start with one; *cp is its code. */
static inline size_t ctl_at(const char *s, unsigned *cp) {
  const unsigned char *u = (const unsigned char *)s;
  if (u[0] < 0x20 || u[0] == 0x7f) {
    *cp = u[0];
    return u[0] ? 1 : 0;
  }
  if (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f) {
    *cp = u[1];
    return 2;
  }
  return 0;
}

/* Bytes of s before its first control character (or its end). */
static inline size_t ctl_span(const char *s) {
  size_t n = 0;
  unsigned cp;
  while (s[n] && !ctl_at(s + n, &cp)) n++;
  return n;
}

/* The visible replacement of control character cp: "\u00XX" and a NUL
** (7 bytes). */
static inline void ctl_name(unsigned cp, char out[7]) {
  static const char hex[] = "0123456789abcdef";
  out[0] = '\\';
  out[1] = 'u';
  out[2] = '0';
  out[3] = '0';
  out[4] = hex[(cp >> 4) & 15u];
  out[5] = hex[cp & 15u];
  out[6] = 0;
}

/* Copies s into out (cap > 0 bytes, always NUL-terminated), each control
** character replaced by its name; cut short at a whole character when out
** is too small. Returns the bytes written. */
static inline size_t ctl_escape(char *out, size_t cap, const char *s) {
  size_t k = 0;
  while (*s) {
    unsigned cp;
    size_t c = ctl_at(s, &cp);
    if (c) {
      if (k + 6 >= cap) break;
      ctl_name(cp, out + k);
      k += 6;
      s += c;
    } else {
      unsigned char b = (unsigned char)*s;
      size_t len = b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4; /* a UTF-8 sequence stays whole */
      if (k + len >= cap) break;
      for (size_t i = 0; i < len && *s; i++) out[k++] = *s++;
    }
  }
  out[k] = 0;
  return k;
}

/* Writes s through put(ctx, bytes, n), each control character replaced by
** its name: one loop for every output buffer type (the screen's lines, the
** renderings' string buffers). */
static inline void ctl_write(const char *s, void (*put)(void *ctx, const char *p, size_t n), void *ctx) {
  while (*s) {
    size_t run = ctl_span(s);
    if (run) put(ctx, s, run);
    s += run;
    unsigned cp;
    size_t c = ctl_at(s, &cp);
    if (!c) break;
    char name[7];
    ctl_name(cp, name);
    put(ctx, name, 6);
    s += c;
  }
}

#endif
