/* front.h - the whole front end: lexer, parser, checker. */
#ifndef SIOC_FRONT_H
#define SIOC_FRONT_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "model.h"

/* src[len] must be '\0'. Returns the model (in arena), or NULL when
 * errors were reported to diag. */
const sioc_schema *sioc_front(sioc_arena *arena, const char *src, size_t len,
                              sioc_diag *diag);

/* Reads a whole file, NUL-terminated (malloc'd); NULL with errno set. */
typedef char *sioc_read_fn(const char *path, size_t *len);

/* The same for the file at path (src: its text), with its imports
 * (import "x.sio";): each read with read, relative to the importing
 * file, checked on its own (errors under its name, to diag's sink) and
 * once, however often imported; cycles and duplicates are errors. */
const sioc_schema *sioc_front_file(sioc_arena *arena, const char *path,
                                   const char *src, size_t len,
                                   sioc_read_fn *read, sioc_diag *diag);

#endif
