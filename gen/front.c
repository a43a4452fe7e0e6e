/* front.c - see front.h. */
#include "front.h"

#include "check.h"
#include "parse.h"

const sioc_schema *sioc_front(sioc_arena *arena, const char *src, size_t len,
                              sioc_diag *diag)
{
    sioc_ast_file *file = sioc_parse(arena, src, len, diag);

    return sioc_check(arena, file, diag);
}
