/* fuzz_redis.c - hostile messages of the Redis channels through the
 * cluster adapter's decoder (msgpack or JSON): it either refuses or
 * gives a value whose msgpack decodes again to the same value. */
#include <stdint.h>
#include <stdlib.h>

#include "redis_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = siop_redis_decode(data, size), *again;
    char *buf;
    size_t len;

    if (!v)
        return 0;
    if (siop_redis_pack(v, &buf, &len) != 0)
        abort(); /* what was decoded can be written */
    again = siop_redis_decode(buf, len);
    /* msgpack round trip: messages are maps or arrays (a bare 123 would
     * start with '{' and read as JSON, on Node's side too). */
    if (data[0] != '{' && (json_is_object(v) || json_is_array(v)) &&
        (!again || !json_equal(v, again)))
        abort();
    json_decref(again);
    free(buf);
    json_decref(v);
    return 0;
}
