/* test_dist.c — suite "dist": each distribution's exact mean and quantiles,
 * and 10^6 fixed-seed draws that must agree with them within 1 %.
 *
 * Expected figures are hard-coded from closed forms evaluated independently
 * (Python's math and statistics.NormalDist), never from the code under test.
 * With 10^6 draws the sample mean and quantiles used here have a standard
 * error of 0.1-0.35 %, so 1 % is three standard errors or more; the seeds are
 * fixed, so a pass is stable and a failure means the sampler changed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "dist.h"

enum { DRAWS = 1000000 };

#define MS_F(x) ((double)(x) * 1e6) /* milliseconds as double nanoseconds */

static void assert_rel(double got, double want, double rel, const char *what)
{
    ck_assert_msg(fabs(got - want) <= rel * fabs(want), "%s: got %.10g, want %.10g (within %g %%)",
                  what, got, want, rel * 100);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* DRAWS draws on the named stream, sorted; every one finite and >= 0. The
 * caller frees the array. */
static double *draw_sorted(const sim_dist *d, const char *stream, double *mean)
{
    double *x = malloc(DRAWS * sizeof *x), sum = 0;
    sim_rng r;

    ck_assert_ptr_nonnull(x);
    sim_rng_init(&r, 2024, stream);
    for (int i = 0; i < DRAWS; i++) {
        x[i] = sim_dist_sample(d, &r);
        loop_assert_msg(isfinite(x[i]) && x[i] >= 0, "%s: draw %d is %g", stream, i, x[i]);
        sum += x[i];
    }
    qsort(x, DRAWS, sizeof *x, cmp_double);
    *mean = sum / DRAWS;
    return x;
}

static double sorted_quantile(const double *sorted, double q)
{
    return sorted[(size_t)(q * (DRAWS - 1) + 0.5)];
}

/* The exact mean and two quantiles must match the closed forms to 1e-9, and
 * the sample's to 1 %. */
static void expect_fit(const sim_dist *d, const char *stream, double mean, double q1, double x1,
                       double q2, double x2)
{
    double sample_mean, *sorted;
    char what[96];

    assert_rel(sim_dist_mean(d), mean, 1e-9, "exact mean");
    assert_rel(sim_dist_quantile(d, q1), x1, 1e-9, "exact first quantile");
    assert_rel(sim_dist_quantile(d, q2), x2, 1e-9, "exact second quantile");
    sorted = draw_sorted(d, stream, &sample_mean);
    snprintf(what, sizeof what, "%s: sample mean", stream);
    assert_rel(sample_mean, mean, 0.01, what);
    snprintf(what, sizeof what, "%s: sample p%g", stream, q1 * 100);
    assert_rel(sorted_quantile(sorted, q1), x1, 0.01, what);
    snprintf(what, sizeof what, "%s: sample p%g", stream, q2 * 100);
    assert_rel(sorted_quantile(sorted, q2), x2, 0.01, what);
    free(sorted);
}

/* ---- sampling against the exact figures ----------------------------------- */

START_TEST(uniform_samples_match_mean_and_quantiles)
{
    sim_dist d = sim_dist_uniform(10, 30);

    expect_fit(&d, "dist/uniform", 20, 0.5, 20, 0.9, 28);
}
END_TEST

START_TEST(exponential_samples_match_mean_and_quantiles)
{
    sim_dist d = sim_dist_exponential(MS_F(5));

    expect_fit(&d, "dist/exponential", MS_F(5), 0.5, 3465735.9027997265, 0.99,
               23025850.92994046);
}
END_TEST

/* Five sd above zero the clamp moves the mean by 1e-6 only. */
START_TEST(normal_samples_match_mean_and_quantiles)
{
    sim_dist d = sim_dist_normal(100, 20);

    expect_fit(&d, "dist/normal", 100.00000106923312, 0.5, 100, 0.9, 125.63103131089201);
}
END_TEST

/* Half an sd above zero, 30.85 % of draws are clamped to 0: the exact mean
 * (13.956, not 10) and the low quantiles account for that. */
START_TEST(normal_near_zero_clamps_draws_and_exact_figures)
{
    sim_dist d = sim_dist_normal(10, 20);
    double mean, *sorted;
    size_t zeros = 0;

    expect_fit(&d, "dist/normal-clamped", 13.95593114802612, 0.5, 10, 0.9, 35.63103131089201);
    ck_assert(sim_dist_quantile(&d, 0.2) == 0);
    ck_assert(sim_dist_quantile(&d, 0.31) > 0);
    sorted = draw_sorted(&d, "dist/normal-clamped", &mean);
    while (zeros < DRAWS && sorted[zeros] == 0)
        zeros++;
    ck_assert_double_eq_tol((double)zeros / DRAWS, 0.3085375387259869, 0.002);
    free(sorted);
}
END_TEST

START_TEST(lognormal_from_p50_p99_samples_match)
{
    sim_dist d = sim_dist_lognormal_p50_p99(MS_F(50), MS_F(400));

    ck_assert_double_eq_tol(d.b, 0.8938652575927385, 1e-12);
    assert_rel(sim_dist_quantile(&d, 0.99), MS_F(400), 1e-12, "p99 round trip");
    expect_fit(&d, "dist/lognormal-p", 74553765.88273081, 0.5, MS_F(50), 0.99, MS_F(400));
}
END_TEST

START_TEST(lognormal_from_mean_sigma_samples_match)
{
    sim_dist d = sim_dist_lognormal_mean_sigma(MS_F(20), 0.5);

    expect_fit(&d, "dist/lognormal-m", MS_F(20), 0.5, 17649938.05169189, 0.9, 33498747.7094986);
}
END_TEST

/* Shape 3: the variance is finite (shape > 2), so the sample mean settles to
 * within 0.06 % at 10^6 draws; at shape <= 2 it would wander far beyond 1 %. */
START_TEST(pareto_samples_match_mean_and_quantiles)
{
    sim_dist d = sim_dist_pareto(MS_F(1), 3);

    expect_fit(&d, "dist/pareto", MS_F(1.5), 0.5, 1259921.0498948733, 0.99, 4641588.833612778);
}
END_TEST

/* Mean = sum of trapezoids: .5 * 10.5 + .4 * 50 + .09 * 190 + .01 * 650. */
START_TEST(empirical_samples_match_mean_and_quantiles)
{
    static const double pct[] = { 0, 50, 90, 99, 100 }, val[] = { 1, 20, 80, 300, 1000 };
    sim_dist d;

    ck_assert(sim_dist_empirical(&d, pct, val, 5));
    ck_assert_double_eq_tol(sim_dist_quantile(&d, 0.5), 20, 1e-12);
    expect_fit(&d, "dist/empirical", 48.85, 0.75, 57.5, 0.95, 202.22222222222223);
}
END_TEST

/* ---- exact figures and edge cases ----------------------------------------- */

START_TEST(constant_returns_its_value_without_drawing)
{
    sim_dist d = sim_dist_constant(MS_F(7));
    sim_rng r, before;

    sim_rng_init(&r, 1, "dist/constant");
    before = r;
    for (int i = 0; i < 100; i++)
        loop_assert(sim_dist_sample(&d, &r) == MS_F(7));
    ck_assert(memcmp(&r, &before, sizeof r) == 0);
    ck_assert(sim_dist_mean(&d) == MS_F(7));
    ck_assert(sim_dist_quantile(&d, 0.01) == MS_F(7));
    ck_assert(sim_dist_quantile(&d, 0.99) == MS_F(7));
}
END_TEST

START_TEST(uniform_stays_within_bounds)
{
    sim_dist d = sim_dist_uniform(MS_F(2), MS_F(3));
    double lo = INFINITY, hi = -INFINITY;
    sim_rng r;

    sim_rng_init(&r, 1, "dist/uniform-bounds");
    for (int i = 0; i < DRAWS; i++) {
        double x = sim_dist_sample(&d, &r);

        loop_assert(x >= MS_F(2) && x < MS_F(3));
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    ck_assert(lo < MS_F(2) + 100 && hi > MS_F(3) - 100); /* it does reach both ends */
}
END_TEST

/* [1, 1 + 2^-52) holds one double; a + (b - a) u rounds up to b for about half
 * of all u, and the sampler must still never return b. */
START_TEST(uniform_never_returns_its_upper_bound_after_rounding)
{
    sim_dist d = sim_dist_uniform(1.0, 1.0 + 0x1.0p-52);
    sim_rng r;

    sim_rng_init(&r, 1, "dist/uniform-rounding");
    for (int i = 0; i < 10000; i++)
        loop_assert(sim_dist_sample(&d, &r) == 1.0);
}
END_TEST

/* Reference values of the standard normal quantile (Wichura's AS241, via
 * Python's statistics.NormalDist), read through normal(100, 1). */
START_TEST(normal_quantile_matches_reference_values)
{
    static const struct {
        double p, z;
    } v[] = { { 0.5, 0.0 },
              { 0.9, 1.2815515655446008 },
              { 0.975, 1.9599639845400536 },
              { 0.99, 2.3263478740408408 },
              { 0.999, 3.090232306167813 },
              { 0.3, -0.5244005127080407 },
              { 0.02425, -1.9729610513118845 },
              { 1e-6, -4.753424308822899 },
              { 1 - 1e-10, 6.361340889697421 } };
    sim_dist d = sim_dist_normal(100, 1);

    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        ck_assert_msg(fabs(sim_dist_quantile(&d, v[i].p) - (100 + v[i].z)) < 1e-11,
                      "p = %g: got %.15g, want %.15g", v[i].p, sim_dist_quantile(&d, v[i].p) - 100,
                      v[i].z);
}
END_TEST

START_TEST(normal_entirely_below_zero_draws_only_zeros)
{
    sim_dist d = sim_dist_normal(-5, 1);
    sim_rng r;

    sim_rng_init(&r, 1, "dist/negative");
    for (int i = 0; i < 10000; i++)
        loop_assert(sim_dist_sample(&d, &r) == 0);
    ck_assert(sim_dist_quantile(&d, 0.99) == 0);
    assert_rel(sim_dist_mean(&d), 5.346165539417771e-08, 1e-6, "clamped mean");
}
END_TEST

START_TEST(pareto_mean_is_infinite_for_shape_up_to_one)
{
    sim_dist d1 = sim_dist_pareto(1, 1), d05 = sim_dist_pareto(1, 0.5);

    ck_assert(isinf(sim_dist_mean(&d1)) && sim_dist_mean(&d1) > 0);
    ck_assert(isinf(sim_dist_mean(&d05)));
    ck_assert_double_eq_tol(sim_dist_quantile(&d1, 0.5), 2, 1e-12);
}
END_TEST

START_TEST(quantile_outside_unit_interval_is_nan)
{
    sim_dist d = sim_dist_exponential(1);

    ck_assert(isnan(sim_dist_quantile(&d, -0.1)));
    ck_assert(isnan(sim_dist_quantile(&d, 1.1)));
    ck_assert(isnan(sim_dist_quantile(&d, NAN)));
    ck_assert(sim_dist_quantile(&d, 0) == 0);
    ck_assert(isinf(sim_dist_quantile(&d, 1)));
}
END_TEST

/* -ln(1 - q) is about q for tiny q; 1 - 1e-20 rounds to 1 and would give 0. */
START_TEST(exponential_quantile_keeps_precision_for_tiny_q)
{
    sim_dist d = sim_dist_exponential(MS_F(1));

    assert_rel(sim_dist_quantile(&d, 1e-20), MS_F(1) * 1e-20, 1e-12, "quantile(1e-20)");
}
END_TEST

/* The documented draw counts: 0 constant, 2 normal/lognormal, 1 otherwise. A
 * stream that drifts by a draw would silently shift every later value. */
START_TEST(each_sample_consumes_a_fixed_number_of_draws)
{
    static const double pct[] = { 10, 90 }, val[] = { 1, 2 };
    sim_dist d[7];
    const int draws[7] = { 0, 1, 1, 2, 2, 1, 1 };

    d[0] = sim_dist_constant(1);
    d[1] = sim_dist_uniform(1, 2);
    d[2] = sim_dist_exponential(1);
    d[3] = sim_dist_normal(0, 1); /* half the draws clamp: still two draws */
    d[4] = sim_dist_lognormal_mean_sigma(1, 1);
    d[5] = sim_dist_pareto(1, 2);
    ck_assert(sim_dist_empirical(&d[6], pct, val, 2));
    for (int k = 0; k < 7; k++) {
        sim_rng r, ref;

        sim_rng_init(&r, 9, "dist/draws");
        ref = r;
        for (int i = 0; i < 1000; i++)
            sim_dist_sample(&d[k], &r);
        for (int i = 0; i < 1000 * draws[k]; i++)
            sim_rng_next(&ref);
        ck_assert_msg(memcmp(&r, &ref, sizeof r) == 0, "kind %d", (int)d[k].kind);
    }
}
END_TEST

/* ---- empirical tables ----------------------------------------------------- */

START_TEST(empirical_extends_missing_ends_with_the_edge_values)
{
    static const double pct[] = { 50, 90 }, val[] = { 20, 80 };
    sim_dist d;

    ck_assert(sim_dist_empirical(&d, pct, val, 2));
    ck_assert_int_eq(d.kind, SIM_DIST_EMPIRICAL);
    ck_assert_uint_eq(d.n, 4);
    ck_assert(d.p[0] == 0 && d.p[1] == 0.5 && d.p[2] == 0.9 && d.p[3] == 1);
    ck_assert(d.v[0] == 20 && d.v[1] == 20 && d.v[2] == 80 && d.v[3] == 80);
    ck_assert_double_eq_tol(sim_dist_quantile(&d, 0.25), 20, 1e-12);
    ck_assert_double_eq_tol(sim_dist_quantile(&d, 0.7), 50, 1e-12);
    ck_assert_double_eq_tol(sim_dist_quantile(&d, 0.95), 80, 1e-12);
    ck_assert_double_eq_tol(sim_dist_mean(&d), 0.5 * 20 + 0.4 * 50 + 0.1 * 80, 1e-12);
}
END_TEST

START_TEST(empirical_keeps_given_ends_and_single_points)
{
    static const double ends[] = { 0, 100 }, ends_v[] = { 1, 9 };
    static const double one[] = { 50 }, one_v[] = { 4 };
    sim_dist d;
    sim_rng r;

    ck_assert(sim_dist_empirical(&d, ends, ends_v, 2));
    ck_assert_uint_eq(d.n, 2);
    ck_assert_double_eq_tol(sim_dist_quantile(&d, 0.5), 5, 1e-12);
    ck_assert_double_eq_tol(sim_dist_mean(&d), 5, 1e-12);
    ck_assert(sim_dist_empirical(&d, one, one_v, 1));
    ck_assert_uint_eq(d.n, 3);
    sim_rng_init(&r, 1, "dist/one-point");
    for (int i = 0; i < 1000; i++)
        loop_assert(sim_dist_sample(&d, &r) == 4);
}
END_TEST

START_TEST(empirical_accepts_up_to_thirty_points)
{
    double pct[SIM_DIST_MAX_POINTS], val[SIM_DIST_MAX_POINTS];
    sim_dist d;

    for (int i = 0; i < SIM_DIST_MAX_POINTS; i++) {
        pct[i] = 1 + 3 * i;  /* 1 .. 94: both ends get added */
        val[i] = i * i;
    }
    ck_assert(sim_dist_empirical(&d, pct, val, SIM_DIST_MAX_POINTS - 2));
    ck_assert_uint_eq(d.n, SIM_DIST_MAX_POINTS);
    ck_assert(!sim_dist_empirical(&d, pct, val, SIM_DIST_MAX_POINTS - 1));
}
END_TEST

/* Each bad table is refused and leaves *out exactly as it was. */
static void expect_rejected(const double *pct, const double *val, size_t n, const char *why)
{
    sim_dist d, before;

    memset(&d, 0x5A, sizeof d);
    before = d;
    ck_assert_msg(!sim_dist_empirical(&d, pct, val, n), "accepted: %s", why);
    ck_assert_msg(memcmp(&d, &before, sizeof d) == 0, "*out changed: %s", why);
}

START_TEST(empirical_rejects_bad_tables)
{
    const double ok_p[] = { 10, 50, 90 }, ok_v[] = { 1, 2, 3 };

    expect_rejected(ok_p, ok_v, 0, "no points");
    expect_rejected(NULL, ok_v, 3, "no percentiles");
    expect_rejected(ok_p, NULL, 3, "no values");
    expect_rejected((const double[]){ 10, 50, 50 }, ok_v, 3, "repeated percentile");
    expect_rejected((const double[]){ 50, 10, 90 }, ok_v, 3, "decreasing percentiles");
    expect_rejected(ok_p, (const double[]){ 1, 3, 2 }, 3, "decreasing values");
    expect_rejected((const double[]){ -1, 50, 90 }, ok_v, 3, "percentile below 0");
    expect_rejected((const double[]){ 10, 50, 100.5 }, ok_v, 3, "percentile above 100");
    expect_rejected((const double[]){ 10, NAN, 90 }, ok_v, 3, "NaN percentile");
    expect_rejected(ok_p, (const double[]){ 1, NAN, 3 }, 3, "NaN value");
    expect_rejected(ok_p, (const double[]){ -1, 2, 3 }, 3, "negative value");
    expect_rejected(ok_p, (const double[]){ 1, 2, INFINITY }, 3, "infinite value");
    ck_assert(!sim_dist_empirical(NULL, ok_p, ok_v, 3));
}
END_TEST

Suite *dist_suite(void)
{
    Suite *s = suite_create("dist");
    TCase *tc = tcase_create("sampling");

    /* Each test draws and sorts 10^6 values: ~0.2 s plain, ~1 s under ASan. */
    tcase_set_timeout(tc, 8);
    tcase_add_test(tc, uniform_samples_match_mean_and_quantiles);
    tcase_add_test(tc, exponential_samples_match_mean_and_quantiles);
    tcase_add_test(tc, normal_samples_match_mean_and_quantiles);
    tcase_add_test(tc, normal_near_zero_clamps_draws_and_exact_figures);
    tcase_add_test(tc, lognormal_from_p50_p99_samples_match);
    tcase_add_test(tc, lognormal_from_mean_sigma_samples_match);
    tcase_add_test(tc, pareto_samples_match_mean_and_quantiles);
    tcase_add_test(tc, empirical_samples_match_mean_and_quantiles);
    tcase_add_test(tc, uniform_stays_within_bounds);
    suite_add_tcase(s, tc);

    tc = tcase_create("exact");
    tcase_add_test(tc, constant_returns_its_value_without_drawing);
    tcase_add_test(tc, uniform_never_returns_its_upper_bound_after_rounding);
    tcase_add_test(tc, normal_quantile_matches_reference_values);
    tcase_add_test(tc, normal_entirely_below_zero_draws_only_zeros);
    tcase_add_test(tc, pareto_mean_is_infinite_for_shape_up_to_one);
    tcase_add_test(tc, quantile_outside_unit_interval_is_nan);
    tcase_add_test(tc, exponential_quantile_keeps_precision_for_tiny_q);
    tcase_add_test(tc, each_sample_consumes_a_fixed_number_of_draws);
    suite_add_tcase(s, tc);

    tc = tcase_create("empirical");
    tcase_add_test(tc, empirical_extends_missing_ends_with_the_edge_values);
    tcase_add_test(tc, empirical_keeps_given_ends_and_single_points);
    tcase_add_test(tc, empirical_accepts_up_to_thirty_points);
    tcase_add_test(tc, empirical_rejects_bad_tables);
    suite_add_tcase(s, tc);
    return s;
}
