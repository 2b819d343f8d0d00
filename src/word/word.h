/*
** word.h: the wording stage. The engine decides in codes and statements
** (engine/say.h); this stage alone turns them into words, filling the
** knowledge base's templates for the clinician and the patient. It is the
** only place that writes a number, a T-score or a date as text.
**
**   record -> facts -> decisions (engine_assess) -> wording (word_plan)
**          -> renderers (render/, server cards, screen lines)
**
** Screening reports codes only and does not run it.
*/
#ifndef OSTEO_WORD_H
#define OSTEO_WORD_H

#include "../engine/plan.h"
#include "../util/arena.h"
#include "../util/outbuf.h"

/* Fills every text of the plan (criterion and avoid details, alert
** messages, monitoring reasons, the rationale) from its statements, in the
** arena. A text the arena has no room for is left NULL. */
void word_plan(arena *a, op_plan *p);

/* tmpl (a patient text of the knowledge base) filled with the values of
** statement s, names in the patient's words ("your hip", the agent's
** patient name); the same text when s is NULL or tmpl has no placeholder.
** NULL when the arena has no room. */
const char *word_patient(arena *a, const op_kb *kb, const op_say *s, const char *tmpl);

/* The templates a thread has taken apart (placeholders found, each matched
** to its argument) so that a template is scanned once, not at every fill;
** NULL when out of memory. One per thread: it is not locked. */
typedef struct word_cache word_cache;
word_cache *word_cache_new(void);
void word_cache_free(word_cache *c);

/* One statement in the clinician's words, alone (the worklist's reason line:
** no wording for the rest of the plan), appended to b: the bytes word_plan
** gives the same statement (tests/unit/test_word_stream.c); c (may be NULL)
** keeps the templates taken apart. False when the
** statement has no words (s NULL, or no template: nothing appended) or b ran
** out of memory. */
bool word_say_to(outbuf *b, const op_kb *kb, word_cache *c, const op_say *s);

#endif
