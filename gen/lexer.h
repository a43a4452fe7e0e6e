/* lexer.h - tokens of the schema language (lexer.re, built by re2c). */
#ifndef SIOC_LEXER_H
#define SIOC_LEXER_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"

/* Offsets are 32-bit; main refuses larger files. */
#define SIOC_MAX_SOURCE (64u * 1024 * 1024)

typedef enum sioc_tok_kind {
    SIOC_TOK_EOF,
    SIOC_TOK_IDENT,
    SIOC_TOK_STRING, /* a literal, quotes included; may be unterminated */
    SIOC_TOK_NUMBER, /* in a range's bounds; "-" and digits */
    /* Keywords. Where a name is expected, the parser takes some of them
     * as names too (a field may be called "record"). */
    SIOC_TOK_KW_SCHEMA,
    SIOC_TOK_KW_RECORD,
    SIOC_TOK_KW_ENUM,
    SIOC_TOK_KW_GUARD,
    SIOC_TOK_KW_NAMESPACE,
    SIOC_TOK_KW_CONNECT,
    SIOC_TOK_KW_ON,
    SIOC_TOK_KW_EMIT,
    SIOC_TOK_KW_REQUIRES,
    SIOC_TOK_KW_AUTH,
    SIOC_TOK_KW_ELSE,
    SIOC_TOK_KW_BOOL,
    SIOC_TOK_KW_INT,
    SIOC_TOK_KW_FLOAT,
    SIOC_TOK_KW_STRING,
    SIOC_TOK_KW_BYTES,
    SIOC_TOK_KW_JSON,
    /* Punctuation. */
    SIOC_TOK_SEMI,
    SIOC_TOK_COLON,
    SIOC_TOK_COMMA,
    SIOC_TOK_LBRACE,
    SIOC_TOK_RBRACE,
    SIOC_TOK_LPAREN,
    SIOC_TOK_RPAREN,
    SIOC_TOK_LBRACKET,
    SIOC_TOK_RBRACKET,
    SIOC_TOK_ARROW,
    SIOC_TOK_ELLIPSIS,
    SIOC_TOK_DOTDOT, /* "..": a range */
    SIOC_TOK_PLUS,   /* "+": non-empty */
    SIOC_TOK_QUESTION,
    SIOC_TOK_EQUALS, /* "=": a default value */
    SIOC_TOK_STAR,
    SIOC_TOK_COUNT
} sioc_tok_kind;

typedef struct sioc_token {
    sioc_tok_kind kind;
    uint32_t offset, len, line, col;
} sioc_token;

/* The lexer: the parser pulls one token at a time, so lexical and
 * syntax errors come out in source order. */
typedef struct sioc_lexer {
    const unsigned char *src, *cur, *lim, *mark;
    const unsigned char *line_start;
    /* Column cache: col_pos is at column col of the current line, so a
     * token's column is found by scanning on from the previous one. */
    const unsigned char *col_pos;
    uint32_t line, col;
    unsigned errors; /* lexical errors reported so far */
    sioc_diag *diag;
} sioc_lexer;

/* src[len] must be '\0' (the sentinel of re2c's EOF rule). */
void sioc_lexer_init(sioc_lexer *lx, const char *src, size_t len,
                     sioc_diag *diag);

/* The next token; SIOC_TOK_EOF at the end, and again if called again.
 * Every byte is matched: lexical errors go to diag and the bad bytes
 * are skipped, so the parser sees a plausible stream. */
sioc_token sioc_lexer_next(sioc_lexer *lx);

/* "';'", "identifier", "end of file": for "expected X, found Y". */
const char *sioc_tok_name(sioc_tok_kind kind);

static inline sioc_span sioc_tok_span(const sioc_token *t)
{
    sioc_span s = {t->offset, t->len, t->line, t->col};

    return s;
}

/* The value of a string token, escapes decoded, NUL-terminated, in the
 * arena; *len excludes the NUL. Bad escapes (already reported by the
 * lexer) decode to something harmless. */
char *sioc_string_value(sioc_arena *a, const char *src, const sioc_token *t,
                        size_t *len);

#endif
