/* stress_breaker.c — many threads on one synchronized breaker, run under TSan.
 *
 * THREADS threads each make ITERS acquire/record pairs (STRESS_ITERS in the
 * environment overrides) with random outcomes on a shared, advancing clock, so
 * the breaker cycles through CLOSED, OPEN and HALF_OPEN thousands of times.
 * Checked afterwards or on the way:
 *  - never more HALF_OPEN trial permits issued in one half-open period (one
 *    generation) than half_open_permits, counting an ignored outcome's
 *    permit as given back;
 *  - the counters add up: permitted + not_permitted = acquires, and every
 *    permitted call's outcome is counted once;
 *  - the events, ordered by generation, form one unbroken chain of legal
 *    transitions (from = the previous event's to) with matching reasons;
 *  - a synchronized registry hands every thread the same breaker per name.
 * Exit 0 when all hold; TSan (halt_on_error=1) fails the run on any race.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "breaker.h"

#define THREADS 8
#define PERMITS 3
#define MAX_EVENTS (1u << 22)
#define GEN_SLOTS (1u << 20)

struct tally {
    uint64_t seed;
    uint64_t acquires, granted, refused, successes, failures, ignored;
};

struct seen {
    fb_state from, to;
    fb_reason reason;
    fb_event_kind kind;
    bool set;
};

static fb_breaker *breaker;
static fb_registry *registry;
static atomic_llong clock_ns;
static atomic_int trials_issued[GEN_SLOTS]; /* per generation, minus give-backs */
static atomic_int violations;
static atomic_uint events_total;
static struct seen *events;
static long iters = 1000000;

static void fail(const char *what)
{
    if (atomic_fetch_add(&violations, 1) < 10)
        fprintf(stderr, "stress: %s\n", what);
}

static void on_event(const fb_event *ev, void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&events_total, 1);
    if (ev->generation >= MAX_EVENTS) {
        fail("more events than the test can hold");
        return;
    }
    /* Generations are unique, so each slot has one writer. */
    events[ev->generation] = (struct seen){ ev->from, ev->to, ev->reason, ev->kind, true };
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void *worker(void *arg)
{
    struct tally *t = arg;
    uint64_t rng = t->seed;
    char name[16];

    for (long i = 0; i < iters; i++) {
        int64_t now = atomic_fetch_add(&clock_ns, 1000); /* 1 us per call */
        uint64_t r = xorshift(&rng);
        fb_permit p;
        fb_outcome o;
        atomic_int *slot = NULL;

        t->acquires++;
        if (!fb_breaker_acquire(breaker, now, &p)) {
            t->refused++;
            continue;
        }
        t->granted++;
        if (p.state == FB_STATE_HALF_OPEN) {
            slot = &trials_issued[p.generation % GEN_SLOTS];
            if (atomic_fetch_add(slot, 1) + 1 > PERMITS)
                fail("more trial permits in one half-open period than half_open_permits");
        }
        /* Failure odds swing between 10 % and 70 % every 5 ms of clock. */
        o = (r % 100) < ((now / 5000000) % 2 ? 70u : 10u) ? FB_FAILURE : FB_SUCCESS;
        if (r % 100 >= 95)
            o = FB_IGNORED;
        t->successes += o == FB_SUCCESS;
        t->failures += o == FB_FAILURE;
        t->ignored += o == FB_IGNORED;
        /* An ignored trial gives its permit back; count that before record(),
         * where the engine does it, so this count never runs ahead. */
        if (slot && o == FB_IGNORED)
            atomic_fetch_sub(slot, 1);
        if (fb_breaker_record(breaker, &p, o, (int64_t)(r >> 40) % 3000, now + 500) != FB_OK)
            fail("record of a granted permit failed");
        if (i % 4096 == 0) {
            fb_metrics m;
            fb_breaker *a, *b;

            fb_breaker_metrics(breaker, now, &m);
            snprintf(name, sizeof(name), "dep-%u", (unsigned)(r % 64));
            if (fb_registry_get(registry, name, &a) != FB_OK ||
                fb_registry_get(registry, name, &b) != FB_OK || a != b)
                fail("registry returned different breakers for one name");
        }
    }
    return NULL;
}

