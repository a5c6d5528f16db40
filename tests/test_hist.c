/* test_hist.c — suite "hist": the log-linear histogram's bucket layout at its
 * seams (exact small values, the first sub-bucketed range, powers of two, the
 * overflow bucket, negatives), its bounds and width over every bucket, and its
 * answers: quantiles exact for small values and within 2^-8 of a sorted sample
 * for a wide distribution, min, max, mean, merge, clear, empty.
 *
 * Expected bucket indices are worked out by hand from the layout in hist.c
 * (index = (shift << 7) + (v >> shift), shift = max(floor(log2 v) - 7, 0)),
 * never recomputed with the code under test. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "hist.h"
#include "rng.h"

/* Check's ck_assert reports every pass to its parent process (a write to a
 * pipe); in loops of 10^4-10^6 iterations those calls alone take seconds, so
 * loops call into Check only when the condition fails. */
#define loop_assert_msg(cond, ...)                                            \
    do {                                                                      \
        if (!(cond))                                                          \
            ck_assert_msg(0, __VA_ARGS__);                                    \
    } while (0)

#define P2(e) ((int64_t)1 << (e))
#define LAST (SIM_HIST_BUCKETS - 1)

/* sim_hist is ~36 KB: too big to keep several on Check's forked stack comfortably. */
static sim_hist *hist_new(void)
{
    sim_hist *h = malloc(sizeof *h);

    ck_assert_ptr_nonnull(h);
    memset(h, 0xA5, sizeof *h); /* sim_hist_clear must not rely on zeroed memory */
    sim_hist_clear(h);
    return h;
}

static void add_all(sim_hist *h, const int64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sim_hist_add(h, v[i]);
}

static void assert_bucket(int64_t v, size_t want_i, int64_t want_lo, int64_t want_hi)
{
    size_t i = sim_hist_bucket_of(v);

    ck_assert_msg(i == want_i, "bucket_of(%lld) = %zu, want %zu", (long long)v, i, want_i);
    ck_assert_int_eq(sim_hist_bucket_lo(i), want_lo);
    ck_assert_int_eq(sim_hist_bucket_hi(i), want_hi);
}

START_TEST(layout_has_4481_buckets_in_a_fixed_struct)
{
    ck_assert_uint_eq(SIM_HIST_BUCKETS, 4481); /* 256 exact + 33 * 128 + 1 overflow */
    ck_assert_uint_eq(sizeof(sim_hist), 4 * 8 + 4481 * 8);
}
END_TEST

START_TEST(values_below_256_have_a_bucket_each)
{
    for (int64_t v = 0; v < 256; v++)
        assert_bucket(v, (size_t)v, v, v + 1);
}
END_TEST

START_TEST(first_sub_bucketed_range_is_two_wide)
{
    assert_bucket(255, 255, 255, 256);
    assert_bucket(256, 256, 256, 258);
    assert_bucket(257, 256, 256, 258);
    assert_bucket(258, 257, 258, 260);
    assert_bucket(510, 383, 510, 512);
    assert_bucket(511, 383, 510, 512);
    assert_bucket(512, 384, 512, 516);
    assert_bucket(1000, 506, 1000, 1004);
}
END_TEST

START_TEST(each_power_of_two_starts_a_range_of_128)
{
    for (int e = 8; e < SIM_HIST_MAX_EXP; e++) {
        size_t first = (size_t)(e - 6) * 128; /* shift e - 7, then v >> shift = 128 */

        assert_bucket(P2(e), first, P2(e), P2(e) + P2(e - 7));
        assert_bucket(P2(e) - 1, first - 1, P2(e) - P2(e - 8), P2(e));
        assert_bucket(P2(e + 1) - 1, first + 127, P2(e + 1) - P2(e - 7), P2(e + 1));
    }
    /* 1 s and 10 s, by hand: 2^29 <= 1e9 < 2^30, shift 22, 1e9 >> 22 = 238. */
    assert_bucket(1000000000, 22 * 128 + 238, 238 * P2(22), 239 * P2(22));
    assert_bucket(10000000000, 26 * 128 + 149, 149 * P2(26), 150 * P2(26));
}
END_TEST

