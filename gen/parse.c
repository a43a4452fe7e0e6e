/* parse.c - the schema grammar (docs/schema.md), a function per rule.
 *
 * A rule returns false after reporting a syntax error; the loop that
 * called it (declarations, items, fields) skips to the end of the broken
 * construct with parse_sync and goes on, so one run reports every error
 * (flatcc's parser does the same). */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

typedef struct parser {
    const char *src;
    sioc_lexer lexer;
    sioc_token tok;    /* current */
    sioc_token prev;   /* the one before: a missing ';' goes after it */
    unsigned stmt_lex; /* lexical errors when the statement began */
    sioc_token ahead;  /* the one after, once peeked */
    bool have_ahead;
    sioc_arena *arena;
    sioc_diag *diag;
    unsigned type_depth; /* maps within maps being parsed */
    uint64_t unclosed;   /* offset + 1 of the last missing '}' reported */
} parser;

/* Maps nest at most this deep (the decoder's limit, SIOC_MAX_DEPTH), so
 * that a hostile schema cannot exhaust the parser's stack. */
#define SIOC_PARSE_MAX_TYPE_DEPTH 32

/* Words a misspelling is compared with, by where it stands. */
static const char *const requires_word[] = {"requires", NULL};
static const char *const item_words[] = {"connect",    "on",  "emit", "data",
                                         "disconnect", "use", NULL};
static const char *const decl_words[] = {
    "record", "enum", "guard", "namespace", "import", "union", "schema", NULL};
static const char *const policy_words[] = {"ack", "disconnect", NULL};

static sioc_tok_kind parse_kind(const parser *p)
{
    return p->tok.kind;
}

static bool parse_at(const parser *p, sioc_tok_kind kind)
{
    return p->tok.kind == kind;
}

/* The token after the current one. Lexed only when asked for, so that
 * lexical errors stay in source order with the parser's. */
static const sioc_token *parse_peek(parser *p)
{
    if (!p->have_ahead) {
        p->ahead = sioc_lexer_next(&p->lexer);
        p->have_ahead = true;
    }
    return &p->ahead;
}

/* Moves on; returns the token moved past. */
static sioc_token parse_advance(parser *p)
{
    sioc_token t = p->tok;

    if (t.kind == SIOC_TOK_EOF)
        return t;
    p->prev = t;
    p->tok = p->have_ahead ? p->ahead : sioc_lexer_next(&p->lexer);
    p->have_ahead = false;
    return t;
}

static bool parse_accept(parser *p, sioc_tok_kind kind)
{
    if (!parse_at(p, kind))
        return false;
    parse_advance(p);
    return true;
}

static bool is_keyword(sioc_tok_kind kind)
{
    return kind >= SIOC_TOK_KW_SCHEMA && kind <= SIOC_TOK_KW_JSON;
}

static bool is_type_keyword(sioc_tok_kind kind)
{
    return kind >= SIOC_TOK_KW_BOOL && kind <= SIOC_TOK_KW_JSON;
}

/* The word w (a contextual keyword) at the current token. */
static bool parse_at_word(const parser *p, const char *w)
{
    const sioc_token *t = &p->tok;

    return t->kind == SIOC_TOK_IDENT && t->len == strlen(w) &&
           !memcmp(p->src + t->offset, w, t->len);
}

/* "union" NAME: a word only there. */
static bool parse_at_union(parser *p)
{
    return parse_at_word(p, "union") && parse_peek(p)->kind == SIOC_TOK_IDENT;
}

/* "import" (a word only here) followed by a string. */
static bool parse_at_import(parser *p)
{
    const sioc_token *t = &p->tok;

    return t->kind == SIOC_TOK_IDENT && t->len == 6 &&
           !memcmp(p->src + t->offset, "import", 6) &&
           parse_peek(p)->kind == SIOC_TOK_STRING;
}

/* The start of a declaration: its keyword and then its name. A field
 * named "record" is followed by ':' instead. */
static bool parse_at_decl(parser *p)
{
    switch (parse_kind(p)) {
    case SIOC_TOK_KW_SCHEMA:
    case SIOC_TOK_KW_RECORD:
    case SIOC_TOK_KW_ENUM:
    case SIOC_TOK_KW_GUARD:
        return parse_peek(p)->kind == SIOC_TOK_IDENT;
    case SIOC_TOK_KW_NAMESPACE:
        return parse_peek(p)->kind == SIOC_TOK_STRING;
    case SIOC_TOK_IDENT:
        return parse_at_import(p) || parse_at_union(p);
    default:
        return false;
    }
}

/* A new statement (declaration, item, field) begins here. */
static void parse_mark(parser *p)
{
    p->stmt_lex = p->lexer.errors;
}

/* After a lexical error in this statement (an unterminated string, a
 * stray byte), the syntax error that follows is its echo. */
static bool parse_echo(const parser *p)
{
    return p->lexer.errors != p->stmt_lex;
}

/* "; did you mean 'record'?" when the current token is an identifier
 * close to one of the words in cands (NULL-terminated), else "". */
