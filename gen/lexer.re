/* lexer.re - the schema lexer; re2c turns it into lexer.c.
 *
 * Shaped after re2c's examples/c/eof/03_eof_rule.re: the input ends with
 * a NUL sentinel at YYLIMIT, the $ rule is end of input, and a * rule in
 * every block means every byte matches something. Small blocks, each with
 * its own catch-all, as in ninja's lexer.in.cc. */
#include "lexer.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef sioc_lexer lexer;

static const char *const tok_names[SIOC_TOK_COUNT] = {
    [SIOC_TOK_EOF] = "end of file",
    [SIOC_TOK_IDENT] = "identifier",
    [SIOC_TOK_STRING] = "string",
    [SIOC_TOK_NUMBER] = "number",
    [SIOC_TOK_KW_SCHEMA] = "'schema'",
    [SIOC_TOK_KW_RECORD] = "'record'",
    [SIOC_TOK_KW_ENUM] = "'enum'",
    [SIOC_TOK_KW_GUARD] = "'guard'",
    [SIOC_TOK_KW_NAMESPACE] = "'namespace'",
    [SIOC_TOK_KW_CONNECT] = "'connect'",
    [SIOC_TOK_KW_ON] = "'on'",
    [SIOC_TOK_KW_EMIT] = "'emit'",
    [SIOC_TOK_KW_REQUIRES] = "'requires'",
    [SIOC_TOK_KW_AUTH] = "'auth'",
    [SIOC_TOK_KW_ELSE] = "'else'",
    [SIOC_TOK_KW_BOOL] = "'bool'",
    [SIOC_TOK_KW_INT] = "'int'",
    [SIOC_TOK_KW_FLOAT] = "'float'",
    [SIOC_TOK_KW_STRING] = "'string'",
    [SIOC_TOK_KW_BYTES] = "'bytes'",
    [SIOC_TOK_KW_JSON] = "'json'",
    [SIOC_TOK_SEMI] = "';'",
    [SIOC_TOK_COLON] = "':'",
    [SIOC_TOK_COMMA] = "','",
    [SIOC_TOK_LBRACE] = "'{'",
    [SIOC_TOK_RBRACE] = "'}'",
    [SIOC_TOK_LPAREN] = "'('",
    [SIOC_TOK_RPAREN] = "')'",
    [SIOC_TOK_LBRACKET] = "'['",
    [SIOC_TOK_RBRACKET] = "']'",
    [SIOC_TOK_ARROW] = "'->'",
    [SIOC_TOK_ELLIPSIS] = "'...'",
    [SIOC_TOK_DOTDOT] = "'..'",
    [SIOC_TOK_PLUS] = "'+'",
    [SIOC_TOK_QUESTION] = "'?'",
    [SIOC_TOK_EQUALS] = "'='",
    [SIOC_TOK_STAR] = "'*'",
};

const char *sioc_tok_name(sioc_tok_kind kind)
{
    return (unsigned)kind < SIOC_TOK_COUNT ? tok_names[kind] : "token";
}

/* Lexical errors are counted apart, so that the parser can keep quiet
 * about the statement a bad token broke (one mistake, one error). */
static void lex_error(lexer *lx, sioc_span at, const char *fmt, ...)
    SIOC_PRINTF(3, 4);

static void lex_error(lexer *lx, sioc_span at, const char *fmt, ...)
{
    va_list ap;

    lx->errors++;
    va_start(ap, fmt);
    sioc_diag_verror(lx->diag, at, fmt, ap);
    va_end(ap);
}

/* The span of [from, to) on the current line. */
static sioc_span lex_span(lexer *lx, const unsigned char *from,
                          const unsigned char *to)
{
    const char *end = (const char *)lx->lim;
    sioc_span s;

    if (lx->col_pos < lx->line_start || lx->col_pos > from) {
        lx->col_pos = lx->line_start;
        lx->col = 1;
    }
    while (lx->col_pos < from) {
        size_t n = sioc_utf8_len((const char *)lx->col_pos, end);

        lx->col_pos += n ? n : 1;
        lx->col++;
    }
    s.offset = (uint32_t)(from - lx->src);
    s.len = (uint32_t)(to - from);
    s.line = lx->line;
    s.col = lx->col;
    return s;
}

static sioc_token lex_token(lexer *lx, sioc_tok_kind kind,
                            const unsigned char *from)
{
    sioc_span s = lex_span(lx, from, lx->cur);
    sioc_token t = {kind, s.offset, s.len, s.line, s.col};

    return t;
}

static void lex_newline(lexer *lx)
{
    lx->line++;
    lx->line_start = lx->cur;
}

