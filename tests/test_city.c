/* test_city.c — suite "city": the model against queueing theory, and each
 * mechanism (timeouts, breakers, faults, queues, parallel steps) on a small
 * city built in code, so these tests do not depend on the scenario loader. */
#include <math.h>
#include <string.h>

#include "city.h"
#include "city_fixture.h"
#include "metrics.h"
#include "tests.h"

/* One service, Poisson arrivals at 'lambda', 'servers' workers, an unbounded
 * queue: mean wait, mean time in system and P(wait) averaged over 'seeds'. */
static void queue_figures(int servers, double lambda, sim_dist service, int64_t duration_ns,
                          int seeds, double *wq, double *w, double *p_wait)
{
    city_fixture f;

    fixture_init(&f, 1, lambda, duration_ns);
    f.load.shape = SIM_SHAPE_POISSON;
    f.services[0].concurrency = (uint32_t)servers;
    f.services[0].queue = 10000000;
    f.services[0].latency = service;
    *wq = *w = *p_wait = 0;
    for (int s = 1; s <= seeds; s++) {
        sim_city *c = run(&f.sc, (uint64_t)s, false);
        const sim_service_stats *st = sim_city_service(c, 0);

        *wq += st->wait_sum_ns / (double)st->started / 1e9 / seeds;
        *w += st->total.latency_sum_ns / (double)st->total.answered / 1e9 / seeds;
        *p_wait += (double)st->waited / (double)st->started / seeds;
        sim_city_free(c);
    }
}

static void assert_within(double got, double want, double tolerance)
{
    ck_assert_msg(fabs(got - want) <= tolerance * fabs(want), "got %.5f, want %.5f +- %.1f %%", got,
                  want, tolerance * 100);
}

START_TEST(mm1_mean_wait_and_time_in_system_match_theory)
{
    double wq, w, pw;

    /* lambda 8/s, mu 10/s: Wq = rho / (mu - lambda) = 0.4 s, W = 0.5 s. */
    queue_figures(1, 8, sim_dist_exponential(1e8), T(40000), 4, &wq, &w, &pw);
    assert_within(wq, 0.4, 0.03);
    assert_within(w, 0.5, 0.03);
}
END_TEST

START_TEST(mmc_matches_erlang_c)
{
    double wq, w, pw;

    /* c 10, lambda 90/s, mu 10/s: Erlang C P(wait) = 0.6687, Wq = 66.87 ms. */
    queue_figures(10, 90, sim_dist_exponential(1e8), T(4000), 4, &wq, &w, &pw);
    assert_within(pw, 0.6687, 0.03);
    assert_within(wq, 0.06687, 0.03);
}
END_TEST

START_TEST(md1_mean_wait_matches_pollaczek_khinchine)
{
    double wq, w, pw;

    /* lambda 8/s, D 0.1 s: Wq = rho D / (2 (1 - rho)) = 0.2 s. */
    queue_figures(1, 8, sim_dist_constant(1e8), T(40000), 4, &wq, &w, &pw);
    assert_within(wq, 0.2, 0.03);
    assert_within(w, 0.3, 0.03);
}
END_TEST

START_TEST(littles_law_holds_at_every_service)
{
    city_fixture f;
    sim_city *c;

    fixture_init(&f, 3, 200, T(600));
    f.load.shape = SIM_SHAPE_POISSON;
    f.services[0].latency = sim_dist_exponential(2e6);
    f.services[1].latency = sim_dist_lognormal_p50_p99(5e6, 40e6);
    f.services[2].latency = sim_dist_exponential(8e6);
    add_call(&f, 0, 1, false);
    add_call(&f, 0, 2, true);
    c = run(&f.sc, 3, false);
    for (uint32_t s = 0; s < 3; s++) {
        const sim_service_stats *st = sim_city_service(c, s);
        double L = st->inside_area / (double)f.sc.duration_ns;
        double lambda_w = st->total.latency_sum_ns / (double)f.sc.duration_ns;

        /* L = lambda W: the time-average of requests inside against the
         * arrival rate times their mean time inside. */
        ck_assert_uint_le(st->total.arrivals - st->total.answered, 20); /* in flight at the end */
        assert_within(L, lambda_w, 0.01);
    }
    sim_city_free(c);
}
END_TEST