static const char *parse_hint(parser *p, const char *const *cands)
{
    const sioc_token *t = &p->tok;
    sioc_suggest s;
    const char *word;

    if (t->kind != SIOC_TOK_IDENT || !cands)
        return "";
    word = sioc_arena_strndup(p->arena, p->src + t->offset, t->len);
    sioc_suggest_init(&s, word);
    for (; *cands; cands++)
        sioc_suggest_add(&s, *cands);
    if (!sioc_suggest_best(&s))
        return "";
    return sioc_arena_printf(p->arena, "; did you mean '%s'?",
                             sioc_suggest_best(&s));
}

/* The span of the current token, or for a missing ';' the end of the
 * token before it, where the ';' belongs (rustc points there too). */
static sioc_span parse_error_at(const parser *p, bool after_prev)
{
    const sioc_token *t = &p->prev;
    sioc_span at = sioc_tok_span(&p->tok);
    const char *s = p->src + t->offset, *end = s + t->len;

    if (!after_prev || t->line == 0)
        return at;
    at.offset = t->offset + t->len;
    at.len = 0;
    at.line = t->line;
    at.col = t->col;
    while (s < end) {
        size_t n = sioc_utf8_len(s, end);

        s += n ? n : 1;
        at.col++;
    }
    return at;
}

/* "expected X, found Y" (Y: "identifier 'x'", "string \"x\"", "';'"),
 * with hint after it; at the end of the previous token if after_prev. */
static void parse_error_full(parser *p, const char *what, const char *hint,
                             bool after_prev)
{
    const sioc_token *t = &p->tok;
    int n = t->len > 40 ? 40 : (int)t->len;
    const char *more = t->len > 40 ? "..." : "";
    const char *text = p->src + t->offset;
    sioc_span at = parse_error_at(p, after_prev);

    if (parse_echo(p))
        return;
    switch (t->kind) {
    case SIOC_TOK_IDENT:
        sioc_diag_error(p->diag, at, "expected %s, found identifier '%.*s%s'%s",
                        what, n, text, more, hint);
        break;
    case SIOC_TOK_NUMBER:
        sioc_diag_error(p->diag, at, "expected %s, found number '%.*s%s'%s",
                        what, n, text, more, hint);
        break;
    case SIOC_TOK_STRING:
        sioc_diag_error(p->diag, at, "expected %s, found string %.*s%s%s", what,
                        n, text, more, hint);
        break;
    default:
        sioc_diag_error(p->diag, at, "expected %s, found %s%s", what,
                        sioc_tok_name(t->kind), hint);
    }
}

static void parse_error_expected(parser *p, const char *what)
{
    parse_error_full(p, what, "", false);
}

static bool parse_expect(parser *p, sioc_tok_kind kind)
{
    if (parse_accept(p, kind))
        return true;
    parse_error_full(p, sioc_tok_name(kind), "", kind == SIOC_TOK_SEMI);
    return false;
}

/* Where parse_sync may stop early: at a declaration always, and in a
 * namespace at the next item, in a record at the next field, so that a
 * missing ';' costs one error and not the line after it. */
typedef enum sync_mode { SYNC_TOP, SYNC_ITEMS, SYNC_FIELDS } sync_mode;

static bool parse_at_item(parser *p)
{
    sioc_tok_kind next;

    if (parse_at_word(p, "data"))
        return parse_peek(p)->kind == SIOC_TOK_IDENT ||
               parse_peek(p)->kind == SIOC_TOK_LBRACE;
    if (parse_at_word(p, "disconnect"))
        return parse_peek(p)->kind == SIOC_TOK_SEMI;
    if (parse_at_word(p, "use"))
        return parse_peek(p)->kind == SIOC_TOK_SEMI ||
               parse_peek(p)->kind == SIOC_TOK_KW_CONNECT;
    switch (parse_kind(p)) {
    case SIOC_TOK_KW_CONNECT:
        return parse_peek(p)->kind == SIOC_TOK_LPAREN;
    case SIOC_TOK_KW_ON:
        next = parse_peek(p)->kind;
        return next == SIOC_TOK_STRING || next == SIOC_TOK_STAR;
    case SIOC_TOK_KW_EMIT:
        return parse_peek(p)->kind == SIOC_TOK_STRING;
    default:
        return false;
    }
}

static bool parse_at_field(parser *p)
{
    return (parse_at(p, SIOC_TOK_IDENT) || is_keyword(parse_kind(p))) &&
           parse_peek(p)->kind == SIOC_TOK_COLON;
}

static bool parse_at_stop(parser *p, sync_mode mode)
{
    return parse_at_decl(p) || (mode == SYNC_ITEMS && parse_at_item(p)) ||
           (mode == SYNC_FIELDS && parse_at_field(p));
}

/* Skips past the next ';', or to the '}' that closes the enclosing
 * block (left for the caller), or to a stop of the mode; a nested {...}
 * is skipped whole. */
static void parse_sync(parser *p, sync_mode mode)
{
    unsigned depth = 0;

    for (;;) {
        switch (parse_kind(p)) {
        case SIOC_TOK_EOF:
            return;
        case SIOC_TOK_LBRACE:
            depth++;
            break;
        case SIOC_TOK_RBRACE:
            if (depth == 0)
                return;
            if (--depth == 0) {
                parse_advance(p);
                return;
            }
            break;
        case SIOC_TOK_SEMI:
            if (depth == 0) {
                parse_advance(p);
                return;
            }
            break;
        default:
            if (depth == 0 && parse_at_stop(p, mode))
                return;
        }
        parse_advance(p);
    }
}

