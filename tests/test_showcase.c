/* test_showcase.c — suite "showcase": the scenarios in scenarios/ that show
 * one resilience policy or breaker rule each (issue 4, "Shown in
 * simulation") load, run, and show what their descriptions say, in numbers.
 *
 * Each test plays its scenario with report_analyze() on top, as `firebreak
 * run` does, and reads whole-run totals (sim_city_edge), the analysis of
 * docs/metrics.md (availability, time to recover, ...), sums over a window
 * of ticks of the per-tick series (sim_metrics), for what happened during a
 * fault, and the log of breaker transitions. Where a policy is compared with its absence (retry-storm), the test
 * changes the loaded sim_scenario in code and plays it again; the files hold
 * one configuration each. Every outcome is checked over several seeds: the
 * file's own, 1 and 2, or 1 to 10 for noisy-healthy. Each run is small (the
 * suite takes about 0.2 s, 1 s under ASan). The runner starts in the
 * repository root. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "city.h"
#include "scenario.h"
#include "city_fixture.h"
#include "tests.h"

#define EXAMPLES_DIR "scenarios"

/* ---- helpers -------------------------------------------------------------- */

static sim_scenario *load_example(const char *name)
{
    sim_error err;
    char path[256], msg[1200];
    sim_scenario *sc;

    snprintf(path, sizeof path, EXAMPLES_DIR "/%s.json", name);
    sc = sim_scenario_load(path, &err);
    if (!sc) {
        sim_error_format(&err, msg, sizeof msg);
        ck_abort_msg("%s (run the tests from the repository root)", msg);
    }
    return sc;
}

/* A finished run and its analysis. */
typedef struct played {
    sim_city *c;
    const sim_metrics *m;
    report_run run;
    report_analysis a;
} played;

/* Play 'sc' to its end with 'seed' (0: the scenario's own) and analyse it. */
static void play(played *p, const sim_scenario *sc, uint64_t seed)
{
    sim_run_options o = { .seed = seed, .seed_set = seed != 0 };

    memset(p, 0, sizeof(*p));
    p->c = sim_city_new(sc, &o);
    ck_assert_ptr_nonnull(p->c);
    ck_assert(sim_city_run(p->c));
    p->m = sim_city_metrics(p->c);
    ck_assert(!p->m->oom);
    ck_assert_uint_eq(p->m->n_ticks, sim_metrics_run_ticks(p->m));
    p->run = (report_run){ .sc = sc, .m = p->m, .seed = seed ? seed : sc->seed,
                           .duration_ns = sim_city_now(p->c), .events = sim_city_events(p->c) };
    ck_assert(report_analyze(&p->run, &p->a));
}

static void played_free(played *p)
{
    report_analysis_free(&p->a);
    sim_city_free(p->c);
}


/* The counts of series 's' summed over the ticks that lie within
 * [from_ns, to_ns). */
static sim_counts window_sum(const sim_metrics *m, const sim_series *s, int64_t from_ns,
                             int64_t to_ns)
{
    sim_counts sum;

    memset(&sum, 0, sizeof sum);
    for (size_t k = 0; k < m->n_ticks; k++) {
        const sim_counts *t = &s->ticks[k].counts;

        if (sim_metrics_tick_start(m, k) < from_ns || sim_metrics_tick_end(m, k) > to_ns)
            continue;
        sum.arrivals += t->arrivals;
        for (int o = 0; o < SIM_N_OUTCOMES; o++)
            sum.outcomes[o] += t->outcomes[o];
        sum.answered += t->answered;
        sum.calls += t->calls;
        sum.calls_ok += t->calls_ok;
        sum.calls_degraded += t->calls_degraded;
        sum.calls_failed += t->calls_failed;
        sum.retries += t->retries;
        sum.budget_denied += t->budget_denied;
        sum.rerouted += t->rerouted;
        sum.fallbacks += t->fallbacks;
    }
    return sum;
}

/* Requests of a service's window that ended: ok + degraded + failed. */
static uint64_t ended(const sim_counts *k)
{
    uint64_t n = 0;

    for (int o = 0; o < SIM_N_OUTCOMES; o++)
        n += k->outcomes[o];
    return n;
}

