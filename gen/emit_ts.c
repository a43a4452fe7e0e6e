/* emit_ts.c - sioc --ts: TypeScript declarations for socket.io-client 4.x
 * (docs/clients.md). Per namespace, the events the server emits
 * (listened to with socket.on) and those a client emits, as the two
 * event maps of Socket<ServerToClientEvents, ClientToServerEvents>, and
 * the socket type made of them. Types are what the client sees on the
 * wire: an acked event's callback may get the server's error object
 * instead of the answer, bytes arrive as ArrayBuffer or Buffer. */
#include "emit_common.h"
#include "emit_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names that cannot name a type (TypeScript's own) or that the file
 * refers to as globals or imports: a record so named gets a '_'. */
static const char *const reserved_types[] = {
    "any",       "unknown",    "never",       "number",     "bigint",
    "boolean",   "string",     "symbol",      "void",       "object",
    "undefined", "null",       "ArrayBuffer", "Uint8Array", "Socket",
    "break",     "case",       "catch",       "class",      "const",
    "continue",  "debugger",   "default",     "delete",     "do",
    "else",      "enum",       "export",      "extends",    "false",
    "finally",   "for",        "function",    "if",         "import",
    "in",        "instanceof", "new",         "return",     "super",
    "switch",    "this",       "throw",       "true",       "try",
    "typeof",    "var",        "while",       "with",       "yield",
    "let",       "static",     "implements",  "interface",  "package",
    "private",   "protected",  "public",      "await",      "type",
    NULL};

/* Words that cannot name a parameter in a function type. */
static const char *const reserved_params[] = {
    "break",    "case",      "catch",  "class",      "const",     "continue",
    "debugger", "default",   "delete", "do",         "else",      "enum",
    "export",   "extends",   "false",  "finally",    "for",       "function",
    "if",       "import",    "in",     "instanceof", "new",       "null",
    "return",   "super",     "switch", "this",       "throw",     "true",
    "try",      "typeof",    "var",    "void",       "while",     "with",
    "yield",    "let",       "static", "implements", "interface", "package",
    "private",  "protected", "public", "await",      "arguments", "eval",
    NULL};

typedef struct ts_names {
    const char **v;
    size_t n, cap;
} ts_names;

typedef struct ts {
    const sioc_emit *e;
    FILE *out;
    ts_names taken;        /* type names declared at the top level */
    const char **records;  /* TS names, parallel to schema->records */
    const char **enums;    /* parallel to schema->enums */
    const char *bytes;     /* "Bytes" */
    const char *ack_error; /* "AckError" */
    bool uses_bytes, uses_ack_error;
} ts;

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static bool names_has(const ts_names *t, const char *s)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i], s) == 0)
            return true;
    return false;
}

static void names_add(sioc_arena *a, ts_names *t, const char *s)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        const char **v = sioc_arena_array(a, cap, sizeof *v);

        if (t->n)
            memcpy(v, t->v, t->n * sizeof *v);
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = s;
}

/* want, or want with '_' appended until it is free; then taken. */
static const char *claim(ts *t, const char *want)
{
    const char *s = want;

    while (names_has(&t->taken, s) || in_list(reserved_types, s))
        s = sioc_arena_printf(t->e->arena, "%s_", s);
    names_add(t->e->arena, &t->taken, s);
    return s;
}

/* "chat_room" -> "ChatRoom": a namespace's or schema's ident in type
 * names. */
static const char *pascal(sioc_arena *a, const char *ident)
{
    char *out = sioc_arena_alloc(a, strlen(ident) + 1), *q = out;
    bool up = true;

    for (const char *p = ident; *p; p++) {
        if (*p == '_') {
            up = true;
            continue;
        }
        *q++ = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        up = false;
    }
    *q = '\0';
    return out;
}

/* The names: records and enums keep theirs when TypeScript allows it
 * (the others are renamed after, so they never take a kept name). */
static void name_types(ts *t)
{
    const sioc_schema *s = t->e->schema;
    sioc_arena *a = t->e->arena;

    t->records = sioc_arena_array(a, s->nrecords + 1, sizeof *t->records);
    t->enums = sioc_arena_array(a, s->nenums + 1, sizeof *t->enums);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->nrecords; i++) {
            const char *n = s->records[i]->name;

            if (s->records[i]->socket_data)
                continue; /* the server's own */
            if ((pass == 0) == !in_list(reserved_types, n))
                t->records[i] = claim(t, n);
        }
        for (size_t i = 0; i < s->nenums; i++) {
            const char *n = s->enums[i].name;

            if ((pass == 0) == !in_list(reserved_types, n))
                t->enums[i] = claim(t, n);
        }
    }
    t->bytes = claim(t, "Bytes");
    t->ack_error = claim(t, "AckError");
}

