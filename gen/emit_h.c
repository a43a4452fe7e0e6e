/* emit_h.c - the generated header (docs/generated.md, "The header"):
 * types, the functions the application defines (handlers, guards) or
 * calls (acks, emits, registration), and the schema descriptor. */
#include "emit_common.h"

#include <string.h>

/* Functions whose failure loses a message (an emit, an ack answer):
 * ignoring the result is a warning (an error with -Werror). */
#define MUST_CHECK_TAIL " SIO_MUST_CHECK;\n"

static void put_top(const sioc_emit *e)
{
    const sioc_schema *s = e->schema;
    const char *why = sioc_arena_printf(
        e->arena, "%s is for another libsio ABI: regenerate it with sioc",
        e->header);

    sioc_put_origin(e, e->header);
    fprintf(e->out, "#ifndef %s\n#define %s\n\n", s->c_include_guard,
            s->c_include_guard);
    fputs("#include <sio.h>\n", e->out);
    for (size_t i = 0; i < s->nincludes; i++)
        fprintf(e->out, "#include \"%s\"\n", s->includes[i]);
    fputc('\n', e->out);
    fprintf(e->out, "#if SIO_TYPED_ABI != %d\n#error %s\n#endif\n\n",
            SIOC_TYPED_ABI, sioc_cstr(e->arena, why));
    fputs("#ifdef __cplusplus\nextern \"C\" {\n#endif\n", e->out);
}

/* Values numbered in schema order, the wire string beside each. */
static void put_enum(const sioc_emit *e, const sioc_enum *en)
{
    const char **lines = sioc_arena_array(e->arena, en->nvalues, sizeof *lines);
    int width = 0;

    sioc_put_doc(e, 0, en->at);
    fprintf(e->out, "typedef enum %s {\n", en->c_name);
    for (size_t i = 0; i < en->nvalues; i++) {
        lines[i] = sioc_arena_printf(e->arena, "    %s = %zu,",
                                     en->values[i].c_name, i);
        if ((int)strlen(lines[i]) > width)
            width = (int)strlen(lines[i]);
    }
    for (size_t i = 0; i < en->nvalues; i++)
        fprintf(e->out, "%-*s /* %s */\n", width, lines[i],
                sioc_ccomment(e->arena, en->values[i].value));
    fprintf(e->out, "} %s;\n", en->c_name);
    fprintf(e->out, "enum { %s = %zu };\n", en->c_count, en->nvalues);
    fprintf(e->out, "/* The wire string of each value, in C order. */\n");
    fprintf(e->out, "extern const char *const %s[%s];\n", en->c_names,
            en->c_count);
    fprintf(e->out, "/* v's wire string; NULL if v is not a value. */\n");
    fprintf(e->out, "const char *%s(%s v);\n", en->c_name_fn, en->c_name);
    fprintf(e->out,
            "/* The value whose wire string is s, into *out: true; false if "
            "none is. */\n");
    fprintf(e->out, "bool %s(const char *s, %s *out);\n", en->c_parse,
            en->c_name);
}

/* The field a member is named after (its first member only: n_NAME
 * and NAME_len follow it), or NULL. */
static const sioc_field *field_of(const sioc_record *r, const char *member)
{
    for (size_t i = 0; member && i < r->nfields; i++)
        if (!strcmp(r->fields[i].name, member))
            return &r->fields[i];
    return NULL;
}

/* A union: the enum of its variants, a tag member saying which one
 * holds the value, and the variants in an anonymous union. */
static void put_union(const sioc_emit *e, const sioc_record *r)
{
    fprintf(e->out, "typedef enum %s {\n", r->c_tag);
    for (size_t i = 0; i < r->nfields; i++)
        fprintf(e->out, "    %s,\n", r->c_variant_tags[i]);
    fprintf(e->out, "} %s;\n", r->c_tag);
    sioc_put_doc(e, 0, r->at);
    fprintf(e->out, "struct %s {\n", r->c_name);
    fprintf(e->out, "    %s tag; /* %s: which member holds the value */\n",
            r->c_tag, sioc_cstr(e->arena, r->tag));
    fputs("    union {\n", e->out);
    for (size_t i = 0; i < r->nfields; i++) {
        const sioc_field *f = &r->fields[i];

        if (f->at.line != r->at.line)
            sioc_put_doc(e, 8, f->at);
        fprintf(e->out, "        %s %s; /* %s */\n", f->type.record->c_name,
                f->name, sioc_cstr(e->arena, f->wire));
    }
    fputs("    };\n};\n", e->out);
}

