/* emit_c.c - the generated C file (docs/generated.md, "The C file"):
 * static const descriptor tables that libsio's one walker reads, and
 * thin typed shims: per event a call of the handler, per ack or emit one
 * runtime call. Everything is static but what the header declares. */
#include "emit_common.h"

#include <stdint.h>

#include <string.h>

static const char *const kind_names[] = {
    [SIOC_BOOL] = "SIO_K_BOOL",     [SIOC_INT] = "SIO_K_INT",
    [SIOC_FLOAT] = "SIO_K_FLOAT",   [SIOC_STRING] = "SIO_K_STRING",
    [SIOC_BYTES] = "SIO_K_BYTES",   [SIOC_JSON] = "SIO_K_JSON",
    [SIOC_RECORD] = "SIO_K_RECORD", [SIOC_ENUM] = "SIO_K_ENUM",
    [SIOC_MAP] = "SIO_K_MAP",
};

static void add(const sioc_emit *e, sioc_list *l, const char *item)
{
    sioc_list_add(e->arena, l, item, NULL);
}

static const char *fmt1(const sioc_emit *e, const char *fmt, const char *a)
{
    return sioc_arena_printf(e->arena, fmt, a);
}

static const char *fmt2(const sioc_emit *e, const char *fmt, const char *a,
                        const char *b)
{
    return sioc_arena_printf(e->arena, fmt, a, b);
}

static bool required(const sioc_requires *r)
{
    return r->auth || r->nguards;
}

/* ---- tables ------------------------------------------------------------ */

/* One sio_field of a struct type ("struct x" or a record). */
/* v as a C constant: INT64_MIN has no literal of its own. */
static const char *c_int64(const sioc_emit *e, int64_t v)
{
    if (v == INT64_MIN)
        return "(-9223372036854775807 - 1)";
    return sioc_arena_printf(e->arena, "%lld", (long long)v);
}

/* The field's sio_limits as a compound literal (static storage at file
 * scope), or NULL. */
static const char *limits_of(const sioc_emit *e, const sioc_limits *l)
{
    const char *bits[4];
    size_t n = 0;
    char *has;

    if (l->has_min)
        bits[n++] = "SIO_L_MIN";
    if (l->has_max)
        bits[n++] = "SIO_L_MAX";
    if (l->has_len_min)
        bits[n++] = "SIO_L_LEN_MIN";
    if (l->has_len_max)
        bits[n++] = "SIO_L_LEN_MAX";
    if (!n)
        return "NULL";
    has = sioc_arena_printf(e->arena, "%s", bits[0]);
    for (size_t i = 1; i < n; i++)
        has = sioc_arena_printf(e->arena, "%s | %s", has, bits[i]);
    return sioc_arena_printf(e->arena,
                             "&(const sio_limits){%s, %s, %s, %s, %s}", has,
                             c_int64(e, l->min), c_int64(e, l->max),
                             c_int64(e, l->len_min), c_int64(e, l->len_max));
}

/* A default as a compound literal of the field's C type, or NULL. */
static const char *default_of(const sioc_emit *e, const sioc_field *f)
{
    const sioc_default *d = f->def;

    if (!d)
        return "NULL";
    switch (f->type.base) {
    case SIOC_BOOL:
        return d->b ? "&(const bool){true}" : "&(const bool){false}";
    case SIOC_INT:
        return fmt1(e, "&(const int64_t){%s}", c_int64(e, d->i));
    case SIOC_FLOAT:
        return fmt1(e, "&(const double){%s}", sioc_double_text(e->arena, d->f));
    case SIOC_ENUM:
        return fmt1(e, "&(const int){%s}",
                    f->type.enumeration->values[d->e].c_name);
    default:
        return fmt1(e, "&(const char *const){%s}", sioc_cstr(e->arena, d->s));
    }
}

static const char *value_desc(const sioc_emit *e, const sioc_type *t);

/* The members of a sio_field after its name, flags, offsets: the type's
 * descriptors, limits, default and a map's value type. */
