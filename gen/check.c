/* check.c - resolution, checks and mangling: AST in, model.h out.
 *
 * Passes, in this order (it is also the order of the reports): the
 * schema name; type and guard declarations; record fields; enum values;
 * records that contain themselves; namespaces and their items; last, the
 * C identifiers of the whole file, so that two names that mangle alike
 * are caught wherever they come from. Duplicates are reported where they
 * repeat, with a note at the first site (as flatcc's error_report does).
 * A file without errors then gets the records and enums its parameters
 * use marked (they get descriptors). */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "emit_text.h"
#include "suggest.h"

/* ---- a string-keyed table (open addressing, keys borrowed) ---------- */

typedef struct symtab {
    const char **keys;
    const void **vals;
    size_t cap, n;
} symtab;

static size_t sym_hash(const char *s)
{
    size_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static size_t sym_slot(const symtab *t, const char *key)
{
    size_t i = sym_hash(key) & (t->cap - 1);

    while (t->keys[i] && strcmp(t->keys[i], key) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static void sym_grow(symtab *t)
{
    symtab bigger = {0};

    bigger.cap = t->cap ? t->cap * 2 : 64;
    bigger.keys = calloc(bigger.cap, sizeof *bigger.keys);
    bigger.vals = calloc(bigger.cap, sizeof *bigger.vals);
    if (!bigger.keys || !bigger.vals)
        sioc_oom();
    for (size_t i = 0; i < t->cap; i++) {
        if (t->keys[i]) {
            size_t j = sym_slot(&bigger, t->keys[i]);

            bigger.keys[j] = t->keys[i];
            bigger.vals[j] = t->vals[i];
        }
    }
    bigger.n = t->n;
    free(t->keys);
    free(t->vals);
    *t = bigger;
}

static const void *sym_get(const symtab *t, const char *key)
{
    if (!t->cap)
        return NULL;
    return t->vals[sym_slot(t, key)];
}

/* Adds key unless present; returns the value already there, or NULL. */
static const void *sym_put(symtab *t, const char *key, const void *val)
{
    size_t i;

    if ((t->n + 1) * 2 > t->cap)
        sym_grow(t);
    i = sym_slot(t, key);
    if (t->keys[i])
        return t->vals[i];
    t->keys[i] = key;
    t->vals[i] = val;
    t->n++;
    return NULL;
}

static void sym_fini(symtab *t)
{
    free(t->keys);
    free(t->vals);
    memset(t, 0, sizeof *t);
}

/* ---- checker state ---------------------------------------------------- */

/* Whoever claims a C name: "the handler of event \"x\"" (role), declared
 * as "event \"x\"" (decl) at a span. dup, if set, names a plain
 * duplicate ("field 'x'"): two claims that both have one are reported
 * as "duplicate field 'x'". */
typedef struct owner {
    const char *role;
    const char *decl;
    const char *dup;
    sioc_span at;
} owner;

typedef struct type_entry {
    sioc_base base;
    const sioc_record *record;
    const sioc_enum *enumeration;
    sioc_span at;
    const char *data_of; /* "data { ... }" of this namespace, or NULL */
} type_entry;

typedef struct checker {
    sioc_arena *arena;
    sioc_diag *diag;
    bool quiet;         /* after syntax errors: no "unknown" reports */
    const char *prefix; /* "chat_" */
    symtab types;       /* name -> type_entry */
    symtab guards;      /* name -> sioc_guard */
    symtab cnames;      /* C identifier -> owner */
    sioc_schema *schema;
    sioc_record *records; /* declaration order */
    const sioc_ast_decl **record_decls;
    const sioc_ast_file **record_files; /* imported records' files */
    sioc_enum *enums;
    const sioc_ast_decl **enum_decls;
    sioc_guard *guards_v;
    const sioc_ast_import *importing; /* declaring its types, or NULL */
} checker;

#define CHECK_ERR(c, at, ...) sioc_diag_error((c)->diag, at, __VA_ARGS__)
#define CHECK_NOTE(c, at, ...) sioc_diag_note((c)->diag, at, __VA_ARGS__)

static const char *cat(checker *c, const char *a, const char *b, const char *d)
{
    return sioc_arena_printf(c->arena, "%s%s%s", a, b, d ? d : "");
}

/* The internal stem of a public name: the prefix doubled, "chat_on_x" ->
 * "chat__on_x" (see SIOC_SFX_* in model.h). */
static const char *intern(checker *c, const char *public_name)
{
    return cat(c, c->prefix, "_", public_name + strlen(c->prefix));
}

static owner *owner_new(checker *c, const char *role, const char *decl,
                        sioc_span at)
{
    owner *o = sioc_arena_alloc(c->arena, sizeof *o);

    o->role = role;
    o->decl = decl;
    o->at = at;
    return o;
}

/* Enters name in t for o; reports a clash with an earlier owner. */
static bool check_claim(checker *c, symtab *t, const char *name, const owner *o)
{
    const owner *first = sym_put(t, name, o);

    if (!first)
        return true;
    /* Report where the reader meets the clash, at the later site. */
    if (first->at.line && first->at.offset > o->at.offset) {
        const owner *later = first;

        first = o;
        o = later;
    }
    if (first->dup && o->dup) {
        CHECK_ERR(c, o->at, "duplicate %s", o->dup);
        CHECK_NOTE(c, first->at, "first declared here");
    } else {
        CHECK_ERR(c, o->at, "'%s' would name both %s and %s", name, first->role,
                  o->role);
        if (first->at.line)
            CHECK_NOTE(c, first->at, "%s is declared here", first->decl);
    }
    return false;
}

char *sioc_mangle(sioc_arena *arena, const char *s, size_t len)
{
    char *out = sioc_arena_alloc(arena, len + 1), *o = out;

    for (size_t i = 0; i < len;) {
        char ch = s[i];

        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9')) {
            *o++ = ch;
            i++;
        } else {
            size_t n = sioc_utf8_len(s + i, s + len);

            *o++ = '_';
            i += n ? n : 1;
        }
    }
    *o = '\0';
    return out;
}

/* ---- names of fields and parameters ------------------------------------ */

/* C11 keywords, C23's new ones, and the macros of <stdbool.h>,
 * <stdalign.h>, <stdnoreturn.h>, <stddef.h> and <errno.h> that would
 * break a declaration. (_Bool and the like are reserved anyway.) */
static const char *const c_keywords[] = {
    "auto",         "break",     "case",          "char",
    "const",        "continue",  "default",       "do",
    "double",       "else",      "enum",          "extern",
    "float",        "for",       "goto",          "if",
    "inline",       "int",       "long",          "register",
    "restrict",     "return",    "short",         "signed",
    "sizeof",       "static",    "struct",        "switch",
    "typedef",      "union",     "unsigned",      "void",
    "volatile",     "while",     "alignas",       "alignof",
    "bool",         "constexpr", "false",         "nullptr",
    "true",         "typeof",    "typeof_unqual", "static_assert",
    "thread_local", "noreturn",  "NULL",          "errno",
};

/* Names a generated signature uses beside the schema's parameters, per
 * parameter list (NULL-terminated); model.h repeats them for the
 * emitters. "rest" is the member of a variadic tail. */
static const char *const fixed_on_args[] = {"ctx", "ack", "rest", NULL};
static const char *const fixed_on_ack[] = {"ack", NULL};
static const char *const fixed_emit_args[] = {"to", "rest", NULL};
static const char *const fixed_emit_acked[] = {"to",         "reply", "user",
                                               "timeout_ms", "rest",  NULL};
static const char *const fixed_emit_reply[] = {"ctx", "status", "user", NULL};
static const char *const fixed_connect[] = {"ctx", NULL};

/* Object-like macros of the headers the generated code includes
 * (<sio.h>: jansson, <stdio.h>, <stdlib.h>, <stdint.h>... with glibc and
 * _GNU_SOURCE): a field or parameter of that name would be replaced. */
static const char *const header_macros[] = {
    "BIG_ENDIAN",   "BUFSIZ",          "BYTE_ORDER",       "EOF",
    "EXIT_FAILURE", "EXIT_SUCCESS",    "FD_SETSIZE",       "FILENAME_MAX",
    "FOPEN_MAX",    "LITTLE_ENDIAN",   "L_ctermid",        "L_cuserid",
    "L_tmpnam",     "MB_CUR_MAX",      "NFDBITS",          "PDP_ENDIAN",
    "PTRDIFF_MAX",  "PTRDIFF_MIN",     "PTRDIFF_WIDTH",    "P_tmpdir",
    "RAND_MAX",     "RENAME_EXCHANGE", "RENAME_NOREPLACE", "RENAME_WHITEOUT",
    "SEEK_CUR",     "SEEK_DATA",       "SEEK_END",         "SEEK_HOLE",
    "SEEK_SET",     "SIG_ATOMIC_MAX",  "SIG_ATOMIC_MIN",   "SIG_ATOMIC_WIDTH",
    "SIZE_MAX",     "SIZE_WIDTH",      "TMP_MAX",          "WCHAR_MAX",
    "WCHAR_MIN",    "WCHAR_WIDTH",     "WCONTINUED",       "WEXITED",
    "WINT_MAX",     "WINT_MIN",        "WINT_WIDTH",       "WNOHANG",
    "WNOWAIT",      "WSTOPPED",        "WUNTRACED",        "json_auto_t",
};

/* Prefixes of the runtime's and its libraries' macros (SIO_TYPED_ABI,
 * JSON_INTEGER_FORMAT, LWS_PRE...). */
static const char *const macro_prefixes[] = {"SIO_", "EIO_", "JSON_",
                                             "JANSSON_", "LWS_"};

/* Prefixes of the runtime (libsio, jansson, lws) that a parameter must
 * not shadow; the schema's own prefix is checked beside them. */
static const char *const runtime_prefixes[] = {"sio_", "eio_", "json_", "lws_"};

static bool in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static bool in_null_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *runtime_prefix_of(const char *s)
{
    for (size_t i = 0; i < sizeof runtime_prefixes / sizeof *runtime_prefixes;
         i++)
        if (has_prefix(s, runtime_prefixes[i]))
            return runtime_prefixes[i];
    return NULL;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* <stdint.h>'s names: C reserves INT... and UINT... ending in _MAX,
 * _MIN, _WIDTH or _C for its macros. */
static bool stdint_macro(const char *s)
{
    return (has_prefix(s, "INT") || has_prefix(s, "UINT")) &&
           (has_suffix(s, "_MAX") || has_suffix(s, "_MIN") ||
            has_suffix(s, "_WIDTH") || has_suffix(s, "_C"));
}

static const char *macro_prefix_of(const char *s)
{
    for (size_t i = 0; i < sizeof macro_prefixes / sizeof *macro_prefixes; i++)
        if (has_prefix(s, macro_prefixes[i]))
            return macro_prefixes[i];
    return NULL;
}

/* Names and strings become string literals in the generated tables, and
 * C compilers need only support 4095 bytes in one (-Woverlength-strings
 * under -Wpedantic). */
#define MAX_LITERAL 4095

static bool check_literal(checker *c, sioc_span at, const char *what,
                          size_t len)
{
    if (len <= MAX_LITERAL)
        return true;
    CHECK_ERR(c, at,
              "%s is %zu bytes long: the generated C holds it in a string "
              "literal, where C compilers need only support %d bytes",
              what, len, MAX_LITERAL);
    return false;
}

/* [A-Za-z_][A-Za-z0-9_]*, what the lexer takes as a name. */
static bool is_c_ident(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* A struct member only has to be a C identifier; a parameter also
 * must not hide a type or function the same prototype names, nor take
 * a name of the signature's own (fixed: NULL for record fields). */
static void check_field_name(checker *c, const sioc_ast_name *n,
                             const char *const *fixed)
{
    bool param = fixed != NULL;
    const char *what = param ? "parameter" : "field", *s = n->text;
    size_t len = strlen(s);
    const char *rt = runtime_prefix_of(s);

    if (!check_literal(c, n->at,
                       param ? "the parameter name" : "the field name", len))
        ;
    else if (in_list(c_keywords, sizeof c_keywords / sizeof *c_keywords, s))
        CHECK_ERR(c, n->at,
                  "%s name '%s' is a C keyword (keep it on the wire with "
                  "'%s as %s_')",
                  what, s, s, s);
    else if (s[0] == '_' && (s[1] == '_' || (s[1] >= 'A' && s[1] <= 'Z')))
        CHECK_ERR(c, n->at,
                  "%s name '%s' is reserved in C (it begins with '_' and "
                  "an uppercase letter or '_')",
                  what, s);
    else if (in_list(header_macros,
                     sizeof header_macros / sizeof *header_macros, s) ||
             stdint_macro(s))
        CHECK_ERR(c, n->at,
                  "%s name '%s' is a macro of the C headers the generated "
                  "code includes; choose another",
                  what, s);
    else if (macro_prefix_of(s))
        CHECK_ERR(c, n->at,
                  "%s name '%s' begins with '%s', which the runtime's and its "
                  "libraries' macros use",
                  what, s, macro_prefix_of(s));
    else if (!param)
        return;
    else if (len >= 2 && strcmp(s + len - 2, "_t") == 0)
        CHECK_ERR(c, n->at,
                  "parameter name '%s' ends in '_t', which POSIX reserves "
                  "for type names",
                  s);
    else if (rt || has_prefix(s, c->prefix))
        CHECK_ERR(c, n->at,
                  "parameter name '%s' begins with '%s', which is reserved "
                  "for %s names",
                  s, rt ? rt : c->prefix, rt ? "the runtime's" : "generated");
    else if (in_null_list(fixed, s))
        CHECK_ERR(c, n->at,
                  "parameter name '%s' is used by the generated function; "
                  "choose another",
                  s);
}

/* ---- "did you mean" ---------------------------------------------------- */

static void suggest_keys(sioc_suggest *s, const symtab *t)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->keys[i])
            sioc_suggest_add(s, t->keys[i]);
}

/* "; did you mean 'string'?" for an unknown type name, or "". */
static const char *type_hint(checker *c, const char *name)
{
    static const char *const builtin[] = {"bool",   "int",   "float",
                                          "string", "bytes", "json"};
    const char *alias = sioc_suggest_type_alias(name);
    sioc_suggest s;

    if (alias)
        return cat(c, "; did you mean ", alias, "?");
    sioc_suggest_init(&s, name);
    for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++)
        sioc_suggest_add(&s, builtin[i]);
    for (size_t i = 0; i < c->types.cap; i++) {
        const type_entry *e = c->types.vals[i];

        if (c->types.keys[i] && !e->data_of) /* not to be named */
            sioc_suggest_add(&s, c->types.keys[i]);
    }
    if (!sioc_suggest_best(&s))
        return "";
    return cat(c, "; did you mean '", sioc_suggest_best(&s), "'?");
}

/* A declared guard (or auth) close to an unknown guard name. */
static const char *guard_near(checker *c, const char *name)
{
    sioc_suggest s;

    sioc_suggest_init(&s, name);
    sioc_suggest_add(&s, "auth");
    suggest_keys(&s, &c->guards);
    return sioc_suggest_best(&s);
}

/* ---- types ------------------------------------------------------------- */

/* A range's bounds: min <= max, and no negative length. */
static bool check_range(checker *c, const sioc_ast_limits *l, bool length)
{
    if (length && ((l->has_min && l->min < 0) || (l->has_max && l->max < 0))) {
        CHECK_ERR(c, l->at, "a length cannot be negative");
        return false;
    }
    if (l->has_min && l->has_max && l->min > l->max) {
        CHECK_ERR(c, l->at, "empty range: %lld is more than %lld",
                  (long long)l->min, (long long)l->max);
        return false;
    }
    if (!l->has_min && !l->has_max) {
        CHECK_ERR(c, l->at,
                  "a range needs a bound: (MIN..), (..MAX) or "
                  "(MIN..MAX)");
        return false;
    }
    return true;
}

/* The limits of t (after its base type is known) into out. */
static void check_limits(checker *c, const sioc_ast_type *t, sioc_type *out)
{
    const sioc_ast_limits *v = &t->value, *n = &t->len;
    bool length = out->base == SIOC_STRING || out->base == SIOC_BYTES ||
                  out->base == SIOC_MAP;

    if (v->present && out->base != SIOC_INT && !length)
        CHECK_ERR(c, v->at,
                  "limits apply to int (its value), string (its characters) "
                  "and bytes (its length), not to '%s'",
                  t->name.text);
    else if (v->present && v->plus && out->base == SIOC_INT)
        CHECK_ERR(c, v->at,
                  "'+' (non-empty) is for strings, bytes and arrays; an int "
                  "takes a range such as (1..)");
    else if (v->present && check_range(c, v, length)) {
        out->limits.has_min = v->has_min;
        out->limits.has_max = v->has_max;
        out->limits.min = v->min;
        out->limits.max = v->max;
    }
    if (n->present && check_range(c, n, true)) {
        out->limits.has_len_min = n->has_min;
        out->limits.has_len_max = n->has_max;
        out->limits.len_min = n->min;
        out->limits.len_max = n->max;
    }
}

static void check_type(checker *c, const sioc_ast_type *t, sioc_type *out);

/* Levels of '[]' and maps, all the way in: the decoder's nesting. */
static unsigned type_depth(const sioc_type *t)
{
    return t->dims + (t->base == SIOC_MAP ? 1 + type_depth(t->value) : 0);
}

/* {string: T}: T is any type but an optional one. */
static void check_map(checker *c, const sioc_ast_type *t, sioc_type *out)
{
    sioc_type *v = sioc_arena_alloc(c->arena, sizeof *v);

    out->base = SIOC_MAP;
    out->value = v;
    check_type(c, t->map_value, v);
    if (v->optional)
        CHECK_ERR(c, t->map_value->name.at,
                  "a map's values cannot be optional: leave the key out "
                  "instead of sending null");
    if (type_depth(out) > SIOC_MAX_DEPTH && type_depth(v) <= SIOC_MAX_DEPTH)
        CHECK_ERR(c, t->name.at,
                  "maps and arrays nest %u deep here: the decoder handles at "
                  "most %d",
                  type_depth(out), SIOC_MAX_DEPTH);
}

/* The record "data { ... }" declares is that namespace's socket data
 * only: the clients' typings leave it out. */
static void data_only(checker *c, sioc_span at, const type_entry *e)
{
    CHECK_ERR(c, at,
              "'%s' is the socket data that 'data { ... }' declares in "
              "namespace %s, for it alone: declare a record (and 'data "
              "NAME;') to use one elsewhere",
              e->record->name, e->data_of);
}

static void check_base(checker *c, const sioc_ast_type *t, sioc_type *out)
{
    const type_entry *e;

    out->dims = t->dims;
    out->optional = t->optional;
    if (t->dims > SIOC_MAX_DEPTH)
        CHECK_ERR(c, t->name.at,
                  "%u levels of '[]': the decoder handles at most %d", t->dims,
                  SIOC_MAX_DEPTH);
    switch (t->base) {
    case SIOC_TOK_KW_BOOL:
        out->base = SIOC_BOOL;
        return;
    case SIOC_TOK_KW_INT:
        out->base = SIOC_INT;
        return;
    case SIOC_TOK_KW_FLOAT:
        out->base = SIOC_FLOAT;
        return;
    case SIOC_TOK_KW_STRING:
        out->base = SIOC_STRING;
        return;
    case SIOC_TOK_KW_BYTES:
        out->base = SIOC_BYTES;
        return;
    case SIOC_TOK_LBRACE:
        check_map(c, t, out);
        return;
    default:
        out->base = SIOC_JSON;
        break;
    }
    if (t->base != SIOC_TOK_IDENT)
        return;
    e = sym_get(&c->types, t->name.text);
    if (!e && sym_get(&c->guards, t->name.text))
        CHECK_ERR(c, t->name.at, "'%s' is a guard, not a type", t->name.text);
    else if (!e && !c->quiet)
        CHECK_ERR(c, t->name.at, "unknown type '%s'%s", t->name.text,
                  type_hint(c, t->name.text));
    if (!e)
        return;
    if (e->data_of) {
        data_only(c, t->name.at, e);
        return;
    }
    out->base = e->base;
    out->record = e->record;
    out->enumeration = e->enumeration;
}

static void check_type(checker *c, const sioc_ast_type *t, sioc_type *out)
{
    check_base(c, t, out);
    /* An unknown type's limits would only echo its error. */
    if (t->base != SIOC_TOK_IDENT || sym_get(&c->types, t->name.text))
        check_limits(c, t, out);
}

/* ---- fields and parameters --------------------------------------------- */

static void claim_derived(checker *c, symtab *t, const sioc_field *m,
                          const char *what, const char *decl)
{
    if (m->c_count)
        check_claim(c, t, m->c_count,
                    owner_new(c,
                              sioc_arena_printf(c->arena,
                                                "the element count of "
                                                "array %s '%s'",
                                                what, m->name),
                              decl, m->at));
    if (m->c_has)
        check_claim(c, t, m->c_has,
                    owner_new(c,
                              sioc_arena_printf(c->arena,
                                                "the presence flag of "
                                                "optional %s '%s'",
                                                what, m->name),
                              decl, m->at));
    if (m->c_len)
        check_claim(
            c, t, m->c_len,
            owner_new(c,
                      sioc_arena_printf(c->arena, "the length of bytes %s '%s'",
                                        what, m->name),
                      decl, m->at));
}

/* "(0..150)", "(1..)": a range for messages. */
static const char *range_text(checker *c, bool has_min, int64_t min,
                              bool has_max, int64_t max)
{
    return sioc_arena_printf(
        c->arena, "(%s..%s)",
        has_min ? sioc_arena_printf(c->arena, "%lld", (long long)min) : "",
        has_max ? sioc_arena_printf(c->arena, "%lld", (long long)max) : "");
}

/* The default's value against the field's type and limits. */
static bool check_default_value(checker *c, const sioc_ast_default *a,
                                const sioc_type *t, const char *tname,
                                sioc_default *d)
{
    const sioc_limits *l = &t->limits;
    bool want_str = t->base == SIOC_STRING || t->base == SIOC_ENUM;
    bool number = a->kind == SIOC_AST_LIT_INT || a->kind == SIOC_AST_LIT_FLOAT;
    long long chars = 0;

    if ((t->base == SIOC_INT && a->kind != SIOC_AST_LIT_INT) ||
        (t->base == SIOC_FLOAT && !number) ||
        (want_str && a->kind != SIOC_AST_LIT_STRING) ||
        (t->base == SIOC_BOOL && a->kind != SIOC_AST_LIT_BOOL)) {
        CHECK_ERR(c, a->at, "default value %s is not %s %s", a->text,
                  t->base == SIOC_ENUM  ? "a value of enum"
                  : t->base == SIOC_INT ? "an"
                                        : "a",
                  tname);
        return false;
    }
    d->b = a->b;
    d->i = a->i;
    d->f = a->kind == SIOC_AST_LIT_FLOAT ? a->f : (double)a->i;
    d->s = a->str.value;
    if (t->base == SIOC_FLOAT && a->kind == SIOC_AST_LIT_INT &&
        (a->i > (INT64_C(1) << 53) || a->i < -(INT64_C(1) << 53))) {
        CHECK_ERR(c, a->at, "default value %s is not exact as a float",
                  a->text);
        return false;
    }
    if (t->base == SIOC_ENUM) {
        const sioc_enum *en = t->enumeration;

        for (d->e = 0; d->e < en->nvalues; d->e++)
            if (!strcmp(en->values[d->e].value, a->str.value))
                return true;
        CHECK_ERR(c, a->at, "default value %s is not a value of enum %s",
                  a->text, en->name);
        return false;
    }
    if (t->base == SIOC_STRING) {
        for (const char *p = a->str.value; *p; p++)
            chars += ((unsigned char)*p & 0xC0) != 0x80;
    }
    if (t->base == SIOC_INT || t->base == SIOC_STRING) {
        long long v = t->base == SIOC_INT ? a->i : chars;
        if ((l->has_min && v < l->min) || (l->has_max && v > l->max)) {
            CHECK_ERR(c, a->at, "default value %s%s is outside %s%s", a->text,
                      t->base == SIOC_STRING
                          ? sioc_arena_printf(c->arena, " (%lld character%s)",
                                              v, v == 1 ? "" : "s")
                          : "",
                      tname,
                      range_text(c, l->has_min, l->min, l->has_max, l->max));
            return false;
        }
    }
    return true;
}

/* "= VALUE" on an optional bool, int, float, string or enum; the
 * field is then never absent in C. */
static void check_default(checker *c, const sioc_ast_field *f, sioc_field *m)
{
    sioc_type *t = &m->type;
    sioc_default *d = sioc_arena_alloc(c->arena, sizeof *d);
    const char *tname = f->type.name.text;

    if (t->dims || t->base == SIOC_BYTES || t->base == SIOC_JSON ||
        t->base == SIOC_RECORD || t->base == SIOC_MAP) {
        CHECK_ERR(c, f->def.at,
                  "a default value is for bool, int, float, string and enum "
                  "fields, not '%s%s'",
                  tname, t->dims ? "[]" : "");
        return;
    }
    if (!t->optional) {
        CHECK_ERR(c, f->def.at,
                  "a default value is for an optional field: write '%s? = "
                  "%s'",
                  tname, f->def.text);
        return;
    }
    d->text = f->def.text;
    d->at = f->def.at;
    if (!check_default_value(c, &f->def, t, tname, d))
        return;
    t->optional = false;
    m->def = d;
}

static void check_field(checker *c, const sioc_ast_field *f,
                        const char *const *fixed, symtab *names, sioc_field *m)
{
    bool param = fixed != NULL;
    const char *what = param ? "parameter" : "field";
    const char *decl =
        sioc_arena_printf(c->arena, "%s '%s'", what, f->name.text);
    owner *o = owner_new(c, decl, decl, f->name.at);

    m->name = f->name.text;
    m->wire = f->wire;
    m->at = f->wire_at;
    check_type(c, &f->type, &m->type);
    if (f->def.kind != SIOC_AST_LIT_NONE &&
        (f->type.base != SIOC_TOK_IDENT ||
         sym_get(&c->types, f->type.name.text)))
        check_default(c, f, m);
    if (m->type.dims)
        m->c_count = cat(c, "n_", m->name, NULL);
    /* Only optional bool/int/float/enum have a flag; the others are
     * NULL when absent. */
    if (m->type.optional && !m->type.dims &&
        (m->type.base == SIOC_BOOL || m->type.base == SIOC_INT ||
         m->type.base == SIOC_FLOAT || m->type.base == SIOC_ENUM))
        m->c_has = cat(c, "has_", m->name, NULL);
    if (m->type.base == SIOC_BYTES && !m->type.dims)
        m->c_len = cat(c, m->name, "_len", NULL);
    if (f->quoted && !*f->wire) {
        CHECK_ERR(c, f->wire_at, "empty %s name", what);
        return;
    }
    if (f->quoted && !f->aliased && !is_c_ident(f->wire)) {
        CHECK_ERR(c, f->wire_at,
                  "%s name %s is not a C identifier: give it one with "
                  "'%s as %s'",
                  what, sioc_arena_printf(c->arena, "\"%s\"", f->wire),
                  sioc_arena_printf(c->arena, "\"%s\"", f->wire),
                  sioc_mangle(c->arena, f->wire, strlen(f->wire)));
        return;
    }
    check_field_name(c, &f->name, fixed);
    o->dup = decl;
    if (check_claim(c, names, m->name, o))
        claim_derived(c, names, m, what, decl);
}

/* Record fields (fixed NULL) or a parameter list. */
static void check_params(checker *c, const sioc_ast_params *ap,
                         const char *const *fixed, sioc_params *out)
{
    sioc_field *items = sioc_arena_array(c->arena, ap->count, sizeof *items);
    symtab names = {0}, wires = {0};
    size_t i = 0;

    for (const sioc_ast_field *f = ap->head; f && i < ap->count; f = f->next) {
        const sioc_ast_field *first = sym_put(&wires, f->wire, f);

        /* Two fields that differ in C but not on the wire (a C name
         * used twice is reported as such). */
        if (first && strcmp(first->name.text, f->name.text) != 0) {
            CHECK_ERR(c, f->wire_at, "duplicate wire name \"%s\"", f->wire);
            CHECK_NOTE(c, first->wire_at, "first used here");
        }
        check_field(c, f, fixed, &names, &items[i++]);
    }
    sym_fini(&names);
    sym_fini(&wires);
    out->items = items;
    out->count = i;
    out->variadic = ap->variadic;
}

/* ---- declarations ------------------------------------------------------ */

/* "chat" -> "chat_SIO_H": the name keeps its case, so that schemas
 * "chat" and "Chat" can be included together. */
static const char *include_guard(checker *c, const char *name)
{
    return sioc_arena_printf(c->arena, "%s_SIO_H", name);
}

/* The runtime's prefix that name is or begins (followed by '_'), in
 * any case: "SIO_" is as taken as "sio_" (SIO_K_INT, JSON_ERROR...), and
 * schema "sio_ctx" would give "sio_ctx_login". NULL if none. */
static const char *taken_name(const char *name)
{
    static const char *const taken[] = {"sio", "eio", "json", "jansson", "lws"};

    for (size_t i = 0; i < sizeof taken / sizeof *taken; i++) {
        const char *t = taken[i], *n = name;

        /* | 0x20 lowers ASCII letters; taken[] is all lowercase. */
        while (*t && (*n | 0x20) == *t) {
            t++;
            n++;
        }
        if (!*t && (!*n || *n == '_'))
            return taken[i];
    }
    return NULL;
}

/* Without "schema NAME;", the file's name without ".sio" names the
 * schema ("poll.sio": poll), if it is a C identifier; else NULL. */
static const char *name_from_file(checker *c, const char *path)
{
    char *name = path ? sioc_file_stem(c->arena, path) : NULL;

    return name && is_c_ident(name) ? name : NULL;
}

char *sioc_file_stem(sioc_arena *arena, const char *path)
{
    const char *base = strrchr(path, '/');
    size_t len;

    base = base ? base + 1 : path;
    len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".sio") == 0)
        len -= 4;
    return sioc_arena_strndup(arena, base, len);
}

