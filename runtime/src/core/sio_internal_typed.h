/* sio_internal_typed.h - the typed layer's walker and arena, internal to
 * libsio: generated code reaches them through the dispatch (prefix
 * siop_). */
#ifndef SIO_INTERNAL_TYPED_H
#define SIO_INTERNAL_TYPED_H

#include "sio.h"
#include "sio_error.h"

/* ---- decoding and encoding (the walker) ------------------------------ */

/* Errors (err->text, the first only) name what went wrong and where:
 * "room: expected string", "msg.tags[2]: expected string",
 * "room: missing (expected string)", "expected 2 arguments, got 3";
 * err->path is the where alone. */

typedef struct sio_arena sio_arena;

/* What an enum field expects, for error messages: "Color, one of \"red\",
 * \"green\"" (cut with "..." to fit n). Every decode path words an enum
 * error with it, so that their messages agree. */
void siop_typed_enum_expected(const sio_enum_desc *e, char *buf, size_t n);

/* What a union's tag may be, for error messages: "one of \"circle\",
 * \"square\"" (cut with "..." to fit n). */
void siop_typed_union_expected(const sio_record_desc *r, char *buf, size_t n);

/* Is the optional scalar field f (depth 0) of the struct at base there?
 * A NULL pointer (record, string, json, map), bytes with NULL data or a
 * false presence flag says no. Both encoders ask it. */
bool siop_typed_present(const sio_field *f, const void *base);

/* Size of one element of the C representation at array depth d (both
 * encoders and the tree decoder lay values out by it). */
size_t siop_typed_elem_size(const sio_field *f, int d);

/* The limits of f (sio_limits), one check each. 0 if the value meets
 * them (or f has none); -1 with why set to what was expected, without
 * the path ("expected int from 1 to 10", "expected string of 1 to 64
 * characters"). Every decode path calls these, in the walker's order:
 * an array's length before its elements, a value's limits after its
 * type, so that all give the same verdict and message. */
int siop_typed_check_int(const sio_field *f, int64_t v, char *why, size_t n);
/* s: a valid UTF-8 string; its length counts code points. */
int siop_typed_check_str(const sio_field *f, const char *s, char *why,
                         size_t n);
int siop_typed_check_bytes(const sio_field *f, size_t len, char *why, size_t n);
/* count: the keys of a map (f is SIO_K_MAP, at depth 0). */
/* The check of f's limits its kind takes (int, string, bytes, map keys)
 * on the value at slot: 0 or -1 with why. A NULL string passes. */
int siop_typed_check_value(const sio_field *f, const void *slot, char *why,
                           size_t n);
int siop_typed_check_keys(const sio_field *f, size_t count, char *why,
                          size_t n);
/* count: the elements of f's outermost array. */
int siop_typed_check_len(const sio_field *f, size_t count, char *why, size_t n);

/* Decodes args (a JSON array) into out (params->size bytes, zeroed
 * first). Arrays and records are allocated in arena; strings, bytes and
 * json point into args, which must outlive out. Returns 0, or -1 with err
 * set. Records nest at most SIO_TYPED_MAX_DEPTH deep. */
int siop_decode_params(const sio_params *params, json_t *args, void *out,
                       sio_arena *arena, sio_error *err);

/* Decodes the fields of a JSON object (the CONNECT auth payload) into
 * out, as siop_decode_params does for an array; unknown keys are
 * ignored. */
int siop_decode_object(const sio_params *params, json_t *obj, void *out,
                       sio_arena *arena, sio_error *err);

/* Frees what the struct obj of record r owns (sio_typed_data.c): its
 * strings, arrays, json references, bytes and optional records, as
 * socket data holds them; obj itself is the caller's. */
void siop_typed_free_fields(const sio_record_desc *r, void *obj);

/* Encodes the struct in into a new JSON array (NULL on allocation
 * failure or on an invalid value, e.g. a string that is not UTF-8, a
 * NULL non-optional pointer, a NULL array or bytes with a non-zero
 * length, or in NULL while params has fields; err names it). */
json_t *siop_encode_params(const sio_params *params, const void *in,
                           sio_error *err);

/* ---- the streaming decoder (sio_typed_text.c) ------------------------
 * JSON text straight into the struct, no jansson tree. It accepts a
 * subset of what jansson and the walker above accept, decoding it to the
 * same values; for anything else it returns SIOP_TEXT_SLOW and the
 * caller decodes the same input on the tree path (the verdict and the
 * message are that path's). Strings are copied into arena (json values
 * are jansson's, released at its reset); out is zeroed first. */
#define SIOP_TEXT_SLOW 1

/* buf: the arguments, a JSON array. Returns 0 or SIOP_TEXT_SLOW. */
int siop_text_decode_params(const sio_params *params, const char *buf,
                            size_t len, void *out, sio_arena *arena);

/* buf: an EVENT payload ["name", args...]. The name (unescaped, no NUL,
 * not reserved, shorter than cap) into name, and *used set to where the
 * arguments start, for siop_text_decode_event. */
int siop_text_event_name(const char *buf, size_t len, char *name, size_t cap,
                         size_t *used, sio_arena *arena);
int siop_text_decode_event(const sio_params *params, const char *buf,
                           size_t len, size_t at, void *out, sio_arena *arena);

/* ---- the direct encoder (sio_typed_enc.c) -----------------------------
 * An EVENT (event set) or ACK (event NULL) packet of p's values in in,
 * written straight into out->head (no json_t). 0; SIOP_TEXT_SLOW for a
 * value with attachments or one the walker refuses (the caller then
 * encodes on the tree path, which words the error); SIO_ENOMEM or
 * SIO_EINVAL (namespace, id). The packet type is sio_packet.h's; the
 * message comes from pool (NULL: malloc). */
struct sio_encoded;
struct eio_msg_pool;
int siop_typed_encode(int type, const char *nsp, int64_t id, const char *event,
                      const sio_params *p, const void *in,
                      struct eio_msg_pool *pool, struct sio_encoded *out);

/* A bump allocator for one dispatch. */
sio_arena *siop_arena_new(void);
void *siop_arena_alloc(sio_arena *a, size_t size); /* zeroed; NULL: OOM */
void siop_arena_reset(sio_arena *a);
void siop_arena_free(sio_arena *a);

/* Releases v (one reference) when the arena is reset. 0 or -1 (OOM: v is
 * not released by the arena then). */
int siop_arena_defer_decref(sio_arena *a, json_t *v);

#endif
