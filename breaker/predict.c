/* predict.c — the arithmetic of the failure-prediction rules.
 *
 * Four opt-in rules live here; breaker.c decides when they run (only in
 * CLOSED, and only behind one test of the breaker's 'extra' bits), this file
 * keeps their figures. Everything is O(1) per call and allocates nothing.
 *
 * Throttle window (FB_RULE_THROTTLE, Google SRE client-side throttling): a
 * ring of FB__THROTTLE_BUCKETS buckets, each throttle_window_ns / 60 wide,
 * counting requests and accepts, with running totals; it ages by 'now' the way
 * a TIME window does (stepping over k buckets zeroes them: O(k), at most
 * O(60)), and caches the end of the head bucket so the call path compares
 * instead of dividing. A bucket per second (as the TIME window has) was
 * rejected: a day-long window would need 86,400 of them.
 *
 * Latency trend (FB_RULE_LATENCY_TREND, after Netflix concurrency-limits'
 * Gradient2): a short exponentially weighted average per call (weight
 * 2 / (n + 1), a plain mean while fewer calls have been seen) and a long one
 * that takes one step per second that had calls, towards that second's mean
 * (weight 2 / (s + 1) for a span of s seconds, or the second's share of all
 * samples so far while that is larger, so it starts as the plain mean). Steps
 * per second make the long span a time, whatever the traffic: per-call
 * weights let a 1,000-call/s breaker's baseline follow a two-minute rise.
 * The long average must not chase the short one during a rise, so a step is
 * skipped while short >= (1 + ratio) / 2 x long, at most s steps in a row:
 * a level that lasts the whole long span is the new normal. Freezing while
 * short > long was rejected: noise puts short above long half the time, so
 * the baseline would keep only the low seconds, sink, and trip on noise.
 *
 * Wilson score lower bound: pure arithmetic on the window's counts. The
 * engine links libc only, so the square root is Newton's iteration.
 */
#include "internal.h"

#include <float.h>
#include <string.h>

/* ---- throttle window ------------------------------------------------------ */

size_t fb__throttle_bytes(void)
{
    return FB__THROTTLE_BUCKETS * sizeof(struct fb__tbucket);
}

void fb__throttle_init(struct fb__throttle *t, int64_t window_ns, void *ring)
{
    memset(t, 0, sizeof(*t));
    t->width_ns = window_ns / FB__THROTTLE_BUCKETS;
    if (t->width_ns < 1)
        t->width_ns = 1;
    t->b = ring;
    t->head_end_ns = INT64_MIN;
}

void fb__throttle_clear(struct fb__throttle *t)
{
    memset(t->b, 0, fb__throttle_bytes());
    t->head = 0;
    t->requests = t->accepts = 0;
    t->head_end_ns = INT64_MIN;
}

/* Move the head to the bucket of 'now_ns', zeroing the buckets that fell out.
 * The caller's 'now' never goes backwards (the breaker clamps it). */
void fb__throttle_advance(struct fb__throttle *t, int64_t now_ns)
{
    int64_t idx, gap;

    if (now_ns < t->head_end_ns)
        return;
    idx = fb__floor_div(now_ns, t->width_ns);
    gap = idx - t->head_idx;
    if (t->head_end_ns == INT64_MIN || gap >= FB__THROTTLE_BUCKETS) {
        fb__throttle_clear(t);
    } else {
        for (int64_t i = 1; i <= gap; i++) {
            struct fb__tbucket *bk = &t->b[(t->head + i) % FB__THROTTLE_BUCKETS];

            t->requests -= bk->requests;
            t->accepts -= bk->accepts;
            bk->requests = bk->accepts = 0;
        }
        t->head = (uint32_t)((t->head + gap) % FB__THROTTLE_BUCKETS);
    }
    t->head_idx = idx;
    t->head_end_ns = idx < INT64_MAX / t->width_ns - 1 ? (idx + 1) * t->width_ns : INT64_MAX;
}

double fb__throttle_p(const struct fb__throttle *t, double k)
{
    double excess = (double)t->requests - k * (double)t->accepts;

    return excess > 0 ? excess / ((double)t->requests + 1) : 0;
}

/* ---- latency trend -------------------------------------------------------- */