static void add_type_desc(const sioc_emit *e, sioc_list *l, const sioc_type *t,
                          const sioc_field *f)
{
    add(e, l,
        t->record ? fmt2(e, "&%s%s", t->record->c_intern, SIOC_SFX_DESC)
                  : "NULL");
    add(e, l,
        t->enumeration
            ? fmt2(e, "&%s%s", t->enumeration->c_intern, SIOC_SFX_DESC)
            : "NULL");
    add(e, l, limits_of(e, &t->limits));
    add(e, l, f ? default_of(e, f) : "NULL");
    add(e, l, t->base == SIOC_MAP ? value_desc(e, t->value) : "NULL");
}

/* A map's value type as a sio_field compound literal (static storage
 * at file scope): no name, offsets 0. */
static const char *value_desc(const sioc_emit *e, const sioc_type *t)
{
    sioc_list l = {0};
    const char *s = "&(const sio_field){NULL";

    add(e, &l, kind_names[t->base]);
    add(e, &l, sioc_arena_printf(e->arena, "%u", t->dims));
    add(e, &l, "0");
    add(e, &l, "0");
    add(e, &l, "0");
    add_type_desc(e, &l, t, NULL);
    for (size_t i = 0; i < l.n; i++)
        s = sioc_arena_printf(e->arena, "%s, %s", s, l.items[i]);
    return sioc_arena_printf(e->arena, "%s}", s);
}

static void put_field(const sioc_emit *e, const char *type, const sioc_field *f)
{
    const sioc_type *t = &f->type;
    sioc_list l = {0};
    const char *aux = "0";

    if (t->dims)
        aux = fmt2(e, "offsetof(%s, %s)", type, f->c_count);
    else if (sioc_field_has_flag(f))
        aux = fmt2(e, "offsetof(%s, %s)", type, f->c_has);
    add(e, &l, sioc_cstr(e->arena, f->wire));
    add(e, &l, kind_names[t->base]);
    add(e, &l, sioc_arena_printf(e->arena, "%u", t->dims));
    add(e, &l, t->optional ? "SIO_F_OPTIONAL" : f->def ? "SIO_F_DEFAULT" : "0");
    add(e, &l, fmt2(e, "offsetof(%s, %s)", type, f->name));
    add(e, &l, aux);
    add_type_desc(e, &l, t, f);
    sioc_put_list(e->out, 4, "{", &l, "},\n");
}

static void put_field_table(const sioc_emit *e, const char *name,
                            const char *type, const sioc_params *p)
{
    fprintf(e->out, "static const sio_field %s[] = {\n", name);
    for (size_t i = 0; i < p->count; i++)
        put_field(e, type, &p->items[i]);
    fputs("};\n", e->out);
}

static void put_struct(const sioc_emit *e, const char *tag,
                       const sioc_params *p)
{
    sioc_list members = {0};

    sioc_add_members(e, p, &members);
    fprintf(e->out, "struct %s {\n", tag);
    for (size_t i = 0; i < members.n; i++)
        fprintf(e->out, "    %s;\n", members.items[i]);
    fputs("};\n", e->out);
}

/* A parameter list: struct name, its fields and the sio_params name.
 * An empty list has no struct (C has no empty ones): false then, and
 * the runtime gets NULL for its values. */
static bool put_params(const sioc_emit *e, const char *name, const char *fields,
                       const sioc_params *p)
{
    const char *type = fmt1(e, "struct %s", name);
    sioc_list l = {0};

    if (!p->count && !p->variadic) {
        fprintf(e->out,
                "static const sio_params %s = {0, 0, NULL, false, 0};\n", name);
        return false;
    }
    put_struct(e, name, p);
    if (p->count)
        put_field_table(e, fields, type, p);
    add(e, &l, fmt1(e, "sizeof(%s)", type));
    add(e, &l, sioc_arena_printf(e->arena, "%zu", p->count));
    add(e, &l, p->count ? fields : "NULL");
    add(e, &l, p->variadic ? "true" : "false");
    add(e, &l, p->variadic ? fmt1(e, "offsetof(%s, rest)", type) : "0");
    sioc_put_list(e->out, 0, fmt1(e, "static const sio_params %s = {", name),
                  &l, "};\n");
    return true;
}

