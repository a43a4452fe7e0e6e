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

#endif
