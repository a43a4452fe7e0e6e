/* map.h - string-keyed hash map (internal, prefix map_).
 *
 * Open addressing with linear probing and backward-shift deletion, so
 * lookups stay O(1) with no tombstones. Keys are byte strings (ptr, len);
 * the map copies nothing: the caller keeps each key alive as long as its
 * entry (usually the key lives inside the value). */
#ifndef SIO_MAP_H
#define SIO_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct map_entry {
    const char *key; /* NULL: empty slot */
    size_t klen;
    uint64_t hash;
    void *value;
} map_entry;

typedef struct map {
    map_entry *slots;
    size_t cap; /* power of two, or 0 */
    size_t len;
} map;

void map_init(map *m);
void map_fini(map *m); /* frees the table, not keys or values */
void *map_get(const map *m, const char *key, size_t klen);
/* Inserts or replaces. Returns 0 or -1 (out of memory: map unchanged). */
int map_put(map *m, const char *key, size_t klen, void *value);
/* Removes the entry; returns its value or NULL. */
void *map_del(map *m, const char *key, size_t klen);
/* Iteration: for (size_t i = 0; map_next(m, &i, &e);) ... Do not modify
 * the map while iterating. */
int map_next(const map *m, size_t *i, map_entry **e);

#endif
