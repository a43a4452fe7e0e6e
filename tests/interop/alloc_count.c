/* alloc_count.c - an LD_PRELOAD library for the allocation test
 * (alloc.test.mjs): counts the calls that allocate (malloc, calloc,
 * realloc, the aligned ones) and writes "allocations: N" to stderr on
 * SIGUSR2. It forwards to glibc's own entry points. */
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <unistd.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t k, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t a, size_t n);

static unsigned long count;

static void tick(void)
{
    __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED);
}

void *malloc(size_t n)
{
    tick();
    return __libc_malloc(n);
}

void *calloc(size_t k, size_t n)
{
    tick();
    return __libc_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
    tick();
    return __libc_realloc(p, n);
}

void *memalign(size_t a, size_t n)
{
    tick();
    return __libc_memalign(a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
    return memalign(a, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
    void *p = memalign(a, n);
    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

/* Async-signal-safe: digits by hand, one write. */
static void report(int sig)
{
    char buf[48] = "allocations: ", *end = buf + sizeof buf, *p = end;
    unsigned long v = __atomic_load_n(&count, __ATOMIC_RELAXED);
    size_t head = 13;

    (void)sig;
    *--p = '\n';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; p + i < end; i++)
        buf[head + i] = p[i];
    (void)!write(2, buf, head + (size_t)(end - p));
}

__attribute__((constructor)) static void start(void)
{
    signal(SIGUSR2, report);
}
