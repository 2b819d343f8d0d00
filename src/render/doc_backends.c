/*
** doc_backends.c: text (with ANSI colour on a terminal), Markdown and HTML
** for the document model of doc.h. The HTML is one self-contained page: no
** script, no external style or font.
*/
#include <string.h>

#include "../util/ctlchar.h"
#include "doc.h"
#include "render.h"

static const char *ansi(doc_tone t) {
  switch (t) {
    case DOC_CRITICAL: return "\033[1;31m";
    case DOC_WARNING: return "\033[1;33m";
    case DOC_INFO: return "\033[36m";
    case DOC_GOOD: return "\033[1;32m";
    default: return "";
  }
}

/* A NULL text is one a stage could not get memory for: the rendering fails. */
static bool no_text(strbuf *b, const char *s) {
  if (!s) b->oom = true;
  return !s;
}

static void html_text(strbuf *b, const char *s) {
  if (no_text(b, s)) return;
  for (; *s; s++) {
    size_t run = strcspn(s, "<>&\""); /* plain text goes in one copy */
    if (run) {
      sb_putn(b, s, run);
      s += run;
      if (!*s) break;
    }
    switch (*s) {
      case '<': sb_puts(b, "&lt;"); break;
      case '>': sb_puts(b, "&gt;"); break;
      case '&': sb_puts(b, "&amp;"); break;
      case '"': sb_puts(b, "&quot;"); break;
      default: sb_putc(b, *s);
    }
  }
}

/* Text with each control character (ESC, CR, LF, DEL, C1...) replaced by a
** visible "\u00XX": a record's text never drives the terminal, and never
** breaks a line where the format gives a line a meaning. */
static void sb_put_cb(void *b, const char *s, size_t n) { sb_putn(b, s, n); }
static void plain_text(strbuf *b, const char *s) {
  if (!no_text(b, s)) ctl_write(s, sb_put_cb, b);
}

/* Where a line may begin (a value can open a paragraph), these would start
** a block: a list or thematic break (- + *), a setext underline (=), an
** ordered list ("1." "1)"). The first is escaped; for digits, the mark
** after them. Spaces before do not change that (up to three keep it). */
static const char *md_line_start(strbuf *b, const char *s) {
  /* byte loops, not strspn: runs are empty or short here, and the library
  ** call's set-up cost more than a detail's whole scan of them */
  size_t sp = 0;
  while (s[sp] == ' ') sp++;
  sb_putn(b, s, sp);
  s += sp;
  if (*s == '-' || *s == '+' || *s == '=') {
    sb_putc(b, '\\');
    sb_putc(b, *s++);
    return s;
  }
  size_t d = 0;
  while (s[d] >= '0' && s[d] <= '9') d++;
  if (d && (s[d] == '.' || s[d] == ')')) {
    sb_putn(b, s, d);
    sb_putc(b, '\\');
    sb_putc(b, s[d]);
    return s + d + 1;
  }
  return s;
}

/* Bytes md_text stops at: the markup characters, the end, C0 controls and
** DEL, and 0xc2 (the lead byte of a C1 control in UTF-8): one table look-up
** a byte, where plain text is most of a document. */
#define MD_C0 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char md_stop[256] = {
    MD_C0, MD_C0, ['\\'] = 1, ['*'] = 1, ['_'] = 1, ['`'] = 1, ['['] = 1, [']'] = 1, ['<'] = 1,
    ['>'] = 1, ['#'] = 1,  ['|'] = 1, ['&'] = 1, ['~'] = 1, ['!'] = 1, [0x7f] = 1, [0xc2] = 1};

/* Markdown that stays text whatever it holds (a record's id or a drug name
** reaches every CDS card): each ASCII character that can begin inline markup
** is backslash-escaped, the backslash itself first so no escape can be
** undone (a "\*" in the text becomes "\\\*"). That covers raw HTML and
** autolinks (<), entities (&), links, images and reference definitions ([ ]),
** code and fences (` ~), emphasis (* _), headings (#), tables (|); control
** characters, line breaks included, become visible escapes, so no value
** opens a new block except through md_line_start's marks. */
static void md_text(strbuf *b, const char *s) {
  if (no_text(b, s)) return;
  s = md_line_start(b, s);
  for (;;) {
    size_t safe = 0; /* plain text goes in one copy */
    unsigned cp;
    for (;; safe++) {
      unsigned char u = (unsigned char)s[safe];
      if (md_stop[u] && (u != 0xc2 || ctl_at(s + safe, &cp))) break; /* 0xc2 that opens no control is text */
    }
    sb_putn(b, s, safe);
    s += safe;
    if (!*s) break;
    size_t c = ctl_at(s, &cp);
    if (c) {
      char name[7];
      ctl_name(cp, name);
      sb_putc(b, '\\'); /* "\\u00XX": the backslash shown, not an escape */
      sb_putn(b, name, 6);
      s += c;
      continue;
    }
    const char esc[2] = {'\\', *s++};
    sb_putn(b, esc, 2);
  }
}