static void check_schema_name(checker *c, const sioc_ast_file *f)
{
    const char *name =
        f->has_schema ? f->schema.text : name_from_file(c, c->diag->file);
    const char *by = f->has_schema ? "" : ", the file's name,";
    sioc_schema *s = c->schema;
    sioc_span at = f->schema.at;

    if (!name) {
        CHECK_ERR(c, at,
                  "the file's name gives no C identifier to name the "
                  "schema by: begin the file with 'schema NAME;'");
        name = "schema";
    }
    s->name = name;
    c->prefix = s->c_prefix = cat(c, name, "_", NULL);
    s->c_register = cat(c, c->prefix, "register", NULL);
    s->c_schema = cat(c, c->prefix, "schema", NULL);
    s->c_intern = c->prefix;
    s->c_include_guard = include_guard(c, name);
    if (!check_literal(c, at, "the schema name", strlen(name)))
        ;
    else if (name[0] == '_')
        CHECK_ERR(c, at,
                  "schema name '%s'%s begins with '_', which C reserves for "
                  "the implementation",
                  name, by);
    else if (taken_name(name) && strlen(name) == strlen(taken_name(name)))
        CHECK_ERR(c, at,
                  "schema name '%s'%s would give names beginning '%s_', "
                  "which the runtime and its libraries use",
                  name, by, name);
    else if (taken_name(name))
        CHECK_ERR(c, at,
                  "schema name '%s'%s begins with '%.*s_', which the runtime "
                  "and its libraries use for their names",
                  name, by, (int)strlen(taken_name(name)), name);
}

