/* sim/hist.c — the log-linear latency histogram behind every percentile.
 *
 * One array of SIM_HIST_BUCKETS counters. With S = SIM_HIST_SUB_BITS and
 * shift(v) = max(floor(log2 v) - S, 0), value v lands in bucket
 * (shift << S) + (v >> shift): below 2^(S+1) that is v itself, and each later
 * power-of-two range [2^e, 2^(e+1)) takes the next 2^S buckets, v >> shift
 * running over [2^S, 2^(S+1)). The formula needs one clz and two shifts; OR-ing
 * 2^S into clz's argument pins the shift at 0 for small values and keeps the
 * argument non-zero, so sim_hist_add has no branch on the value's range. Values
 * are clamped to [0, 2^SIM_HIST_MAX_EXP] first, which sends everything from
 * 2^SIM_HIST_MAX_EXP on to the formula's next index, the overflow bucket.
 *
 * Invariants: the buckets sum to 'count'; an empty histogram is all zeros
 * (min, max and sum included); otherwise every non-zero bucket lies between
 * bucket_of(min) and bucket_of(max), inclusive. Merge and quantile walk only
 * that stretch, which for a tick's latencies is usually a few hundred buckets.
 *
 * Cost: add is O(1); merge and quantile are O(buckets from min to max), at most
 * SIM_HIST_BUCKETS; clear is one memset. The error bound is a property of the
 * layout: a bucket of lower bound lo >= 2^(S+1) is at most lo / 2^S wide, so
 * its midpoint is within lo / 2^(S+1) of any value in it (0.39 % at S = 7).
 *
 * Rejected: keeping the samples and sorting (exact, but memory grows with the
 * run and the tick); pure logarithmic buckets of ratio 1 + 2^-S (fewer buckets,
 * but add needs log() and the bounds are not integers); t-digest and DDSketch
 * (mergeable too, but they allocate or rebalance, and their error is harder to
 * state); HdrHistogram's auto-resizing arrays (allocation on the hot path). */
#include "hist.h"

#include <string.h>

#if !defined(__GNUC__) && !defined(__clang__)
#error "sim/hist.c needs __builtin_clzll (GCC or Clang)"
#endif

#define SUB ((uint64_t)1 << SIM_HIST_SUB_BITS)
#define LIMIT ((int64_t)1 << SIM_HIST_MAX_EXP)
#define LAST (SIM_HIST_BUCKETS - 1)

_Static_assert(SIM_HIST_SUB_BITS >= 1 && SIM_HIST_SUB_BITS < SIM_HIST_MAX_EXP &&
                   SIM_HIST_MAX_EXP <= 62,
               "the layout needs 1 <= SUB_BITS < MAX_EXP <= 62");
/* One histogram per service per open tick: keep each one near 40 KB. */
_Static_assert(SIM_HIST_BUCKETS <= 5000, "SIM_HIST_BUCKETS grew past about 5000");

static inline int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static inline size_t bucket_index(int64_t value)
{
    uint64_t v = (uint64_t)clamp(value, 0, LIMIT);
    unsigned shift = (unsigned)(63 - __builtin_clzll(v | SUB)) - SIM_HIST_SUB_BITS;

    return ((size_t)shift << SIM_HIST_SUB_BITS) + (size_t)(v >> shift);
}

size_t sim_hist_bucket_of(int64_t value)
{
    return bucket_index(value);
}

/* The inverse of bucket_index: bucket i holds [m << shift, (m + 1) << shift)
 * with m = i - (shift << S); an index past the end counts as the last. */
static inline unsigned bucket_shift(size_t i)
{
    return i < 2 * SUB ? 0 : (unsigned)(i >> SIM_HIST_SUB_BITS) - 1;
}

int64_t sim_hist_bucket_lo(size_t i)
{
    unsigned shift;

    i = i < LAST ? i : LAST;
    shift = bucket_shift(i);
    return (int64_t)(i - ((size_t)shift << SIM_HIST_SUB_BITS)) << shift;
}

int64_t sim_hist_bucket_hi(size_t i)
{
    unsigned shift;

    if (i >= LAST)
        return INT64_MAX;
    shift = bucket_shift(i);
    return (int64_t)(i - ((size_t)shift << SIM_HIST_SUB_BITS) + 1) << shift;
}

void sim_hist_clear(sim_hist *h)
{
    memset(h, 0, sizeof *h); /* all-zero bits are 0.0 in IEEE 754 */
}

void sim_hist_add(sim_hist *h, int64_t value)
{
    int64_t v = value < 0 ? 0 : value;

    h->min = h->count == 0 || v < h->min ? v : h->min;
    h->max = v > h->max ? v : h->max; /* max is 0 while empty and v >= 0 */
    h->count++;
    h->sum += (double)v;
    h->buckets[bucket_index(v)]++;
}

/* Safe when into == from: everything read from 'from' is read before the
 * field it shares with 'into' is written. */
void sim_hist_merge(sim_hist *into, const sim_hist *from)
{
    size_t end;

    if (from->count == 0)
        return;
    end = bucket_index(from->max);
    for (size_t i = bucket_index(from->min); i <= end; i++)
        into->buckets[i] += from->buckets[i];
    into->min = into->count == 0 || from->min < into->min ? from->min : into->min;
    into->max = from->max > into->max ? from->max : into->max;
    into->count += from->count;
    into->sum += from->sum;
}

/* ceil(q * count) in [1, count]. A fraction of a relative 1e-12 or less is the
 * rounding of q's binary representation (0.07 * 100 = 7.000000000000001), not
 * a real fraction of a rank, and is dropped. */
static uint64_t rank_of(double q, uint64_t count)
{
    double x;
    uint64_t r;

    if (!(q > 0.0)) /* also NaN */
        return 1;
    if (q >= 1.0)
        return count;
    x = q * (double)count;
    r = (uint64_t)x;
    if (x - (double)r > x * 1e-12)
        r++;
    return r < 1 ? 1 : r > count ? count : r;
}

int64_t sim_hist_quantile(const sim_hist *h, double q)
{
    uint64_t rank, seen;
    size_t i;
    int64_t lo;

    if (h->count == 0)
        return 0;
    rank = rank_of(q, h->count);
    if (rank == 1)
        return h->min;
    if (rank == h->count)
        return h->max;
    i = bucket_index(h->min);
    for (seen = h->buckets[i]; seen < rank; seen += h->buckets[i])
        i++;
    lo = sim_hist_bucket_lo(i);
    return clamp(lo + (sim_hist_bucket_hi(i) - lo) / 2, h->min, h->max);
}

double sim_hist_mean(const sim_hist *h)
{
    return h->count ? h->sum / (double)h->count : 0.0;
}
