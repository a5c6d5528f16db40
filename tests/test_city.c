/* test_city.c — suite "city": the model against queueing theory, and each
 * mechanism (timeouts, breakers, faults, queues, parallel steps) on a small
 * city built in code, so these tests do not depend on the scenario loader. */
#include <math.h>
#include <string.h>

#include "city.h"
#include "tests.h"

#define MAX_SVC 4

/* A small city: services[0] is the entry; calls are added with add_call. */
typedef struct city_fixture {
    sim_scenario sc;
    sim_service services[MAX_SVC];
    sim_step steps[8];
    sim_call calls[8];
    sim_load load;
    sim_fault faults[2];
    sim_profile profile;
} city_fixture;

static void fixture_init(city_fixture *f, int n_services, double rate, int64_t duration_ns)
{
    static const char *names[MAX_SVC] = { "gateway", "a", "b", "c" };

    memset(f, 0, sizeof(*f));
    for (int i = 0; i < n_services; i++) {
        sim_service *s = &f->services[i];

        s->name = (char *)names[i];
        s->replicas = 1;
        s->concurrency = 16;
        s->queue = 64;
        s->latency = sim_dist_constant(1e6); /* 1 ms */
    }
    f->load = (sim_load){ .entry = 0, .rate = rate, .shape = SIM_SHAPE_CONSTANT };
    f->profile.name = "default";
    fb_config_init(&f->profile.cfg);
    f->sc = (sim_scenario){ .name = "test", .seed = 7, .duration_ns = duration_ns,
                            .tick_ns = T(1), .services = f->services,
                            .n_services = (size_t)n_services, .steps = f->steps,
                            .calls = f->calls, .loads = &f->load, .n_loads = 1,
                            .faults = f->faults, .profiles = &f->profile, .n_profiles = 1 };
}

/* Give service 'from' one more step: a call to 'to' (or, with 'parallel', add
 * the call to its last step). Steps and calls of a service must be added
 * together, service by service. */
static sim_call *add_call(city_fixture *f, uint32_t from, uint32_t to, bool parallel)
{
    sim_service *s = &f->services[from];
    sim_call *c = &f->calls[f->sc.n_calls];

    *c = (sim_call){ .from = from, .to = to, .probability = 1, .profile = SIM_NONE };
    if (parallel && s->n_steps > 0) {
        f->steps[f->sc.n_steps - 1].n_calls++;
        f->steps[f->sc.n_steps - 1].parallel = true;
    } else {
        if (s->n_steps == 0)
            s->first_step = (uint32_t)f->sc.n_steps;
        f->steps[f->sc.n_steps++] = (sim_step){ .first_call = (uint32_t)f->sc.n_calls,
                                                .n_calls = 1 };
        s->n_steps++;
    }
    f->sc.n_calls++;
    return c;
}

static sim_fault *add_fault(city_fixture *f, sim_fault_kind kind, uint32_t service, int64_t start,
                            int64_t duration)
{
    sim_fault *x = &f->faults[f->sc.n_faults++];

    *x = (sim_fault){ .kind = kind, .target = SIM_TARGET_SERVICE, .service = service,
                      .start_ns = start, .duration_ns = duration, .fraction = 1, .factor = 1 };
    return x;
}

static sim_city *run(const sim_scenario *sc, uint64_t seed, bool no_breakers)
{
    sim_run_options o = { .seed = seed, .seed_set = true, .no_breakers = no_breakers };
    sim_city *c = sim_city_new(sc, &o);

    ck_assert_ptr_nonnull(c);
    ck_assert(sim_city_run(c));
    return c;
}

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

Suite *city_suite(void)
{
    Suite *s = suite_create("city");
    TCase *theory = tcase_create("theory");
    TCase *tc = tcase_create("mechanisms");

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
    return s;
}
