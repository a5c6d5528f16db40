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

/* A test-and-test-and-set lock that yields after a short spin. Uncontended it
 * costs one atomic exchange and one store. */
typedef atomic_int fb__lock;

void fb__lock_acquire(fb__lock *l);

static inline void fb__lock_release(fb__lock *l)
{
    atomic_store_explicit(l, 0, memory_order_release);
}

#endif /* FIREBREAK_INTERNAL_H */
