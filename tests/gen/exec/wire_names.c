/* Wire names that are not C names reach the C members they name: the
 * decoder reads "class-name" into class_name and "long" into long_, and
 * the encoder (the ack of "get-style") writes them back under their
 * wire names.
 * schema: wire_names.sio
 */
#include <stdio.h>
#include <string.h>

#include "sio_internal_typed.h"
#include "wire_names.sio.h"

static int fail(const char *what)
{
    fprintf(stderr, "wire_names: %s\n", what);
    return 1;
}

/* The args of "挨拶" in namespace "/日本": a string, then a Style. */
static int decode_greet(const sio_params *p)
{
    const char *text = "[\"u1\", {\"class-name\": \"big\", \"long\": 7, "
                       "\"color\": \"red\", \"x-y\": 1.5}]";
    json_t *args = json_loads(text, 0, NULL);
    sio_arena *arena = siop_arena_new();
    unsigned char buf[256];
    const wire_names_Style *s;
    sio_error err;
    int bad = 0;

    if (!args || !arena || p->size > sizeof buf)
        return fail("setup");
    if (siop_decode_params(p, args, buf, arena, &err) != 0)
        return fail(err.text);
    s = (const wire_names_Style *)(buf + p->fields[1].offset);
    if (strcmp(*(const char *const *)(buf + p->fields[0].offset), "u1") != 0)
        bad += fail("user-id");
    if (strcmp(s->class_name, "big") != 0 || s->long_ != 7 ||
        strcmp(s->color, "red") != 0 || !s->has_xy || s->xy != 1.5)
        bad += fail("Style decoded wrong");
    json_decref(args);
    /* The C name is not a key on the wire. */
    args = json_loads("[\"u1\", {\"class_name\": \"big\", \"long\": 7, "
                      "\"color\": \"red\"}]",
                      0, NULL);
    if (siop_decode_params(p, args, buf, arena, &err) == 0)
        bad += fail("class_name accepted for \"class-name\"");
    else if (strcmp(err.text, "s.class-name: missing (expected string)") != 0)
        bad += fail(err.text);
    json_decref(args);
    siop_arena_free(arena);
    return bad;
}

static int encode_style(const sio_params *p)
{
    unsigned char buf[256] = {0};
    wire_names_Style st = {.class_name = "c", .long_ = 3, .color = "b"};
    json_t *out;
    char *text;
    int bad = 0;

    memcpy(buf + p->fields[0].offset, &st, sizeof st);
    out = siop_encode_params(p, buf, NULL);
    text = out ? json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    if (!text || strcmp(text, "[{\"class-name\":\"c\",\"color\":\"b\","
                              "\"long\":3}]") != 0)
        bad += fail(text ? text : "encode failed");
    free(text);
    json_decref(out);
    return bad;
}

int main(void)
{
    const sio_namespace_desc *jp = NULL, *root = NULL;

    for (size_t i = 0; i < wire_names_schema.nnamespaces; i++) {
        const sio_namespace_desc *ns = &wire_names_schema.namespaces[i];

        if (!strcmp(ns->name, "/\xe6\x97\xa5\xe6\x9c\xac"))
            jp = ns;
        else if (!strcmp(ns->name, "/"))
            root = ns;
    }
    if (!jp || !root || jp->nevents != 1 || root->nevents != 1 ||
        strcmp(jp->events[0].name, "\xe6\x8c\xa8\xe6\x8b\xb6") != 0)
        return fail("namespace table");
    return decode_greet(jp->events[0].args) +
               encode_style(root->events[0].ack) !=
           0;
}
