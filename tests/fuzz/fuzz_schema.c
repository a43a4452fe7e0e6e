/* fuzz_schema.c - the schema front end (lexer, parser, checker) on any
 * bytes: no crash, no leak, every report well formed, and a model that
 * keeps the promises of gen/model.h whenever the input is accepted.
 *
 * The generator is not in libsio, so its sources are compiled in here.
 * lexer.c is re2c's output ($(B)/gen-src/lexer.c): the build puts that
 * folder on the include path. Static names are unique across the gen sources so
 * that this one translation unit compiles. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gen/arena.c"
#include "../../gen/diag.c"
#include "../../gen/suggest.c"
#include "../../gen/emit_text.c"
#include "lexer.c"
#include "../../gen/parse.c"
#include "../../gen/check.c"
#include "../../gen/front.c"

#define FUZZ_FILE "fuzz.sio"

/* A report: "fuzz.sio[:L:C]: error|note: ...\n" and lines after it,
 * with no control bytes that could reach a terminal. */
static void fuzz_sink(void *user, const char *text, size_t len)
{
    size_t flen = strlen(FUZZ_FILE);

    (void)user;
    if (len <= flen || memcmp(text, FUZZ_FILE, flen) != 0 ||
        (text[flen] != ':') || text[len - 1] != '\n')
        abort();
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            abort();
    }
}

static void fuzz_ident(const char *s)
{
    if (!s || !*s || (*s >= '0' && *s <= '9'))
        abort();
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            abort();
}

/* Only optional bool/int/float/enum values have a has_ flag. */
static bool has_flag(const sioc_type *t)
{
    return t->optional && !t->dims &&
           (t->base == SIOC_BOOL || t->base == SIOC_INT ||
            t->base == SIOC_FLOAT || t->base == SIOC_ENUM);
}

static void fuzz_params(const sioc_params *p)
{
    for (size_t i = 0; i < p->count; i++) {
        const sioc_field *f = &p->items[i];

        fuzz_ident(f->name);
        if ((f->type.base == SIOC_RECORD) != (f->type.record != NULL) ||
            (f->type.base == SIOC_ENUM) != (f->type.enumeration != NULL) ||
            (f->type.dims > 0) != (f->c_count != NULL) ||
            has_flag(&f->type) != (f->c_has != NULL))
            abort();
    }
}

/* Each record comes after the records it embeds by value. */
static void fuzz_records(const sioc_schema *s)
{
    for (size_t i = 0; i < s->nrecords; i++) {
        const sioc_record *r = s->records[i];
        const sioc_params fields = {r->fields, r->nfields, false};

        fuzz_ident(r->c_name);
        if (r->nfields == 0)
            abort();
        fuzz_params(&fields);
        for (size_t j = 0; j < r->nfields; j++) {
            const sioc_type *t = &r->fields[j].type;
            size_t k = 0;

            if (t->base != SIOC_RECORD || t->dims || t->optional)
                continue;
            while (k < i && s->records[k] != t->record)
                k++;
            if (k == i)
                abort();
        }
    }
}

/* A typed target exactly when the namespace has emits, every
 * constructor named. */
static void fuzz_targets(const sioc_namespace *ns)
{
    bool emits = false;

    for (size_t i = 0; i < ns->nevents; i++)
        emits = emits || ns->events[i].dir == SIOC_EMIT;
    if (emits != (ns->c_target != NULL))
        abort();
    if (!emits)
        return;
    fuzz_ident(ns->c_target);
    for (size_t i = 0; i < SIOC_TGT_COUNT; i++)
        fuzz_ident(ns->c_target_fns[i]);
}

static void fuzz_namespace(const sioc_namespace *ns, const char *prefix)
{
    if (ns->name[0] != '/' ||
        strncmp(ns->c_prefix, prefix, strlen(prefix)) != 0)
        abort();
    fuzz_targets(ns);
    for (size_t i = 0; i < ns->nevents; i++) {
        const sioc_event *ev = &ns->events[i];

        fuzz_ident(ev->c_func);
        if ((ev->dir == SIOC_ON && ev->acked) != (ev->c_ack_wanted != NULL))
            abort();
        fuzz_params(&ev->args);
        fuzz_params(&ev->ack);
        if (ev->acked != (ev->c_ack != NULL) ||
            (ev->req.policy == SIOC_POLICY_ACK &&
             (!ev->acked || ev->dir != SIOC_ON)))
            abort();
    }
    for (size_t i = 1; i < ns->non; i++)
        if (strcmp(ns->on_sorted[i - 1]->name, ns->on_sorted[i]->name) >= 0)
            abort();
    if (ns->connect)
        fuzz_params(&ns->connect->auth);
}

static void fuzz_model(const sioc_schema *s)
{
    fuzz_ident(s->c_register);
    fuzz_records(s);
    for (size_t i = 0; i < s->nenums; i++)
        for (size_t j = 0; j < s->enums[i].nvalues; j++)
            fuzz_ident(s->enums[i].values[j].c_name);
    for (size_t i = 0; i < s->nnamespaces; i++)
        fuzz_namespace(&s->namespaces[i], s->c_prefix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size + 1);
    sioc_arena arena;
    sioc_diag diag;
    const sioc_schema *schema;

    if (!src)
        return 0;
    if (size)
        memcpy(src, data, size);
    src[size] = '\0';
    sioc_arena_init(&arena);
    sioc_diag_init(&diag, FUZZ_FILE, src, size, fuzz_sink, NULL);
    schema = sioc_front(&arena, src, size, &diag);
    sioc_diag_flush(&diag);
    if ((schema != NULL) != (diag.errors == 0) || diag.errors > diag.max_errors)
        abort();
    if (schema)
        fuzz_model(schema);
    sioc_arena_fini(&arena);
    free(src);
    return 0;
}
