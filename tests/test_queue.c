/* test_queue.c — suite "queue": the event heap pops by (time, push order),
 * agrees with a brute-force queue on random work, grows by doubling up to
 * its maximum, and frees what it holds. */
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "queue.h"
#include "rng.h"

/* Push or fail the test. */
static void push_ok(sim_queue *q, int64_t time_ns, uint32_t kind, uint32_t arg, void *ptr)
{
    loop_assert_msg(sim_queue_push(q, time_ns, kind, arg, ptr), "push at %lld refused (len %zu)",
                  (long long)time_ns, sim_queue_len(q));
}

static sim_event pop_ok(sim_queue *q)
{
    sim_event ev;

    loop_assert_msg(sim_queue_pop(q, &ev), "pop from an empty queue");
    return ev;
}

START_TEST(pops_in_time_order)
{
    enum { N = 5000 };
    int64_t times[N];
    sim_queue q;
    sim_rng r;

    /* A shuffled permutation of 0 .. N-1 milliseconds (Fisher-Yates). */
    sim_rng_init(&r, 1, "queue/order");
    for (int i = 0; i < N; i++)
        times[i] = MS(i);
    for (int i = N - 1; i > 0; i--) {
        int j = (int)sim_rng_below(&r, (uint64_t)i + 1);
        int64_t t = times[i];

        times[i] = times[j];
        times[j] = t;
    }
    sim_queue_init(&q, 0);
    for (int i = 0; i < N; i++)
        push_ok(&q, times[i], 0, 0, NULL);
    for (int i = 0; i < N; i++)
        loop_assert(pop_ok(&q).time_ns == MS(i));
    ck_assert_uint_eq(sim_queue_len(&q), 0);
    sim_queue_cleanup(&q);
}
END_TEST

START_TEST(equal_times_pop_in_push_order)
{
    sim_queue q;

    sim_queue_init(&q, 0);
    for (uint32_t i = 0; i < 1000; i++)
        push_ok(&q, T(5), 7, i, NULL);
    for (uint32_t i = 0; i < 1000; i++) {
        sim_event ev = pop_ok(&q);

        loop_assert(ev.time_ns == T(5));
        loop_assert(ev.arg == i);
        loop_assert(ev.seq == i);
    }
    sim_queue_cleanup(&q);
}
END_TEST

/* Ties at several instants, pushed interleaved and out of time order: each
 * instant's events still pop in the order they were pushed. */
START_TEST(ties_at_many_instants_keep_push_order)
{
    static const int64_t at[] = { T(3), T(1), T(2) };
    uint32_t expect_next[3] = { 0, 0, 0 };
    sim_queue q;

    sim_queue_init(&q, 0);
    for (uint32_t i = 0; i < 3000; i++)
        push_ok(&q, at[i % 3], i % 3, i / 3, NULL);
    for (int i = 0; i < 3000; i++) {
        sim_event ev = pop_ok(&q);

        /* kind 1 (T(1)) drains first, then 2, then 0 */
        loop_assert(ev.kind == (i < 1000 ? 1u : i < 2000 ? 2u : 0u));
        loop_assert(ev.arg == expect_next[ev.kind]++);
        loop_assert(ev.time_ns == at[ev.kind]);
    }
    sim_queue_cleanup(&q);
}
END_TEST

START_TEST(events_carry_kind_arg_and_pointer)
{
    int objects[3];
    sim_queue q;
    sim_event ev;

    sim_queue_init(&q, 0);
    push_ok(&q, 30, 3, 33, &objects[2]);
    push_ok(&q, 10, 1, 11, &objects[0]);
    push_ok(&q, 20, 2, 22, NULL);
    ev = pop_ok(&q);
    ck_assert(ev.time_ns == 10 && ev.kind == 1 && ev.arg == 11 && ev.ptr == &objects[0]);
    ev = pop_ok(&q);
    ck_assert(ev.time_ns == 20 && ev.kind == 2 && ev.arg == 22 && ev.ptr == NULL);
    ev = pop_ok(&q);
    ck_assert(ev.time_ns == 30 && ev.kind == 3 && ev.arg == 33 && ev.ptr == &objects[2]);
    sim_queue_cleanup(&q);
}
END_TEST

/* ---- against a brute-force reference -------------------------------------- */

/* An unordered array searched linearly for the smallest (time, seq). */
typedef struct ref_queue {
    sim_event ev[20000];
    size_t len;
    uint64_t next_seq;
} ref_queue;

static void ref_push(ref_queue *rq, int64_t time_ns, uint32_t kind, uint32_t arg)
{
    sim_event ev = { .time_ns = time_ns, .seq = rq->next_seq++, .kind = kind, .arg = arg };

    loop_assert(rq->len < sizeof rq->ev / sizeof rq->ev[0]);
    rq->ev[rq->len++] = ev;
}

