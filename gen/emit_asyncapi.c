/* emit_asyncapi.c - sioc --asyncapi: the schema as an AsyncAPI 3.0
 * document in JSON (docs/clients.md), from the server's side:
 *  - a channel per namespace (address: its name), holding its messages;
 *  - a message per event, its payload the JSON Schema of the argument
 *    array as the decoder checks it (draft-07 tuple: items as a list,
 *    additionalItems false unless variadic, minItems the required count);
 *  - a receive operation per "on" event, connect and catch-all, a send
 *    operation per "emit"; an ack is the operation's reply (with the error
 *    ack as a second message), the client's reply to an emit likewise;
 *  - each distinct set of requirements is a security scheme.
 * Keys are built from C idents, which never contain '.', so "on.x",
 * "on.x.ack" and "emit.x" cannot collide; channels are "root" and
 * "ns.IDENT", operations the channel's key, '.', the message's. */
#include "emit_common.h"
#include "emit_text.h"

#include <stdio.h>
#include <stdint.h>
#include <string.h>

/* ---- a JSON writer: two-space indentation, one member per line ------- */

typedef struct jw {
    FILE *out;
    sioc_arena *arena;
    bool *first; /* per open container: nothing written in it yet */
    size_t depth, cap;
    bool after_key;
} jw;

static void jw_sep(jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    fputs(w->first[w->depth - 1] ? "\n" : ",\n", w->out);
    w->first[w->depth - 1] = false;
    fprintf(w->out, "%*s", (int)(2 * w->depth), "");
}

static void jw_open(jw *w, char c)
{
    jw_sep(w);
    if (w->depth == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        bool *f = sioc_arena_array(w->arena, cap, sizeof *f);

        if (w->depth)
            memcpy(f, w->first, w->depth * sizeof *f);
        w->first = f;
        w->cap = cap;
    }
    w->first[w->depth++] = true;
    fputc(c, w->out);
}

static void jw_close(jw *w, char c)
{
    if (!w->first[--w->depth])
        fprintf(w->out, "\n%*s", (int)(2 * w->depth), "");
    fputc(c, w->out);
}

static void jw_key(jw *w, const char *k)
{
    jw_sep(w);
    fprintf(w->out, "%s: ", sioc_json_str(w->arena, k));
    w->after_key = true;
}

static void jw_str(jw *w, const char *v)
{
    jw_sep(w);
    fputs(sioc_json_str(w->arena, v), w->out);
}

static void jw_raw(jw *w, const char *v)
{
    jw_sep(w);
    fputs(v, w->out);
}

static void jw_kstr(jw *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_str(w, v);
}

static void jw_kraw(jw *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_raw(w, v);
}

/* {"$ref": ref} */
static void jw_ref(jw *w, const char *ref)
{
    jw_open(w, '{');
    jw_kstr(w, "$ref", ref);
    jw_close(w, '}');
}

/* ---- the document ------------------------------------------------------ */

typedef struct aa {
    const sioc_emit *e;
    jw w;
} aa;

static const char *doc_at(const aa *d, sioc_span at)
{
    return sioc_doc(d->e->arena, d->e->src, d->e->src_len, at);
}

static const char *fmt_ns(const aa *d, const sioc_namespace *ns)
{
    /* "root" has no '.', so no operation id of "/" ("root.on.x") can be
     * one of another namespace ("ns.IDENT.on.x"). */
    return ns->name[1] ? sioc_arena_printf(d->e->arena, "ns.%s", ns->ident)
                       : "root";
}

/* "type": t, or [t, "null"]. */
static void put_typename(jw *w, const char *t, bool nullable)
{
    jw_key(w, "type");
    if (!nullable) {
        jw_str(w, t);
        return;
    }
    jw_open(w, '[');
    jw_str(w, t);
    jw_str(w, "null");
    jw_close(w, ']');
}

