/* test_policies.c — suite "policies": retry (attempts, backoff kinds, which
 * outcomes, the budget), bulkhead, fallback, alternates and outlier ejection
 * on small cities built in code, with counts the test can reason out. */
#include <math.h>

#include "city_fixture.h"
#include "metrics.h"
#include "tests.h"

static sim_city *run_logged(const sim_scenario *sc, uint64_t seed, bool log_calls)
{
    sim_run_options o = { .seed = seed, .seed_set = true, .log_calls = log_calls };
    sim_city *c = sim_city_new(sc, &o);

    ck_assert_ptr_nonnull(c);
    ck_assert(sim_city_run(c));
    return c;
}

static const sim_counts *edge(const sim_city *c, uint32_t e)
{
    return &sim_city_metrics(c)->edges[e].total;
}

static const sim_counts *service(const sim_city *c, uint32_t s)
{
    return &sim_city_metrics(c)->services[s].total;
}

static size_t log_count(const sim_city *c, sim_log_kind kind)
{
    const sim_metrics *m = sim_city_metrics(c);
    size_t n = 0;

    for (size_t i = 0; i < m->n_log; i++)
        n += m->log[i].kind == kind;
    return n;
}

/* gateway -> a, where a always fails. */
static sim_call *failing_dependency(city_fixture *f, double rate, int64_t duration_ns)
{
    fixture_init(f, 2, rate, duration_ns);
    f->services[1].error_rate = 1;
    return add_call(f, 0, 1, false);
}

static void retry_with(sim_call *call, uint32_t attempts, sim_backoff kind, int64_t base_ns,
                       int64_t max_ns)
{
    call->retry = (sim_retry){ .max_attempts = attempts, .backoff = kind, .base_ns = base_ns,
                               .multiplier = 2, .max_ns = max_ns, .on = SIM_RETRY_ON_DEFAULT };
}

START_TEST(retry_sends_every_attempt_then_fails)
{
    city_fixture f;
    sim_city *c;

    retry_with(failing_dependency(&f, 10, T(10)), 3, SIM_BACKOFF_CONSTANT, MS(10), T(1));
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_eq(edge(c, 0)->calls, 100);
    ck_assert_uint_eq(edge(c, 0)->arrivals, 300);
    ck_assert_uint_eq(edge(c, 0)->retries, 200);
    ck_assert_uint_eq(edge(c, 0)->outcomes[SIM_ERROR], 300);
    ck_assert_uint_eq(edge(c, 0)->calls_failed, 100);
    ck_assert_uint_eq(service(c, 1)->arrivals, 300); /* each retry reaches the service */
    ck_assert_uint_eq(service(c, 0)->outcomes[SIM_ERROR], 100);
    /* 1 ms own time, then three 1 ms attempts with two 10 ms waits: 24 ms. */
    ck_assert_int_eq(sim_city_metrics(c)->services[0].latency.min, MS(24));
    ck_assert_int_eq(sim_city_metrics(c)->services[0].latency.max, MS(24));
    sim_city_free(c);
}
END_TEST

START_TEST(retry_succeeds_when_a_later_attempt_does)
{
    city_fixture f;
    sim_city *c;

    fixture_init(&f, 2, 100, T(20));
    f.services[1].error_rate = 0.5;
    retry_with(add_call(&f, 0, 1, false), 2, SIM_BACKOFF_CONSTANT, MS(5), T(1));
    c = run_logged(&f.sc, 3, false);
    /* Each call fails only if both attempts do: 25 % of 2000 (sd 19). */
    ck_assert_uint_eq(edge(c, 0)->calls, 2000);
    ck_assert_uint_ge(edge(c, 0)->calls_failed, 440);
    ck_assert_uint_le(edge(c, 0)->calls_failed, 560);
    ck_assert_uint_eq(edge(c, 0)->calls_ok + edge(c, 0)->calls_failed, 2000);
    ck_assert_uint_eq(edge(c, 0)->retries, edge(c, 0)->arrivals - 2000);
    ck_assert_uint_eq(service(c, 0)->outcomes[SIM_OK], edge(c, 0)->calls_ok);
    sim_city_free(c);
}
END_TEST