static int64_t ref_peek_time(const ref_queue *rq)
{
    int64_t t = INT64_MAX;

    for (size_t i = 0; i < rq->len; i++)
        t = rq->ev[i].time_ns < t ? rq->ev[i].time_ns : t;
    return t;
}

static sim_event ref_pop(ref_queue *rq)
{
    size_t best = 0;
    sim_event ev;

    for (size_t i = 1; i < rq->len; i++)
        if (rq->ev[i].time_ns < rq->ev[best].time_ns ||
            (rq->ev[i].time_ns == rq->ev[best].time_ns && rq->ev[i].seq < rq->ev[best].seq))
            best = i;
    ev = rq->ev[best];
    rq->ev[best] = rq->ev[--rq->len];
    return ev;
}

/* 40,000 random operations, pushes slightly favoured so the queue grows to a
 * few thousand events while popping all along; times come from a small range so that ties, the
 * case a heap gets wrong most easily, are frequent. */
START_TEST(random_push_pop_matches_brute_force_reference)
{
    static ref_queue rq;
    sim_queue q;
    sim_rng r;
    int pops = 0;

    memset(&rq, 0, sizeof rq);
    sim_rng_init(&r, 12, "queue/reference");
    sim_queue_init(&q, 0);
    for (uint32_t i = 0; i < 40000; i++) {
        if (rq.len == 0 || sim_rng_below(&r, 100) < 55) {
            int64_t t = (int64_t)sim_rng_below(&r, 500);

            push_ok(&q, t, i % 5, i, NULL);
            ref_push(&rq, t, i % 5, i);
        } else {
            sim_event got = pop_ok(&q), want = ref_pop(&rq);

            loop_assert_msg(got.time_ns == want.time_ns && got.seq == want.seq &&
                                got.arg == want.arg && got.kind == want.kind,
                            "op %u: popped (%lld, seq %llu), reference (%lld, seq %llu)", i,
                            (long long)got.time_ns, (unsigned long long)got.seq,
                            (long long)want.time_ns, (unsigned long long)want.seq);
            pops++;
        }
        loop_assert(sim_queue_len(&q) == rq.len);
        loop_assert(sim_queue_peek_time(&q) == ref_peek_time(&rq));
    }
    while (rq.len > 0) {
        sim_event got = pop_ok(&q), want = ref_pop(&rq);

        loop_assert(got.seq == want.seq);
        pops++;
    }
    ck_assert_int_gt(pops, 15000);
    ck_assert_uint_eq(sim_queue_len(&q), 0);
    sim_queue_cleanup(&q);
}
END_TEST

/* ---- capacity ----------------------------------------------------------- */

START_TEST(push_is_refused_at_the_maximum)
{
    sim_queue q;

    sim_queue_init(&q, 5);
    for (int i = 0; i < 5; i++)
        push_ok(&q, 100 - i, 0, (uint32_t)i, NULL);
    ck_assert(!sim_queue_push(&q, 1, 0, 99, NULL));
    ck_assert_uint_eq(sim_queue_len(&q), 5);
    ck_assert_int_eq(sim_queue_peek_time(&q), 96); /* the refused push left no trace */
    ck_assert_int_eq(pop_ok(&q).time_ns, 96);
    push_ok(&q, 1, 0, 6, NULL); /* room again */
    ck_assert_int_eq(pop_ok(&q).time_ns, 1);
    sim_queue_cleanup(&q);
}
END_TEST

START_TEST(storage_doubles_from_1024_and_stops_at_the_maximum)
{
    sim_queue q;

    sim_queue_init(&q, 3000);
    ck_assert_uint_eq(q.cap, 0); /* nothing allocated before the first push */
    push_ok(&q, 0, 0, 0, NULL);
    ck_assert_uint_eq(q.cap, 1024);
    for (int i = 1; i < 1025; i++)
        push_ok(&q, i, 0, 0, NULL);
    ck_assert_uint_eq(q.cap, 2048);
    for (int i = 1025; i < 2049; i++)
        push_ok(&q, i, 0, 0, NULL);
    ck_assert_uint_eq(q.cap, 3000); /* 4096 capped */
    for (int i = 2049; i < 3000; i++)
        push_ok(&q, i, 0, 0, NULL);
    ck_assert(!sim_queue_push(&q, 0, 0, 0, NULL));
    ck_assert_uint_eq(q.cap, 3000);
    for (int i = 0; i < 3000; i++)
        loop_assert(pop_ok(&q).time_ns == i);
    sim_queue_cleanup(&q);
}
END_TEST

START_TEST(small_maximum_allocates_only_that_much)
{
    sim_queue q;

    sim_queue_init(&q, 10);
    push_ok(&q, 1, 0, 0, NULL);
    ck_assert_uint_eq(q.cap, 10);
    sim_queue_cleanup(&q);
}
END_TEST

