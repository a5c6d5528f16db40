/* bench_city.c — the full model's speed and memory on scenarios/checkout.json
 * (or the scenario named on the command line): events and service calls per
 * second of wall time for a run of about 1,000,000 entry requests, with every
 * breaker and the metrics collector on, and peak RSS at 1x and 10x that
 * duration, each run in its own process and read with wait4. Memory must stay
 * flat: it grows with the city and its series, never with the requests. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "city.h"
#include "scenario.h"

#define TARGET_REQUESTS 1000000.0

static double wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t entry_requests(const sim_scenario *sc, const sim_city *c)
{
    uint64_t n = 0;

    for (uint32_t s = 0; s < sc->n_services; s++) {
        bool entry = false;

        for (size_t l = 0; l < sc->n_loads; l++)
            entry |= sc->loads[l].entry == s;
        if (entry)
            n += sim_city_service(c, s)->total.arrivals;
    }
    return n;
}

/* Play 'sc' for 'duration_ns'; print the speed unless quiet. */
static void play(const sim_scenario *sc, int64_t duration_ns, bool quiet, uint64_t *requests)
{
    sim_run_options o = { .duration_ns = duration_ns };
    sim_city *c = sim_city_new(sc, &o);
    uint64_t calls = 0;
    double t;

    if (!c) {
        fprintf(stderr, "bench: cannot build the city\n");
        exit(1);
    }
    t = wall();
    if (!sim_city_run(c)) {
        fprintf(stderr, "bench: the run overflowed\n");
        exit(1);
    }
    t = wall() - t;
    *requests = entry_requests(sc, c);
    for (uint32_t s = 0; s < sc->n_services; s++)
        calls += sim_city_service(c, s)->total.arrivals;
    if (!quiet)
        printf("  %.0f s simulated: %llu entry requests, %llu service calls, %llu events in "
               "%.2f s: %.2f M events/s, %.2f M calls/s (tick %.0f s)\n",
               duration_ns / 1e9, (unsigned long long)*requests, (unsigned long long)calls,
               (unsigned long long)sim_city_events(c), t, sim_city_events(c) / t / 1e6,
               calls / t / 1e6, sim_city_metrics(c)->tick_ns / 1e9);
    sim_city_free(c);
}

/* Peak RSS in KiB of a child process playing 'duration_ns'. */
static long peak_rss(const sim_scenario *sc, int64_t duration_ns)
{
    struct rusage ru;
    uint64_t requests;
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        play(sc, duration_ns, true, &requests);
        _exit(0);
    }
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
        return -1;
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "scenarios/checkout.json";
    sim_error err;
    sim_scenario *sc = sim_scenario_load(path, &err);
    uint64_t requests;
    int64_t duration;
    long one, ten;

    if (!sc) {
        char msg[1200];

        sim_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "bench: %s\n", msg);
        return 1;
    }
    printf("city: %s, %zu services, %zu call edges, %zu faults\n", path, sc->n_services,
           sc->n_calls, sc->n_faults);
    play(sc, sc->duration_ns, true, &requests);
    /* A whole multiple of the scenario's duration reaching 10^6 entry requests
     * (the load goes on; the faults happen once, in the first stretch). */
    duration = sc->duration_ns * (int64_t)ceil(TARGET_REQUESTS / (double)requests);
    play(sc, duration, false, &requests);
    one = peak_rss(sc, duration);
    ten = peak_rss(sc, duration * 10);
    printf("  peak RSS: %ld KiB for %.0f s, %ld KiB for %.0f s (x%.2f)\n", one, duration / 1e9,
           ten, duration * 10 / 1e9, one > 0 ? (double)ten / one : 0);
    sim_scenario_free(sc);
    return 0;
}
