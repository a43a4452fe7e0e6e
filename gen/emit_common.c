/* emit_common.c - see emit_common.h. The representation of a field is
 * decided once, by field_rep_of, and every list (members, parameters,
 * initializers, handler arguments) follows it. */
#include "emit_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_text.h"

#define LINE_MAX_COLS 80

/* ---- lists ---------------------------------------------------------- */

void sioc_list_add(sioc_arena *a, sioc_list *l, const char *item,
                   const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        const char **items = sioc_arena_array(a, cap, sizeof *items);
        const char **names = sioc_arena_array(a, cap, sizeof *names);
        const sioc_nest **nests = sioc_arena_array(a, cap, sizeof *nests);

        if (l->n) {
            memcpy(items, l->items, l->n * sizeof *items);
            memcpy(names, l->names, l->n * sizeof *names);
            memcpy(nests, l->nests, l->n * sizeof *nests);
        }
        l->items = items;
        l->names = names;
        l->nests = nests;
        l->cap = cap;
    }
    l->items[l->n] = item;
    l->names[l->n] = name;
    l->nests[l->n++] = NULL;
}

static const char *list_flat(sioc_arena *a, const char *head,
                             const sioc_list *l, const char *tail)
{
    size_t len = strlen(head) + strlen(tail) + 1;
    char *s, *p;

    for (size_t i = 0; i < l->n; i++)
        len += strlen(l->items[i]) + 2;
    s = p = sioc_arena_alloc(a, len);
    p += sprintf(p, "%s", head);
    for (size_t i = 0; i < l->n; i++)
        p += sprintf(p, "%s%s", i ? ", " : "", l->items[i]);
    sprintf(p, "%s", tail);
    return s;
}

void sioc_list_add_nest(sioc_arena *a, sioc_list *l, const char *head,
                        const sioc_list *sub, const char *tail)
{
    sioc_nest *nest = sioc_arena_alloc(a, sizeof *nest);

    nest->head = head;
    nest->list = *sub;
    nest->tail = tail;
    sioc_list_add(a, l, list_flat(a, head, sub, tail), NULL);
    l->nests[l->n - 1] = nest;
}

/* The width of s up to its first newline. */
static size_t line_len(const char *s)
{
    const char *nl = strchr(s, '\n');

    return nl ? (size_t)(nl - s) : strlen(s);
}

/* The narrowest an item can be: a nest can wrap after its head. */
static size_t item_min(const sioc_list *l, size_t i)
{
    const sioc_nest *nest = l->nests[i];
    size_t widest = 0;

    if (!nest)
        return strlen(l->items[i]);
    for (size_t j = 0; j < nest->list.n; j++)
        if (item_min(&nest->list, j) > widest)
            widest = item_min(&nest->list, j);
    return strlen(nest->head) + widest + strlen(nest->tail);
}

static bool fits_aligned(size_t col, const sioc_list *l, size_t tail)
{
    for (size_t i = 0; i < l->n; i++)
        if (col + item_min(l, i) + (i + 1 == l->n ? tail : 1) > LINE_MAX_COLS)
            return false;
    return true;
}

/* Where text goes: out, or nowhere when only counting lines. */
typedef struct layout {
    FILE *out;
    size_t lines;
    size_t wraps; /* nests wrapped inside */
} layout;

static void lay_text(layout *y, const char *s)
{
    if (y->out)
        fputs(s, y->out);
}

static void lay_break(layout *y, size_t col)
{
    if (y->out)
        fprintf(y->out, "\n%*s", (int)col, "");
    y->lines++;
}

static size_t lay_list(layout *y, size_t indent, size_t pos, const char *head,
                       const sioc_list *l, const char *tail, size_t after);

/* Item i at pos; after: the width of what follows the list on its last
 * line. Returns the column after it. */
static size_t lay_item(layout *y, size_t col, size_t pos, const sioc_list *l,
                       size_t i, size_t after)
{
    const char *sep = i + 1 == l->n ? "" : ",";
    const sioc_nest *nest = l->nests[i];
    size_t follow = *sep ? 1 : after;

    if (nest && pos + strlen(l->items[i]) + follow > LINE_MAX_COLS) {
        y->wraps++;
        pos =
            lay_list(y, col, pos, nest->head, &nest->list, nest->tail, follow);
    } else {
        lay_text(y, l->items[i]);
        pos += strlen(l->items[i]);
    }
    lay_text(y, sep);
    return pos + strlen(sep);
}