START_TEST(zero_maximum_means_the_default_of_2_to_the_26)
{
    sim_queue q;

    sim_queue_init(&q, 0);
    ck_assert_uint_eq(q.max, (size_t)1 << 26);
    sim_queue_cleanup(&q);
}
END_TEST

/* An array that cannot double without overflowing size_t: the push is refused
 * before any allocation and the queue is left as it was. */
START_TEST(push_is_refused_when_storage_cannot_grow)
{
    sim_event one;
    sim_queue q;

    sim_queue_init(&q, SIZE_MAX);
    q.heap = &one;
    q.len = q.cap = SIZE_MAX / sizeof(sim_event) / 2 + 1;
    ck_assert(!sim_queue_push(&q, 1, 0, 0, NULL));
    ck_assert(q.heap == &one);
    ck_assert_uint_eq(q.len, SIZE_MAX / sizeof(sim_event) / 2 + 1);
    ck_assert_uint_eq(q.next_seq, 0);
}
END_TEST

/* ---- peek, empty, cleanup ------------------------------------------------- */

START_TEST(peek_time_gives_the_earliest_or_int64_max)
{
    sim_queue q;

    sim_queue_init(&q, 0);
    ck_assert_int_eq(sim_queue_peek_time(&q), INT64_MAX);
    push_ok(&q, T(9), 0, 0, NULL);
    ck_assert_int_eq(sim_queue_peek_time(&q), T(9));
    push_ok(&q, T(4), 0, 0, NULL);
    push_ok(&q, T(6), 0, 0, NULL);
    ck_assert_int_eq(sim_queue_peek_time(&q), T(4));
    pop_ok(&q);
    ck_assert_int_eq(sim_queue_peek_time(&q), T(6));
    pop_ok(&q);
    pop_ok(&q);
    ck_assert_int_eq(sim_queue_peek_time(&q), INT64_MAX);
    sim_queue_cleanup(&q);
}
END_TEST

START_TEST(pop_from_empty_returns_false_and_leaves_out_alone)
{
    sim_queue q;
    sim_event ev, before;

    memset(&ev, 0x5A, sizeof ev);
    before = ev;
    sim_queue_init(&q, 0);
    ck_assert(!sim_queue_pop(&q, &ev));
    push_ok(&q, 1, 0, 0, NULL);
    pop_ok(&q);
    ck_assert(!sim_queue_pop(&q, &ev));
    ck_assert(memcmp(&ev, &before, sizeof ev) == 0);
    sim_queue_cleanup(&q);
}
END_TEST

/* Cleanup of a queue still holding events (ASan's leak check watches this),
 * then reuse: the queue starts over empty with the same maximum. */
START_TEST(cleanup_frees_a_non_empty_queue_which_stays_usable)
{
    sim_queue q;

    sim_queue_init(&q, 50000);
    for (int i = 0; i < 5000; i++)
        push_ok(&q, 5000 - i, 0, 0, NULL);
    sim_queue_cleanup(&q);
    ck_assert_uint_eq(sim_queue_len(&q), 0);
    ck_assert_ptr_null(q.heap);
    ck_assert_int_eq(sim_queue_peek_time(&q), INT64_MAX);
    ck_assert_uint_eq(q.max, 50000);
    push_ok(&q, 7, 0, 0, NULL);
    ck_assert_int_eq(pop_ok(&q).time_ns, 7);
    sim_queue_cleanup(&q);
    sim_queue_cleanup(&q); /* twice is harmless */
}
END_TEST

Suite *queue_suite(void)
{
    Suite *s = suite_create("queue");
    TCase *tc = tcase_create("order");

    tcase_add_test(tc, pops_in_time_order);
    tcase_add_test(tc, equal_times_pop_in_push_order);
    tcase_add_test(tc, ties_at_many_instants_keep_push_order);
    tcase_add_test(tc, events_carry_kind_arg_and_pointer);
    tcase_add_test(tc, random_push_pop_matches_brute_force_reference);
    suite_add_tcase(s, tc);

    tc = tcase_create("capacity");
    tcase_add_test(tc, push_is_refused_at_the_maximum);
    tcase_add_test(tc, storage_doubles_from_1024_and_stops_at_the_maximum);
    tcase_add_test(tc, small_maximum_allocates_only_that_much);
    tcase_add_test(tc, zero_maximum_means_the_default_of_2_to_the_26);
    tcase_add_test(tc, push_is_refused_when_storage_cannot_grow);
    suite_add_tcase(s, tc);

    tc = tcase_create("lifecycle");
    tcase_add_test(tc, peek_time_gives_the_earliest_or_int64_max);
    tcase_add_test(tc, pop_from_empty_returns_false_and_leaves_out_alone);
    tcase_add_test(tc, cleanup_frees_a_non_empty_queue_which_stays_usable);
    suite_add_tcase(s, tc);
    return s;
}