/* The C prefix of the types being declared: the imported schema's, or
 * this one's. */
static const char *type_prefix(const checker *c)
{
    return c->importing ? c->importing->prefix : c->prefix;
}

/* Internal stems: "chat__Message"; an imported "common_Message" gets
 * "chat___common_Message", which no name of this schema can give
 * (names beginning with '_' are refused). */
static const char *type_intern(checker *c, const char *c_name)
{
    return c->importing ? cat(c, c->prefix, "__", c_name) : intern(c, c_name);
}

/* The doc comment at `at` in the schema being imported, or NULL. */
static const char *import_doc(checker *c, sioc_span at)
{
    const sioc_ast_file *f = c->importing ? c->importing->file : NULL;

    return f ? sioc_doc(c->arena, f->src, f->src_len, at) : NULL;
}

static void declare_type(checker *c, const sioc_ast_decl *d)
{
    type_entry *e = sioc_arena_alloc(c->arena, sizeof *e);
    const type_entry *first;
    bool record = d->kind == SIOC_AST_RECORD;
    const char *name = d->name.text;

    e->at = d->name.at;
    e->base = record ? SIOC_RECORD : SIOC_ENUM;
    check_literal(c, d->name.at, record ? "the record name" : "the enum name",
                  strlen(name));
    if (c->importing)
        e->at = c->importing->at;
    first = sym_put(&c->types, name, e);
    if (first && c->importing) {
        CHECK_ERR(c, e->at, "%s '%s' of the imported schema is declared twice",
                  record ? "record" : "enum", name);
        return;
    }
    e->data_of = d->data_of;
    if (first && d->data_of) {
        CHECK_ERR(c, d->name.at,
                  "'data { ... }' in namespace %s declares the record '%s', "
                  "a name declared before",
                  d->data_of, name);
        CHECK_NOTE(c, first->at, "first declared here");
        return;
    }
    if (first && first->data_of) {
        CHECK_ERR(c, d->name.at,
                  "%s '%s' has the name of the record that 'data { ... }' "
                  "declares in namespace %s",
                  record ? "record" : "enum", name, first->data_of);
        CHECK_NOTE(c, first->at, "declared here");
        return;
    }
    if (first && first->base == e->base) {
        CHECK_ERR(c, d->name.at, "duplicate %s '%s'",
                  record ? "record" : "enum", name);
        CHECK_NOTE(c, first->at, "first declared here");
        return;
    }
    if (first) {
        CHECK_ERR(c, d->name.at, "%s '%s' has the name of an earlier %s",
                  record ? "record" : "enum", name, record ? "enum" : "record");
        CHECK_NOTE(c, first->at, "first declared here");
        return;
    }
    if (record) {
        sioc_record *r = &c->records[c->schema->nrecords];

        c->record_files[c->schema->nrecords] =
            c->importing ? c->importing->file : NULL;
        c->record_decls[c->schema->nrecords++] = d;
        r->name = name;
        r->doc = import_doc(c, d->name.at);
        if (d->is_union) {
            r->tag = d->tag.value;
            r->c_tag = cat(c, type_prefix(c), name, "_tag");
        }
        r->c_name = cat(c, type_prefix(c), name, NULL);
        r->c_intern = type_intern(c, r->c_name);
        r->at = e->at;
        r->imported = c->importing != NULL;
        r->socket_data = d->data_of != NULL;
        e->record = r;
    } else {
        sioc_enum *en = &c->enums[c->schema->nenums];

        c->enum_decls[c->schema->nenums++] = d;
        en->name = name;
        en->c_name = cat(c, type_prefix(c), name, NULL);
        en->c_intern = type_intern(c, en->c_name);
        en->imported = c->importing != NULL;
        en->doc = import_doc(c, d->name.at);
        en->c_count = cat(c, en->c_name, "_COUNT", NULL);
        en->c_names = cat(c, en->c_name, "_names", NULL);
        en->c_name_fn = cat(c, en->c_name, "_name", NULL);
        en->c_parse = cat(c, en->c_name, "_parse", NULL);
        en->at = e->at;
        e->enumeration = en;
    }
}