START_TEST(values_from_2_pow_41_share_the_last_bucket)
{
    ck_assert_uint_eq(LAST, 4480);
    assert_bucket(P2(41) - 1, 4479, P2(41) - P2(33), P2(41));
    assert_bucket(P2(41), 4480, P2(41), INT64_MAX);
    assert_bucket(P2(41) + 1, 4480, P2(41), INT64_MAX);
    assert_bucket(P2(62), 4480, P2(41), INT64_MAX);
    assert_bucket(INT64_MAX, 4480, P2(41), INT64_MAX);
    /* An index past the end answers as the last bucket. */
    ck_assert_int_eq(sim_hist_bucket_lo(LAST + 1), P2(41));
    ck_assert_int_eq(sim_hist_bucket_hi(LAST + 1), INT64_MAX);
}
END_TEST

START_TEST(negative_values_count_as_zero)
{
    sim_hist *h = hist_new();

    assert_bucket(-1, 0, 0, 1);
    assert_bucket(INT64_MIN, 0, 0, 1);
    sim_hist_add(h, 7);
    sim_hist_add(h, -5);
    ck_assert_uint_eq(h->count, 2);
    ck_assert_int_eq(h->min, 0);
    ck_assert_int_eq(h->max, 7);
    ck_assert(h->sum == 7.0);
    ck_assert_uint_eq(h->buckets[0], 1);
    ck_assert_uint_eq(h->buckets[7], 1);
    ck_assert_int_eq(sim_hist_quantile(h, 0.5), 0);
    free(h);
}
END_TEST

/* Buckets tile [0, INT64_MAX] in order, and lo(bucket_of(v)) <= v < hi(...)
 * at both ends and the middle of every bucket. */
START_TEST(bounds_round_trip_for_every_bucket)
{
    ck_assert_int_eq(sim_hist_bucket_lo(0), 0);
    for (size_t i = 0; i < SIM_HIST_BUCKETS; i++) {
        int64_t lo = sim_hist_bucket_lo(i), hi = sim_hist_bucket_hi(i);
        int64_t probe[3] = {lo, lo + (hi - lo) / 2, hi - 1};

        loop_assert_msg(lo < hi, "bucket %zu: [%lld, %lld)", i, (long long)lo, (long long)hi);
        loop_assert_msg(i == LAST || sim_hist_bucket_lo(i + 1) == hi, "gap after bucket %zu", i);
        for (int k = 0; k < 3; k++) {
            size_t j = sim_hist_bucket_of(probe[k]);

            loop_assert_msg(j == i, "bucket_of(%lld) = %zu, want %zu", (long long)probe[k], j, i);
            loop_assert_msg(sim_hist_bucket_lo(j) <= probe[k] && probe[k] < sim_hist_bucket_hi(j),
                            "%lld outside its bucket %zu", (long long)probe[k], j);
        }
    }
    ck_assert_int_eq(sim_hist_bucket_hi(LAST - 1), P2(SIM_HIST_MAX_EXP));
}
END_TEST

/* Below 256 a bucket is one value wide; from 256 on, width * 128 <= lo, with
 * equality exactly at the first bucket of each of the 33 ranges 2^8..2^40. */
START_TEST(relative_width_is_at_most_2_pow_minus_7)
{
    int tight = 0;

    for (size_t i = 0; i < LAST; i++) {
        int64_t lo = sim_hist_bucket_lo(i), width = sim_hist_bucket_hi(i) - lo;

        if (lo < 256) {
            loop_assert_msg(width == 1, "bucket %zu is %lld wide", i, (long long)width);
            continue;
        }
        loop_assert_msg(width * 128 <= lo, "bucket %zu: width %lld, lo %lld", i,
                        (long long)width, (long long)lo);
        tight += width * 128 == lo;
    }
    ck_assert_int_eq(tight, SIM_HIST_MAX_EXP - 8);
}
END_TEST

