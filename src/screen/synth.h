/*
** synth.h: deterministic synthetic patient records (NDJSON lines).
*/
#ifndef OSTEO_SYNTH_H
#define OSTEO_SYNTH_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/date.h"
#include "../util/strbuf.h"

/* Appends record number index (one JSON object, no newline) to b; s is the
** generator state, advanced. */
void synth_record(uint64_t *s, uint64_t index, op_date as_of, strbuf *b);
/* Breaks the record in b in one of several ways a reader must refuse. */
void synth_break(uint64_t *s, strbuf *b);

#endif
