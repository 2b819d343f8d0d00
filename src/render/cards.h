/*
** cards.h: the CDS Hooks cards of a plan (spec/ehr.md), as JSON. The
** service (server/cds.c) reads the request, builds the plan and reads the
** draft orders; the cards are only a view of the plan: the decision card
** (its detail is the clinician's Markdown, exactly as `assess` writes it),
** one card per critical alert, and for order-sign a card per ordered agent
** the plan advises against or does not put first.
*/
#ifndef OSTEO_CARDS_H
#define OSTEO_CARDS_H

#include <stdbool.h>

#include "../engine/plan.h"
#include "../util/arena.h"
#include "../util/strbuf.h"

/* What the cards of one hook request are made from. */
typedef struct {
  const op_kb *kb;
  const unsigned char *id_seed; /* 16 random bytes drawn by the server for this answer: the
                                ** card and suggestion ids (never the caller's hookInstance) */
  const char *patient_id;    /* the subject of a draft order the cards propose */
  const op_plan *plan;       /* NULL when there is no plan */
  const char *no_plan;       /* deceased or not mappable: the reason (then plan is NULL) */
  bool deceased;
} cards_hook;

/* One draft MedicationRequest of an order-sign request, as the service read it. */
typedef struct {
  int agent;          /* the osteoporosis agent ordered, or < 0: none */
  bool unresolved;    /* a reference that leads nowhere: not checked (agent < 0) */
  const char *id;     /* the MedicationRequest's id, or NULL */
  const char *named;  /* unresolved: the Medication it names */
} card_draft;

/* The kind of each card of an answer, in its order, for the audit: the plan
** code that made it ("decision.ACTION", "alert.CODE", "avoid.AGENT",
** "not_recommended.AGENT", "not_first_choice.AGENT", "order.unresolved",
** "no_plan", "deceased"). Written by the code that writes the card, so the
** two cannot disagree. n counts every card; kinds beyond CARD_KINDS_MAX
** are not kept (n > CARD_KINDS_MAX says so). */
#define CARD_KINDS_MAX 128
typedef struct {
  const char *kind[CARD_KINDS_MAX];
  int n;
} card_kinds;

/* {"cards": [...]} of patient-view into b; the kinds into k (NULL: not wanted). */
void cards_patient_view(arena *a, const cards_hook *h, strbuf *b, card_kinds *k);
/* {"cards": [...]} of order-sign for the n drafts into b; the kinds into k (or NULL). */
void cards_order_sign(arena *a, const cards_hook *h, const card_draft *drafts, int n, strbuf *b, card_kinds *k);

#endif