START_TEST(same_seed_same_figures_other_seed_other_figures)
{
    city_fixture f;
    sim_city *a, *b, *d;

    fixture_init(&f, 2, 50, T(60));
    f.load.shape = SIM_SHAPE_POISSON;
    f.services[1].latency = sim_dist_exponential(5e6);
    add_call(&f, 0, 1, false)->profile = 0;
    a = run(&f.sc, 11, false);
    b = run(&f.sc, 11, false);
    d = run(&f.sc, 12, false);
    ck_assert_mem_eq(sim_city_service(a, 1), sim_city_service(b, 1), sizeof(sim_service_stats));
    ck_assert_mem_eq(sim_city_edge(a, 0), sim_city_edge(b, 0), sizeof(sim_edge_stats));
    ck_assert_uint_eq(sim_city_events(a), sim_city_events(b));
    ck_assert(sim_city_service(a, 1)->wait_sum_ns != sim_city_service(d, 1)->wait_sum_ns ||
              sim_city_service(a, 1)->total.latency_sum_ns !=
                  sim_city_service(d, 1)->total.latency_sum_ns);
    sim_city_free(a);
    sim_city_free(b);
    sim_city_free(d);
}
END_TEST

START_TEST(parallel_step_waits_for_its_slowest_call)
{
    city_fixture f;
    sim_city *c;
    const sim_service_stats *g;

    /* gateway 1 ms, then a (10 ms) and b (20 ms) in parallel, then c (5 ms). */
    fixture_init(&f, 4, 10, T(10));
    f.services[1].latency = sim_dist_constant(10e6);
    f.services[2].latency = sim_dist_constant(20e6);
    f.services[3].latency = sim_dist_constant(5e6);
    add_call(&f, 0, 1, false);
    add_call(&f, 0, 2, true);
    add_call(&f, 0, 3, false);
    c = run(&f.sc, 1, false);
    g = sim_city_service(c, 0);
    ck_assert_uint_eq(g->total.outcomes[SIM_OK], 100);
    ck_assert_int_eq((int64_t)(g->total.latency_sum_ns / (double)g->total.answered), MS(26));
    ck_assert_uint_eq(sim_city_edge(c, 1)->total.outcomes[SIM_OK], 100);
    sim_city_free(c);
}
END_TEST

START_TEST(timeout_ends_the_wait_but_the_callee_keeps_working)
{
    city_fixture f;
    sim_city *c;

    fixture_init(&f, 2, 10, T(10));
    f.services[1].latency = sim_dist_constant(500e6); /* 500 ms */
    add_call(&f, 0, 1, false)->timeout_ns = MS(100);
    c = run(&f.sc, 1, false);
    /* Calls made by 9.4 s have answered or timed out by the end. */
    ck_assert_uint_eq(sim_city_edge(c, 0)->total.outcomes[SIM_TIMEOUT], 99);
    ck_assert_uint_eq(sim_city_edge(c, 0)->total.outcomes[SIM_OK], 0);
    ck_assert_uint_eq(sim_city_service(c, 0)->total.outcomes[SIM_ERROR], 99);
    ck_assert_int_eq((int64_t)(sim_city_service(c, 0)->total.latency_sum_ns / 99), MS(101));
    /* The callee finished every call it took, answering nobody. */
    ck_assert_uint_eq(sim_city_service(c, 1)->total.outcomes[SIM_OK], 95);
    sim_city_free(c);
}
END_TEST

START_TEST(breaker_opens_on_a_crash_and_rejects_until_it_ends)
{
    city_fixture f;
    sim_city *c, *cf;
    sim_call *call;

    fixture_init(&f, 2, 100, T(60));
    f.profile.cfg.window_size = 20;
    f.profile.cfg.min_calls = 10;
    f.profile.cfg.open_wait_ns = T(2);
    f.profile.cfg.half_open_permits = 3;
    call = add_call(&f, 0, 1, false);
    call->profile = 0;
    add_fault(&f, SIM_FAULT_CRASH, 1, T(10), T(20));
    c = run(&f.sc, 1, false);
    ck_assert_uint_ge(sim_city_edge(c, 0)->breaker_opens, 5); /* re-opens while down */
    ck_assert_uint_gt(sim_city_edge(c, 0)->total.outcomes[SIM_REJECTED], 1500);
    ck_assert_uint_lt(sim_city_edge(c, 0)->total.outcomes[SIM_REFUSED], 100);
    /* Before and after the crash every call succeeds. */
    ck_assert_uint_ge(sim_city_edge(c, 0)->total.outcomes[SIM_OK], 3900);
    /* Without breakers, every call during the crash hits the dead service. */
    cf = run(&f.sc, 1, true);
    ck_assert_uint_eq(sim_city_edge(cf, 0)->total.outcomes[SIM_REJECTED], 0);
    ck_assert_uint_eq(sim_city_edge(cf, 0)->total.outcomes[SIM_REFUSED], 2000);
    ck_assert_uint_eq(sim_city_edge(cf, 0)->breaker_opens, 0);
    sim_city_free(c);
    sim_city_free(cf);
}
END_TEST

