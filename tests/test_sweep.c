/* test_sweep.c — the sweep's pure logic: parameter parsing, key paths, the
 * grid, the t quantiles, the Pareto front and the recommendation rule. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "sweep.h"
#include "tests.h"

static report_sweep_param parse_ok(const char *spec)
{
    report_sweep_param p;
    char err[512] = "";

    ck_assert_msg(report_sweep_param_parse(spec, &p, err, sizeof(err)), "%s: %s", spec, err);
    return p;
}

static void parse_fails(const char *spec, const char *msg)
{
    report_sweep_param p;
    char err[512] = "";

    ck_assert(!report_sweep_param_parse(spec, &p, err, sizeof(err)));
    ck_assert_msg(strstr(err, msg), "'%s' lacks '%s'", err, msg);
    ck_assert_ptr_null(p.values);
}

START_TEST(list_keeps_integers_reals_booleans_and_durations)
{
    report_sweep_param p = parse_ok("profiles.default.x=30,0.5,false,5s,true");

    ck_assert_str_eq(p.key, "profiles.default.x");
    ck_assert_uint_eq(json_array_size(p.values), 5);
    ck_assert_int_eq(json_integer_value(json_array_get(p.values, 0)), 30);
    ck_assert(json_is_real(json_array_get(p.values, 1)));
    ck_assert(json_is_false(json_array_get(p.values, 2)));
    ck_assert_str_eq(json_string_value(json_array_get(p.values, 3)), "5s");
    ck_assert(json_is_true(json_array_get(p.values, 4)));
    report_sweep_param_free(&p);
}
END_TEST

START_TEST(range_includes_hi_when_reached)
{
    report_sweep_param p = parse_ok("k=20:80:10"), q = parse_ok("k=0.1:0.3:0.1"),
                       r = parse_ok("k=1:10:4");

    ck_assert_uint_eq(json_array_size(p.values), 7);
    ck_assert_int_eq(json_integer_value(json_array_get(p.values, 6)), 80);
    ck_assert_uint_eq(json_array_size(q.values), 3); /* 0.1 + 2 x 0.1 rounds; hi kept */
    ck_assert(json_real_value(json_array_get(q.values, 2)) == 0.3);
    ck_assert_uint_eq(json_array_size(r.values), 3); /* 1, 5, 9: 10 not reached */
    ck_assert_int_eq(json_integer_value(json_array_get(r.values, 2)), 9);
    report_sweep_param_free(&p);
    report_sweep_param_free(&q);
    report_sweep_param_free(&r);
}
END_TEST

START_TEST(bad_values_are_refused_with_a_message)
{
    parse_fails("nokey", "wants KEY=VALUES");
    parse_fails("=1,2", "wants KEY=VALUES");
    parse_fails("k=", "k: no values");
    parse_fails("k=1,,2", "empty value");
    parse_fails("k=50:10:10", "empty range");
    parse_fails("k=1:2", "lo:hi:step");
    parse_fails("k=1:2:0", "step must be > 0");
    parse_fails("k=a:2:1", "not a number");
    parse_fails("k=1:100000:1", "more than 10000 values");
}
END_TEST

START_TEST(path_set_follows_keys_and_indices)
{
    json_t *root = json_loads("{\"a\":{\"b\":[{\"c\":1},{\"c\":2}]}}", 0, NULL);
    json_t *v = json_integer(9);
    char err[512] = "";

    ck_assert(report_sweep_path_set(root, "a.b[1].c", v, err, sizeof(err)));
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_array_get(json_object_get(json_object_get(root, "a"), "b"), 1),
                         "c")),
                     9);
    ck_assert(report_sweep_path_set(root, "a.new", v, err, sizeof(err))); /* the loader judges */
    ck_assert(!report_sweep_path_set(root, "a.x.c", v, err, sizeof(err)));
    ck_assert(strstr(err, "no key 'x' in a"));
    ck_assert(!report_sweep_path_set(root, "a.b[2].c", v, err, sizeof(err)));
    ck_assert(strstr(err, "has 2 elements, no [2]"));
    ck_assert(!report_sweep_path_set(root, "a[0]", v, err, sizeof(err)));
    ck_assert(strstr(err, "'a' is not an array"));
    json_decref(v);
    json_decref(root);
}
END_TEST

