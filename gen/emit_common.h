/* emit_common.h - what the three emitters share: the C representation of
 * fields and parameters (docs/generated.md's table), the signatures of
 * the functions the header declares, C string literals, and the wrapping
 * of long lists. Everything here reads the model only. */
#ifndef SIOC_EMIT_COMMON_H
#define SIOC_EMIT_COMMON_H

#include <stdio.h>

#include "arena.h"
#include "model.h"

/* The libsio typed ABI (SIO_TYPED_ABI) the generated code is written
 * for; the header #errors when the runtime's differs. */
#define SIOC_TYPED_ABI 10

typedef struct sioc_emit {
    FILE *out;
    sioc_arena *arena; /* scratch: the strings built while writing */
    const sioc_schema *schema;
    /* "chat.sio.h", included by the .c and skeleton as is: no quote,
     * apostrophe, backslash or control character (main.c checks). */
    const char *header;
    const char *source; /* "chat.sio.c" */
    /* The schema's text, for the doc comments the outputs carry over
     * (the model keeps spans, not comments); src may be NULL. */
    const char *src;
    size_t src_len;
} sioc_emit;

/* Each writes its file to e->out; 0, or -1 if writing failed. */
int sioc_emit_header(const sioc_emit *e);
int sioc_emit_source(const sioc_emit *e);
int sioc_emit_skeleton(const sioc_emit *e);
int sioc_emit_ts(const sioc_emit *e);       /* --ts: NAME.sio.d.ts */
int sioc_emit_asyncapi(const sioc_emit *e); /* --asyncapi: JSON */

/* The rule of model.h's SIOC_SFX_*: each begins with '_' and none is a
 * proper tail of another. */
bool sioc_sfx_ok(void);

/* ---- lists of C fragments -------------------------------------------- */

/* Declarations with the names they declare, or expressions (name NULL).
 * An item may be a nested list, e.g. a compound literal, that wraps on
 * its own. */
typedef struct sioc_nest sioc_nest;

typedef struct sioc_list {
    const char **items; /* the text on one line, also of a nest */
    const char **names;
    const sioc_nest **nests; /* NULL, or how items[i] wraps */
    size_t n, cap;
} sioc_list;

struct sioc_nest {
    const char *head; /* "&(struct x){" */
    sioc_list list;
    const char *tail; /* "}" */
};

void sioc_list_add(sioc_arena *a, sioc_list *l, const char *item,
                   const char *name);
void sioc_list_add_nest(sioc_arena *a, sioc_list *l, const char *head,
                        const sioc_list *sub, const char *tail);

/* Writes indent spaces, head, the items separated by ", ", and tail.
 * What does not fit in 80 columns continues under the first item, or
 * four columns in when head is too long for that (as clang-format
 * does); a nest that does not fit wraps the same way inside. */
void sioc_put_list(FILE *out, size_t indent, const char *head,
                   const sioc_list *l, const char *tail);

/* ---- the representation of fields and parameters -------------------- */

/* Struct members of a parameter list (or record fields), "rest" last. */
void sioc_add_members(const sioc_emit *e, const sioc_params *p, sioc_list *l);
/* Parameter declarations of handlers, emits and acks. */
void sioc_add_param_decls(const sioc_emit *e, const sioc_params *p,
                          sioc_list *l);
/* The struct's initializer, in member order, from those parameters. */
void sioc_add_values(const sioc_emit *e, const sioc_params *p, sioc_list *l);
/* The handler's arguments from a struct: from is "a->". */
void sioc_add_spread(const sioc_emit *e, const sioc_params *p, const char *from,
                     sioc_list *l);
/* Whether the field has a has_ flag (optional bool/int/float/enum). */
bool sioc_field_has_flag(const sioc_field *f);
/* The C type of a map's values (t a map): "int64_t", "sio_array"... */
const char *sioc_map_values(const sioc_emit *e, const sioc_type *t);

/* ---- signatures of the functions the header declares ------------------ */