/* "minimum": lo and "maximum": hi, each if set. */
static void put_bounds(jw *w, const char *lo_key, bool has_lo, int64_t lo,
                       const char *hi_key, bool has_hi, int64_t hi)
{
    if (has_lo)
        jw_kraw(w, lo_key, sioc_arena_printf(w->arena, "%lld", (long long)lo));
    if (has_hi)
        jw_kraw(w, hi_key, sioc_arena_printf(w->arena, "%lld", (long long)hi));
}

/* "default": what the decoder gives an absent value. */
static void put_default(aa *d, const sioc_type *ty, const sioc_default *def)
{
    jw *w = &d->w;

    if (ty->base == SIOC_BOOL)
        jw_kraw(w, "default", def->b ? "true" : "false");
    else if (ty->base == SIOC_INT)
        jw_kraw(w, "default",
                sioc_arena_printf(d->e->arena, "%lld", (long long)def->i));
    else if (ty->base == SIOC_FLOAT)
        jw_kraw(w, "default", sioc_double_text(d->e->arena, def->f));
    else if (ty->base == SIOC_ENUM)
        jw_kstr(w, "default", ty->enumeration->values[def->e].value);
    else
        jw_kstr(w, "default", def->s);
}

/* The schema of a value of type ty from its dims' level on; title and
 * doc (may be NULL) describe it; null is allowed if nullable. */
static void put_value(aa *d, const sioc_type *ty, unsigned level,
                      const char *title, const char *doc, bool nullable,
                      const sioc_default *def)
{
    jw *w = &d->w;
    const char *ref = NULL;

    if (level == ty->dims && ty->base == SIOC_RECORD)
        ref = ty->record->name;
    else if (level == ty->dims && ty->base == SIOC_ENUM)
        ref = ty->enumeration->name;
    if (ref)
        ref = sioc_arena_printf(d->e->arena, "#/components/schemas/%s", ref);
    jw_open(w, '{');
    if (title)
        jw_kstr(w, "title", title);
    if (doc)
        jw_kstr(w, "description", doc);
    if (ref && !title && !doc && !nullable && !def) {
        jw_kstr(w, "$ref", ref);
    } else if (ref) {
        /* Draft 7 ignores the siblings of "$ref": wrap it. */
        jw_key(w, nullable ? "oneOf" : "allOf");
        jw_open(w, '[');
        jw_ref(w, ref);
        if (nullable) {
            jw_open(w, '{');
            jw_kstr(w, "type", "null");
            jw_close(w, '}');
        }
        jw_close(w, ']');
    } else if (level < ty->dims) {
        put_typename(w, "array", nullable);
        if (level == 0)
            put_bounds(w, "minItems", ty->limits.has_len_min,
                       ty->limits.len_min, "maxItems", ty->limits.has_len_max,
                       ty->limits.len_max);
        jw_key(w, "items");
        put_value(d, ty, level + 1, NULL, NULL, false, NULL);
    } else {
        switch (ty->base) {
        case SIOC_BOOL:
            put_typename(w, "boolean", nullable);
            break;
        case SIOC_INT:
            put_typename(w, "integer", nullable);
            jw_kstr(w, "format", "int64");
            put_bounds(w, "minimum", true,
                       ty->limits.has_min ? ty->limits.min : INT64_MIN,
                       "maximum", true,
                       ty->limits.has_max ? ty->limits.max : INT64_MAX);
            break;
        case SIOC_FLOAT:
            put_typename(w, "number", nullable);
            jw_kstr(w, "format", "double");
            break;
        case SIOC_STRING:
            put_typename(w, "string", nullable);
            /* JSON Schema counts code points too. */
            put_bounds(w, "minLength", ty->limits.has_min, ty->limits.min,
                       "maxLength", ty->limits.has_max, ty->limits.max);
            break;
        case SIOC_BYTES:
            /* On the wire a placeholder that Socket.IO replaces with the
             * binary attachment it counts. */
            put_typename(w, "string", nullable);
            jw_kstr(w, "format", "binary");
            jw_kstr(w, "contentMediaType", "application/octet-stream");
            if (!doc)
                jw_kstr(w, "description", "a binary attachment");
            if (ty->limits.has_min || ty->limits.has_max)
                jw_kstr(
                    w, "x-sioc-length",
                    sioc_arena_printf(
                        d->e->arena, "%lld..%lld bytes",
                        (long long)(ty->limits.has_min ? ty->limits.min : 0),
                        (long long)(ty->limits.has_max ? ty->limits.max
                                                       : INT64_MAX)));
            break;
        case SIOC_MAP:
            put_typename(w, "object", nullable);
            put_bounds(w, "minProperties", ty->limits.has_min, ty->limits.min,
                       "maxProperties", ty->limits.has_max, ty->limits.max);
            jw_key(w, "additionalProperties");
            put_value(d, ty->value, 0, NULL, NULL, false, NULL);
            break;
        case SIOC_JSON: /* any value, null included */
        case SIOC_RECORD:
        case SIOC_ENUM:
            break;
        }
    }
    if (def)
        put_default(d, ty, def);
    jw_close(w, '}');
}