/* Extends a bad byte at lx->cur - 1 over the invalid UTF-8 after it, so
 * a run of garbage is one error. */
static void lex_skip_invalid(lexer *lx)
{
    while (lx->cur < lx->lim && *lx->cur >= 0x80 &&
           sioc_utf8_len((const char *)lx->cur, (const char *)lx->lim) == 0)
        lx->cur++;
}

/* ASCII that starts no token (or not here: '-' without '>'). */
static bool lex_stray(const unsigned char *p, const unsigned char *lim)
{
    if (p >= lim)
        return false;
    if (*p == '.')
        return lim - p < 2 || p[1] != '.';
    if (*p == '-')
        return p + 1 >= lim || (p[1] != '>' && !(p[1] >= '0' && p[1] <= '9'));
    if (*p == '/')
        return p + 1 >= lim || (p[1] != '/' && p[1] != '*');
    return *p && strchr("!$%&<=>@\\^`|~", *p) != NULL;
}

static void lex_invalid(lexer *lx, const unsigned char *from)
{
    if (*from >= 0x21 && *from < 0x7f) {
        while (lex_stray(lx->cur, lx->lim))
            lx->cur++;
        if (lx->cur - from == 1)
            lex_error(lx, lex_span(lx, from, lx->cur),
                      "invalid character '%c'", *from);
        else
            lex_error(lx, lex_span(lx, from, lx->cur),
                      "invalid characters '%.*s'", (int)(lx->cur - from),
                      (const char *)from);
        return;
    }
    if (*from < 0x80) {
        lex_error(lx, lex_span(lx, from, lx->cur),
                        "invalid byte 0x%02X", *from);
        return;
    }
    lex_skip_invalid(lx);
    lex_error(lx, lex_span(lx, from, lx->cur), "invalid UTF-8");
}

/* Letters of other scripts in a name: one error, and a name token so
 * the parser goes on as if it were fine. */
static sioc_token lex_non_ascii_name(lexer *lx, const unsigned char *from)
{
    sioc_span at = lex_span(lx, from, lx->cur);

    lex_error(lx, at,
                    "non-ASCII name '%.*s' (names are ASCII letters, digits "
                    "and '_')",
                    (int)(lx->cur - from), (const char *)from);
    return lex_token(lx, SIOC_TOK_IDENT, from);
}

/*!re2c
    re2c:define:YYCTYPE = "unsigned char";
    re2c:define:YYCURSOR = "lx->cur";
    re2c:define:YYLIMIT = "lx->lim";
    re2c:define:YYMARKER = "lx->mark";
    re2c:yyfill:enable = 0;
    re2c:eof = 0;

    hex = [0-9a-fA-F];
    ident = [a-zA-Z_][a-zA-Z0-9_]*;
    /* Trailing letters are kept in the token so that "12px" or "1.5e" is
       one bad number, not a number and a name; so is ".5". */
    alnum = [a-zA-Z0-9_];
    number = [0-9] alnum* ("." [0-9] alnum*)? ([eE] [+-] [0-9] alnum*)?
           | "." [0-9] alnum*;
    cont = [\x80-\xbf];
    utf8 = [\xc2-\xdf] cont
         | [\xe0] [\xa0-\xbf] cont
         | [\xe1-\xec\xee\xef] cont cont
         | [\xed] [\x80-\x9f] cont
         | [\xf0] [\x90-\xbf] cont cont
         | [\xf1-\xf3] cont cont cont
         | [\xf4] [\x80-\x8f] cont cont;
*/

/* A C comment: one error, and the whole comment skipped, so that the
 * words in it are not read as the schema's. */
static void lex_block_comment(lexer *lx, const unsigned char *from)
{
    sioc_span at = lex_span(lx, from, from + 2);

    lex_error(lx, at, "'/*' does not start a comment here: comments begin "
                      "with '#'");
    while (lx->cur < lx->lim && !(lx->cur[0] == '*' && lx->cur + 1 < lx->lim &&
                                  lx->cur[1] == '/')) {
        unsigned char c = *lx->cur++;

        if (c == '\n' || (c == '\r' && (lx->cur >= lx->lim || *lx->cur != '\n')))
            lex_newline(lx);
    }
    if (lx->cur < lx->lim)
        lx->cur += 2;
}

static void lex_bad_escape(lexer *lx, const unsigned char *from)
{
    sioc_span at = lex_span(lx, from, lx->cur);

    if (lx->cur - from == 2 && from[1] >= 0x21 && from[1] < 0x7f)
        lex_error(lx, at, "invalid escape '\\%c' in string",
                        from[1]);
    else
        lex_error(lx, at, "invalid escape in string");
}

