/* dump.h - the checked model as text, for tests and for debugging: the
 * simplest emitter, reading only model.h. */
#ifndef SIOC_DUMP_H
#define SIOC_DUMP_H

#include <stdio.h>

#include "model.h"

void sioc_dump(FILE *out, const sioc_schema *schema);

#endif