/* The waits the log gives for each retry of the first call. */
static size_t retry_waits(const sim_city *c, int64_t *waits, size_t max)
{
    const sim_metrics *m = sim_city_metrics(c);
    size_t n = 0;

    for (size_t i = 0; i < m->n_log && n < max; i++)
        if (m->log[i].kind == SIM_LOG_RETRY) {
            ck_assert_uint_eq(m->log[i].count, n + 2); /* attempts 2, 3, ... */
            waits[n++] = m->log[i].until_ns - m->log[i].at_ns;
        }
    return n;
}

START_TEST(backoff_exponential_constant_and_decorrelated)
{
    city_fixture f;
    sim_call *call;
    int64_t w[8];
    sim_city *c;

    call = failing_dependency(&f, 0.1, T(10)); /* one call, at 0 */
    retry_with(call, 5, SIM_BACKOFF_EXPONENTIAL, MS(10), MS(50));
    c = run_logged(&f.sc, 1, true);
    ck_assert_uint_eq(retry_waits(c, w, 8), 4);
    ck_assert_int_eq(w[0], MS(10));
    ck_assert_int_eq(w[1], MS(20));
    ck_assert_int_eq(w[2], MS(40));
    ck_assert_int_eq(w[3], MS(50)); /* capped */
    sim_city_free(c);

    call->retry.backoff = SIM_BACKOFF_CONSTANT;
    c = run_logged(&f.sc, 1, true);
    ck_assert_uint_eq(retry_waits(c, w, 8), 4);
    for (int i = 0; i < 4; i++)
        loop_assert(w[i] == MS(10));
    sim_city_free(c);

    call->retry.backoff = SIM_BACKOFF_DECORRELATED;
    call->retry.max_attempts = 8;
    call->retry.max_ns = T(1);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        int64_t prev = MS(10);

        c = run_logged(&f.sc, seed, true);
        ck_assert_uint_eq(retry_waits(c, w, 8), 7);
        for (int i = 0; i < 7; i++) {
            loop_assert_msg(w[i] >= MS(10) && w[i] <= 3 * prev && w[i] <= T(1),
                            "seed %llu retry %d: %lld ns after %lld", (unsigned long long)seed,
                            i + 1, (long long)w[i], (long long)prev);
            prev = w[i];
        }
        sim_city_free(c);
    }
    /* Without log_calls no retry is logged. */
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_eq(log_count(c, SIM_LOG_RETRY), 0);
    ck_assert_uint_eq(edge(c, 0)->retries, 7);
    sim_city_free(c);
}
END_TEST

START_TEST(retry_follows_only_the_listed_outcomes)
{
    city_fixture f;
    sim_call *call;
    sim_city *c;

    fixture_init(&f, 2, 50, T(20));
    call = add_call(&f, 0, 1, false);
    retry_with(call, 3, SIM_BACKOFF_CONSTANT, MS(1), MS(1));
    add_fault(&f, SIM_FAULT_CRASH, 1, 0, T(20)); /* refused throughout */
    call->retry.on = SIM_RETRY_ON_ERROR;
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_eq(edge(c, 0)->arrivals, 1000); /* refusals are not retried */
    sim_city_free(c);
    call->retry.on = SIM_RETRY_ON_DEFAULT;
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_eq(edge(c, 0)->arrivals, 3000);
    ck_assert_uint_eq(edge(c, 0)->outcomes[SIM_REFUSED], 3000);
    sim_city_free(c);

    /* Behind a breaker that opens, a rejection ends the call... */
    f.profile.cfg.window_size = 10;
    f.profile.cfg.min_calls = 10;
    f.profile.cfg.open_wait_ns = T(100);
    call->profile = 0;
    c = run_logged(&f.sc, 1, false);
    /* Calls 1-3 are refused three times each, call 4 once: the tenth failure
     * opens the breaker for good, and call 4's retry is rejected. */
    ck_assert_uint_eq(edge(c, 0)->outcomes[SIM_REFUSED], 10);
    ck_assert_uint_eq(edge(c, 0)->outcomes[SIM_REJECTED], 997);
    ck_assert_uint_eq(edge(c, 0)->arrivals, 1007);
    sim_city_free(c);
    /* ... unless rejections are listed. */
    call->retry.on |= SIM_RETRY_ON_REJECTED;
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_eq(edge(c, 0)->arrivals, 3000);
    ck_assert_uint_eq(edge(c, 0)->outcomes[SIM_REJECTED], 2990);
    sim_city_free(c);
}
END_TEST

