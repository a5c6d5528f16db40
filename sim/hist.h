/* hist.h — a fixed-size log-linear latency histogram (HdrHistogram's layout).
 *
 * Values are int64 nanoseconds. Bucket i covers [lo_i, hi_i). Values below
 * 2^(SIM_HIST_SUB_BITS + 1) have a bucket each and are exact; above, each
 * power-of-two range [2^e, 2^(e+1)) is split into 2^SIM_HIST_SUB_BITS linear
 * sub-buckets of width 2^(e - SIM_HIST_SUB_BITS), so a bucket is at most
 * 2^-SIM_HIST_SUB_BITS of its lower bound wide and its midpoint is within
 * 2^-(SIM_HIST_SUB_BITS + 1) (0.39 % at 7) of any value in it. Values of
 * 2^SIM_HIST_MAX_EXP ns (about 36.7 minutes at 41) and more land in the last
 * bucket, which is closed at INT64_MAX. A negative value is a caller's bug
 * (a latency cannot be); it is recorded as 0 everywhere: bucket, min, sum.
 *
 * The struct is a plain value: no allocation, copy it with '=', clear it with
 * sim_hist_clear() before first use. */
#ifndef SIM_HIST_H
#define SIM_HIST_H

#include <stddef.h>
#include <stdint.h>

#define SIM_HIST_SUB_BITS 7
#define SIM_HIST_MAX_EXP 41
/* 2^(SUB_BITS+1) exact buckets, (MAX_EXP - SUB_BITS - 1) ranges of 2^SUB_BITS
 * sub-buckets, one overflow bucket: 4481 at 7 and 41. */
#define SIM_HIST_BUCKETS \
    ((((size_t)SIM_HIST_MAX_EXP - SIM_HIST_SUB_BITS + 1) << SIM_HIST_SUB_BITS) + 1)

/* Buckets are uint64_t although uint32_t would halve the struct (17.9 KB to
 * 35.9 KB): the run-long histogram is the merge of every tick's, and a hot
 * service can put more than 2^32 calls in one bucket over a long run. A
 * wrapped counter would corrupt quantiles silently, and a saturating one would
 * break the invariant that the buckets sum to 'count'. */
typedef struct sim_hist {
    uint64_t count;
    int64_t min, max; /* exact; both 0 while empty */
    double sum;       /* exact while below 2^53 ns (104 days) in total */
    uint64_t buckets[SIM_HIST_BUCKETS];
} sim_hist;

/* Empty 'h' (also its initialisation: any prior content is ignored). */
void sim_hist_clear(sim_hist *h);

/* Record one value; negative values count as 0. O(1), no loop, no libm. */
void sim_hist_add(sim_hist *h, int64_t value);

/* Add every value recorded in 'from' to 'into' ('from' unchanged). The result
 * equals recording both sets into one histogram. 'into' == 'from' doubles it. */
void sim_hist_merge(sim_hist *into, const sim_hist *from);

/* The q-quantile, q in [0, 1] (clamped; NaN counts as 0): the midpoint of the
 * bucket holding the ceil(q * count)-th smallest value (at least the 1st),
 * clamped to [min, max]. The 1st and the count-th values are min and max,
 * exactly. A fraction of q * count no larger than a relative 1e-12 is
 * rounding noise and is dropped, so q = 0.07 of 100 values is the 7th although
 * 0.07 * 100 is 7.000000000000001 in binary. Returns 0 when empty. O(SIM_HIST_BUCKETS) at worst, O(buckets
 * between min and max) in practice. */
int64_t sim_hist_quantile(const sim_hist *h, double q);

/* sum / count; 0 when empty. */
double sim_hist_mean(const sim_hist *h);

/* The bucket that 'value' lands in, in [0, SIM_HIST_BUCKETS). */
size_t sim_hist_bucket_of(int64_t value);

/* Bounds of bucket 'i' < SIM_HIST_BUCKETS: it holds [lo, hi), except the last,
 * which holds [2^SIM_HIST_MAX_EXP, INT64_MAX] and whose hi is INT64_MAX. */
int64_t sim_hist_bucket_lo(size_t i);
int64_t sim_hist_bucket_hi(size_t i);

#endif /* SIM_HIST_H */
