/* fail_alloc.h - allocation failures on demand for a unit test linked
 * with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free (see
 * UNIT_SEAMS_* in the Makefile): every allocation of the test and of
 * libsio.a goes through these (jansson's and libc's own do not).
 * fail_after(k) makes the allocation k+1 from now fail, once;
 * alloc_live() counts blocks allocated and not yet freed through here.
 * #include it once, after cmocka. */
#include <stdbool.h>
#include <stdlib.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static long g_fail_in = -1; /* allocations before the failing one */
static long g_live;

static bool alloc_fails(void)
{
    return g_fail_in >= 0 && g_fail_in-- == 0;
}

void *__wrap_malloc(size_t n)
{
    void *p = alloc_fails() ? NULL : __real_malloc(n);
    g_live += p != NULL;
    return p;
}

void *__wrap_calloc(size_t k, size_t n)
{
    void *p = alloc_fails() ? NULL : __real_calloc(k, n);
    g_live += p != NULL;
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    void *q = alloc_fails() ? NULL : __real_realloc(p, n);
    g_live += q && !p;
    return q;
}

/* Blocks from jansson or libc may be freed here too: the count is only
 * meaningful as a difference over code that does not free those. */
void __wrap_free(void *p)
{
    g_live -= p != NULL;
    __real_free(p);
}

static inline void fail_after(long k)
{
    g_fail_in = k;
}

static inline void fail_off(void)
{
    g_fail_in = -1;
}

static inline long alloc_live(void)
{
    return g_live;
}
