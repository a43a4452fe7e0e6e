/* parse.h - recursive descent over the tokens of lexer.h. */
#ifndef SIOC_PARSE_H
#define SIOC_PARSE_H

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "lexer.h"

/* Lexes and parses src[0, len) (src[len] must be '\0') into a tree in
 * the arena. Lexical and syntax errors go to diag; the parser
 * resynchronises at ';' and '}' so every error is reported in one run,
 * and the tree holds what parsed. Never NULL. */
sioc_ast_file *sioc_parse(sioc_arena *arena, const char *src, size_t len,
                          sioc_diag *diag);

#endif
