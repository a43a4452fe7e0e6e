/* sio_redis_req.c - requests between the servers of a cluster: answering
 * those of other servers (Node's and sioc's alike) and the cluster
 * operations of sio_redis.h, which count the servers (PUBSUB NUMSUB of
 * the request channel), publish, and collect the answers until every
 * server answered or the time is up. */
#include "redis_internal.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

struct siop_redis_req {
    char id[SIOP_REDIS_REQ_ID_LEN + 1];
    int type;
    sio_redis *r;
    siop_redis_ns *a;
    sio_redis_result_fn fn;
    void *ud;
    json_t *result;  /* what is collected (array, or integer) */
    json_t *msg;     /* to publish once the servers are counted */
    bool pack;       /* msg goes as msgpack (else JSON) */
    long expect;     /* answers (servers) awaited */
    long got;        /* answers received */
    long clients;    /* broadcast with acks: clients counted so far */
    long acks;       /* and acks received */
    int fail_status; /* the status if it ends before it is complete */
    unsigned refs;   /* the map's, a NUMSUB's, each local ack's */
    map seen;        /* sockets, rooms: the strings in result */
    bool counted;    /* the servers are counted (or Redis is down) */
    bool done;
    eio_timer *timer;
};

int siop_redis_new_id(char *out, size_t len)
{
    char id[UTIL_ID_LEN + 1];

    if (len > UTIL_ID_LEN || util_random_id(id) != 0)
        return -1;
    memcpy(out, id, len);
    out[len] = 0;
    return 0;
}

static void req_release(siop_redis_req *q)
{
    if (--q->refs)
        return;
    eio_timer_free(q->timer);
    map_fini(&q->seen);
    json_decref(q->result);
    json_decref(q->msg);
    free(q);
}

static void req_finish(siop_redis_req *q, int status)
{
    if (q->done)
        return;
    q->done = true;
    eio_timer_stop(q->timer);
    map_del(&q->r->reqs, q->id, strlen(q->id));
    q->fn(status, q->result, q->ud);
    req_release(q);
}

static void req_timeout(eio_timer *t, void *ud)
{
    siop_redis_req *q = ud;
    (void)t;
    req_finish(q, q->fail_status);
}

void siop_redis_fail_all(sio_redis *r)
{
    map_entry *e;
    size_t n = 0, k = 0;
    siop_redis_req **v;

    for (size_t i = 0; map_next(&r->reqs, &i, &e);)
        n++;
    if (!n || !(v = malloc(n * sizeof *v)))
        return;
    for (size_t i = 0; map_next(&r->reqs, &i, &e);)
        v[k++] = e->value;
    for (size_t i = 0; i < k; i++)
        req_finish(v[i], SIO_ECLOSED);
    free(v);
}

static void append_unique(json_t *set, map *seen, json_t *list);

/* A new request of a's namespace, in the map, its timer running. */
static siop_redis_req *req_new(siop_redis_ns *a, int type, json_t *result,
                               sio_redis_result_fn fn, void *ud,
                               unsigned timeout_ms)
{
    siop_redis_req *q = calloc(1, sizeof *q);
    eio_server *es = sio_server_engine(a->r->srv);

    if (!q || !result || siop_redis_new_id(q->id, SIOP_REDIS_REQ_ID_LEN) ||
        !(q->timer = eio_timer_new(es, req_timeout, q)) ||
        map_put(&a->r->reqs, q->id, strlen(q->id), q) != 0) {
        if (q)
            eio_timer_free(q->timer);
        free(q);
        json_decref(result);
        return NULL;
    }
    q->type = type;
    q->r = a->r;
    q->a = a;
    q->fn = fn;
    q->ud = ud;
    q->result = result;
    q->refs = 1;
    q->fail_status = SIO_ETIMEOUT;
    map_init(&q->seen);
    if (type == RQ_SOCKETS || type == RQ_ALL_ROOMS) { /* sets of names */
        json_t *local = result;
        q->result = json_array();
        append_unique(q->result, &q->seen, local);
        json_decref(local);
    }
    eio_timer_start(q->timer,
                    timeout_ms ? timeout_ms : a->r->opt.requests_timeout_ms);
    return q;
}

static bool req_complete(const siop_redis_req *q)
{
    /* Local acks may all come before the count of servers. */
    if (!q->counted || q->got < q->expect)
        return false;
    return q->type != RQ_BROADCAST || q->acks >= q->clients;
}

/* Redis is not there: the request ends soon with SIO_ECLOSED and what
 * this server alone collected (never inside the caller's call). */