START_TEST(quantiles_of_small_values_are_exact)
{
    sim_hist *h = hist_new();

    for (int64_t v = 100; v >= 1; v--) /* 1..100, order must not matter */
        sim_hist_add(h, v);
    ck_assert_int_eq(sim_hist_quantile(h, 0.0), 1);
    ck_assert_int_eq(sim_hist_quantile(h, 0.001), 1);  /* rank ceil(0.1) = 1 */
    ck_assert_int_eq(sim_hist_quantile(h, 0.07), 7);   /* 7.000000000000001 is rank 7 */
    ck_assert_int_eq(sim_hist_quantile(h, 0.29), 29);  /* 28.999999999999996 too */
    ck_assert_int_eq(sim_hist_quantile(h, 0.5), 50);
    ck_assert_int_eq(sim_hist_quantile(h, 0.505), 51); /* rank ceil(50.5) = 51 */
    ck_assert_int_eq(sim_hist_quantile(h, 0.9), 90);
    ck_assert_int_eq(sim_hist_quantile(h, 0.99), 99);
    ck_assert_int_eq(sim_hist_quantile(h, 1.0), 100);
    free(h);
}
END_TEST

/* 1000..1003 share bucket [1000, 1004), midpoint 1002. */
START_TEST(quantile_is_the_bucket_midpoint_clamped_to_min_max)
{
    sim_hist *h = hist_new();
    sim_hist *g = hist_new();

    add_all(h, (const int64_t[]){1000, 1000, 1000, 10000}, 4);
    ck_assert_int_eq(sim_hist_quantile(h, 0.5), 1002); /* rank 2: the midpoint, not 1000 */
    ck_assert_int_eq(sim_hist_quantile(h, 0.75), 1002);
    add_all(g, (const int64_t[]){1003, 1003, 1003, 1003, 2000}, 5);
    ck_assert_int_eq(sim_hist_quantile(g, 0.5), 1003); /* 1002 is below min: clamped */
    free(h);
    free(g);
}
END_TEST

/* In the overflow bucket the midpoint (~2^62) means nothing; the clamp answers
 * max, an upper bound of the true quantile. */
START_TEST(quantile_in_the_overflow_bucket_answers_max)
{
    sim_hist *h = hist_new();

    add_all(h, (const int64_t[]){1000, P2(45), P2(50)}, 3);
    ck_assert_uint_eq(h->buckets[LAST], 2);
    ck_assert_int_eq(sim_hist_quantile(h, 0.5), P2(50));
    ck_assert_int_eq(sim_hist_quantile(h, 1.0), P2(50));
    ck_assert_int_eq(sim_hist_quantile(h, 0.0), 1000);
    free(h);
}
END_TEST

START_TEST(p0_and_p100_are_min_and_max_exactly)
{
    sim_hist *h = hist_new();

    /* Both extremes sit in wide buckets whose midpoints differ from them. */
    add_all(h, (const int64_t[]){987654321, 1234567, 50000000, 3333333}, 4);
    ck_assert_int_eq(sim_hist_quantile(h, 0.0), 1234567);
    ck_assert_int_eq(sim_hist_quantile(h, 1.0), 987654321);
    ck_assert_int_eq(sim_hist_quantile(h, -3.0), 1234567); /* q is clamped to [0, 1] */
    ck_assert_int_eq(sim_hist_quantile(h, 7.0), 987654321);
    ck_assert_int_eq(sim_hist_quantile(h, NAN), 1234567);
    ck_assert_int_eq(h->min, 1234567);
    ck_assert_int_eq(h->max, 987654321);
    /* 1003 is in the upper half of [1000, 1004): the midpoint is below it. */
    sim_hist_clear(h);
    add_all(h, (const int64_t[]){1003, 500}, 2);
    ck_assert_int_eq(sim_hist_quantile(h, 1.0), 1003);
    free(h);
}
END_TEST

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* 10^5 draws log-uniform over 1 us..10 s: every quantile is within half a
 * bucket, 2^-8 (0.39 %) of the exact sample quantile, well inside 1 %. */