void fb__trend_init(struct fb__trend *t, const fb_config *c, uint32_t min_calls)
{
    double span_s = (double)c->latency_long_ns / (double)FB__NS_PER_SEC;

    memset(t, 0, sizeof(*t));
    t->alpha_short = 2.0 / ((double)c->latency_short_calls + 1);
    t->alpha_long = 2.0 / (span_s + 1);
    t->ratio = c->latency_trend_ratio;
    t->freeze = (1 + c->latency_trend_ratio) / 2;
    t->freeze_max = (uint32_t)((c->latency_long_ns + FB__NS_PER_SEC - 1) / FB__NS_PER_SEC);
    t->min_calls = min_calls;
    t->sec_end_ns = INT64_MIN;
}

void fb__trend_clear(struct fb__trend *t)
{
    t->n = t->long_n = 0;
    t->frozen = 0;
    t->short_avg = t->long_avg = t->sec_sum = 0;
    t->sec_n = 0;
    t->sec_end_ns = INT64_MIN;
}

/* Fold the finished second into the long average, unless the short one is
 * running away from it (then wait, a bounded number of seconds). */
static void trend_fold(struct fb__trend *t)
{
    double mean, w;

    if (t->sec_n == 0)
        return;
    mean = t->sec_sum / (double)t->sec_n;
    if (t->long_n > 0 && t->n >= t->min_calls && t->short_avg >= t->freeze * t->long_avg &&
        t->frozen < t->freeze_max) {
        t->frozen++;
    } else {
        t->long_n += t->sec_n;
        w = (double)t->sec_n / (double)t->long_n;
        if (w < t->alpha_long)
            w = t->alpha_long;
        t->long_avg += w * (mean - t->long_avg);
        if (t->short_avg < t->freeze * t->long_avg)
            t->frozen = 0;
    }
    t->sec_sum = 0;
    t->sec_n = 0;
}

void fb__trend_add(struct fb__trend *t, int64_t duration_ns, int64_t now_ns)
{
    double d = duration_ns > 0 ? (double)duration_ns : 0, w;

    if (now_ns >= t->sec_end_ns) {
        int64_t sec = fb__floor_div(now_ns, FB__NS_PER_SEC);

        trend_fold(t);
        t->sec_end_ns = sec < INT64_MAX / FB__NS_PER_SEC - 1 ? (sec + 1) * FB__NS_PER_SEC
                                                             : INT64_MAX;
    }
    t->sec_sum += d;
    t->sec_n++;
    t->n++;
    w = 1.0 / (double)t->n;
    if (w < t->alpha_short)
        w = t->alpha_short;
    t->short_avg += w * (d - t->short_avg);
}

/* The long average; before its first step, the current second's mean. */
double fb__trend_long(const struct fb__trend *t)
{
    if (t->long_n > 0)
        return t->long_avg;
    return t->sec_n ? t->sec_sum / (double)t->sec_n : 0;
}

bool fb__trend_fired(const struct fb__trend *t)
{
    double l;

    if (t->n < t->min_calls)
        return false;
    l = fb__trend_long(t);
    return l > 0 && t->short_avg >= t->ratio * l;
}

/* ---- Wilson score bound --------------------------------------------------- */

/* sqrt(x) without libm. Halving the exponent's bits gives a first guess
 * within 6 %; each Newton step doubles the correct digits. */
static double root(double x)
{
    uint64_t bits;
    double r;

    if (x > DBL_MAX)
        return x;
    if (!(x >= DBL_MIN))
        return 0; /* 0, a subnormal (its root is below 1.5e-154) or NaN */
    memcpy(&bits, &x, sizeof(bits));
    bits = (bits >> 1) + (UINT64_C(0x3FF) << 51);
    memcpy(&r, &bits, sizeof(r));
    for (int i = 0; i < 6; i++)
        r = 0.5 * (r + x / r);
    return r;
}

/* (p + z^2/2n - z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), p = failures / n:
 * the lower end of Wilson's score interval (Wilson 1927). */
double fb__wilson_lower(uint64_t failures, uint64_t calls, double z)
{
    double n = (double)calls, p, z2 = z * z, lo;

    if (calls == 0)
        return 0;
    p = (double)failures / n;
    lo = (p + z2 / (2 * n) - z * root(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n);
    return lo > 0 ? lo : 0;
}

/* ---- recovery ramp -------------------------------------------------------- */

bool fb__ramp_admits(double start, int64_t elapsed_ns, int64_t length_ns, double u)
{
    double f = start + (1 - start) * ((double)elapsed_ns / (double)length_ns);

    return u < f;
}
