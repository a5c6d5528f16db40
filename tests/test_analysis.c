/* test_analysis.c — suite "analysis": each metric of docs/metrics.md on small
 * hand-made series whose right answer is known. */
#include <math.h>
#include <string.h>

#include "analysis.h"
#include "tests.h"

#define N_TICKS 20

/* gateway -> a -> b, 100 requests a tick at each, all ok unless a test says
 * otherwise; a crash on b from 5 s to 10 s. */
typedef struct fixture {
    sim_scenario sc;
    sim_service services[3];
    sim_step steps[2];
    sim_call calls[2];
    sim_load load;
    sim_fault faults[2];
    sim_metrics m;
    sim_tick t[3][N_TICKS]; /* services */
    sim_tick e[2][N_TICKS]; /* edges */
    sim_log_entry log[8];
    size_t n_log;
    report_run run;
    report_analysis a;
} fixture;

static void fixture_init(fixture *f)
{
    static const char *names[3] = { "gateway", "a", "b" };

    memset(f, 0, sizeof(*f));
    for (int s = 0; s < 3; s++) {
        f->services[s] = (sim_service){ .name = (char *)names[s], .replicas = 1,
                                        .slo = { .error_ratio = 0.01, .p99_ns = T(1) } };
        for (int k = 0; k < N_TICKS; k++) {
            f->t[s][k].counts.arrivals = 100;
            f->t[s][k].counts.outcomes[SIM_OK] = 100;
            f->t[s][k].counts.good = 100;
            f->t[s][k].p99_ns = MS(10);
        }
    }
    for (int c = 0; c < 2; c++) {
        f->calls[c] = (sim_call){ .from = (uint32_t)c, .to = (uint32_t)c + 1, .probability = 1,
                                  .profile = 0 };
        f->steps[c] = (sim_step){ .first_call = (uint32_t)c, .n_calls = 1 };
        f->services[c].first_step = (uint32_t)c;
        f->services[c].n_steps = 1;
        for (int k = 0; k < N_TICKS; k++) {
            f->e[c][k].counts.arrivals = f->e[c][k].counts.calls = 100;
            f->e[c][k].counts.outcomes[SIM_OK] = 100;
        }
    }
    f->load = (sim_load){ .entry = 0, .rate = 100 };
    f->faults[0] = (sim_fault){ .kind = SIM_FAULT_CRASH, .service = 2, .start_ns = T(5),
                                .duration_ns = T(5), .label = "b down" };
    f->sc = (sim_scenario){ .name = "hand-made", .duration_ns = T(N_TICKS), .tick_ns = T(1),
                            .services = f->services, .n_services = 3, .steps = f->steps,
                            .n_steps = 2, .calls = f->calls, .n_calls = 2, .loads = &f->load,
                            .n_loads = 1, .faults = f->faults, .n_faults = 1 };
}

/* Some ticks of service s fail: 'failed' of the 100 are errors. */
static void fail_ticks(fixture *f, int s, int from, int to, uint64_t failed)
{
    for (int k = from; k < to; k++) {
        f->t[s][k].counts.outcomes[SIM_OK] = 100 - failed;
        f->t[s][k].counts.outcomes[SIM_ERROR] = failed;
        f->t[s][k].counts.good = 100 - failed;
    }
}

static void open_breaker(fixture *f, int edge, int from, int to)
{
    for (int k = from; k < to; k++)
        f->e[edge][k].open = 1;
}

static void log_trip(fixture *f, uint32_t edge, int64_t at_ns)
{
    f->log[f->n_log++] = (sim_log_entry){ .kind = SIM_LOG_TRANSITION, .index = edge,
                                          .at_ns = at_ns, .from = FB_STATE_CLOSED,
                                          .to = FB_STATE_OPEN };
}

/* Feed the ticks to a collector and analyse. */
static const report_analysis *analyze(fixture *f)
{
    ck_assert(sim_metrics_init(&f->m, 3, 2, T(1), T(N_TICKS)));
    for (int k = 0; k < N_TICKS; k++) {
        for (int s = 0; s < 3; s++)
            f->m.services[s].cur = f->t[s][k];
        for (int e = 0; e < 2; e++)
            f->m.edges[e].cur = f->e[e][k];
        sim_metrics_close_tick(&f->m);
    }
    for (size_t i = 0; i < f->n_log; i++)
        sim_metrics_log(&f->m, &f->log[i]);
    f->run = (report_run){ .sc = &f->sc, .m = &f->m, .seed = 1, .duration_ns = T(N_TICKS) };
    ck_assert(report_analyze(&f->run, &f->a));
    return &f->a;
}