START_TEST(retry_budget_caps_amplification_and_logs_once_per_window)
{
    city_fixture f;
    sim_call *call;
    sim_city *c;
    double amp;

    call = failing_dependency(&f, 100, T(60));
    retry_with(call, 3, SIM_BACKOFF_CONSTANT, MS(1), MS(1));
    c = run_logged(&f.sc, 1, false);
    ck_assert_double_eq_tol((double)edge(c, 0)->arrivals / (double)edge(c, 0)->calls, 3.0, 1e-9);
    sim_city_free(c);

    call->retry.budget = true;
    call->retry.budget_ratio = 0.2;
    call->retry.budget_min_per_s = 0;
    call->retry.budget_window_ns = T(10);
    c = run_logged(&f.sc, 1, false);
    amp = (double)edge(c, 0)->arrivals / (double)edge(c, 0)->calls;
    ck_assert_double_le(amp, 1.2 + 1e-9);
    ck_assert_double_ge(amp, 1.19);
    ck_assert_uint_eq(edge(c, 0)->retries + edge(c, 0)->calls, edge(c, 0)->arrivals);
    ck_assert_uint_gt(edge(c, 0)->budget_denied, 4000);
    /* Refusals go on all run: one line per 10 s window, not one per refusal. */
    ck_assert_uint_ge(log_count(c, SIM_LOG_BUDGET_EXHAUSTED), 5);
    ck_assert_uint_le(log_count(c, SIM_LOG_BUDGET_EXHAUSTED), 7);
    sim_city_free(c);

    /* The floor: 5 retries a second whatever the calls. */
    call->retry.budget_ratio = 0.01;
    call->retry.budget_min_per_s = 5;
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_ge(edge(c, 0)->retries, 295);
    ck_assert_uint_le(edge(c, 0)->retries, 300);
    sim_city_free(c);
}
END_TEST

START_TEST(bulkhead_caps_calls_in_flight_and_sheds_the_rest)
{
    city_fixture f;
    const sim_metrics *m;
    sim_call *call;
    sim_city *c;

    fixture_init(&f, 2, 100, T(10));
    f.services[0].concurrency = 1000; /* the gateway never queues */
    f.services[1].latency = sim_dist_constant(1e8); /* 100 ms */
    call = add_call(&f, 0, 1, false);
    call->bulkhead.max_concurrent = 2;
    call->profile = 0; /* the breaker must not count our own sheds */
    f.profile.cfg.min_calls = 5;
    c = run_logged(&f.sc, 1, false);
    m = sim_city_metrics(c);
    /* Two calls per 100 ms get a slot; the eight others are shed at once. */
    ck_assert_uint_ge(edge(c, 0)->outcomes[SIM_OK], 198);
    ck_assert_uint_le(edge(c, 0)->outcomes[SIM_OK], 200);
    ck_assert_uint_ge(edge(c, 0)->outcomes[SIM_SHED], 790);
    /* Shed by the bulkhead: they never reach the service. */
    ck_assert_uint_eq(service(c, 1)->arrivals,
                      edge(c, 0)->arrivals - edge(c, 0)->outcomes[SIM_SHED]);
    for (size_t k = 0; k < m->n_ticks; k++)
        loop_assert(m->edges[0].ticks[k].inflight <= 2);
    ck_assert_uint_eq(sim_city_edge(c, 0)->breaker_opens, 0);
    sim_city_free(c);

    /* With a wait, calls queue for a slot; those still waiting at 150 ms are shed. */
    call->bulkhead.max_wait_ns = MS(150);
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_ge(edge(c, 0)->outcomes[SIM_OK], 198);
    ck_assert_uint_gt(edge(c, 0)->outcomes[SIM_SHED], 700);
    /* A shed request waited 150 ms after its own 1 ms; none waited longer. */
    ck_assert_int_le(sim_city_metrics(c)->services[0].latency.max, MS(1 + 150 + 100));
    ck_assert_uint_eq(service(c, 0)->outcomes[SIM_ERROR], edge(c, 0)->outcomes[SIM_SHED]);
    sim_city_free(c);
}
END_TEST

