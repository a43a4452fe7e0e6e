/* model.h - the checked schema: all the emitters read.
 *
 * check.c builds it only from a file that passed every check, so an
 * emitter reports no user errors and invents no names:
 *  - every type is resolved; records come in dependency order (each after
 *    the records it embeds by value, which are its required, non-array
 *    record fields: these never form a cycle);
 *  - every C identifier the generated code declares is spelled here and
 *    all are distinct; none begins with the internal prefix "<schema>__",
 *    which is the emitters' own (descriptor tables etc.), none ends in
 *    "_t" if it names a type, and none is the header's include guard;
 *  - internal names (tables, shims, argument structs) are a c_intern
 *    stem below plus one of the SIOC_SFX_* suffixes (see there), which
 *    makes them distinct by construction;
 *  - field and parameter names are C identifiers that are not keywords,
 *    not reserved, and differ from their derived names (c_count, c_has,
 *    c_len) and, for parameters, from the fixed parameter names of the
 *    signatures they appear in (on: ctx ack rest; its ack: ack; emit: to
 *    reply user timeout_ms rest; its reply: ctx status user; connect:
 *    ctx);
 *  - strings are UTF-8 with no NUL inside.
 * Everything lives in the arena given to sioc_check. */
#ifndef SIOC_MODEL_H
#define SIOC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

typedef enum sioc_base {
    SIOC_BOOL,
    SIOC_INT,    /* int64: an integral JSON number in range */
    SIOC_FLOAT,  /* double */
    SIOC_STRING, /* valid UTF-8 */
    SIOC_BYTES,  /* a binary attachment */
    SIOC_JSON,   /* any value, json_t * borrowed */
    SIOC_RECORD,
    SIOC_ENUM,
    SIOC_MAP /* {string: T}: an object with any keys, each value a T */
} sioc_base;

typedef struct sioc_record sioc_record;
typedef struct sioc_enum sioc_enum;

/* The runtime's SIO_TYPED_MAX_DEPTH: the most levels of '[]' a type
 * may have, and of records embedded by value in one another. */
#define SIOC_MAX_DEPTH 32

/* Limits the decoder checks (the runtime's sio_limits): min/max bound an
 * int's value, a string's code points, bytes' length or a map's entries;
 * len_min/len_max
 * the element count of the outermost array. */
typedef struct sioc_limits {
    bool has_min, has_max, has_len_min, has_len_max;
    int64_t min, max;
    int64_t len_min, len_max;
} sioc_limits;

typedef struct sioc_type {
    sioc_base base;
    sioc_limits limits;
    unsigned dims; /* 0 scalar, 1 for T[], 2 for T[][] ...; at most
                      SIOC_MAX_DEPTH */
    bool optional; /* T?: null or absent; of the whole, so T[]? is an
                      optional array (elements are never null) */
    const sioc_record *record;     /* base == SIOC_RECORD */
    const sioc_enum *enumeration;  /* base == SIOC_ENUM */
    const struct sioc_type *value; /* base == SIOC_MAP: the values' type
                                      (never optional); limits.min/max
                                      bound the map's entry count */
} sioc_type;

/* The value an absent optional field takes ("n: int? = 10"), of the
 * field's type and within its limits. */
typedef struct sioc_default {
    bool b;           /* bool */
    int64_t i;        /* int */
    double f;         /* float (finite) */
    const char *s;    /* string: UTF-8, no NUL */
    size_t e;         /* enum: the value's index */
    const char *text; /* as written: "10", "\"anon\"", "true" */
    sioc_span at;
} sioc_default;

/* A record field or an event parameter. A field with a default has
 * type.optional false: in C it is always there (no has_ flag, never
 * NULL), while clients may leave it out or send null. */
typedef struct sioc_field {
    const char *name; /* the C name */
    const char *wire; /* the JSON key of a field, the name clients see;
                         usually name, else written "x" as name */
    sioc_type type;
    const char *c_count;     /* "n_<name>" if type.dims > 0, else NULL */
    const char *c_has;       /* "has_<name>" for an optional bool, int,
                                float or enum (not an array), else NULL:
                                the others are NULL when absent */
    const char *c_len;       /* "<name>_len" if bytes with dims 0, else NULL */
    const char *doc;         /* a field of an imported record: its "##"
                                comment (at is not in this file), or NULL */
    const sioc_default *def; /* "= VALUE", or NULL */
    sioc_span at;
} sioc_field;

typedef struct sioc_params {
    const sioc_field *items;
    size_t count;
    bool variadic; /* "...": any further arguments, as one json array */
} sioc_params;

