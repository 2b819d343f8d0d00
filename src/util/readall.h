/*
** readall.h: reading a whole stream into memory, with a size limit.
*/
#ifndef OSTEO_READALL_H
#define OSTEO_READALL_H

#include <stdio.h>

/* Reads f to its end into a malloc'd, NUL-terminated buffer (the caller
** frees it). NULL on failure with errno set: EFBIG when the stream holds
** more than max bytes, or the error of the read. */
char *read_all(FILE *f, size_t max, size_t *len);

#endif