/* The items, greedily filling lines that continue at col. */
static size_t lay_items(layout *y, size_t col, size_t pos, const sioc_list *l,
                        size_t after)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t len = item_min(l, i) + (i + 1 == l->n ? after : 1);

        if (i && pos + 1 + len > LINE_MAX_COLS) {
            lay_break(y, col);
            pos = col;
        } else if (i) {
            lay_text(y, " ");
            pos++;
        }
        pos = lay_item(y, col, pos, l, i, after);
    }
    return pos;
}

/* Continue under the first item, unless breaking after head takes fewer
 * lines or keeps a nest whole (clang-format's choice, roughly). */
static bool lay_aligned(size_t indent, size_t col, const sioc_list *l,
                        size_t after)
{
    layout aligned = {NULL, 0, 0}, broken = {NULL, 1, 0};

    if (!fits_aligned(col, l, after))
        return false;
    lay_items(&aligned, col, col, l, after);
    lay_items(&broken, indent + 4, indent + 4, l, after);
    return aligned.lines + aligned.wraps <= broken.lines + broken.wraps;
}

/* head, the items and tail from column pos on a line indented by
 * indent; after: columns that follow on the last line. Returns the
 * column after tail. */
static size_t lay_list(layout *y, size_t indent, size_t pos, const char *head,
                       const sioc_list *l, const char *tail, size_t after)
{
    size_t tlen = line_len(tail) + after, col;
    size_t one = pos + strlen(head) + tlen;

    for (size_t i = 0; i < l->n; i++)
        one += strlen(l->items[i]) + (i ? 2 : 0);
    lay_text(y, head);
    pos = col = pos + strlen(head);
    if (one > LINE_MAX_COLS && !lay_aligned(indent, col, l, tlen)) {
        col = indent + 4;
        lay_break(y, col);
        pos = col;
    }
    pos = lay_items(y, col, pos, l, tlen);
    lay_text(y, tail);
    return pos + line_len(tail);
}

void sioc_put_list(FILE *out, size_t indent, const char *head,
                   const sioc_list *l, const char *tail)
{
    layout y = {out, 0, 0};

    fprintf(out, "%*s", (int)indent, "");
    lay_list(&y, indent, indent, head, l, tail, 0);
}

/* ---- text --------------------------------------------------------------- */

