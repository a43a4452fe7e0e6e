/* Unions on the wire: the tag names the variant wherever it stands in
 * the object; both decoders agree on what they accept; a missing or
 * unknown tag, a tag that is not a string and a bad variant field are
 * refused with the path and the allowed tags.
 * schema: unions.sio
 */
#include <stdio.h>
#include <string.h>

#include "unions.sio.h"
#include "sio_internal_typed.h"

typedef struct draw_args {
    unions_Shape s;
    const unions_Scene *scene;
} draw_args;

static sio_arena *arena;

/* Decodes text for "draw" on both paths; want NULL: accepted (by both,
 * to the same shape), else the tree path's error. */
static int expect(const char *text, const char *want, draw_args *tree)
{
    const sio_params *p = unions_schema.namespaces[0].events[0].args;
    json_t *a = json_loads(text, 0, NULL);
    draw_args fast;
    sio_error err;
    int rc, trc, bad = 0;

    if (!a || strcmp(unions_schema.namespaces[0].events[0].name, "draw")) {
        fprintf(stderr, "unions: setup of %s\n", text);
        return 1;
    }
    rc = siop_decode_params(p, a, tree, arena, &err);
    trc = siop_text_decode_params(p, text, strlen(text), &fast, arena);
    if (siop_arena_defer_decref(arena, a) != 0)
        json_decref(a);
    if (!want && (rc != 0 || trc != 0)) {
        fprintf(stderr, "unions: %s refused: %s (text %d)\n", text,
                rc ? err.text : "", trc);
        bad = 1;
    } else if (!want &&
               (fast.s.tag != tree->s.tag || !fast.scene != !tree->scene)) {
        fprintf(stderr, "unions: %s: the decoders disagree\n", text);
        bad = 1;
    } else if (want && (rc == 0 || strcmp(err.text, want) || trc == 0)) {
        fprintf(stderr, "unions: %s: got '%s' (text %d), want '%s'\n", text,
                rc ? err.text : "accepted", trc, want);
        bad = 1;
    }
    return bad;
}

int main(void)
{
    draw_args d;
    int bad = 0;

    arena = siop_arena_new();
    bad += expect("[{\"kind\": \"circle\", \"r\": 2.5}]", NULL, &d);
    if (d.s.tag != unions_Shape_circle || d.s.circle.r != 2.5)
        bad++, fprintf(stderr, "unions: circle\n");
    /* The tag last; a default in the variant. */
    bad += expect("[{\"side\": 3, \"kind\": \"square\"}]", NULL, &d);
    if (d.s.tag != unions_Shape_square || d.s.square.side != 3 ||
        d.s.square.rotate != 0)
        bad++, fprintf(stderr, "unions: square\n");
    bad += expect("[{\"kind\": \"text-label\", \"text\": \"hi\"}, {\"main\": "
                  "{\"kind\": \"circle\", \"r\": 1}, \"layers\": [{\"kind\": "
                  "\"square\", \"side\": 1, \"rotate-by\": 90}], \"named\": "
                  "{\"a\": {\"r\": 0, \"kind\": \"circle\"}}}]",
                  NULL, &d);
    if (d.s.tag != unions_Shape_label || strcmp(d.s.label.text, "hi") ||
        !d.scene || d.scene->main.tag != unions_Shape_circle ||
        d.scene->extra || d.scene->n_layers != 1 ||
        d.scene->layers[0].square.rotate != 90 || d.scene->named.len != 1 ||
        ((const unions_Shape *)d.scene->named.values)[0].tag !=
            unions_Shape_circle)
        bad++, fprintf(stderr, "unions: scene\n");

    bad += expect("[{\"r\": 1}]",
                  "s.kind: missing (expected one of \"circle\", \"square\", "
                  "\"text-label\")",
                  &d);
    bad += expect("[{\"kind\": \"triangle\", \"r\": 1}]",
                  "s.kind: expected one of \"circle\", \"square\", "
                  "\"text-label\"",
                  &d);
    bad += expect("[{\"kind\": 1}]",
                  "s.kind: expected one of \"circle\", \"square\", "
                  "\"text-label\"",
                  &d);
    bad += expect("[{\"kind\": \"Circle\"}]",
                  "s.kind: expected one of \"circle\", \"square\", "
                  "\"text-label\"",
                  &d);
    bad +=
        expect("[{\"kind\": \"circle\"}]", "s.r: missing (expected float)", &d);
    bad += expect("[{\"kind\": \"circle\", \"r\": \"2\"}]",
                  "s.r: expected float", &d);
    bad += expect("[{\"kind\": \"text-label\", \"text\": \"\"}]",
                  "s.text: expected string of at least 1 character", &d);
    bad += expect("[[\"circle\"]]", "s: expected Shape", &d);
    bad += expect("[\"circle\"]", "s: expected Shape", &d);
    bad += expect("[null]", "s: expected Shape", &d);
    bad += expect("[{\"kind\": \"circle\", \"r\": 1}, {\"main\": {\"kind\": "
                  "\"circle\", \"r\": 1}, \"layers\": [{\"kind\": \"x\"}], "
                  "\"named\": {}}]",
                  "scene.layers[0].kind: expected one of \"circle\", "
                  "\"square\", \"text-label\"",
                  &d);
    bad += expect("[{\"kind\": \"circle\", \"r\": 1}, {\"main\": {\"kind\": "
                  "\"circle\", \"r\": 1}, \"layers\": [], \"named\": {\"k\": "
                  "{}}}]",
                  "scene.named.k.kind: missing (expected one of \"circle\", "
                  "\"square\", \"text-label\")",
                  &d);
    siop_arena_free(arena);
    return bad != 0;
}