START_TEST(quantiles_match_sorted_samples_within_2_pow_minus_8)
{
    enum { N = 100000 };
    static const int per_100k[] = {0, 1, 10, 100, 1000, 5000, 10000, 25000, 50000, 75000,
                                   90000, 95000, 99000, 99900, 99990, 99999, 100000};
    int64_t *v = malloc(N * sizeof *v);
    sim_hist *h = hist_new();
    sim_rng r;
    double worst = 0.0;

    ck_assert_ptr_nonnull(v);
    sim_rng_seed(&r, 20240611);
    for (int i = 0; i < N; i++) {
        v[i] = (int64_t)(1e3 * exp(sim_rng_double(&r) * log(1e7)));
        sim_hist_add(h, v[i]);
    }
    qsort(v, N, sizeof *v, cmp_i64);
    ck_assert_int_lt(v[0], 2000);            /* the draws really span the range */
    ck_assert_int_gt(v[N - 1], 5000000000);
    for (size_t k = 0; k < sizeof per_100k / sizeof *per_100k; k++) {
        int rank = per_100k[k] < 1 ? 1 : per_100k[k]; /* ceil(q * N), N = 10^5 */
        int64_t want = v[rank - 1], got = sim_hist_quantile(h, per_100k[k] / 100000.0);
        double err = fabs((double)(got - want)) / (double)want;

        ck_assert_msg(err * 256 <= 1.0, "q = %d/1e5: got %lld, want %lld (%.4f %%)", per_100k[k],
                      (long long)got, (long long)want, 100 * err);
        worst = err > worst ? err : worst;
    }
    ck_assert(worst > 0.0); /* the histogram really approximated something */
    free(v);
    free(h);
}
END_TEST

START_TEST(mean_is_exact)
{
    sim_hist *h = hist_new();

    add_all(h, (const int64_t[]){3, 5, 1000000007, 4999999985}, 4);
    ck_assert(h->sum == 6000000000.0);
    ck_assert(sim_hist_mean(h) == 1500000000.0);
    sim_hist_add(h, 0);
    ck_assert(sim_hist_mean(h) == 1200000000.0);
    free(h);
}
END_TEST

/* The sums stay integers below 2^53 (1000 draws under 2^42), so the double
 * adds up identically in either order and the structs compare byte for byte
 * (sim_hist has no padding). */
START_TEST(merge_equals_adding_everything_to_one)
{
    sim_hist *a = hist_new(), *b = hist_new(), *all = hist_new(), *empty = hist_new();
    sim_rng r;

    sim_rng_seed(&r, 7);
    for (int i = 0; i < 1000; i++) {
        int64_t x = (int64_t)sim_rng_below(&r, 1000000);           /* narrow: 0..1 ms */
        int64_t y = (int64_t)sim_rng_below(&r, (uint64_t)P2(42)); /* wide, half overflow */

        sim_hist_add(a, x);
        sim_hist_add(b, y);
        sim_hist_add(all, x);
        sim_hist_add(all, y);
    }
    ck_assert_uint_gt(b->buckets[LAST], 0);
    sim_hist_merge(a, b);
    ck_assert(memcmp(a, all, sizeof *a) == 0);
    sim_hist_merge(a, empty); /* merging nothing changes nothing */
    ck_assert(memcmp(a, all, sizeof *a) == 0);
    sim_hist_merge(empty, all); /* merging into nothing copies */
    ck_assert(memcmp(empty, all, sizeof *a) == 0);
    ck_assert_uint_eq(a->count, 2000);
    free(a);
    free(b);
    free(all);
    free(empty);
}
END_TEST

