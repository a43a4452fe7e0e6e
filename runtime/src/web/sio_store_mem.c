/* sio_store_mem.c - the in-memory server-side session store: id ->
 * session, entries idle past max_age dropped when next looked up. */
#include "sio.h"
#include "map.h"
#include "sio_cookie.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct stored {
    json_t *session;
    int64_t touched; /* seconds */
    char id[];
} stored;

typedef struct mem_store {
    sio_session_store base;
    map entries; /* id -> stored */
    int64_t max_age_s;
    size_t max_sessions;
} mem_store;

static void stored_free(stored *st)
{
    json_decref(st->session);
    free(st);
}

/* Drops every expired entry (only when full: it walks them all).
 * Collected first: deleting while walking would reorder the map. */
static void purge_expired(mem_store *m)
{
    int64_t now = util_now_s();
    stored **old = malloc(m->entries.len * sizeof *old);
    size_t n = 0;
    map_entry *e;

    if (!old)
        return;
    for (size_t i = 0; map_next(&m->entries, &i, &e);)
        if (now - ((stored *)e->value)->touched > m->max_age_s)
            old[n++] = e->value;
    for (size_t i = 0; i < n; i++) {
        map_del(&m->entries, old[i]->id, strlen(old[i]->id));
        stored_free(old[i]);
    }
    free(old);
}

static json_t *mem_load(sio_session_store *base, const char *id)
{
    mem_store *m = (mem_store *)base;
    stored *st = id ? map_get(&m->entries, id, strlen(id)) : NULL;
    int64_t now = util_now_s();

    if (!st)
        return NULL;
    if (now - st->touched > m->max_age_s) {
        map_del(&m->entries, st->id, strlen(st->id));
        stored_free(st);
        return NULL;
    }
    st->touched = now; /* a read is use too: expiry is by idleness */
    return json_deep_copy(st->session);
}

static int mem_save(sio_session_store *base, const char *id,
                    const json_t *session)
{
    mem_store *m = (mem_store *)base;
    size_t n = strlen(id);
    stored *st = map_get(&m->entries, id, n);
    json_t *copy = json_deep_copy(session);

    if (!copy)
        return SIO_ENOMEM;
    if (!st && m->entries.len >= m->max_sessions)
        purge_expired(m);
    if (!st && m->entries.len >= m->max_sessions) {
        json_decref(copy);
        return SIO_ELIMIT; /* bounded: a flood of new ids cannot grow it */
    }
    if (!st) {
        if (!(st = calloc(1, sizeof *st + n + 1))) {
            json_decref(copy);
            return SIO_ENOMEM;
        }
        memcpy(st->id, id, n + 1);
        if (map_put(&m->entries, st->id, n, st) != 0) {
            json_decref(copy);
            free(st);
            return SIO_ENOMEM;
        }
    }
    json_decref(st->session);
    st->session = copy;
    st->touched = util_now_s();
    return 0;
}

static void mem_remove(sio_session_store *base, const char *id)
{
    mem_store *m = (mem_store *)base;
    stored *st = map_del(&m->entries, id, strlen(id));

    if (st)
        stored_free(st);
}

static void mem_free(sio_session_store *base)
{
    mem_store *m = (mem_store *)base;
    map_entry *e;

    for (size_t i = 0; map_next(&m->entries, &i, &e);)
        stored_free(e->value);
    map_fini(&m->entries);
    free(m);
}

sio_session_store *sio_session_store_memory(int64_t max_age_s,
                                            size_t max_sessions)
{
    mem_store *m = calloc(1, sizeof *m);

    if (!m)
        return NULL;
    m->base.load = mem_load;
    m->base.save = mem_save;
    m->base.free = mem_free;
    m->base.remove = mem_remove;
    m->max_age_s = max_age_s > 0 ? max_age_s : SIO_COOKIE_FLASK_MAX_AGE;
    m->max_sessions = max_sessions ? max_sessions : 100000;
    map_init(&m->entries);
    return &m->base;
}
