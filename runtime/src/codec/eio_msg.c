/* eio_msg.c - refcounted wire messages with LWS_PRE headroom.
 *
 * One allocation: the header, LWS_PRE bytes that lws_write() may use in
 * front of the payload, then the payload. The count is atomic so that a
 * message built on another thread can be handed to the loop, and so a
 * future adapter may share it; appending is only allowed while unshared,
 * which is what lets append realloc the block. */
#include <assert.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "eio.h"
#include "eio_packet.h"

struct eio_msg_pool {
    eio_msg *free; /* linked through pool_next */
    size_t nfree, max, cap;
    size_t out;  /* messages of the pool not yet returned */
    bool closed; /* its owner freed it: the last one out frees it */
};

struct eio_msg {
    atomic_size_t refs;
    size_t len;
    size_t cap; /* payload capacity, headroom excluded */
    bool binary;
    eio_msg_pool *pool; /* NULL: freed at the last unref */
    eio_msg *pool_next;
    /* LWS_PRE headroom then cap bytes; max_align_t keeps lws' padding
     * assumptions about alignment true. */
    _Alignas(max_align_t) uint8_t mem[];
};

static uint8_t *payload(const eio_msg *m)
{
    return (uint8_t *)m->mem + LWS_PRE;
}

static eio_msg *msg_alloc(eio_msg *old, size_t cap)
{
    if (cap > SIZE_MAX - sizeof(eio_msg) - LWS_PRE)
        return NULL;
    return realloc(old, sizeof(eio_msg) + LWS_PRE + cap);
}

eio_msg *eio_msg_new(size_t reserve, bool binary)
{
    eio_msg *m = msg_alloc(NULL, reserve);

    if (!m)
        return NULL;
    atomic_init(&m->refs, 1);
    m->len = 0;
    m->cap = reserve;
    m->binary = binary;
    m->pool = NULL;
    return m;
}

eio_msg_pool *eiop_msg_pool_new(size_t cap, size_t max)
{
    eio_msg_pool *p = calloc(1, sizeof *p);

    if (p)
        p->cap = cap, p->max = max;
    return p;
}

eio_msg *eiop_msg_pool_get(eio_msg_pool *p, bool binary)
{
    eio_msg *m = p->free;

    if (m) {
        p->free = m->pool_next;
        p->nfree--;
        atomic_init(&m->refs, 1);
        m->len = 0;
        m->binary = binary;
    } else if (!(m = eio_msg_new(p->cap, binary))) {
        return NULL;
    }
    m->pool = p;
    p->out++;
    return m;
}

static void pool_put(eio_msg_pool *p, eio_msg *m)
{
    p->out--;
    if (p->closed || p->nfree >= p->max || m->cap != p->cap) {
        free(m);
        if (p->closed && !p->out)
            free(p);
        return;
    }
    m->pool_next = p->free;
    p->free = m;
    p->nfree++;
}

void eiop_msg_pool_free(eio_msg_pool *p)
{
    if (!p)
        return;
    while (p->free) {
        eio_msg *m = p->free;
        p->free = m->pool_next;
        free(m);
    }
    p->nfree = 0;
    p->closed = true;
    if (!p->out)
        free(p);
}

static int msg_grow(eio_msg **m, size_t need)
{
    size_t cap = (*m)->cap;
    eio_msg *nm;

    if (cap < 64)
        cap = 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    nm = msg_alloc(*m, cap);
    if (!nm)
        return EIO_ENOMEM;
    nm->cap = cap;
    *m = nm;
    return 0;
}

int eio_msg_append(eio_msg **m, const void *p, size_t n)
{
    eio_msg *mm = *m;

    assert(atomic_load(&mm->refs) == 1);
    if (n == 0)
        return 0;
    if (n > SIZE_MAX - mm->len)
        return EIO_ENOMEM;
    if (mm->len + n > mm->cap && msg_grow(m, mm->len + n) != 0)
        return EIO_ENOMEM;
    mm = *m;
    memcpy(payload(mm) + mm->len, p, n);
    mm->len += n;
    return 0;
}

eio_msg *eio_msg_text(char type, const void *payload_, size_t n)
{
    eio_msg *m;

    if (n == SIZE_MAX)
        return NULL;
    m = eio_msg_new(n + 1, false);
    if (!m)
        return NULL;
    payload(m)[0] = (uint8_t)type;
    if (n)
        memcpy(payload(m) + 1, payload_, n);
    m->len = n + 1;
    return m;
}

const uint8_t *eio_msg_data(const eio_msg *m)
{
    return payload(m);
}

uint8_t *eio_msg_wdata(eio_msg *m)
{
    assert(atomic_load(&m->refs) == 1);
    return payload(m);
}

/* lws writes a frame header into the LWS_PRE bytes before the payload.
 * A shared message gets the same header from every write (server frames
 * are unmasked and no extension is negotiated), so this is safe on the
 * loop thread even for a broadcast. */
uint8_t *eiop_msg_frame(eio_msg *m)
{
    return payload(m);
}

void eiop_msg_truncate(eio_msg *m, size_t len)
{
    assert(atomic_load(&m->refs) == 1 && len <= m->len);
    m->len = len;
}

size_t eio_msg_len(const eio_msg *m)
{
    return m->len;
}

bool eio_msg_binary(const eio_msg *m)
{
    return m->binary;
}

eio_msg *eio_msg_ref(eio_msg *m)
{
    atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

void eio_msg_unref(eio_msg *m)
{
    if (!m)
        return;
    if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (m->pool)
        pool_put(m->pool, m);
    else
        free(m);
}

size_t eiop_msg_footprint(const eio_msg *m)
{
    /* 16: a malloc chunk header and rounding, on glibc */
    return sizeof(eio_msg) + LWS_PRE + m->cap + sizeof(eio_msg *) + 16;
}
