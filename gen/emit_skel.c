/* emit_skel.c - sioc --skeleton: a handler file to start from, with a
 * stub of every handler and guard that compiles warning-free and links
 * as is (docs/generated.md, "The skeleton"). */
#include "emit_common.h"

#include <string.h>

/* The definition's head and its parameters cast to void, but used (a
 * name the body uses, or NULL). */
static void put_head(const sioc_emit *e, const sioc_sig *sig, const char *used)
{
    fputc('\n', e->out);
    sioc_put_sig(e, sig, "\n{\n");
    for (size_t i = 0; i < sig->params.n; i++)
        if (!used || strcmp(sig->params.names[i], used) != 0)
            fprintf(e->out, "    (void)%s;\n", sig->params.names[i]);
}

static void put_guard(const sioc_emit *e, const sioc_guard *g)
{
    sioc_sig sig;

    sioc_sig_guard(e, g, &sig);
    put_head(e, &sig, NULL);
    fputs("    return false;\n}\n", e->out);
}

static void put_item(const sioc_emit *e, const sioc_item *it)
{
    const sioc_event *ev = it->event;
    sioc_sig sig;

    if (it->connect) {
        sioc_sig_connect(e, it->connect, &sig);
        put_head(e, &sig, NULL);
        fputs("    return 0;\n}\n", e->out);
        return;
    }
    if (it->any) {
        sioc_sig_any(e, it->any, &sig);
        put_head(e, &sig, NULL);
        fputs("}\n", e->out);
        return;
    }
    if (ev->dir != SIOC_ON) /* emits are generated, not written */
        return;
    sioc_sig_on(e, ev, &sig);
    put_head(e, &sig, ev->acked ? "ack" : NULL);
    if (ev->acked)
        fprintf(e->out,
                "    if (%s(ack, \"not implemented\") != 0)\n"
                "        return; /* not sent: the client has gone */\n",
                ev->c_ack_error);
    fputs("}\n", e->out);
}

int sioc_emit_skeleton(const sioc_emit *e)
{
    const sioc_schema *s = e->schema;

    sioc_put_comment(e->out, 0,
                     sioc_arena_printf(e->arena,
                                       "Handlers of %s, stubbed by sioc "
                                       "--skeleton: fill them in.",
                                       sioc_comment_text(e->arena, s->source)));
    fprintf(e->out, "#include \"%s\"\n", e->header);
    for (size_t i = 0; i < s->nguards; i++)
        put_guard(e, &s->guards[i]);
    for (size_t i = 0; i < s->nnamespaces; i++) {
        sioc_item *items;
        size_t n = sioc_items(e, &s->namespaces[i], &items);

        for (size_t j = 0; j < n; j++)
            put_item(e, &items[j]);
    }
    return ferror(e->out) ? -1 : 0;
}
