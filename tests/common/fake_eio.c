/* fake_eio.c - a fake Engine.IO layer for the core's unit tests:
 * sessions are driven by hand (sess_text, sess_bin, sess_close) and what
 * the server sends is recorded as strings (binary as "<bin HEX>"); plain
 * HTTP requests too (http_req, http_run: the answer is recorded). The
 * test links with libsio.a, whose eio_* objects the linker then leaves
 * out: if the core starts using another eio_* function, add it here.
 * #include it once, after cmocka and sio.h. */
#include <sys/stat.h>
/* ---- the fake Engine.IO layer -------------------------------------------- */

#define MAX_OUT 64
#define MAX_TIMERS 1100
#define MAX_POSTS 8

struct eio_timer {
    eio_timer_fn fn;
    void *ud;
    bool active;
    uint64_t ms;
};

struct eio_server {
    eio_options o;
    eio_callbacks cb;
    void *ud;
    eio_timer *timers[MAX_TIMERS]; /* created, not yet freed */
    void (*post_fn[MAX_POSTS])(void *);
    void *post_arg[MAX_POSTS];
    size_t nposts;
    bool strict_origins;
    uint64_t now_ms; /* the clock a test sets */
};

struct eio_session {
    eio_server *srv;
    char id[16];
    void *data;
    bool open;
    bool close_asked;
    char *out[MAX_OUT]; /* sent messages; binary as "<bin HEX>" */
    size_t nout, read;
    size_t buffered; /* bytes queued, against o.max_buffered if set */
};

void eio_options_init(eio_options *o)
{
    memset(o, 0, sizeof *o);
    o->path = "/engine.io/";
    o->max_payload = 1000000;
    o->log_level = EIO_LOG_ERR; /* keep test output quiet */
}

eio_server *eio_server_new(const eio_options *o, const eio_callbacks *cb,
                           void *ud)
{
    eio_server *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->o = *o;
    e->cb = *cb;
    e->ud = ud;
    return e;
}

uint64_t eio_server_now_ms(const eio_server *e)
{
    return e->now_ms;
}

int eio_server_run(eio_server *e)
{
    (void)e;
    return 0;
}

void eio_server_stop(eio_server *e)
{
    (void)e;
}

void eio_server_free(eio_server *e)
{
    for (size_t i = 0; i < MAX_TIMERS; i++)
        assert_null(e->timers[i]); /* sio freed its timers first */
    free(e);
}

int eio_server_port(const eio_server *e)
{
    (void)e;
    return 1234;
}

int eio_server_post(eio_server *e, void (*fn)(void *), void *arg)
{
    if (e->nposts == MAX_POSTS)
        return EIO_ENOMEM;
    e->post_fn[e->nposts] = fn;
    e->post_arg[e->nposts++] = arg;
    return 0;
}

void eio_server_strict_origins(eio_server *e)
{
    e->strict_origins = true;
}

/* Own origin only (Host), as the real one without a cors list. */
bool eio_server_origin_allowed(const eio_server *e, const char *origin,
                               const char *host)
{
    const char *h = origin ? strstr(origin, "://") : NULL;
    (void)e;
    return h && host && strcmp(h + 3, host) == 0;
}

const char *eio_session_id(const eio_session *s)
{
    return s->id;
}

eio_server *eio_session_server(const eio_session *s)
{
    return s->srv;
}

void eio_session_set_data(eio_session *s, void *data)
{
    s->data = data;
}

void *eio_session_data(const eio_session *s)
{
    return s->data;
}

/* A sent message as a string; NULL when out of memory. */
static char *fake_record(eio_msg *m)
{
    const uint8_t *d = eio_msg_data(m);
    size_t n = eio_msg_len(m);
    char *o = malloc(2 * n + 8);

    if (!o)
        return NULL;
    if (eio_msg_binary(m)) {
        size_t k = (size_t)sprintf(o, "<bin ");
        for (size_t i = 0; i < n; i++)
            k += (size_t)sprintf(o + k, "%02x", d[i]);
        strcpy(o + k, ">");
    } else {
        memcpy(o, d, n);
        o[n] = '\0';
    }
    return o;
}

/* As eio's: all or none; the limits of o.max_buffered (when set) on the
 * total; a record that cannot be allocated is the queue's ENOMEM. */