static double ratio(uint64_t num, uint64_t den)
{
    return den ? (double)num / (double)den : NAN;
}

/* Attempts sent on the edge per handler call: its retry amplification. */
static double amplification(const sim_counts *k)
{
    return ratio(k->arrivals, k->calls);
}

/* The first tick at or after 'from' in which service 's' is healthy (the
 * analysis' definition), or n_ticks. */
static size_t first_healthy_tick(const report_analysis *a, uint32_t s, size_t from)
{
    size_t k = from;

    while (k < a->n_ticks && !report_healthy(a, s, k))
        k++;
    return k;
}

/* The first time a breaker on edge k went from CLOSED to OPEN, or NULL. */
static const sim_log_entry *first_opening(const sim_metrics *m, uint32_t k)
{
    for (size_t i = 0; i < m->n_log; i++) {
        const sim_log_entry *e = &m->log[i];

        if (e->kind == SIM_LOG_TRANSITION && e->index == k && e->from == FB_STATE_CLOSED &&
            e->to == FB_STATE_OPEN)
            return e;
    }
    return NULL;
}

/* How many times breakers on edge k went from CLOSED to OPEN (re-opening
 * from HALF_OPEN belongs to the same episode), and the most calls any of
 * those openings' windows held. */
static uint64_t openings(const sim_metrics *m, uint32_t k, uint64_t *max_calls)
{
    uint64_t n = 0;

    *max_calls = 0;
    for (size_t i = 0; i < m->n_log; i++) {
        const sim_log_entry *e = &m->log[i];

        if (e->kind == SIM_LOG_TRANSITION && e->index == k && e->from == FB_STATE_CLOSED &&
            e->to == FB_STATE_OPEN) {
            n++;
            if (e->window.calls > *max_calls)
                *max_calls = e->window.calls;
        }
    }
    return n;
}

/* ---- retry-storm ------------------------------------------------------------------ */

/* Three seeds: the file's, 1 and 2. */
static const uint64_t storm_seeds[] = { 0, 1, 2 };

START_TEST(retry_storm_amplifies_load_and_delays_recovery)
{
    for (size_t i = 0; i < sizeof storm_seeds / sizeof storm_seeds[0]; i++) {
        uint64_t seed = storm_seeds[i];
        sim_scenario *sc = load_example("retry-storm");
        uint32_t k = edge_named(sc, "shop", "inventory"), inv = service_named(sc, "inventory");
        played p;
        double amp;
        size_t healthy;

        ck_assert_int_eq(sc->n_faults, 1);
        ck_assert(!sc->calls[k].retry.budget); /* the file is the storm */
        play(&p, sc, seed);
        amp = amplification(&sim_city_edge(p.c, k)->total);
        healthy = first_healthy_tick(&p.a, inv, 40);
        /* Every call made while inventory's queue is full fails all 3
         * attempts, from the brownout (20 s) until the load drops at 100 s:
         * 80 of the run's 150 s at 3 attempts per call, the rest at about 1
         * (1 + 2 x 8000 / 12200 = 2.3). Measured 2.32-2.34 with seeds 11 (the
         * file's), 1 and 2. */
        ck_assert_msg(amp > 1.5, "seed %llu: amplification %.3f", (unsigned long long)seed, amp);
        /* The brownout ends at 40 s, but the city recovers only once the
         * load drops at 100 s (60 s later) and the queue drains: measured
         * 62 s with each seed (66 s with seed 3). Without retries it takes
         * 2 s (below). inventory itself
         * is not healthy again before 100 s either (measured: first healthy
         * tick after the brownout 102, against 42 without retries). */
        ck_assert_msg(p.a.faults[0].recover_ns >= T(50), "seed %llu: recovered after %.1f s",
                      (unsigned long long)seed, p.a.faults[0].recover_ns / 1e9);
        ck_assert_msg(healthy >= 95, "seed %llu: inventory healthy in tick %zu",
                      (unsigned long long)seed, healthy);
        played_free(&p);

        /* The same city without retries: the queue drains within seconds of
         * the brownout's end (100/s into a capacity of about 150/s, a queue
         * of 100). Measured: recovered after 2 s, inventory healthy from
         * tick 42, with every seed. */
        sc->calls[k].retry.max_attempts = 1;
        play(&p, sc, seed);
        ck_assert_msg(amplification(&sim_city_edge(p.c, k)->total) == 1.0, "no retries");
        ck_assert_msg(p.a.faults[0].recover_ns >= 0 && p.a.faults[0].recover_ns <= T(5),
                      "seed %llu: without retries recovered after %.1f s",
                      (unsigned long long)seed, p.a.faults[0].recover_ns / 1e9);
        ck_assert_uint_le(first_healthy_tick(&p.a, inv, 40), 45);
        played_free(&p);
        sim_scenario_free(sc);
    }
}
END_TEST

