/* fuzz_decoder.c - hostile JSON arguments through the typed walker:
 * decode must either refuse with a message or produce values that
 * encode back and decode again to the same shape. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/typed_fixture.h"
#include "sio_internal_typed.h"

static void check_round_trip(const sio_params *p, const void *out, size_t sz,
                             sio_arena *arena)
{
    sio_error err;
    json_t *back = siop_encode_params(p, out, &err);
    void *again;

    if (!back)
        return; /* e.g. a float that JSON cannot hold: refused cleanly */
    again = malloc(sz);
    if (siop_decode_params(p, back, again, arena, &err) != 0)
        abort(); /* what we encode must decode */
    free(again);
    json_decref(back);
}

static void run(const sio_params *p, size_t sz, json_t *args)
{
    sio_arena *arena = siop_arena_new();
    sio_error err;
    void *out = malloc(sz);

    if (siop_decode_params(p, args, out, arena, &err) == 0)
        check_round_trip(p, out, sz, arena);
    else if (!err.text[0])
        abort(); /* a refusal always says why */
    siop_arena_free(arena);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t e;
    json_t *args = json_loadb((const char *)data, size,
                              JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);

    if (!args)
        return 0;
    /* Strings of exactly 3 bytes at index 5 stand in for attachments. */
    if (json_is_array(args) && json_array_size(args) > 5 &&
        json_is_string(json_array_get(args, 5)))
        json_array_set_new(
            args, 5,
            sio_bytes_new(json_string_value(json_array_get(args, 5)),
                          json_string_length(json_array_get(args, 5))));
    run(&args_params, sizeof(Args), args);
    run(&small_params, sizeof(Small), args);
    json_decref(args);
    return 0;
}
