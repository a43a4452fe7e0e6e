/* sio_recovery.c - connection state recovery, as socket.io 4.6+ does it
 * (sio_options.recovery_ms).
 *
 * Every event sent without an ack and not volatile gets an offset as its
 * last argument and is kept, with its target, for recovery_ms. A socket
 * whose connection ends without a goodbye (transport closed or broken,
 * ping timeout) leaves a session behind: its sid, its private id (pid,
 * which only its client knows: the CONNECT answer carried it) and its
 * rooms. A client that comes back in time with {pid, offset} in its
 * CONNECT auth gets the same sid, its rooms, and every kept event after
 * that offset that its target would have reached, in order; anything
 * else is a fresh socket. Offsets are "<epoch>-<n>": n counts the
 * namespace's kept events, the epoch (random per namespace) keeps
 * offsets of another server or an earlier run from matching. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sio_internal.h"

#define EPOCH_LEN 8
#define OFFSET_MAX (EPOCH_LEN + 1 + 20 + 1)

typedef struct rec_packet {
    uint64_t at_ms;
    sio_encoded e; /* offset included */
    char *to_sid;  /* an emit to one socket, else NULL */
    char *except_sid;
    char **rooms; /* none and no to_sid: the whole namespace */
    char **except;
    uint8_t nrooms, nexcept;
} rec_packet;

typedef struct rec_session {
    char sid[UTIL_ID_LEN + 1];
    char pid[UTIL_ID_LEN + 1];
    char **rooms;
    size_t nrooms;
    uint64_t gone_ms;
} rec_session;

struct siop_recovery {
    sio_namespace *ns;
    char epoch[EPOCH_LEN + 1];
    uint64_t first_seq; /* the offset number of ring[head] */
    rec_packet *ring;
    size_t head, len, cap; /* cap: a power of two */
    map sessions;          /* pid -> rec_session */
    eio_timer *sweep;
};