/* The breaker times the dependency, not the wait for our own bulkhead slot:
 * calls that wait 200 ms for a slot to a 10 ms dependency are not slow. */
START_TEST(bulkhead_wait_is_not_the_dependency_being_slow)
{
    city_fixture f;
    sim_call *call;
    sim_city *c;

    fixture_init(&f, 2, 150, T(10));
    f.services[0].concurrency = 1000;
    f.services[1].latency = sim_dist_constant(1e7); /* 10 ms: 100 calls/s through one slot */
    call = add_call(&f, 0, 1, false);
    call->bulkhead = (sim_bulkhead){ .max_concurrent = 1, .max_wait_ns = MS(300) };
    call->profile = 0;
    f.profile.cfg.rules = FB_RULE_SLOW_CALL_RATE;
    f.profile.cfg.slow_call_ns = MS(100);
    f.profile.cfg.slow_call_rate_threshold = 50;
    f.profile.cfg.min_calls = 10;
    c = run_logged(&f.sc, 1, false);
    /* Calls queue for the slot (150/s against 100/s), some for the full wait... */
    ck_assert_uint_gt(edge(c, 0)->outcomes[SIM_SHED], 100);
    ck_assert_int_gt(sim_city_metrics(c)->edges[0].latency.max, MS(200));
    /* ... but every call the dependency served took 10 ms: no slow calls. */
    ck_assert_uint_eq(sim_city_edge(c, 0)->breaker_opens, 0);
    sim_city_free(c);
}
END_TEST

START_TEST(fallback_answers_degraded)
{
    city_fixture f;
    sim_call *call;
    sim_city *c;

    fixture_init(&f, 2, 100, T(20));
    call = add_call(&f, 0, 1, false);
    add_fault(&f, SIM_FAULT_CRASH, 1, 0, T(20));
    call->fallback = (sim_fallback){ .kind = SIM_FALLBACK_CACHE, .hit = 0.75 };
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_eq(edge(c, 0)->fallbacks, 2000);
    ck_assert_uint_ge(edge(c, 0)->calls_degraded, 1440); /* 1500, sd 19 */
    ck_assert_uint_le(edge(c, 0)->calls_degraded, 1560);
    ck_assert_uint_eq(edge(c, 0)->calls_degraded + edge(c, 0)->calls_failed, 2000);
    ck_assert_uint_eq(service(c, 0)->outcomes[SIM_DEGRADED], edge(c, 0)->calls_degraded);
    ck_assert_uint_eq(service(c, 0)->outcomes[SIM_ERROR], edge(c, 0)->calls_failed);
    ck_assert_uint_eq(service(c, 0)->outcomes[SIM_OK], 0);
    /* The breaker-free edge still saw every refusal: the wire is not the answer. */
    ck_assert_uint_eq(edge(c, 0)->outcomes[SIM_REFUSED], 2000);
    ck_assert_uint_eq(log_count(c, SIM_LOG_FALLBACK_ACTIVE), 1); /* one episode */
    ck_assert_uint_eq(log_count(c, SIM_LOG_FALLBACK), 0);
    sim_city_free(c);

    call->fallback.kind = SIM_FALLBACK_DEFAULT;
    c = run_logged(&f.sc, 1, true);
    ck_assert_uint_eq(service(c, 0)->outcomes[SIM_DEGRADED], 2000);
    ck_assert_uint_eq(log_count(c, SIM_LOG_FALLBACK), 2000);
    sim_city_free(c);

    call->fallback.kind = SIM_FALLBACK_FAIL;
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_eq(service(c, 0)->outcomes[SIM_ERROR], 2000);
    ck_assert_uint_eq(edge(c, 0)->fallbacks, 2000);
    sim_city_free(c);
}
END_TEST

