/* map.c - see map.h. */
#include "map.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: keys are short (sids, event names) and come from clients, but
 * a client cannot choose sids, and event names are looked up in maps the
 * application fills, so flooding one chain buys an attacker nothing. */
static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void map_init(map *m)
{
    m->slots = NULL;
    m->cap = 0;
    m->len = 0;
}

void map_fini(map *m)
{
    free(m->slots);
    map_init(m);
}

static size_t find_slot(const map *m, const char *key, size_t klen, uint64_t h)
{
    size_t mask = m->cap - 1, i = (size_t)h & mask;
    for (;;) {
        const map_entry *e = &m->slots[i];
        if (!e->key ||
            (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0))
            return i;
        i = (i + 1) & mask;
    }
}

void *map_get(const map *m, const char *key, size_t klen)
{
    if (!m->cap)
        return NULL;
    const map_entry *e =
        &m->slots[find_slot(m, key, klen, hash_bytes(key, klen))];
    return e->key ? e->value : NULL;
}

static int grow(map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    map_entry *old = m->slots, *slots = calloc(ncap, sizeof *slots);
    size_t ocap = m->cap;

    if (!slots)
        return -1;
    m->slots = slots;
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].key)
            m->slots[find_slot(m, old[i].key, old[i].klen, old[i].hash)] =
                old[i];
    free(old);
    return 0;
}

int map_put(map *m, const char *key, size_t klen, void *value)
{
    uint64_t h = hash_bytes(key, klen);
    size_t i;

    /* Keep the load under 3/4 so probes stay short. */
    if ((m->len + 1) * 4 > m->cap * 3 && grow(m) != 0)
        return -1;
    i = find_slot(m, key, klen, h);
    if (!m->slots[i].key)
        m->len++;
    m->slots[i] = (map_entry){key, klen, h, value};
    return 0;
}

void *map_del(map *m, const char *key, size_t klen)
{
    size_t mask, i, j;
    void *value;

    if (!m->cap)
        return NULL;
    mask = m->cap - 1;
    i = find_slot(m, key, klen, hash_bytes(key, klen));
    if (!m->slots[i].key)
        return NULL;
    value = m->slots[i].value;
    /* Backward-shift: move later entries of the run into the hole when
     * their home slot is not between the hole and themselves. */
    for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
        size_t home = (size_t)m->slots[j].hash & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].key = NULL;
    m->len--;
    return value;
}

int map_next(const map *m, size_t *i, map_entry **e)
{
    while (*i < m->cap) {
        map_entry *s = &m->slots[(*i)++];
        if (s->key) {
            *e = s;
            return 1;
        }
    }
    return 0;
}