START_TEST(grid_is_the_product_last_param_fastest)
{
    report_sweep s = { .n_seeds = 2 };
    char err[512] = "";

    s.params[0] = parse_ok("a=1,2");
    s.params[1] = parse_ok("b=x,y,z");
    s.n_params = 2;
    ck_assert(report_sweep_grid(&s, 0, 0, err, sizeof(err)));
    ck_assert_uint_eq(s.n_points, 6);
    ck_assert_uint_eq(s.value_idx[1 * 2 + 1], 1); /* point 1: a=1, b=y */
    ck_assert_uint_eq(s.value_idx[3 * 2 + 0], 1); /* point 3: a=2, b=x */
    ck_assert_uint_eq(s.value_idx[3 * 2 + 1], 0);
    report_sweep_free(&s);
}
END_TEST

START_TEST(sample_is_distinct_sorted_and_seeded)
{
    report_sweep s = { .n_seeds = 1 }, t = { .n_seeds = 1 };
    char err[512] = "";

    s.params[0] = parse_ok("a=1:100:1");
    s.params[1] = parse_ok("b=1:200:1");
    s.n_params = 2;
    t.params[0] = parse_ok("a=1:100:1");
    t.params[1] = parse_ok("b=1:200:1");
    t.n_params = 2;
    ck_assert(!report_sweep_grid(&s, 0, 0, err, sizeof(err)));
    ck_assert(strstr(err, "--sample"));
    ck_assert(report_sweep_grid(&s, 50, 42, err, sizeof(err)));
    ck_assert(report_sweep_grid(&t, 50, 42, err, sizeof(err)));
    ck_assert_uint_eq(s.n_points, 50);
    ck_assert_mem_eq(s.value_idx, t.value_idx, 50 * 2 * sizeof(uint32_t));
    for (size_t p = 1; p < 50; p++) {
        uint32_t *a = &s.value_idx[(p - 1) * 2], *b = &s.value_idx[p * 2];

        ck_assert(a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]));
    }
    report_sweep_free(&s);
    report_sweep_free(&t);
}
END_TEST

START_TEST(t_quantiles)
{
    ck_assert(fabs(report_sweep_t95(4) - 2.776) < 1e-9);
    ck_assert(fabs(report_sweep_t95(30) - 2.042) < 1e-9);
    ck_assert(fabs(report_sweep_t95(60) - 2.000) < 0.002);
    ck_assert(fabs(report_sweep_t95(100000) - 1.96) < 0.001);
}
END_TEST

/* { availability served, time to recover, false trips } */
static const double table[][3] = {
    { 0.999, 5, 2 },   /* 0: best availability, but false trips: front */
    { 0.998, 3, 0 },   /* 1: front, zero trips */
    { 0.998, 4, 0 },   /* 2: dominated by 1 */
    { 0.997, 1, 0 },   /* 3: front (fastest) */
    { 0.998, 3, 0 },   /* 4: a tie with 1: both on the front */
    { 0.990, 9, 5 },   /* 5: dominated */
    { NAN, 0, 0 },     /* 6: no requests: never on the front */
};

START_TEST(pareto_front_of_a_hand_made_table)
{
    uint8_t front[7];
    static const uint8_t want[7] = { 1, 1, 0, 1, 1, 0, 0 };

    report_sweep_pareto(table, 7, front);
    ck_assert_mem_eq(front, want, 7);
}
END_TEST

START_TEST(recommendation_prefers_zero_false_trips_then_availability)
{
    uint8_t front[7];

    report_sweep_pareto(table, 7, front);
    /* 0 has the best availability but false trips; 1 and 4 tie: the first. */
    ck_assert_int_eq(report_sweep_recommend(table, front, 7), 1);
}
END_TEST