int eio_session_send_all(eio_session *s, eio_msg *const *m, size_t n,
                         bool volatile_)
{
    size_t max = s->srv->o.max_buffered, bytes = 0;
    char *o[MAX_OUT];

    if (!s->open || s->close_asked)
        return EIO_ECLOSED;
    if (s->read == s->nout) { /* all read: start over, for long tests */
        for (size_t i = 0; i < s->nout; i++)
            free(s->out[i]);
        s->nout = s->read = 0;
    }
    for (size_t i = 0; i < n; i++)
        bytes += eio_msg_len(m[i]);
    if (max && volatile_ && s->buffered + bytes > max / 2)
        return EIO_ELIMIT;
    if (max && s->buffered + bytes > max) {
        s->close_asked = true;
        return EIO_ELIMIT;
    }
    assert_true(s->nout + n <= MAX_OUT);
    for (size_t i = 0; i < n; i++)
        if (!(o[i] = fake_record(m[i]))) {
            while (i--)
                free(o[i]);
            return EIO_ENOMEM;
        }
    for (size_t i = 0; i < n; i++)
        s->out[s->nout++] = o[i];
    s->buffered += bytes;
    return 0;
}

int eio_session_send(eio_session *s, eio_msg *m)
{
    return eio_session_send_all(s, &m, 1, false);
}

int eio_session_send_volatile(eio_session *s, eio_msg *m)
{
    return eio_session_send_all(s, &m, 1, true);
}

void eio_session_close(eio_session *s)
{
    s->close_asked = true; /* the close callback comes later, as in eio */
}

const char *eio_session_header(const eio_session *s, const char *name)
{
    (void)s;
    return strcmp(name, "x-test") == 0 ? "hv" : NULL;
}

const char *eio_session_query(const eio_session *s, const char *name)
{
    (void)s;
    return strcmp(name, "q") == 0 ? "qv" : NULL;
}

const char *eio_session_remote_addr(const eio_session *s)
{
    (void)s;
    return "10.0.0.1";
}

/* What the admin namespace reads of a session (sio_admin.c). */
static const char *const fake_headers[] = {"x-test", "hv"};
static const char *const fake_query[] = {"q", "q v"};

size_t eio_session_headers(const eio_session *s, const char *const **pairs)
{
    (void)s;
    *pairs = fake_headers;
    return 1;
}

size_t eio_session_queries(const eio_session *s, const char *const **pairs)
{
    (void)s;
    *pairs = fake_query;
    return 1;
}

const char *eio_session_transport(const eio_session *s)
{
    (void)s;
    return "polling";
}

const char *eio_session_path(const eio_session *s)
{
    (void)s;
    return "/socket.io/";
}

bool eio_server_tls(const eio_server *e)
{
    (void)e;
    return false;
}

eio_timer *eio_timer_new(eio_server *e, eio_timer_fn fn, void *ud)
{
    eio_timer *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->fn = fn;
    t->ud = ud;
    for (size_t i = 0; i < MAX_TIMERS; i++)
        if (!e->timers[i]) {
            e->timers[i] = t;
            return t;
        }
    fail_msg("too many timers");
    return NULL;
}

void eio_timer_start(eio_timer *t, uint64_t ms)
{
    t->active = true;
    t->ms = ms;
}

void eio_timer_stop(eio_timer *t)
{
    t->active = false;
}

bool eio_timer_active(const eio_timer *t)
{
    return t->active;
}

/* Timers do not know their server here: the test's one server. */
static eio_server *g_eio;

void eio_timer_free(eio_timer *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < MAX_TIMERS; i++)
        if (g_eio->timers[i] == t)
            g_eio->timers[i] = NULL;
    free(t);
}

/* ---- driving the fake ---------------------------------------------------- */

static inline eio_session *sess_open(eio_server *e)
{
    static int n;
    eio_session *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->srv = e;
    snprintf(s->id, sizeof s->id, "e%d", ++n);
    assert_int_equal(e->cb.open(s, e->ud), 0);
    s->open = true;
    return s;
}

/* A text message: the payload after the Engine.IO '4'. */
static inline void sess_text(eio_session *s, const char *msg)
{
    s->srv->cb.message(s, (const uint8_t *)msg, strlen(msg), false, s->srv->ud);
}

static inline void sess_bin(eio_session *s, const void *p, size_t n)
{
    s->srv->cb.message(s, p, n, true, s->srv->ud);
}

static inline void sess_free(eio_session *s)
{
    for (size_t i = 0; i < s->nout; i++)
        free(s->out[i]);
    free(s);
}

