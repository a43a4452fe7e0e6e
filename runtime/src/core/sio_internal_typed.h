/* sio_internal_typed.h - internals of the typed layer shared between
 * its files (prefix siop_ / sio_arena_). */
#ifndef SIO_INTERNAL_TYPED_H
#define SIO_INTERNAL_TYPED_H

#include "sio.h"

/* Releases v (one reference) when the arena is reset. 0 or -1 (OOM: v is
 * not released by the arena then). */
int sio_arena_defer_decref(sio_arena *a, json_t *v);

#endif