static const char *record_name(const ts *t, const sioc_record *r)
{
    for (size_t i = 0; i < t->e->schema->nrecords; i++)
        if (t->e->schema->records[i] == r)
            return t->records[i];
    return "unknown";
}

static const char *enum_name(const ts *t, const sioc_enum *en)
{
    for (size_t i = 0; i < t->e->schema->nenums; i++)
        if (&t->e->schema->enums[i] == en)
            return t->enums[i];
    return "unknown";
}

/* The type without its optional: elements are never null. */
static const char *type_of(ts *t, const sioc_type *ty)
{
    const char *base = "unknown";
    char *s;
    size_t len;

    switch (ty->base) {
    case SIOC_BOOL:
        base = "boolean";
        break;
    case SIOC_INT:
    case SIOC_FLOAT:
        base = "number";
        break;
    case SIOC_STRING:
        base = "string";
        break;
    case SIOC_BYTES:
        t->uses_bytes = true;
        base = t->bytes;
        break;
    case SIOC_JSON:
        base = "unknown";
        break;
    case SIOC_RECORD:
        base = record_name(t, ty->record);
        break;
    case SIOC_ENUM:
        base = enum_name(t, ty->enumeration);
        break;
    case SIOC_MAP:
        base = sioc_arena_printf(t->e->arena, "Record<string, %s>",
                                 type_of(t, ty->value));
        break;
    }
    len = strlen(base);
    s = sioc_arena_alloc(t->e->arena, len + 2 * (size_t)ty->dims + 1);
    memcpy(s, base, len);
    for (unsigned i = 0; i < ty->dims; i++, len += 2)
        memcpy(s + len, "[]", 2);
    s[len] = '\0';
    return s;
}

static bool is_ident(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_' ||
          *s == '$'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '$'))
            return false;
    return true;
}

/* A property name: as written, quoted unless an identifier. */
static const char *prop(const ts *t, const char *name)
{
    return is_ident(name) ? name : sioc_json_str(t->e->arena, name);
}

/* Whether clients may leave f out or send null: optional, or with a
 * default (the server's decoder fills it in). */
static bool opt(const sioc_field *f)
{
    return f->type.optional || f->def;
}

/* " | null" for an optional field, unless unknown (json) holds it. */
static const char *or_null(const sioc_field *f)
{
    return !opt(f) || (f->type.base == SIOC_JSON && f->type.dims == 0)
               ? ""
               : " | null";
}

/* A JSDoc comment of text (lines split at '\n'), or nothing. */
static void put_doc(const ts *t, int indent, const char *text)
{
    const char *p = text;

    if (!text || !*text)
        return;
    if (!strchr(text, '\n') && !strstr(text, "*/")) {
        fprintf(t->out, "%*s/** %s */\n", indent, "", text);
        return;
    }
    fprintf(t->out, "%*s/**\n", indent, "");
    while (p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);

        fprintf(t->out, "%*s *%s", indent, "", len ? " " : "");
        for (size_t i = 0; i < len; i++) {
            fputc(p[i], t->out);
            if (p[i] == '*' && i + 1 < len && p[i + 1] == '/')
                fputc('\\', t->out); /* "*\/" keeps the comment open */
        }
        fputc('\n', t->out);
        p = nl ? nl + 1 : NULL;
    }
    fprintf(t->out, "%*s */\n", indent, "");
}

static const char *doc_at(const ts *t, sioc_span at)
{
    return sioc_doc(t->e->arena, t->e->src, t->e->src_len, at);
}

/* ---- parameter lists ------------------------------------------------- */

/* A parameter's name in a function type: a word TypeScript reserves, or
 * a name already used in the list, gets '_' appended. */
static const char *param_name(const ts *t, const char *name, ts_names *used)
{
    const char *s = name;

    while (in_list(reserved_params, s) || names_has(used, s))
        s = sioc_arena_printf(t->e->arena, "%s_", s);
    names_add(t->e->arena, used, s);
    return s;
}

/* How many parameters from the first are required (an optional one
 * before a required one may be null but not absent). */
