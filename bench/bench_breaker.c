/* bench_breaker.c — ns per acquire+record pair on the engine's paths.
 *
 * Each case runs PAIRS pairs once to warm up, then ROUNDS times, and prints
 * the median, the minimum and the maximum. Outcomes are 1 failure in 64 with a 50 % threshold, so the
 * breaker stays CLOSED and the hot path is measured; the clock advances 1 us
 * per call, so a TIME window moves to a new bucket every 1,000 calls. The
 * binary is linked with --wrap=malloc/calloc/realloc to count allocations
 * made after the breakers exist (the engine promises none). The last lines
 * switch on one failure-prediction rule each on the COUNT case: its cost on
 * the healthy path, where the throttle sheds nothing and the ramp admits all.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "breaker.h"

#define PAIRS 10000000L
#define ROUNDS 9

static atomic_long allocations;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
    atomic_fetch_add(&allocations, 1);
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    atomic_fetch_add(&allocations, 1);
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    atomic_fetch_add(&allocations, 1);
    return __real_realloc(p, n);
}

static double wall_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* xorshift64: the random source of the throttle and the ramp. */
static uint64_t bench_random(void *ctx)
{
    uint64_t *s = ctx;

    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t random_state = 88172645463325252ull;

enum predict { NONE, TREND, THROTTLE, WILSON, RAMP, ALL };

static fb_breaker *make_with(fb_window_type type, bool sync, enum predict rule)
{
    fb_config cfg;
    fb_breaker *b;
    fb_permit p;

    fb_config_init(&cfg);
    cfg.window_type = type;
    cfg.window_size = type == FB_WINDOW_COUNT ? 100 : 60;
    cfg.synchronized = sync;
    cfg.random = bench_random;
    cfg.random_ctx = &random_state;
    if (rule == TREND || rule == ALL)
        cfg.rules |= FB_RULE_LATENCY_TREND;
    if (rule == THROTTLE || rule == ALL)
        cfg.rules |= FB_RULE_THROTTLE;
    if (rule == WILSON || rule == ALL)
        cfg.failure_rate_z = 1.96;
    if (rule == RAMP || rule == ALL) {
        /* A ramp longer than the run that admits everything: each acquire
         * draws and compares, none is refused. */
        cfg.rules |= FB_RULE_RECOVERY_RAMP;
        cfg.recovery_ramp_ns = INT64_C(1) << 62;
        cfg.recovery_ramp_start = 1;
        cfg.open_wait_ns = 1;
    }
    if (fb_breaker_new(&b, "bench", &cfg) != FB_OK) {
        fprintf(stderr, "bench: cannot create a breaker\n");
        exit(1);
    }
    if (rule == RAMP || rule == ALL) { /* close through passing trials */
        fb_breaker_transition(b, FB_STATE_OPEN, 0);
        for (uint32_t i = 0; i < cfg.half_open_permits; i++)
            if (fb_breaker_acquire(b, 1, &p))
                fb_breaker_record(b, &p, FB_SUCCESS, 1, 1);
        if (fb_breaker_state(b, 1) != FB_STATE_CLOSED) {
            fprintf(stderr, "bench: cannot start a recovery ramp\n");
            exit(1);
        }
    }
    return b;
}

static fb_breaker *make(fb_window_type type, bool sync)
{
    return make_with(type, sync, NONE);
}

/* The loop under test; 'sink' keeps the compiler from dropping the work. */
static long pairs(fb_breaker *b, long n, int64_t t0)
{
    long sink = 0;
    fb_permit p;

    for (long i = 0; i < n; i++) {
        int64_t now = t0 + i * 1000;

        if (fb_breaker_acquire(b, now, &p)) {
            fb_breaker_record(b, &p, (i & 63) == 0 ? FB_FAILURE : FB_SUCCESS, 250000, now + 500);
            sink++;
        }
    }
    return sink;
}

static long rejections(fb_breaker *b, long n, int64_t t0)
{
    long sink = 0;
    fb_permit p;

    for (long i = 0; i < n; i++)
        sink += !fb_breaker_acquire(b, t0 + i, &p);
    return sink;
}

struct job {
    fb_breaker *b;
    long n;
    pthread_barrier_t *start;
};

static void *thread_pairs(void *arg)
{
    struct job *j = arg;

    pthread_barrier_wait(j->start);
    pairs(j->b, j->n, 0);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void report(const char *name, double *ns)
{
    qsort(ns, ROUNDS, sizeof(*ns), cmp_double);
    printf("  %-44s %7.1f ns   (min %5.1f, max %5.1f)\n", name, ns[ROUNDS / 2], ns[0],
           ns[ROUNDS - 1]);
}

static void bench_single(const char *name, fb_window_type type, bool sync, enum predict rule)
{
    fb_breaker *b = make_with(type, sync, rule);
    double ns[ROUNDS];
    long before = atomic_load(&allocations);

    pairs(b, PAIRS, 0); /* warm-up: caches, branch predictors, clock speed */
    for (int r = 0; r < ROUNDS; r++) {
        double t = wall_ns();

        if (pairs(b, PAIRS, (int64_t)(r + 1) * PAIRS * 1000) != PAIRS)
            fprintf(stderr, "bench: %s: a call was rejected\n", name);
        ns[r] = (wall_ns() - t) / PAIRS;
    }
    report(name, ns);
    if (atomic_load(&allocations) != before)
        printf("  !! %ld allocations on the call path\n", atomic_load(&allocations) - before);
    fb_breaker_free(b);
}

static void bench_two_threads(void)
{
    fb_breaker *b = make(FB_WINDOW_COUNT, true);
    double ns[ROUNDS];

    for (int r = 0; r < ROUNDS; r++) {
        pthread_barrier_t start;
        pthread_t th[2];
        struct job j = { b, PAIRS / 2, &start };
        double t;

        pthread_barrier_init(&start, NULL, 3);
        for (int i = 0; i < 2; i++)
            pthread_create(&th[i], NULL, thread_pairs, &j);
        t = wall_ns();
        pthread_barrier_wait(&start);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        /* Wall time per pair of each thread: what one caller sees. */
        ns[r] = (wall_ns() - t) / (PAIRS / 2);
        pthread_barrier_destroy(&start);
    }
    report("COUNT, synchronized, 2 threads on one breaker", ns);
    fb_breaker_free(b);
}

static void bench_rejected(void)
{
    fb_breaker *b = make(FB_WINDOW_COUNT, false);
    double ns[ROUNDS];

    fb_breaker_transition(b, FB_STATE_OPEN, 0);
    for (int r = 0; r < ROUNDS; r++) {
        double t = wall_ns();

        if (rejections(b, PAIRS, 1) != PAIRS)
            fprintf(stderr, "bench: the open breaker admitted a call\n");
        ns[r] = (wall_ns() - t) / PAIRS;
    }
    report("rejected acquire while OPEN (unsynchronized)", ns);
    fb_breaker_free(b);
}

int main(void)
{
    long before;

    printf("libfirebreak %s: ns per acquire+record pair, median of %d rounds of %ld\n",
           fb_version(), ROUNDS, PAIRS);
    before = atomic_load(&allocations);
    bench_single("COUNT window (100), unsynchronized", FB_WINDOW_COUNT, false, NONE);
    bench_single("TIME window (60 s), unsynchronized", FB_WINDOW_TIME, false, NONE);
    bench_single("COUNT window, synchronized, 1 thread", FB_WINDOW_COUNT, true, NONE);
    bench_single("TIME window, synchronized, 1 thread", FB_WINDOW_TIME, true, NONE);
    bench_two_threads();
    bench_rejected();
    bench_single("COUNT, unsynchronized + latency trend", FB_WINDOW_COUNT, false, TREND);
    bench_single("COUNT, unsynchronized + throttle (sheds 0)", FB_WINDOW_COUNT, false, THROTTLE);
    bench_single("COUNT, unsynchronized + Wilson bound", FB_WINDOW_COUNT, false, WILSON);
    bench_single("COUNT, unsynchronized + recovery ramp", FB_WINDOW_COUNT, false, RAMP);
    bench_single("COUNT, unsynchronized + all four", FB_WINDOW_COUNT, false, ALL);
    /* Each case makes one breaker (2 allocations: breaker, ring) and the
     * 2-thread case's pthread_create may allocate; the call paths none. */
    printf("allocations during the benchmarks, breaker creation included: %ld\n",
           atomic_load(&allocations) - before);
    return 0;
}