/* Whether clients may leave f out (or send null). */
static bool wire_optional(const sioc_field *f)
{
    return f->type.optional || f->def;
}

/* A field's or parameter's schema. */
static void put_type(aa *d, const sioc_field *f, const char *title,
                     const char *doc)
{
    put_value(d, &f->type, 0, title, doc, wire_optional(f), f->def);
}

/* The argument array of p, as the decoder checks it. */
static void put_params(aa *d, const sioc_params *p)
{
    jw *w = &d->w;
    size_t req = p->count;

    while (req > 0 && wire_optional(&p->items[req - 1]))
        req--;
    jw_open(w, '{');
    jw_kstr(w, "type", "array");
    if (p->count > 0) {
        jw_key(w, "items");
        jw_open(w, '[');
        for (size_t i = 0; i < p->count; i++)
            /* Parameters share their event's line, and its comment. */
            put_type(d, &p->items[i], p->items[i].wire, NULL);
        jw_close(w, ']');
    }
    jw_kraw(w, "minItems", sioc_arena_printf(d->e->arena, "%zu", req));
    if (!p->variadic && p->count > 0)
        jw_kraw(w, "additionalItems", "false");
    else if (!p->variadic)
        jw_kraw(w, "maxItems", "0");
    jw_close(w, '}');
}

/* "properties" and "required" of an object with these fields; a field
 * of record r documented on a line of its own gets its comment. */
static void put_properties(aa *d, const sioc_field *fields, size_t n,
                           const sioc_record *r)
{
    jw *w = &d->w;
    size_t nreq = 0;

    jw_key(w, "properties");
    jw_open(w, '{');
    for (size_t i = 0; i < n; i++) {
        const sioc_field *f = &fields[i];

        jw_key(w, f->wire);
        put_type(d, f, NULL,
                 f->doc                          ? f->doc
                 : r && f->at.line != r->at.line ? doc_at(d, f->at)
                                                 : NULL);
        nreq += !wire_optional(f);
    }
    jw_close(w, '}');
    if (!nreq)
        return;
    jw_key(w, "required");
    jw_open(w, '[');
    for (size_t i = 0; i < n; i++)
        if (!wire_optional(&fields[i]))
            jw_str(w, fields[i].wire);
    jw_close(w, ']');
}

/* A union: one of its variants, each its record with the tag's value,
 * told apart by the tag ("discriminator"). */