START_TEST(degraded_answers_travel_up_the_call_chain)
{
    city_fixture f;
    sim_call *call;
    sim_city *c;

    fixture_init(&f, 3, 50, T(20));
    add_call(&f, 0, 1, false);
    call = add_call(&f, 1, 2, false);
    call->fallback.kind = SIM_FALLBACK_DEFAULT;
    add_fault(&f, SIM_FAULT_CRASH, 2, T(5), T(10));
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_eq(service(c, 1)->outcomes[SIM_DEGRADED], 500);
    ck_assert_uint_eq(service(c, 0)->outcomes[SIM_DEGRADED], 500);
    ck_assert_uint_eq(service(c, 0)->outcomes[SIM_OK], 500);
    /* gateway->a answered (degraded): a success for that edge's breaker. */
    ck_assert_uint_eq(edge(c, 0)->calls_ok, 500);
    ck_assert_uint_eq(edge(c, 0)->outcomes[SIM_DEGRADED], 500);
    sim_city_free(c);
}
END_TEST

START_TEST(alternates_take_over_when_the_primary_fails)
{
    city_fixture f;
    sim_call *call;
    sim_city *c;

    fixture_init(&f, 3, 100, T(20));
    call = add_call(&f, 0, 1, false);
    call->timeout_ns = MS(100);
    add_alternate(&f, 0, 2)->timeout_ns = MS(100);
    add_fault(&f, SIM_FAULT_CRASH, 1, T(5), T(10));
    c = run_logged(&f.sc, 1, true);
    ck_assert_uint_eq(edge(c, 0)->calls, 2000);
    ck_assert_uint_eq(edge(c, 0)->calls_ok, 2000);
    ck_assert_uint_eq(edge(c, 0)->outcomes[SIM_REFUSED], 1000);
    ck_assert_uint_eq(edge(c, 0)->rerouted, 1000);
    ck_assert_uint_eq(edge(c, 1)->calls, 0); /* an alternate's attempts are the primary's calls */
    ck_assert_uint_eq(edge(c, 1)->arrivals, 1000);
    ck_assert_uint_eq(edge(c, 1)->outcomes[SIM_OK], 1000);
    ck_assert_uint_eq(service(c, 0)->outcomes[SIM_OK], 2000);
    ck_assert_uint_eq(log_count(c, SIM_LOG_REROUTE), 1000);
    sim_city_free(c);

    /* Behind an open breaker, the rejection reroutes too, at once. */
    call->profile = 0;
    f.profile.cfg.window_size = 10;
    f.profile.cfg.min_calls = 10;
    f.profile.cfg.open_wait_ns = T(60);
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_eq(edge(c, 0)->calls_ok, 2000);
    /* Five refusals beside five successes make 50 % of the window: open, to
     * the end of the run. */
    ck_assert_uint_eq(edge(c, 0)->outcomes[SIM_REFUSED], 5);
    ck_assert_uint_eq(edge(c, 0)->outcomes[SIM_REJECTED], 1495);
    ck_assert_uint_eq(edge(c, 1)->arrivals, 1500);
    sim_city_free(c);

    /* The no-policies counterfactual: the bare call, no breaker, no alternate. */
    {
        sim_run_options o = { .seed = 1, .seed_set = true, .no_policies = true };
        sim_city *bare = sim_city_new(&f.sc, &o);

        ck_assert(sim_city_run(bare));
        ck_assert_uint_eq(edge(bare, 0)->calls_failed, 1000);
        ck_assert_uint_eq(edge(bare, 0)->outcomes[SIM_REFUSED], 1000);
        ck_assert_uint_eq(edge(bare, 0)->outcomes[SIM_REJECTED], 0);
        ck_assert_uint_eq(edge(bare, 1)->arrivals, 0);
        sim_city_free(bare);
    }

    /* Both down: the attempt fails with the last failure. */
    add_fault(&f, SIM_FAULT_CRASH, 2, T(5), T(10));
    call->profile = SIM_NONE;
    c = run_logged(&f.sc, 1, false);
    ck_assert_uint_eq(edge(c, 0)->calls_failed, 1000);
    ck_assert_uint_eq(edge(c, 1)->outcomes[SIM_REFUSED], 1000);
    sim_city_free(c);
}
END_TEST

