/*
** feedback.h: CDS Hooks 2.0 feedback (POST /cds-services/{id}/feedback) and
** the audit of every card served (serve --audit-db FILE; audit/audit.h).
**
** cds.c calls feedback_record_cards after it rendered an answer, and
** feedback_post for a feedback request. Both do nothing useful without an
** audit database (cds_ctx.audit NULL): the cards are served unrecorded, and
** feedback is answered 404 (a CDS Service MAY offer the endpoint; without a
** place to keep it this one does not).
*/
#ifndef OSTEO_FEEDBACK_H
#define OSTEO_FEEDBACK_H

#include <stddef.h>

#include "render/cards.h"
#include "server/cds.h"

/* Records the cards of an answer (its JSON in body) with their kinds, as
** render/cards.c noted them while writing the cards (k; NULL: nothing is
** recorded). A write that fails or waits too long is logged on standard
** error and the answer is served all the same. */
void feedback_record_cards(const cds_ctx *c, arena *a, const char *service, const cards_hook *h,
                           const card_kinds *k, const char *body, size_t len);

/* POST /cds-services/{service}/feedback: checks the body strictly (400 naming
** the field at fault), finds every card (404 for a card this service never
** served, or a suggestion that is not the card's), stores every entry in one
** transaction (503 when the audit cannot be written now: nothing stored,
** the client may retry) and answers 200 {}. */
void feedback_post(const cds_ctx *c, arena *a, const char *service, const char *body, size_t len, cds_reply *r);

#endif