const char *render_md_inert(arena *a, const char *s) {
  strbuf b;
  sb_init(&b, a);
  md_text(&b, s ? s : "");
  return sb_str(&b);
}

static const char *tone_class(doc_tone t) {
  switch (t) {
    case DOC_CRITICAL: return "critical";
    case DOC_WARNING: return "warning";
    case DOC_INFO: return "info";
    case DOC_GOOD: return "decision";
    default: return "plain";
  }
}

static void close_list(doc *d) {
  if (!d->in_list) return;
  d->in_list = false;
  if (d->fmt == OP_FORMAT_HTML) sb_puts(d->b, "</ul>\n");
  else if (d->fmt == OP_FORMAT_MARKDOWN) sb_puts(d->b, "\n");
}

/* who: the line naming the patient (name, MRN), or NULL: then nothing is
** written for it, and a plan without one reads as it always did. */
static void who_line(doc *d, const char *who) {
  strbuf *b = d->b;
  if (!who) return;
  switch (d->fmt) {
    case OP_FORMAT_HTML:
      sb_puts(b, "<p class=\"who\"><strong>");
      html_text(b, who);
      sb_puts(b, "</strong></p>\n");
      break;
    case OP_FORMAT_MARKDOWN:
      sb_puts(b, "**");
      md_text(b, who);
      sb_puts(b, "**\n\n");
      break;
    default:
      if (d->color) sb_puts(b, "\033[1m");
      plain_text(b, who);
      if (d->color) sb_puts(b, "\033[0m");
      sb_putc(b, '\n');
  }
}

void doc_begin(doc *d, const char *title, const char *who, const char *subtitle) {
  strbuf *b = d->b;
  switch (d->fmt) {
    case OP_FORMAT_HTML:
      if (d->fragment) {
        sb_printf(b, "<article class=\"op-doc\" lang=\"%s\">\n<h2 class=\"op-doc-title\">", d->lang ? d->lang : "en");
        html_text(b, title);
        sb_puts(b, "</h2>\n");
        who_line(d, who);
        sb_puts(b, "<p class=\"sub\">");
        html_text(b, subtitle);
        sb_puts(b, "</p>\n");
        break;
      }
      sb_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
                d->lang ? d->lang : "en");
      html_text(b, title);
      sb_puts(b, "</title>\n<style>\n"
                 "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:50rem;margin:2rem auto;"
                 "padding:0 1rem;color:#1a1a1a;line-height:1.5}\n"
                 "h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;"
                 "margin-top:1.6rem}\n.sub{color:#444}\n"
                 ".critical{border-left:6px solid #b00020;background:#fdecee;padding:.3rem .6rem}\n"
                 ".warning{border-left:6px solid #8a5a00;background:#fff4e0;padding:.3rem .6rem}\n"
                 ".info{border-left:6px solid #005a8a;background:#e8f3fa;padding:.3rem .6rem}\n"
                 ".decision{border:2px solid #1b5e20;background:#edf7ee;padding:.6rem;font-size:1.05rem}\n"
                 ".label{font-weight:700;margin-right:.4rem}\nul{padding-left:1.2rem}li{margin:.3rem 0}\n"
                 "footer{margin-top:2rem;color:#444;font-size:.9rem}\n"
                 "@media print{body{margin:0;max-width:none}h2{break-after:avoid}li{break-inside:avoid}}\n"
                 "</style>\n</head>\n<body>\n<h1>");
      html_text(b, title);
      sb_puts(b, "</h1>\n");
      who_line(d, who);
      sb_puts(b, "<p class=\"sub\">");
      html_text(b, subtitle);
      sb_puts(b, "</p>\n");
      break;
    case OP_FORMAT_MARKDOWN:
      sb_puts(b, "# ");
      md_text(b, title);
      sb_puts(b, "\n\n");
      who_line(d, who);
      md_text(b, subtitle);
      sb_puts(b, "\n\n");
      break;
    default:
      if (d->color) sb_puts(b, "\033[1m");
      plain_text(b, title);
      if (d->color) sb_puts(b, "\033[0m");
      sb_putc(b, '\n');
      for (size_t i = 0; i < strlen(title); i++) sb_putc(b, '=');
      sb_putc(b, '\n');
      who_line(d, who);
      plain_text(b, subtitle);
      sb_putc(b, '\n');
  }
}