START_TEST(retry_storm_budget_caps_amplification)
{
    for (size_t i = 0; i < sizeof storm_seeds / sizeof storm_seeds[0]; i++) {
        uint64_t seed = storm_seeds[i];
        sim_scenario *sc = load_example("retry-storm");
        uint32_t k = edge_named(sc, "shop", "inventory");
        sim_retry *rt = &sc->calls[k].retry;
        played p;
        sim_counts w;
        double amp, amp_w;

        /* The budget of docs/policies.md with its defaults: retries over the
         * last 10 s at most 20 % of the calls (or 10/s, less here: 100
         * calls/s give 200 per window). */
        rt->budget = true;
        rt->budget_ratio = 0.2;
        rt->budget_min_per_s = 10;
        rt->budget_window_ns = T(10);
        play(&p, sc, seed);
        amp = amplification(&sim_city_edge(p.c, k)->total);
        /* From the brownout's start to the load's drop at 100 s: where the
         * storm raged without the budget. */
        w = window_sum(p.m, &p.m->edges[k], T(20), T(100));
        amp_w = amplification(&w);
        /* The budget allows 0.2 retries per call over any 10 s, so at most
         * 1.2 attempts per call over the run (the report's figure; measured
         * 1.049-1.051) and over the storm's 80 s (measured 1.074-1.077).
         * Over shorter spans it can pass 1.2 a little: the allowance left
         * over from the 10 s before the brownout (200 retries) is spent at
         * its start (measured 1.20-1.22 from 20 s to 30 s). */
        ck_assert_msg(amp <= 1.2 && amp_w <= 1.2, "seed %llu: amplification %.3f, %.3f in 20-100 s",
                      (unsigned long long)seed, amp, amp_w);
        /* In the middle of the brownout every call fails, and the budget
         * holds the retries at its 20 % (measured 1.199-1.201 from 30 s to
         * 40 s; a retry counts when it is sent, after its backoff, hence
         * the margin). */
        w = window_sum(p.m, &p.m->edges[k], T(30), T(40));
        amp_w = amplification(&w);
        ck_assert_msg(amp_w >= 1.15 && amp_w <= 1.21, "seed %llu: %.3f from 30 s to 40 s",
                      (unsigned long long)seed, amp_w);
        ck_assert_uint_gt(sim_city_edge(p.c, k)->total.budget_denied, 1000);
        /* 120 attempts/s fit in inventory's 150/s: the queue drains as it
         * does without retries. Measured: recovered after 3-4 s; 2002-2080
         * retries refused by the budget. */
        ck_assert_msg(p.a.faults[0].recover_ns >= 0 && p.a.faults[0].recover_ns <= T(8),
                      "seed %llu: with a budget recovered after %.1f s", (unsigned long long)seed,
                      p.a.faults[0].recover_ns / 1e9);
        played_free(&p);
        sim_scenario_free(sc);
    }
}
END_TEST

/* ---- fallback -------------------------------------------------------------------- */

