/* check.h - names resolved, rules checked, identifiers mangled: the AST
 * becomes the model of model.h. */
#ifndef SIOC_CHECK_H
#define SIOC_CHECK_H

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "model.h"

/* Reports every error it finds to diag and returns NULL if there was
 * any (syntax errors included), else the model, in the arena. When a
 * declaration was lost to a syntax error, unknown types and guards are
 * not reported: they are most often echoes of it. */
const sioc_schema *sioc_check(sioc_arena *arena, const sioc_ast_file *file,
                              sioc_diag *diag);
/* The same, with the records and enums of imported schemas (already
 * checked on their own) as types: every schema the file imports,
 * directly or not, each once. at: where file imports them (their types'
 * clashes are reported there). */
const sioc_schema *sioc_check_with(sioc_arena *arena, const sioc_ast_file *file,
                                   const sioc_ast_import *imports,
                                   size_t nimports, sioc_diag *diag);

/* The C spelling of a schema name: every character that is not an ASCII
 * letter or digit (a UTF-8 sequence counting as one) becomes '_'. */
char *sioc_mangle(sioc_arena *arena, const char *s, size_t len);

/* "dir/chat.sio" -> "chat": what names the outputs (chat.sio.h) and,
 * without "schema NAME;", the schema. In the arena. */
char *sioc_file_stem(sioc_arena *arena, const char *path);

#endif
