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

/* Encodes the struct in into a new JSON array (NULL on allocation
 * failure or on an invalid value, e.g. a string that is not UTF-8, a
 * NULL non-optional pointer, a NULL array or bytes with a non-zero
 * length, or in NULL while params has fields; err names it). */
json_t *siop_encode_params(const sio_params *params, const void *in,
                           sio_error *err);

/* A bump allocator for one dispatch. */
sio_arena *siop_arena_new(void);
void *siop_arena_alloc(sio_arena *a, size_t size); /* zeroed; NULL: OOM */
void siop_arena_reset(sio_arena *a);
void siop_arena_free(sio_arena *a);

/* Releases v (one reference) when the arena is reset. 0 or -1 (OOM: v is
 * not released by the arena then). */
int siop_arena_defer_decref(sio_arena *a, json_t *v);

#endif