static void put_union(aa *d, const sioc_record *r)
{
    jw *w = &d->w;

    jw_key(w, "discriminator");
    jw_str(w, r->tag);
    jw_key(w, "oneOf");
    jw_open(w, '[');
    for (size_t i = 0; i < r->nfields; i++) {
        const sioc_field *f = &r->fields[i];

        jw_open(w, '{');
        jw_key(w, "allOf");
        jw_open(w, '[');
        jw_ref(w, sioc_arena_printf(d->e->arena, "#/components/schemas/%s",
                                    f->type.record->name));
        jw_open(w, '{');
        jw_kstr(w, "type", "object");
        jw_key(w, "properties");
        jw_open(w, '{');
        jw_key(w, r->tag);
        jw_open(w, '{');
        jw_kstr(w, "const", f->wire);
        jw_close(w, '}');
        jw_close(w, '}');
        jw_key(w, "required");
        jw_open(w, '[');
        jw_str(w, r->tag);
        jw_close(w, ']');
        jw_close(w, '}');
        jw_close(w, ']');
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void put_record(aa *d, const sioc_record *r)
{
    jw *w = &d->w;
    const char *doc = r->imported ? r->doc : doc_at(d, r->at);

    if (r->socket_data) /* the server's own */
        return;
    jw_key(w, r->name);
    jw_open(w, '{');
    if (r->tag) {
        jw_kstr(w, "type", "object");
        if (doc)
            jw_kstr(w, "description", doc);
        put_union(d, r);
        jw_close(w, '}');
        return;
    }
    jw_kstr(w, "type", "object");
    if (doc)
        jw_kstr(w, "description", doc);
    put_properties(d, r->fields, r->nfields, r);
    jw_close(w, '}');
}

static void put_enum(aa *d, const sioc_enum *en)
{
    jw *w = &d->w;
    const char *doc = en->imported ? en->doc : doc_at(d, en->at);

    jw_key(w, en->name);
    jw_open(w, '{');
    jw_kstr(w, "type", "string");
    if (doc)
        jw_kstr(w, "description", doc);
    jw_key(w, "enum");
    jw_open(w, '[');
    for (size_t i = 0; i < en->nvalues; i++)
        jw_str(w, en->values[i].value);
    jw_close(w, ']');
    jw_close(w, '}');
}

/* ---- requirements as security schemes -------------------------------- */

/* "auth.admin": the key of a set of requirements, or NULL for none. */
static const char *req_key(const aa *d, const sioc_requires *r)
{
    const char *s;

    if (!r->auth && r->nguards == 0)
        return NULL;
    s = r->auth ? "auth" : "";
    for (size_t i = 0; i < r->nguards; i++)
        s = sioc_arena_printf(d->e->arena, "%s%s%s", s, *s ? "." : "",
                              r->guards[i]->name);
    return s;
}

static const char *req_text(const aa *d, const sioc_requires *r)
{
    const char *s = r->auth ? "a logged-in user" : "";

    for (size_t i = 0; i < r->nguards; i++)
        s = sioc_arena_printf(d->e->arena, "%s%sguard %s", s, *s ? " and " : "",
                              r->guards[i]->name);
    return s;
}

typedef struct req_set {
    const char **keys;
    const sioc_requires **reqs;
    size_t n, cap;
} req_set;

static void req_add(aa *d, req_set *set, const sioc_requires *r)
{
    const char *key = req_key(d, r);

    if (!key)
        return;
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->keys[i], key) == 0)
            return;
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 8;
        const char **k = sioc_arena_array(d->e->arena, cap, sizeof *k);
        const sioc_requires **v = sioc_arena_array(d->e->arena, cap, sizeof *v);

        if (set->n) {
            memcpy(k, set->keys, set->n * sizeof *k);
            memcpy(v, set->reqs, set->n * sizeof *v);
        }
        set->keys = k;
        set->reqs = v;
        set->cap = cap;
    }
    set->keys[set->n] = key;
    set->reqs[set->n++] = r;
}

/* What a connect requires: its own (the namespace's and its own), or the
 * namespace's when it declares none. */
static const sioc_requires *connect_req(const sioc_namespace *ns)
{
    return ns->connect ? &ns->connect->req : &ns->req;
}