static void put_requires(const sioc_emit *e, const char *name,
                         const char *guards, const char *names,
                         const sioc_requires *r)
{
    sioc_list fns = {0}, strs = {0}, l = {0};

    for (size_t i = 0; i < r->nguards; i++) {
        add(e, &fns, r->guards[i]->c_name);
        add(e, &strs, sioc_cstr(e->arena, r->guards[i]->name));
    }
    if (r->nguards) {
        sioc_put_list(e->out, 0,
                      fmt1(e, "static const sio_guard_fn %s[] = {", guards),
                      &fns, "};\n");
        sioc_put_list(e->out, 0,
                      fmt1(e, "static const char *const %s[] = {", names),
                      &strs, "};\n");
    }
    add(e, &l, r->auth ? "true" : "false");
    add(e, &l, sioc_arena_printf(e->arena, "%zu", r->nguards));
    add(e, &l, r->nguards ? guards : "NULL");
    add(e, &l, r->nguards ? names : "NULL");
    add(e, &l,
        r->policy == SIOC_POLICY_ACK ? "SIO_FAIL_ACK" : "SIO_FAIL_DISCONNECT");
    sioc_put_list(e->out, 0, fmt1(e, "static const sio_requires %s = {", name),
                  &l, "};\n");
}

/* ---- records and enums -------------------------------------------------- */

/* The public functions of every enum: its names table, name and parse. */
static void put_enum_helpers(const sioc_emit *e, const sioc_enum *en)
{
    sioc_list strs = {0};

    for (size_t i = 0; i < en->nvalues; i++)
        add(e, &strs, sioc_cstr(e->arena, en->values[i].value));
    sioc_put_list(
        e->out, 0,
        fmt2(e, "const char *const %s[%s] = {", en->c_names, en->c_count),
        &strs, "};\n\n");
    fprintf(e->out,
            "const char *%s(%s v)\n{\n"
            "    return (unsigned)v < %s ? %s[v] : NULL;\n}\n\n",
            en->c_name_fn, en->c_name, en->c_count, en->c_names);
    /* No <string.h>: the generated code includes only sio.h. */
    fprintf(e->out,
            "bool %s(const char *s, %s *out)\n{\n"
            "    for (int i = 0; s && i < %s; i++) {\n"
            "        const char *a = s, *b = %s[i];\n\n"
            "        while (*a && *a == *b) {\n"
            "            a++;\n"
            "            b++;\n"
            "        }\n"
            "        if (*a == *b) {\n"
            "            *out = (%s)i;\n"
            "            return true;\n"
            "        }\n"
            "    }\n"
            "    return false;\n}\n\n",
            en->c_parse, en->c_name, en->c_count, en->c_names, en->c_name);
}

static void put_enum(const sioc_emit *e, const sioc_enum *en)
{
    sioc_list l = {0};

    add(e, &l, sioc_cstr(e->arena, en->name));
    add(e, &l, en->c_count);
    add(e, &l, en->c_names);
    sioc_put_list(e->out, 0,
                  fmt2(e, "static const sio_enum_desc %s%s = {", en->c_intern,
                       SIOC_SFX_DESC),
                  &l, "};\n");
}

/* The walker stores an enum as an int. */
static void put_enum_size(const sioc_emit *e, const sioc_enum *en)
{
    sioc_list l = {0};

    add(e, &l, fmt1(e, "sizeof(%s) == sizeof(int)", en->c_name));
    add(e, &l, sioc_cstr(e->arena, fmt1(e, "%s must be an int", en->c_name)));
    sioc_put_list(e->out, 0, "_Static_assert(", &l, ");\n");
}

static void put_record(const sioc_emit *e, const sioc_record *r)
{
    const char *fields = sioc_iname(e, r->c_intern, SIOC_SFX_FIELDS);
    sioc_params p = {r->fields, r->nfields, false};
    sioc_list l = {0};

    put_field_table(e, fields, r->c_name, &p);
    add(e, &l, sioc_cstr(e->arena, r->name));
    add(e, &l, fmt1(e, "sizeof(%s)", r->c_name));
    add(e, &l, sioc_arena_printf(e->arena, "%zu", r->nfields));
    add(e, &l, fields);
    add(e, &l, r->tag ? sioc_cstr(e->arena, r->tag) : "NULL");
    add(e, &l, r->tag ? fmt1(e, "offsetof(%s, tag)", r->c_name) : "0");
    sioc_put_list(e->out, 0,
                  fmt2(e, "static const sio_record_desc %s%s = {", r->c_intern,
                       SIOC_SFX_DESC),
                  &l, "};\n");
    if (r->tag) /* the walker stores the tag as an int */
        fprintf(e->out,
                "_Static_assert(sizeof(%s) == sizeof(int), \"%s must be an "
                "int\");\n",
                r->c_tag, r->c_tag);
}

