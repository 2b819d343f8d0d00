/*
** say.h: a statement, the decision's word-free account of one text of the
** plan: which knowledge-base template, and the typed values that go into
** its {placeholders} (numbers, T-scores, dates, sites, agents, other
** statements). The engine decides statements; the wording stage
** (src/word/) alone turns them into words, for the clinician and the
** patient. No string in a statement is meant to be read.
*/
#ifndef OSTEO_SAY_H
#define OSTEO_SAY_H

#include "../util/date.h"

/* Where a statement's template (or a named value) lives in the knowledge
** base. The first group are templates with placeholders; the second are
** names, a statement of their own or a value in another one. */
typedef enum {
  SAY_ALERT,     /* kb->alert[code].clinician / .patient */
  SAY_RULE,      /* kb->rule[code].clinician / .patient (the rationale) */
  SAY_CRITERION, /* kb->criterion[code].detail */
  SAY_REASON,    /* kb->reason[code].detail */
  SAY_MONITOR,   /* kb->monitor[code].detail */
  SAY_PHRASE,    /* kb->phrase[code] */
  SAY_UI,        /* kb->ui[code] */
  /* names */
  SAY_AGENT, SAY_SITE, SAY_FX_SITE, SAY_CONDITION, SAY_RISK, SAY_DIAGNOSIS,
  SAY_FINDING, SAY_REASON_NAME, SAY_CRITERION_NAME,
  SAY_SEX, /* its words in [ui.female] / [ui.male] */
  SAY_JOIN /* no template: its one argument, a list, is the text */
} say_table;

typedef enum {
  ARG_EMPTY, /* the placeholder is given, and empty */
  ARG_NUM,   /* a number, at most two decimals */
  ARG_T,     /* a T-score, one decimal */
  ARG_GAIN,  /* a T-score change with its sign, one decimal */
  ARG_PCT,   /* a percentage */
  ARG_DATE,
  ARG_NAME,  /* ref: a name from the knowledge base */
  ARG_SAY,   /* another statement, in the clinician's words */
  ARG_LIST   /* statements, one after the other */
} arg_kind;

/* How the items of a list are joined. */
typedef enum { SEP_SEMICOLON, SEP_COMMA } say_sep;

typedef struct op_say op_say;

typedef struct {
  const char *name; /* the placeholder, as the template writes it */
  arg_kind kind;
  union {
    double num;
    op_date date;
    struct {
      say_table table;
      int code;
    } ref;
    const op_say *say;
    struct {
      const op_say *const *items; /* an item with no words gives its name */
      int n;
      say_sep sep;
    } list;
  } v;
} op_arg;

/* The most placeholders one template of the knowledge base fills
** (criterion osteopenia_with_fracture, fracture_on_therapy). */
#define OP_SAY_MAX_ARGS 5

struct op_say {
  say_table table;
  int code;
  int n;          /* <= OP_SAY_MAX_ARGS */
  op_arg args[];  /* n of them: a statement takes the room it needs */
};

#define A_EMPTY(nm) ((op_arg){.name = (nm), .kind = ARG_EMPTY})
#define A_NUM(nm, x) ((op_arg){.name = (nm), .kind = ARG_NUM, .v.num = (x)})
#define A_T(nm, x) ((op_arg){.name = (nm), .kind = ARG_T, .v.num = (x)})
#define A_GAIN(nm, x) ((op_arg){.name = (nm), .kind = ARG_GAIN, .v.num = (x)})
#define A_PCT(nm, x) ((op_arg){.name = (nm), .kind = ARG_PCT, .v.num = (x)})
#define A_DATE(nm, d) ((op_arg){.name = (nm), .kind = ARG_DATE, .v.date = (d)})
#define A_NAME(nm, tbl, c) ((op_arg){.name = (nm), .kind = ARG_NAME, .v.ref = {(tbl), (c)}})
/* Another statement's words; none (NULL) gives an empty placeholder. */
static inline op_arg A_SAY(const char *name, const op_say *s) {
  return (op_arg){.name = name, .kind = s ? ARG_SAY : ARG_EMPTY, .v.say = s};
}

/* The number of op_arg in a brace list; fails to compile past the cap. */
#define SAY_NARGS(...)                                                                 \
  ((int)(sizeof((op_arg[]){__VA_ARGS__}) / sizeof(op_arg)) +                           \
   0 * (int)sizeof(char[sizeof((op_arg[]){__VA_ARGS__}) / sizeof(op_arg) <= OP_SAY_MAX_ARGS ? 1 : -1]))

#endif
