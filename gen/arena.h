/* arena.h - bump allocation for the generator: the AST and the checked
 * model live in one arena and are freed together. */
#ifndef SIOC_ARENA_H
#define SIOC_ARENA_H

#include <stddef.h>

typedef struct sioc_arena_block sioc_arena_block;

typedef struct sioc_arena {
    sioc_arena_block *head; /* newest block first */
    size_t used;            /* bytes used in head */
    size_t cap;             /* bytes available in head */
} sioc_arena;

void sioc_arena_init(sioc_arena *a);
void sioc_arena_fini(sioc_arena *a);

/* Zeroed, aligned for any object. Never NULL: out of memory exits, as a
 * compiler has nothing better to do. */
void *sioc_arena_alloc(sioc_arena *a, size_t size);
void *sioc_arena_array(sioc_arena *a, size_t n, size_t size);
char *sioc_arena_strndup(sioc_arena *a, const char *s, size_t len);
char *sioc_arena_printf(sioc_arena *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Exits with "sioc: out of memory" (also used for malloc failures). */
void sioc_oom(void);

#endif