static size_t required_count(const sioc_params *p)
{
    size_t n = p->count;

    while (n > 0 && opt(&p->items[n - 1]))
        n--;
    return n;
}

/* Writes the parameters of p, then `last` (a callback parameter, may be
 * NULL) or a rest parameter. With `last`, an absent trailing optional
 * is written as undefined (a callback follows it); in a tuple (labels)
 * the same syntax serves. */
static void put_params(ts *t, const sioc_params *p, const char *last,
                       const char *last_name, ts_names *used)
{
    size_t req = required_count(p);
    const char *sep = "";

    for (size_t i = 0; i < p->count; i++) {
        const sioc_field *f = &p->items[i];
        const char *ty = type_of(t, &f->type);
        const char *name = param_name(t, f->name, used);

        if (!opt(f))
            fprintf(t->out, "%s%s: %s", sep, name, ty);
        else if (i < req)
            fprintf(t->out, "%s%s: %s%s", sep, name, ty, or_null(f));
        else if (last)
            fprintf(t->out, "%s%s: %s%s | undefined", sep, name, ty,
                    or_null(f));
        else
            fprintf(t->out, "%s%s?: %s%s", sep, name, ty, or_null(f));
        sep = ", ";
    }
    if (p->variadic && last)
        fprintf(t->out, "%s...%s: [...unknown[], %s]", sep,
                param_name(t, "rest", used), last);
    else if (p->variadic)
        fprintf(t->out, "%s...%s: unknown[]", sep, param_name(t, "rest", used));
    else if (last)
        fprintf(t->out, "%s%s: %s", sep, param_name(t, last_name, used), last);
}

/* Output into a string instead of t->out, between capture_begin and
 * capture_end (which returns it, in the arena). */
typedef struct capture {
    char *buf;
    size_t len;
    FILE *saved;
} capture;

static void capture_begin(ts *t, capture *c)
{
    FILE *mem = open_memstream(&c->buf, &c->len);

    if (!mem)
        sioc_oom();
    c->saved = t->out;
    t->out = mem;
}

static const char *capture_end(ts *t, capture *c)
{
    const char *s;

    if (fclose(t->out) != 0)
        sioc_oom();
    t->out = c->saved;
    s = sioc_arena_strndup(t->e->arena, c->buf, c->len);
    free(c->buf);
    return s;
}

/* The callback a client passes with an acked event: it gets the typed
 * answer, or the server's error object as the only argument. */
static const char *ack_callback(ts *t, const sioc_params *p)
{
    ts_names used = {0};
    capture c;

    capture_begin(t, &c);
    t->uses_ack_error = true;
    if (p->count == 0 && !p->variadic) {
        fprintf(t->out, "(error?: %s) => void", t->ack_error);
    } else if (p->count == 1 && !p->variadic) {
        const sioc_field *f = &p->items[0];

        fprintf(t->out, "(%s%s: %s%s | %s) => void",
                param_name(t, f->name, &used), opt(f) ? "?" : "",
                type_of(t, &f->type), or_null(f), t->ack_error);
    } else {
        fputs("(...args: [", t->out);
        put_params(t, p, NULL, NULL, &used);
        fprintf(t->out, "] | [error: %s]) => void", t->ack_error);
    }
    return capture_end(t, &c);
}

/* The callback a listener gets with an event the server emits with a
 * reply: the client calls it with the typed reply. */
static const char *reply_callback(ts *t, const sioc_params *p)
{
    ts_names used = {0};
    capture c;

    capture_begin(t, &c);
    fputc('(', t->out);
    put_params(t, p, NULL, NULL, &used);
    fputs(") => void", t->out);
    return capture_end(t, &c);
}

/* ---- declarations ------------------------------------------------------ */

/* A record field or an auth field: absent or null when optional. A
 * comment on its parent's line is the parent's. */
static void put_field(ts *t, const sioc_field *f, sioc_span parent)
{
    const char *doc = f->doc                      ? f->doc
                      : f->at.line != parent.line ? doc_at(t, f->at)
                                                  : NULL;

    if (f->def) /* what the server's decoder makes of an absent one */
        doc = sioc_arena_printf(t->e->arena, "%s%s@default %s", doc ? doc : "",
                                doc ? "\n" : "", f->def->text);
    put_doc(t, 4, doc);
    fprintf(t->out, "    %s%s: %s%s;\n", prop(t, f->wire), opt(f) ? "?" : "",
            type_of(t, &f->type), or_null(f));
}