typedef struct sioc_sig {
    const char *ret;  /* "void", "int", "bool" */
    const char *name; /* or "(*chat_ping__reply)" for a callback type */
    sioc_list params;
} sioc_sig;

void sioc_sig_guard(const sioc_emit *e, const sioc_guard *g, sioc_sig *s);
void sioc_sig_connect(const sioc_emit *e, const sioc_connect *c, sioc_sig *s);
void sioc_sig_any(const sioc_emit *e, const sioc_catchall *c, sioc_sig *s);
void sioc_sig_on(const sioc_emit *e, const sioc_event *ev, sioc_sig *s);
void sioc_sig_ack_send(const sioc_emit *e, const sioc_event *ev, sioc_sig *s);
void sioc_sig_ack_error(const sioc_emit *e, const sioc_event *ev, sioc_sig *s);
void sioc_sig_ack_wanted(const sioc_emit *e, const sioc_event *ev, sioc_sig *s);
void sioc_sig_emit(const sioc_emit *e, const sioc_namespace *ns,
                   const sioc_event *ev, sioc_sig *s);
void sioc_sig_reply(const sioc_emit *e, const sioc_event *ev, sioc_sig *s);
void sioc_sig_register(const sioc_emit *e, sioc_sig *s);
/* A hook of ns (ns->data, disconnect, use or use_connect): the data
 * accessor, the disconnect handler, the middleware. */
void sioc_sig_hook(const sioc_emit *e, const sioc_namespace *ns,
                   const sioc_hook *h, sioc_sig *s);

/* "RET NAME(PARAMS)" then tail (";\n", or "\n" before a body). */
void sioc_put_sig(const sioc_emit *e, const sioc_sig *s, const char *tail);

/* ---- a namespace's items in schema order ------------------------------ */

/* Exactly one member is set. */
typedef struct sioc_item {
    const sioc_connect *connect;
    const sioc_catchall *any;
    const sioc_event *event;
    const sioc_hook *hook; /* data, disconnect, use, use connect */
} sioc_item;

/* The connect, catch-all, hooks and events of ns as the schema lists them (in
 * the arena); returns how many. */
size_t sioc_items(const sioc_emit *e, const sioc_namespace *ns,
                  sioc_item **out);

/* ---- text --------------------------------------------------------------- */

/* A finite v in the fewest digits that read back as v, with a '.' or an
 * exponent: a literal of double in C and a number in JSON ("2.5",
 * "-2.0", "1e-05"). */
const char *sioc_double_text(sioc_arena *a, double v);

/* s as a C string literal: quotes, escapes, octal for bytes outside
 * printable ASCII, and "?\?" so that no trigraph forms. */
const char *sioc_cstr(sioc_arena *a, const char *s);
/* The same, safe inside a comment too (no end of comment). */
const char *sioc_ccomment(sioc_arena *a, const char *s);
/* A comment of text (comment-safe, words split at spaces), filled to
 * 80 columns. */
void sioc_put_comment(FILE *out, size_t indent, const char *text);
/* The "##" doc comment of the declaration at `at` as a C comment at
 * indent; false (nothing written) if it has none. */
bool sioc_put_doc(const sioc_emit *e, size_t indent, sioc_span at);
/* The first line of a generated file: what made file, from what. */
void sioc_put_origin(const sioc_emit *e, const char *file);
/* A blank line and a banner comment "---- what ----" (what must be
 * comment-safe). */
void sioc_put_banner(const sioc_emit *e, const char *what);
/* The banner of the records and enums section; false (and nothing
 * written) if the schema has none. */
bool sioc_put_types_banner(const sioc_emit *e);
/* As sioc_ccomment, without the quotes (for file names). */
const char *sioc_comment_text(sioc_arena *a, const char *s);
/* stem + suffix, an internal name (model.h SIOC_SFX_*). */
const char *sioc_iname(const sioc_emit *e, const char *stem, const char *sfx);

#endif
