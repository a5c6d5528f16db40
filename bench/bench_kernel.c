/* bench_kernel.c — throughput of the simulation kernel: events and draws per second.
 *
 * The event case is a timer loop in steady state: the heap holds PENDING
 * events; each step pops the earliest and schedules a new one at its time plus
 * an exponential draw (mean 1 ms), as a model re-arming a timer would. The
 * heap's size stays constant, and since every new event lands after most of
 * the pending ones, pops and pushes touch the whole depth of the heap. The
 * figure includes the exponential draw, as a real event step would.
 *
 * Every case runs once to warm up (caches, the heap's storage), then ROUNDS
 * times; the median is printed with the minimum and maximum, because a shared
 * machine's figures move between rounds. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dist.h"
#include "queue.h"
#include "rng.h"

#define PENDING 10000
#define EVENTS 10000000L
#define DRAWS 10000000L
#define ROUNDS 7

/* Written by every case so the compiler cannot drop the work. */
static volatile double sink;

static double wall_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* EVENTS pop + push steps; returns the elapsed nanoseconds. */
static double run_events(sim_queue *q, const sim_dist *gap, sim_rng *r)
{
    double t0 = wall_ns();
    int64_t last = 0;
    sim_event ev;

    for (long i = 0; i < EVENTS; i++) {
        if (!sim_queue_pop(q, &ev))
            abort();
        last = ev.time_ns;
        if (!sim_queue_push(q, ev.time_ns + (int64_t)sim_dist_sample(gap, r), ev.kind, ev.arg,
                            ev.ptr))
            abort();
    }
    sink = (double)last;
    return wall_ns() - t0;
}

/* DRAWS samples of 'd'; returns the elapsed nanoseconds. */
static double run_draws(const sim_dist *d, sim_rng *r)
{
    double t0 = wall_ns(), sum = 0;

    for (long i = 0; i < DRAWS; i++)
        sum += sim_dist_sample(d, r);
    sink = sum;
    return wall_ns() - t0;
}

/* DRAWS raw 64-bit outputs, for scale. */
static double run_rng(const sim_dist *unused, sim_rng *r)
{
    double t0 = wall_ns();
    uint64_t x = 0;

    (void)unused;
    for (long i = 0; i < DRAWS; i++)
        x ^= sim_rng_next(r);
    sink = (double)x;
    return wall_ns() - t0;
}

/* Median, minimum and maximum of ROUNDS results of 'per_round' operations,
 * in millions per second. */
static void rates(double *ns, long per_round, double *med, double *lo, double *hi)
{
    qsort(ns, ROUNDS, sizeof *ns, cmp_double);
    *med = per_round / ns[ROUNDS / 2] * 1e3;
    *lo = per_round / ns[ROUNDS - 1] * 1e3;
    *hi = per_round / ns[0] * 1e3;
}

static void bench_events(void)
{
    sim_dist gap = sim_dist_exponential(1e6);
    double ns[ROUNDS], med, lo, hi;
    sim_queue q;
    sim_rng r;

    sim_rng_init(&r, 1, "bench/events");
    sim_queue_init(&q, 0);
    for (uint32_t i = 0; i < PENDING; i++)
        if (!sim_queue_push(&q, (int64_t)sim_dist_sample(&gap, &r), 1, i, NULL))
            abort();
    run_events(&q, &gap, &r);
    for (int k = 0; k < ROUNDS; k++)
        ns[k] = run_events(&q, &gap, &r);
    rates(ns, EVENTS, &med, &lo, &hi);
    printf("kernel: %.1f million events/s (schedule + pop, 10k pending)"
           "  [%.1f ns/event; min %.1f, max %.1f M/s]\n",
           med, 1e3 / med, lo, hi);
    sim_queue_cleanup(&q);
}

static void bench_draws(const char *label, const sim_dist *d,
                        double (*run)(const sim_dist *, sim_rng *))
{
    double ns[ROUNDS], med, lo, hi;
    sim_rng r;

    sim_rng_init(&r, 2, label);
    run(d, &r);
    for (int k = 0; k < ROUNDS; k++)
        ns[k] = run(d, &r);
    rates(ns, DRAWS, &med, &lo, &hi);
    printf("%-12s %6.1f million draws/s  [%.1f ns/draw; min %.1f, max %.1f M/s]\n", label, med,
           1e3 / med, lo, hi);
}

int main(void)
{
    sim_dist expo = sim_dist_exponential(1e6);
    sim_dist logn = sim_dist_lognormal_p50_p99(50e6, 400e6);

    bench_events();
    bench_draws("exponential:", &expo, run_draws);
    bench_draws("lognormal:", &logn, run_draws);
    bench_draws("rng (raw):", NULL, run_rng);
    return 0;
}