static void put_security_schemes(aa *d)
{
    const sioc_schema *s = d->e->schema;
    req_set set = {0};
    jw *w = &d->w;

    for (size_t i = 0; i < s->nnamespaces; i++) {
        const sioc_namespace *ns = &s->namespaces[i];

        req_add(d, &set, connect_req(ns));
        for (size_t j = 0; j < ns->nevents; j++)
            if (ns->events[j].dir == SIOC_ON)
                req_add(d, &set, &ns->events[j].req);
        if (ns->any)
            req_add(d, &set, &ns->any->req);
    }
    if (!set.n)
        return;
    jw_key(w, "securitySchemes");
    jw_open(w, '{');
    for (size_t i = 0; i < set.n; i++) {
        jw_key(w, set.keys[i]);
        jw_open(w, '{');
        /* AsyncAPI has no scheme for "the server checks this about the
         * connection"; the type is nominal, the description says it. */
        jw_kstr(w, "type", "apiKey");
        jw_kstr(w, "in", "user");
        jw_kstr(w, "description",
                sioc_arena_printf(d->e->arena,
                                  "Checked by the server before the handler "
                                  "runs: %s.",
                                  req_text(d, set.reqs[i])));
        jw_close(w, '}');
    }
    jw_close(w, '}');
}

/* ---- channels and operations ------------------------------------------- */

static const char *msg_key(const aa *d, const sioc_event *ev, const char *sfx)
{
    return sioc_arena_printf(d->e->arena, "%s.%s%s",
                             ev->dir == SIOC_ON ? "on" : "emit", ev->ident,
                             sfx);
}

static bool has_acked_on(const sioc_namespace *ns)
{
    for (size_t i = 0; i < ns->nevents; i++)
        if (ns->events[i].dir == SIOC_ON && ns->events[i].acked)
            return true;
    return ns->any != NULL;
}

static void put_message(aa *d, const char *key, const char *name,
                        const char *summary, const char *doc,
                        const sioc_params *p)
{
    jw *w = &d->w;

    jw_key(w, key);
    jw_open(w, '{');
    jw_kstr(w, "name", name);
    jw_kstr(w, "summary", summary);
    if (doc)
        jw_kstr(w, "description", doc);
    jw_key(w, "payload");
    put_params(d, p);
    jw_close(w, '}');
}