static void fixture_free(fixture *f)
{
    report_analysis_free(&f->a);
    sim_metrics_cleanup(&f->m);
}

START_TEST(a_healthy_tick_keeps_both_the_error_ratio_and_the_p99)
{
    fixture f;
    const report_analysis *a;

    fixture_init(&f);
    fail_ticks(&f, 0, 1, 2, 1);               /* 1 %: within the SLO */
    fail_ticks(&f, 0, 2, 3, 2);               /* 2 %: not */
    f.t[0][3].p99_ns = T(1);            /* at the SLO latency: healthy */
    f.t[0][4].p99_ns = T(1) + 1;        /* above it: not */
    memset(&f.t[0][6], 0, sizeof(f.t[0][6])); /* nothing ended: healthy */
    f.t[0][7].counts.outcomes[SIM_OK] = 0; /* degraded answers are served */
    f.t[0][7].counts.outcomes[SIM_DEGRADED] = 100;
    f.t[0][7].counts.good = 0;
    f.faults[0].start_ns = T(30);       /* no fault in the run */
    a = analyze(&f);
    ck_assert(report_healthy(a, 0, 1));
    ck_assert(!report_healthy(a, 0, 2));
    ck_assert(report_healthy(a, 0, 3));
    ck_assert(!report_healthy(a, 0, 4));
    ck_assert(report_healthy(a, 0, 6));
    ck_assert(report_healthy(a, 0, 7));
    /* 2000 requests less the empty tick: 1900; 100 degraded, 3 errors. */
    ck_assert_uint_eq(a->entry_requests, 1900);
    ck_assert_double_eq_tol(a->availability, (1900.0 - 100 - 3) / 1900, 1e-12);
    ck_assert_double_eq_tol(a->availability_served, (1900.0 - 3) / 1900, 1e-12);
    ck_assert_double_eq_tol(a->goodput_rps, (1900.0 - 100 - 3) / 20, 1e-9);
    ck_assert_double_eq_tol(a->retry_amplification, 1.0, 1e-12);
    fixture_free(&f);
}
END_TEST

START_TEST(a_cascade_two_hops_up_recovers_a_second_after_the_fault)
{
    fixture f;
    const report_fault_analysis *x;

    fixture_init(&f);
    fail_ticks(&f, 2, 5, 10, 100);  /* b, the target, fails during the fault */
    fail_ticks(&f, 1, 5, 11, 50);   /* a, its caller, one tick longer */
    fail_ticks(&f, 0, 5, 8, 50);    /* gateway, two hops away, three ticks */
    open_breaker(&f, 1, 5, 10);
    log_trip(&f, 1, MS(5300));
    for (int k = 5; k < 7; k++) { /* the first two ticks reach b and fail */
        f.e[1][k].counts.outcomes[SIM_OK] = 0;
        f.e[1][k].counts.outcomes[SIM_REFUSED] = 100;
    }
    for (int k = 7; k < 10; k++) {
        f.e[1][k].counts.outcomes[SIM_OK] = 0;
        f.e[1][k].counts.outcomes[SIM_REJECTED] = 100;
    }
    x = &analyze(&f)->faults[0];
    ck_assert_int_eq(x->target, 2);
    ck_assert_int_eq(x->detect_ns, MS(300));
    /* a fails through tick 10: every service is healthy from tick 11 on. */
    ck_assert_int_eq(x->recover_ns, T(1));
    ck_assert_int_eq(x->window_end_ns, T(11));
    ck_assert_uint_eq(x->blast_radius, 2);
    ck_assert(x->blast[0] && x->blast[1] && !x->blast[2]);
    ck_assert_uint_eq(x->cascade_depth, 2);
    ck_assert(!x->contained);
    ck_assert_uint_eq(x->wasted_calls, 200); /* refused; the rejections were saved */
    /* Entry: 3 ticks x 50 failed in the window [5, 11); budget 1 % of 2000. */
    ck_assert_uint_eq(x->entry_requests, 600);
    ck_assert_uint_eq(x->entry_failed, 150);
    ck_assert_double_eq_tol(x->budget_burned, 150 / 20.0, 1e-12);
    ck_assert_uint_eq(f.a.breaker_opens, 1);
    ck_assert_uint_eq(f.a.false_trips, 0);
    fixture_free(&f);
}
END_TEST

