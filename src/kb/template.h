/*
** template.h: fills the knowledge base's {placeholder} texts with the
** patient's values. The loader has already checked every placeholder name.
*/
#ifndef OSTEO_TEMPLATE_H
#define OSTEO_TEMPLATE_H

#include "../util/arena.h"

typedef struct {
  const char *name, *value;
} tmpl_var;

/* Returns the filled text in the arena. A placeholder with no value is left
** as written so a missing value is visible, never silently empty. */
const char *tmpl_fill(arena *a, const char *tmpl, const tmpl_var *vars, int n);

#endif
