/* Limits in the schema are checked by the decoder, like types: each
 * bound accepted at its edge and refused one past it, with the message
 * naming the argument; an array's length before its elements; strings
 * counted in code points.
 * schema: limits.sio
 */
#include <stdio.h>
#include <string.h>

#include "limits.sio.h"
#include "sio_internal_typed.h"

static const sio_params *args_of(const char *event)
{
    const sio_namespace_desc *ns = &limits_schema.namespaces[0];

    for (size_t i = 0; i < ns->nevents; i++)
        if (!strcmp(ns->events[i].name, event))
            return ns->events[i].args;
    return NULL;
}

/* Decodes args (JSON text) for event; want NULL: accepted, else the
 * error text. Returns 1 on a mismatch. */
static int expect(const char *event, const char *args, const char *want)
{
    const sio_params *p = args_of(event);
    json_t *a = json_loads(args, 0, NULL);
    sio_arena *arena = siop_arena_new();
    unsigned char buf[512];
    sio_error err;
    int rc, bad = 0;

    memset(&err, 0, sizeof err);
    if (!p || !a || !arena || p->size > sizeof buf) {
        fprintf(stderr, "limits: setup of %s %s\n", event, args);
        return 1;
    }
    rc = siop_decode_params(p, a, buf, arena, &err);
    if (!want && rc != 0) {
        fprintf(stderr, "limits: %s %s refused: %s\n", event, args, err.text);
        bad = 1;
    } else if (want && (rc == 0 || strcmp(err.text, want) != 0)) {
        fprintf(stderr, "limits: %s %s: got '%s', want '%s'\n", event, args,
                rc == 0 ? "accepted" : err.text, want);
        bad = 1;
    }
    json_decref(a);
    siop_arena_free(arena);
    return bad;
}

int main(void)
{
    char r64[300], r65[300];
    int bad = 0;

    /* 64 code points of 4 bytes each: 256 bytes, still 64 characters. */
    strcpy(r64, "[\"");
    for (int i = 0; i < 64; i++)
        strcat(r64, "\xf0\x9f\x98\x80");
    strcpy(r65, r64);
    strcat(r65, "x\"]");
    strcat(r64, "\"]");
    bad += expect("join", r64, NULL);
    bad += expect("join", r65, "room: expected string of 1 to 64 characters");
    bad +=
        expect("join", "[\"\"]", "room: expected string of 1 to 64 characters");
    bad += expect("join", "[\"a\"]", NULL);
    bad += expect("join", "[5]", "room: expected string");
    bad += expect("say", "[\"\", \"hi\"]",
                  "room: expected string of at least 1 character");
    bad += expect("say", "[\"r\", \"\"]",
                  "text: expected string of 1 to 1000 characters");
    bad += expect("pick", "[[1, 2], null]", NULL);
    bad += expect("pick", "[[0], null]", "ids[0]: expected int of at least 1");
    bad +=
        expect("pick", "[[], null]", "ids: expected int[] of 1 to 10 elements");
    /* The length first: 11 elements, the bad one among them unseen. */
    bad += expect("pick", "[[1,1,1,1,1,1,1,1,1,1,0], null]",
                  "ids: expected int[] of 1 to 10 elements");
    bad += expect("pick",
                  "[[1], {\"name\": \"n\", \"tags\": [\"a\", \"\"], "
                  "\"scores\": [[]]}]",
                  "p.tags[1]: expected string of at least 1 character");
    bad += expect("pick",
                  "[[1], {\"name\": \"n\", \"tags\": [\"a\",\"b\",\"c\",\"d\","
                  "\"e\",\"f\"], \"scores\": [[]]}]",
                  "p.tags: expected string[] of at most 5 elements");
    bad +=
        expect("pick", "[[1], {\"name\": \"n\", \"tags\": [], \"scores\": []}]",
               "p.scores: expected int[][] of at least 1 element");
    bad += expect("pick",
                  "[[1], {\"name\": \"n\", \"tags\": [], \"scores\": "
                  "[[10, -10], [11]]}]",
                  "p.scores[1][0]: expected int from -10 to 10");
    bad += expect("pick",
                  "[[1], {\"name\": \"n\", \"age\": 151, \"tags\": [], "
                  "\"scores\": [[]]}]",
                  "p.age: expected int from 0 to 150");
    bad += expect("pick",
                  "[[1], {\"name\": \"n\", \"age\": null, \"tags\": [], "
                  "\"scores\": [[]]}]",
                  NULL);
    bad += expect("big", "[-9223372036854775808]", NULL);
    bad += expect("big", "[9223372036854775807]", NULL);
    return bad != 0;
}
