/* sio_store_mem.c - the in-memory server-side session store: id ->
 * session, entries idle past max_age dropped when next looked up.
 *
 * Full, it makes room: first the expired entries, then the anonymous
 * session used least recently (no "_user_id": anyone can make those by
 * the thousand); a logged-in one is never evicted, a save is refused
 * instead. Two lists in order of use make each of these O(1). */
#include "sio.h"
#include "map.h"
#include "sio_cookie.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A list in order of use, oldest first; LRU_ALL holds every entry,
 * LRU_ANON the anonymous ones. */
enum { LRU_ALL, LRU_ANON };

typedef struct stored stored;
typedef struct lru_link {
    stored *prev, *next;
} lru_link;

struct stored {
    json_t *session;
    int64_t touched; /* seconds */
    lru_link l[2];
    bool anon; /* in the LRU_ANON list */
    char id[];
};

typedef struct mem_store {
    sio_session_store base;
    map entries; /* id -> stored */
    stored *head[2], *tail[2];
    int64_t max_age_s;
    size_t max_sessions;
} mem_store;

static void lru_unlink(mem_store *m, stored *st, int k)
{
    lru_link *l = &st->l[k];

    if (l->prev)
        l->prev->l[k].next = l->next;
    else
        m->head[k] = l->next;
    if (l->next)
        l->next->l[k].prev = l->prev;
    else
        m->tail[k] = l->prev;
    *l = (lru_link){NULL, NULL};
}

static void lru_append(mem_store *m, stored *st, int k)
{
    st->l[k] = (lru_link){m->tail[k], NULL};
    if (m->tail[k])
        m->tail[k]->l[k].next = st;
    else
        m->head[k] = st;
    m->tail[k] = st;
}

/* st was used now: to the end of its lists. */
static void touch(mem_store *m, stored *st)
{
    bool anon = !json_object_get(st->session, "_user_id");

    st->touched = util_now_s();
    lru_unlink(m, st, LRU_ALL);
    lru_append(m, st, LRU_ALL);
    if (st->anon)
        lru_unlink(m, st, LRU_ANON);
    if ((st->anon = anon))
        lru_append(m, st, LRU_ANON);
}

static void stored_drop(mem_store *m, stored *st)
{
    map_del(&m->entries, st->id, strlen(st->id));
    lru_unlink(m, st, LRU_ALL);
    if (st->anon)
        lru_unlink(m, st, LRU_ANON);
    json_decref(st->session);
    free(st);
}

/* Room for one more: expired entries go, then the least recently used
 * anonymous one. False when only logged-in sessions are left. */
static bool make_room(mem_store *m)
{
    int64_t now = util_now_s();

    while (m->head[LRU_ALL] && now - m->head[LRU_ALL]->touched > m->max_age_s)
        stored_drop(m, m->head[LRU_ALL]);
    if (m->entries.len < m->max_sessions)
        return true;
    if (!m->head[LRU_ANON])
        return false;
    stored_drop(m, m->head[LRU_ANON]);
    return true;
}

static json_t *mem_load(sio_session_store *base, const char *id)
{
    mem_store *m = (mem_store *)base;
    stored *st = id ? map_get(&m->entries, id, strlen(id)) : NULL;
    int64_t now = util_now_s();

    if (!st)
        return NULL;
    if (now - st->touched > m->max_age_s) {
        stored_drop(m, st);
        return NULL;
    }
    touch(m, st); /* a read is use too: expiry is by idleness */
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
    if (!st && m->entries.len >= m->max_sessions && !make_room(m)) {
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
        lru_append(m, st, LRU_ALL);
    }
    json_decref(st->session);
    st->session = copy;
    touch(m, st);
    return 0;
}

static void mem_remove(sio_session_store *base, const char *id)
{
    mem_store *m = (mem_store *)base;
    stored *st = map_get(&m->entries, id, strlen(id));

    if (st)
        stored_drop(m, st);
}

static void mem_free(sio_session_store *base)
{
    mem_store *m = (mem_store *)base;
    map_entry *e;

    for (size_t i = 0; map_next(&m->entries, &i, &e);) {
        json_decref(((stored *)e->value)->session);
        free(e->value);
    }
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
