/* fuzz_redis.c - hostile messages of the Redis channels through the
 * cluster adapter's decoder (msgpack or JSON): it either refuses or
 * gives a value whose msgpack decodes again to the same value. Inputs
 * starting with 'U' go to the Redis URL parser instead. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redis_internal.h"

static void url(const uint8_t *data, size_t size)
{
    char *s = malloc(size);
    siop_redis_url u = {0};

    if (!s)
        return;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    if (siop_redis_parse_url(&u, s) == 0 &&
        (!u.host || !u.host[0] || u.port < 1 || u.port > 65535))
        abort(); /* accepted: a host and a port */
    siop_redis_url_fini(&u);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v, *again;
    char *buf;
    size_t len;

    if (size && data[0] == 'U') {
        url(data, size);
        return 0;
    }
    if (!(v = siop_redis_decode(data, size)))
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