static void put_record(const sioc_emit *e, const sioc_record *r)
{
    sioc_params fields = {r->fields, r->nfields, false};
    sioc_list members = {0};

    if (r->tag) {
        put_union(e, r);
        return;
    }
    sioc_add_members(e, &fields, &members);
    sioc_put_doc(e, 0, r->at);
    fprintf(e->out, "struct %s {\n", r->c_name);
    for (size_t i = 0; i < members.n; i++) {
        const sioc_field *f = field_of(r, members.names[i]);

        /* A field on the record's line shares its comment. */
        if (f && f->at.line != r->at.line)
            sioc_put_doc(e, 4, f->at);
        if (f && f->type.base == SIOC_MAP) /* values is const void * */
            fprintf(e->out, "    %s; /* values: %s */\n", members.items[i],
                    sioc_map_values(e, &f->type));
        else
            fprintf(e->out, "    %s;\n", members.items[i]);
    }
    fputs("};\n", e->out);
}

/* Typedefs of every record first, so that records may point to each
 * other; the structs follow in dependency order (by-value members). */
static void put_types(const sioc_emit *e)
{
    const sioc_schema *s = e->schema;

    if (!sioc_put_types_banner(e))
        return;
    /* Imported types are declared by their schema's header. */
    for (size_t i = 0; i < s->nrecords; i++)
        if (!s->records[i]->imported)
            fprintf(e->out, "typedef struct %s %s;\n", s->records[i]->c_name,
                    s->records[i]->c_name);
    for (size_t i = 0; i < s->nenums; i++)
        if (!s->enums[i].imported)
            put_enum(e, &s->enums[i]);
    for (size_t i = 0; i < s->nrecords; i++)
        if (!s->records[i]->imported)
            put_record(e, s->records[i]);
}

static void put_guards(const sioc_emit *e)
{
    const sioc_schema *s = e->schema;
    sioc_sig sig;

    if (!s->nguards)
        return;
    sioc_put_banner(e, "guards: the application defines them");
    for (size_t i = 0; i < s->nguards; i++) {
        sioc_put_doc(e, 0, s->guards[i].at);
        sioc_sig_guard(e, &s->guards[i], &sig);
        sioc_put_sig(e, &sig, ";\n");
    }
}

static void put_on(const sioc_emit *e, const sioc_event *ev)
{
    sioc_sig sig;

    /* A value: a stale copy answers SIO_ESTATE, never freed memory. */
    if (ev->acked)
        fprintf(e->out, "typedef struct %s {\n    sio_ack_ref ref;\n} %s;\n",
                ev->c_ack, ev->c_ack);
    sioc_sig_on(e, ev, &sig);
    sioc_put_sig(e, &sig, ";\n");
    if (!ev->acked)
        return;
    sioc_sig_ack_send(e, ev, &sig);
    sioc_put_sig(e, &sig, MUST_CHECK_TAIL);
    sioc_sig_ack_error(e, ev, &sig);
    sioc_put_sig(e, &sig, MUST_CHECK_TAIL);
    fputs("/* Did the client ask for an answer? (Answering one it did not "
          "is a no-op.) */\n",
          e->out);
    sioc_sig_ack_wanted(e, ev, &sig);
    sioc_put_sig(e, &sig, ";\n");
}

static void put_emit(const sioc_emit *e, const sioc_namespace *ns,
                     const sioc_event *ev)
{
    sioc_sig sig;

    if (ev->acked) {
        sioc_sig_reply(e, ev, &sig);
        sioc_put_sig(e, &sig, ";\n");
    }
    sioc_sig_emit(e, ns, ev, &sig);
    sioc_put_sig(e, &sig, MUST_CHECK_TAIL);
}