/* A missing '}': the caller's loop met a declaration or the end. */
static void parse_unclosed(parser *p, sioc_token open)
{
    /* A block in a block ("data {" in a namespace): one report. */
    if (p->unclosed == (uint64_t)p->tok.offset + 1)
        return;
    p->unclosed = (uint64_t)p->tok.offset + 1;
    parse_error_expected(p, "'}'");
    sioc_diag_note(p->diag, sioc_tok_span(&open), "to match this '{'");
}

static sioc_ast_name parse_name_of(parser *p, sioc_token t)
{
    sioc_ast_name n;

    n.text = sioc_arena_strndup(p->arena, p->src + t.offset, t.len);
    n.at = sioc_tok_span(&t);
    return n;
}

/* An identifier; with any_keyword, a keyword too (field names). */
static bool parse_name(parser *p, bool any_keyword, sioc_ast_name *out)
{
    if (!parse_at(p, SIOC_TOK_IDENT) &&
        !(any_keyword && is_keyword(parse_kind(p)))) {
        parse_error_expected(p, "identifier");
        return false;
    }
    *out = parse_name_of(p, parse_advance(p));
    return true;
}

static bool parse_string(parser *p, sioc_ast_string *out)
{
    sioc_token t = p->tok;

    if (!parse_expect(p, SIOC_TOK_STRING))
        return false;
    out->value = sioc_string_value(p->arena, p->src, &t, &out->len);
    out->raw = sioc_arena_strndup(p->arena, p->src + t.offset, t.len);
    out->at = sioc_tok_span(&t);
    return true;
}

/* A bound of a range: an integer within int64. */
static bool parse_bound(parser *p, int64_t *out)
{
    const sioc_token *t = &p->tok;
    char *text, *end;
    long long v;

    if (t->kind != SIOC_TOK_NUMBER) {
        parse_error_expected(p, "an integer");
        return false;
    }
    text = sioc_arena_strndup(p->arena, p->src + t->offset, t->len);
    errno = 0;
    v = strtoll(text, &end, 10);
    if (*end || errno) {
        sioc_diag_error(p->diag, sioc_tok_span(t),
                        "'%s' is not an integer within int64", text);
        return false;
    }
    *out = v;
    parse_advance(p);
    return true;
}

/* [ "(" [ INT ] ".." [ INT ] ")" | "+" ] */
static bool parse_limits(parser *p, sioc_ast_limits *out)
{
    sioc_token open = p->tok;

    if (parse_accept(p, SIOC_TOK_PLUS)) {
        out->present = out->has_min = out->plus = true;
        out->min = 1;
        out->at = sioc_tok_span(&open);
        return true;
    }
    if (!parse_accept(p, SIOC_TOK_LPAREN))
        return true;
    out->present = true;
    if (!parse_at(p, SIOC_TOK_DOTDOT)) {
        if (!parse_bound(p, &out->min))
            return false;
        out->has_min = true;
    }
    if (!parse_expect(p, SIOC_TOK_DOTDOT))
        return false;
    if (!parse_at(p, SIOC_TOK_RPAREN)) {
        if (!parse_bound(p, &out->max))
            return false;
        out->has_max = true;
    }
    out->at = sioc_tok_span(&open);
    out->at.len = p->tok.offset + p->tok.len - open.offset;
    return parse_expect(p, SIOC_TOK_RPAREN);
}

static bool parse_type(parser *p, sioc_ast_type *out);

/* After an error inside a map: past its '}' (nested braces too), or up
 * to the ';' that ends the field, so the field's sync does not take the
 * map's '}' for the record's. */
static bool parse_skip_map(parser *p)
{
    unsigned depth = 1;

    while (!parse_at(p, SIOC_TOK_EOF) && !parse_at(p, SIOC_TOK_SEMI)) {
        sioc_tok_kind k = parse_kind(p);

        parse_advance(p);
        if (k == SIOC_TOK_LBRACE)
            depth++;
        else if (k == SIOC_TOK_RBRACE && --depth == 0)
            break;
    }
    return false;
}

/* "{" "string" ":" type "}": a map. Its name is the text as written. */
static bool parse_map(parser *p, sioc_ast_type *out)
{
    sioc_token open = parse_advance(p);
    uint32_t end;
    bool ok;

    out->base = SIOC_TOK_LBRACE;
    out->name.at = sioc_tok_span(&open);
    if (p->type_depth == SIOC_PARSE_MAX_TYPE_DEPTH) {
        sioc_diag_error(p->diag, out->name.at, "types nest more than %d deep",
                        SIOC_PARSE_MAX_TYPE_DEPTH);
        return parse_skip_map(p);
    }
    if (!parse_at(p, SIOC_TOK_KW_STRING)) {
        parse_error_expected(
            p, "'string' (a map's keys are strings: {string: T})");
        return parse_skip_map(p);
    }
    parse_advance(p);
    out->map_value = sioc_arena_alloc(p->arena, sizeof *out->map_value);
    if (!parse_expect(p, SIOC_TOK_COLON))
        return parse_skip_map(p);
    p->type_depth++;
    ok = parse_type(p, out->map_value);
    p->type_depth--;
    end = p->tok.offset + p->tok.len;
    if (!ok || !parse_expect(p, SIOC_TOK_RBRACE))
        return parse_skip_map(p);
    out->name.at.len = end - open.offset;
    out->name.text =
        sioc_arena_strndup(p->arena, p->src + open.offset, out->name.at.len);
    return true;
}