struct sioc_record {
    const char *name;     /* "Message" */
    const char *c_name;   /* "chat_Message" */
    const char *c_intern; /* "chat__Message" */
    bool used;            /* a parameter reaches it (maybe through records): it
                             needs a descriptor */
    bool socket_data;     /* written in place, "data { ... }": the server's
                             only, left out of the clients' typings */
    bool imported;        /* from an imported schema: its C type is that
                             schema's (c_name), declared in its header */
    const char *doc;      /* imported: its "##" comment, or NULL (the
                             others' are found at `at`) */
    const sioc_field *fields; /* at least one */
    size_t nfields;
    /* A union ("union Shape by \"kind\" { circle: Circle; }"): an
     * object whose tag key names the variant, the other keys that
     * variant's fields. Its fields are the variants: wire name the tag's
     * value, C name the member of the C union, type a record (required,
     * never a union). NULL tag: a plain record. */
    const char *tag;
    const char *c_tag;                 /* "chat_Shape_tag": the C enum */
    const char *const *c_variant_tags; /* "chat_Shape_circle" each */
    sioc_span at;
};

typedef struct sioc_enum_value {
    const char *value;  /* on the wire */
    const char *c_name; /* "chat_Color_dark_blue" */
    sioc_span at;
} sioc_enum_value;

struct sioc_enum {
    const char *name;              /* "Color" */
    const char *c_name;            /* "chat_Color" */
    const char *c_intern;          /* "chat__Color" */
    const char *c_count;           /* "chat_Color_COUNT": a macro */
    const char *c_names;           /* "chat_Color_names": the wire strings */
    const char *c_name_fn;         /* "chat_Color_name": value -> string */
    const char *c_parse;           /* "chat_Color_parse": string -> value */
    bool used;                     /* as sioc_record's */
    bool imported;                 /* as sioc_record's; its functions too */
    const char *doc;               /* as sioc_record's */
    const sioc_enum_value *values; /* at least one, schema order */
    size_t nvalues;
    sioc_span at;
};

typedef struct sioc_guard {
    const char *name;   /* "admin" */
    const char *c_name; /* "chat_guard_admin": bool f(sio_ctx *ctx) */
    sioc_span at;
} sioc_guard;

/* What the dispatch does when a requirement fails. */
typedef enum sioc_policy {
    SIOC_POLICY_DISCONNECT, /* the default: the socket leaves the ns */
    SIOC_POLICY_ACK         /* an error ack; only on acked events */
} sioc_policy;

/* Effective requirements: the namespace's, then the item's own, each
 * guard once. Nothing required when !auth && nguards == 0. */
typedef struct sioc_requires {
    bool auth;
    const sioc_guard *const *guards;
    size_t nguards;
    sioc_policy policy;
} sioc_requires;

typedef enum sioc_dir {
    SIOC_ON,  /* client -> server: a handler */
    SIOC_EMIT /* server -> client: an emit function */
} sioc_dir;

typedef struct sioc_event {
    sioc_dir dir;
    const char *name;   /* on the wire: "ping?" */
    const char *ident;  /* mangled: "ping_" */
    const char *c_func; /* ON "chat_on_ping_", EMIT "chat_emit_ping_" */
    sioc_params args;
    bool acked;
    sioc_params ack;          /* ON: the server's answer; EMIT: the client's */
    const char *c_ack;        /* if acked: ON the ack object type
                                 "chat_ping__ack", EMIT the reply callback type
                                 "chat_ping__reply"; else NULL */
    const char *c_ack_send;   /* ON and acked: "chat_ping__ack_send" */
    const char *c_ack_error;  /* ON and acked: "chat_ping__ack_error" */
    const char *c_ack_wanted; /* ON and acked: "chat_ping__ack_wanted" */
    const char *c_intern;     /* "chat__on_ping_", "chat__emit_ping_" */
    sioc_requires req;        /* ON only */
    sioc_span at;
} sioc_event;

typedef struct sioc_connect {
    sioc_params auth;     /* fields of the CONNECT auth object (never
                             variadic) */
    const char *c_func;   /* "chat_on_connect" */
    const char *c_intern; /* "chat__on_connect" */
    sioc_requires req;    /* a failure refuses the connection */
    sioc_span at;
} sioc_connect;

/* on *: events the namespace does not declare. */
typedef struct sioc_catchall {
    const char *c_func; /* "chat_on_any" */
    sioc_requires req;  /* the namespace's */
    sioc_span at;
} sioc_catchall;

/* A namespace's per-socket hooks: its socket data, disconnect handler
 * and middleware. */
typedef struct sioc_hook {
    const char *c_func; /* "chat_data" (the accessor), "chat_on_disconnect",
                           "chat_use", "chat_use_connect" */
    const sioc_record *record; /* data only: the socket data's type */
    sioc_span at;
} sioc_hook;

/* The constructors of a namespace's typed target, in this order. */
enum {
    SIOC_TGT_ALL,       /* "chat_admin_all" (a macro: ctx or server) */
    SIOC_TGT_ROOM,      /* "chat_admin_room" (the same) */
    SIOC_TGT_EXCEPT,    /* "chat_admin_except" (the same) */
    SIOC_TGT_SELF,      /* "chat_admin_self" */
    SIOC_TGT_BROADCAST, /* "chat_admin_broadcast" */
    SIOC_TGT_SOCKET,    /* "chat_admin_socket" */
    SIOC_TGT_OF,        /* "chat_admin_target_of": from a sio_target */
    SIOC_TGT_COUNT
};

