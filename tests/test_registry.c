/* test_registry.c — suite "registry": breakers by name, created on first use
 * from one shared configuration. */
#include <stdio.h>
#include <stdlib.h>

#include "tests.h"

static fb_registry *registry_from(const fb_config *cfg)
{
    fb_registry *reg = NULL;

    ck_assert_int_eq(fb_registry_new(&reg, cfg), FB_OK);
    ck_assert_ptr_nonnull(reg);
    return reg;
}

static fb_breaker *get(fb_registry *reg, const char *name)
{
    fb_breaker *b = NULL;
    fb_status rc = fb_registry_get(reg, name, &b);

    ck_assert_msg(rc == FB_OK, "get %s: %s", name, fb_strerror(rc));
    ck_assert_ptr_nonnull(b);
    return b;
}

/* Collects the names foreach visits, joined by ','. */
typedef struct visit {
    int n;
    char names[4096];
} visit;

static void visit_fn(fb_breaker *b, void *ctx)
{
    visit *v = ctx;
    size_t len = strlen(v->names);

    snprintf(v->names + len, sizeof v->names - len, "%s%s", v->n ? "," : "", fb_breaker_name(b));
    v->n++;
}

START_TEST(get_creates_on_first_use_and_returns_the_same_breaker)
{
    fb_config c = test_config();
    fb_registry *reg = registry_from(&c);
    fb_breaker *a, *a2, *b;

    ck_assert_uint_eq(fb_registry_count(reg), 0);
    a = get(reg, "payments");
    ck_assert_uint_eq(fb_registry_count(reg), 1);
    a2 = get(reg, "payments");
    ck_assert_ptr_eq(a, a2);
    ck_assert_uint_eq(fb_registry_count(reg), 1);
    b = get(reg, "fraud");
    ck_assert_ptr_ne(a, b);
    ck_assert_uint_eq(fb_registry_count(reg), 2);
    ck_assert_str_eq(fb_breaker_name(a), "payments");
    ck_assert_str_eq(fb_breaker_name(b), "fraud");
    ck_assert_int_eq(fb_breaker_state(a, T(1)), FB_STATE_CLOSED);
    fb_registry_free(reg);
    fb_registry_free(NULL); /* a no-op */
}
END_TEST

START_TEST(registry_breakers_use_the_shared_config)
{
    fb_config c = test_config();
    fb_registry *reg;
    const fb_config *kept;

    c.window_size = 7;
    c.min_calls = 3;
    c.open_wait_ns = T(42);
    reg = registry_from(&c);
    c.window_size = 99; /* the registry kept its own copy */
    kept = fb_breaker_config(get(reg, "a"));
    ck_assert_uint_eq(kept->window_size, 7);
    ck_assert_uint_eq(kept->min_calls, 3);
    ck_assert_int_eq(kept->open_wait_ns, T(42));
    kept = fb_breaker_config(get(reg, "b"));
    ck_assert_uint_eq(kept->window_size, 7);
    fb_registry_free(reg);
}
END_TEST

START_TEST(registry_copies_names)
{
    fb_config c = test_config();
    fb_registry *reg = registry_from(&c);
    char name[32] = "checkout";
    fb_breaker *b = get(reg, name);

    strcpy(name, "cart");
    ck_assert_str_eq(fb_breaker_name(b), "checkout");
    ck_assert_ptr_eq(fb_registry_find(reg, "checkout"), b);
    ck_assert_ptr_null(fb_registry_find(reg, "cart"));
    fb_registry_free(reg);
}
END_TEST

START_TEST(find_never_creates)
{
    fb_config c = test_config();
    fb_registry *reg = registry_from(&c);
    fb_breaker *b;

    ck_assert_ptr_null(fb_registry_find(reg, "ghost"));
    ck_assert_uint_eq(fb_registry_count(reg), 0);
    b = get(reg, "ghost");
    ck_assert_ptr_eq(fb_registry_find(reg, "ghost"), b);
    ck_assert_ptr_null(fb_registry_find(reg, "ghos"));
    ck_assert_ptr_null(fb_registry_find(reg, "ghost2"));
    ck_assert_uint_eq(fb_registry_count(reg), 1);
    fb_registry_free(reg);
}
END_TEST

START_TEST(remove_frees_and_forgets_the_name)
{
    fb_config c = test_config();
    fb_registry *reg = registry_from(&c);
    fb_breaker *b;

    get(reg, "a");
    get(reg, "b");
    ck_assert_int_eq(fb_registry_remove(reg, "a"), FB_OK);
    ck_assert_uint_eq(fb_registry_count(reg), 1);
    ck_assert_ptr_null(fb_registry_find(reg, "a"));
    ck_assert_ptr_nonnull(fb_registry_find(reg, "b"));
    ck_assert_int_eq(fb_registry_remove(reg, "a"), FB_ENOENT);
    ck_assert_int_eq(fb_registry_remove(reg, "nobody"), FB_ENOENT);
    ck_assert_uint_eq(fb_registry_count(reg), 1);
    b = get(reg, "a");
    ck_assert_str_eq(fb_breaker_name(b), "a");
    ck_assert_uint_eq(fb_registry_count(reg), 2);
    fb_registry_free(reg);
}
END_TEST

