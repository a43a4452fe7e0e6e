/* Maps on the wire: decoded by both decoders to the same keys (in the
 * order sent) and values; hostile input refused by the tree walker with
 * the path and the type, and never accepted by the streaming decoder:
 * wrong types, too many or too few keys, bad values deep inside, deep
 * nesting through a record that holds itself in a map, a repeated key
 * (the last value wins, at the first one's place).
 * schema: maps.sio
 */
#include <stdio.h>
#include <string.h>

#include "maps.sio.h"
#include "sio_internal_typed.h"

typedef struct score_args {
    sio_map points;
    const maps_Board *board;
} score_args;

typedef struct tags_args {
    const sio_map *t;
} tags_args;

static const sio_params *args_of(const char *event)
{
    const sio_namespace_desc *ns = &maps_schema.namespaces[0];

    for (size_t i = 0; i < ns->nevents; i++)
        if (!strcmp(ns->events[i].name, event))
            return ns->events[i].args;
    return NULL;
}

static sio_arena *arena;

/* Decodes text for event on both paths: the tree's into tree, the
 * streaming decoder's verdict in *text_rc. want NULL: accepted, else
 * the error text. Returns 1 on a mismatch. */
static int expect(const char *event, const char *text, const char *want,
                  void *tree, int *text_rc)
{
    const sio_params *p = args_of(event);
    json_t *a = json_loads(text, 0, NULL);
    unsigned char fast[256];
    sio_error err;
    int rc, bad = 0;

    if (!p || !a || p->size > sizeof fast) {
        fprintf(stderr, "maps: setup of %s %s\n", event, text);
        return 1;
    }
    rc = siop_decode_params(p, a, tree, arena, &err);
    *text_rc = siop_text_decode_params(p, text, strlen(text), fast, arena);
    if (siop_arena_defer_decref(arena, a) != 0)
        json_decref(a);
    if (!want && rc != 0) {
        fprintf(stderr, "maps: %s %s refused: %s\n", event, text, err.text);
        bad = 1;
    } else if (want && (rc == 0 || strcmp(err.text, want) != 0)) {
        fprintf(stderr, "maps: %s %s: got '%s', want '%s'\n", event, text,
                rc == 0 ? "accepted" : err.text, want);
        bad = 1;
    } else if (want && *text_rc == 0) {
        fprintf(stderr, "maps: %s %s: the streaming decoder accepted it\n",
                event, text);
        bad = 1;
    }
    return bad;
}

static int refused(const char *event, const char *text, const char *want)
{
    unsigned char tree[256];
    int trc;

    return expect(event, text, want, tree, &trc);
}

static int key_is(const sio_map *m, size_t i, const char *k)
{
    return i < m->len && !strcmp(m->keys[i], k);
}

static int int_at(const sio_map *m, size_t i)
{
    return (int)((const int64_t *)m->values)[i];
}

/* A Board of depth records, each holding the next in "next" under "k". */
static char *nested_board(int depth)
{
    static const char head[] =
        "{\"players\": {\"p\": {\"name\": \"n\", \"scores\": {}, \"levels\": "
        "{}}}, \"grid\": {}, \"nested\": {}, \"history\": [], \"next\": "
        "{\"k\": ";
    static const char last[] =
        "{\"players\": {\"p\": {\"name\": \"n\", \"scores\": {}, \"levels\": "
        "{}}}, \"grid\": {}, \"nested\": {}, \"history\": []}";
    size_t n = (sizeof head + 3) * (size_t)depth + sizeof last + 16;
    char *s = malloc(n), *p = s;

    p += sprintf(p, "[{}, ");
    for (int i = 0; i < depth; i++)
        p += sprintf(p, "%s", head);
    p += sprintf(p, "%s", last);
    for (int i = 0; i < depth; i++)
        p += sprintf(p, "}}");
    sprintf(p, "]");
    return s;
}

