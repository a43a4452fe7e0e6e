/* Types from an imported schema decode through the importer's tables
 * into the imported C types, with their limits; its enum functions come
 * from the imported schema's C file.
 * schema: import_main.sio
 */
#include <stdio.h>
#include <string.h>

#include "import_main.sio.h"
#include "sio_internal_typed.h"

static int fail(const char *what)
{
    fprintf(stderr, "imported_types: %s\n", what);
    return 1;
}

/* Decodes args for "draw"; want NULL: accepted, else the error text. */
static int draw(const char *args, const char *want, app_Shape *shape)
{
    const sio_params *p = app_schema.namespaces[0].events[0].args;
    json_t *a = json_loads(args, 0, NULL);
    sio_arena *arena = siop_arena_new();
    unsigned char buf[256];
    sio_error err;
    int rc, bad = 0;

    if (!a || !arena || p->size > sizeof buf)
        return fail("setup");
    rc = siop_decode_params(p, a, buf, arena, &err);
    if (want ? rc == 0 || strcmp(err.text, want) != 0 : rc != 0)
        bad = fail(rc ? err.text : args);
    else if (!want)
        memcpy(shape, buf + p->fields[0].offset, sizeof *shape);
    json_decref(a);
    siop_arena_free(arena);
    return bad;
}

int main(void)
{
    app_Shape s;
    common_Mood m = common_Mood_happy;
    int bad = 0;

    bad += draw("[{\"at\": {\"x\": -1, \"y\": 2}, \"mood\": \"sad\", "
                "\"corners\": []}, null]",
                NULL, &s);
    if (!bad && (s.at.x != -1 || s.at.y != 2 || !s.has_mood ||
                 s.mood != common_Mood_sad || s.n_corners != 0))
        bad += fail("Shape decoded wrong");
    bad += draw("[{\"at\": {\"x\": 1, \"y\": -2}, \"corners\": []}, null]",
                "s.at.y: expected int of at least 0", &s);
    bad += draw("[{\"at\": {\"x\": 1, \"y\": 2}, \"mood\": \"meh\", "
                "\"corners\": []}, null]",
                "s.mood: expected Mood, one of \"happy\", \"sad\"", &s);
    if (!common_Mood_parse("sad", &m) || m != common_Mood_sad ||
        strcmp(common_Mood_name(m), "sad") != 0)
        bad += fail("the imported enum's functions");
    return bad != 0;
}
