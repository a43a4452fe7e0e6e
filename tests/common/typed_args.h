/* typed_args.h - one-parameter argument tables shaped like sioc's output,
 * (room: string) and (n: int), shared by the typed dispatch and hook
 * tests. Include once per program (the tables are static). */
#ifndef TYPED_ARGS_H
#define TYPED_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "sio.h"

struct str_arg {
    const char *s;
};
static const sio_field room_fields[] = {
    {"room", SIO_K_STRING, 0, 0, offsetof(struct str_arg, s), 0, NULL, NULL,
     NULL, NULL, NULL},
};
static const sio_params room_args = {sizeof(struct str_arg), 1, room_fields,
                                     false, 0};

struct int_arg {
    int64_t n;
};
static const sio_field int_fields[] = {
    {"n", SIO_K_INT, 0, 0, offsetof(struct int_arg, n), 0, NULL, NULL, NULL,
     NULL, NULL},
};
static const sio_params int_args = {sizeof(struct int_arg), 1, int_fields,
                                    false, 0};

#endif
