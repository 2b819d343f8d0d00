/*
** wl_html.c: the worklist as one self-contained HTML page: counts by gap,
** risk and action (tables and inline SVG bar charts), rates, and the list
** with sorting (click a heading) and filtering (a text box, a gap and a risk
** select). No framework, no link to anything outside the page: it works
** offline and from an e-mail attachment; @media print lays it out for paper.
**
** Every text of the page that comes from a record or the knowledge base is
** HTML-escaped (names are hostile input); the script never turns data into
** markup (it only moves rows and hides them), and the page forbids any
** script but its own (Content-Security-Policy).
*/
#include <string.h>

#include "../kb/kb.h"
#include "wl_write.h"

/* The page's own style and script (wl_html_assets.c). */
extern const char wl_html_style[], wl_html_script[];

static void esc(FILE *f, const char *s) {
  while (s && *s) {
    size_t n = strcspn(s, "&<>\"'");
    fwrite(s, 1, n, f);
    s += n;
    switch (*s) {
      case '&': fputs("&amp;", f); break;
      case '<': fputs("&lt;", f); break;
      case '>': fputs("&gt;", f); break;
      case '"': fputs("&quot;", f); break;
      case '\'': fputs("&#39;", f); break;
      default: return;
    }
    s++;
  }
}

typedef struct {
  const char *code, *words;
  unsigned long long n;
} bar;

/* A count table and its bar chart beside it: id names the table for tests
** and readers (data-count on each count cell). */
static void chart(FILE *f, const char *id, const char *title, const bar *b, int n) {
  unsigned long long max = 1;
  for (int i = 0; i < n; i++)
    if (b[i].n > max) max = b[i].n;
  fprintf(f, "<section class=\"counts\" id=\"%s\"><h2>", id);
  esc(f, title);
  fputs("</h2>\n<table><tbody>\n", f);
  for (int i = 0; i < n; i++) {
    fputs("<tr><th scope=\"row\">", f);
    esc(f, b[i].words);
    fprintf(f, "</th><td class=\"num\" data-count=\"");
    esc(f, b[i].code);
    fprintf(f, "\">%llu</td></tr>\n", b[i].n);
  }
  const int row = 22, label = 330, bars = 300;
  fprintf(f, "</tbody></table>\n<svg class=\"chart\" role=\"img\" aria-label=\"");
  esc(f, title);
  fprintf(f, "\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">\n", label + bars + 70, row * n + 4,
          label + bars + 70, row * n + 4);
  for (int i = 0; i < n; i++) {
    double w = (double)b[i].n / (double)max * bars;
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label - 6, row * i + 16);
    esc(f, b[i].words);
    fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"></rect>"
            "<text x=\"%.1f\" y=\"%d\">%llu</text>\n", label, row * i + 3, w, row - 6, label + w + 4, row * i + 16, b[i].n);
  }
  fputs("</svg></section>\n", f);
}

static void counts(FILE *f, const op_kb *kb, const wl_stats *st) {
  bar b[OP_MAX_CODES];
  int n = 0;
  for (int rank = 0; rank < kb->n_gaps; rank++) {
    int g = kb->gap_by_urgency[rank];
    b[n++] = (bar){kb->gaps[g].code, kb->gaps[g].clinician, st->by_gap[g]};
  }
  chart(f, "by-gap", kb->wltext[OP_WL_BY_GAP], b, n);
  n = 0;
  for (int i = 0; i < OP_N_risk; i++) b[n++] = (bar){op_risk_str[i], wl_risk_words(kb, i), st->by_risk[i]};
  chart(f, "by-risk", kb->wltext[OP_WL_BY_RISK], b, n);
  n = 0;
  for (int i = 0; i < OP_N_action; i++)
    if (st->by_action[i]) b[n++] = (bar){op_action_str[i], wl_action_words(kb, i), st->by_action[i]};
  chart(f, "by-action", kb->wltext[OP_WL_BY_ACTION], b, n);
}

static void rates(FILE *f, const op_kb *kb, const wl_stats *st) {
  static const int label[WL_N_RATES] = {OP_WL_RATE_FRACTURE_TREATED, OP_WL_RATE_HIGH_RISK_TREATED, OP_WL_RATE_IN_SCOPE_LISTED};
  static const char *const code[WL_N_RATES] = {"fracture_treated", "high_risk_treated", "in_scope_listed"};
  fputs("<section id=\"rates\"><h2>", f);
  esc(f, kb->wltext[OP_WL_RATES]);
  fputs("</h2>\n<table><thead><tr><th></th><th class=\"num\">", f);
  esc(f, kb->wltext[OP_WL_NUMERATOR]);
  fputs("</th><th class=\"num\">", f);
  esc(f, kb->wltext[OP_WL_DENOMINATOR]);
  fputs("</th><th class=\"num\">", f);
  esc(f, kb->wltext[OP_WL_RATE]);
  fputs("</th></tr></thead><tbody>\n", f);
  for (int i = 0; i < WL_N_RATES; i++) {
    fprintf(f, "<tr data-rate=\"%s\"><th scope=\"row\">", code[i]);
    esc(f, kb->wltext[label[i]]);
    fprintf(f, "</th><td class=\"num\">%llu</td><td class=\"num\">%llu</td><td class=\"num\">",
            (unsigned long long)st->rate_num[i], (unsigned long long)st->rate_den[i]);
    if (st->rate_den[i]) fprintf(f, "%.1f%%", 100.0 * (double)st->rate_num[i] / (double)st->rate_den[i]);
    else esc(f, kb->wltext[OP_WL_NONE]);
    fputs("</td></tr>\n", f);
  }
  fputs("</tbody></table></section>\n", f);
}

