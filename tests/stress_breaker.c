/* stress_breaker.c — many threads on one synchronized breaker, run under TSan.
 *
 * THREADS threads each make ITERS acquire/record pairs (STRESS_ITERS in the
 * environment overrides) with random outcomes on a shared, advancing clock,
 * while a chaos thread moves the same breaker by hand (transitions, resets,
 * open_until, reads) and hits a shared registry. The breaker cycles through
 * its states tens of thousands of times; the run is made once with a COUNT
 * and once with a TIME window, then (half as long) with a COUNT window and
 * every failure-prediction rule on: the latency trend (calls are 4 x slower
 * while the failure odds are high), throttling, the Wilson bound and the
 * recovery ramp, whose draws come from a shared atomic counter. Checked on
 * the way or afterwards:
 *  - never more HALF_OPEN trial permits issued in one half-open period (one
 *    generation) than half_open_permits, an ignored trial giving its back;
 *  - the counters add up: permitted + not_permitted = acquires, every
 *    permitted call's outcome is counted once, and the throttled and ramp
 *    refusals are those the threads saw (and happen, as do trend trips);
 *  - the events, ordered by seq, form one unbroken chain (each from = the
 *    previous to) of legal transitions with fitting reasons;
 *  - a synchronized registry hands every thread the same breaker per name.
 * Exit 0 when all hold; TSan (halt_on_error=1) fails the run on any race.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breaker.h"

#define THREADS 8
#define PERMITS 3
#define MAX_EVENTS (1u << 22)
#define GEN_SLOTS (1u << 20)

struct tally {
    uint64_t seed;
    uint64_t acquires, granted, refused, successes, failures, ignored, throttled, ramp;
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
static atomic_int *trials_issued; /* per generation, minus give-backs */
static atomic_int violations;
static atomic_int workers_left;
static struct seen *events;
static long iters = 500000;
static int64_t step_ns;   /* clock advance per call */
static int64_t swing_ns;  /* failure odds change every swing_ns */
static atomic_ullong draws; /* the random source of the prediction run */
static uint64_t trend_trips;

static void fail(const char *what)
{
    if (atomic_fetch_add(&violations, 1) < 10)
        fprintf(stderr, "stress: %s\n", what);
}

static void on_event(const fb_event *ev, void *ctx)
{
    (void)ctx;
    if (ev->seq >= MAX_EVENTS) {
        fail("more events than the test can hold");
        return;
    }
    /* seq is unique per event, so each slot has one writer. */
    events[ev->seq] = (struct seen){ ev->from, ev->to, ev->reason, ev->kind, true };
}