START_TEST(hang_is_ended_only_by_the_timeout)
{
    city_fixture f;
    sim_city *c;

    fixture_init(&f, 2, 10, T(20));
    add_call(&f, 0, 1, false)->timeout_ns = MS(300);
    add_fault(&f, SIM_FAULT_HANG, 1, T(5), T(5));
    c = run(&f.sc, 1, false);
    ck_assert_uint_eq(sim_city_edge(c, 0)->total.outcomes[SIM_TIMEOUT], 50);
    ck_assert_uint_eq(sim_city_edge(c, 0)->total.outcomes[SIM_OK], 150);
    sim_city_free(c);
}
END_TEST

START_TEST(partition_drops_calls_on_the_edge)
{
    city_fixture f;
    sim_city *c;
    sim_fault *p;

    fixture_init(&f, 2, 10, T(20));
    add_call(&f, 0, 1, false)->timeout_ns = MS(200);
    p = add_fault(&f, SIM_FAULT_PARTITION, 1, T(10), T(5));
    p->target = SIM_TARGET_EDGE;
    p->from = 0;
    c = run(&f.sc, 1, false);
    ck_assert_uint_eq(sim_city_edge(c, 0)->total.outcomes[SIM_TIMEOUT], 50);
    ck_assert_uint_eq(sim_city_service(c, 1)->total.arrivals, 150); /* never arrived */
    sim_city_free(c);
}
END_TEST

START_TEST(full_queue_sheds_and_queue_timeout_sheds)
{
    city_fixture f;
    sim_city *c;

    /* 1 worker, 100 ms each, 20 arrivals/s: half can be served. */
    fixture_init(&f, 1, 20, T(10));
    f.services[0].concurrency = 1;
    f.services[0].queue = 2;
    f.services[0].latency = sim_dist_constant(100e6);
    c = run(&f.sc, 1, false);
    ck_assert_uint_ge(sim_city_service(c, 0)->total.outcomes[SIM_SHED], 95);
    ck_assert_uint_le(sim_city_service(c, 0)->total.outcomes[SIM_OK], 100);
    sim_city_free(c);

    f.services[0].queue = 1000;
    f.services[0].queue_timeout_ns = MS(250);
    c = run(&f.sc, 1, false);
    ck_assert_uint_ge(sim_city_service(c, 0)->total.outcomes[SIM_SHED], 90);
    /* No started request waited longer than the queue timeout. */
    ck_assert(sim_city_service(c, 0)->wait_sum_ns <=
              250e6 * (double)sim_city_service(c, 0)->started);
    sim_city_free(c);
}
END_TEST

START_TEST(errors_slowdown_latency_and_brownout_faults_act_in_their_window)
{
    city_fixture f;
    sim_city *c;
    sim_fault *x;

    fixture_init(&f, 1, 100, T(30));
    f.services[0].concurrency = 10;
    f.services[0].queue = 0;
    f.services[0].latency = sim_dist_constant(50e6); /* 50 ms: 5 busy on average */
    x = add_fault(&f, SIM_FAULT_ERRORS, 0, T(0), T(10));
    x->probability = 1;
    x = add_fault(&f, SIM_FAULT_BROWNOUT, 0, T(10), T(10));
    x->fraction = 0.2; /* 2 workers for 5 busy: 3 of 5 shed */
    c = run(&f.sc, 1, false);
    /* Errors are drawn when a request finishes: the 5 that finish at 10 s,
     * after the fault's window, succeed. */
    ck_assert_uint_eq(sim_city_service(c, 0)->total.outcomes[SIM_ERROR], 995);
    ck_assert_uint_ge(sim_city_service(c, 0)->total.outcomes[SIM_SHED], 550);
    ck_assert_uint_le(sim_city_service(c, 0)->total.outcomes[SIM_SHED], 650);
    sim_city_free(c);

    fixture_init(&f, 1, 10, T(20));
    x = add_fault(&f, SIM_FAULT_SLOWDOWN, 0, T(0), T(10));
    x->factor = 3;
    x = add_fault(&f, SIM_FAULT_LATENCY, 0, T(10), T(10));
    x->delay = sim_dist_constant(7e6);
    c = run(&f.sc, 1, false);
    /* 100 at 3 ms and 100 at 8 ms. */
    ck_assert_int_eq((int64_t)sim_city_service(c, 0)->total.latency_sum_ns, MS(1100));
    sim_city_free(c);
}
END_TEST