static void req_degrade(siop_redis_req *q)
{
    q->fail_status = SIO_ECLOSED;
    q->expect = 0;
    q->counted = true;
    if (q->type != RQ_BROADCAST || q->acks >= q->clients)
        eio_timer_start(q->timer, 0);
}

static void on_count(sio_redis *r, long n, void *ud)
{
    siop_redis_req *q = ud;
    int rc = 0;
    (void)r;

    if (q->done) {
        req_release(q);
        return;
    }
    if (n < 0) {
        req_degrade(q);
    } else if (q->type == -1) { /* the server count itself */
        json_decref(q->result);
        q->result = json_integer(n);
        req_finish(q, 0);
    } else {
        q->expect = n - 1; /* NUMSUB counts this server too */
        q->counted = true;
        if (q->expect > 0)
            rc = q->pack
                     ? siop_redis_publish_pack(q->r, q->a->req_chan, q->msg)
                     : siop_redis_publish_json(q->r, q->a->req_chan, q->msg);
        if (rc != 0)
            req_degrade(q);
        else if (req_complete(q))
            req_finish(q, 0);
    }
    req_release(q);
}

/* Counts the servers, then publishes q->msg (with uid and requestId). */
static void req_start(siop_redis_req *q)
{
    if (q->msg) {
        json_object_set_new(q->msg, "uid", json_string(q->r->uid));
        json_object_set_new(q->msg, "requestId", json_string(q->id));
    }
    q->refs++;
    if (siop_redis_numsub(q->r, q->a->req_chan, on_count, q) != 0) {
        q->refs--;
        req_degrade(q);
    }
}

/* ---- answers to our requests ---------------------------------------------
 */

/* Appends the strings of list that set lacks; seen indexes set's
 * strings (keys borrowed from the values set holds). */
static void append_unique(json_t *set, map *seen, json_t *list)
{
    size_t i;
    json_t *v;

    json_array_foreach(list, i, v)
    {
        const char *str = json_string_value(v);
        size_t len = json_string_length(v);
        if (!str || map_get(seen, str, len) || json_array_append(set, v) != 0)
            continue;
        if (map_put(seen, str, len, v) != 0) /* out of memory: undo */
            json_array_remove(set, json_array_size(set) - 1);
    }
}

void siop_redis_on_response(siop_redis_ns *a, json_t *resp)
{
    const char *id = json_string_value(json_object_get(resp, "requestId"));
    siop_redis_req *q = id ? map_get(&a->r->reqs, id, strlen(id)) : NULL;
    json_int_t type = json_integer_value(json_object_get(resp, "type"));
    json_t *list;

    if (!q)
        return; /* another server's, or ended */
    switch (q->type) {
    case RQ_SOCKETS:
    case RQ_ALL_ROOMS:
        list =
            json_object_get(resp, q->type == RQ_SOCKETS ? "sockets" : "rooms");
        append_unique(q->result, &q->seen, list);
        q->got++;
        break;
    case RQ_REMOTE_FETCH:
        json_array_extend(q->result, json_object_get(resp, "sockets"));
        q->got++;
        break;
    case RQ_SERVER_SIDE_EMIT:
        json_array_append(q->result, json_object_get(resp, "data"));
        q->got++;
        break;
    case RQ_BROADCAST:
        if (type == RQ_BROADCAST_CLIENT_COUNT) {
            q->clients +=
                json_integer_value(json_object_get(resp, "clientCount"));
            q->got++;
        } else if (type == RQ_BROADCAST_ACK) {
            json_t *p = json_object_get(resp, "packet");
            json_array_append(q->result, p ? p : json_null());
            q->acks++;
        }
        break;
    default:
        return;
    }
    if (req_complete(q))
        req_finish(q, 0);
}

/* ---- requests of other servers -------------------------------------------
 */

static void respond(siop_redis_ns *a, json_t *req, json_t *body)
{
    if (body) {
        json_object_set(body, "requestId", json_object_get(req, "requestId"));
        siop_redis_publish_json(a->r, a->resp_chan, body);
        json_decref(body);
    }
}

static json_t *sids_of(siop_redis_ns *a, const json_t *rooms)
{
    size_t n;
    sio_socket **v = siop_redis_select(a, rooms, NULL, &n);
    json_t *out = json_array();

    for (size_t i = 0; v && out && i < n; i++)
        json_array_append_new(out, json_string(sio_socket_sid(v[i])));
    if (v)
        siop_redis_unref(v, n);
    return out;
}

