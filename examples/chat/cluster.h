/* cluster.h - the chat's --redis mode: several processes share rooms
 * through Redis (sio_redis.h); join and leave count members on every
 * server. */
#ifndef CHAT_CLUSTER_H
#define CHAT_CLUSTER_H

#include "chat.sio.h"

/* Joins the cluster at url ("redis://HOST:PORT"): 0, or -1 (logged). */
int chat_cluster_start(sio_server *srv, const char *url);
/* After sio_server_run returned, before sio_server_free. */
void chat_cluster_stop(void);
bool chat_cluster_on(void);
/* join and leave in cluster mode (room already checked for length):
 * each answers its ack (empty: none) once the servers answered. */
void chat_cluster_join(sio_ctx *ctx, const char *room, chat_join_ack ack);
void chat_cluster_leave(sio_ctx *ctx, const char *room, chat_leave_ack ack);

#endif