typedef struct sioc_namespace {
    const char *name;            /* "/admin" */
    const char *ident;           /* "admin"; "" for "/" */
    const char *c_prefix;        /* "chat_admin_"; "chat_" for "/" */
    const char *c_intern;        /* "chat__admin"; "chat_" for "/" */
    sioc_requires req;           /* its own, as written */
    const sioc_connect *connect; /* NULL: none declared */
    const sioc_catchall *any;    /* NULL: none declared */
    const sioc_hook *data;       /* each NULL: none declared */
    const sioc_hook *disconnect;
    const sioc_hook *use;         /* before every event */
    const sioc_hook *use_connect; /* before the connect handler */
    const sioc_event *events;     /* both directions, schema order */
    size_t nevents;
    /* The ON events sorted by name (bytewise, strcmp), for dispatch
     * tables searched with bsearch. */
    const sioc_event *const *on_sorted;
    size_t non;
    /* With emits only: the typed target "chat_admin_target", and its
     * constructors (SIOC_TGT_*); NULL without. */
    const char *c_target;
    const char *c_target_fns[SIOC_TGT_COUNT];
    sioc_span at;
} sioc_namespace;

typedef struct sioc_schema {
    const char *name;                  /* "chat" */
    const char *source;                /* the schema file as named to sioc */
    const char *c_prefix;              /* "chat_" */
    const char *c_register;            /* "chat_register" */
    const char *c_schema;              /* "chat_schema": the descriptor */
    const char *c_intern;              /* "chat_", as the root namespace */
    const char *c_include_guard;       /* "chat_SIO_H" (case kept) */
    const sioc_record *const *records; /* dependency order */
    size_t nrecords;
    const sioc_enum *enums; /* schema order, as the rest */
    size_t nenums;
    const sioc_guard *guards;
    size_t nguards;
    const sioc_namespace *namespaces;
    size_t nnamespaces;
    const char *const *includes;     /* "common.sio.h": the headers of the
                                        imported schemas, import order */
    const char *const *import_paths; /* their files, as read (for -M) */
    size_t nincludes;
} sioc_schema;

/* Internal names: c_intern + a suffix. Distinct by construction, so the
 * checker need not claim them:
 *  - every suffix begins with '_' and none is a proper tail of another,
 *    so stem1 + sfx1 == stem2 + sfx2 implies equal stems and suffixes;
 *  - the stems of records, enums, events and connects are their public
 *    names with the prefix doubled ("chat_on_x" -> "chat__on_x"), so they
 *    are distinct, and those kinds may share suffixes (_args, _desc);
 *  - a namespace's stem ("chat__" + ident, or "chat_" for "/") may equal
 *    any other stem, so namespaces and the schema have their own.
 * All begin with "<schema>__", which no public name does. sioc_sfx_ok()
 * (emit_common.c) checks the tail rule. Struct tags reuse the names of
 * their sio_params (C keeps tags apart). */
#define SIOC_SFX_DESC "_desc"          /* record, enum: the descriptor */
#define SIOC_SFX_FIELDS "_desc_fields" /* record: its sio_field table */
#define SIOC_SFX_ARGS "_args"          /* event: argument struct, params */
#define SIOC_SFX_ARGS_FIELDS "_args_fields"
#define SIOC_SFX_ACK "_ack" /* on: the ack's struct, params */
#define SIOC_SFX_ACK_FIELDS "_ack_fields"
#define SIOC_SFX_INVOKE "_invoke" /* on, connect: the shim */
#define SIOC_SFX_REQ "_req"       /* on: effective requirements */
#define SIOC_SFX_REQ_GUARDS "_req_guards"
#define SIOC_SFX_REQ_NAMES "_req_names"
#define SIOC_SFX_REPLY "_reply" /* emit: the reply's struct, params */
#define SIOC_SFX_REPLY_FIELDS "_reply_fields"
#define SIOC_SFX_DELIVER "_deliver" /* emit: the reply shim */
#define SIOC_SFX_AUTH "_auth"       /* connect: auth struct, params */
#define SIOC_SFX_AUTH_FIELDS "_auth_fields"
#define SIOC_SFX_NS_EVENTS "_events" /* namespace: dispatch table */
#define SIOC_SFX_NS_REQ "_requires"  /* namespace: its requirements */
#define SIOC_SFX_NS_REQ_GUARDS "_requires_guards"
#define SIOC_SFX_NS_REQ_NAMES "_requires_names"
#define SIOC_SFX_NAMESPACES "_namespaces"  /* schema: namespace table */
#define SIOC_SFX_GUARDS "_declared_guards" /* schema: every guard */

#endif