static void put_channel(aa *d, const sioc_namespace *ns)
{
    sioc_arena *a = d->e->arena;
    jw *w = &d->w;
    const char *doc = doc_at(d, ns->at);
    const char *nsq = sioc_json_str(a, ns->name);

    jw_key(w, fmt_ns(d, ns));
    jw_open(w, '{');
    jw_kstr(w, "address", ns->name);
    jw_kstr(w, "title", sioc_arena_printf(a, "namespace %s", nsq));
    if (doc)
        jw_kstr(w, "description", doc);
    jw_key(w, "messages");
    jw_open(w, '{');

    /* The CONNECT packet's auth object. */
    jw_key(w, "connect");
    jw_open(w, '{');
    jw_kstr(w, "name", "connect");
    jw_kstr(w, "summary",
            "The CONNECT packet's auth payload; refused with CONNECT_ERROR");
    if (ns->connect && doc_at(d, ns->connect->at))
        jw_kstr(w, "description", doc_at(d, ns->connect->at));
    jw_key(w, "payload");
    jw_open(w, '{');
    if (ns->connect && ns->connect->auth.count > 0) {
        const sioc_params *p = &ns->connect->auth;

        jw_kstr(w, "type", "object");
        put_properties(d, p->items, p->count, NULL);
    } else {
        jw_kstr(w, "description", "not read");
    }
    jw_close(w, '}');
    jw_close(w, '}');

    for (size_t i = 0; i < ns->nevents; i++) {
        const sioc_event *ev = &ns->events[i];
        bool on = ev->dir == SIOC_ON;
        const char *evq = sioc_json_str(a, ev->name);

        put_message(
            d, msg_key(d, ev, ""), ev->name,
            sioc_arena_printf(
                a, on ? "A client emits %s" : "The server emits %s", evq),
            doc_at(d, ev->at), &ev->args);
        if (ev->acked)
            put_message(d, msg_key(d, ev, on ? ".ack" : ".reply"), ev->name,
                        sioc_arena_printf(a,
                                          on ? "The server's ack to %s"
                                             : "The client's ack to %s",
                                          evq),
                        NULL, &ev->ack);
    }
    if (ns->any) {
        static const sioc_params any = {NULL, 0, true};

        put_message(d, "any", "*",
                    "Any event the namespace does not declare: its "
                    "arguments",
                    NULL, &any);
    }
    if (has_acked_on(ns)) {
        jw_key(w, "error");
        jw_open(w, '{');
        jw_kstr(w, "name", "error");
        jw_kstr(w, "summary",
                "The server's ack to a refused event (bad arguments, a "
                "failed requirement, an application error)");
        jw_key(w, "payload");
        jw_open(w, '{');
        jw_kstr(w, "type", "array");
        jw_key(w, "items");
        jw_open(w, '[');
        jw_open(w, '{');
        jw_kstr(w, "type", "object");
        jw_key(w, "properties");
        jw_open(w, '{');
        jw_key(w, "error");
        jw_open(w, '{');
        jw_kstr(w, "type", "string");
        jw_close(w, '}');
        jw_close(w, '}');
        jw_key(w, "required");
        jw_open(w, '[');
        jw_str(w, "error");
        jw_close(w, ']');
        jw_close(w, '}');
        jw_close(w, ']');
        jw_kraw(w, "minItems", "1");
        jw_kraw(w, "additionalItems", "false");
        jw_close(w, '}');
        jw_close(w, '}');
    }
    jw_close(w, '}');
    jw_close(w, '}');
}

static void put_msg_refs(aa *d, const char *ch, const char *k1, const char *k2)
{
    jw *w = &d->w;

    jw_key(w, "messages");
    jw_open(w, '[');
    jw_ref(w,
           sioc_arena_printf(d->e->arena, "#/channels/%s/messages/%s", ch, k1));
    if (k2)
        jw_ref(w, sioc_arena_printf(d->e->arena, "#/channels/%s/messages/%s",
                                    ch, k2));
    jw_close(w, ']');
}

/* An operation on channel ch: action, its message, a reply (k_reply, and
 * k_error if not NULL), its requirements. */
static void put_operation(aa *d, const char *ch, const char *key,
                          const char *action, const char *summary,
                          const char *k_msg, const char *k_reply,
                          const char *k_error, const sioc_requires *req,
                          const char *policy)
{
    jw *w = &d->w;
    const char *sec = req ? req_key(d, req) : NULL;

    jw_key(w, sioc_arena_printf(d->e->arena, "%s.%s", ch, key));
    jw_open(w, '{');
    jw_kstr(w, "action", action);
    jw_key(w, "channel");
    jw_ref(w, sioc_arena_printf(d->e->arena, "#/channels/%s", ch));
    jw_kstr(w, "summary", summary);
    if (sec && policy)
        jw_kstr(w, "description", policy);
    put_msg_refs(d, ch, k_msg, NULL);
    if (k_reply) {
        jw_key(w, "reply");
        jw_open(w, '{');
        jw_key(w, "channel");
        jw_ref(w, sioc_arena_printf(d->e->arena, "#/channels/%s", ch));
        put_msg_refs(d, ch, k_reply, k_error);
        jw_close(w, '}');
    }
    if (sec) {
        jw_key(w, "security");
        jw_open(w, '[');
        jw_ref(w, sioc_arena_printf(d->e->arena,
                                    "#/components/securitySchemes/%s", sec));
        jw_close(w, ']');
    }
    jw_close(w, '}');
}