START_TEST(fallback_serves_through_the_catalog_outage)
{
    static const uint64_t seeds[] = { 0, 1, 2 };

    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        sim_scenario *sc = load_example("fallback");
        uint32_t front = service_named(sc, "storefront"), k = edge_named(sc, "storefront", "catalog");
        played p;
        sim_counts out, e;
        double strict, served;

        play(&p, sc, seeds[i]);
        /* The outage: catalog down from 30 s to 60 s. */
        out = window_sum(p.m, &p.m->services[front], T(30), T(60));
        e = window_sum(p.m, &p.m->edges[k], T(30), T(60));
        strict = ratio(out.outcomes[SIM_OK], ended(&out));
        served = ratio(out.outcomes[SIM_OK] + out.outcomes[SIM_DEGRADED], ended(&out));
        /* During the outage every catalog call fails and goes to the cache,
         * which answers 99.5 % of them: strict availability is about 0
         * (only calls that finished just before 30 s), served about 99.5 %
         * (a miss rate of 0.5 % over 6000 requests: 30 +- 5.5; 99 % would be
         * 60). Measured: strict 0.03 %, served 99.43-99.53 %, with a
         * fallback for every one of the 5916-6198 calls. */
        ck_assert_msg(strict <= 0.02, "seed %llu: strict %.4f in the outage",
                      (unsigned long long)seeds[i], strict);
        ck_assert_msg(served >= 0.99, "seed %llu: served %.4f in the outage",
                      (unsigned long long)seeds[i], served);
        ck_assert_uint_ge(e.fallbacks, e.calls * 99 / 100);
        ck_assert_uint_ge(e.calls_degraded, e.fallbacks * 98 / 100);
        /* Over the run: strict loses the outage, a third of the run
         * (measured 65.5-66.7 %); served loses the misses only (measured
         * 99.79-99.82 %). */
        ck_assert_msg(p.a.availability <= 0.70 && p.a.availability >= 0.60,
                      "seed %llu: strict availability %.4f", (unsigned long long)seeds[i],
                      p.a.availability);
        ck_assert_msg(p.a.availability_served >= 0.99, "seed %llu: served availability %.4f",
                      (unsigned long long)seeds[i], p.a.availability_served);
        /* The breakers (one per storefront instance) saw the outage: the
         * fallback hides it from the visitor only. */
        ck_assert_uint_ge(sim_city_edge(p.c, k)->breaker_opens, 2);
        ck_assert(p.a.faults[0].detect_ns >= 0 && p.a.faults[0].detect_ns <= T(1));
        played_free(&p);
        sim_scenario_free(sc);
    }
}
END_TEST

/* ---- failover -------------------------------------------------------------------- */

START_TEST(failover_reroutes_payments_to_the_second_provider)
{
    static const uint64_t seeds[] = { 0, 1, 2 };

    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        uint64_t seed = seeds[i];
        sim_scenario *sc = load_example("failover");
        uint32_t entry = service_named(sc, "checkout");
        uint32_t ka = edge_named(sc, "checkout", "payments-a"), kb = edge_named(sc, "checkout", "payments-b");
        played p;
        const sim_counts *a, *b;
        sim_counts out, a_out, b_before, b_after;

        ck_assert(sc->calls[kb].alternate && sc->calls[kb].primary == ka);
        play(&p, sc, seed);
        a = &sim_city_edge(p.c, ka)->total;
        b = &sim_city_edge(p.c, kb)->total;
        out = window_sum(p.m, &p.m->services[entry], T(30), T(60));
        a_out = window_sum(p.m, &p.m->edges[ka], T(30), T(60));
        b_before = window_sum(p.m, &p.m->edges[kb], 0, T(30));
        b_after = window_sum(p.m, &p.m->edges[kb], T(63), sc->duration_ns);
        /* Every order of the outage (100/s for 30 s) is rerouted: the first
         * few after a refusal, the rest after a rejection by the open
         * breakers (the dead provider is spared). Measured: every one of
         * the 2998-3104 calls of 30-60 s rerouted; over the run 3070-3194
         * rerouted (the rest in the 2 s after, until a trial closes the
         * breakers), 2966-3090 rejections, 104 refusals. */
        ck_assert_uint_ge(a_out.rerouted, a_out.calls * 99 / 100);
        ck_assert_uint_ge(a->outcomes[SIM_REJECTED], a->rerouted * 9 / 10);
        ck_assert_uint_le(a->outcomes[SIM_REFUSED], 300);
        ck_assert_uint_ge(sim_city_edge(p.c, ka)->breaker_opens, 2);
        /* The alternate took exactly the rerouted attempts, and answered
         * them (its tail beyond the 800 ms timeout: measured 0-2 lost of
         * 3070-3194). */
        ck_assert_uint_eq(b->arrivals, a->rerouted);
        ck_assert_uint_ge(b->outcomes[SIM_OK], b->arrivals * 995 / 1000);
        /* ... and only then: no traffic before the outage, none once the
         * trial calls (every 2 s) find payments-a back. */
        ck_assert_uint_eq(b_before.arrivals, 0);
        ck_assert_uint_eq(b_after.arrivals, 0);
        /* Availability at the entry: over 99 % through the outage and over
         * the run (measured 99.93-100 % in the outage, 99.87-99.98 % over
         * the run). */
        ck_assert_msg(ratio(out.outcomes[SIM_OK], ended(&out)) >= 0.99,
                      "seed %llu: %.4f in the outage", (unsigned long long)seed,
                      ratio(out.outcomes[SIM_OK], ended(&out)));
        ck_assert_msg(p.a.availability >= 0.99, "seed %llu: availability %.4f",
                      (unsigned long long)seed, p.a.availability);
        played_free(&p);
        sim_scenario_free(sc);
    }
}
END_TEST

