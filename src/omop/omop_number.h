/*
** omop_number.h: the one rule for an OMOP value that is a number, shared by
** screen --input omop and the extension's SQL over the CDM tables
** (osteoplan_omop_number), so both read the same values. No includes: the
** extension (pg/) reads this header next to PostgreSQL's.
*/
#ifndef OSTEO_OMOP_NUMBER_H
#define OSTEO_OMOP_NUMBER_H

/* A value (value_as_number or value_source_value) as a JSON number, or
** NULL: a decimal (sign, digits with a fraction or a fraction alone, an
** exponent; nothing else: no space, hex, inf or nan) within a double's
** range. The text itself when JSON reads it as written (an exponent of at
** most 3 digits), else the same double written into buf ("+2" -> "2"). */
const char *omop_number(const char *s, char buf[static 32]);

#endif