/* Tables only for the types parameters use (others would be unused
 * statics); records may point to each other, so every descriptor is
 * declared first. */
static void put_types(const sioc_emit *e)
{
    const sioc_schema *s = e->schema;

    if (!sioc_put_types_banner(e))
        return;
    for (size_t i = 0; i < s->nrecords; i++)
        if (s->records[i]->used)
            fprintf(e->out, "static const sio_record_desc %s%s;\n",
                    s->records[i]->c_intern, SIOC_SFX_DESC);
    for (size_t i = 0; i < s->nenums; i++) {
        if (!s->enums[i].imported)
            put_enum_helpers(e, &s->enums[i]);
        if (s->enums[i].used)
            put_enum(e, &s->enums[i]);
        if (!s->enums[i].imported)
            put_enum_size(e, &s->enums[i]);
    }
    for (size_t i = 0; i < s->nrecords; i++)
        if (s->records[i]->used)
            put_record(e, s->records[i]);
}

/* ---- events ------------------------------------------------------------- */

static void put_invoke(const sioc_emit *e, const sioc_event *ev, bool args)
{
    sioc_list params = {0}, call = {0};

    add(e, &params, "sio_ctx *ctx");
    add(e, &params, "const void *args");
    add(e, &params, "sio_ack_ref ack");
    fputc('\n', e->out);
    sioc_put_list(e->out, 0,
                  fmt2(e, "static void %s%s(", ev->c_intern, SIOC_SFX_INVOKE),
                  &params, ")\n{\n");
    if (args)
        fprintf(e->out, "    const struct %s%s *a = args;\n\n", ev->c_intern,
                SIOC_SFX_ARGS);
    else
        fputs("    (void)args;\n", e->out);
    if (!ev->acked)
        fputs("    (void)ack;\n", e->out);
    add(e, &call, "ctx");
    sioc_add_spread(e, &ev->args, "a->", &call);
    if (ev->acked)
        add(e, &call, fmt1(e, "(%s){ack}", ev->c_ack));
    sioc_put_list(e->out, 4, fmt1(e, "%s(", ev->c_func), &call, ");\n}\n");
}

/* &(struct x){values}, or NULL for an empty list. */
static void add_values(const sioc_emit *e, sioc_list *l, const char *tag,
                       bool has_struct, const sioc_params *p)
{
    sioc_list values = {0};
    const char *cond = "";

    if (!has_struct) {
        add(e, l, "NULL");
        return;
    }
    /* A required record is copied into the struct: a NULL one is passed
     * on as no struct at all, which the runtime refuses (SIO_EINVAL). */
    for (size_t i = 0; i < p->count; i++) {
        const sioc_type *t = &p->items[i].type;

        if ((t->base == SIOC_RECORD || t->base == SIOC_MAP) && !t->dims &&
            !t->optional)
            cond = sioc_arena_printf(e->arena, "%s%s%s", cond,
                                     cond[0] ? " && " : "", p->items[i].name);
    }
    sioc_add_values(e, p, &values);
    sioc_list_add_nest(e->arena, l,
                       cond[0] ? fmt2(e, "%s ? &(struct %s){", cond, tag)
                               : fmt1(e, "&(struct %s){", tag),
                       &values, cond[0] ? "} : NULL" : "}");
}