START_TEST(get_after_remove_makes_a_fresh_breaker)
{
    fb_config c = test_config();
    fb_registry *reg = registry_from(&c);
    fb_breaker *b = get(reg, "flaky");

    trip(b, T(1));
    ck_assert_int_eq(fb_registry_remove(reg, "flaky"), FB_OK);
    b = get(reg, "flaky");
    ck_assert_int_eq(fb_breaker_state(b, T(2)), FB_STATE_CLOSED);
    ck_assert_uint_eq(window_at(b, T(2)).calls, 0);
    ck_assert_uint_eq(metrics_at(b, T(2)).failures, 0);
    fb_registry_free(reg);
}
END_TEST

START_TEST(foreach_visits_in_creation_order)
{
    fb_config c = test_config();
    fb_registry *reg = registry_from(&c);
    visit v = {0};

    fb_registry_foreach(reg, visit_fn, &v);
    ck_assert_int_eq(v.n, 0);
    get(reg, "zeta");
    get(reg, "alpha");
    get(reg, "mid");
    get(reg, "alpha");
    fb_registry_foreach(reg, visit_fn, &v);
    ck_assert_int_eq(v.n, 3);
    ck_assert_str_eq(v.names, "zeta,alpha,mid");
    ck_assert_int_eq(fb_registry_remove(reg, "alpha"), FB_OK);
    get(reg, "omega");
    get(reg, "alpha");
    memset(&v, 0, sizeof v);
    fb_registry_foreach(reg, visit_fn, &v);
    ck_assert_str_eq(v.names, "zeta,mid,omega,alpha");
    fb_registry_free(reg);
}
END_TEST

START_TEST(registry_holds_hundreds_of_breakers)
{
    enum { N = 500 };
    fb_config c = test_config();
    fb_registry *reg = registry_from(&c);
    fb_breaker *made[N];
    char name[32];
    visit v = {0};

    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "svc-%03d", i);
        made[i] = get(reg, name);
    }
    ck_assert_uint_eq(fb_registry_count(reg), N);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "svc-%03d", i);
        ck_assert_ptr_eq(fb_registry_find(reg, name), made[i]);
        ck_assert_ptr_eq(get(reg, name), made[i]);
        ck_assert_str_eq(fb_breaker_name(made[i]), name);
    }
    ck_assert_uint_eq(fb_registry_count(reg), N);
    for (int i = 0; i < N; i += 2) {
        snprintf(name, sizeof name, "svc-%03d", i);
        ck_assert_int_eq(fb_registry_remove(reg, name), FB_OK);
    }
    ck_assert_uint_eq(fb_registry_count(reg), N / 2);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "svc-%03d", i);
        if (i % 2)
            ck_assert_ptr_eq(fb_registry_find(reg, name), made[i]);
        else
            ck_assert_ptr_null(fb_registry_find(reg, name));
    }
    fb_registry_foreach(reg, visit_fn, &v);
    ck_assert_int_eq(v.n, N / 2);
    ck_assert(strncmp(v.names, "svc-001,svc-003,svc-005,", 24) == 0);
    fb_registry_free(reg);
}
END_TEST

START_TEST(registry_breakers_are_independent)
{
    fb_config c = test_config();
    fb_registry *reg = registry_from(&c);
    fb_breaker *a = get(reg, "a"), *b = get(reg, "b");

    record_n(b, 3, FB_FAILURE, 0, T(1));
    trip(a, T(1));
    ck_assert_int_eq(fb_breaker_state(a, T(1)), FB_STATE_OPEN);
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    ck_assert_uint_eq(window_at(b, T(1)).failures, 3);
    ck_assert_uint_eq(metrics_at(b, T(1)).failures, 3);
    fb_registry_free(reg);
}
END_TEST

START_TEST(synchronized_registry_behaves_the_same)
{
    fb_config c = test_config();
    fb_registry *reg;
    fb_breaker *b;
    visit v = {0};

    c.synchronized = true;
    reg = registry_from(&c);
    b = get(reg, "one");
    get(reg, "two");
    ck_assert_ptr_eq(get(reg, "one"), b);
    ck_assert(fb_breaker_config(b)->synchronized);
    trip(b, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_HALF_OPEN);
    fb_registry_foreach(reg, visit_fn, &v);
    ck_assert_str_eq(v.names, "one,two");
    ck_assert_int_eq(fb_registry_remove(reg, "one"), FB_OK);
    ck_assert_uint_eq(fb_registry_count(reg), 1);
    fb_registry_free(reg);
}
END_TEST

Suite *registry_suite(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("registry");

    tcase_add_test(tc, get_creates_on_first_use_and_returns_the_same_breaker);
    tcase_add_test(tc, registry_breakers_use_the_shared_config);
    tcase_add_test(tc, registry_copies_names);
    tcase_add_test(tc, find_never_creates);
    tcase_add_test(tc, remove_frees_and_forgets_the_name);
    tcase_add_test(tc, get_after_remove_makes_a_fresh_breaker);
    tcase_add_test(tc, foreach_visits_in_creation_order);
    tcase_add_test(tc, registry_holds_hundreds_of_breakers);
    tcase_add_test(tc, registry_breakers_are_independent);
    tcase_add_test(tc, synchronized_registry_behaves_the_same);
    suite_add_tcase(s, tc);
    return s;
}