/* type = ( "bool" | ... | "json" | IDENT | map ) [ limits ] { "[" "]" }
 *        [ limits ] [ "?" ]; an array's limits follow its last "[]". */
static bool parse_type(parser *p, sioc_ast_type *out)
{
    sioc_tok_kind k = parse_kind(p);

    if (k == SIOC_TOK_LBRACE) {
        if (!parse_map(p, out))
            return false;
    } else if (k != SIOC_TOK_IDENT && !is_type_keyword(k)) {
        parse_error_expected(p, "type");
        return false;
    } else {
        out->base = k;
        out->name = parse_name_of(p, parse_advance(p));
    }
    if (!parse_limits(p, &out->value))
        return false;
    while (parse_accept(p, SIOC_TOK_LBRACKET)) {
        if (!parse_expect(p, SIOC_TOK_RBRACKET))
            return false;
        out->dims++;
        if (out->len.present) {
            sioc_diag_error(p->diag, out->len.at,
                            "only the outermost array (after the last '[]') "
                            "can have a length limit");
            return false;
        }
        if (!parse_limits(p, &out->len))
            return false;
    }
    out->optional = parse_accept(p, SIOC_TOK_QUESTION);
    return true;
}

/* Whether the current token is the word "as" and a name follows. */
static bool parse_at_as(parser *p)
{
    const sioc_token *t = &p->tok;

    return t->kind == SIOC_TOK_IDENT && t->len == 2 &&
           !memcmp(p->src + t->offset, "as", 2) &&
           parse_peek(p)->kind == SIOC_TOK_IDENT;
}

/* [ "as" IDENT ]: the C name of something named on the wire. */
static void parse_opt_alias(parser *p, sioc_ast_name *out)
{
    if (!parse_at_as(p))
        return;
    parse_advance(p);
    *out = parse_name_of(p, parse_advance(p));
}

/* A number with a fraction or an exponent: [-]D+[.D+][(e|E)[+-]D+]
 * with one of the two, decimal only (strtod alone would take "0x1p3",
 * "inf"). */