static uint64_t now_ms(const sio_namespace *ns)
{
    return eio_server_now_ms(ns->srv->eio);
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static char **copy_names(const char *const *v, size_t n)
{
    char **d = n ? calloc(n, sizeof *d) : NULL;

    for (size_t i = 0; d && i < n; i++)
        if (!(d[i] = strdup(v[i]))) {
            free_names(d, n);
            return NULL;
        }
    return d;
}

static void packet_fini(rec_packet *p)
{
    siop_encoded_fini(&p->e);
    free(p->to_sid);
    free(p->except_sid);
    free_names(p->rooms, p->nrooms);
    free_names(p->except, p->nexcept);
}

static void session_free(rec_session *s)
{
    free_names(s->rooms, s->nrooms);
    free(s);
}

static rec_packet *at(siop_recovery *r, size_t i)
{
    return &r->ring[(r->head + i) & (r->cap - 1)];
}

static void drop_oldest(siop_recovery *r)
{
    packet_fini(at(r, 0));
    r->head = (r->head + 1) & (r->cap - 1);
    r->len--;
    r->first_seq++;
}

/* Drops what is older than the window: events, then sessions. */
static void sweep(siop_recovery *r)
{
    uint64_t now = now_ms(r->ns), keep = r->ns->srv->opt.recovery_ms;
    map_entry *e;
    size_t i = 0;

    while (r->len && at(r, 0)->at_ms + keep < now)
        drop_oldest(r);
    while (map_next(&r->sessions, &i, &e)) {
        rec_session *s = e->value;
        if (s->gone_ms + keep < now) {
            map_del(&r->sessions, s->pid, strlen(s->pid));
            session_free(s);
            i = 0; /* the map changed: start over */
        }
    }
}

static void on_sweep(eio_timer *t, void *ud)
{
    siop_recovery *r = ud;

    sweep(r);
    if (r->len || r->sessions.len)
        eio_timer_start(t, r->ns->srv->opt.recovery_ms / 2 + 1);
}

static void arm_sweep(siop_recovery *r)
{
    if (!r->sweep && !(r->sweep = eio_timer_new(r->ns->srv->eio, on_sweep, r)))
        return; /* then the size bound alone limits what is kept */
    if (!eio_timer_active(r->sweep))
        eio_timer_start(r->sweep, r->ns->srv->opt.recovery_ms / 2 + 1);
}

int siop_recovery_init(sio_namespace *ns)
{
    siop_recovery *r;
    char id[UTIL_ID_LEN + 1];

    if (!ns->srv->opt.recovery_ms)
        return 0;
    r = calloc(1, sizeof *r);
    if (!r || util_random_id(id) != 0) {
        free(r);
        return -1;
    }
    /* base64url has '-': keep the epoch free of the separator */
    for (int i = 0; i < EPOCH_LEN; i++)
        r->epoch[i] = id[i] == '-' ? 'A' : id[i];
    r->ns = ns;
    map_init(&r->sessions);
    ns->recovery = r;
    return 0;
}

void siop_recovery_free(sio_namespace *ns)
{
    siop_recovery *r = ns->recovery;
    map_entry *e;

    if (!r)
        return;
    eio_timer_free(r->sweep);
    while (r->len)
        drop_oldest(r);
    free(r->ring);
    for (size_t i = 0; map_next(&r->sessions, &i, &e);)
        session_free(e->value);
    map_fini(&r->sessions);
    free(r);
    ns->recovery = NULL;
}

/* The head message with ,"offset" inserted before its closing ']'. */
static eio_msg *with_offset(const eio_msg *head, const char *offset)
{
    const uint8_t *d = eio_msg_data(head);
    size_t n = eio_msg_len(head), olen = strlen(offset);
    eio_msg *m;

    if (n < 3 || d[n - 1] != ']')
        return NULL;
    m = eio_msg_text((char)d[0], d + 1, n - 2);
    if (!m)
        return NULL;
    if (eio_msg_append(&m, ",\"", 2) != 0 ||
        eio_msg_append(&m, offset, olen) != 0 ||
        eio_msg_append(&m, "\"]", 2) != 0) {
        eio_msg_unref(m);
        return NULL;
    }
    return m;
}

static int ring_push(siop_recovery *r, rec_packet *p)
{
    size_t max = r->ns->srv->opt.recovery_max_packets;

    if (max && r->len >= max)
        drop_oldest(r);
    if (r->len == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        rec_packet *v = malloc(cap * sizeof *v);
        if (!v)
            return SIO_ENOMEM;
        for (size_t i = 0; i < r->len; i++)
            v[i] = *at(r, i);
        free(r->ring);
        r->ring = v;
        r->head = 0;
        r->cap = cap;
    }
    *at(r, r->len++) = *p;
    return 0;
}

/* dst: the messages of src, with references of its own. */
static int share(const sio_encoded *src, sio_encoded *dst)
{
    dst->head = eio_msg_ref(src->head);
    dst->natt = src->natt;
    dst->att = src->natt ? malloc(src->natt * sizeof *dst->att) : NULL;
    if (src->natt && !dst->att) {
        dst->natt = 0;
        return SIO_ENOMEM;
    }
    for (size_t i = 0; i < src->natt; i++)
        dst->att[i] = eio_msg_ref(src->att[i]);
    return 0;
}

/* What the kept event needs of its target. */
static int copy_target(rec_packet *p, const sio_target *t, const sio_socket *to)
{
    if (to)
        return (p->to_sid = strdup(to->sid)) ? 0 : SIO_ENOMEM;
    if (t->except_socket && !(p->except_sid = strdup(t->except_socket->sid)))
        return SIO_ENOMEM;
    p->nrooms = t->nrooms;
    p->nexcept = t->nexcept;
    if ((t->nrooms && !(p->rooms = copy_names(t->rooms, t->nrooms))) ||
        (t->nexcept && !(p->except = copy_names(t->except, t->nexcept))))
        return SIO_ENOMEM;
    return 0;
}

int siop_recovery_stamp(sio_namespace *ns, const sio_target *t,
                        const sio_socket *to, sio_encoded *e)
{
    siop_recovery *r = ns->recovery;
    rec_packet p = {0};
    char offset[OFFSET_MAX];
    eio_msg *m;

    if (!r)
        return 0;
    snprintf(offset, sizeof offset, "%s-%" PRIu64, r->epoch,
             r->first_seq + r->len);
    if (!(m = with_offset(e->head, offset)))
        return SIO_ENOMEM;
    eio_msg_unref(e->head);
    e->head = m;
    p.at_ms = now_ms(ns);
    if (share(e, &p.e) != 0 || copy_target(&p, t, to) != 0 ||
        ring_push(r, &p) != 0) {
        packet_fini(&p);
        return SIO_ENOMEM;
    }
    arm_sweep(r);
    return 0;
}

bool sio_adapter_stamped(const sio_adapter *a, const sio_target *t)
{
    return a && a->ns->recovery && !(t->flags & SIO_TARGET_VOLATILE);
}

size_t sio_adapter_broadcast_remote(sio_adapter *local, const sio_encoded *e,
                                    const sio_target *t)
{
    sio_encoded mine = {0};
    size_t n = 0;

    if (!sio_adapter_stamped(local, t))
        return local->ops->broadcast(local, e, t);
    if (share(e, &mine) == 0 &&
        siop_recovery_stamp(local->ns, t, NULL, &mine) == 0)
        n = local->ops->broadcast(local, &mine, t);
    siop_encoded_fini(&mine);
    return n;
}

static bool recoverable(sio_reason why)
{
    switch (why) {
    case SIO_REASON_TRANSPORT_CLOSE:
    case SIO_REASON_TRANSPORT_ERROR:
    case SIO_REASON_PING_TIMEOUT:
    case SIO_REASON_SERVER_SHUTTING_DOWN:
    case SIO_REASON_FORCED_CLOSE:
        return true;
    default:
        return false;
    }
}

void siop_recovery_persist(sio_socket *s, sio_reason why)
{
    siop_recovery *r = s->ns->recovery;
    const char *rooms[256];
    rec_session *k, *old;
    size_t n;

    if (!r || !s->pid[0] || !recoverable(why))
        return;
    n = sio_socket_rooms(s, rooms, 256);
    n = n > 256 ? 256 : n;
    k = calloc(1, sizeof *k);
    if (!k)
        return;
    memcpy(k->sid, s->sid, sizeof k->sid);
    memcpy(k->pid, s->pid, sizeof k->pid);
    k->gone_ms = now_ms(s->ns);
    /* rooms[0] is the sid room: it comes back with the sid */
    k->nrooms = n ? n - 1 : 0;
    if (k->nrooms && !(k->rooms = copy_names(rooms + 1, k->nrooms))) {
        free(k);
        return;
    }
    old = map_get(&r->sessions, k->pid, UTIL_ID_LEN);
    if (map_put(&r->sessions, k->pid, UTIL_ID_LEN, k) != 0) {
        session_free(k);
        return;
    }
    if (old)
        session_free(old);
    arm_sweep(r);
}

/* The kept index after offset, or -1 when offset is not one of ours. */
static long index_after(const siop_recovery *r, const char *offset)
{
    char *end;
    uint64_t seq;

    if (strncmp(offset, r->epoch, EPOCH_LEN) != 0 || offset[EPOCH_LEN] != '-' ||
        offset[EPOCH_LEN + 1] < '0' || offset[EPOCH_LEN + 1] > '9')
        return -1;
    seq = strtoull(offset + EPOCH_LEN + 1, &end, 10);
    if (*end || seq < r->first_seq || seq >= r->first_seq + r->len)
        return -1;
    return (long)(seq - r->first_seq) + 1;
}

static bool among(char *const *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return true;
    return false;
}

static bool member(const rec_session *k, const char *room)
{
    return strcmp(room, k->sid) == 0 || among(k->rooms, k->nrooms, room);
}

/* Would p have reached the socket of session k? */
static bool reaches(const rec_packet *p, const rec_session *k)
{
    bool in = p->nrooms == 0;

    if (p->to_sid)
        return strcmp(p->to_sid, k->sid) == 0;
    if (p->except_sid && strcmp(p->except_sid, k->sid) == 0)
        return false;
    for (size_t i = 0; i < p->nrooms && !in; i++)
        in = member(k, p->rooms[i]);
    for (size_t i = 0; i < p->nexcept && in; i++)
        in = !member(k, p->except[i]);
    return in;
}

siop_restored *siop_recovery_take(sio_namespace *ns, const json_t *auth)
{
    siop_recovery *r = ns->recovery;
    const char *pid = json_string_value(json_object_get(auth, "pid"));
    const char *off = json_string_value(json_object_get(auth, "offset"));
    rec_session *k;
    siop_restored *out;
    long from;

    if (!r || !pid || !off)
        return NULL;
    sweep(r);
    k = map_get(&r->sessions, pid, strlen(pid));
    if (!k || (from = index_after(r, off)) < 0 ||
        map_get(&ns->sockets, k->sid, UTIL_ID_LEN))
        return NULL;
    map_del(&r->sessions, k->pid, UTIL_ID_LEN);
    out = calloc(1, sizeof *out);
    if (out)
        out->missed = calloc(r->len - (size_t)from + 1, sizeof *out->missed);
    if (!out || !out->missed) {
        free(out);
        session_free(k);
        return NULL;
    }
    out->session = k;
    for (size_t i = (size_t)from; i < r->len; i++)
        if (reaches(at(r, i), k) &&
            share(&at(r, i)->e, &out->missed[out->nmissed++]) != 0) {
            siop_restored_free(out);
            return NULL;
        }
    return out;
}

void siop_recovery_apply(sio_socket *s, siop_restored *rs)
{
    rec_session *k = rs->session;

    memcpy(s->sid, k->sid, sizeof s->sid);
    memcpy(s->pid, k->pid, sizeof s->pid);
    s->recovered = true;
}

void siop_recovery_finish(sio_socket *s, siop_restored *rs)
{
    rec_session *k = rs->session;

    for (size_t i = 0; i < k->nrooms; i++)
        if (sio_join(s, k->rooms[i]) != 0)
            siop_log(s, EIO_LOG_WARN, NULL, "recovery: a room not rejoined");
    for (size_t i = 0; i < rs->nmissed && s->conn && s->conn->session; i++)
        if (siop_conn_send(s->conn, &rs->missed[i]) != 0)
            break;
}

void siop_restored_free(siop_restored *rs)
{
    if (!rs)
        return;
    session_free(rs->session);
    for (size_t i = 0; i < rs->nmissed; i++)
        siop_encoded_fini(&rs->missed[i]);
    free(rs->missed);
    free(rs);
}

bool sio_socket_recovered(const sio_socket *s)
{
    return s && s->recovered;
}