static void lex_unterminated(lexer *lx, const unsigned char *open,
                             const unsigned char *end)
{
    lx->cur = end;
    lex_error(lx, lex_span(lx, open, open + 1),
                    "unterminated string");
}

/* The rest of a string literal after its opening quote. An unterminated
 * string ends before the newline, which the main block then counts. */
static void lex_string(lexer *lx, const unsigned char *open)
{
    for (;;) {
        const unsigned char *from = lx->cur;
        /*!re2c
            ["] { return; }
            [\\] ["\\/bfnrt] { continue; }
            [\\] "u" "0000" {
                lex_error(lx, lex_span(lx, from, lx->cur),
                                "NUL (\\u0000) in string");
                continue;
            }
            [\\] "u" [dD] [89abAB] hex{2} [\\] "u" [dD] [c-fC-F] hex{2} {
                continue;
            }
            [\\] "u" [dD] [89a-fA-F] hex{2} {
                lex_error(lx, lex_span(lx, from, lx->cur),
                                "unpaired surrogate in \\u escape");
                continue;
            }
            [\\] "u" hex{4} { continue; }
            [\\] [\x21-\x7e] | [\\] { lex_bad_escape(lx, from); continue; }
            ([\x20-\x7e] \ ["\\] | utf8)+ { continue; }
            [\r\n] { lex_unterminated(lx, open, from); return; }
            $ { lex_unterminated(lx, open, from); return; }
            [\x00-\x09\x0b-\x1f\x7f] {
                lex_error(lx, lex_span(lx, from, lx->cur),
                                "control character in string (write an "
                                "escape such as \\t or \\u0001)");
                continue;
            }
            * {
                lex_skip_invalid(lx);
                lex_error(lx, lex_span(lx, from, lx->cur),
                                "invalid UTF-8 in string");
                continue;
            }
        */
    }
}

sioc_token sioc_lexer_next(lexer *lx)
{
    for (;;) {
        const unsigned char *from = lx->cur;
        /*!re2c
            * { lex_invalid(lx, from); continue; }
            [a-zA-Z0-9_]* utf8 ([a-zA-Z0-9_] | utf8)* {
                return lex_non_ascii_name(lx, from);
            }
            $ { return lex_token(lx, SIOC_TOK_EOF, from); }
            [ \t]+ { continue; }
            /* CRLF, LF or a lone CR (old Mac files) ends a line. */
            "\r\n" | [\r\n] { lex_newline(lx); continue; }
            "#" [^\r\n]* { continue; }
            "//" [^\r\n]* {
                lex_error(lx, lex_span(lx, from, from + 2),
                          "'//' does not start a comment here: comments "
                          "begin with '#'");
                continue;
            }
            "/*" { lex_block_comment(lx, from); continue; }
            ['] [^'\r\n]* ['] {
                lex_error(lx, lex_span(lx, from, lx->cur),
                          "strings are written in double quotes");
                return lex_token(lx, SIOC_TOK_STRING, from);
            }

            "schema" { return lex_token(lx, SIOC_TOK_KW_SCHEMA, from); }
            "record" { return lex_token(lx, SIOC_TOK_KW_RECORD, from); }
            "enum" { return lex_token(lx, SIOC_TOK_KW_ENUM, from); }
            "guard" { return lex_token(lx, SIOC_TOK_KW_GUARD, from); }
            "namespace" { return lex_token(lx, SIOC_TOK_KW_NAMESPACE, from); }
            "connect" { return lex_token(lx, SIOC_TOK_KW_CONNECT, from); }
            "on" { return lex_token(lx, SIOC_TOK_KW_ON, from); }
            "emit" { return lex_token(lx, SIOC_TOK_KW_EMIT, from); }
            "requires" { return lex_token(lx, SIOC_TOK_KW_REQUIRES, from); }
            "auth" { return lex_token(lx, SIOC_TOK_KW_AUTH, from); }
            "else" { return lex_token(lx, SIOC_TOK_KW_ELSE, from); }
            "bool" { return lex_token(lx, SIOC_TOK_KW_BOOL, from); }
            "int" { return lex_token(lx, SIOC_TOK_KW_INT, from); }
            "float" { return lex_token(lx, SIOC_TOK_KW_FLOAT, from); }
            "string" { return lex_token(lx, SIOC_TOK_KW_STRING, from); }
            "bytes" { return lex_token(lx, SIOC_TOK_KW_BYTES, from); }
            "json" { return lex_token(lx, SIOC_TOK_KW_JSON, from); }

            ident { return lex_token(lx, SIOC_TOK_IDENT, from); }
            "-"? number { return lex_token(lx, SIOC_TOK_NUMBER, from); }
            ["] {
                lex_string(lx, from);
                return lex_token(lx, SIOC_TOK_STRING, from);
            }

            ";" { return lex_token(lx, SIOC_TOK_SEMI, from); }
            ":" { return lex_token(lx, SIOC_TOK_COLON, from); }
            "," { return lex_token(lx, SIOC_TOK_COMMA, from); }
            "{" { return lex_token(lx, SIOC_TOK_LBRACE, from); }
            "}" { return lex_token(lx, SIOC_TOK_RBRACE, from); }
            "(" { return lex_token(lx, SIOC_TOK_LPAREN, from); }
            ")" { return lex_token(lx, SIOC_TOK_RPAREN, from); }
            "[" { return lex_token(lx, SIOC_TOK_LBRACKET, from); }
            "]" { return lex_token(lx, SIOC_TOK_RBRACKET, from); }
            "->" { return lex_token(lx, SIOC_TOK_ARROW, from); }
            "..." { return lex_token(lx, SIOC_TOK_ELLIPSIS, from); }
            ".." { return lex_token(lx, SIOC_TOK_DOTDOT, from); }
            "+" { return lex_token(lx, SIOC_TOK_PLUS, from); }
            "?" { return lex_token(lx, SIOC_TOK_QUESTION, from); }
            "=" { return lex_token(lx, SIOC_TOK_EQUALS, from); }
            "*" { return lex_token(lx, SIOC_TOK_STAR, from); }
        */
    }
}