START_TEST(outlier_ejection_takes_a_failing_instance_out)
{
    city_fixture f;
    const sim_metrics *m;
    uint32_t ejections = 0, out = 0, max_out = 0;
    sim_city *c;

    fixture_init(&f, 2, 30, T(60));
    f.services[1].replicas = 3;
    f.services[1].ejection = (sim_ejection){ .consecutive = 3, .base_ns = T(2), .max_ns = T(10),
                                             .max_percent = 50 };
    add_call(&f, 0, 1, false);
    add_fault(&f, SIM_FAULT_CRASH, 1, 0, T(60))->target = SIM_TARGET_INSTANCE;
    f.faults[0].instance = 1;
    c = run_logged(&f.sc, 1, false);
    m = sim_city_metrics(c);
    for (size_t i = 0; i < m->n_log; i++) {
        const sim_log_entry *e = &m->log[i];

        if (e->kind != SIM_LOG_EJECT)
            continue;
        ejections++;
        loop_assert(e->instance == 1 && e->count == 3 && e->total == ejections);
        /* base x times ejected, capped: 2, 4, 6, 8, 10, 10 ... s */
        loop_assert(e->until_ns - e->at_ns == (ejections < 5 ? T(2) * ejections : T(10)));
    }
    ck_assert_uint_ge(ejections, 7);
    ck_assert_uint_le(edge(c, 0)->outcomes[SIM_REFUSED], 3 * ejections);
    ck_assert_uint_ge(log_count(c, SIM_LOG_RETURN), ejections - 1);
    sim_city_free(c);

    /* Two instances down, but at most 50 % of 3 (one) may be out at once. */
    add_fault(&f, SIM_FAULT_CRASH, 1, 0, T(60))->target = SIM_TARGET_INSTANCE;
    f.faults[1].instance = 2;
    c = run_logged(&f.sc, 1, false);
    m = sim_city_metrics(c);
    for (size_t i = 0; i < m->n_log; i++) {
        out += m->log[i].kind == SIM_LOG_EJECT;
        out -= m->log[i].kind == SIM_LOG_RETURN;
        if (out > max_out)
            max_out = out;
    }
    ck_assert_uint_eq(max_out, 1);
    ck_assert_uint_gt(log_count(c, SIM_LOG_EJECT), 5);
    sim_city_free(c);
}
END_TEST

Suite *policies_suite(void)
{
    Suite *s = suite_create("policies");
    TCase *tc = tcase_create("policies");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, retry_sends_every_attempt_then_fails);
    tcase_add_test(tc, retry_succeeds_when_a_later_attempt_does);
    tcase_add_test(tc, backoff_exponential_constant_and_decorrelated);
    tcase_add_test(tc, retry_follows_only_the_listed_outcomes);
    tcase_add_test(tc, retry_budget_caps_amplification_and_logs_once_per_window);
    tcase_add_test(tc, bulkhead_caps_calls_in_flight_and_sheds_the_rest);
    tcase_add_test(tc, bulkhead_wait_is_not_the_dependency_being_slow);
    tcase_add_test(tc, fallback_answers_degraded);
    tcase_add_test(tc, degraded_answers_travel_up_the_call_chain);
    tcase_add_test(tc, alternates_take_over_when_the_primary_fails);
    tcase_add_test(tc, outlier_ejection_takes_a_failing_instance_out);
    suite_add_tcase(s, tc);
    return s;
}