static void put_ack_fns(const sioc_emit *e, const sioc_event *ev, bool ack)
{
    const char *tag = sioc_iname(e, ev->c_intern, SIOC_SFX_ACK);
    sioc_list call = {0}, err = {0};
    sioc_sig sig;

    sioc_sig_ack_send(e, ev, &sig);
    fputc('\n', e->out);
    sioc_put_sig(e, &sig, "\n{\n");
    add(e, &call, "ack.ref");
    add(e, &call, sioc_cstr(e->arena, ev->name));
    add(e, &call, fmt1(e, "&%s", tag));
    add_values(e, &call, tag, ack, &ev->ack);
    sioc_put_list(e->out, 4, "return sio_ack_params(", &call, ");\n}\n");
    sioc_sig_ack_error(e, ev, &sig);
    fputc('\n', e->out);
    sioc_put_sig(e, &sig, "\n{\n");
    sioc_list_add(e->arena, &err, "ack.ref", NULL);
    add(e, &err, sioc_cstr(e->arena, ev->name));
    add(e, &err, "message");
    sioc_put_list(e->out, 4, "return sio_ack_params_error(", &err, ");\n}\n");
    sioc_sig_ack_wanted(e, ev, &sig);
    fputc('\n', e->out);
    sioc_put_sig(e, &sig, "\n{\n");
    fputs("    return ack.ref.srv != NULL;\n}\n", e->out);
}

static void put_on(const sioc_emit *e, const sioc_event *ev)
{
    const char *stem = ev->c_intern;
    bool args, ack = false;

    args = put_params(e, sioc_iname(e, stem, SIOC_SFX_ARGS),
                      sioc_iname(e, stem, SIOC_SFX_ARGS_FIELDS), &ev->args);
    if (ev->acked)
        ack = put_params(e, sioc_iname(e, stem, SIOC_SFX_ACK),
                         sioc_iname(e, stem, SIOC_SFX_ACK_FIELDS), &ev->ack);
    if (required(&ev->req))
        put_requires(e, sioc_iname(e, stem, SIOC_SFX_REQ),
                     sioc_iname(e, stem, SIOC_SFX_REQ_GUARDS),
                     sioc_iname(e, stem, SIOC_SFX_REQ_NAMES), &ev->req);
    put_invoke(e, ev, args);
    if (ev->acked)
        put_ack_fns(e, ev, ack);
}

/* Calls the application's typed callback with the decoded reply, or
 * zeroes when status is an error. */
static void put_deliver(const sioc_emit *e, const sioc_event *ev, bool reply)
{
    const char *tag = sioc_iname(e, ev->c_intern, SIOC_SFX_REPLY);
    sioc_list params = {0}, call = {0};

    add(e, &params, "sio_ctx *ctx");
    add(e, &params, "int status");
    add(e, &params, "const void *reply");
    add(e, &params, "sio_fn fn");
    add(e, &params, "void *user");
    fputc('\n', e->out);
    sioc_put_list(e->out, 0,
                  fmt2(e, "static void %s%s(", ev->c_intern, SIOC_SFX_DELIVER),
                  &params, ")\n{\n");
    if (reply)
        fprintf(e->out,
                "    static const struct %s zero;\n"
                "    const struct %s *r = reply ? reply : &zero;\n\n",
                tag, tag);
    else
        fputs("    (void)reply;\n", e->out);
    add(e, &call, "ctx");
    add(e, &call, "status");
    sioc_add_spread(e, &ev->ack, "r->", &call);
    add(e, &call, "user");
    sioc_put_list(e->out, 4, fmt1(e, "((%s)fn)(", ev->c_ack), &call, ");\n}\n");
}

static void put_emit_fn(const sioc_emit *e, const sioc_namespace *ns,
                        const sioc_event *ev, bool args)
{
    const char *tag = sioc_iname(e, ev->c_intern, SIOC_SFX_ARGS);
    sioc_list call = {0};
    sioc_sig sig;

    sioc_sig_emit(e, ns, ev, &sig);
    fputc('\n', e->out);
    sioc_put_sig(e, &sig, "\n{\n");
    add(e, &call, "to.raw");
    add(e, &call, sioc_cstr(e->arena, ns->name));
    add(e, &call, sioc_cstr(e->arena, ev->name));
    add(e, &call, fmt1(e, "&%s", tag));
    add_values(e, &call, tag, args, &ev->args);
    if (ev->acked) {
        add(e, &call, fmt2(e, "&%s%s", ev->c_intern, SIOC_SFX_REPLY));
        add(e, &call, sioc_iname(e, ev->c_intern, SIOC_SFX_DELIVER));
        add(e, &call, "(sio_fn)reply");
        add(e, &call, "user");
        add(e, &call, "timeout_ms");
    }
    sioc_put_list(e->out, 4,
                  ev->acked ? "return sio_emit_params_ack("
                            : "return sio_emit_params(",
                  &call, ");\n}\n");
}