START_TEST(flapping_refuses_only_in_its_on_phases)
{
    city_fixture f;
    sim_city *c;
    sim_fault *x;

    fixture_init(&f, 1, 10, T(20));
    x = add_fault(&f, SIM_FAULT_FLAPPING, 0, T(0), T(20));
    x->period_ns = T(4);
    x->fraction = 0.25; /* on for the first second of every four */
    c = run(&f.sc, 1, false);
    ck_assert_uint_eq(sim_city_service(c, 0)->total.outcomes[SIM_REFUSED], 50);
    ck_assert_uint_eq(sim_city_service(c, 0)->total.outcomes[SIM_OK], 150);
    sim_city_free(c);
}
END_TEST

START_TEST(round_robin_and_least_outstanding_spread_the_load)
{
    city_fixture f;
    sim_city *c;

    fixture_init(&f, 2, 100, T(10));
    f.services[1].replicas = 4;
    f.services[1].concurrency = 1;
    f.services[1].queue = 1000;
    f.services[1].latency = sim_dist_constant(30e6);
    add_call(&f, 0, 1, false);
    /* 100/s over 4 single workers of 30 ms: round robin gives each 25/s, so
     * nobody ever waits. */
    c = run(&f.sc, 1, false);
    ck_assert_uint_eq(sim_city_service(c, 1)->waited, 0);
    sim_city_free(c);
    f.services[1].lb = SIM_LB_LEAST_OUTSTANDING;
    c = run(&f.sc, 1, false);
    ck_assert_uint_eq(sim_city_service(c, 1)->waited, 0);
    sim_city_free(c);
    f.services[1].lb = SIM_LB_RANDOM; /* random picks collide: someone waits */
    c = run(&f.sc, 1, false);
    ck_assert_uint_gt(sim_city_service(c, 1)->waited, 0);
    sim_city_free(c);
}
END_TEST

START_TEST(call_probability_skips_calls)
{
    city_fixture f;
    sim_city *c;

    fixture_init(&f, 2, 1000, T(10));
    add_call(&f, 0, 1, false)->probability = 0.25;
    c = run(&f.sc, 1, false);
    ck_assert_uint_ge(sim_city_edge(c, 0)->total.arrivals, 2400);
    ck_assert_uint_le(sim_city_edge(c, 0)->total.arrivals, 2600);
    sim_city_free(c);
}
END_TEST

/* ---- the metrics collector ------------------------------------------------ */

static void counts_equal(const sim_counts *a, const sim_counts *b)
{
    ck_assert_uint_eq(a->arrivals, b->arrivals);
    for (int o = 0; o < SIM_N_OUTCOMES; o++)
        loop_assert_msg(a->outcomes[o] == b->outcomes[o], "outcome %s: %llu != %llu",
                        sim_outcome_name((sim_outcome)o), (unsigned long long)a->outcomes[o],
                        (unsigned long long)b->outcomes[o]);
    ck_assert_uint_eq(a->answered, b->answered);
    ck_assert_double_eq_tol(a->latency_sum_ns, b->latency_sum_ns, 1e-6 * b->latency_sum_ns + 1);
}

static sim_counts ticks_sum(const sim_metrics *m, const sim_series *s)
{
    sim_counts k = { 0 };

    for (size_t t = 0; t < m->n_ticks; t++) {
        k.arrivals += s->ticks[t].counts.arrivals;
        for (int o = 0; o < SIM_N_OUTCOMES; o++)
            k.outcomes[o] += s->ticks[t].counts.outcomes[o];
        k.answered += s->ticks[t].counts.answered;
        k.latency_sum_ns += s->ticks[t].counts.latency_sum_ns;
    }
    return k;
}

