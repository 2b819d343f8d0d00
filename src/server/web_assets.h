/*
** web_assets.h: the clinician web page served at GET / (index.html, app.css,
** app.js and the example patient), compiled into the binary by
** tools/embed_files.c so the page needs no files, CDN or network.
*/
#ifndef OSTEO_WEB_ASSETS_H
#define OSTEO_WEB_ASSETS_H

typedef struct {
  const char *name; /* base name of the file under src/server/web/ (or examples/) */
  const char *text;
  long len;
} web_file;

extern const web_file web_files[];
extern const int web_files_count;

/* The asset a GET of url serves ("/" is the page), with its Content-Type;
** NULL when url names no asset. */
const web_file *web_asset(const char *url, const char **content_type);

#endif