static void put_emit(const sioc_emit *e, const sioc_namespace *ns,
                     const sioc_event *ev)
{
    const char *stem = ev->c_intern;
    bool args, reply;

    args = put_params(e, sioc_iname(e, stem, SIOC_SFX_ARGS),
                      sioc_iname(e, stem, SIOC_SFX_ARGS_FIELDS), &ev->args);
    if (ev->acked) {
        reply =
            put_params(e, sioc_iname(e, stem, SIOC_SFX_REPLY),
                       sioc_iname(e, stem, SIOC_SFX_REPLY_FIELDS), &ev->ack);
        put_deliver(e, ev, reply);
    }
    put_emit_fn(e, ns, ev, args);
}

/* ---- namespaces --------------------------------------------------------- */

static bool has_guard(const sioc_requires *r, const sioc_guard *g)
{
    for (size_t i = 0; i < r->nguards; i++)
        if (r->guards[i] == g)
            return true;
    return false;
}

static void put_refusal(const sioc_emit *e, const char *cond, const char *why)
{
    fprintf(e->out,
            "    if (%s) {\n"
            "        sio_refuse(ctx, %s, NULL);\n"
            "        return -1;\n"
            "    }\n",
            cond, sioc_cstr(e->arena, why));
}

/* The connect's own requirements: the runtime checks the namespace's
 * (sio_namespace_desc has no place for more), so the shim checks these,
 * refusing as the runtime does. */
static void put_connect_checks(const sioc_emit *e, const sioc_namespace *ns)
{
    const sioc_requires *own = &ns->connect->req;
    bool any = false;

    for (size_t i = 0; i < own->nguards; i++)
        any = any || !has_guard(&ns->req, own->guards[i]);
    if (!any && !(own->auth && !ns->req.auth))
        return;
    fputs("    /* The connect's own requirements (the runtime checks the "
          "namespace's). */\n",
          e->out);
    if (own->auth && !ns->req.auth)
        put_refusal(e, "!sio_ctx_authenticated(ctx)", "unauthorized");
    for (size_t i = 0; i < own->nguards; i++)
        if (!has_guard(&ns->req, own->guards[i]))
            put_refusal(e, fmt1(e, "!%s(ctx)", own->guards[i]->c_name),
                        fmt1(e, "forbidden: %s", own->guards[i]->name));
}

static void put_connect(const sioc_emit *e, const sioc_namespace *ns)
{
    const sioc_connect *c = ns->connect;
    const char *tag = sioc_iname(e, c->c_intern, SIOC_SFX_AUTH);
    sioc_list call = {0};
    bool auth;

    fputs("\n/* connect */\n", e->out);
    auth = put_params(e, tag, sioc_iname(e, c->c_intern, SIOC_SFX_AUTH_FIELDS),
                      &c->auth);
    fprintf(e->out, "\nstatic int %s%s(sio_ctx *ctx, const void *auth)\n{\n",
            c->c_intern, SIOC_SFX_INVOKE);
    if (auth)
        fprintf(e->out, "    const struct %s *a = auth;\n\n", tag);
    else
        fputs("    (void)auth;\n", e->out);
    put_connect_checks(e, ns);
    add(e, &call, "ctx");
    sioc_add_spread(e, &c->auth, "a->", &call);
    sioc_put_list(e->out, 4, fmt1(e, "return %s(", c->c_func), &call,
                  ");\n}\n");
}

/* The socket data's accessor: the runtime checks that the socket's data
 * is of this record (a handler of another namespace gets NULL). */
static void put_data(const sioc_emit *e, const sioc_namespace *ns)
{
    sioc_sig sig;

    fputs("\n/* data */\n", e->out);
    sioc_sig_hook(e, ns, ns->data, &sig);
    sioc_put_sig(e, &sig, "\n{\n");
    fprintf(e->out, "    return sio_ctx_typed_data(ctx, &%s%s);\n}\n",
            ns->data->record->c_intern, SIOC_SFX_DESC);
}