/* What a namespace is called in C: its alias, else its name without
 * the '/', mangled ("" for "/"). */
static const char *ns_ident(checker *c, const sioc_ast_decl *d)
{
    const sioc_ast_string *name = &d->ns;

    if (d->alias.text)
        return d->alias.text;
    return name->len ? sioc_mangle(c->arena, name->value + 1, name->len - 1)
                     : "";
}

/* The record "data { ... }" declares: Data in "/", admin_Data in
 * "/admin" (C: chat_Data, chat_admin_Data). */
static const char *data_record_name(checker *c, const sioc_ast_decl *ns)
{
    const char *id = ns_ident(c, ns);

    return id[0] ? cat(c, id, "_Data", NULL) : "Data";
}

/* A namespace's "data { ... }": a record like the others, named after
 * the namespace, declared where the namespace is. Only the first data
 * item counts (a second is reported as such). */
static void declare_data_record(checker *c, const sioc_ast_decl *ns)
{
    const sioc_ast_item *it = ns->items;
    sioc_ast_decl *d;

    while (it && it->kind != SIOC_AST_DATA)
        it = it->next;
    if (!it || !it->data_body)
        return;
    d = sioc_arena_alloc(c->arena, sizeof *d);
    *d = *it->data_body;
    d->name.text = data_record_name(c, ns);
    d->data_of = ns->ns.raw;
    declare_type(c, d);
}

static void declare_guard(checker *c, const sioc_ast_decl *d)
{
    sioc_guard *g = &c->guards_v[c->schema->nguards];
    const sioc_guard *first;

    g->name = d->name.text;
    g->c_name = cat(c, c->prefix, "guard_", g->name);
    g->at = d->name.at;
    check_literal(c, d->name.at, "the guard name", strlen(g->name));
    first = sym_put(&c->guards, g->name, g);
    if (first) {
        CHECK_ERR(c, d->name.at, "duplicate guard '%s'", g->name);
        CHECK_NOTE(c, first->at, "first declared here");
        return;
    }
    c->schema->nguards++;
}

/* Records and enums of the imported schemas first (a local record may
 * embed them), then the file's own declarations. */
