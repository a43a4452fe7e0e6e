/*
 * lg_hist.c - latency histogram: log-linear buckets over nanoseconds, so
 * that recording is a few instructions and a percentile is one walk.
 */
#include "lg.h"

#include <math.h>

#define HALF (LG_HIST_SUB / 2)

static unsigned bucket_of(uint64_t v)
{
    if (v < LG_HIST_SUB)
        return (unsigned)v;
    if (v >> LG_HIST_MAX_BITS)
        v = (UINT64_C(1) << LG_HIST_MAX_BITS) - 1;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    /* shift leaves the top SUB_BITS bits: v >> shift in [HALF, SUB) */
    unsigned shift = msb - (LG_HIST_SUB_BITS - 1);
    return LG_HIST_SUB + (shift - 1) * HALF + (unsigned)(v >> shift) - HALF;
}

/* The middle of bucket i, in ns. */
static double value_of(unsigned i)
{
    if (i < LG_HIST_SUB)
        return i;
    unsigned j = i - LG_HIST_SUB;
    unsigned shift = j / HALF + 1;
    uint64_t low = (uint64_t)(j % HALF + HALF) << shift;
    return (double)low + (double)(UINT64_C(1) << shift) / 2.0;
}

void lg_hist_add(lg_hist *h, uint64_t ns)
{
    h->b[bucket_of(ns)]++;
    h->count++;
}

void lg_hist_merge(lg_hist *dst, const lg_hist *src)
{
    for (unsigned i = 0; i < LG_HIST_BUCKETS; i++)
        dst->b[i] += src->b[i];
    dst->count += src->count;
}

double lg_hist_quantile(const lg_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = (uint64_t)ceil(q * (double)h->count);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < LG_HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank)
            return value_of(i);
    }
    return value_of(LG_HIST_BUCKETS - 1);
}