static void put_item(const sioc_emit *e, const sioc_namespace *ns,
                     const sioc_item *it)
{
    const sioc_event *ev = it->event;

    if (it->connect) {
        put_connect(e, ns);
        return;
    }
    if (it->hook && it->hook == ns->data) {
        put_data(e, ns);
        return;
    }
    if (!ev) /* the catch-all, hooks: the namespace table points to them */
        return;
    fprintf(e->out, "\n/* %s %s */\n", ev->dir == SIOC_ON ? "on" : "emit",
            sioc_ccomment(e->arena, ev->name));
    if (ev->dir == SIOC_ON)
        put_on(e, ev);
    else
        put_emit(e, ns, ev);
}

static void put_event_entry(const sioc_emit *e, const sioc_event *ev)
{
    sioc_list l = {0};

    add(e, &l, sioc_cstr(e->arena, ev->name));
    add(e, &l, fmt2(e, "&%s%s", ev->c_intern, SIOC_SFX_ARGS));
    add(e, &l,
        ev->acked ? fmt2(e, "&%s%s", ev->c_intern, SIOC_SFX_ACK) : "NULL");
    add(e, &l,
        required(&ev->req) ? fmt2(e, "&%s%s", ev->c_intern, SIOC_SFX_REQ)
                           : "NULL");
    add(e, &l, sioc_iname(e, ev->c_intern, SIOC_SFX_INVOKE));
    sioc_put_list(e->out, 4, "{", &l, "},\n");
}

/* One constructor: "TYPE NAME(PARAMS)" (NAME parenthesized: the header
 * has a macro of it) returning {expr}. */
static void put_target_fn(const sioc_emit *e, const sioc_namespace *ns, int fn,
                          const char *params, const char *expr)
{
    const char *name = ns->c_target_fns[fn];

    if (fn <= SIOC_TGT_EXCEPT)
        name = fmt1(e, "(%s)", name);
    fprintf(e->out, "\n%s %s(%s)\n{\n    return (%s){%s};\n}\n", ns->c_target,
            name, params, ns->c_target, expr);
}

static void put_target(const sioc_emit *e, const sioc_namespace *ns)
{
    const char *nsp = sioc_cstr(e->arena, ns->name);
    const char *all = fmt1(e, "sio_all(sio_server_of(srv, %s))", nsp);

    put_target_fn(e, ns, SIOC_TGT_ALL, "sio_server *srv", all);
    put_target_fn(e, ns, SIOC_TGT_ROOM, "sio_server *srv, const char *room",
                  fmt1(e, "sio_to(%s, room)", all));
    put_target_fn(e, ns, SIOC_TGT_EXCEPT, "sio_server *srv, const char *room",
                  fmt1(e, "sio_except(%s, room)", all));
    /* Not checked here: an emit's own check says what went wrong. */
    put_target_fn(e, ns, SIOC_TGT_SELF, "sio_ctx *ctx", "sio_self(ctx)");
    put_target_fn(e, ns, SIOC_TGT_BROADCAST, "sio_ctx *ctx",
                  "sio_broadcast(ctx)");
    put_target_fn(e, ns, SIOC_TGT_SOCKET, "sio_socket *s", "sio_to_socket(s)");
    put_target_fn(e, ns, SIOC_TGT_OF, "sio_target raw",
                  fmt1(e, "sio_target_in(raw, %s)", nsp));
}

static void put_namespace(const sioc_emit *e, const sioc_namespace *ns)
{
    const char *stem = ns->c_intern;
    sioc_item *items;
    size_t n = sioc_items(e, ns, &items);

    sioc_put_banner(e,
                    fmt1(e, "namespace %s", sioc_ccomment(e->arena, ns->name)));
    if (ns->c_target) {
        fputs("\n/* typed target */", e->out);
        put_target(e, ns);
    }
    for (size_t i = 0; i < n; i++)
        put_item(e, ns, &items[i]);
    if (!required(&ns->req) && !ns->non)
        return;
    fputc('\n', e->out);
    if (required(&ns->req))
        put_requires(e, sioc_iname(e, stem, SIOC_SFX_NS_REQ),
                     sioc_iname(e, stem, SIOC_SFX_NS_REQ_GUARDS),
                     sioc_iname(e, stem, SIOC_SFX_NS_REQ_NAMES), &ns->req);
    if (!ns->non)
        return;
    fprintf(e->out, "static const sio_event_desc %s%s[] = {\n", stem,
            SIOC_SFX_NS_EVENTS);
    for (size_t i = 0; i < ns->non; i++)
        put_event_entry(e, ns->on_sorted[i]);
    fputs("};\n", e->out);
}