static void declare_all(checker *c, const sioc_ast_file *f,
                        const sioc_ast_import *imports, size_t nimports)
{
    size_t n[SIOC_AST_IMPORT + 1] = {0};

    for (const sioc_ast_decl *d = f->decls; d; d = d->next) {
        n[d->kind]++;
        for (const sioc_ast_item *it = d->items; it; it = it->next)
            n[SIOC_AST_RECORD] += it->data_body != NULL; /* at most */
    }
    for (size_t i = 0; i < nimports; i++)
        for (const sioc_ast_decl *d = imports[i].file->decls; d; d = d->next)
            n[d->kind]++;
    c->records =
        sioc_arena_array(c->arena, n[SIOC_AST_RECORD], sizeof *c->records);
    c->record_decls =
        sioc_arena_array(c->arena, n[SIOC_AST_RECORD], sizeof *c->record_decls);
    c->record_files =
        sioc_arena_array(c->arena, n[SIOC_AST_RECORD], sizeof *c->record_files);
    c->enums = sioc_arena_array(c->arena, n[SIOC_AST_ENUM], sizeof *c->enums);
    c->enum_decls =
        sioc_arena_array(c->arena, n[SIOC_AST_ENUM], sizeof *c->enum_decls);
    c->guards_v =
        sioc_arena_array(c->arena, n[SIOC_AST_GUARD], sizeof *c->guards_v);
    for (size_t i = 0; i < nimports; i++) {
        c->importing = &imports[i];
        for (const sioc_ast_decl *d = imports[i].file->decls; d; d = d->next)
            if (d->kind == SIOC_AST_RECORD || d->kind == SIOC_AST_ENUM)
                declare_type(c, d);
    }
    c->importing = NULL;
    for (const sioc_ast_decl *d = f->decls; d; d = d->next) {
        if (d->kind == SIOC_AST_RECORD || d->kind == SIOC_AST_ENUM)
            declare_type(c, d);
        else if (d->kind == SIOC_AST_GUARD)
            declare_guard(c, d);
        else if (d->kind == SIOC_AST_NAMESPACE)
            declare_data_record(c, d);
    }
    c->schema->enums = c->enums;
    c->schema->guards = c->guards_v;
}

/* A union's variants: records (not unions) without its tag among their
 * fields; the tag's C values. */
static void check_union(checker *c, const sioc_ast_decl *d, sioc_record *r)
{
    const char **tags =
        sioc_arena_array(c->arena, r->nfields + 1, sizeof *tags);
    const sioc_ast_field *a = d->fields.head;

    if (!*r->tag)
        CHECK_ERR(c, d->tag.at, "a union's tag key cannot be empty");
    for (size_t i = 0; i < r->nfields && a; i++, a = a->next) {
        const sioc_field *v = &r->fields[i];
        const sioc_record *vr = v->type.record;

        tags[i] = cat(c, r->c_name, "_", v->name);
        if (v->type.base != SIOC_RECORD || !vr) {
            if (v->type.base != SIOC_JSON || a->type.base != SIOC_TOK_IDENT)
                CHECK_ERR(c, a->type.name.at,
                          "a union's variant is a record, not '%s'",
                          a->type.name.text);
            continue;
        }
        if (v->type.optional || v->type.dims || a->type.value.present)
            CHECK_ERR(c, a->type.name.at,
                      "a union's variant is a record as it is: no '?', '[]' "
                      "or limits");
        else if (vr->tag)
            CHECK_ERR(c, a->type.name.at,
                      "variant '%s' is the union '%s': a union's variants "
                      "are records",
                      v->wire, vr->name);
        for (size_t j = 0; j < vr->nfields; j++)
            if (!strcmp(vr->fields[j].wire, r->tag))
                CHECK_ERR(c, a->type.name.at,
                          "record '%s' has a field \"%s\", the tag of union "
                          "'%s'",
                          vr->name, r->tag, r->name);
        if (!strcmp(v->name, "tag"))
            CHECK_ERR(c, a->name.at,
                      "a union's variant cannot be named 'tag' in C (the "
                      "member that says which variant it is): give it "
                      "another with 'as'");
    }
    r->c_variant_tags = tags;
}

static void check_records(checker *c)
{
    for (size_t i = 0; i < c->schema->nrecords; i++) {
        const sioc_ast_decl *d = c->record_decls[i];
        sioc_record *r = &c->records[i];
        sioc_params fields;

        if (d->fields.count == 0 && !d->broken && d->data_of)
            CHECK_ERR(c, d->name.at,
                      "the socket data of namespace %s has no fields "
                      "(leave 'data' out)",
                      d->data_of);
        else if (d->fields.count == 0 && !d->broken)
            CHECK_ERR(c, d->name.at, "%s '%s' has no %s",
                      d->is_union ? "union" : "record", r->name,
                      d->is_union ? "variants" : "fields");
        check_params(c, &d->fields, NULL, &fields);
        r->fields = fields.items;
        r->nfields = fields.count;
        /* Spans of another file: its doc comments are taken from it now
         * (a comment on the record's line is the record's). */
        for (size_t j = 0; r->imported && j < fields.count; j++) {
            sioc_field *f = (sioc_field *)&fields.items[j];
            const sioc_ast_file *src = c->record_files[i];

            if (src && f->at.line != d->name.at.line)
                f->doc = sioc_doc(c->arena, src->src, src->src_len, f->at);
            f->at = r->at;
        }
    }
    /* Unions look into their variants, checked above. */
    for (size_t i = 0; i < c->schema->nrecords; i++)
        if (c->records[i].tag)
            check_union(c, c->record_decls[i], &c->records[i]);
}

static void check_enum(checker *c, const sioc_ast_decl *d, sioc_enum *en)
{
    sioc_enum_value *v = sioc_arena_array(c->arena, d->nvalues, sizeof *v);
    symtab seen = {0};
    size_t n = 0;

    if (d->nvalues == 0 && !d->broken)
        CHECK_ERR(c, d->name.at, "enum '%s' has no values", en->name);
    for (const sioc_ast_value *a = d->values; a && n < d->nvalues;
         a = a->next) {
        const sioc_span *first;

        v[n].value = a->str.value;
        v[n].at = a->str.at;
        v[n].c_name = cat(c, en->c_name, "_",
                          sioc_mangle(c->arena, a->str.value, a->str.len));
        if (a->str.len == 0)
            CHECK_ERR(c, a->str.at, "empty enum value");
        check_literal(c, a->str.at, "the enum value", a->str.len);
        first = sym_put(&seen, a->str.value, &v[n].at);
        if (first) {
            CHECK_ERR(c, a->str.at, "duplicate value %s in enum '%s'",
                      a->str.raw, en->name);
            CHECK_NOTE(c, *first, "first listed here");
            continue;
        }
        n++;
    }
    sym_fini(&seen);
    en->values = v;
    en->nvalues = n;
}

static void check_enums(checker *c)
{
    for (size_t i = 0; i < c->schema->nenums; i++)
        check_enum(c, c->enum_decls[i], &c->enums[i]);
}

/* ---- records that contain themselves ---------------------------------- */

/* Embedded by value in C, so it must not lead back to its record. */
static bool embeds(const sioc_field *f)
{
    return f->type.base == SIOC_RECORD && !f->type.dims && !f->type.optional;
}

typedef struct dfs_frame {
    size_t rec;
    size_t field; /* next field to follow; field - 1 is being followed */
} dfs_frame;

static void report_cycle(checker *c, const dfs_frame *stack, size_t sp,
                         size_t to)
{
    size_t k = sp;
    const char *path = "";
    const sioc_record *r0;

    while (k > 0 && stack[k - 1].rec != to)
        k--;
    k = k ? k - 1 : 0;
    r0 = &c->records[stack[k].rec];
    for (size_t i = k; i < sp; i++) {
        const sioc_record *r = &c->records[stack[i].rec];

        path = sioc_arena_printf(c->arena, "%s%s.%s -> ", path, r->name,
                                 r->fields[stack[i].field - 1].name);
    }
    CHECK_ERR(c, r0->fields[stack[k].field - 1].at,
              "record '%s' contains itself by value (%s%s); make a field "
              "on this path optional ('?') or an array ('[]')",
              r0->name, path, r0->name);
}

/* Depth first, without recursion (schemas can be large); the postorder
 * is the dependency order the model promises. */
static void order_records(checker *c)
{
    size_t n = c->schema->nrecords, sp = 0, norder = 0;
    unsigned char *state = calloc(n ? n : 1, 1); /* 0 new, 1 open, 2 done */
    dfs_frame *stack = malloc((n ? n : 1) * sizeof *stack);
    const sioc_record **order = sioc_arena_array(c->arena, n, sizeof *order);

    if (!state || !stack)
        sioc_oom();
    for (size_t root = 0; root < n; root++) {
        if (state[root])
            continue;
        state[root] = 1;
        stack[sp++] = (dfs_frame){root, 0};
        while (sp) {
            dfs_frame *top = &stack[sp - 1];
            const sioc_record *r = &c->records[top->rec];
            const sioc_field *f;
            size_t next;

            if (top->field == r->nfields) {
                state[top->rec] = 2;
                order[norder++] = r;
                sp--;
                continue;
            }
            f = &r->fields[top->field++];
            if (!embeds(f))
                continue;
            next = (size_t)(f->type.record - c->records);
            if (state[next] == 1)
                report_cycle(c, stack, sp, next);
            else if (state[next] == 0) {
                state[next] = 1;
                stack[sp++] = (dfs_frame){next, 0};
            }
        }
    }
    free(state);
    free(stack);
    c->schema->records = order;
}

/* How deep a value of each record must nest: itself plus the deepest
 * record it embeds by value (optional and array fields may be absent or
 * empty). Past the decoder's limit no client can send one. Records come
 * in dependency order, so embedded ones are measured first. */