static bool reason_fits(const struct seen *e)
{
    switch (e->to) {
    case FB_STATE_OPEN:
        return e->reason == FB_REASON_FAILURE_RATE || e->reason == FB_REASON_TRIALS_FAILED ||
               e->reason == FB_REASON_HALF_OPEN_DEADLINE || e->reason == FB_REASON_SLOW_CALL_RATE;
    case FB_STATE_HALF_OPEN:
        return e->reason == FB_REASON_OPEN_WAIT_ELAPSED;
    case FB_STATE_CLOSED:
        return e->reason == FB_REASON_TRIALS_PASSED;
    default:
        return false;
    }
}

int main(void)
{
    pthread_t th[THREADS];
    struct tally tallies[THREADS] = { 0 }, sum = { 0 };
    fb_config cfg;
    fb_metrics m;
    fb_state state = FB_STATE_CLOSED;
    uint64_t n;
    const char *env = getenv("STRESS_ITERS");

    if (env)
        iters = atol(env);
    events = calloc(MAX_EVENTS, sizeof(*events));
    fb_config_init(&cfg);
    cfg.synchronized = true;
    cfg.window_size = 20;
    cfg.min_calls = 10;
    cfg.slow_call_ns = 2000;
    cfg.open_wait_ns = 200000; /* 0.2 ms: about 25 calls per thread */
    cfg.half_open_permits = PERMITS;
    cfg.half_open_deadline_ns = 2000000;
    if (!events || fb_breaker_new(&breaker, "stress", &cfg) != FB_OK ||
        fb_registry_new(&registry, &cfg) != FB_OK) {
        fprintf(stderr, "stress: set-up failed\n");
        return 1;
    }
    fb_breaker_on_event(breaker, on_event, NULL);
    for (int i = 0; i < THREADS; i++) {
        tallies[i].seed = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1) | 1;
        pthread_create(&th[i], NULL, worker, &tallies[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);

    for (int i = 0; i < THREADS; i++) {
        sum.acquires += tallies[i].acquires;
        sum.granted += tallies[i].granted;
        sum.refused += tallies[i].refused;
        sum.successes += tallies[i].successes;
        sum.failures += tallies[i].failures;
        sum.ignored += tallies[i].ignored;
    }
    fb_breaker_metrics(breaker, atomic_load(&clock_ns), &m);
    if (sum.acquires != (uint64_t)iters * THREADS || m.permitted + m.not_permitted != sum.acquires)
        fail("permitted + not_permitted != acquires");
    if (m.permitted != sum.granted || m.not_permitted != sum.refused)
        fail("permit counters differ from the threads' tallies");
    if (m.successes != sum.successes || m.failures != sum.failures || m.ignored != sum.ignored)
        fail("outcome counters differ from the threads' tallies");
    if (m.successes + m.failures + m.ignored != m.permitted)
        fail("not every permitted call's outcome was counted once");

    n = m.transitions;
    if (n >= GEN_SLOTS)
        fail("more generations than the trial counters can tell apart");
    if (n != atomic_load(&events_total) || n >= MAX_EVENTS)
        fail("transition count differs from the events heard");
    for (uint64_t g = 1; g <= n && g < MAX_EVENTS; g++) {
        const struct seen *e = &events[g];

        if (!e->set || e->kind != FB_EVENT_TRANSITION) {
            fail("a generation has no transition event");
            break;
        }
        if (e->from != state || !fb_transition_legal(e->from, e->to) || !reason_fits(e)) {
            fprintf(stderr, "stress: event %" PRIu64 ": %s -> %s (%s) after %s\n", g,
                    fb_state_name(e->from), fb_state_name(e->to), fb_reason_name(e->reason),
                    fb_state_name(state));
            fail("illegal or broken transition chain");
            break;
        }
        state = e->to;
    }
    if (state != m.state)
        fail("the last event does not end in the current state");
    if (fb_registry_count(registry) > 64)
        fail("registry holds more breakers than names");

    printf("stress: %d threads x %ld pairs: %" PRIu64 " permitted, %" PRIu64
           " rejected, %" PRIu64 " late, %" PRIu64 " transitions (%" PRIu64
           " into OPEN); %d violations\n",
           THREADS, iters, m.permitted, m.not_permitted, m.late, n, m.entries[FB_STATE_OPEN],
           atomic_load(&violations));
    fb_breaker_free(breaker);
    fb_registry_free(registry);
    free(events);
    return atomic_load(&violations) ? 1 : 0;
}
