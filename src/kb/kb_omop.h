/*
** kb_omop.h: the OMOP tables of the knowledge base (kb/common/omop.ini):
** which FHIR code system an OMOP vocabulary_id is, and which FHIR gender a
** code of the OMOP Gender vocabulary is. OMOP input (src/omop, and the
** extension's SQL) reads them, so no vocabulary table lives in C.
*/
#ifndef OSTEO_KB_OMOP_H
#define OSTEO_KB_OMOP_H

typedef struct op_kb op_kb; /* kb.h; not included: the extension (pg/) reads this header */

/* The FHIR code system URL of an OMOP vocabulary_id (exact, case as the
** vocabulary table writes it), or NULL when the knowledge base lists none. */
const char *kb_omop_system(const op_kb *kb, const char *vocabulary_id);

/* The FHIR gender (male, female) of code in vocabulary_id, or NULL.
** vocabulary_id NULL reads code as a gender_source_value, with the codes
** of the Gender vocabulary; another vocabulary gives NULL. */
const char *kb_omop_gender(const op_kb *kb, const char *vocabulary_id, const char *code);

#endif