/* ---- brownout-ramp --------------------------------------------------------------- */

START_TEST(brownout_ramp_trend_opens_long_before_the_failure_rate)
{
    static const uint64_t seeds[] = { 0, 1, 2 };

    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        uint64_t seed = seeds[i];
        sim_scenario *sc = load_example("brownout-ramp");
        uint32_t kt = edge_named(sc, "web-trend", "search"), kr = edge_named(sc, "web-rate", "search");
        const int64_t rise = T(60); /* the first step of the staircase */
        const sim_log_entry *trend, *rate;
        int64_t detected = INT64_MAX;
        played p;

        /* The two callers differ only in the trend rule; the failure rule
         * and its threshold are the same. */
        ck_assert(sc->calls[kt].profile != sc->calls[kr].profile);
        ck_assert(sc->profiles[sc->calls[kt].profile].cfg.rules ==
                  (sc->profiles[sc->calls[kr].profile].cfg.rules | FB_RULE_LATENCY_TREND));
        ck_assert(sc->profiles[sc->calls[kt].profile].cfg.failure_rate_threshold ==
                  sc->profiles[sc->calls[kr].profile].cfg.failure_rate_threshold);
        ck_assert_int_eq(sc->n_faults, 12);
        play(&p, sc, seed);
        trend = first_opening(p.m, kt);
        rate = first_opening(p.m, kr);
        ck_assert_ptr_nonnull(trend);
        ck_assert_ptr_nonnull(rate);
        /* Nothing opens before the rise. The trend opens at the third step
         * (+120 ms: a mean of about 210 ms against a baseline of 90 ms),
         * before a single call in its window has failed: measured 20.7-21.7
         * s into the rise (seeds 21, 1, 2). The failure rate opens when half
         * the calls outlast the 500 ms timeout, at the eleventh step (+440
         * ms): measured 101.0-101.5 s into the rise. */
        ck_assert(trend->at_ns >= rise && rate->at_ns >= rise);
        ck_assert_int_eq(trend->reason, FB_REASON_LATENCY_TREND);
        ck_assert_uint_eq(trend->window.failures, 0);
        ck_assert_int_eq(rate->reason, FB_REASON_FAILURE_RATE);
        ck_assert_msg(trend->at_ns - rise <= T(40) && rate->at_ns - rise >= T(80),
                      "seed %llu: trend after %.1f s, failure rate after %.1f s",
                      (unsigned long long)seed, (trend->at_ns - rise) / 1e9,
                      (rate->at_ns - rise) / 1e9);
        ck_assert(trend->at_ns + T(60) < rate->at_ns);
        /* The analysis agrees: the first step with a detection is the one
         * the trend opened in, at that instant (any edge into search
         * counts, and the trend's is the first). */
        for (size_t f = 0; f < p.a.n_faults && detected == INT64_MAX; f++)
            if (p.a.faults[f].detect_ns >= 0)
                detected = p.a.faults[f].start_ns + p.a.faults[f].detect_ns;
        ck_assert_int_eq(detected, trend->at_ns);
        played_free(&p);
        sim_scenario_free(sc);
    }
}
END_TEST