static void check_nesting(checker *c)
{
    size_t n = c->schema->nrecords;
    unsigned *depth = calloc(n ? n : 1, sizeof *depth);

    if (!depth)
        sioc_oom();
    for (size_t k = 0; k < n; k++) {
        const sioc_record *r = c->schema->records[k];
        size_t i = (size_t)(r - c->records);
        const sioc_field *deepest = NULL;
        unsigned d = 1;

        for (size_t j = 0; j < r->nfields; j++) {
            const sioc_field *f = &r->fields[j];
            unsigned fd;

            if (!embeds(f))
                continue;
            fd = depth[f->type.record - c->records];
            if (fd + 1 > d) {
                d = fd + 1;
                deepest = f;
            }
        }
        depth[i] = d;
        /* Reported once, at the record where the limit is crossed. */
        if (d == SIOC_MAX_DEPTH + 1)
            CHECK_ERR(c, deepest->at,
                      "record '%s' nests records by value %u deep (through "
                      "'%s'); the decoder accepts at most %d: make a field "
                      "on the way optional ('?') or an array ('[]')",
                      r->name, d, deepest->name, SIOC_MAX_DEPTH);
    }
    free(depth);
}

/* ---- requirements ------------------------------------------------------ */

static void add_guard(const sioc_guard **v, size_t *n, const sioc_guard *g)
{
    for (size_t i = 0; i < *n; i++)
        if (v[i] == g)
            return;
    v[(*n)++] = g;
}

/* The union of inherit (may be NULL) and the clause, inherit first. */
static void check_requires(checker *c, const sioc_ast_requires *ar,
                           const sioc_requires *inherit, sioc_requires *out)
{
    size_t max = inherit ? inherit->nguards : 0, n = 0;
    const sioc_guard **v;
    symtab seen = {0};

    for (const sioc_ast_req *r = ar->head; r; r = r->next)
        max++;
    v = sioc_arena_array(c->arena, max, sizeof *v);
    out->auth = inherit && inherit->auth;
    for (size_t i = 0; inherit && i < inherit->nguards; i++)
        v[n++] = inherit->guards[i];
    for (const sioc_ast_req *r = ar->head; r; r = r->next) {
        const sioc_guard *g = sym_get(&c->guards, r->name.text);
        const sioc_span *first = sym_put(&seen, r->name.text, &r->name.at);

        if (first) {
            CHECK_ERR(c, r->name.at, "duplicate requirement '%s'",
                      r->name.text);
            CHECK_NOTE(c, *first, "first listed here");
        } else if (r->auth) {
            out->auth = true;
        } else if (g) {
            add_guard(v, &n, g);
        } else if (!c->quiet) {
            const char *near = guard_near(c, r->name.text);

            if (near)
                CHECK_ERR(c, r->name.at,
                          "unknown guard '%s'; did you mean '%s'?",
                          r->name.text, near);
            else
                CHECK_ERR(c, r->name.at,
                          "unknown guard '%s' (declare it with 'guard %s;')",
                          r->name.text, r->name.text);
        }
    }
    sym_fini(&seen);
    out->guards = v;
    out->nguards = n;
}

/* ---- namespaces and their items ---------------------------------------- */

static const char *const reserved_events[] = {
    "connect",       "connect_error", "disconnect",
    "disconnecting", "newListener",   "removeListener",
};

typedef struct ns_state {
    sioc_namespace *ns;
    const sioc_ast_decl *decl;
    sioc_event *events; /* room for every item */
    symtab on_names, emit_names;
    const sioc_ast_item *connect, *any;                         /* first seen */
    const sioc_ast_item *data, *disconnect, *use, *use_connect; /* too */
} ns_state;

/* False (after a report) for a name no event may have. */
static bool check_event_name(checker *c, const sioc_ast_item *it)
{
    const char *name = it->name.value;

    if (it->name.len == 0)
        CHECK_ERR(c, it->name.at, "empty event name");
    else if (!check_literal(c, it->name.at, "the event name", it->name.len))
        ;
    else if (strcmp(name, "*") == 0)
        CHECK_ERR(c, it->name.at,
                  "event name \"*\" is reserved: the catch-all is 'on *;'");
    else if (in_list(reserved_events,
                     sizeof reserved_events / sizeof *reserved_events, name))
        CHECK_ERR(c, it->name.at, "%s is a reserved event name", it->name.raw);
    else
        return true;
    return false;
}

/* The failure policy of an "on" event: its own "else", or the
 * namespace's if the event is acked, or disconnect. */
static sioc_policy check_policy(checker *c, const ns_state *s,
                                const sioc_ast_item *it)
{
    sioc_ast_policy own = it->req.policy;

    if (own == SIOC_AST_POLICY_ACK && !it->acked) {
        CHECK_ERR(c, it->req.policy_at,
                  "'else ack' needs an acked event: add '-> (...)' or "
                  "write 'else disconnect'");
        return SIOC_POLICY_DISCONNECT;
    }
    if (own == SIOC_AST_POLICY_ACK)
        return SIOC_POLICY_ACK;
    if (own == SIOC_AST_POLICY_NONE && it->acked)
        return s->ns->req.policy;
    return SIOC_POLICY_DISCONNECT;
}

static void check_event(checker *c, ns_state *s, const sioc_ast_item *it)
{
    bool on = it->kind == SIOC_AST_ON;
    sioc_event *ev = &s->events[s->ns->nevents];
    const sioc_span *first;
    bool named = check_event_name(c, it);

    ev->dir = on ? SIOC_ON : SIOC_EMIT;
    ev->name = it->name.value;
    ev->at = it->name.at;
    ev->ident = it->alias.text
                    ? it->alias.text
                    : sioc_mangle(c->arena, it->name.value, it->name.len);
    ev->c_func = cat(c, s->ns->c_prefix, on ? "on_" : "emit_", ev->ident);
    ev->c_intern = intern(c, ev->c_func);
    check_params(c, &it->args,
                 on          ? fixed_on_args
                 : it->acked ? fixed_emit_acked
                             : fixed_emit_args,
                 &ev->args);
    ev->acked = it->acked;
    if (it->acked) {
        check_params(c, &it->ack, on ? fixed_on_ack : fixed_emit_reply,
                     &ev->ack);
        ev->c_ack = cat(c, s->ns->c_prefix, ev->ident, on ? "_ack" : "_reply");
        if (on) {
            ev->c_ack_send = cat(c, ev->c_ack, "_send", NULL);
            ev->c_ack_error = cat(c, ev->c_ack, "_error", NULL);
            ev->c_ack_wanted = cat(c, ev->c_ack, "_wanted", NULL);
        }
    }
    if (on) {
        check_requires(c, &it->req, &s->ns->req, &ev->req);
        ev->req.policy = check_policy(c, s, it);
    }
    /* A bad name is left out: it would clash with its own reason. */
    if (!named)
        return;
    first = sym_put(on ? &s->on_names : &s->emit_names, ev->name, &ev->at);
    if (first) {
        CHECK_ERR(c, it->name.at, "duplicate '%s %s' in namespace %s",
                  on ? "on" : "emit", it->name.raw, s->decl->ns.raw);
        CHECK_NOTE(c, *first, "first declared here");
        return;
    }
    s->ns->nevents++;
}

/* A second connect or catch-all: report it; true if it is the first. */
static bool check_once(checker *c, const sioc_ast_item **seen,
                       const sioc_ast_item *it, const char *what,
                       const char *ns)
{
    if (!*seen) {
        *seen = it;
        return true;
    }
    CHECK_ERR(c, it->at, "namespace %s already has %s", ns, what);
    CHECK_NOTE(c, (*seen)->at, "first declared here");
    return false;
}

/* The record (or NULL for the type itself) through which t holds
 * bytes, anywhere inside; seen marks records already searched. */
static bool holds_bytes(checker *c, const sioc_type *t, unsigned char *seen,
                        const char **where)
{
    const sioc_record *r;
    size_t i;

    while (t->base == SIOC_MAP)
        t = t->value;
    r = t->record;
    if (t->base == SIOC_BYTES)
        return true;
    if (t->base != SIOC_RECORD || !r)
        return false;
    i = (size_t)(r - c->records);
    if (seen[i])
        return false;
    seen[i] = 1;
    for (size_t j = 0; j < r->nfields; j++) {
        if (holds_bytes(c, &r->fields[j].type, seen, where)) {
            if (!*where)
                *where = cat(c, r->name, ".", r->fields[j].name);
            return true;
        }
    }
    return false;
}

/* A CONNECT packet is never binary: its payload carries no attachments. */
static void check_connect_bytes(checker *c, const sioc_params *auth)
{
    size_t n = c->schema->nrecords;

    for (size_t i = 0; i < auth->count; i++) {
        unsigned char *seen = calloc(n ? n : 1, 1);
        const char *where = NULL;

        if (!seen)
            sioc_oom();
        if (!holds_bytes(c, &auth->items[i].type, seen, &where))
            ;
        else if (where)
            CHECK_ERR(c, auth->items[i].at,
                      "'%s' holds bytes (%s), which connect cannot take: a "
                      "CONNECT packet carries no binary attachments",
                      auth->items[i].name, where);
        else
            CHECK_ERR(c, auth->items[i].at,
                      "'%s' is bytes, which connect cannot take: a CONNECT "
                      "packet carries no binary attachments",
                      auth->items[i].name);
        free(seen);
    }
}

static void check_connect(checker *c, ns_state *s, const sioc_ast_item *it)
{
    sioc_connect *cn = sioc_arena_alloc(c->arena, sizeof *cn);

    if (it->args.variadic)
        CHECK_ERR(c, it->args.variadic_at,
                  "'...' is not allowed in connect: the auth payload is an "
                  "object");
    if (it->req.policy != SIOC_AST_POLICY_NONE)
        CHECK_ERR(c, it->req.policy_at,
                  "'else' does not apply to connect: a failed requirement "
                  "refuses the connection");
    check_params(c, &it->args, fixed_connect, &cn->auth);
    cn->auth.variadic = false;
    check_connect_bytes(c, &cn->auth);
    cn->c_func = cat(c, s->ns->c_prefix, "on_connect", NULL);
    cn->c_intern = intern(c, cn->c_func);
    check_requires(c, &it->req, &s->ns->req, &cn->req);
    cn->at = it->at;
    if (check_once(c, &s->connect, it, "a connect", s->decl->ns.raw))
        s->ns->connect = cn;
}