static bool is_decimal_fraction(const char *s)
{
    bool frac = false, exp = false;

    s += *s == '-';
    if (!isdigit((unsigned char)*s))
        return false;
    while (isdigit((unsigned char)*s))
        s++;
    if (*s == '.') {
        frac = true;
        if (!isdigit((unsigned char)*++s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        exp = true;
        s++;
        s += *s == '+' || *s == '-';
        if (!isdigit((unsigned char)*s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return !*s && (frac || exp);
}

/* A float literal: finite, and not so small that strtod reports it out
 * of range (1e-400). */
static bool parse_fraction(parser *p, sioc_ast_default *out)
{
    char *end;

    errno = 0;
    out->kind = SIOC_AST_LIT_FLOAT;
    out->f = strtod(out->text, &end);
    if (*end || errno || !isfinite(out->f)) {
        sioc_diag_error(p->diag, sioc_tok_span(&p->tok),
                        "'%s' is not a number a double holds", out->text);
        return false;
    }
    parse_advance(p);
    return true;
}

/* default = "=" ( INT | FLOAT | STRING | "true" | "false" ) */
static bool parse_default(parser *p, sioc_ast_default *out)
{
    sioc_token t = p->tok;

    out->at = sioc_tok_span(&t);
    out->text = sioc_arena_strndup(p->arena, p->src + t.offset, t.len);
    if (t.kind == SIOC_TOK_NUMBER && is_decimal_fraction(out->text))
        return parse_fraction(p, out);
    if (t.kind == SIOC_TOK_NUMBER &&
        strspn(out->text + (out->text[0] == '-'), "0123456789") !=
            strlen(out->text + (out->text[0] == '-'))) {
        sioc_diag_error(p->diag, sioc_tok_span(&t),
                        "'%s' is not a number: write it in decimal (10, "
                        "2.5, 1e-3)",
                        out->text);
        return false;
    }
    if (t.kind == SIOC_TOK_NUMBER) {
        out->kind = SIOC_AST_LIT_INT;
        return parse_bound(p, &out->i);
    }
    if (t.kind == SIOC_TOK_STRING) {
        out->kind = SIOC_AST_LIT_STRING;
        return parse_string(p, &out->str);
    }
    if (t.kind == SIOC_TOK_IDENT &&
        (!strcmp(out->text, "true") || !strcmp(out->text, "false"))) {
        out->kind = SIOC_AST_LIT_BOOL;
        out->b = out->text[0] == 't';
        parse_advance(p);
        return true;
    }
    parse_error_expected(p, "a value (an integer, a string, true or false)");
    return false;
}

/* field = ( IDENT | STRING ) [ "as" IDENT ] ":" type [ default ]
 * (also param) */
static bool parse_field(parser *p, sioc_ast_field **out)
{
    sioc_ast_field *f = sioc_arena_alloc(p->arena, sizeof *f);

    if (parse_at(p, SIOC_TOK_STRING)) {
        sioc_ast_string w;

        parse_string(p, &w);
        f->quoted = true;
        f->wire = w.value;
        f->wire_at = w.at;
        f->name.text = w.value;
        f->name.at = w.at;
    } else if (parse_name(p, true, &f->name)) {
        f->wire = f->name.text;
        f->wire_at = f->name.at;
    } else {
        return false;
    }
    if (parse_at_as(p)) {
        parse_opt_alias(p, &f->name);
        f->aliased = true;
    }
    if (!parse_expect(p, SIOC_TOK_COLON) || !parse_type(p, &f->type))
        return false;
    if (parse_accept(p, SIOC_TOK_EQUALS) && !parse_default(p, &f->def))
        return false;
    *out = f;
    return true;
}

static bool parse_ellipsis(parser *p, sioc_ast_params *out)
{
    sioc_token t = parse_advance(p);

    out->variadic_at = sioc_tok_span(&t);
    out->variadic = true;
    if (parse_at(p, SIOC_TOK_COMMA)) {
        sioc_diag_error(p->diag, out->variadic_at,
                        "'...' must be the last parameter");
        return false;
    }
    return true;
}

/* params = "(" [ param { "," param } ] [ "," "..." ] ")", or "(...)" */
static bool parse_params(parser *p, sioc_ast_params *out)
{
    sioc_ast_field **tail = &out->head;

    if (!parse_expect(p, SIOC_TOK_LPAREN))
        return false;
    if (parse_accept(p, SIOC_TOK_RPAREN))
        return true;
    for (;;) {
        if (parse_at(p, SIOC_TOK_ELLIPSIS)) {
            if (!parse_ellipsis(p, out))
                return false;
        } else {
            if (!parse_at(p, SIOC_TOK_IDENT) && !parse_at(p, SIOC_TOK_STRING) &&
                !is_keyword(parse_kind(p))) {
                parse_error_expected(p, "parameter or '...'");
                return false;
            }
            if (!parse_field(p, tail))
                return false;
            tail = &(*tail)->next;
            out->count++;
        }
        if (parse_accept(p, SIOC_TOK_RPAREN))
            return true;
        if (out->variadic || !parse_accept(p, SIOC_TOK_COMMA)) {
            parse_error_expected(p, out->variadic ? "')'" : "',' or ')'");
            return false;
        }
    }
}

/* "else" ( "ack" | "disconnect" ): an extension, see docs/schema.md */
static bool parse_policy(parser *p, sioc_ast_requires *out)
{
    const sioc_token *t = &p->tok;
    const char *word = p->src + t->offset;

    if (t->kind == SIOC_TOK_IDENT && t->len == 3 && !memcmp(word, "ack", 3))
        out->policy = SIOC_AST_POLICY_ACK;
    else if (t->kind == SIOC_TOK_IDENT && t->len == 10 &&
             !memcmp(word, "disconnect", 10))
        out->policy = SIOC_AST_POLICY_DISCONNECT;
    else {
        parse_error_full(p, "'ack' or 'disconnect'",
                         parse_hint(p, policy_words), false);
        return false;
    }
    out->policy_at = sioc_tok_span(t);
    parse_advance(p);
    return true;
}

/* requires = "requires" ( "auth" | IDENT ) { "," ... } [ "else" policy ] */
static bool parse_requires(parser *p, sioc_ast_requires *out)
{
    sioc_ast_req **tail = &out->head;

    out->present = true;
    out->at = sioc_tok_span(&p->tok);
    parse_advance(p);
    do {
        sioc_ast_req *r = sioc_arena_alloc(p->arena, sizeof *r);

        if (parse_at(p, SIOC_TOK_KW_AUTH)) {
            r->auth = true;
        } else if (!parse_at(p, SIOC_TOK_IDENT)) {
            parse_error_expected(p, "'auth' or a guard name");
            return false;
        }
        r->name = parse_name_of(p, parse_advance(p));
        *tail = r;
        tail = &r->next;
    } while (parse_accept(p, SIOC_TOK_COMMA));
    if (parse_accept(p, SIOC_TOK_KW_ELSE))
        return parse_policy(p, out);
    return true;
}

static bool parse_opt_requires(parser *p, sioc_ast_requires *out)
{
    return !parse_at(p, SIOC_TOK_KW_REQUIRES) || parse_requires(p, out);
}

/* [ "->" params ] */
static bool parse_opt_ack(parser *p, sioc_ast_item *it)
{
    if (!parse_accept(p, SIOC_TOK_ARROW))
        return true;
    it->acked = true;
    return parse_params(p, &it->ack);
}

/* The ';' ending an item, with a word for a misplaced "else". */
static bool parse_item_end(parser *p)
{
    const char *hint;

    if (parse_at(p, SIOC_TOK_KW_ELSE)) {
        sioc_diag_error(p->diag, sioc_tok_span(&p->tok),
                        "'else' belongs to a 'requires' clause");
        return false;
    }
    if (parse_accept(p, SIOC_TOK_SEMI))
        return true;
    hint = parse_hint(p, requires_word);
    parse_error_full(p, "';'", hint, !*hint);
    return false;
}

/* "on" "*" ";" (also spelt on "*";) */
static bool parse_on_any(parser *p, sioc_ast_item *it)
{
    it->kind = SIOC_AST_ANY;
    parse_advance(p);
    if (parse_at(p, SIOC_TOK_LPAREN)) {
        sioc_diag_error(p->diag, sioc_tok_span(&p->tok),
                        "'on *' takes no parameters: its handler gets the "
                        "event name and every argument");
        return false;
    }
    return parse_expect(p, SIOC_TOK_SEMI);
}

/* "on" STRING params [ "->" params ] [ requires ] ";" | "on" "*" ";" */
static bool parse_on(parser *p, sioc_ast_item *it)
{
    const sioc_token *t = &p->tok;

    if (parse_at(p, SIOC_TOK_STAR) ||
        (t->kind == SIOC_TOK_STRING && t->len == 3 &&
         !memcmp(p->src + t->offset, "\"*\"", 3) &&
         parse_peek(p)->kind == SIOC_TOK_SEMI))
        return parse_on_any(p, it);
    if (!parse_at(p, SIOC_TOK_STRING)) {
        parse_error_expected(p, "event name (a string) or '*'");
        return false;
    }
    if (!parse_string(p, &it->name))
        return false;
    parse_opt_alias(p, &it->alias);
    return parse_params(p, &it->args) && parse_opt_ack(p, it) &&
           parse_opt_requires(p, &it->req) && parse_item_end(p);
}

/* "emit" STRING params [ "->" params ] ";" */
static bool parse_emit(parser *p, sioc_ast_item *it)
{
    if (!parse_string(p, &it->name))
        return false;
    parse_opt_alias(p, &it->alias);
    if (!parse_params(p, &it->args) || !parse_opt_ack(p, it))
        return false;
    if (parse_at(p, SIOC_TOK_KW_REQUIRES)) {
        sioc_diag_error(p->diag, sioc_tok_span(&p->tok),
                        "'requires' does not apply to emit (it guards what "
                        "clients send)");
        return false;
    }
    return parse_item_end(p);
}

/* "connect" params [ requires ] ";" */
static bool parse_connect(parser *p, sioc_ast_item *it)
{
    return parse_params(p, &it->args) && parse_opt_requires(p, &it->req) &&
           parse_item_end(p);
}

/* What a hook written with parameters is told. */
static const char *hook_no_params(sioc_ast_item_kind kind)
{
    switch (kind) {
    case SIOC_AST_DISCONNECT:
        return "'disconnect' takes no parameters: its handler gets the reason";
    case SIOC_AST_USE:
        return "'use' takes no parameters: it gets the event's name, and "
               "sio_ctx_args its arguments";
    default:
        return "'use connect' takes no parameters: it reads the CONNECT "
               "payload with sio_ctx_auth";
    }
}

static bool parse_record_body(parser *p, sioc_ast_decl *d);

/* "data" "{" { field ";" } "}": a record written in place, which the
 * checker names after the namespace; no ';' after it, as after a
 * record's '}'. */
static bool parse_data_body(parser *p, sioc_ast_item *it)
{
    sioc_ast_decl *d = sioc_arena_alloc(p->arena, sizeof *d);
    unsigned before = p->diag->errors;

    d->kind = SIOC_AST_RECORD;
    d->at = it->at;
    d->name.at = it->at;
    it->data_body = d;
    parse_record_body(p, d);
    if (parse_at(p, SIOC_TOK_SEMI)) {
        sioc_diag_error(p->diag, sioc_tok_span(&p->tok),
                        "no ';' after 'data { ... }', as after a record");
        parse_advance(p);
    }
    d->broken = p->diag->errors != before;
    return true;
}

/* The hooks: "data" ( IDENT ";" | "{" ... "}" ) | "disconnect" ";" |
 * "use" [ "connect" ] ";" (the words are words only at the start of an
 * item). */
static bool parse_hook(parser *p, sioc_ast_item *it)
{
    if (parse_at_word(p, "data")) {
        it->kind = SIOC_AST_DATA;
        parse_advance(p);
        if (parse_at(p, SIOC_TOK_LBRACE))
            return parse_data_body(p, it);
        if (!parse_at(p, SIOC_TOK_IDENT)) {
            parse_error_expected(p, "a record name or '{'");
            return false;
        }
        it->record = parse_name_of(p, parse_advance(p));
    } else if (parse_at_word(p, "disconnect")) {
        it->kind = SIOC_AST_DISCONNECT;
        parse_advance(p);
    } else {
        parse_advance(p);
        it->kind = parse_accept(p, SIOC_TOK_KW_CONNECT) ? SIOC_AST_USE_CONNECT
                                                        : SIOC_AST_USE;
    }
    if (it->kind != SIOC_AST_DATA && parse_at(p, SIOC_TOK_LPAREN)) {
        sioc_diag_error(p->diag, sioc_tok_span(&p->tok), "%s",
                        hook_no_params(it->kind));
        return false;
    }
    return parse_item_end(p);
}

static bool parse_item(parser *p, sioc_ast_item **out)
{
    sioc_ast_item *it = sioc_arena_alloc(p->arena, sizeof *it);
    bool ok;

    it->at = sioc_tok_span(&p->tok);
    switch (parse_kind(p)) {
    case SIOC_TOK_KW_CONNECT:
        it->kind = SIOC_AST_CONNECT;
        parse_advance(p);
        ok = parse_connect(p, it);
        break;
    case SIOC_TOK_KW_ON:
        it->kind = SIOC_AST_ON;
        parse_advance(p);
        ok = parse_on(p, it);
        break;
    case SIOC_TOK_KW_EMIT:
        it->kind = SIOC_AST_EMIT;
        parse_advance(p);
        ok = parse_emit(p, it);
        break;
    default:
        if (parse_at_word(p, "data") || parse_at_word(p, "disconnect") ||
            parse_at_word(p, "use")) {
            ok = parse_hook(p, it);
            break;
        }
        parse_error_full(p,
                         "'connect', 'on', 'emit', 'data', 'disconnect', "
                         "'use' or '}'",
                         parse_hint(p, item_words), false);
        return false;
    }
    if (ok)
        *out = it;
    return ok;
}

/* "{" { item } "}" of a namespace */
static void parse_items(parser *p, sioc_ast_decl *d)
{
    sioc_token open = p->tok;
    sioc_ast_item **tail = &d->items;

    parse_advance(p);
    while (!parse_accept(p, SIOC_TOK_RBRACE) && !p->diag->stopped) {
        uint32_t start = p->tok.offset;

        if (parse_at(p, SIOC_TOK_EOF) || parse_at_decl(p)) {
            parse_unclosed(p, open);
            return;
        }
        parse_mark(p);
        if (parse_item(p, tail))
            tail = &(*tail)->next;
        else
            parse_sync(p, SYNC_ITEMS);
        if (p->tok.offset == start)
            parse_advance(p);
    }
}

/* namespace = "namespace" STRING [ requires ] "{" { item } "}". After a
 * bad requires clause the body is still parsed, for its own errors. */
static bool parse_namespace(parser *p, sioc_ast_decl *d)
{
    if (!parse_string(p, &d->ns))
        return false;
    parse_opt_alias(p, &d->alias);
    if (!parse_opt_requires(p, &d->req)) {
        while (!parse_at(p, SIOC_TOK_LBRACE) && !parse_at(p, SIOC_TOK_EOF) &&
               !parse_at(p, SIOC_TOK_SEMI) && !parse_at(p, SIOC_TOK_RBRACE) &&
               !parse_at_decl(p))
            parse_advance(p);
        if (!parse_at(p, SIOC_TOK_LBRACE))
            return false;
    } else if (!parse_at(p, SIOC_TOK_LBRACE)) {
        parse_error_expected(p, "'{'");
        return false;
    }
    parse_items(p, d);
    return true;
}

/* record = "record" IDENT "{" { IDENT ":" type ";" } "}" */
static bool parse_record(parser *p, sioc_ast_decl *d)
{
    return parse_name(p, false, &d->name) && parse_record_body(p, d);
}

/* union = "union" IDENT "by" STRING "{" { field ";" } "}": a variant is
 * written as a field, its wire name the tag's value, its type a record. */
static bool parse_union(parser *p, sioc_ast_decl *d)
{
    d->is_union = true;
    if (!parse_name(p, false, &d->name))
        return false;
    if (!parse_at_word(p, "by")) {
        parse_error_expected(p, "'by' and the tag's key (union U by \"kind\")");
        return false;
    }
    parse_advance(p);
    return parse_string(p, &d->tag) && parse_record_body(p, d);
}

/* "{" { field ";" } "}" */
static bool parse_record_body(parser *p, sioc_ast_decl *d)
{
    sioc_token open;
    sioc_ast_field **tail = &d->fields.head;

    open = p->tok;
    if (!parse_expect(p, SIOC_TOK_LBRACE))
        return false;
    while (!parse_accept(p, SIOC_TOK_RBRACE) && !p->diag->stopped) {
        uint32_t start = p->tok.offset;

        if (parse_at(p, SIOC_TOK_EOF) || parse_at_decl(p)) {
            parse_unclosed(p, open);
            return true;
        }
        parse_mark(p);
        if (!parse_at(p, SIOC_TOK_IDENT) && !parse_at(p, SIOC_TOK_STRING) &&
            !is_keyword(parse_kind(p))) {
            parse_error_expected(p, "field name or '}'");
            parse_sync(p, SYNC_FIELDS);
        } else if (parse_field(p, tail) && parse_expect(p, SIOC_TOK_SEMI)) {
            tail = &(*tail)->next;
            d->fields.count++;
        } else {
            parse_sync(p, SYNC_FIELDS);
        }
        if (p->tok.offset == start)
            parse_advance(p);
    }
    return true;
}

/* STRING { "," STRING } [ "," ] up to the "}" */
static bool parse_values(parser *p, sioc_ast_decl *d)
{
    sioc_ast_value **tail = &d->values;

    while (!parse_at(p, SIOC_TOK_RBRACE)) {
        sioc_ast_value *v = sioc_arena_alloc(p->arena, sizeof *v);

        if (!parse_at(p, SIOC_TOK_STRING)) {
            parse_error_expected(p, "enum value (a string) or '}'");
            return false;
        }
        parse_string(p, &v->str);
        *tail = v;
        tail = &v->next;
        d->nvalues++;
        if (!parse_accept(p, SIOC_TOK_COMMA) && !parse_at(p, SIOC_TOK_RBRACE)) {
            parse_error_expected(p, "',' or '}'");
            return false;
        }
    }
    return true;
}

/* enum = "enum" IDENT "{" STRING { "," STRING } [","] "}". An empty
 * list parses, so that the checker can say "has no values". */
static bool parse_enum(parser *p, sioc_ast_decl *d)
{
    if (!parse_name(p, false, &d->name) || !parse_expect(p, SIOC_TOK_LBRACE))
        return false;
    if (parse_values(p, d)) {
        parse_advance(p); /* the '}' */
    } else {
        parse_sync(p, SYNC_TOP);
        parse_accept(p, SIOC_TOK_RBRACE);
    }
    return true;
}

/* guard = "guard" IDENT ";" */
static bool parse_guard(parser *p, sioc_ast_decl *d)
{
    if (parse_at(p, SIOC_TOK_KW_AUTH)) {
        sioc_diag_error(p->diag, sioc_tok_span(&p->tok),
                        "'auth' is built in; a guard needs another name");
        return false;
    }
    return parse_name(p, false, &d->name) && parse_expect(p, SIOC_TOK_SEMI);
}

static bool parse_decl(parser *p, sioc_ast_decl **out)
{
    sioc_ast_decl *d = sioc_arena_alloc(p->arena, sizeof *d);
    unsigned before = p->diag->errors;
    bool ok;

    d->at = sioc_tok_span(&p->tok);
    switch (parse_kind(p)) {
    case SIOC_TOK_KW_RECORD:
        d->kind = SIOC_AST_RECORD;
        parse_advance(p);
        ok = parse_record(p, d);
        break;
    case SIOC_TOK_KW_ENUM:
        d->kind = SIOC_AST_ENUM;
        parse_advance(p);
        ok = parse_enum(p, d);
        break;
    case SIOC_TOK_KW_GUARD:
        d->kind = SIOC_AST_GUARD;
        parse_advance(p);
        ok = parse_guard(p, d);
        break;
    case SIOC_TOK_KW_NAMESPACE:
        d->kind = SIOC_AST_NAMESPACE;
        parse_advance(p);
        ok = parse_namespace(p, d);
        break;
    case SIOC_TOK_IDENT:
        if (parse_at_import(p)) {
            /* import = "import" STRING ";" */
            d->kind = SIOC_AST_IMPORT;
            parse_advance(p);
            ok = parse_string(p, &d->ns) && parse_expect(p, SIOC_TOK_SEMI);
            break;
        }
        if (parse_at_union(p)) {
            d->kind = SIOC_AST_RECORD;
            parse_advance(p);
            ok = parse_union(p, d);
            break;
        }
        /* fall through */
    default:
        parse_error_full(p, "'record', 'enum', 'guard' or 'namespace'",
                         parse_hint(p, decl_words), false);
        return false;
    }
    d->broken = p->diag->errors != before;
    if (ok)
        *out = d;
    return ok;
}

/* [ "schema" IDENT ";" ]: without it, the file's name names the schema
 * (the checker's business). */
static bool parse_header(parser *p, sioc_ast_file *f)
{
    if (!parse_at(p, SIOC_TOK_KW_SCHEMA))
        return true;
    if (!parse_expect(p, SIOC_TOK_KW_SCHEMA) ||
        !parse_name(p, false, &f->schema) || !parse_expect(p, SIOC_TOK_SEMI))
        return false;
    f->has_schema = true;
    return true;
}

sioc_ast_file *sioc_parse(sioc_arena *arena, const char *src, size_t len,
                          sioc_diag *diag)
{
    parser p = {0};
    sioc_ast_file *f = sioc_arena_alloc(arena, sizeof *f);
    sioc_ast_decl **tail = &f->decls;

    f->src = src;
    f->src_len = len;
    p.src = src;
    p.arena = arena;
    p.diag = diag;
    sioc_lexer_init(&p.lexer, src, len, diag);
    p.tok = sioc_lexer_next(&p.lexer);
    if (!parse_header(&p, f))
        parse_sync(&p, SYNC_TOP);
    while (!parse_at(&p, SIOC_TOK_EOF) && !diag->stopped) {
        uint32_t start = p.tok.offset;

        parse_mark(&p);
        if (parse_at(&p, SIOC_TOK_KW_SCHEMA)) {
            sioc_diag_error(diag, sioc_tok_span(&p.tok),
                            "'schema' comes once, first in the file");
            parse_advance(&p);
            parse_sync(&p, SYNC_TOP);
        } else if (parse_decl(&p, tail)) {
            tail = &(*tail)->next;
        } else {
            f->lost_decls++;
            parse_sync(&p, SYNC_TOP);
        }
        /* A stray '}': sync stops before it. */
        if (p.tok.offset == start && !parse_at(&p, SIOC_TOK_EOF))
            parse_advance(&p);
    }
    f->syntax_errors = diag->errors;
    return f;
}