START_TEST(merge_into_itself_doubles)
{
    sim_hist *h = hist_new();

    add_all(h, (const int64_t[]){5, 300, 70000}, 3);
    sim_hist_merge(h, h);
    ck_assert_uint_eq(h->count, 6);
    ck_assert_int_eq(h->min, 5);
    ck_assert_int_eq(h->max, 70000);
    ck_assert(h->sum == 140610.0);
    ck_assert_uint_eq(h->buckets[5], 2);
    ck_assert_uint_eq(h->buckets[sim_hist_bucket_of(300)], 2);
    ck_assert_uint_eq(h->buckets[sim_hist_bucket_of(70000)], 2);
    free(h);
}
END_TEST

START_TEST(clear_resets_everything)
{
    sim_hist *h = hist_new();
    sim_hist *zero = calloc(1, sizeof *zero);

    ck_assert_ptr_nonnull(zero);
    add_all(h, (const int64_t[]){1, 2000, P2(42)}, 3);
    sim_hist_clear(h);
    ck_assert(memcmp(h, zero, sizeof *h) == 0);
    sim_hist_add(h, 500); /* min starts afresh, not at the old 1 nor at 0 */
    ck_assert_int_eq(h->min, 500);
    ck_assert_int_eq(h->max, 500);
    ck_assert_uint_eq(h->count, 1);
    ck_assert_int_eq(sim_hist_quantile(h, 0.5), 500);
    free(h);
    free(zero);
}
END_TEST

START_TEST(empty_histogram_answers_zero)
{
    sim_hist *h = hist_new();

    ck_assert_uint_eq(h->count, 0);
    ck_assert_int_eq(h->min, 0);
    ck_assert_int_eq(h->max, 0);
    ck_assert_int_eq(sim_hist_quantile(h, 0.0), 0);
    ck_assert_int_eq(sim_hist_quantile(h, 0.5), 0);
    ck_assert_int_eq(sim_hist_quantile(h, 1.0), 0);
    ck_assert(sim_hist_mean(h) == 0.0);
    for (size_t i = 0; i < SIM_HIST_BUCKETS; i++)
        loop_assert_msg(h->buckets[i] == 0, "bucket %zu holds %llu", i,
                        (unsigned long long)h->buckets[i]);
    free(h);
}
END_TEST

Suite *hist_suite(void)
{
    Suite *s = suite_create("hist");
    TCase *layout = tcase_create("layout");
    TCase *answers = tcase_create("answers");

    tcase_add_test(layout, layout_has_4481_buckets_in_a_fixed_struct);
    tcase_add_test(layout, values_below_256_have_a_bucket_each);
    tcase_add_test(layout, first_sub_bucketed_range_is_two_wide);
    tcase_add_test(layout, each_power_of_two_starts_a_range_of_128);
    tcase_add_test(layout, values_from_2_pow_41_share_the_last_bucket);
    tcase_add_test(layout, negative_values_count_as_zero);
    tcase_add_test(layout, bounds_round_trip_for_every_bucket);
    tcase_add_test(layout, relative_width_is_at_most_2_pow_minus_7);
    tcase_add_test(answers, quantiles_of_small_values_are_exact);
    tcase_add_test(answers, quantile_is_the_bucket_midpoint_clamped_to_min_max);
    tcase_add_test(answers, quantile_in_the_overflow_bucket_answers_max);
    tcase_add_test(answers, p0_and_p100_are_min_and_max_exactly);
    tcase_add_test(answers, quantiles_match_sorted_samples_within_2_pow_minus_8);
    tcase_add_test(answers, mean_is_exact);
    tcase_add_test(answers, merge_equals_adding_everything_to_one);
    tcase_add_test(answers, merge_into_itself_doubles);
    tcase_add_test(answers, clear_resets_everything);
    tcase_add_test(answers, empty_histogram_answers_zero);
    suite_add_tcase(s, layout);
    suite_add_tcase(s, answers);
    return s;
}