static json_t *local_rooms(siop_redis_ns *a)
{
    size_t n;
    sio_socket **v = siop_redis_select(a, NULL, NULL, &n);
    json_t *set = json_array(), *one;
    const char *names[256];
    map seen;

    map_init(&seen);
    for (size_t i = 0; v && set && i < n; i++) {
        size_t k = a->base.ops->socket_rooms(&a->base, v[i], names, 256);
        one = json_array();
        for (size_t j = 0; one && j < k && j < 256; j++)
            json_array_append_new(one, json_string(names[j]));
        append_unique(set, &seen, one);
        json_decref(one);
    }
    if (v)
        siop_redis_unref(v, n);
    map_fini(&seen);
    return set;
}

/* JOIN, LEAVE, DISCONNECT of the sockets opts names, or of one sid. */
static void apply(siop_redis_ns *a, json_t *req, int type)
{
    json_t *opts = json_object_get(req, "opts"), *rooms, *room;
    bool close = json_is_true(json_object_get(req, "close"));
    sio_socket **v, *one;
    size_t n, i, j;

    if (!opts) { /* one socket by sid, answered */
        one = sio_namespace_socket(
            a->base.ns, json_string_value(json_object_get(req, "sid")));
        if (!one)
            return;
        v = malloc(sizeof *v);
        if (!v)
            return;
        v[0] = sio_socket_ref(one);
        n = 1;
        rooms = json_pack("[O]", json_object_get(req, "room"));
    } else {
        v = siop_redis_select(a, json_object_get(opts, "rooms"),
                              json_object_get(opts, "except"), &n);
        rooms = json_incref(json_object_get(req, "rooms"));
    }
    for (i = 0; v && i < n; i++) {
        if (type == RQ_REMOTE_DISCONNECT) {
            if (close)
                sio_socket_close_connection(v[i]);
            else
                sio_disconnect(v[i]);
            continue;
        }
        json_array_foreach(rooms, j, room)
        {
            if (!json_is_string(room))
                continue;
            if (type == RQ_REMOTE_JOIN)
                sio_join(v[i], json_string_value(room));
            else
                sio_leave(v[i], json_string_value(room));
        }
    }
    if (v)
        siop_redis_unref(v, n);
    json_decref(rooms);
    if (!opts)
        respond(a, req, json_object());
}

static json_t *fetch(siop_redis_ns *a, json_t *opts)
{
    size_t n;
    sio_socket **v = siop_redis_select(a, json_object_get(opts, "rooms"),
                                       json_object_get(opts, "except"), &n);
    json_t *out = json_array();

    for (size_t i = 0; v && out && i < n; i++)
        json_array_append_new(out, siop_redis_socket_json(a, v[i]));
    if (v)
        siop_redis_unref(v, n);
    return out;
}

struct sio_redis_reply {
    siop_redis_ns *a;
    sio_namespace *ns;
    char *id;
};

static void server_event(siop_redis_ns *a, json_t *req)
{
    json_t *data = json_object_get(req, "data"), *args;
    json_t *id = json_object_get(req, "requestId");
    sio_redis_reply *reply = NULL;
    sio_redis *r = a->r;

    if (!json_is_array(data) || !json_is_string(json_array_get(data, 0)) ||
        !r->on_event)
        return;
    if (json_is_string(id) && (reply = calloc(1, sizeof *reply))) {
        reply->ns = a->base.ns;
        reply->id = strdup(json_string_value(id));
    }
    args = json_array();
    for (size_t i = 1; args && i < json_array_size(data); i++)
        json_array_append(args, json_array_get(data, i));
    r->on_event(a->base.ns, json_string_value(json_array_get(data, 0)), args,
                reply, r->event_ud);
    json_decref(args);
}

int sio_redis_reply_send(sio_redis_reply *reply, json_t *value)
{
    siop_redis_ns *a = reply ? siop_redis_of(reply->ns) : NULL;
    json_t *body;
    int rc = SIO_ECLOSED;

    if (a && reply->id &&
        (body = json_pack("{sisssO*}", "type", RQ_SERVER_SIDE_EMIT, "requestId",
                          reply->id, "data", value ? value : json_null()))) {
        rc = siop_redis_publish_json(a->r, a->resp_chan, body);
        json_decref(body);
    }
    json_decref(value);
    if (reply)
        free(reply->id);
    free(reply);
    return rc;
}

void sio_redis_on_server_event(sio_redis *r, sio_redis_server_event_fn fn,
                               void *ud)
{
    r->on_event = fn;
    r->event_ud = ud;
}