static void put_item(const sioc_emit *e, const sioc_namespace *ns,
                     const sioc_item *it)
{
    sioc_sig sig;

    sioc_put_doc(e, 0,
                 it->connect ? it->connect->at
                 : it->any   ? it->any->at
                 : it->hook  ? it->hook->at
                             : it->event->at);
    if (it->hook) {
        sioc_sig_hook(e, ns, it->hook, &sig);
        sioc_put_sig(e, &sig, ";\n");
    } else if (it->connect) {
        sioc_sig_connect(e, it->connect, &sig);
        sioc_put_sig(e, &sig, ";\n");
    } else if (it->any) {
        sioc_sig_any(e, it->any, &sig);
        sioc_put_sig(e, &sig, ";\n");
    } else if (it->event->dir == SIOC_ON) {
        put_on(e, it->event);
    } else {
        put_emit(e, ns, it->event);
    }
}

/* A constructor taking a handler's ctx or the server: a function, and a
 * macro of the same name that converts its first argument. */
static void put_target_from(const sioc_emit *e, const sioc_namespace *ns,
                            int fn, bool room, const char *what)
{
    const char *name = ns->c_target_fns[fn];

    fprintf(e->out, "/* %s */\n", what);
    fprintf(e->out, "%s (%s)(sio_server *srv%s);\n", ns->c_target, name,
            room ? ", const char *room" : "");
    fprintf(e->out, "#define %s(from%s) (%s)(SIO_SERVER_OF(from)%s)\n", name,
            room ? ", room" : "", name, room ? ", (room)" : "");
}

/* The namespace's typed target: its emits take only it. */
static void put_target(const sioc_emit *e, const sioc_namespace *ns)
{
    const char *const *f = ns->c_target_fns;

    sioc_put_comment(
        e->out, 0,
        sioc_arena_printf(
            e->arena,
            "Where an emit of namespace %s goes. The constructors below "
            "taking `from` take a handler's ctx (of any namespace) or the "
            "server; compose further with sio_to, sio_volatile... on .raw "
            "and %s.",
            sioc_ccomment(e->arena, ns->name), f[SIOC_TGT_OF]));
    fprintf(e->out, "typedef struct %s {\n    sio_target raw;\n} %s;\n",
            ns->c_target, ns->c_target);
    put_target_from(e, ns, SIOC_TGT_ALL, false,
                    "Every socket of the namespace.");
    put_target_from(e, ns, SIOC_TGT_ROOM, true, "The members of room.");
    put_target_from(e, ns, SIOC_TGT_EXCEPT, true,
                    "Every socket but the members of room.");
    fputs("/* The handler's socket; the handler's namespace must be this "
          "one (else\n * emits refuse it: SIO_EINVAL and a log line). */\n",
          e->out);
    fprintf(e->out, "%s %s(sio_ctx *ctx);\n", ns->c_target, f[SIOC_TGT_SELF]);
    fputs("/* Every socket but the handler's (the same). */\n", e->out);
    fprintf(e->out, "%s %s(sio_ctx *ctx);\n", ns->c_target,
            f[SIOC_TGT_BROADCAST]);
    fputs("/* One socket of this namespace (the same). */\n", e->out);
    fprintf(e->out, "%s %s(sio_socket *s);\n", ns->c_target,
            f[SIOC_TGT_SOCKET]);
    fputs("/* raw if it reaches this namespace; else a target every emit "
          "refuses,\n * with a log line now. */\n",
          e->out);
    fprintf(e->out, "%s %s(sio_target raw);\n\n", ns->c_target, f[SIOC_TGT_OF]);
}

static void put_namespace(const sioc_emit *e, const sioc_namespace *ns)
{
    sioc_item *items;
    size_t n = sioc_items(e, ns, &items);

    sioc_put_banner(e, sioc_arena_printf(e->arena, "namespace %s",
                                         sioc_ccomment(e->arena, ns->name)));
    sioc_put_doc(e, 0, ns->at);
    if (ns->c_target)
        put_target(e, ns);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc('\n', e->out);
        put_item(e, ns, &items[i]);
    }
}

int sioc_emit_header(const sioc_emit *e)
{
    const sioc_schema *s = e->schema;
    sioc_sig sig;

    put_top(e);
    put_types(e);
    put_guards(e);
    for (size_t i = 0; i < s->nnamespaces; i++)
        put_namespace(e, &s->namespaces[i]);
    sioc_put_banner(e, "the schema");
    fprintf(e->out, "extern const sio_schema_desc %s;\n", s->c_schema);
    sioc_sig_register(e, &sig);
    sioc_put_sig(e, &sig, ";\n");
    fputs("\n#ifdef __cplusplus\n}\n#endif\n#endif\n", e->out);
    return ferror(e->out) ? -1 : 0;
}