START_TEST(collector_quantiles_cover_answers_and_edge_timeouts)
{
    sim_metrics m;

    ck_assert(sim_metrics_init(&m, 1, 1, T(1), MS(2500)));
    ck_assert_uint_eq(sim_metrics_run_ticks(&m), 3);
    ck_assert_int_eq(sim_metrics_tick_start(&m, 2), T(2));
    ck_assert_int_eq(sim_metrics_tick_end(&m, 2), MS(2500)); /* the last tick is short */
    sim_metrics_arrival(&m.services[0]);
    sim_metrics_arrival(&m.services[0]);
    sim_metrics_end(&m.services[0], SIM_OK, MS(10), false);
    sim_metrics_end(&m.services[0], SIM_SHED, 0, false);
    sim_metrics_arrival(&m.edges[0]);
    sim_metrics_arrival(&m.edges[0]);
    sim_metrics_end(&m.edges[0], SIM_OK, MS(10), true);
    sim_metrics_end(&m.edges[0], SIM_TIMEOUT, MS(300), true);
    sim_metrics_close_tick(&m);
    ck_assert_uint_eq(m.n_ticks, 1);
    /* The shed request waited for nothing: the service's quantiles are 10 ms. */
    ck_assert_int_eq(m.services[0].ticks[0].p99_ns, MS(10));
    ck_assert_uint_eq(m.services[0].latency.count, 1);
    /* The caller waited 300 ms for the timed-out call. */
    ck_assert_int_eq(m.edges[0].ticks[0].p50_ns, MS(10));
    ck_assert_int_eq(m.edges[0].ticks[0].p99_ns, MS(300));
    ck_assert_uint_eq(m.edges[0].total.outcomes[SIM_TIMEOUT], 1);
    ck_assert_uint_eq(m.edges[0].total.answered, 1);
    /* An empty tick has zero quantiles; the open tick starts empty. */
    sim_metrics_close_tick(&m);
    ck_assert_int_eq(m.edges[0].ticks[1].p99_ns, 0);
    ck_assert_uint_eq(m.edges[0].ticks[1].counts.arrivals, 0);
    ck_assert_uint_eq(m.edges[0].total.arrivals, 2);
    /* Past the expected ticks the series grow. */
    for (int i = 0; i < 5; i++)
        sim_metrics_close_tick(&m);
    ck_assert_uint_eq(m.n_ticks, 7);
    ck_assert(!m.oom);
    sim_metrics_cleanup(&m);
}
END_TEST

START_TEST(ticks_add_up_to_the_run_totals)
{
    city_fixture f;
    const sim_metrics *m;
    sim_city *c;

    fixture_init(&f, 3, 200, MS(10500));
    f.load.shape = SIM_SHAPE_POISSON;
    f.services[1].latency = sim_dist_exponential(4e6);
    f.services[1].error_rate = 0.1;
    f.services[2].concurrency = 1;
    f.services[2].queue = 2;
    f.services[2].latency = sim_dist_exponential(4e6);
    add_call(&f, 0, 1, false)->timeout_ns = MS(8);
    add_call(&f, 0, 2, true);
    c = run(&f.sc, 5, false);
    m = sim_city_metrics(c);
    ck_assert_uint_eq(m->n_ticks, 11);
    for (uint32_t s = 0; s < 3; s++) {
        sim_counts k = ticks_sum(m, &m->services[s]);

        counts_equal(&k, &m->services[s].total);
        counts_equal(&k, &sim_city_service(c, s)->total);
        ck_assert_uint_eq(m->services[s].latency.count, k.answered);
    }
    for (uint32_t e = 0; e < 2; e++) {
        sim_counts k = ticks_sum(m, &m->edges[e]);

        counts_equal(&k, &sim_city_edge(c, e)->total);
        ck_assert_uint_eq(m->edges[e].latency.count, k.answered + k.outcomes[SIM_TIMEOUT]);
    }
    /* The mix is rich enough that every cause shows up. */
    ck_assert_uint_gt(m->edges[0].total.outcomes[SIM_TIMEOUT], 10);
    ck_assert_uint_gt(m->edges[0].total.outcomes[SIM_ERROR], 10);
    ck_assert_uint_gt(m->edges[1].total.outcomes[SIM_SHED], 10);
    sim_city_free(c);
}
END_TEST

START_TEST(tick_gauges_and_quantiles_follow_a_slowdown)
{
    city_fixture f;
    const sim_metrics *m;
    const sim_tick *t;
    sim_city *c;

    fixture_init(&f, 1, 100, T(10));
    f.services[0].latency = sim_dist_constant(1e7); /* 10 ms */
    add_fault(&f, SIM_FAULT_SLOWDOWN, 0, T(5), T(3))->factor = 3;
    c = run(&f.sc, 1, false);
    m = sim_city_metrics(c);
    ck_assert_uint_eq(m->n_ticks, 10);
    for (size_t k = 1; k < 10; k++) {
        t = &m->services[0].ticks[k];
        loop_assert_msg(t->counts.arrivals == 100, "tick %zu: %llu arrivals", k,
                        (unsigned long long)t->counts.arrivals);
        if (k >= 6 && k <= 7) { /* fully inside the slowdown: L = 100/s x 30 ms */
            loop_assert(t->p50_ns == MS(30) && t->p99_ns == MS(30));
            loop_assert(fabs(t->inflight - 3.0) < 1e-9 && fabs(t->busy - 3.0) < 1e-9);
        } else if (k <= 4 || k == 9) {
            loop_assert(t->p50_ns == MS(10) && t->p999_ns == MS(10));
            loop_assert(fabs(t->inflight - 1.0) < 1e-9);
        }
        loop_assert(fabs(t->queued) < 1e-9); /* 16 workers: nobody waits */
    }
    sim_city_free(c);
}
END_TEST