/* A discriminated union: each variant's record with the tag. */
static void put_union(ts *t, const sioc_record *r, const char *name)
{
    fprintf(t->out, "export type %s =\n", name);
    for (size_t j = 0; j < r->nfields; j++) {
        const sioc_field *f = &r->fields[j];
        const char *doc = f->doc                     ? f->doc
                          : f->at.line != r->at.line ? doc_at(t, f->at)
                                                     : NULL;

        put_doc(t, 4, doc);
        fprintf(t->out, "    | ({ %s: %s } & %s)%s\n", prop(t, r->tag),
                sioc_json_str(t->e->arena, f->wire), type_of(t, &f->type),
                j + 1 == r->nfields ? ";" : "");
    }
}

static void put_record(ts *t, size_t i)
{
    const sioc_record *r = t->e->schema->records[i];

    if (r->socket_data)
        return;
    fputc('\n', t->out);
    put_doc(t, 0, r->imported ? r->doc : doc_at(t, r->at));
    if (r->tag) {
        put_union(t, r, t->records[i]);
        return;
    }
    fprintf(t->out, "export interface %s {\n", t->records[i]);
    for (size_t j = 0; j < r->nfields; j++)
        put_field(t, &r->fields[j], r->at);
    fputs("}\n", t->out);
}

static void put_enum(ts *t, size_t i)
{
    const sioc_enum *en = &t->e->schema->enums[i];

    fputc('\n', t->out);
    put_doc(t, 0, en->imported ? en->doc : doc_at(t, en->at));
    fprintf(t->out, "export type %s =", t->enums[i]);
    for (size_t j = 0; j < en->nvalues; j++)
        fprintf(t->out, "%s %s", j ? " |" : "",
                sioc_json_str(t->e->arena, en->values[j].value));
    fputs(";\n", t->out);
}

/* "requires auth, admin" of an event, or NULL. */
static const char *requires_text(const ts *t, const sioc_requires *r)
{
    const char *s = NULL;

    if (!r->auth && r->nguards == 0)
        return NULL;
    s = r->auth ? "auth" : "";
    for (size_t i = 0; i < r->nguards; i++)
        s = sioc_arena_printf(t->e->arena, "%s%s%s", s, *s ? ", " : "",
                              r->guards[i]->name);
    return sioc_arena_printf(t->e->arena, "Requires %s; refused with %s.", s,
                             r->policy == SIOC_POLICY_ACK ? "an error ack"
                                                          : "a disconnect");
}

static void put_event(ts *t, const sioc_event *ev)
{
    const char *doc = doc_at(t, ev->at), *req = NULL;
    const char *last = NULL;
    ts_names used = {0};

    if (ev->dir == SIOC_ON)
        req = requires_text(t, &ev->req);
    if (doc && req)
        doc = sioc_arena_printf(t->e->arena, "%s\n%s", doc, req);
    else if (req)
        doc = req;
    put_doc(t, 4, doc);
    if (ev->acked)
        last = ev->dir == SIOC_ON ? ack_callback(t, &ev->ack)
                                  : reply_callback(t, &ev->ack);
    fprintf(t->out, "    %s: (", prop(t, ev->name));
    put_params(t, &ev->args, last, "ack", &used);
    fputs(") => void;\n", t->out);
}

static void put_events(ts *t, const sioc_namespace *ns, sioc_dir dir,
                       const char *name, const char *what)
{
    size_t n = 0;

    fputc('\n', t->out);
    put_doc(t, 0,
            sioc_arena_printf(t->e->arena, "%s %s.", what,
                              sioc_json_str(t->e->arena, ns->name)));
    for (size_t i = 0; i < ns->nevents; i++)
        n += ns->events[i].dir == dir;
    fprintf(t->out, "export interface %s {", name);
    if (n == 0 && !(dir == SIOC_ON && ns->any)) {
        fputs("}\n", t->out);
        return;
    }
    fputc('\n', t->out);
    for (size_t i = 0; i < ns->nevents; i++)
        if (ns->events[i].dir == dir)
            put_event(t, &ns->events[i]);
    if (dir == SIOC_ON && ns->any) {
        put_doc(t, 4, "Any other event: the namespace has a catch-all.");
        fputs("    [event: string]: (...args: any[]) => void;\n", t->out);
    }
    fputs("}\n", t->out);
}