/* ---- the schema -----------------------------------------------------------
 */

static void put_namespace_entry(const sioc_emit *e, const sioc_namespace *ns)
{
    const char *stem = ns->c_intern;
    const sioc_connect *c = ns->connect;
    sioc_list l = {0};

    add(e, &l, sioc_cstr(e->arena, ns->name));
    add(e, &l, c ? fmt2(e, "&%s%s", c->c_intern, SIOC_SFX_AUTH) : "NULL");
    add(e, &l, c ? sioc_iname(e, c->c_intern, SIOC_SFX_INVOKE) : "NULL");
    add(e, &l,
        required(&ns->req) ? fmt2(e, "&%s%s", stem, SIOC_SFX_NS_REQ) : "NULL");
    add(e, &l, sioc_arena_printf(e->arena, "%zu", ns->non));
    add(e, &l, ns->non ? sioc_iname(e, stem, SIOC_SFX_NS_EVENTS) : "NULL");
    add(e, &l, ns->any ? ns->any->c_func : "NULL");
    add(e, &l,
        ns->data ? fmt2(e, "&%s%s", ns->data->record->c_intern, SIOC_SFX_DESC)
                 : "NULL");
    add(e, &l, ns->disconnect ? ns->disconnect->c_func : "NULL");
    add(e, &l, ns->use ? ns->use->c_func : "NULL");
    add(e, &l, ns->use_connect ? ns->use_connect->c_func : "NULL");
    sioc_put_list(e->out, 4, "{", &l, "},\n");
}

static void put_schema(const sioc_emit *e)
{
    const sioc_schema *s = e->schema;
    const char *table = sioc_iname(e, s->c_intern, SIOC_SFX_NAMESPACES);
    const char *guards = sioc_iname(e, s->c_intern, SIOC_SFX_GUARDS);
    sioc_list l = {0}, g = {0};
    sioc_sig sig;

    sioc_put_banner(e, "the schema");
    /* Every declared guard, used or not, so that a missing one fails to
     * link. */
    for (size_t i = 0; i < s->nguards; i++)
        add(e, &g, s->guards[i].c_name);
    if (s->nguards)
        sioc_put_list(e->out, 0,
                      fmt1(e, "static const sio_guard_fn %s[] = {", guards), &g,
                      "};\n");
    if (s->nnamespaces) {
        fprintf(e->out, "static const sio_namespace_desc %s[] = {\n", table);
        for (size_t i = 0; i < s->nnamespaces; i++)
            put_namespace_entry(e, &s->namespaces[i]);
        fputs("};\n", e->out);
    }
    add(e, &l, sioc_cstr(e->arena, s->name));
    add(e, &l, "SIO_TYPED_ABI");
    add(e, &l, sioc_arena_printf(e->arena, "%zu", s->nnamespaces));
    add(e, &l, s->nnamespaces ? table : "NULL");
    add(e, &l, sioc_arena_printf(e->arena, "%zu", s->nguards));
    add(e, &l, s->nguards ? guards : "NULL");
    sioc_put_list(e->out, 0,
                  fmt1(e, "const sio_schema_desc %s = {", s->c_schema), &l,
                  "};\n");
    sioc_sig_register(e, &sig);
    fputc('\n', e->out);
    sioc_put_sig(e, &sig, "\n{\n");
    fprintf(e->out, "    return sio_schema_register(srv, &%s);\n}\n",
            s->c_schema);
}

int sioc_emit_source(const sioc_emit *e)
{
    const sioc_schema *s = e->schema;

    sioc_put_origin(e, e->source);
    fprintf(e->out, "#include \"%s\"\n", e->header);
    put_types(e);
    for (size_t i = 0; i < s->nnamespaces; i++)
        put_namespace(e, &s->namespaces[i]);
    put_schema(e);
    return ferror(e->out) ? -1 : 0;
}
