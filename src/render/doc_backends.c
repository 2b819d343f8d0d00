/*
** doc_backends.c: text (with ANSI colour on a terminal), Markdown and HTML
** for the document model of doc.h. The HTML is one self-contained page: no
** script, no external style or font.
*/
#include <string.h>

#include "doc.h"

static const char *ansi(doc_tone t) {
  switch (t) {
    case DOC_CRITICAL: return "\033[1;31m";
    case DOC_WARNING: return "\033[1;33m";
    case DOC_INFO: return "\033[36m";
    case DOC_GOOD: return "\033[1;32m";
    default: return "";
  }
}

static void html_text(strbuf *b, const char *s) {
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

/* Markdown: keep the characters that would start markup from doing so. */
static void md_text(strbuf *b, const char *s) {
  while (*s) {
    size_t run = strcspn(s, "*_`[]<>#|"); /* plain text goes in one copy */
    sb_putn(b, s, run);
    s += run;
    if (!*s) break;
    sb_putc(b, '\\');
    sb_putc(b, *s++);
  }
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

void doc_begin(doc *d, const char *title, const char *subtitle) {
  strbuf *b = d->b;
  switch (d->fmt) {
    case OP_FORMAT_HTML:
      if (d->fragment) {
        sb_printf(b, "<article class=\"op-doc\" lang=\"%s\">\n<h2 class=\"op-doc-title\">", d->lang ? d->lang : "en");
        html_text(b, title);
        sb_puts(b, "</h2>\n<p class=\"sub\">");
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
      sb_puts(b, "</h1>\n<p class=\"sub\">");
      html_text(b, subtitle);
      sb_puts(b, "</p>\n");
      break;
    case OP_FORMAT_MARKDOWN:
      sb_puts(b, "# ");
      md_text(b, title);
      sb_puts(b, "\n\n");
      md_text(b, subtitle);
      sb_puts(b, "\n\n");
      break;
    default:
      if (d->color) sb_puts(b, "\033[1m");
      sb_puts(b, title);
      if (d->color) sb_puts(b, "\033[0m");
      sb_putc(b, '\n');
      for (size_t i = 0; i < strlen(title); i++) sb_putc(b, '=');
      sb_printf(b, "\n%s\n", subtitle);
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
      sb_puts(b, text);
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
        sb_puts(b, label);
        if (d->color && tone != DOC_PLAIN) sb_puts(b, "\033[0m");
        sb_putc(b, ' ');
      }
      sb_puts(b, text);
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
      sb_printf(b, "\n%s\n", footer);
  }
}
