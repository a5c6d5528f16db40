/* bench_city.c — the full model's speed and memory: events and service calls
 * per second of wall time for a seven-service city with a breaker on every
 * edge, and peak RSS at 1x and 10x the duration (each run in its own process,
 * read with wait4), which must stay flat: memory grows with the city, never
 * with the number of requests. The city is built in code until the scenario
 * files of checkout.json land in the benchmark. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "city.h"

#define N_SVC 7

static sim_service services[N_SVC];
static sim_step steps[8];
static sim_call calls[8];
static sim_profile profile;
static sim_load load;
static sim_fault fault;
static sim_scenario sc;

static void call(uint32_t from, uint32_t to, bool parallel, int64_t timeout_ns)
{
    sim_service *s = &services[from];

    calls[sc.n_calls] = (sim_call){ .from = from, .to = to, .probability = 1, .profile = 0,
                                    .timeout_ns = timeout_ns };
    if (parallel) {
        steps[sc.n_steps - 1].n_calls++;
        steps[sc.n_steps - 1].parallel = true;
    } else {
        if (s->n_steps == 0)
            s->first_step = (uint32_t)sc.n_steps;
        steps[sc.n_steps++] = (sim_step){ .first_call = (uint32_t)sc.n_calls, .n_calls = 1 };
        s->n_steps++;
    }
    sc.n_calls++;
}

/* gateway -> auth; -> catalog || pricing; -> payment -> bank; payment -> fraud. */
static void city_init(double rate, int64_t duration_ns)
{
    static const char *names[N_SVC] = { "gateway", "auth",    "catalog", "pricing",
                                        "payment", "bank",    "fraud" };
    static const double p50_ms[N_SVC] = { 2, 3, 8, 5, 40, 60, 10 };

    memset(&sc, 0, sizeof(sc));
    memset(services, 0, sizeof(services));
    for (int i = 0; i < N_SVC; i++)
        services[i] = (sim_service){ .name = (char *)names[i], .replicas = 3, .concurrency = 64,
                                     .queue = 256, .error_rate = 0.001,
                                     .latency = sim_dist_lognormal_p50_p99(p50_ms[i] * 1e6,
                                                                           p50_ms[i] * 5e6) };
    profile.name = "default";
    fb_config_init(&profile.cfg);
    profile.cfg.window_size = 50;
    profile.cfg.min_calls = 20;
    profile.cfg.open_wait_ns = 5000000000;
    sc = (sim_scenario){ .name = "bench", .seed = 42, .duration_ns = duration_ns,
                         .tick_ns = 1000000000, .services = services, .n_services = N_SVC,
                         .steps = steps, .calls = calls, .profiles = &profile, .n_profiles = 1,
                         .loads = &load, .n_loads = 1, .faults = &fault, .n_faults = 1 };
    call(0, 1, false, 300000000);
    call(0, 2, false, 300000000);
    call(0, 3, true, 300000000);
    call(0, 4, false, 2000000000);
    call(4, 5, false, 1500000000);
    call(4, 6, false, 500000000);
    load = (sim_load){ .entry = 0, .rate = rate, .shape = SIM_SHAPE_POISSON };
    fault = (sim_fault){ .kind = SIM_FAULT_LATENCY, .target = SIM_TARGET_SERVICE, .service = 5,
                         .start_ns = duration_ns / 3, .duration_ns = duration_ns / 6,
                         .delay = sim_dist_constant(1.2e9) };
}

static double wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Play the city; print the speed; return the service calls made. */
static uint64_t play(double rate, int64_t duration_ns, bool quiet)
{
    sim_city *c;
    double t;
    uint64_t n_calls = 0, requests;

    city_init(rate, duration_ns);
    c = sim_city_new(&sc, NULL);
    if (!c) {
        fprintf(stderr, "bench: cannot build the city\n");
        exit(1);
    }
    t = wall();
    sim_city_run(c);
    t = wall() - t;
    for (uint32_t k = 0; k < sc.n_calls; k++)
        n_calls += sim_city_edge(c, k)->total.arrivals;
    requests = sim_city_service(c, 0)->total.arrivals;
    if (!quiet)
        printf("  %llu entry requests, %llu service calls, %llu events in %.2f s: "
               "%.2f M events/s, %.2f M calls/s\n",
               (unsigned long long)requests, (unsigned long long)(n_calls + requests),
               (unsigned long long)sim_city_events(c), t, sim_city_events(c) / t / 1e6,
               (n_calls + requests) / t / 1e6);
    sim_city_free(c);
    return n_calls;
}

/* Peak RSS in KiB of a child process playing 'duration_ns'. */
static long peak_rss(double rate, int64_t duration_ns)
{
    struct rusage ru;
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        play(rate, duration_ns, true);
        _exit(0);
    }
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
        return -1;
    return ru.ru_maxrss;
}

int main(void)
{
    long one, ten;

    printf("city: 7 services x 3 replicas, a breaker on every edge, Poisson load\n");
    /* 1,000,000 entry requests: 2,000/s for 500 s. */
    play(2000, 500 * INT64_C(1000000000), false);
    one = peak_rss(2000, 60 * INT64_C(1000000000));
    ten = peak_rss(2000, 600 * INT64_C(1000000000));
    printf("  peak RSS: %ld KiB for 60 s, %ld KiB for 600 s (x%.2f)\n", one, ten,
           one > 0 ? (double)ten / one : 0);
    return 0;
}