void doc_heading(doc *d, const char *text) {
  close_list(d);
  strbuf *b = d->b;
  switch (d->fmt) {
    case OP_FORMAT_HTML:
      sb_puts(b, d->fragment ? "<h3>" : "<h2>");
      html_text(b, text);
      sb_puts(b, d->fragment ? "</h3>\n" : "</h2>\n");
      break;
    case OP_FORMAT_MARKDOWN:
      sb_puts(b, "## ");
      md_text(b, text);
      sb_puts(b, "\n\n");
      break;
    default:
      sb_putc(b, '\n');
      if (d->color) sb_puts(b, "\033[1;4m");
      plain_text(b, text);
      if (d->color) sb_puts(b, "\033[0m");
      sb_putc(b, '\n');
  }
}

static void labelled(doc *d, doc_tone tone, const char *label, const char *text) {
  strbuf *b = d->b;
  switch (d->fmt) {
    case OP_FORMAT_HTML:
      if (label) {
        sb_puts(b, "<span class=\"label\">");
        html_text(b, label);
        sb_puts(b, "</span>");
      }
      html_text(b, text);
      break;
    case OP_FORMAT_MARKDOWN:
      if (label) {
        sb_puts(b, "**");
        md_text(b, label);
        sb_puts(b, "** ");
      }
      md_text(b, text);
      break;
    default:
      if (label) {
        if (d->color && tone != DOC_PLAIN) sb_puts(b, ansi(tone));
        plain_text(b, label);
        if (d->color && tone != DOC_PLAIN) sb_puts(b, "\033[0m");
        sb_putc(b, ' ');
      }
      plain_text(b, text);
  }
}

void doc_para(doc *d, doc_tone tone, const char *label, const char *text) {
  close_list(d);
  strbuf *b = d->b;
  if (d->fmt == OP_FORMAT_HTML) sb_printf(b, "<p class=\"%s\">", tone_class(tone));
  labelled(d, tone, label, text);
  if (d->fmt == OP_FORMAT_HTML) sb_puts(b, "</p>\n");
  else if (d->fmt == OP_FORMAT_MARKDOWN) sb_puts(b, "\n\n");
  else sb_putc(b, '\n');
}

void doc_item(doc *d, doc_tone tone, const char *label, const char *text) {
  strbuf *b = d->b;
  if (!d->in_list) {
    d->in_list = true;
    if (d->fmt == OP_FORMAT_HTML) sb_puts(b, "<ul>\n");
  }
  switch (d->fmt) {
    case OP_FORMAT_HTML:
      sb_printf(b, "<li class=\"%s\">", tone_class(tone));
      labelled(d, tone, label, text);
      sb_puts(b, "</li>\n");
      break;
    case OP_FORMAT_MARKDOWN:
      sb_puts(b, "- ");
      labelled(d, tone, label, text);
      sb_putc(b, '\n');
      break;
    default:
      sb_puts(b, "  - ");
      labelled(d, tone, label, text);
      sb_putc(b, '\n');
  }
}

void doc_end(doc *d, const char *footer) {
  close_list(d);
  strbuf *b = d->b;
  switch (d->fmt) {
    case OP_FORMAT_HTML:
      sb_puts(b, "<footer>");
      html_text(b, footer);
      sb_puts(b, d->fragment ? "</footer>\n</article>\n" : "</footer>\n</body>\n</html>\n");
      break;
    case OP_FORMAT_MARKDOWN:
      sb_puts(b, "---\n\n");
      md_text(b, footer);
      sb_putc(b, '\n');
      break;
    default:
      sb_putc(b, '\n');
      plain_text(b, footer);
      sb_putc(b, '\n');
  }
}
