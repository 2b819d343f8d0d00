/*
** web_assets.c: which URL serves which embedded file. The page is one HTML
** file with its style sheet and its script modules beside it (so a strict
** Content-Security-Policy can forbid inline script), plus the example
** patient the page loads with one click.
*/
#include "web_assets.h"

#include <string.h>

static const struct {
  const char *url, *file, *type;
} routes[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/index.html", "index.html", "text/html; charset=utf-8"},
    {"/app.css", "app.css", "text/css; charset=utf-8"},
    {"/app.js", "app.js", "text/javascript; charset=utf-8"},
    {"/common.js", "common.js", "text/javascript; charset=utf-8"},
    {"/plan.js", "plan.js", "text/javascript; charset=utf-8"},
    {"/timeline.js", "timeline.js", "text/javascript; charset=utf-8"},
    {"/units.js", "units.js", "text/javascript; charset=utf-8"},
    {"/dates.js", "dates.js", "text/javascript; charset=utf-8"},
    {"/example.json", "patient.json", "application/json"},
};

const web_file *web_asset(const char *url, const char **content_type) {
  for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
    if (strcmp(url, routes[i].url)) continue;
    for (int k = 0; k < web_files_count; k++)
      if (!strcmp(web_files[k].name, routes[i].file)) {
        *content_type = routes[i].type;
        return &web_files[k];
      }
  }
  return NULL;
}