static const char *quote(sioc_arena *a, const char *s, bool comment)
{
    char *out = sioc_arena_alloc(a, strlen(s) * 4 + 3), *o = out;
    char prev = '\0';

    *o++ = '"';
    for (const char *p = s; *p; prev = *p++) {
        unsigned char ch = (unsigned char)*p;

        /* "??" may start a trigraph; in a comment, neither "*" "/" nor
         * "/" "*" may meet. */
        if (ch == '"' || ch == '\\' || (ch == '?' && prev == '?') ||
            (comment && ch == '/' && prev == '*') ||
            (comment && ch == '*' && prev == '/')) {
            *o++ = '\\';
            *o++ = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7f) {
            o += sprintf(o, "\\%03o", ch);
        } else {
            *o++ = (char)ch;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

const char *sioc_double_text(sioc_arena *a, double v)
{
    char buf[40];

    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (!strpbrk(buf, ".e"))
        return sioc_arena_printf(a, "%s.0", buf);
    return sioc_arena_strndup(a, buf, strlen(buf));
}

const char *sioc_cstr(sioc_arena *a, const char *s)
{
    return quote(a, s, false);
}

const char *sioc_ccomment(sioc_arena *a, const char *s)
{
    return quote(a, s, true);
}

const char *sioc_comment_text(sioc_arena *a, const char *s)
{
    char *q = (char *)quote(a, s, true);

    q[strlen(q) - 1] = '\0';
    return q + 1;
}

void sioc_put_comment(FILE *out, size_t indent, const char *text)
{
    size_t pos = indent + 2;
    const char *w = text;

    fprintf(out, "%*s/*", (int)indent, "");
    while (*w) {
        size_t len = strcspn(w, " ");

        /* The last word keeps the comment's end on its line. */
        if (pos + 1 + len + (w[len] ? 0 : 3) > LINE_MAX_COLS &&
            pos > indent + 2) {
            fprintf(out, "\n%*s *", (int)indent, "");
            pos = indent + 2;
        }
        fprintf(out, " %.*s", (int)len, w);
        pos += 1 + len;
        w += len + (w[len] == ' ');
    }
    fputs(" */\n", out);
}

/* One line of a doc comment: no end or start of a comment in it. */
static void put_doc_line(FILE *out, const char *p, const char *end)
{
    for (; p < end; p++) {
        fputc(*p, out);
        if ((*p == '*' && p + 1 < end && p[1] == '/') ||
            (*p == '/' && p + 1 < end && p[1] == '*'))
            fputc(' ', out);
    }
}

bool sioc_put_doc(const sioc_emit *e, size_t indent, sioc_span at)
{
    const char *doc = sioc_doc(e->arena, e->src, e->src_len, at);
    const char *p = doc;

    if (!doc)
        return false;
    fprintf(e->out, "%*s/*", (int)indent, "");
    for (;;) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);

        if (end > p)
            fputc(' ', e->out);
        put_doc_line(e->out, p, end);
        if (!nl)
            break;
        fprintf(e->out, "\n%*s *", (int)indent, "");
        p = nl + 1;
    }
    fputs(" */\n", e->out);
    return true;
}

void sioc_put_origin(const sioc_emit *e, const char *file)
{
    sioc_put_comment(
        e->out, 0,
        sioc_arena_printf(e->arena,
                          "%s - generated by sioc from %s: do not edit.",
                          sioc_comment_text(e->arena, file),
                          sioc_comment_text(e->arena, e->schema->source)));
}

void sioc_put_banner(const sioc_emit *e, const char *what)
{
    fprintf(e->out, "\n/* ---- %s ---- */\n", what);
}

bool sioc_put_types_banner(const sioc_emit *e)
{
    const sioc_schema *s = e->schema;
    bool any = false;

    /* Imported types alone: their schema's files hold them. */
    for (size_t i = 0; i < s->nrecords; i++)
        any = any || !s->records[i]->imported || s->records[i]->used;
    for (size_t i = 0; i < s->nenums; i++)
        any = any || !s->enums[i].imported || s->enums[i].used;
    if (!any)
        return false;
    sioc_put_banner(e, "records and enums");
    return true;
}

const char *sioc_iname(const sioc_emit *e, const char *stem, const char *sfx)
{
    return sioc_arena_printf(e->arena, "%s%s", stem, sfx);
}

/* ---- suffixes ------------------------------------------------------------ */

bool sioc_sfx_ok(void)
{
    static const char *const sfx[] = {
        SIOC_SFX_DESC,         SIOC_SFX_FIELDS,     SIOC_SFX_ARGS,
        SIOC_SFX_ARGS_FIELDS,  SIOC_SFX_ACK,        SIOC_SFX_ACK_FIELDS,
        SIOC_SFX_INVOKE,       SIOC_SFX_REQ,        SIOC_SFX_REQ_GUARDS,
        SIOC_SFX_REQ_NAMES,    SIOC_SFX_REPLY,      SIOC_SFX_REPLY_FIELDS,
        SIOC_SFX_DELIVER,      SIOC_SFX_AUTH,       SIOC_SFX_AUTH_FIELDS,
        SIOC_SFX_NS_EVENTS,    SIOC_SFX_NS_REQ,     SIOC_SFX_NS_REQ_GUARDS,
        SIOC_SFX_NS_REQ_NAMES, SIOC_SFX_NAMESPACES, SIOC_SFX_GUARDS,
    };
    size_t n = sizeof sfx / sizeof *sfx;

    for (size_t i = 0; i < n; i++) {
        size_t li = strlen(sfx[i]);

        if (sfx[i][0] != '_')
            return false;
        for (size_t j = 0; j < n; j++) {
            size_t lj = strlen(sfx[j]);

            if (lj > li && strcmp(sfx[j] + lj - li, sfx[i]) == 0)
                return false;
        }
    }
    return true;
}

/* ---- the representation of a field ---------------------------------------
 * docs/generated.md's table: each field is one of these. */

typedef enum field_rep {
    REP_PLAIN,  /* one member, the value (or a pointer, NULL if absent) */
    REP_ARRAY,  /* pointer to the elements + size_t count */
    REP_HAS,    /* bool has_ + the value */
    REP_BYTES,  /* sio_bytes; parameters: pointer + length */
    REP_RECORD, /* the record by value; parameters: a pointer to it */
} field_rep;

bool sioc_field_has_flag(const sioc_field *f)
{
    sioc_base b = f->type.base;

    return f->type.optional && !f->type.dims &&
           (b == SIOC_BOOL || b == SIOC_INT || b == SIOC_FLOAT ||
            b == SIOC_ENUM);
}

static field_rep field_rep_of(const sioc_field *f)
{
    if (f->type.dims)
        return REP_ARRAY;
    if (sioc_field_has_flag(f))
        return REP_HAS;
    if (f->type.base == SIOC_BYTES)
        return REP_BYTES;
    if ((f->type.base == SIOC_RECORD || f->type.base == SIOC_MAP) &&
        !f->type.optional)
        return REP_RECORD;
    return REP_PLAIN;
}

/* The C type of one value (T'), as written before a declarator name:
 * "int64_t " or "const char *". */
static const char *value_type(const sioc_emit *e, const sioc_type *t)
{
    switch (t->base) {
    case SIOC_BOOL:
        return "bool ";
    case SIOC_INT:
        return "int64_t ";
    case SIOC_FLOAT:
        return "double ";
    case SIOC_STRING:
        return "const char *";
    case SIOC_BYTES:
        return "sio_bytes ";
    case SIOC_JSON:
        return "json_t *";
    case SIOC_RECORD:
        return sioc_arena_printf(e->arena, "%s ", t->record->c_name);
    case SIOC_MAP:
        return "sio_map ";
    case SIOC_ENUM:
        break;
    }
    return sioc_arena_printf(e->arena, "%s ", t->enumeration->c_name);
}

const char *sioc_map_values(const sioc_emit *e, const sioc_type *t)
{
    const char *v;
    size_t n;

    if (t->value->dims)
        return "sio_array";
    v = value_type(e, t->value);
    n = strlen(v);
    return sioc_arena_printf(e->arena, "%.*s",
                             (int)(v[n - 1] == ' ' ? n - 1 : n), v);
}

/* A pointer to constant elements of type (a value_type string). */
static const char *const_ptr(const sioc_emit *e, const char *type)
{
    size_t len = strlen(type);

    if (type[len - 1] == '*')
        return sioc_arena_printf(e->arena, "%sconst *", type);
    return sioc_arena_printf(e->arena, "const %s*", type);
}

static void add_decl(const sioc_emit *e, sioc_list *l, const char *type,
                     const char *name)
{
    sioc_list_add(e->arena, l, sioc_arena_printf(e->arena, "%s%s", type, name),
                  name);
}

/* The array's pointer; its count follows. */
static void add_array_decls(const sioc_emit *e, const sioc_field *f,
                            sioc_list *l)
{
    const char *elems = f->type.dims > 1
                            ? "const sio_array *"
                            : const_ptr(e, value_type(e, &f->type));

    add_decl(e, l, elems, f->name);
    add_decl(e, l, "size_t ", f->c_count);
}

/* One field's declarations; param: as a function parameter. */
static void add_field_decls(const sioc_emit *e, const sioc_field *f, bool param,
                            sioc_list *l)
{
    switch (field_rep_of(f)) {
    case REP_ARRAY:
        add_array_decls(e, f, l);
        return;
    case REP_HAS:
        add_decl(e, l, "bool ", f->c_has);
        add_decl(e, l, value_type(e, &f->type), f->name);
        return;
    case REP_BYTES:
        if (!param) {
            add_decl(e, l, "sio_bytes ", f->name);
            return;
        }
        add_decl(e, l, "const uint8_t *", f->name);
        add_decl(e, l, "size_t ", f->c_len);
        return;
    case REP_RECORD:
        if (!param) {
            add_decl(e, l, value_type(e, &f->type), f->name);
            return;
        }
        break;
    case REP_PLAIN:
        if (f->type.base != SIOC_RECORD && f->type.base != SIOC_MAP) {
            add_decl(e, l, value_type(e, &f->type), f->name);
            return;
        }
        break;
    }
    add_decl(e, l, const_ptr(e, value_type(e, &f->type)), f->name);
}

static void add_decls(const sioc_emit *e, const sioc_params *p, bool param,
                      sioc_list *l)
{
    for (size_t i = 0; i < p->count; i++)
        add_field_decls(e, &p->items[i], param, l);
    if (p->variadic)
        add_decl(e, l, "json_t *", "rest");
}

void sioc_add_members(const sioc_emit *e, const sioc_params *p, sioc_list *l)
{
    add_decls(e, p, false, l);
}

void sioc_add_param_decls(const sioc_emit *e, const sioc_params *p,
                          sioc_list *l)
{
    add_decls(e, p, true, l);
}

static void add_expr(const sioc_emit *e, sioc_list *l, const char *fmt,
                     const char *a, const char *b)
{
    sioc_list_add(e->arena, l, sioc_arena_printf(e->arena, fmt, a, b), NULL);
}

void sioc_add_values(const sioc_emit *e, const sioc_params *p, sioc_list *l)
{
    for (size_t i = 0; i < p->count; i++) {
        const sioc_field *f = &p->items[i];

        switch (field_rep_of(f)) {
        case REP_ARRAY:
            add_expr(e, l, "%s%s", f->name, "");
            add_expr(e, l, "%s%s", f->c_count, "");
            break;
        case REP_HAS:
            add_expr(e, l, "%s%s", f->c_has, "");
            add_expr(e, l, "%s%s", f->name, "");
            break;
        case REP_BYTES:
            add_expr(e, l, "{%s, %s}", f->name, f->c_len);
            break;
        case REP_RECORD:
            add_expr(e, l, "*%s%s", f->name, "");
            break;
        case REP_PLAIN:
            add_expr(e, l, "%s%s", f->name, "");
            break;
        }
    }
    if (p->variadic)
        add_expr(e, l, "%s%s", "rest", "");
}

void sioc_add_spread(const sioc_emit *e, const sioc_params *p, const char *from,
                     sioc_list *l)
{
    for (size_t i = 0; i < p->count; i++) {
        const sioc_field *f = &p->items[i];

        switch (field_rep_of(f)) {
        case REP_ARRAY:
            add_expr(e, l, "%s%s", from, f->name);
            add_expr(e, l, "%s%s", from, f->c_count);
            break;
        case REP_HAS:
            add_expr(e, l, "%s%s", from, f->c_has);
            add_expr(e, l, "%s%s", from, f->name);
            break;
        case REP_BYTES:
            add_expr(e, l, "%s%s.data", from, f->name);
            add_expr(e, l, "%s%s.len", from, f->name);
            break;
        case REP_RECORD:
            add_expr(e, l, "&%s%s", from, f->name);
            break;
        case REP_PLAIN:
            add_expr(e, l, "%s%s", from, f->name);
            break;
        }
    }
    if (p->variadic)
        add_expr(e, l, "%s%s", from, "rest");
}

/* ---- signatures --------------------------------------------------------- */

static void sig_init(const sioc_emit *e, sioc_sig *s, const char *ret,
                     const char *name, const char *first, const char *arg)
{
    memset(s, 0, sizeof *s);
    s->ret = ret;
    s->name = name;
    sioc_list_add(e->arena, &s->params, first, arg);
}

void sioc_sig_guard(const sioc_emit *e, const sioc_guard *g, sioc_sig *s)
{
    sig_init(e, s, "bool", g->c_name, "sio_ctx *ctx", "ctx");
}

void sioc_sig_connect(const sioc_emit *e, const sioc_connect *c, sioc_sig *s)
{
    sig_init(e, s, "int", c->c_func, "sio_ctx *ctx", "ctx");
    sioc_add_param_decls(e, &c->auth, &s->params);
}

void sioc_sig_any(const sioc_emit *e, const sioc_catchall *c, sioc_sig *s)
{
    sig_init(e, s, "void", c->c_func, "sio_ctx *ctx", "ctx");
    sioc_list_add(e->arena, &s->params, "const char *event", "event");
    sioc_list_add(e->arena, &s->params, "json_t *args", "args");
}

static void add_ack_param(const sioc_emit *e, const sioc_event *ev,
                          sioc_list *l)
{
    sioc_list_add(e->arena, l, sioc_arena_printf(e->arena, "%s ack", ev->c_ack),
                  "ack");
}

void sioc_sig_on(const sioc_emit *e, const sioc_event *ev, sioc_sig *s)
{
    sig_init(e, s, "void", ev->c_func, "sio_ctx *ctx", "ctx");
    sioc_add_param_decls(e, &ev->args, &s->params);
    if (ev->acked)
        add_ack_param(e, ev, &s->params);
}

void sioc_sig_ack_send(const sioc_emit *e, const sioc_event *ev, sioc_sig *s)
{
    memset(s, 0, sizeof *s);
    s->ret = "int";
    s->name = ev->c_ack_send;
    add_ack_param(e, ev, &s->params);
    sioc_add_param_decls(e, &ev->ack, &s->params);
}

void sioc_sig_ack_error(const sioc_emit *e, const sioc_event *ev, sioc_sig *s)
{
    memset(s, 0, sizeof *s);
    s->ret = "int";
    s->name = ev->c_ack_error;
    add_ack_param(e, ev, &s->params);
    sioc_list_add(e->arena, &s->params, "const char *message", "message");
}

void sioc_sig_ack_wanted(const sioc_emit *e, const sioc_event *ev, sioc_sig *s)
{
    memset(s, 0, sizeof *s);
    s->ret = "bool";
    s->name = ev->c_ack_wanted;
    add_ack_param(e, ev, &s->params);
}

void sioc_sig_emit(const sioc_emit *e, const sioc_namespace *ns,
                   const sioc_event *ev, sioc_sig *s)
{
    sig_init(e, s, "int", ev->c_func,
             sioc_arena_printf(e->arena, "%s to", ns->c_target), "to");
    sioc_add_param_decls(e, &ev->args, &s->params);
    if (!ev->acked)
        return;
    sioc_list_add(e->arena, &s->params,
                  sioc_arena_printf(e->arena, "%s reply", ev->c_ack), "reply");
    sioc_list_add(e->arena, &s->params, "void *user", "user");
    sioc_list_add(e->arena, &s->params, "unsigned timeout_ms", "timeout_ms");
}

void sioc_sig_reply(const sioc_emit *e, const sioc_event *ev, sioc_sig *s)
{
    sig_init(e, s, "typedef void",
             sioc_arena_printf(e->arena, "(*%s)", ev->c_ack), "sio_ctx *ctx",
             "ctx");
    sioc_list_add(e->arena, &s->params, "int status", "status");
    sioc_add_param_decls(e, &ev->ack, &s->params);
    sioc_list_add(e->arena, &s->params, "void *user", "user");
}

void sioc_sig_register(const sioc_emit *e, sioc_sig *s)
{
    sig_init(e, s, "int", e->schema->c_register, "sio_server *srv", "srv");
}

void sioc_sig_hook(const sioc_emit *e, const sioc_namespace *ns,
                   const sioc_hook *h, sioc_sig *s)
{
    if (h == ns->data) {
        sig_init(e, s, h->record->c_name,
                 sioc_arena_printf(e->arena, "*%s", h->c_func), "sio_ctx *ctx",
                 "ctx");
    } else if (h == ns->disconnect) {
        sig_init(e, s, "void", h->c_func, "sio_ctx *ctx", "ctx");
        sioc_list_add(e->arena, &s->params, "const char *reason", "reason");
    } else {
        sig_init(e, s, "int", h->c_func, "sio_ctx *ctx", "ctx");
        if (h == ns->use)
            sioc_list_add(e->arena, &s->params, "const char *event", "event");
    }
}

void sioc_put_sig(const sioc_emit *e, const sioc_sig *s, const char *tail)
{
    sioc_put_list(e->out, 0,
                  sioc_arena_printf(e->arena, "%s %s(", s->ret, s->name),
                  &s->params, sioc_arena_printf(e->arena, ")%s", tail));
}

/* ---- items in schema order ---------------------------------------------- */

static uint32_t item_offset(const sioc_item *it)
{
    if (it->connect)
        return it->connect->at.offset;
    if (it->any)
        return it->any->at.offset;
    if (it->hook)
        return it->hook->at.offset;
    return it->event->at.offset;
}

size_t sioc_items(const sioc_emit *e, const sioc_namespace *ns, sioc_item **out)
{
    size_t n = 0;
    sioc_item *v = sioc_arena_array(e->arena, ns->nevents + 6, sizeof *v);
    const sioc_hook *hooks[] = {ns->data, ns->disconnect, ns->use,
                                ns->use_connect};

    for (size_t i = 0; i < ns->nevents; i++)
        v[n++].event = &ns->events[i];
    if (ns->connect)
        v[n++].connect = ns->connect;
    if (ns->any)
        v[n++].any = ns->any;
    for (size_t i = 0; i < sizeof hooks / sizeof *hooks; i++)
        if (hooks[i])
            v[n++].hook = hooks[i];
    /* Events are in order already: this moves at most six items. */
    for (size_t i = 1; i < n; i++) {
        sioc_item it = v[i];
        size_t j = i;

        for (; j > 0 && item_offset(&v[j - 1]) > item_offset(&it); j--)
            v[j] = v[j - 1];
        v[j] = it;
    }
    *out = v;
    return n;
}