/* The close callback, then the session is gone, as in eio. */
static inline void sess_close(eio_session *s, eio_close_reason why)
{
    s->open = false;
    s->srv->cb.close(s, why, s->srv->ud);
    sess_free(s);
}

/* The next message the server queued, NULL if none. */
static inline const char *sess_next(eio_session *s)
{
    return s->read < s->nout ? s->out[s->read++] : NULL;
}

static inline void expect_out(eio_session *s, const char *want)
{
    const char *got = sess_next(s);
    if (!got)
        fail_msg("nothing sent, expected %s", want);
    assert_string_equal(got, want);
}

/* Expects "40{"sid":"<20 chars>"}" (or with a namespace); returns sid. */
static inline const char *expect_connect(eio_session *s, const char *prefix)
{
    const char *got = sess_next(s);
    size_t n = strlen(prefix);
    assert_non_null(got);
    assert_memory_equal(got, prefix, n);
    assert_memory_equal(got + n, "{\"sid\":\"", 8);
    assert_int_equal(strlen(got + n + 8), 20 + 2);
    return got + n + 8;
}

static inline void drain_posts(eio_server *e)
{
    for (size_t i = 0; i < e->nposts; i++)
        e->post_fn[i](e->post_arg[i]);
    e->nposts = 0;
}

/* ---- plain HTTP requests ---------------------------------------------- */

/* A request the test fills (http_req) and hands to the server (http_run);
 * what answered it is recorded. */
struct eio_http_req {
    const char *method, *path, *body;
    const char *const *headers; /* name, value pairs; NULL-terminated */
    int status;                 /* 0 until answered */
    char *resp;                 /* the body, NUL-terminated */
    char *resp_headers;         /* "name: value\n" lines */
    char *file;                 /* what eio_http_file served */
};

const char *eio_http_method(const eio_http_req *r)
{
    return r->method;
}

const char *eio_http_path(const eio_http_req *r)
{
    return r->path;
}

int eio_http_file(eio_http_req *r, const char *path, const char *ctype)
{
    struct stat st;
    (void)ctype;
    if (r->status || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return EIO_EINVAL;
    r->status = 200;
    r->file = strdup(path);
    return 0;
}

const char *eio_http_header(const eio_http_req *r, const char *name)
{
    for (size_t i = 0; r->headers && r->headers[i]; i += 2)
        if (strcasecmp(r->headers[i], name) == 0)
            return r->headers[i + 1];
    return NULL;
}

const char *eio_http_query(const eio_http_req *r, const char *name)
{
    (void)r;
    (void)name;
    return NULL;
}

const char *eio_http_remote_addr(const eio_http_req *r)
{
    (void)r;
    return "10.0.0.1";
}

const uint8_t *eio_http_body(const eio_http_req *r, size_t *len)
{
    *len = r->body ? strlen(r->body) : 0;
    return (const uint8_t *)(r->body ? r->body : "");
}

int eio_http_respond(eio_http_req *r, int status, const char *ctype,
                     const void *body, size_t len, const char *const *h)
{
    size_t n = 1;
    (void)ctype;
    if (r->status)
        return EIO_EINVAL;
    r->status = status;
    r->resp = calloc(1, len + 1);
    assert_non_null(r->resp);
    memcpy(r->resp, body, len);
    for (size_t i = 0; h && h[i]; i += 2)
        n += strlen(h[i]) + strlen(h[i + 1]) + 3;
    r->resp_headers = calloc(1, n);
    assert_non_null(r->resp_headers);
    for (size_t i = 0; h && h[i]; i += 2)
        sprintf(r->resp_headers + strlen(r->resp_headers), "%s: %s\n", h[i],
                h[i + 1]);
    return 0;
}

/* A request: method, path, body (NULL: none), then header name, value
 * pairs ending with NULL (kept by pointer: static strings). */
static inline eio_http_req http_req(const char *method, const char *path,
                                    const char *body,
                                    const char *const *headers)
{
    eio_http_req r = {method, path, body, headers, 0, NULL, NULL, NULL};
    return r;
}

/* Runs the request through the server; the status (404: nobody). */
static inline int http_run(eio_server *e, eio_http_req *r)
{
    if (e->cb.http(r, e->ud) != 0 && !r->status)
        r->status = 404;
    return r->status;
}

static inline void http_fini(eio_http_req *r)
{
    free(r->resp);
    free(r->resp_headers);
    free(r->file);
}
