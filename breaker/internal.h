/* internal.h — what the engine's files share and nobody else sees. */
#ifndef FIREBREAK_INTERNAL_H
#define FIREBREAK_INTERNAL_H

#include "breaker.h"

#include <stdatomic.h>

#define FB__NS_PER_SEC INT64_C(1000000000)
#define FB__MAX_COUNT_WINDOW 1000000u
#define FB__MAX_TIME_WINDOW 86400u

/* One second of a TIME window. */
struct fb__bucket {
    uint32_t calls;
    uint32_t failures;
    uint32_t slow;
};

/* A sliding window with running totals (see window.c). */
struct fb__window {
    fb_window_type type;
    uint32_t size;
    uint32_t head;    /* COUNT: next slot to write; TIME: bucket of head_sec */
    int64_t head_sec; /* TIME: the newest second the window has seen */
    int64_t head_end_ns; /* TIME: first instant past head_sec */
    uint64_t calls; /* 64 bits: a day-long TIME window at 50k calls/s passes 2^32 */
    uint64_t failures;
    uint64_t slow;
    union {
        uint8_t *flags;             /* COUNT: FAIL and SLOW bits per outcome */
        struct fb__bucket *buckets; /* TIME */
    } u;
};

/* The bytes a window's ring needs; the caller provides them, zeroed and
 * aligned for a bucket, to fb__window_init(), so a breaker is one allocation. */
size_t fb__window_bytes(fb_window_type type, uint32_t size);
void fb__window_init(struct fb__window *w, fb_window_type type, uint32_t size, void *ring);
void fb__window_clear(struct fb__window *w);
void fb__window_advance(struct fb__window *w, int64_t now_ns);

enum { FB__FLAG_FAIL = 1, FB__FLAG_SLOW = 2 };

/* Add one outcome at 'now_ns', evicting what falls out. Inline: it is half of
 * the call path. */
static inline void fb__window_add(struct fb__window *w, bool failure, bool slow, int64_t now_ns)
{
    /* Deltas, so each total is written once: two narrow stores followed by the
     * wide load gcc vectorizes the update into would stall store forwarding. */
    uint64_t d_failures = failure, d_slow = slow;

    if (w->type == FB_WINDOW_COUNT) {
        uint8_t *f = &w->u.flags[w->head];

        if (w->calls == w->size) {
            d_failures -= *f & FB__FLAG_FAIL;
            d_slow -= (unsigned)(*f & FB__FLAG_SLOW) >> 1;
        } else {
            w->calls++;
        }
        *f = (uint8_t)((failure ? FB__FLAG_FAIL : 0) | (slow ? FB__FLAG_SLOW : 0));
        w->head = w->head + 1 == w->size ? 0 : w->head + 1;
    } else {
        struct fb__bucket *bk;

        if (now_ns >= w->head_end_ns)
            fb__window_advance(w, now_ns);
        bk = &w->u.buckets[w->head];
        bk->calls++;
        bk->failures += failure;
        bk->slow += slow;
        w->calls++;
    }
    w->failures += d_failures;
    w->slow += d_slow;
}

/* floor(a / b) for b > 0: buckets follow the caller's clock even before 0. */
static inline int64_t fb__floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b < 0) ? q - 1 : q;
}

/* ---- failure prediction (predict.c) -------------------------------------- */

#define FB__THROTTLE_BUCKETS 60
#define FB__MAX_LONG_NS (86400 * FB__NS_PER_SEC)

/* One bucket of the throttle's window. */
struct fb__tbucket {
    uint64_t requests;
    uint64_t accepts;
};

/* SRE throttling's window: FB__THROTTLE_BUCKETS buckets of width_ns each,
 * aged by 'now' like a TIME window, with running totals. */
struct fb__throttle {
    int64_t width_ns;
    int64_t head_idx;    /* floor(now / width_ns) of the head bucket */
    int64_t head_end_ns; /* first instant past the head bucket; INT64_MIN: empty */
    uint32_t head;
    uint64_t requests;
    uint64_t accepts;
    struct fb__tbucket *b; /* the ring, inside the breaker's allocation */
};

size_t fb__throttle_bytes(void);
void fb__throttle_init(struct fb__throttle *t, int64_t window_ns, void *ring);
void fb__throttle_clear(struct fb__throttle *t);
void fb__throttle_advance(struct fb__throttle *t, int64_t now_ns);
/* Count at 'now_ns' (the window already advanced to it). */
static inline void fb__throttle_add(struct fb__throttle *t, bool accepted)
{
    t->b[t->head].requests++;
    t->b[t->head].accepts += accepted;
    t->requests++;
    t->accepts += accepted;
}
/* The probability of refusing the next call, in [0, 1). */
double fb__throttle_p(const struct fb__throttle *t, double k);

/* The latency trend's two averages (see predict.c). */
struct fb__trend {
    double alpha_short;  /* 2 / (latency_short_calls + 1) */
    double alpha_long;   /* 2 / (latency_long_ns / 1 s + 1), per second */
    double ratio;        /* latency_trend_ratio */
    double freeze;       /* (1 + ratio) / 2: the long average waits above it */
    uint32_t freeze_max; /* ... for at most this many seconds in a row */
    uint32_t frozen;     /* seconds skipped in a row */
    uint64_t min_calls;  /* samples before it may trip or freeze */
    uint64_t n;          /* samples in the short average */
    uint64_t long_n;     /* samples folded into the long average */
    double short_avg;
    double long_avg;
    double sec_sum;      /* the current second's durations */
    uint64_t sec_n;
    int64_t sec_end_ns;  /* first instant past the current second; INT64_MIN: none */
};

void fb__trend_init(struct fb__trend *t, const fb_config *c, uint32_t min_calls);
void fb__trend_clear(struct fb__trend *t);
void fb__trend_add(struct fb__trend *t, int64_t duration_ns, int64_t now_ns);
double fb__trend_long(const struct fb__trend *t);
bool fb__trend_fired(const struct fb__trend *t);

/* The Wilson score lower bound of 'failures' in 'calls' at 'z', in [0, 1]. */
double fb__wilson_lower(uint64_t failures, uint64_t calls, double z);

/* Whether the recovery ramp admits a call 'elapsed_ns' into a ramp of
 * 'length_ns' that starts at fraction 'start', given a uniform 'u' in [0, 1). */
bool fb__ramp_admits(double start, int64_t elapsed_ns, int64_t length_ns, double u);

/* A test-and-test-and-set lock that yields after a short spin. Uncontended it
 * costs one atomic exchange and one store. */
typedef atomic_int fb__lock;

void fb__lock_acquire(fb__lock *l);

static inline void fb__lock_release(fb__lock *l)
{
    atomic_store_explicit(l, 0, memory_order_release);
}

#endif /* FIREBREAK_INTERNAL_H */
