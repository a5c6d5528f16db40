/* window.c — sliding windows of call outcomes with running totals.
 *
 * A COUNT window is a ring of one byte per outcome (FAIL and SLOW bits); a TIME
 * window is a ring of one bucket per second. Both keep running totals: adding
 * an outcome evicts the oldest entry and subtracts it, so reading the totals
 * is O(1) and recording is O(1). A TIME window ages by 'now': moving to a new
 * second zeroes the buckets it steps over (O(gap), at most O(size) after a
 * long idle gap, so O(1) per elapsed second amortized), and the first instant
 * past the head second is cached so the hot path compares instead of dividing.
 * Recomputing totals from the ring on each read was rejected: O(size) per call.
 */
#include "internal.h"

#include <string.h>

size_t fb__window_bytes(fb_window_type type, uint32_t size)
{
    return type == FB_WINDOW_COUNT ? size * sizeof(uint8_t) : size * sizeof(struct fb__bucket);
}

void fb__window_init(struct fb__window *w, fb_window_type type, uint32_t size, void *ring)
{
    memset(w, 0, sizeof(*w));
    w->type = type;
    w->size = size;
    w->u.flags = ring; /* either member: both are views of 'ring' */
    w->head_end_ns = INT64_MIN; /* the first advance starts the clock */
}

void fb__window_clear(struct fb__window *w)
{
    if (w->type == FB_WINDOW_COUNT)
        memset(w->u.flags, 0, w->size * sizeof(*w->u.flags));
    else
        memset(w->u.buckets, 0, w->size * sizeof(*w->u.buckets));
    w->head = 0;
    w->calls = w->failures = w->slow = 0;
    w->head_end_ns = INT64_MIN;
}

static int64_t floor_sec(int64_t ns)
{
    int64_t s = ns / FB__NS_PER_SEC;

    return (ns % FB__NS_PER_SEC < 0) ? s - 1 : s;
}

static void bucket_evict(struct fb__window *w, struct fb__bucket *bk)
{
    w->calls -= bk->calls;
    w->failures -= bk->failures;
    w->slow -= bk->slow;
    bk->calls = bk->failures = bk->slow = 0;
}

/* Move a TIME window's head to the second of 'now_ns', zeroing the seconds
 * that fell out. Time never goes backwards here: the caller clamps 'now'. */
void fb__window_advance(struct fb__window *w, int64_t now_ns)
{
    int64_t sec, gap;

    if (w->type != FB_WINDOW_TIME || now_ns < w->head_end_ns)
        return;
    sec = floor_sec(now_ns);
    gap = sec - w->head_sec;
    if (w->head_end_ns == INT64_MIN || gap >= (int64_t)w->size) {
        fb__window_clear(w);
    } else {
        for (int64_t i = 1; i <= gap; i++)
            bucket_evict(w, &w->u.buckets[(w->head + i) % w->size]);
        w->head = (uint32_t)((w->head + gap) % w->size);
    }
    w->head_sec = sec;
    w->head_end_ns = sec < INT64_MAX / FB__NS_PER_SEC ? (sec + 1) * FB__NS_PER_SEC : INT64_MAX;
}