/* A client's answer to a broadcast another server asked for. */
typedef struct remote_ack {
    sio_namespace *ns;
    char *id;
} remote_ack;

static void on_remote_ack(sio_ctx *ctx, int status, json_t *args, void *ud)
{
    remote_ack *ra = ud;
    siop_redis_ns *a = siop_redis_of(ra->ns);
    json_t *body;
    (void)ctx;

    if (status == 0 && a) {
        json_t *first = json_array_get(args, 0);
        body =
            json_pack("{sissso}", "type", RQ_BROADCAST_ACK, "requestId", ra->id,
                      "packet", first ? json_incref(first) : json_null());
        if (body)
            siop_redis_publish_pack(a->r, a->resp_chan, body);
        json_decref(body);
    }
    free(ra->id);
    free(ra);
}

/* Emits event args to each of v with an ack that goes to fn; how many
 * were asked. */
static long emit_acks(sio_socket **v, size_t n, const char *event, json_t *args,
                      unsigned timeout_ms, sio_ack_fn fn, void *(*box)(void *),
                      void *ctx)
{
    long asked = 0;

    for (size_t i = 0; i < n; i++) {
        void *ud = box(ctx);
        if (!ud)
            continue;
        if (sio_emit_ack(v[i], event, json_copy(args), fn, ud, timeout_ms) == 0)
            asked++;
        else
            fn(NULL, SIO_ECLOSED, NULL, ud); /* releases the box */
    }
    return asked;
}

typedef struct remote_box_ctx {
    sio_namespace *ns;
    const char *id;
} remote_box_ctx;

static void *remote_box(void *p)
{
    remote_box_ctx *c = p;
    remote_ack *ra = malloc(sizeof *ra);

    if (ra && !(ra->id = strdup(c->id))) {
        free(ra);
        return NULL;
    }
    if (ra)
        ra->ns = c->ns;
    return ra;
}

static void remote_broadcast(siop_redis_ns *a, json_t *req)
{
    json_t *packet = json_object_get(req, "packet");
    json_t *opts = json_object_get(req, "opts"), *data, *args;
    json_t *id = json_object_get(req, "requestId"), *body;
    json_int_t tmo = json_integer_value(
        json_object_get(json_object_get(opts, "flags"), "timeout"));
    remote_box_ctx c = {a->base.ns, json_string_value(id)};
    sio_socket **v;
    size_t n;
    long asked = 0;

    data = json_object_get(packet, "data");
    if (!c.id || !json_is_array(data) ||
        !json_is_string(json_array_get(data, 0)))
        return;
    args = json_array();
    for (size_t i = 1; args && i < json_array_size(data); i++)
        json_array_append(args, json_array_get(data, i));
    v = siop_redis_select(a, json_object_get(opts, "rooms"),
                          json_object_get(opts, "except"), &n);
    if (v && args)
        asked = emit_acks(v, n, json_string_value(json_array_get(data, 0)),
                          args, tmo > 0 && tmo < 3600000 ? (unsigned)tmo : 0,
                          on_remote_ack, remote_box, &c);
    if (v)
        siop_redis_unref(v, n);
    json_decref(args);
    body = json_pack("{sisI}", "type", RQ_BROADCAST_CLIENT_COUNT, "clientCount",
                     (json_int_t)asked);
    respond(a, req, body);
}

void siop_redis_on_request(siop_redis_ns *a, json_t *req)
{
    const char *uid = json_string_value(json_object_get(req, "uid"));
    json_t *type = json_object_get(req, "type");

    if (uid && strcmp(uid, a->r->uid) == 0)
        return; /* our own, back from the channel */
    if (!json_is_integer(type)) {
        log_line(a->r->log_level, EIO_LOG_WARN,
                 "redis: channel %.100s: request without a type dropped",
                 a->req_chan);
        return;
    }
    switch (json_integer_value(type)) {
    case RQ_SOCKETS:
        respond(a, req,
                json_pack("{so}", "sockets",
                          sids_of(a, json_object_get(req, "rooms"))));
        break;
    case RQ_ALL_ROOMS:
        respond(a, req, json_pack("{so}", "rooms", local_rooms(a)));
        break;
    case RQ_REMOTE_JOIN:
    case RQ_REMOTE_LEAVE:
    case RQ_REMOTE_DISCONNECT:
        apply(a, req, (int)json_integer_value(type));
        break;
    case RQ_REMOTE_FETCH:
        respond(a, req,
                json_pack("{so}", "sockets",
                          fetch(a, json_object_get(req, "opts"))));
        break;
    case RQ_SERVER_SIDE_EMIT:
        server_event(a, req);
        break;
    case RQ_BROADCAST:
        remote_broadcast(a, req);
        break;
    default:
        log_line(a->r->log_level, EIO_LOG_WARN,
                 "redis: channel %.100s: request of unknown type dropped",
                 a->req_chan);
    }
}