START_TEST(recommendation_without_zero_takes_the_fewest_trips)
{
    static const double t[][3] = { { 0.999, 1, 3 }, { 0.990, 1, 1 }, { 0.995, 2, 1 } };
    uint8_t front[3];

    report_sweep_pareto(t, 3, front);
    ck_assert_int_eq(report_sweep_recommend(t, front, 3), 2); /* 1 trip, better availability */
    memset(front, 0, sizeof(front));
    ck_assert_int_eq(report_sweep_recommend(t, front, 3), -1);
}
END_TEST

/* The shadow pass's pruning rule: a mean false would-trip above 0 prunes;
 * pruned points have no statistics and are never recommended; when every
 * point would go, none does. */
START_TEST(shadow_prunes_points_with_false_would_trips_unless_all_have_them)
{
    report_sweep s = { .recommended = -1 };
    sim_scenario sc = { 0 };
    static const double false_trips[3][2] = { { 0, 1 }, { 0, 0 }, { 2, 3 } };
    char err[256];

    s.n_params = 1;
    snprintf(s.params[0].key, sizeof(s.params[0].key), "profiles.default.failure_rate");
    s.params[0].values = json_pack("[i, i, i]", 20, 50, 80);
    s.n_seeds = 2;
    s.seeds = calloc(2, sizeof(uint64_t));
    ck_assert(report_sweep_grid(&s, 0, 0, err, sizeof(err)));
    ck_assert(report_sweep_shadow_init(&s, &sc));
    for (size_t p = 0; p < 3; p++)
        for (size_t k = 0; k < 2; k++) {
            s.shadow[p * 2 + k] = (report_sweep_shadow){ 5, false_trips[p][k], 1.5, 0 };
            s.done[p * 2 + k] = 1;
            for (int m = 0; m < REPORT_SWEEP_N_METRICS; m++)
                s.results[p * 2 + k].v[m] = m == REPORT_SWEEP_SERVED ? 0.9 + 0.01 * (double)p : 0;
        }
    ck_assert(report_sweep_prune(&s));
    ck_assert_uint_eq(s.n_pruned, 2);
    ck_assert(s.pruned[0] && !s.pruned[1] && s.pruned[2]);
    ck_assert(!s.pruned_none_kept_all);
    ck_assert(report_sweep_shadow_mean(&s, 0, REPORT_SWEEP_SHADOW_FALSE) == 0.5);
    ck_assert(report_sweep_analyze(&s));
    /* Point 2 has the best availability but was pruned: 1 is recommended. */
    ck_assert_int_eq(s.recommended, 1);
    ck_assert(isnan(s.stats[2 * REPORT_SWEEP_N_METRICS + REPORT_SWEEP_SERVED].mean));
    ck_assert(!s.front[0] && !s.front[2]);
    s.shadow[2] = s.shadow[3] = (report_sweep_shadow){ 5, 1, 1.5, 0 };
    s.shadow[1] = s.shadow[4] = s.shadow[5] = s.shadow[2];
    ck_assert(report_sweep_prune(&s));
    ck_assert_uint_eq(s.n_pruned, 0);
    ck_assert(s.pruned_none_kept_all);
    report_sweep_free(&s);
}
END_TEST

Suite *sweep_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, list_keeps_integers_reals_booleans_and_durations);
    tcase_add_test(tc, range_includes_hi_when_reached);
    tcase_add_test(tc, bad_values_are_refused_with_a_message);
    tcase_add_test(tc, path_set_follows_keys_and_indices);
    tcase_add_test(tc, grid_is_the_product_last_param_fastest);
    tcase_add_test(tc, sample_is_distinct_sorted_and_seeded);
    tcase_add_test(tc, t_quantiles);
    tcase_add_test(tc, pareto_front_of_a_hand_made_table);
    tcase_add_test(tc, recommendation_prefers_zero_false_trips_then_availability);
    tcase_add_test(tc, recommendation_without_zero_takes_the_fewest_trips);
    tcase_add_test(tc, shadow_prunes_points_with_false_would_trips_unless_all_have_them);
    suite_add_tcase(s, tc);
    return s;
}