void sioc_lexer_init(lexer *lx, const char *src, size_t len, sioc_diag *diag)
{
    memset(lx, 0, sizeof *lx);
    lx->src = lx->cur = lx->line_start = lx->col_pos =
        (const unsigned char *)src;
    lx->lim = lx->src + len;
    lx->line = 1;
    lx->col = 1;
    lx->diag = diag;
    /* A UTF-8 byte order mark, as some editors write, is not a token. */
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
        lx->cur = lx->line_start = lx->col_pos += 3;
    if (len > SIOC_MAX_SOURCE) {
        sioc_span none = {0};

        sioc_diag_error(diag, none, "file too large (over %u bytes)",
                        SIOC_MAX_SOURCE);
        lx->cur = lx->lim;
    }
}

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The 4 hex digits of a \u escape at p (p < end), or -1. */
static long hex4(const unsigned char *p, const unsigned char *end)
{
    long v = 0;

    if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
        return -1;
    for (int i = 2; i < 6; i++) {
        int d = hex_digit(p[i]);

        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t utf8_put(unsigned char *out, unsigned long c)
{
    if (c < 0x80) {
        out[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (unsigned char)(0xC0 | (c >> 6));
        out[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (c >> 12));
        out[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (c >> 18));
    out[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* Decodes the \u escape (or pair) at p into out; returns the bytes of
 * input used, or 0 if there is none. A lone surrogate becomes U+FFFD. */
static size_t decode_u(const unsigned char *p, const unsigned char *end,
                       unsigned char *out, size_t *outlen)
{
    long hi = hex4(p, end), lo;

    if (hi < 0)
        return 0;
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        lo = hex4(p + 6, end);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            *outlen =
                utf8_put(out, 0x10000 + (((unsigned long)hi - 0xD800) << 10) +
                                  ((unsigned long)lo - 0xDC00));
            return 12;
        }
    }
    if (hi >= 0xD800 && hi <= 0xDFFF)
        hi = 0xFFFD;
    *outlen = utf8_put(out, (unsigned long)hi);
    return 6;
}

static unsigned char simple_escape(unsigned char c)
{
    switch (c) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case '"':
    case '\\':
    case '/':
        return c;
    default:
        return 0;
    }
}

char *sioc_string_value(sioc_arena *a, const char *src, const sioc_token *t,
                        size_t *len)
{
    const unsigned char *p = (const unsigned char *)src + t->offset + 1;
    const unsigned char *end = (const unsigned char *)src + t->offset + t->len;
    /* Escapes only shrink: the literal's length bounds the value's. */
    unsigned char *out = sioc_arena_alloc(a, t->len + 1), *o = out;

    if (end > p && end[-1] == '"')
        end--;
    while (p < end) {
        size_t used, n = 0;

        if (*p != '\\' || end - p < 2) {
            *o++ = *p++;
        } else if (simple_escape(p[1])) {
            *o++ = simple_escape(p[1]);
            p += 2;
        } else if ((used = decode_u(p, end, o, &n)) != 0) {
            o += n;
            p += used;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    *len = (size_t)(o - out);
    return (char *)out;
}