static void check_any(checker *c, ns_state *s, const sioc_ast_item *it)
{
    sioc_catchall *any = sioc_arena_alloc(c->arena, sizeof *any);

    any->c_func = cat(c, s->ns->c_prefix, "on_any", NULL);
    any->req = s->ns->req;
    any->at = it->at;
    if (check_once(c, &s->any, it, "a catch-all ('on *')", s->decl->ns.raw))
        s->ns->any = any;
}

/* data Record: the record the runtime allocates per socket. */
static const sioc_record *check_data_type(checker *c, const sioc_ast_decl *ns,
                                          const sioc_ast_item *it)
{
    const char *name =
        it->data_body ? data_record_name(c, ns) : it->record.text;
    const type_entry *e = sym_get(&c->types, name);

    if (it->data_body) /* declared with the others; reported there */
        return e && e->record && e->data_of ? e->record : NULL;
    if (e && e->data_of)
        data_only(c, it->record.at, e);
    else if (e && e->record)
        return e->record;
    else if (e)
        CHECK_ERR(c, it->record.at,
                  "socket data must be a record, and '%s' is an enum", name);
    else if (sym_get(&c->guards, name))
        CHECK_ERR(c, it->record.at, "'%s' is a guard, not a record", name);
    else if (!c->quiet)
        CHECK_ERR(c, it->record.at, "unknown record '%s'%s", name,
                  type_hint(c, name));
    return NULL;
}

/* data, disconnect, use, use connect: at most one of each. */
static void check_hook(checker *c, ns_state *s, const sioc_ast_item *it)
{
    sioc_hook *h = sioc_arena_alloc(c->arena, sizeof *h);
    const char *ns = s->decl->ns.raw;

    h->at = it->at;
    switch (it->kind) {
    case SIOC_AST_DATA:
        h->c_func = cat(c, s->ns->c_prefix, "data", NULL);
        h->record = check_data_type(c, s->decl, it);
        if (check_once(c, &s->data, it, "socket data", ns) && h->record)
            s->ns->data = h;
        break;
    case SIOC_AST_DISCONNECT:
        h->c_func = cat(c, s->ns->c_prefix, "on_disconnect", NULL);
        if (check_once(c, &s->disconnect, it, "a disconnect", ns))
            s->ns->disconnect = h;
        break;
    case SIOC_AST_USE:
        h->c_func = cat(c, s->ns->c_prefix, "use", NULL);
        if (check_once(c, &s->use, it, "a middleware ('use')", ns))
            s->ns->use = h;
        break;
    default:
        h->c_func = cat(c, s->ns->c_prefix, "use_connect", NULL);
        if (check_once(c, &s->use_connect, it,
                       "a connect middleware ('use connect')", ns))
            s->ns->use_connect = h;
        break;
    }
}

static const char *const target_fns[SIOC_TGT_COUNT] = {
    [SIOC_TGT_ALL] = "all",
    [SIOC_TGT_ROOM] = "room",
    [SIOC_TGT_EXCEPT] = "except",
    [SIOC_TGT_SELF] = "self",
    [SIOC_TGT_BROADCAST] = "broadcast",
    [SIOC_TGT_SOCKET] = "socket",
    [SIOC_TGT_OF] = "target_of",
};

/* The typed target of a namespace that declares emits, and its
 * constructors. */
static void name_targets(checker *c, sioc_namespace *ns)
{
    bool emits = false;

    for (size_t i = 0; i < ns->nevents; i++)
        emits = emits || ns->events[i].dir == SIOC_EMIT;
    if (!emits)
        return;
    ns->c_target = cat(c, ns->c_prefix, "target", NULL);
    for (size_t i = 0; i < SIOC_TGT_COUNT; i++)
        ns->c_target_fns[i] = cat(c, ns->c_prefix, target_fns[i], NULL);
}

static int cmp_event_name(const void *a, const void *b)
{
    const sioc_event *const *x = a, *const *y = b;

    return strcmp((*x)->name, (*y)->name);
}

static void sort_on_events(checker *c, sioc_namespace *ns)
{
    const sioc_event **v = sioc_arena_array(c->arena, ns->nevents, sizeof *v);
    size_t n = 0;

    for (size_t i = 0; i < ns->nevents; i++)
        if (ns->events[i].dir == SIOC_ON)
            v[n++] = &ns->events[i];
    qsort(v, n, sizeof *v, cmp_event_name);
    ns->on_sorted = v;
    ns->non = n;
}

static void check_items(checker *c, ns_state *s)
{
    size_t n = 0;

    for (const sioc_ast_item *it = s->decl->items; it; it = it->next)
        n++;
    s->events = sioc_arena_array(c->arena, n, sizeof *s->events);
    s->ns->events = s->events;
    for (const sioc_ast_item *it = s->decl->items; it; it = it->next) {
        if (it->kind == SIOC_AST_CONNECT)
            check_connect(c, s, it);
        else if (it->kind == SIOC_AST_ANY)
            check_any(c, s, it);
        else if (it->kind == SIOC_AST_ON || it->kind == SIOC_AST_EMIT)
            check_event(c, s, it);
        else
            check_hook(c, s, it);
    }
    sort_on_events(c, s->ns);
    name_targets(c, s->ns);
}

/* Name, C prefix and requirements; false for a duplicate. */
static bool check_ns_head(checker *c, const sioc_ast_decl *d,
                          sioc_namespace *ns, symtab *names, symtab *prefixes)
{
    const sioc_ast_string *name = &d->ns;
    const sioc_span *first;

    ns->name = name->value;
    ns->at = name->at;
    if (name->value[0] != '/')
        CHECK_ERR(c, name->at, "namespace %s must begin with '/'", name->raw);
    else
        check_literal(c, name->at, "the namespace name", name->len);
    ns->ident = ns_ident(c, d);
    ns->c_prefix = ns->ident[0] ? cat(c, c->prefix, ns->ident, "_") : c->prefix;
    ns->c_intern = ns->ident[0] ? cat(c, c->prefix, "_", ns->ident) : c->prefix;
    check_requires(c, &d->req, NULL, &ns->req);
    ns->req.policy = d->req.policy == SIOC_AST_POLICY_ACK
                         ? SIOC_POLICY_ACK
                         : SIOC_POLICY_DISCONNECT;
    first = sym_put(names, ns->name, &name->at);
    if (first) {
        CHECK_ERR(c, name->at, "duplicate namespace %s", name->raw);
        CHECK_NOTE(c, *first, "first declared here");
        return false;
    }
    /* Else every name in it would be reported by check_cnames. */
    if (ns->ident[0] == '_') {
        CHECK_ERR(c, name->at,
                  "namespace %s gives the C prefix '%s', which begins with "
                  "'%s_', reserved for names sioc generates (name it in C "
                  "with 'namespace %s as NAME')",
                  name->raw, ns->c_prefix, c->prefix, name->raw);
        return false;
    }
    return check_claim(c, prefixes, ns->c_prefix,
                       owner_new(c, cat(c, "namespace ", name->raw, NULL),
                                 cat(c, "namespace ", name->raw, NULL),
                                 name->at));
}

static void check_namespaces(checker *c, const sioc_ast_file *f)
{
    size_t n = 0;
    sioc_namespace *v;
    symtab names = {0}, prefixes = {0};

    for (const sioc_ast_decl *d = f->decls; d; d = d->next)
        n += d->kind == SIOC_AST_NAMESPACE;
    v = sioc_arena_array(c->arena, n, sizeof *v);
    c->schema->namespaces = v;
    for (const sioc_ast_decl *d = f->decls; d; d = d->next) {
        ns_state s = {0};

        if (d->kind != SIOC_AST_NAMESPACE)
            continue;
        /* The slot of a rejected namespace is reused: clear it. */
        s.ns = memset(&v[c->schema->nnamespaces], 0, sizeof *v);
        s.decl = d;
        if (check_ns_head(c, d, s.ns, &names, &prefixes))
            c->schema->nnamespaces++;
        check_items(c, &s);
        sym_fini(&s.on_names);
        sym_fini(&s.emit_names);
    }
    sym_fini(&names);
    sym_fini(&prefixes);
}

/* ---- types the parameters use ------------------------------------------ */

typedef struct use_state {
    checker *c;
    size_t *stack; /* records to visit, by index */
    size_t sp;
} use_state;

/* The model's types point into the checker's arrays: marked by index. */
static void use_type(use_state *u, const sioc_type *t)
{
    size_t i;

    while (t->base == SIOC_MAP)
        t = t->value;
    if (t->enumeration)
        u->c->enums[t->enumeration - u->c->enums].used = true;
    if (!t->record || t->record->used)
        return;
    i = (size_t)(t->record - u->c->records);
    u->c->records[i].used = true;
    u->stack[u->sp++] = i;
}

static void use_params(use_state *u, const sioc_params *p)
{
    for (size_t i = 0; i < p->count; i++)
        use_type(u, &p->items[i].type);
    /* Records reached: their fields, without recursion. */
    while (u->sp) {
        const sioc_record *r = &u->c->records[u->stack[--u->sp]];

        for (size_t i = 0; i < r->nfields; i++)
            use_type(u, &r->fields[i].type);
    }
}