/* splitmix64 over a shared counter: thread-safe without a lock. */
static uint64_t shared_random(void *ctx)
{
    uint64_t z = atomic_fetch_add((atomic_ullong *)ctx, 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void registry_check(uint64_t r)
{
    char name[16];
    fb_breaker *a, *b;

    snprintf(name, sizeof(name), "dep-%u", (unsigned)(r % 64));
    if (fb_registry_get(registry, name, &a) != FB_OK ||
        fb_registry_get(registry, name, &b) != FB_OK || a != b)
        fail("registry returned different breakers for one name");
}

static void *worker(void *arg)
{
    struct tally *t = arg;
    uint64_t rng = t->seed;

    for (long i = 0; i < iters; i++) {
        int64_t now = atomic_fetch_add(&clock_ns, step_ns);
        uint64_t r = xorshift(&rng);
        bool bad_phase = (now / swing_ns) % 2;
        fb_permit p;
        fb_outcome o;
        atomic_int *slot = NULL;

        t->acquires++;
        if (!fb_breaker_acquire(breaker, now, &p)) {
            t->refused++;
            t->throttled += p.reason == FB_REJECT_THROTTLED;
            t->ramp += p.reason == FB_REJECT_RAMP;
            continue;
        }
        t->granted++;
        if (p.state == FB_STATE_HALF_OPEN) {
            slot = &trials_issued[p.generation % GEN_SLOTS];
            if (atomic_fetch_add(slot, 1) + 1 > PERMITS)
                fail("more trial permits in one half-open period than half_open_permits");
        }
        /* Failure odds swing between 10 % and 70 %. */
        o = (r % 100) < (bad_phase ? 70u : 10u) ? FB_FAILURE : FB_SUCCESS;
        if (r % 100 >= 95)
            o = FB_IGNORED;
        t->successes += o == FB_SUCCESS;
        t->failures += o == FB_FAILURE;
        t->ignored += o == FB_IGNORED;
        /* An ignored trial gives its permit back; count that before record(),
         * where the engine does it, so this count never runs ahead. */
        if (slot && o == FB_IGNORED)
            atomic_fetch_sub(slot, 1);
        if (fb_breaker_record(breaker, &p, o, (int64_t)(r >> 40) % 3000 * (bad_phase ? 4 : 1),
                              now + 500) != FB_OK)
            fail("record of a granted permit failed");
        if (i % 4096 == 0)
            registry_check(r);
    }
    atomic_fetch_sub(&workers_left, 1);
    return NULL;
}

/* Moves the breaker by hand while the workers run; a special state is left
 * for CLOSED at the next step so the automatic cycle keeps running. */
static void *chaos(void *arg)
{
    uint64_t rng = 0x5DEECE66Dull;
    bool special = false;

    (void)arg;
    while (atomic_load(&workers_left) > 0) {
        int64_t now = atomic_load(&clock_ns);
        uint64_t r = xorshift(&rng);
        fb_metrics m;
        fb_window_stats w;

        if (special) {
            fb_breaker_transition(breaker, FB_STATE_CLOSED, now);
            special = false;
        } else {
            switch (r % 16) {
            case 0:
                special = fb_breaker_transition(breaker, (fb_state)(3 + (r >> 8) % 3), now) ==
                          FB_OK;
                break;
            case 1:
                fb_breaker_transition(breaker, (fb_state)((r >> 8) % 3), now);
                break;
            case 2:
                fb_breaker_reset(breaker, now);
                break;
            case 3:
                fb_breaker_open_until(breaker, now + 100000, now);
                break;
            default:
                fb_breaker_metrics(breaker, now, &m);
                fb_breaker_window(breaker, now, &w);
                registry_check(r);
                break;
            }
        }
        for (int i = 0; i < 200; i++)
            sched_yield();
    }
    return NULL;
}

static bool reason_fits(const struct seen *e)
{
    if (e->kind == FB_EVENT_RESET)
        return e->to == FB_STATE_CLOSED && e->reason == FB_REASON_MANUAL;
    if (e->kind == FB_EVENT_WOULD_TRIP)
        return e->from == FB_STATE_METRICS_ONLY && e->to == FB_STATE_METRICS_ONLY;
    if (!fb_transition_legal(e->from, e->to))
        return false;
    switch (e->reason) {
    case FB_REASON_MANUAL:
        return true;
    case FB_REASON_FORCED_UNTIL:
        return e->to == FB_STATE_OPEN;
    case FB_REASON_OPEN_WAIT_ELAPSED:
        return e->from == FB_STATE_OPEN && e->to == FB_STATE_HALF_OPEN;
    case FB_REASON_TRIALS_PASSED:
        return e->from == FB_STATE_HALF_OPEN && e->to == FB_STATE_CLOSED;
    case FB_REASON_TRIALS_FAILED:
    case FB_REASON_HALF_OPEN_DEADLINE:
        return e->from == FB_STATE_HALF_OPEN && e->to == FB_STATE_OPEN;
    case FB_REASON_FAILURE_RATE:
    case FB_REASON_SLOW_CALL_RATE:
    case FB_REASON_LATENCY_TREND:
        return e->from == FB_STATE_CLOSED && e->to == FB_STATE_OPEN;
    default:
        return false;
    }
}

/* Walk the events by seq; returns the number of state changes seen. */
static uint64_t check_chain(uint64_t n_events, fb_state last)
{
    fb_state state = FB_STATE_CLOSED;
    uint64_t changes = 0;

    for (uint64_t q = 1; q <= n_events; q++) {
        const struct seen *e = &events[q];

        if (!e->set) {
            fail("a seq number has no event");
            return changes;
        }
        if (e->from != state || !reason_fits(e)) {
            fprintf(stderr, "stress: event %" PRIu64 ": %s -> %s (%s) after %s\n", q,
                    fb_state_name(e->from), fb_state_name(e->to), fb_reason_name(e->reason),
                    fb_state_name(state));
            fail("illegal or broken transition chain");
            return changes;
        }
        changes += e->kind != FB_EVENT_WOULD_TRIP;
        trend_trips += e->reason == FB_REASON_LATENCY_TREND;
        state = e->to;
    }
    if (state != last)
        fail("the last event does not end in the current state");
    return changes;
}

static void run(fb_window_type type, bool predict)
{
    pthread_t th[THREADS + 1];
    struct tally tallies[THREADS], sum = { 0 };
    fb_config cfg;
    fb_metrics m;
    uint64_t n_events = 0, changes;

    memset(tallies, 0, sizeof(tallies));
    memset(events, 0, MAX_EVENTS * sizeof(*events));
    for (size_t i = 0; i < GEN_SLOTS; i++)
        atomic_init(&trials_issued[i], 0);
    atomic_store(&clock_ns, 0);
    fb_config_init(&cfg);
    cfg.synchronized = true;
    cfg.window_type = type;
    /* COUNT: 1 us per call, odds swing every 5,000 calls, a window of 20.
     * TIME: 0.1 ms per call, so a 1 s window holds ~10,000 calls and the
     * odds swing every 3 s; either way the open wait is ~200 calls. */
    step_ns = type == FB_WINDOW_COUNT ? 1000 : 100000;
    swing_ns = type == FB_WINDOW_COUNT ? 5000000 : INT64_C(3000000000);
    cfg.window_size = type == FB_WINDOW_COUNT ? 20 : 1;
    cfg.min_calls = 10;
    cfg.slow_call_ns = 2000;
    cfg.open_wait_ns = 200 * step_ns;
    cfg.half_open_permits = PERMITS;
    cfg.half_open_deadline_ns = 2000 * step_ns;
    if (predict) {
        /* Every rule on, sized to the clock: the trend's short average over
         * 10 calls, its long one over 1 s (the minimum, ~1,000,000 calls);
         * throttling over 1 ms (1,000 calls); a ramp of 100 calls. */
        atomic_store(&draws, 1);
        cfg.rules |= FB_RULE_LATENCY_TREND | FB_RULE_THROTTLE | FB_RULE_RECOVERY_RAMP;
        cfg.failure_rate_z = 1;
        cfg.latency_short_calls = 10;
        cfg.latency_long_ns = INT64_C(1000000000);
        cfg.throttle_window_ns = 1000 * step_ns;
        cfg.recovery_ramp_ns = 100 * step_ns;
        cfg.random = shared_random;
        cfg.random_ctx = &draws;
    }
    trend_trips = 0;
    if (fb_breaker_new(&breaker, "stress", &cfg) != FB_OK ||
        fb_registry_new(&registry, &cfg) != FB_OK) {
        fprintf(stderr, "stress: set-up failed\n");
        exit(1);
    }
    fb_breaker_on_event(breaker, on_event, NULL);
    atomic_store(&workers_left, THREADS);
    for (int i = 0; i < THREADS; i++) {
        tallies[i].seed = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1) | 1;
        pthread_create(&th[i], NULL, worker, &tallies[i]);
    }
    pthread_create(&th[THREADS], NULL, chaos, NULL);
    for (int i = 0; i <= THREADS; i++)
        pthread_join(th[i], NULL);

    for (int i = 0; i < THREADS; i++) {
        sum.acquires += tallies[i].acquires;
        sum.granted += tallies[i].granted;
        sum.refused += tallies[i].refused;
        sum.successes += tallies[i].successes;
        sum.failures += tallies[i].failures;
        sum.ignored += tallies[i].ignored;
        sum.throttled += tallies[i].throttled;
        sum.ramp += tallies[i].ramp;
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
    if (m.throttled != sum.throttled || m.ramp_rejected != sum.ramp)
        fail("throttled or ramp counters differ from the refusals the threads saw");
    while (n_events + 1 < MAX_EVENTS && events[n_events + 1].set)
        n_events++;
    changes = check_chain(n_events, m.state);
    if (m.transitions >= GEN_SLOTS)
        fail("more generations than the trial counters can tell apart");
    if (changes != m.transitions)
        fail("the transitions counted differ from the events heard");
    if (fb_registry_count(registry) > 64)
        fail("registry holds more breakers than names");
    if (predict && (m.throttled == 0 || m.ramp_rejected == 0 || trend_trips == 0))
        fail("a failure-prediction rule never acted");

    printf("stress (%s window%s): %d threads x %ld pairs + chaos: %" PRIu64 " permitted, %" PRIu64
           " rejected, %" PRIu64 " late, %" PRIu64 " transitions (%" PRIu64
           " into OPEN, %" PRIu64 " into HALF_OPEN); %d violations\n",
           type == FB_WINDOW_COUNT ? "COUNT" : "TIME", predict ? ", prediction rules" : "",
           THREADS, iters, m.permitted, m.not_permitted, m.late, m.transitions,
           m.entries[FB_STATE_OPEN], m.entries[FB_STATE_HALF_OPEN], atomic_load(&violations));
    if (predict)
        printf("  %" PRIu64 " throttled, %" PRIu64 " refused by the ramp, %" PRIu64
               " latency-trend trips\n",
               m.throttled, m.ramp_rejected, trend_trips);
    fb_breaker_free(breaker);
    fb_registry_free(registry);
}

int main(void)
{
    const char *env = getenv("STRESS_ITERS");

    if (env)
        iters = atol(env);
    events = calloc(MAX_EVENTS, sizeof(*events));
    trials_issued = calloc(GEN_SLOTS, sizeof(*trials_issued));
    if (!events || !trials_issued) {
        fprintf(stderr, "stress: out of memory\n");
        return 1;
    }
    run(FB_WINDOW_COUNT, false);
    run(FB_WINDOW_TIME, false);
    iters = (iters + 1) / 2;
    run(FB_WINDOW_COUNT, true);
    free(events);
    free(trials_issued);
    return atomic_load(&violations) ? 1 : 0;
}