int main(void)
{
    score_args s;
    tags_args t;
    int bad = 0, trc;
    char *deep;

    arena = siop_arena_new();
    /* Accepted, the same on both paths; keys in the order sent. */
    bad += expect("score", "[{\"b\": 2, \"a\": 1, \"\\u00e9\": -3}]", NULL, &s,
                  &trc);
    if (s.points.len != 3 || !key_is(&s.points, 0, "b") ||
        !key_is(&s.points, 2, "\xc3\xa9") || int_at(&s.points, 1) != 1 ||
        int_at(&s.points, 2) != -3 || s.board || trc != 0) {
        fprintf(stderr, "maps: points decoded wrong (text %d)\n", trc);
        bad++;
    }
    bad += expect("score", "[{}]", NULL, &s, &trc);
    if (s.points.len != 0 || trc != 0)
        bad++, fprintf(stderr, "maps: an empty map\n");
    /* A repeated key: jansson keeps the last value, at the first place;
     * the streaming decoder leaves it to the tree path. */
    bad += expect("score", "[{\"a\": 1, \"b\": 2, \"a\": 3}]", NULL, &s, &trc);
    if (s.points.len != 2 || !key_is(&s.points, 0, "a") ||
        int_at(&s.points, 0) != 3 || trc == 0)
        bad++, fprintf(stderr, "maps: a repeated key\n");
    bad += expect("tags", "[{\"x\": \"12345678\"}]", NULL, &t, &trc);
    if (!t.t || t.t->len != 1 || trc != 0)
        bad++, fprintf(stderr, "maps: tags\n");
    bad += expect("tags", "[null]", NULL, &t, &trc);
    if (t.t)
        bad++, fprintf(stderr, "maps: absent tags\n");
    deep = nested_board(30);
    bad += expect("score", deep, NULL, &s, &trc);
    free(deep);

    /* Wrong types, at every level. */
    bad += refused("score", "[[1, 2]]", "points: expected {string: int}");
    bad += refused("score", "[\"a\"]", "points: expected {string: int}");
    bad += refused("score", "[null]", "points: expected {string: int}");
    bad += refused("score", "[]", "points: missing (expected {string: int})");
    bad += refused("score", "[{\"a\": \"1\"}]", "points.a: expected int");
    bad += refused("score", "[{\"a\": 1.5}]", "points.a: expected int");
    bad += refused("score", "[{\"a\": null}]", "points.a: expected int");
    bad += refused("score", "[{\"_sio_bytes\": \"abc\"}]",
                   "points: expected {string: int}");
    bad += refused("score", "[{}, {\"players\": {\"p\": 1}}]",
                   "board.players.p: expected Player");
    bad += refused("score",
                   "[{}, {\"players\": {\"p\": {\"name\": \"n\", \"scores\": "
                   "{\"g\": -1}, \"levels\": {}}}}]",
                   "board.players.p.scores.g: expected int of at least 0");
    bad += refused("score",
                   "[{}, {\"players\": {\"p\": {\"name\": \"n\", \"scores\": "
                   "{}, \"levels\": {\"a\": \"mid\"}}}}]",
                   "board.players.p.levels.a: expected Level, one of \"low\", "
                   "\"high\"");
    bad += refused("score",
                   "[{}, {\"players\": {}, \"grid\": {}, \"nested\": {}, "
                   "\"history\": []}]",
                   "board.players: expected {string: Player} of at least 1 "
                   "key");
    bad += refused("score",
                   "[{}, {\"players\": {\"p\": {\"name\": \"n\", \"scores\": "
                   "{}, \"levels\": {}}}, \"grid\": {\"r\": [1, \"x\"]}, "
                   "\"nested\": {}, \"history\": []}]",
                   "board.grid.r[1]: expected int");
    bad += refused("score",
                   "[{}, {\"players\": {\"p\": {\"name\": \"n\", \"scores\": "
                   "{}, \"levels\": {}}}, \"grid\": {}, \"nested\": {\"a\": "
                   "{\"b\": 1}}, \"history\": []}]",
                   "board.nested.a.b: expected bool");
    /* Too many keys (the count before any value), too few. */
    bad += refused("score",
                   "[{}, {\"players\": {\"p\": {\"name\": \"n\", \"scores\": "
                   "{}, \"levels\": {\"a\": 0, \"b\": 0, \"c\": 0, \"d\": 0, "
                   "\"e\": 0}}}}]",
                   "board.players.p.levels: expected {string: Level} of at "
                   "most 4 keys");
    bad += refused("tags",
                   "[{\"a\": \"x\", \"b\": \"x\", \"c\": \"x\", \"d\": \"x\"}]",
                   "t: expected {string: string} of 1 to 3 keys");
    bad +=
        refused("tags", "[{}]", "t: expected {string: string} of 1 to 3 keys");
    bad += refused("tags", "[{\"a\": \"\"}]",
                   "t.a: expected string of 1 to 8 characters");
    /* Control characters of a key are '?' in the path. */
    bad += refused("tags", "[{\"a\\nb\": \"\"}]",
                   "t.a?b: expected string of 1 to 8 characters");
    /* A record holding itself through a map: bounded like records. */
    deep = nested_board(40);
    {
        unsigned char tree[256];
        const sio_params *p = args_of("score");
        json_t *a = json_loads(deep, 0, NULL);
        sio_error err;
        int rc = a ? siop_decode_params(p, a, tree, arena, &err) : 0;
        const char *tail = "nested too deeply";

        if (rc == 0 || strlen(err.text) < strlen(tail) ||
            strcmp(err.text + strlen(err.text) - strlen(tail), tail) != 0 ||
            siop_text_decode_params(p, deep, strlen(deep), tree, arena) == 0) {
            fprintf(stderr, "maps: 40 nested boards: %s\n",
                    rc ? err.text : "accepted");
            bad++;
        }
        json_decref(a);
    }
    free(deep);
    siop_arena_free(arena);
    return bad != 0;
}
