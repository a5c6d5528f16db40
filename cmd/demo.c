/* demo.c — `firebreak demo`: one breaker in front of a dependency that fails,
 * then recovers, in virtual time; prints every transition. */
#define _GNU_SOURCE
#include "cmd.h"

#include <getopt.h>
#include <stdio.h>

#include "breaker.h"

#define MS(x) ((int64_t)(x) * 1000000)
#define SEC(x) ((int64_t)(x) * 1000000000)

static const int64_t outage_start_ns = SEC(8);
static const int64_t outage_end_ns = SEC(20);

static double secs(int64_t ns)
{
    return (double)ns / 1e9;
}

static void print_event(const fb_event *ev, void *ctx)
{
    (void)ctx;
    printf("  %7.2f s  %-9s -> %-9s  %-17s  %3llu calls, %3llu failed (%5.1f %%)",
           secs(ev->at_ns), fb_state_name(ev->from), fb_state_name(ev->to),
           fb_reason_name(ev->reason), (unsigned long long)ev->window.calls,
           (unsigned long long)ev->window.failures, ev->window.failure_rate);
    if (ev->to == FB_STATE_OPEN)
        printf("; open until %.2f s", secs(ev->open_until_ns));
    printf("\n");
}

/* The dependency: one call in 25 fails normally, every call during the outage. */
static fb_outcome dependency(int64_t now_ns, unsigned i)
{
    if (now_ns >= outage_start_ns && now_ns < outage_end_ns)
        return FB_FAILURE;
    return i % 25 == 0 ? FB_FAILURE : FB_SUCCESS;
}

static void demo_usage(FILE *out)
{
    fprintf(out, "usage: firebreak demo\n\n"
                 "Feed one breaker a dependency that fails from 8 s to 20 s of virtual time,\n"
                 "one call every 50 ms, and print each state transition.\n\n"
                 "example:\n  firebreak demo\n");
}

int cmd_demo(int argc, char **argv)
{
    static const struct option options[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
    fb_config cfg;
    fb_breaker *b;
    fb_metrics m;
    fb_permit p;
    unsigned calls = 0;
    int c;
    int64_t now;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            demo_usage(stdout);
            return CMD_OK;
        }
        demo_usage(stderr);
        return CMD_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "firebreak: demo: unexpected argument '%s'\n", argv[optind]);
        return CMD_USAGE;
    }

    fb_config_init(&cfg);
    cfg.window_size = 20;
    cfg.min_calls = 10;
    cfg.slow_call_ns = SEC(1);
    cfg.open_wait_ns = SEC(2);
    cfg.open_wait_multiplier = 2;
    cfg.open_wait_max_ns = SEC(16);
    cfg.half_open_permits = 5;
    if (fb_breaker_new(&b, "dependency", &cfg) != FB_OK) {
        fprintf(stderr, "firebreak: demo: cannot create the breaker\n");
        return CMD_FAILED;
    }
    fb_breaker_on_event(b, print_event, NULL);

    printf("firebreak demo: a dependency called every 50 ms fails from 8 s to 20 s.\n"
           "breaker: last 20 calls, at least 10, trips at 50 %% failures; open wait 2 s,\n"
           "doubling per re-open up to 16 s; 5 trial calls decide HALF_OPEN.\n\n");
    for (now = 0; now < SEC(40); now += MS(50)) {
        if (!fb_breaker_acquire(b, now, &p))
            continue;
        fb_breaker_record(b, &p, dependency(now, calls++), MS(20), now + MS(20));
    }
    fb_breaker_metrics(b, now, &m);
    printf("\n%llu calls permitted, %llu rejected while OPEN or HALF_OPEN; "
           "%.1f s spent OPEN; final state %s\n",
           (unsigned long long)m.permitted, (unsigned long long)m.not_permitted,
           secs(m.time_in_ns[FB_STATE_OPEN]), fb_state_name(m.state));
    fb_breaker_free(b);
    return CMD_OK;
}
