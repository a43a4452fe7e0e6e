/* dump.c - see dump.h. One line per thing, indented by nesting; names
 * of events and namespaces quoted with C escapes. */
#include "dump.h"

#include <string.h>

static void dump_quoted(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* "(1..64)", "(..5)", or nothing. */
static void dump_range(FILE *out, bool has_lo, int64_t lo, bool has_hi,
                       int64_t hi)
{
    if (!has_lo && !has_hi)
        return;
    fputc('(', out);
    if (has_lo)
        fprintf(out, "%lld", (long long)lo);
    fputs("..", out);
    if (has_hi)
        fprintf(out, "%lld", (long long)hi);
    fputc(')', out);
}

static void dump_type(FILE *out, const sioc_type *t)
{
    static const char *const names[] = {
        [SIOC_BOOL] = "bool",   [SIOC_INT] = "int",
        [SIOC_FLOAT] = "float", [SIOC_STRING] = "string",
        [SIOC_BYTES] = "bytes", [SIOC_JSON] = "json",
    };

    if (t->base == SIOC_MAP) {
        fputs("{string: ", out);
        dump_type(out, t->value);
        fputc('}', out);
    } else if (t->base == SIOC_RECORD)
        fprintf(out, "record %s", t->record->name);
    else if (t->base == SIOC_ENUM)
        fprintf(out, "enum %s", t->enumeration->name);
    else
        fputs(names[t->base], out);
    dump_range(out, t->limits.has_min, t->limits.min, t->limits.has_max,
               t->limits.max);
    for (unsigned i = 0; i < t->dims; i++)
        fputs("[]", out);
    dump_range(out, t->limits.has_len_min, t->limits.len_min,
               t->limits.has_len_max, t->limits.len_max);
    if (t->optional)
        fputc('?', out);
}

static void dump_params(FILE *out, const char *indent, const sioc_params *p)
{
    for (size_t i = 0; i < p->count; i++) {
        const sioc_field *f = &p->items[i];

        fprintf(out, "%s%s: ", indent, f->name);
        dump_type(out, &f->type);
        if (f->c_count)
            fprintf(out, " count %s", f->c_count);
        if (f->c_has)
            fprintf(out, " has %s", f->c_has);
        if (f->c_len)
            fprintf(out, " len %s", f->c_len);
        if (f->def)
            fprintf(out, " default %s", f->def->text);
        if (strcmp(f->wire, f->name) != 0) {
            fputs(" wire ", out);
            dump_quoted(out, f->wire);
        }
        fputc('\n', out);
    }
    if (p->variadic)
        fprintf(out, "%s...\n", indent);
}

static void dump_requires(FILE *out, const sioc_requires *r)
{
    if (!r->auth && !r->nguards) {
        fputs(" requires nothing", out);
        return;
    }
    fputs(" requires", out);
    if (r->auth)
        fputs(" auth", out);
    for (size_t i = 0; i < r->nguards; i++)
        fprintf(out, " %s", r->guards[i]->c_name);
    fputs(r->policy == SIOC_POLICY_ACK ? " else ack" : " else disconnect", out);
}

static void dump_event(FILE *out, const sioc_event *ev)
{
    fputs(ev->dir == SIOC_ON ? "  on " : "  emit ", out);
    dump_quoted(out, ev->name);
    fprintf(out, " %s %s", ev->c_func, ev->c_intern);
    if (ev->dir == SIOC_ON)
        dump_requires(out, &ev->req);
    fputc('\n', out);
    dump_params(out, "    ", &ev->args);
    if (!ev->acked)
        return;
    fprintf(out, "    -> %s", ev->c_ack);
    if (ev->c_ack_send)
        fprintf(out, " %s %s", ev->c_ack_send, ev->c_ack_error);
    fputc('\n', out);
    dump_params(out, "      ", &ev->ack);
}

static void dump_namespace(FILE *out, const sioc_namespace *ns)
{
    fputs("namespace ", out);
    dump_quoted(out, ns->name);
    fprintf(out, " %s %s", ns->c_prefix, ns->c_intern);
    dump_requires(out, &ns->req);
    fputc('\n', out);
    if (ns->connect) {
        fprintf(out, "  connect %s %s", ns->connect->c_func,
                ns->connect->c_intern);
        dump_requires(out, &ns->connect->req);
        fputc('\n', out);
        dump_params(out, "    ", &ns->connect->auth);
    }
    if (ns->any) {
        fprintf(out, "  any %s", ns->any->c_func);
        dump_requires(out, &ns->any->req);
        fputc('\n', out);
    }
    if (ns->data)
        fprintf(out, "  data %s %s\n", ns->data->record->name,
                ns->data->c_func);
    if (ns->disconnect)
        fprintf(out, "  disconnect %s\n", ns->disconnect->c_func);
    if (ns->use)
        fprintf(out, "  use %s\n", ns->use->c_func);
    if (ns->use_connect)
        fprintf(out, "  use connect %s\n", ns->use_connect->c_func);
    for (size_t i = 0; i < ns->nevents; i++)
        dump_event(out, &ns->events[i]);
    fputs("  dispatch", out);
    for (size_t i = 0; i < ns->non; i++) {
        fputc(' ', out);
        dump_quoted(out, ns->on_sorted[i]->name);
    }
    fputc('\n', out);
}

void sioc_dump(FILE *out, const sioc_schema *s)
{
    fprintf(out, "schema %s %s %s %s %s %s\n", s->name, s->c_prefix,
            s->c_register, s->c_schema, s->c_intern, s->c_include_guard);
    for (size_t i = 0; i < s->nrecords; i++) {
        const sioc_record *r = s->records[i];

        fprintf(out, "%s %s %s %s%s", r->tag ? "union" : "record", r->name,
                r->c_name, r->c_intern, r->used ? "" : " unused");
        if (r->tag) {
            fputs(" by ", out);
            dump_quoted(out, r->tag);
            fprintf(out, " tag %s", r->c_tag);
            for (size_t j = 0; j < r->nfields; j++)
                fprintf(out, " %s", r->c_variant_tags[j]);
        }
        fputc('\n', out);
        dump_params(out, "  ",
                    &(sioc_params){s->records[i]->fields,
                                   s->records[i]->nfields, false});
    }
    for (size_t i = 0; i < s->nenums; i++) {
        fprintf(out, "enum %s %s %s%s\n", s->enums[i].name, s->enums[i].c_name,
                s->enums[i].c_intern, s->enums[i].used ? "" : " unused");
        for (size_t j = 0; j < s->enums[i].nvalues; j++) {
            fputs("  ", out);
            dump_quoted(out, s->enums[i].values[j].value);
            fprintf(out, " %s\n", s->enums[i].values[j].c_name);
        }
    }
    for (size_t i = 0; i < s->nguards; i++)
        fprintf(out, "guard %s %s\n", s->guards[i].name, s->guards[i].c_name);
    for (size_t i = 0; i < s->nnamespaces; i++)
        dump_namespace(out, &s->namespaces[i]);
}
