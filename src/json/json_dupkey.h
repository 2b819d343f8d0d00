/*
** json_dupkey.h: finding a member name given twice in one object.
**
** RFC 8259 leaves duplicate names to each parser: some keep the first,
** some the last. Wherever two parsers may read the same text (a JWT's
** header and claims: ours, and whatever the issuer or a proxy uses), a
** repeated name must be refused, and names must be compared as decoded,
** since "al\u0067" is "alg".
*/
#ifndef OSTEO_JSON_DUPKEY_H
#define OSTEO_JSON_DUPKEY_H

#include "json/json.h"

/* Index of the key token of the first name repeated in an object of d (at
** any depth), compared after unescaping; -1 when there is none; -2 when the
** arena is out of memory. */
int json_duplicate_key(arena *a, const json_doc *d);

#endif