/* ---- noisy-healthy --------------------------------------------------------------- */

START_TEST(noisy_healthy_only_the_naive_rule_trips)
{
    sim_scenario *sc = load_example("noisy-healthy");
    uint32_t kn = edge_named(sc, "app-naive", "ledger"), kw = edge_named(sc, "app-wilson", "ledger");
    uint32_t kp = edge_named(sc, "app-predictive", "ledger");
    uint64_t naive = 0, wilson = 0, predictive = 0;

    ck_assert_int_eq(sc->n_faults, 0);
    ck_assert(sc->profiles[sc->calls[kp].profile].cfg.rules & FB_RULE_LATENCY_TREND);
    ck_assert(sc->profiles[sc->calls[kw].profile].cfg.failure_rate_z > 0);
    for (uint64_t seed = 1; seed <= 10; seed++) {
        played p;
        uint64_t n, w, pr, calls, unused;
        const sim_counts *e;
        double failed;

        play(&p, sc, seed);
        n = openings(p.m, kn, &calls);
        w = openings(p.m, kw, &unused);
        pr = openings(p.m, kp, &unused);
        /* There is no fault: every opening is a false trip. The analysis
         * counts the same openings; its false_trips counts fewer (8 of the
         * 21 over the 10 seeds): a lull tick in which one of ledger's few
         * requests failed is unhealthy by the 5 % SLO, and an opening in
         * such a tick (or the next) does not count as false. */
        ck_assert_uint_eq(p.a.breaker_opens, n + w + pr);
        ck_assert_uint_le(p.a.false_trips, p.a.breaker_opens);
        /* The naive breaker opens in lulls, on a window of a few calls
         * (measured: 2 calls, 1 failed, every time). */
        if (n > 0)
            ck_assert_msg(calls <= 4, "seed %llu: an opening on %llu calls",
                          (unsigned long long)seed, (unsigned long long)calls);
        naive += n;
        wilson += w;
        predictive += pr;
        /* The noise is what the file says: about 3 % of the calls fail (2 %
         * errors, 1 % past the timeout; about 1000 calls a seed, measured
         * 2.1-3.7 % on app-wilson's edge). */
        e = &sim_city_edge(p.c, kw)->total;
        failed = ratio(e->outcomes[SIM_ERROR] + e->outcomes[SIM_TIMEOUT], e->arrivals);
        ck_assert_msg(failed >= 0.015 && failed <= 0.05, "seed %llu: %.4f failed",
                      (unsigned long long)seed, failed);
        played_free(&p);
    }
    /* Over seeds 1 to 10 the naive rule (one failure out of two calls
     * opens it) trips on noise about twice a run: measured 21 openings, 0
     * to 5 a seed, every one on a window of 2 calls. The Wilson bound
     * needs at least 4 failures out of 4 (3 % each: about 1 in a million
     * calls), and the trend's short average over 100 calls stays far from
     * twice the baseline (it does not trip at 1.5 either): none. */
    ck_assert_uint_ge(naive, 5);
    ck_assert_uint_eq(wilson, 0);
    ck_assert_uint_eq(predictive, 0);
    sim_scenario_free(sc);
}
END_TEST

Suite *showcase_suite(void)
{
    Suite *s = suite_create("showcase");
    TCase *tc = tcase_create("showcase");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, retry_storm_amplifies_load_and_delays_recovery);
    tcase_add_test(tc, retry_storm_budget_caps_amplification);
    tcase_add_test(tc, fallback_serves_through_the_catalog_outage);
    tcase_add_test(tc, failover_reroutes_payments_to_the_second_provider);
    tcase_add_test(tc, brownout_ramp_trend_opens_long_before_the_failure_rate);
    tcase_add_test(tc, noisy_healthy_only_the_naive_rule_trips);
    suite_add_tcase(s, tc);
    return s;
}