START_TEST(breaker_states_and_transitions_per_tick_and_in_the_log)
{
    city_fixture f;
    const sim_metrics *m;
    const sim_series *e;
    uint64_t transitions = 0, logged = 0, max_open = 0;
    sim_city *c;

    fixture_init(&f, 2, 100, T(60));
    f.profile.cfg.window_size = 20;
    f.profile.cfg.min_calls = 10;
    f.profile.cfg.open_wait_ns = T(2);
    add_call(&f, 0, 1, false)->profile = 0;
    add_fault(&f, SIM_FAULT_CRASH, 1, T(10), T(20));
    c = run(&f.sc, 1, false);
    m = sim_city_metrics(c);
    e = &m->edges[0];
    ck_assert_uint_eq(m->edge_breakers[0], 1);
    for (size_t k = 0; k < m->n_ticks; k++) {
        transitions += e->ticks[k].transitions;
        if (k < 10 || k >= 35)
            loop_assert_msg(e->ticks[k].open == 0 && e->ticks[k].half_open == 0 &&
                                e->ticks[k].transitions == 0,
                            "tick %zu", k);
        if (e->ticks[k].open > max_open)
            max_open = e->ticks[k].open;
    }
    ck_assert_uint_eq(max_open, 1);
    ck_assert_uint_gt(e->ticks[10].transitions, 0); /* it trips within the first second */
    ck_assert_uint_eq(e->ticks[10].open, 1);
    /* The log: fault start and end at their instants, transitions in time order. */
    ck_assert_uint_ge(m->n_log, 2);
    ck_assert_int_eq(m->log[0].kind, SIM_LOG_FAULT_START);
    ck_assert_int_eq(m->log[0].at_ns, T(10));
    ck_assert_int_eq(m->log[1].kind, SIM_LOG_TRANSITION);
    ck_assert_int_eq(m->log[1].from, FB_STATE_CLOSED);
    ck_assert_int_eq(m->log[1].to, FB_STATE_OPEN);
    ck_assert_int_eq(m->log[1].reason, FB_REASON_FAILURE_RATE);
    ck_assert_int_lt(m->log[1].at_ns, T(11));
    ck_assert_uint_eq(m->log[1].window.failures, 10); /* min_calls failures, all refused */
    ck_assert_int_eq(m->log[1].until_ns, m->log[1].at_ns + T(2));
    for (size_t i = 0; i < m->n_log; i++) {
        logged += m->log[i].kind == SIM_LOG_TRANSITION;
        if (i > 0)
            loop_assert(m->log[i].at_ns >= m->log[i - 1].at_ns);
        if (m->log[i].kind == SIM_LOG_FAULT_END)
            loop_assert(m->log[i].at_ns == T(30) && m->log[i].index == 0);
    }
    ck_assert_uint_eq(logged, transitions);
    /* closed->open, then (open->half-open, half-open->open) per re-open, and
     * open->half-open->closed at the end. */
    ck_assert_uint_eq(logged, 2 * sim_city_edge(c, 0)->breaker_opens + 1);
    sim_city_free(c);
}
END_TEST

/* Every tick and total of every series, field by field. */
static void assert_same_series(const sim_metrics *a, const sim_metrics *b)
{
    ck_assert_uint_eq(a->n_ticks, b->n_ticks);
    for (size_t x = 0; x < a->n_services + a->n_edges; x++) {
        const sim_series *sa = x < a->n_services ? &a->services[x] : &a->edges[x - a->n_services];
        const sim_series *sb = x < a->n_services ? &b->services[x] : &b->edges[x - a->n_services];

        loop_assert(memcmp(&sa->total, &sb->total, sizeof(sa->total)) == 0);
        for (size_t k = 0; k < a->n_ticks; k++) {
            const sim_tick *ta = &sa->ticks[k], *tb = &sb->ticks[k];

            loop_assert_msg(memcmp(&ta->counts, &tb->counts, sizeof(ta->counts)) == 0 &&
                                ta->p50_ns == tb->p50_ns && ta->p90_ns == tb->p90_ns &&
                                ta->p99_ns == tb->p99_ns && ta->p999_ns == tb->p999_ns &&
                                ta->inflight == tb->inflight && ta->queued == tb->queued &&
                                ta->busy == tb->busy && ta->transitions == tb->transitions &&
                                ta->open == tb->open && ta->half_open == tb->half_open,
                            "series %zu, tick %zu", x, k);
        }
    }
}