static void select_box(FILE *f, const op_kb *kb, const char *id, bool gaps) {
  fputs("<label>", f);
  esc(f, kb->wltext[gaps ? OP_WL_GAPS : OP_WL_RISK]);
  fprintf(f, " <select id=\"%s\"><option value=\"\">", id);
  esc(f, kb->wltext[OP_WL_ALL]);
  fputs("</option>", f);
  int n = gaps ? kb->n_gaps : OP_N_risk;
  for (int i = 0; i < n; i++) {
    fputs("<option value=\"", f);
    esc(f, gaps ? kb->gaps[i].code : op_risk_str[i]);
    fputs("\">", f);
    esc(f, gaps ? kb->gaps[i].clinician : wl_risk_words(kb, i));
    fputs("</option>", f);
  }
  fputs("</select></label>\n", f);
}

static void heading(FILE *f, const op_kb *kb, int text, const char *type) {
  fprintf(f, "<th scope=\"col\" data-type=\"%s\" tabindex=\"0\" aria-sort=\"none\">", type);
  esc(f, kb->wltext[text]);
  fputs("</th>", f);
}

static void one_row(FILE *f, const op_kb *kb, size_t i, const worklist_row *w) {
  char gaps[4096];
  fputs("<tr data-gaps=\"", f);
  for (int g = 0; g < kb->n_gaps; g++)
    if ((w->gaps >> g) & 1u) fprintf(f, " %s ", kb->gaps[g].code);
  fprintf(f, "\" data-risk=\"%s\"><td class=\"num\">%zu</td><td>", op_risk_str[w->risk], i + 1);
  const char *cells[] = {w->patient_id, w->name, w->mrn};
  for (int k = 0; k < 3; k++) {
    esc(f, cells[k]);
    fputs("</td><td", f);
    fputs(k == 2 ? " class=\"num\">" : ">", f);
  }
  if (w->age >= 0) fprintf(f, "%d", w->age);
  fputs("</td><td>", f);
  wl_gap_words(kb, w->gaps, gaps, sizeof gaps);
  const char *rest[] = {wl_sex_words(kb, w->sex), wl_risk_words(kb, w->risk), wl_action_words(kb, w->action),
                        wl_agent_words(kb, w->first_agent), w->next_due, gaps, w->reason};
  for (int k = 0; k < 7; k++) {
    esc(f, rest[k]);
    fputs(k == 6 ? "</td></tr>\n" : "</td><td>", f);
  }
}

static void table(FILE *f, const op_kb *kb, const wl_result *r) {
  fputs("<section id=\"list\"><h2>", f);
  esc(f, kb->wltext[OP_WL_LIST]);
  fputs("</h2>\n<div class=\"controls\"><label>", f);
  esc(f, kb->wltext[OP_WL_FILTER]);
  fputs(" <input type=\"search\" id=\"filter\"></label>\n", f);
  select_box(f, kb, "gap-filter", true);
  select_box(f, kb, "risk-filter", false);
  fputs("<span id=\"shown\"></span></div>\n<p class=\"hint\">", f);
  esc(f, kb->wltext[OP_WL_SORT_HINT]);
  fputs("</p>\n<table id=\"worklist\"><thead><tr>", f);
  fputs("<th scope=\"col\" data-type=\"num\" tabindex=\"0\" aria-sort=\"ascending\">#</th>", f);
  static const int text[] = {OP_WL_PATIENT_ID, OP_WL_NAME, OP_WL_MRN, OP_WL_AGE, OP_WL_SEX, OP_WL_RISK, OP_WL_ACTION,
                             OP_WL_FIRST_AGENT, OP_WL_NEXT_DUE, OP_WL_GAPS, OP_WL_REASON};
  for (size_t k = 0; k < sizeof text / sizeof *text; k++) heading(f, kb, text[k], text[k] == OP_WL_AGE ? "num" : "text");
  fputs("</tr></thead>\n<tbody>\n", f);
  for (size_t i = 0; i < r->n && !ferror(f); i++) one_row(f, kb, i, &r->items[i]->row);
  fputs("</tbody></table></section>\n", f);
}

int wl_write_html(FILE *f, const op_kb *kb, const wl_result *r, const wl_meta *m) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
  esc(f, kb->wltext[OP_WL_TITLE]);
  fprintf(f, "</title>\n<style>%s</style>\n</head><body>\n<h1>", wl_html_style);
  esc(f, kb->wltext[OP_WL_TITLE]);
  fputs("</h1>\n<p class=\"meta\">", f);
  esc(f, kb->wltext[OP_WL_KB]);
  fputs(": ", f);
  esc(f, m->kb_version);
  if (m->as_of && *m->as_of) {
    fputs(" &middot; ", f);
    esc(f, kb->wltext[OP_WL_AS_OF]);
    fputs(": ", f);
    esc(f, m->as_of);
  }
  fputs("</p>\n<section id=\"summary\"><h2>", f);
  esc(f, kb->wltext[OP_WL_SUMMARY]);
  fprintf(f, "</h2>\n<p><span data-count=\"records\">%llu</span> &middot; <span data-count=\"listed\">%llu</span> "
          "&middot; <span data-count=\"not_listed\">%llu</span> &middot; <span data-count=\"bad\">%llu</span></p>"
          "</section>\n", (unsigned long long)r->st.records, (unsigned long long)r->st.listed,
          (unsigned long long)r->st.not_listed, (unsigned long long)r->st.bad);
  fputs("<div class=\"grid\">\n", f);
  counts(f, kb, &r->st);
  rates(f, kb, &r->st);
  fputs("</div>\n", f);
  table(f, kb, r);
  fprintf(f, "<script>%s</script>\n</body></html>\n", wl_html_script);
  return ferror(f) ? -1 : 0;
}