static void put_namespace(ts *t, const sioc_namespace *ns)
{
    const char *stem = pascal(t->e->arena, ns->ident);
    const char *schema = pascal(t->e->arena, t->e->schema->name);
    sioc_arena *a = t->e->arena;
    const char *s2c =
        claim(t, sioc_arena_printf(a, "%sServerToClientEvents", stem));
    const char *c2s =
        claim(t, sioc_arena_printf(a, "%sClientToServerEvents", stem));
    const char *sock =
        claim(t, sioc_arena_printf(a, "%s%sSocket", schema, stem));
    const char *ns_str = sioc_json_str(a, ns->name);

    const char *doc = doc_at(t, ns->at);

    fprintf(t->out, "\n// ---- namespace %s ----\n", ns_str);
    if (ns->connect && ns->connect->auth.count > 0) {
        const sioc_params *p = &ns->connect->auth;
        const char *auth = claim(t, sioc_arena_printf(a, "%sAuth", stem));
        const char *cdoc = doc_at(t, ns->connect->at);

        fputc('\n', t->out);
        put_doc(t, 0,
                sioc_arena_printf(a,
                                  "The CONNECT auth payload of %s: io(url, "
                                  "{ auth }).%s%s",
                                  ns_str, cdoc ? "\n" : "", cdoc ? cdoc : ""));
        fprintf(t->out, "export interface %s {\n", auth);
        for (size_t j = 0; j < p->count; j++)
            put_field(t, &p->items[j], ns->connect->at);
        fputs("}\n", t->out);
    }
    put_events(t, ns, SIOC_EMIT, s2c, "Events the server emits on namespace");
    put_events(t, ns, SIOC_ON, c2s, "Events a client may emit on namespace");
    fputc('\n', t->out);
    put_doc(t, 0,
            sioc_arena_printf(a,
                              "A client socket of namespace %s: io(url%s%s) "
                              "as %s.%s%s",
                              ns_str, ns->name[1] ? " + " : "",
                              ns->name[1] ? ns_str : "", sock, doc ? "\n" : "",
                              doc ? doc : ""));
    fprintf(t->out, "export type %s = Socket<%s, %s>;\n", sock, s2c, c2s);
}

int sioc_emit_ts(const sioc_emit *e)
{
    const sioc_schema *s = e->schema;
    ts t = {0};
    char *body = NULL;
    size_t body_len = 0;
    FILE *mem;

    t.e = e;
    name_types(&t);
    /* The body first: the helper types come before it only if used. */
    if (!(mem = open_memstream(&body, &body_len)))
        sioc_oom();
    t.out = mem;
    /* Records and enums in schema order, for reading. */
    for (size_t ri = 0, ei = 0; ri < s->nrecords || ei < s->nenums;) {
        if (ei == s->nenums || (ri < s->nrecords && s->records[ri]->at.offset <
                                                        s->enums[ei].at.offset))
            put_record(&t, ri++);
        else
            put_enum(&t, ei++);
    }
    for (size_t i = 0; i < s->nnamespaces; i++)
        put_namespace(&t, &s->namespaces[i]);
    if (fclose(mem) != 0)
        sioc_oom();

    t.out = e->out;
    /* e->header is "NAME.sio.h": this file is NAME.sio.d.ts. */
    fprintf(e->out, "// %.*s.d.ts - generated by sioc from %s: do not edit.\n",
            (int)(strlen(e->header) - 2),
            sioc_comment_text(e->arena, e->header),
            sioc_comment_text(e->arena, s->source));
    fputs("// Types for socket.io-client 4.x: each namespace's events as "
          "the two\n// event maps of Socket<ServerToClientEvents, "
          "ClientToServerEvents>.\n",
          e->out);
    fputs("import type { Socket } from \"socket.io-client\";\n", e->out);
    if (t.uses_bytes)
        fprintf(e->out,
                "\n/**\n * A binary attachment as a client receives it: an "
                "ArrayBuffer in browsers,\n * a Buffer (a Uint8Array) in "
                "Node. Either may be sent.\n */\n"
                "export type %s = ArrayBuffer | Uint8Array;\n",
                t.bytes);
    if (t.uses_ack_error)
        fprintf(e->out,
                "\n/**\n * What an acked event's callback gets instead of "
                "the answer when the server\n * refuses the event (bad "
                "arguments, a failed requirement, an application\n * "
                "error): the only argument.\n */\n"
                "export interface %s {\n    error: string;\n}\n",
                t.ack_error);
    fwrite(body, 1, body_len, e->out);
    free(body);
    return ferror(e->out) ? -1 : 0;
}