/* The log without the shadows' would-trips is the log of a run without them. */
static void assert_same_log(const sim_metrics *plain, const sim_metrics *shadowed)
{
    size_t j = 0;

    for (size_t i = 0; i < shadowed->n_log; i++) {
        const sim_log_entry *e = &shadowed->log[i];

        if (e->kind == SIM_LOG_WOULD_TRIP)
            continue;
        loop_assert_msg(j < plain->n_log && e->kind == plain->log[j].kind &&
                            e->index == plain->log[j].index && e->at_ns == plain->log[j].at_ns,
                        "log line %zu", j);
        j++;
    }
    ck_assert_uint_eq(j, plain->n_log);
}

static sim_city *run_shadowed(const sim_scenario *sc, bool no_breakers, const sim_shadow *sh,
                              uint32_t n)
{
    sim_run_options o = { .seed = 3, .seed_set = true, .no_breakers = no_breakers,
                          .shadows = sh, .n_shadows = n };
    sim_city *c = sim_city_new(sc, &o);

    ck_assert_ptr_nonnull(c);
    ck_assert(sim_city_run(c));
    return c;
}

/* firebreak sweep --shadow's premise: a METRICS_ONLY copy of the edge's own
 * profile, fed the unprotected traffic of a run without breakers, would-trips
 * first exactly when (and where, and why) the real breaker opens first in a
 * run with breakers: the traffic is the same up to that instant. And shadows
 * change nothing: the series are the same with and without them. */
START_TEST(shadow_of_the_real_profile_would_trip_when_the_real_breaker_opens)
{
    city_fixture f;
    sim_shadow sh[2];
    sim_city *real, *real_sh, *bare, *bare_sh;
    const sim_log_entry *open = NULL, *would = NULL;
    uint64_t other = 0;

    fixture_init(&f, 2, 200, T(40));
    f.load.shape = SIM_SHAPE_POISSON;
    f.services[0].replicas = 2; /* two caller instances: two breakers */
    f.services[1].error_rate = 0.1;
    f.profile.cfg.window_size = 20;
    f.profile.cfg.min_calls = 20;
    f.profile.cfg.failure_rate_threshold = 40;
    f.profile.cfg.open_wait_ns = T(2);
    add_call(&f, 0, 1, false)->profile = 0;
    add_fault(&f, SIM_FAULT_CRASH, 1, T(20), T(10));
    sh[0] = (sim_shadow){ .profile = 0, .cfg = f.profile.cfg };
    sh[1] = sh[0];
    sh[1].cfg.failure_rate_threshold = 95;
    real = run_shadowed(&f.sc, false, NULL, 0);
    real_sh = run_shadowed(&f.sc, false, sh, 2);
    bare = run_shadowed(&f.sc, true, NULL, 0);
    bare_sh = run_shadowed(&f.sc, true, sh, 2);
    assert_same_series(sim_city_metrics(real), sim_city_metrics(real_sh));
    assert_same_series(sim_city_metrics(bare), sim_city_metrics(bare_sh));
    assert_same_log(sim_city_metrics(real), sim_city_metrics(real_sh));
    assert_same_log(sim_city_metrics(bare), sim_city_metrics(bare_sh));
    for (size_t i = 0; i < sim_city_metrics(real)->n_log && !open; i++) {
        const sim_log_entry *e = &sim_city_metrics(real)->log[i];

        if (e->kind == SIM_LOG_TRANSITION && e->to == FB_STATE_OPEN)
            open = e;
    }
    for (size_t i = 0; i < sim_city_metrics(bare_sh)->n_log; i++) {
        const sim_log_entry *e = &sim_city_metrics(bare_sh)->log[i];

        ck_assert_int_ne(e->kind, SIM_LOG_TRANSITION); /* no breakers */
        if (e->kind == SIM_LOG_WOULD_TRIP && e->target == 0 && !would)
            would = e;
        if (e->kind == SIM_LOG_WOULD_TRIP && e->target == 1)
            other++;
    }
    ck_assert_ptr_nonnull(open);
    ck_assert_ptr_nonnull(would);
    ck_assert_int_eq(would->at_ns, open->at_ns);
    ck_assert_uint_eq(would->index, open->index);
    ck_assert_uint_eq(would->instance, open->instance);
    ck_assert_int_eq(would->reason, open->reason);
    ck_assert_uint_eq(would->window.calls, open->window.calls);
    ck_assert_uint_eq(would->window.failures, open->window.failures);
    ck_assert_int_eq(would->from, FB_STATE_METRICS_ONLY);
    /* 95 % of 20 calls fail only in the crash: it would trip then, and often. */
    ck_assert_uint_gt(other, 10);
    for (size_t i = 0; i < sim_city_metrics(bare_sh)->n_log; i++) {
        const sim_log_entry *e = &sim_city_metrics(bare_sh)->log[i];

        if (e->kind == SIM_LOG_WOULD_TRIP && e->target == 1)
            loop_assert(e->at_ns >= T(20) && e->at_ns <= T(30) + MS(200));
    }
    sim_city_free(real);
    sim_city_free(real_sh);
    sim_city_free(bare);
    sim_city_free(bare_sh);
}
END_TEST

