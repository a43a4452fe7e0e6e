/* typed_fixture.h - descriptor tables shaped like sioc's output, shared
 * by the walker's unit test and its fuzz target. Include once per
 * program (the tables are static). */
#ifndef TYPED_FIXTURE_H
#define TYPED_FIXTURE_H

#include <stddef.h>

#include "sio.h"

/* record Message { text: string; tags: string[]; reply_to: int?; } */
typedef struct Message {
    const char *text;
    const char *const *tags;
    size_t tags_len;
    bool has_reply_to;
    int64_t reply_to;
} Message;

static const sio_field message_fields[] = {
    {"text", SIO_K_STRING, 0, 0, offsetof(Message, text), 0, NULL, NULL, NULL,
     NULL, NULL},
    {"tags", SIO_K_STRING, 1, 0, offsetof(Message, tags),
     offsetof(Message, tags_len), NULL, NULL, NULL, NULL, NULL},
    {"reply_to", SIO_K_INT, 0, SIO_F_OPTIONAL, offsetof(Message, reply_to),
     offsetof(Message, has_reply_to), NULL, NULL, NULL, NULL, NULL},
};
static const sio_record_desc message_desc = {
    "Message", sizeof(Message), 3, message_fields, NULL, 0};

static const char *const color_values[] = {"red", "green"};
static const sio_enum_desc color_desc = {"Color", 2, color_values};

/* (room: string, n: int, msg: Message, ratio: float?, color: Color,
 *  data: bytes, any: json, grid: int[][], ...) */
typedef struct Args {
    const char *room;
    int64_t n;
    Message msg;
    bool has_ratio;
    double ratio;
    int color;
    sio_bytes data;
    json_t *any;
    const sio_array *grid;
    size_t grid_len;
    json_t *rest;
} Args;

static const sio_field args_fields[] = {
    {"room", SIO_K_STRING, 0, 0, offsetof(Args, room), 0, NULL, NULL, NULL,
     NULL, NULL},
    {"n", SIO_K_INT, 0, 0, offsetof(Args, n), 0, NULL, NULL, NULL, NULL, NULL},
    {"msg", SIO_K_RECORD, 0, 0, offsetof(Args, msg), 0, &message_desc, NULL,
     NULL, NULL, NULL},
    {"ratio", SIO_K_FLOAT, 0, SIO_F_OPTIONAL, offsetof(Args, ratio),
     offsetof(Args, has_ratio), NULL, NULL, NULL, NULL, NULL},
    {"color", SIO_K_ENUM, 0, 0, offsetof(Args, color), 0, NULL, &color_desc,
     NULL, NULL, NULL},
    {"data", SIO_K_BYTES, 0, 0, offsetof(Args, data), 0, NULL, NULL, NULL, NULL,
     NULL},
    {"any", SIO_K_JSON, 0, 0, offsetof(Args, any), 0, NULL, NULL, NULL, NULL,
     NULL},
    {"grid", SIO_K_INT, 2, 0, offsetof(Args, grid), offsetof(Args, grid_len),
     NULL, NULL, NULL, NULL, NULL},
};
static const sio_params args_params = {sizeof(Args), 8, args_fields, true,
                                       offsetof(Args, rest)};

/* The same list with data optional: what arrives without attachments
 * (the streaming decoder's whole range). */
static const sio_field args_wire_fields[] = {
    {"room", SIO_K_STRING, 0, 0, offsetof(Args, room), 0, NULL, NULL, NULL,
     NULL, NULL},
    {"n", SIO_K_INT, 0, 0, offsetof(Args, n), 0, NULL, NULL, NULL, NULL, NULL},
    {"msg", SIO_K_RECORD, 0, 0, offsetof(Args, msg), 0, &message_desc, NULL,
     NULL, NULL, NULL},
    {"ratio", SIO_K_FLOAT, 0, SIO_F_OPTIONAL, offsetof(Args, ratio),
     offsetof(Args, has_ratio), NULL, NULL, NULL, NULL, NULL},
    {"color", SIO_K_ENUM, 0, 0, offsetof(Args, color), 0, NULL, &color_desc,
     NULL, NULL, NULL},
    {"data", SIO_K_BYTES, 0, SIO_F_OPTIONAL, offsetof(Args, data), 0, NULL,
     NULL, NULL, NULL, NULL},
    {"any", SIO_K_JSON, 0, 0, offsetof(Args, any), 0, NULL, NULL, NULL, NULL,
     NULL},
    {"grid", SIO_K_INT, 2, 0, offsetof(Args, grid), offsetof(Args, grid_len),
     NULL, NULL, NULL, NULL, NULL},
};
static const sio_params args_wire_params = {sizeof(Args), 8, args_wire_fields,
                                            true, offsetof(Args, rest)};

/* (a: int, b: string?) */
typedef struct Small {
    int64_t a;
    const char *b;
} Small;
static const sio_field small_fields[] = {
    {"a", SIO_K_INT, 0, 0, offsetof(Small, a), 0, NULL, NULL, NULL, NULL, NULL},
    {"b", SIO_K_STRING, 0, SIO_F_OPTIONAL, offsetof(Small, b), 0, NULL, NULL,
     NULL, NULL, NULL},
};
static const sio_params small_params = {sizeof(Small), 2, small_fields, false,
                                        0};

#endif