/* ---- the cluster operations --------------------------------------------
 */

/* Starts a request of type: local is this server's part of the answer,
 * msg what the others are asked (both stolen; msg NULL only when no
 * message goes out, type -1). */
static int ask(siop_redis_ns *a, int type, json_t *local, json_t *msg,
               sio_redis_result_fn fn, void *ud)
{
    siop_redis_req *q = NULL;

    if (msg || type < 0)
        q = req_new(a, type, local, fn, ud, 0);
    else
        json_decref(local);
    if (!q) {
        json_decref(msg);
        return SIO_ENOMEM;
    }
    q->msg = msg;
    req_start(q);
    return 0;
}

static siop_redis_ns *target_ns(const sio_target *t)
{
    if (t->socket || !t->ns || (t->flags & SIO_TARGET_OVERFLOW))
        return NULL;
    return siop_redis_of(t->ns);
}

int sio_redis_fetch_sockets(sio_target t, sio_redis_result_fn fn, void *ud)
{
    siop_redis_ns *a = target_ns(&t);
    json_t *opts, *local;

    if (!a || !fn)
        return SIO_EINVAL;
    if (!(opts = siop_redis_target_opts(&t)))
        return SIO_ENOMEM;
    local = fetch(a, opts);
    return ask(a, RQ_REMOTE_FETCH, local,
               json_pack("{siso}", "type", RQ_REMOTE_FETCH, "opts", opts), fn,
               ud);
}

int sio_redis_sockets(sio_target t, sio_redis_result_fn fn, void *ud)
{
    siop_redis_ns *a = target_ns(&t);
    json_t *opts, *rooms;
    int rc;

    if (!a || !fn)
        return SIO_EINVAL;
    if (!(opts = siop_redis_target_opts(&t)))
        return SIO_ENOMEM;
    rooms = json_object_get(opts, "rooms");
    rc = ask(a, RQ_SOCKETS, sids_of(a, rooms),
             json_pack("{sisO}", "type", RQ_SOCKETS, "rooms", rooms), fn, ud);
    json_decref(opts);
    return rc;
}

int sio_redis_all_rooms(sio_namespace *ns, sio_redis_result_fn fn, void *ud)
{
    siop_redis_ns *a = siop_redis_of(ns);

    if (!a || !fn)
        return SIO_EINVAL;
    return ask(a, RQ_ALL_ROOMS, local_rooms(a),
               json_pack("{si}", "type", RQ_ALL_ROOMS), fn, ud);
}

int sio_redis_server_count(sio_namespace *ns, sio_redis_result_fn fn, void *ud)
{
    siop_redis_ns *a = siop_redis_of(ns);

    if (!a || !fn)
        return SIO_EINVAL;
    return ask(a, -1, json_integer(1), NULL, fn, ud);
}

/* Local part, then the request for the others (no answer awaited). */
static int remote_apply(sio_target t, int type, const char *room, bool close)
{
    siop_redis_ns *a = target_ns(&t);
    json_t *opts, *req;
    sio_socket **v;
    size_t n;

    if (!a || (type != RQ_REMOTE_DISCONNECT && !room))
        return SIO_EINVAL;
    if (!(opts = siop_redis_target_opts(&t)))
        return SIO_ENOMEM;
    req = type == RQ_REMOTE_DISCONNECT
              ? json_pack("{sssisOsb}", "uid", a->r->uid, "type", type, "opts",
                          opts, "close", close)
              : json_pack("{sssisOs[s]}", "uid", a->r->uid, "type", type,
                          "opts", opts, "rooms", room);
    if (!req) {
        json_decref(opts);
        return SIO_ENOMEM;
    }
    siop_redis_publish_json(a->r, a->req_chan, req);
    /* Sockets this server reaches act last: a disconnect may run
     * handlers that emit. */
    v = siop_redis_select(a, json_object_get(opts, "rooms"),
                          json_object_get(opts, "except"), &n);
    for (size_t i = 0; v && i < n; i++) {
        if (type == RQ_REMOTE_JOIN)
            sio_join(v[i], room);
        else if (type == RQ_REMOTE_LEAVE)
            sio_leave(v[i], room);
        else if (close)
            sio_socket_close_connection(v[i]);
        else
            sio_disconnect(v[i]);
    }
    if (v)
        siop_redis_unref(v, n);
    json_decref(opts);
    json_decref(req);
    return v ? 0 : SIO_ENOMEM;
}