START_TEST(series_grow_with_ticks_not_with_requests)
{
    city_fixture f;
    sim_city *a, *b;

    fixture_init(&f, 1, 100, T(20));
    a = run(&f.sc, 1, false);
    f.load.rate = 5000;
    b = run(&f.sc, 1, false);
    ck_assert_uint_eq(sim_city_service(b, 0)->total.arrivals, 100000);
    ck_assert_uint_eq(sim_city_metrics(a)->cap_ticks, 20);
    ck_assert_uint_eq(sim_city_metrics(b)->cap_ticks, 20);
    ck_assert_uint_eq(sim_city_metrics(b)->n_log, 0);
    sim_city_free(a);
    sim_city_free(b);
    /* 5000 one-second ticks are too many: the tick widens to 2 s. */
    f.load.rate = 1;
    f.sc.duration_ns = T(5000);
    a = run(&f.sc, 1, false);
    ck_assert_int_eq(sim_city_metrics(a)->tick_ns, T(2));
    ck_assert_uint_eq(sim_city_metrics(a)->n_ticks, 2500);
    ck_assert_uint_eq(sim_city_metrics(a)->services[0].ticks[2499].counts.arrivals, 2);
    sim_city_free(a);
}
END_TEST

Suite *city_suite(void)
{
    Suite *s = suite_create("city");
    TCase *theory = tcase_create("theory");
    TCase *tc = tcase_create("mechanisms");
    TCase *metrics = tcase_create("metrics");

    tcase_set_timeout(theory, 120);
    tcase_add_test(theory, mm1_mean_wait_and_time_in_system_match_theory);
    tcase_add_test(theory, mmc_matches_erlang_c);
    tcase_add_test(theory, md1_mean_wait_matches_pollaczek_khinchine);
    tcase_add_test(theory, littles_law_holds_at_every_service);
    suite_add_tcase(s, theory);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, same_seed_same_figures_other_seed_other_figures);
    tcase_add_test(tc, parallel_step_waits_for_its_slowest_call);
    tcase_add_test(tc, timeout_ends_the_wait_but_the_callee_keeps_working);
    tcase_add_test(tc, breaker_opens_on_a_crash_and_rejects_until_it_ends);
    tcase_add_test(tc, hang_is_ended_only_by_the_timeout);
    tcase_add_test(tc, partition_drops_calls_on_the_edge);
    tcase_add_test(tc, full_queue_sheds_and_queue_timeout_sheds);
    tcase_add_test(tc, errors_slowdown_latency_and_brownout_faults_act_in_their_window);
    tcase_add_test(tc, flapping_refuses_only_in_its_on_phases);
    tcase_add_test(tc, round_robin_and_least_outstanding_spread_the_load);
    tcase_add_test(tc, call_probability_skips_calls);
    suite_add_tcase(s, tc);
    tcase_add_test(metrics, collector_quantiles_cover_answers_and_edge_timeouts);
    tcase_add_test(metrics, ticks_add_up_to_the_run_totals);
    tcase_add_test(metrics, tick_gauges_and_quantiles_follow_a_slowdown);
    tcase_add_test(metrics, breaker_states_and_transitions_per_tick_and_in_the_log);
    tcase_add_test(metrics, series_grow_with_ticks_not_with_requests);
    tcase_add_test(metrics, shadow_of_the_real_profile_would_trip_when_the_real_breaker_opens);
    tcase_set_timeout(metrics, 30);
    suite_add_tcase(s, metrics);
    return s;
}
