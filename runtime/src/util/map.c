/* map.c - see map.h. */
#include "map.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Clients choose many keys (room names, event names, session ids they
 * send), so an unkeyed hash lets them pick names that share one probe
 * chain and turn every lookup linear. SipHash-1-3 with a random key per
 * process: short, well studied (the default of Python and Rust maps), and
 * without the key nobody can predict where a name lands. OpenSSL has
 * SipHash only behind EVP_MAC, an allocation per call: too slow here. */
static uint64_t sip_k0, sip_k1;
static pthread_once_t sip_once = PTHREAD_ONCE_INIT;

static void sip_key_init(void)
{
    unsigned char k[16];
    struct timespec ts;

    if (RAND_bytes(k, sizeof k) != 1) {
        /* No CSPRNG: still a key no client sees, if a weaker one. */
        clock_gettime(CLOCK_REALTIME, &ts);
        memcpy(k, &ts, sizeof ts < sizeof k ? sizeof ts : sizeof k);
    }
    memcpy(&sip_k0, k, 8);
    memcpy(&sip_k1, k + 8, 8);
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
    do {                                                                       \
        v0 += v1;                                                              \
        v1 = ROTL(v1, 13);                                                     \
        v1 ^= v0;                                                              \
        v0 = ROTL(v0, 32);                                                     \
        v2 += v3;                                                              \
        v3 = ROTL(v3, 16);                                                     \
        v3 ^= v2;                                                              \
        v0 += v3;                                                              \
        v3 = ROTL(v3, 21);                                                     \
        v3 ^= v0;                                                              \
        v2 += v1;                                                              \
        v1 = ROTL(v1, 17);                                                     \
        v1 ^= v2;                                                              \
        v2 = ROTL(v2, 32);                                                     \
    } while (0)

static uint64_t load_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t hash_bytes(const char *key, size_t n)
{
    const unsigned char *p = (const unsigned char *)key;
    uint64_t v0, v1, v2, v3, m, b = (uint64_t)n << 56;
    size_t i;

    pthread_once(&sip_once, sip_key_init);
    v0 = sip_k0 ^ 0x736f6d6570736575ULL;
    v1 = sip_k1 ^ 0x646f72616e646f6dULL;
    v2 = sip_k0 ^ 0x6c7967656e657261ULL;
    v3 = sip_k1 ^ 0x7465646279746573ULL;
    for (i = 0; i + 8 <= n; i += 8) {
        m = load_le64(p + i);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; i + j < n; j++)
        b |= (uint64_t)p[i + j] << (8 * j);
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
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
