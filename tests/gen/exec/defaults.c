/* Defaults: an absent or null optional field or parameter decodes to
 * its default on both decoders (the tree walker and the streaming text
 * decoder), a present one to its value; limits still apply to what is
 * sent.
 * schema: defaults.sio
 */
#include <stdio.h>
#include <string.h>

#include "defaults.sio.h"
#include "sio_internal_typed.h"

static const sio_params *args_of(const char *event)
{
    const sio_namespace_desc *ns = &defaults_schema.namespaces[0];

    for (size_t i = 0; i < ns->nevents; i++)
        if (!strcmp(ns->events[i].name, event))
            return ns->events[i].args;
    return NULL;
}

typedef struct list_args {
    defaults_Settings s;
    int64_t page;
    bool loud;
} list_args;

/* Decodes text for "list" on both paths into tree and text; text_rc is
 * the streaming decoder's verdict (0 or SIOP_TEXT_SLOW). */
static int decode(const char *text, void *tree, void *fast, int *text_rc,
                  sio_arena *arena, sio_error *err)
{
    const sio_params *p = args_of("list");
    json_t *a = json_loads(text, 0, NULL);
    int rc;

    if (!a)
        return -2;
    rc = siop_decode_params(p, a, tree, arena, err);
    *text_rc = siop_text_decode_params(p, text, strlen(text), fast, arena);
    /* The decoded strings point into a: it goes with the arena. */
    if (siop_arena_defer_decref(arena, a) != 0)
        json_decref(a);
    return rc;
}

static int same(const list_args *a, const list_args *b)
{
    return a->page == b->page && a->loud == b->loud && a->s.size == b->s.size &&
           !strcmp(a->s.name, b->s.name) && a->s.on == b->s.on &&
           a->s.color == b->s.color && a->s.scale == b->s.scale &&
           !strcmp(a->s.label, b->s.label);
}

static int check(const char *text, int64_t size, const char *name, bool on,
                 int color, double scale, int64_t page, bool loud)
{
    sio_arena *arena = siop_arena_new();
    list_args tree, fast;
    sio_error err;
    int trc, rc = decode(text, &tree, &fast, &trc, arena, &err), bad = 0;

    if (rc != 0) {
        fprintf(stderr, "defaults: %s refused: %s\n", text, err.text);
        bad = 1;
    } else if (tree.s.size != size || strcmp(tree.s.name, name) ||
               tree.s.on != on || (int)tree.s.color != color ||
               tree.s.scale != scale || tree.page != page ||
               tree.loud != loud || strcmp(tree.s.label, "a \"b\"\n")) {
        fprintf(
            stderr, "defaults: %s decoded wrong: %lld %s %d %d %g %lld %d\n",
            text, (long long)tree.s.size, tree.s.name, tree.s.on,
            (int)tree.s.color, tree.s.scale, (long long)tree.page, tree.loud);
        bad = 1;
    } else if (trc != 0 || !same(&tree, &fast)) {
        fprintf(stderr, "defaults: %s: the streaming decoder %s\n", text,
                trc ? "gave up" : "disagrees");
        bad = 1;
    }
    siop_arena_free(arena);
    return bad;
}

static int refused(const char *text, const char *want)
{
    sio_arena *arena = siop_arena_new();
    list_args tree, fast;
    sio_error err;
    int trc, rc = decode(text, &tree, &fast, &trc, arena, &err), bad = 0;

    if (rc == 0 || trc == 0 || strcmp(err.text, want)) {
        fprintf(stderr, "defaults: %s: got '%s' (text %d), want '%s'\n", text,
                rc ? err.text : "accepted", trc, want);
        bad = 1;
    }
    siop_arena_free(arena);
    return bad;
}

int main(void)
{
    int bad = 0;

    bad +=
        check("[{}]", 10, "anon", false, defaults_Color_dark_blue, -2.5, 1, true);
    bad += check("[{\"size\": null, \"name\": null, \"on\": null, \"color\": "
                 "null, \"scale\": null, \"label-text\": null}, null, null]",
                 10, "anon", false, defaults_Color_dark_blue, -2.5, 1, true);
    bad += check("[{\"size\": 100, \"name\": \"\", \"on\": true, \"color\": "
                 "\"red\", \"scale\": 0.5}, 7, false]",
                 100, "", true, defaults_Color_red, 0.5, 7, false);
    bad += check("[{\"label-text\": \"a \\\"b\\\"\\n\"}, 2]", 10, "anon", false,
                 defaults_Color_dark_blue, -2.5, 2, true);
    bad += refused("[{\"size\": 0}]", "s.size: expected int from 1 to 100");
    bad += refused("[{\"size\": \"10\"}]", "s.size: expected int");
    bad += refused("[{\"name\": \"123456789\"}]",
                   "s.name: expected string of at most 8 characters");
    bad += refused("[{\"color\": \"blue\"}]",
                   "s.color: expected Color, one of \"red\", \"green\", "
                   "\"dark-blue\"");
    bad += refused("[{}, 1, true, 4]", "expected 1 to 3 arguments, got 4");
    bad += refused("[]", "s: missing (expected Settings)");

    return bad != 0;
}