/* Marks the records and enums that some parameter reaches. */
static void mark_used(checker *c)
{
    const sioc_schema *s = c->schema;
    use_state u = {c, malloc((s->nrecords ? s->nrecords : 1) * sizeof(size_t)),
                   0};

    if (!u.stack)
        sioc_oom();
    for (size_t i = 0; i < s->nnamespaces; i++) {
        const sioc_namespace *ns = &s->namespaces[i];

        if (ns->connect)
            use_params(&u, &ns->connect->auth);
        if (ns->data) /* the runtime allocates and frees it */
            use_params(&u,
                       &(sioc_params){
                           &(sioc_field){.type = {.base = SIOC_RECORD,
                                                  .record = ns->data->record}},
                           1, false});
        for (size_t j = 0; j < ns->nevents; j++) {
            use_params(&u, &ns->events[j].args);
            use_params(&u, &ns->events[j].ack);
        }
    }
    free(u.stack);
}

/* ---- C identifiers of the whole file ------------------------------------ */

/* False after a report: the caller claims no more names for the same
 * thing, which would only repeat it. */
static bool claim_cname(checker *c, const char *name, const char *role,
                        const char *decl, sioc_span at)
{
    size_t plen = strlen(c->prefix);

    if (strncmp(name, c->prefix, plen) == 0 && name[plen] == '_') {
        CHECK_ERR(c, at,
                  "'%s' (%s) begins with '%s_', which is reserved for "
                  "names sioc generates",
                  name, role, c->prefix);
        return false;
    }
    return check_claim(c, &c->cnames, name, owner_new(c, role, decl, at));
}

static void claim_event(checker *c, const sioc_namespace *ns,
                        const sioc_event *ev)
{
    const char *quoted =
        ns->ident[0]
            ? sioc_arena_printf(c->arena, "event \"%s\" of namespace \"%s\"",
                                ev->name, ns->name)
            : sioc_arena_printf(c->arena, "event \"%s\"", ev->name);
    bool on = ev->dir == SIOC_ON;

    if (!claim_cname(c, ev->c_func,
                     cat(c, on ? "the handler of " : "the emit function of ",
                         quoted, NULL),
                     quoted, ev->at) ||
        !ev->c_ack)
        return;
    if (!claim_cname(c, ev->c_ack,
                     cat(c, on ? "the ack type of " : "the reply type of ",
                         quoted, NULL),
                     quoted, ev->at) ||
        !ev->c_ack_send)
        return;
    if (claim_cname(c, ev->c_ack_send,
                    cat(c, "the ack function of ", quoted, NULL), quoted,
                    ev->at) &&
        claim_cname(c, ev->c_ack_error,
                    cat(c, "the error ack function of ", quoted, NULL), quoted,
                    ev->at))
        claim_cname(c, ev->c_ack_wanted,
                    cat(c, "the ack test of ", quoted, NULL), quoted, ev->at);
}

static void claim_targets(checker *c, const sioc_namespace *ns,
                          const char *what)
{
    const char *decl = cat(c, "the emits of ", what, NULL);

    if (!ns->c_target ||
        !claim_cname(c, ns->c_target, cat(c, "the target type of ", what, NULL),
                     decl, ns->at))
        return;
    for (size_t i = 0; i < SIOC_TGT_COUNT; i++)
        if (!claim_cname(c, ns->c_target_fns[i],
                         sioc_arena_printf(c->arena,
                                           "the target function '%s' of %s",
                                           target_fns[i], what),
                         decl, ns->at))
            return;
}

static void claim_hook(checker *c, const sioc_hook *h, const char *role,
                       const char *decl, const char *what)
{
    if (h)
        claim_cname(c, h->c_func, cat(c, role, what, NULL),
                    cat(c, decl, what, NULL), h->at);
}

static void claim_namespace(checker *c, const sioc_namespace *ns)
{
    const char *what =
        sioc_arena_printf(c->arena, "namespace \"%s\"", ns->name);

    if (ns->connect)
        claim_cname(c, ns->connect->c_func,
                    cat(c, "the connect handler of ", what, NULL),
                    cat(c, "the connect of ", what, NULL), ns->connect->at);
    if (ns->any)
        claim_cname(c, ns->any->c_func,
                    cat(c, "the catch-all handler of ", what, NULL),
                    cat(c, "the catch-all of ", what, NULL), ns->any->at);
    claim_hook(c, ns->data, "the socket data accessor of ", "the data of ",
               what);
    claim_hook(c, ns->disconnect, "the disconnect handler of ",
               "the disconnect of ", what);
    claim_hook(c, ns->use, "the middleware of ", "the use of ", what);
    claim_hook(c, ns->use_connect, "the connect middleware of ",
               "the use connect of ", what);
    for (size_t i = 0; i < ns->nevents; i++)
        claim_event(c, ns, &ns->events[i]);
    claim_targets(c, ns, what);
}

/* A type name: also not "_t", the suffix of C's and POSIX's types
 * (schema int64 + record t would redefine int64_t). */
static bool claim_type_name(checker *c, const char *name, const char *what,
                            sioc_span at)
{
    size_t len = strlen(name);

    if (len >= 2 && strcmp(name + len - 2, "_t") == 0) {
        CHECK_ERR(c, at,
                  "'%s' (%s) ends in '_t', which C and POSIX reserve for "
                  "their type names",
                  name, what);
        return false;
    }
    return claim_cname(c, name, what, what, at);
}

/* Whether variant j of union r has the C name of an earlier one. */
static bool variant_repeated(const sioc_record *r, size_t j)
{
    for (size_t i = 0; i < j; i++)
        if (!strcmp(r->fields[i].name, r->fields[j].name))
            return true;
    return false;
}

static void claim_types(checker *c)
{
    const sioc_schema *s = c->schema;

    for (size_t i = 0; i < s->nrecords; i++) {
        const sioc_record *rec = &c->records[i];
        const char *r =
            cat(c, rec->tag ? "union '" : "record '", rec->name, "'");

        if (!claim_type_name(c, rec->c_name, r, rec->at) || !rec->tag)
            continue;
        claim_type_name(c, rec->c_tag, cat(c, "the tag type of ", r, NULL),
                        rec->at);
        for (size_t j = 0; j < rec->nfields && rec->c_variant_tags; j++) {
            const char *v;

            if (!strcmp(rec->fields[j].name, "tag") || variant_repeated(rec, j))
                continue; /* reported as such */
            v = sioc_arena_printf(c->arena, "variant \"%s\" of %s",
                                  rec->fields[j].wire, r);

            claim_cname(c, rec->c_variant_tags[j], v, v, rec->fields[j].at);
        }
    }
    for (size_t i = 0; i < s->nenums; i++) {
        const sioc_enum *en = &s->enums[i];
        const char *e = cat(c, "enum '", en->name, "'");

        if (!claim_type_name(c, en->c_name, e, en->at))
            continue;
        claim_cname(c, en->c_count, cat(c, "the value count of ", e, NULL), e,
                    en->at);
        claim_cname(c, en->c_names, cat(c, "the names table of ", e, NULL), e,
                    en->at);
        claim_cname(c, en->c_name_fn, cat(c, "the name function of ", e, NULL),
                    e, en->at);
        claim_cname(c, en->c_parse, cat(c, "the parse function of ", e, NULL),
                    e, en->at);
        for (size_t j = 0; j < en->nvalues; j++) {
            const char *v = sioc_arena_printf(c->arena, "value \"%s\" of %s",
                                              en->values[j].value, e);

            claim_cname(c, en->values[j].c_name, v, v, en->values[j].at);
        }
    }
}

static void check_cnames(checker *c)
{
    const sioc_schema *s = c->schema;
    sioc_span none = {0};

    claim_cname(c, s->c_register, "the registration function", "", none);
    claim_cname(c, s->c_schema, "the schema descriptor", "", none);
    claim_cname(c, s->c_include_guard, "the header's include guard", "", none);
    for (size_t i = 0; i < s->nguards; i++) {
        const char *g = cat(c, "guard '", s->guards[i].name, "'");

        claim_cname(c, s->guards[i].c_name, g, g, s->guards[i].at);
    }
    claim_types(c);
    for (size_t i = 0; i < s->nnamespaces; i++)
        claim_namespace(c, &s->namespaces[i]);
}

/* ---- entry ------------------------------------------------------------- */

const sioc_schema *sioc_check(sioc_arena *arena, const sioc_ast_file *file,
                              sioc_diag *diag)
{
    return sioc_check_with(arena, file, NULL, 0, diag);
}

const sioc_schema *sioc_check_with(sioc_arena *arena, const sioc_ast_file *file,
                                   const sioc_ast_import *imports,
                                   size_t nimports, sioc_diag *diag)
{
    checker c = {0};
    const char **includes =
        sioc_arena_array(arena, nimports + 1, sizeof *includes);

    if (diag->stopped)
        return NULL;
    c.arena = arena;
    c.diag = diag;
    c.quiet = file->lost_decls > 0;
    c.schema = sioc_arena_alloc(arena, sizeof *c.schema);
    c.schema->source = diag->file;
    check_schema_name(&c, file);
    if (!file->has_schema && !file->decls && !file->syntax_errors)
        CHECK_ERR(&c, file->schema.at,
                  "the file declares nothing: a schema declares namespaces, "
                  "records or enums");
    const char **paths = sioc_arena_array(arena, nimports + 1, sizeof *paths);

    for (size_t i = 0; i < nimports; i++) {
        includes[i] = imports[i].header;
        paths[i] = imports[i].path;
    }
    c.schema->includes = includes;
    c.schema->import_paths = paths;
    c.schema->nincludes = nimports;
    declare_all(&c, file, imports, nimports);
    check_enums(&c); /* before fields: defaults name enum values */
    check_records(&c);
    order_records(&c);
    if (!diag->errors)
        check_nesting(&c); /* needs the order, which a cycle breaks */
    check_namespaces(&c, file);
    check_cnames(&c);
    if (!diag->errors)
        mark_used(&c);
    sym_fini(&c.types);
    sym_fini(&c.guards);
    sym_fini(&c.cnames);
    return diag->errors ? NULL : c.schema;
}