static const char *policy_text(const sioc_requires *r, bool acked)
{
    return r->policy == SIOC_POLICY_ACK && acked
               ? "A failed requirement is answered with an error ack."
               : "A failed requirement disconnects the socket from the "
                 "namespace.";
}

static void put_operations(aa *d, const sioc_namespace *ns)
{
    sioc_arena *a = d->e->arena;
    const char *ch = fmt_ns(d, ns);
    const char *nsq = sioc_json_str(a, ns->name);

    put_operation(
        d, ch, "connect", "receive",
        sioc_arena_printf(a, "A client connects to namespace %s", nsq),
        "connect", NULL, NULL, connect_req(ns),
        "A failed requirement refuses the connection "
        "(CONNECT_ERROR).");
    for (size_t i = 0; i < ns->nevents; i++) {
        const sioc_event *ev = &ns->events[i];
        bool on = ev->dir == SIOC_ON;

        put_operation(d, ch, msg_key(d, ev, ""), on ? "receive" : "send",
                      sioc_arena_printf(
                          a, on ? "A client emits %s" : "The server emits %s",
                          sioc_json_str(a, ev->name)),
                      msg_key(d, ev, ""),
                      ev->acked ? msg_key(d, ev, on ? ".ack" : ".reply") : NULL,
                      ev->acked && on ? "error" : NULL, on ? &ev->req : NULL,
                      on ? policy_text(&ev->req, ev->acked) : NULL);
    }
    if (ns->any)
        put_operation(d, ch, "any", "receive",
                      "A client emits an event the namespace does not declare",
                      "any", NULL, NULL, &ns->any->req,
                      policy_text(&ns->any->req, true));
}

int sioc_emit_asyncapi(const sioc_emit *e)
{
    const sioc_schema *s = e->schema;
    aa d = {0};
    jw *w = &d.w;

    d.e = e;
    w->out = e->out;
    w->arena = e->arena;
    jw_open(w, '{');
    jw_kstr(w, "asyncapi", "3.0.0");
    jw_key(w, "info");
    jw_open(w, '{');
    jw_kstr(w, "title", s->name);
    jw_kstr(w, "version", "1.0.0");
    jw_kstr(w, "description",
            sioc_arena_printf(
                e->arena,
                "Generated by sioc from %s: do not edit. A Socket.IO v5 API "
                "(Engine.IO v4, path /socket.io/): each channel is a "
                "namespace, each message an event whose payload is the "
                "array of its arguments; an acked event's reply is its ack.",
                s->source));
    jw_close(w, '}');
    jw_kstr(w, "defaultContentType", "application/json");

    jw_key(w, "channels");
    jw_open(w, '{');
    for (size_t i = 0; i < s->nnamespaces; i++)
        put_channel(&d, &s->namespaces[i]);
    jw_close(w, '}');

    jw_key(w, "operations");
    jw_open(w, '{');
    for (size_t i = 0; i < s->nnamespaces; i++)
        put_operations(&d, &s->namespaces[i]);
    jw_close(w, '}');

    jw_key(w, "components");
    jw_open(w, '{');
    if (s->nrecords || s->nenums) {
        jw_key(w, "schemas");
        jw_open(w, '{');
        /* Schema order, for reading. */
        for (size_t ri = 0, ei = 0; ri < s->nrecords || ei < s->nenums;) {
            if (ei == s->nenums ||
                (ri < s->nrecords &&
                 s->records[ri]->at.offset < s->enums[ei].at.offset))
                put_record(&d, s->records[ri++]);
            else
                put_enum(&d, &s->enums[ei++]);
        }
        jw_close(w, '}');
    }
    put_security_schemes(&d);
    jw_close(w, '}');
    jw_close(w, '}');
    fputc('\n', e->out);
    return ferror(e->out) ? -1 : 0;
}