START_TEST(contained_when_only_slow_direct_callers_suffer)
{
    fixture f;
    const report_fault_analysis *x;

    fixture_init(&f);
    fail_ticks(&f, 2, 5, 10, 100);
    for (int k = 5; k < 10; k++)
        f.t[1][k].p99_ns = T(2); /* a is slow, but answers */
    fail_ticks(&f, 0, 6, 8, 50);      /* gateway: two bad ticks, below the blast's three */
    x = &analyze(&f)->faults[0];
    ck_assert_uint_eq(x->blast_radius, 1);
    ck_assert(x->blast[1]);
    ck_assert_uint_eq(x->cascade_depth, 1);
    ck_assert(x->contained);
    ck_assert_int_eq(x->detect_ns, -1); /* no breaker opened */
    ck_assert_int_eq(x->recover_ns, 0); /* healthy from the tick of the end */
    /* Now a loses served availability: not contained, although in the blast
     * only a direct caller. */
    fail_ticks(&f, 1, 5, 6, 6); /* 6 of the window's 500: above 1 % */
    fixture_free(&f);
    x = &analyze(&f)->faults[0];
    ck_assert(!x->contained);
    fixture_free(&f);
}
END_TEST

START_TEST(not_recovered_before_the_next_fault)
{
    fixture f;
    const report_fault_analysis *x, *y;

    fixture_init(&f);
    f.faults[1] = (sim_fault){ .kind = SIM_FAULT_CRASH, .service = 1, .start_ns = T(14),
                               .duration_ns = T(2) };
    f.sc.n_faults = 2;
    fail_ticks(&f, 2, 5, 14, 100); /* b stays down until the next fault starts */
    fail_ticks(&f, 1, 14, 16, 100);
    x = &analyze(&f)->faults[0];
    y = &f.a.faults[1];
    ck_assert_int_eq(x->horizon_ns, T(14));
    ck_assert_int_eq(x->recover_ns, -1);
    ck_assert_int_eq(x->window_end_ns, T(14));
    ck_assert_int_eq(y->horizon_ns, T(N_TICKS));
    ck_assert_int_eq(y->recover_ns, 0);
    /* A breaker still open at the end: never recovered. */
    open_breaker(&f, 0, 16, N_TICKS);
    fixture_free(&f);
    ck_assert_int_eq(analyze(&f)->faults[1].recover_ns, -1);
    fixture_free(&f);
}
END_TEST

START_TEST(an_opening_is_false_only_when_its_target_was_well)
{
    fixture f;
    const report_analysis *a;

    fixture_init(&f);
    fail_ticks(&f, 2, 5, 10, 100);
    log_trip(&f, 1, MS(5500));  /* b under its fault: true */
    fail_ticks(&f, 1, 12, 13, 50);
    log_trip(&f, 0, MS(12500)); /* a unhealthy (a cascade or its own trouble): true */
    log_trip(&f, 0, MS(13200)); /* a unhealthy in the tick before: true */
    log_trip(&f, 0, MS(17100)); /* a healthy, no fault on it: false */
    f.log[f.n_log] = f.log[f.n_log - 1];
    f.log[f.n_log].from = FB_STATE_HALF_OPEN; /* a re-opening: not counted again */
    f.n_log++;
    a = analyze(&f);
    ck_assert_uint_eq(a->breaker_opens, 4);
    ck_assert_uint_eq(a->false_trips, 1);
    fixture_free(&f);
}
END_TEST

Suite *analysis_suite(void)
{
    Suite *s = suite_create("analysis");
    TCase *tc = tcase_create("metrics");

    tcase_add_test(tc, a_healthy_tick_keeps_both_the_error_ratio_and_the_p99);
    tcase_add_test(tc, a_cascade_two_hops_up_recovers_a_second_after_the_fault);
    tcase_add_test(tc, contained_when_only_slow_direct_callers_suffer);
    tcase_add_test(tc, not_recovered_before_the_next_fault);
    tcase_add_test(tc, an_opening_is_false_only_when_its_target_was_well);
    suite_add_tcase(s, tc);
    return s;
}