int sio_redis_sockets_join(sio_target t, const char *room)
{
    return remote_apply(t, RQ_REMOTE_JOIN, room, false);
}

int sio_redis_sockets_leave(sio_target t, const char *room)
{
    return remote_apply(t, RQ_REMOTE_LEAVE, room, false);
}

int sio_redis_disconnect_sockets(sio_target t, bool close)
{
    return remote_apply(t, RQ_REMOTE_DISCONNECT, NULL, close);
}

int sio_redis_server_side_emit(sio_namespace *ns, const char *event,
                               json_t *args, sio_redis_result_fn fn, void *ud)
{
    siop_redis_ns *a = siop_redis_of(ns);
    json_t *data = json_pack("[s]", event ? event : "");
    int rc;

    if (!a || !event || (args && !json_is_array(args)) || !data) {
        json_decref(args);
        json_decref(data);
        return !data ? SIO_ENOMEM : SIO_EINVAL;
    }
    if (args)
        json_array_extend(data, args);
    json_decref(args);
    if (!fn) {
        json_t *req = json_pack("{sssiso}", "uid", a->r->uid, "type",
                                RQ_SERVER_SIDE_EMIT, "data", data);
        rc = req ? siop_redis_publish_json(a->r, a->req_chan, req) : SIO_ENOMEM;
        json_decref(req);
        return rc == SIO_ECLOSED ? 0 : rc; /* dropped like a broadcast */
    }
    return ask(a, RQ_SERVER_SIDE_EMIT, json_array(),
               json_pack("{siso}", "type", RQ_SERVER_SIDE_EMIT, "data", data),
               fn, ud);
}

/* ---- broadcast with acks ------------------------------------------------ */

static void on_local_ack(sio_ctx *ctx, int status, json_t *args, void *ud)
{
    siop_redis_req *q = ud;
    (void)ctx;

    if (!q->done && status == 0) {
        json_t *first = json_array_get(args, 0);
        json_array_append(q->result, first ? first : json_null());
        q->acks++;
        if (req_complete(q))
            req_finish(q, q->expect == 0 && q->fail_status == SIO_ECLOSED
                              ? SIO_ECLOSED
                              : 0);
    }
    req_release(q);
}

static void *local_box(void *p)
{
    siop_redis_req *q = p;
    q->refs++;
    return q;
}

int sio_redis_emit_with_ack(sio_target t, const char *event, json_t *args,
                            unsigned timeout_ms, sio_redis_result_fn fn,
                            void *ud)
{
    siop_redis_ns *a = target_ns(&t);
    json_t *opts, *data;
    siop_redis_req *q;
    sio_socket **v;
    size_t n;

    if (!timeout_ms)
        timeout_ms = 10000;
    if (!a || !event || !fn || (args && !json_is_array(args))) {
        json_decref(args);
        return SIO_EINVAL;
    }
    if (!args)
        args = json_array();
    opts = siop_redis_target_opts(&t);
    data = json_pack("[s]", event);
    q = opts && data
            ? req_new(a, RQ_BROADCAST, json_array(), fn, ud, timeout_ms)
            : NULL;
    if (!q || json_array_extend(data, args) ||
        json_object_set_new(
            opts, "flags",
            json_pack("{sI}", "timeout", (json_int_t)timeout_ms))) {
        if (q)
            req_finish(q, SIO_ENOMEM);
        json_decref(opts);
        json_decref(data);
        json_decref(args);
        return q ? 0 : SIO_ENOMEM;
    }
    q->pack = true;
    q->msg = json_pack("{sisos{sisOss}}", "type", RQ_BROADCAST, "opts", opts,
                       "packet", "type", 2, "data", data, "nsp",
                       sio_namespace_name(a->base.ns));
    json_decref(data);
    v = siop_redis_select(a, json_object_get(opts, "rooms"),
                          json_object_get(opts, "except"), &n);
    if (v)
        q->clients = emit_acks(v, n, event, args, timeout_ms, on_local_ack,
                               local_box, q);
    if (v)
        siop_redis_unref(v, n);
    json_decref(args);
    req_start(q);
    return 0;
}
