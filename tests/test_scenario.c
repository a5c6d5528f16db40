/* test_scenario.c — suite "scenario": the loader's golden error cases, a full
 * scenario and a scenario of every resilience policy read back value by
 * value, defaults, arrival rates over time, durations, and robustness on
 * truncated and mangled input.
 *
 * Golden cases live in tests/scenarios/bad/<case>.json with <case>.err holding
 * the exact formatted message; the runner starts in the repository root. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "tests.h"

#define BAD_DIR "tests/scenarios/bad"
#define GOOD_DIR "tests/scenarios/good"
#define MIN_BAD_CASES 180

/* ---- helpers ------------------------------------------------------------------ */

/* The whole file, NUL-terminated (the caller frees it); NULL if unreadable. */
static char *slurp(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long len;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)len + 1)) != NULL) {
        if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        } else {
            buf[len] = '\0';
            if (len_out)
                *len_out = (size_t)len;
        }
    }
    fclose(f);
    return buf;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the files in 'dir' ending in ".json" (without it). */
static size_t list_cases(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;

    ck_assert_msg(d != NULL, "cannot open %s (run the tests from the repository root): %s", dir,
                  strerror(errno));
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);

        if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
            ck_assert_ptr_nonnull(names);
        }
        names[n] = malloc(len - 4);
        ck_assert_ptr_nonnull(names[n]);
        memcpy(names[n], e->d_name, len - 5);
        names[n++][len - 5] = '\0';
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    return n;
}

static void free_cases(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Load a scenario from a string that must be valid. */
static sim_scenario *must_load(const char *json)
{
    sim_error err;
    char msg[1024];
    sim_scenario *sc = sim_scenario_load_string(json, "test", &err);

    sim_error_format(&err, msg, sizeof msg);
    ck_assert_msg(sc != NULL, "expected to load, got: %s", msg);
    return sc;
}

/* Load a scenario from a string that must fail; return the formatted error. */
static void must_fail(const char *json, char *msg, size_t size)
{
    sim_error err;
    sim_scenario *sc = sim_scenario_load_string(json, "test", &err);

    ck_assert_msg(sc == NULL, "expected an error for %s", json);
    sim_error_format(&err, msg, size);
}

#define MS_NS(x) ((int64_t)(x) * INT64_C(1000000))
#define S_NS(x) ((int64_t)((x) * 1e9))
#define ck_assert_dbl(a, b) \
    ck_assert_msg((a) == (b), "%s = %.17g, want %.17g", #a, (double)(a), (double)(b))

/* ---- golden bad cases ------------------------------------------------------------ */

START_TEST(every_bad_case_fails_with_its_golden_message)
{
    char **names;
    size_t n = list_cases(BAD_DIR, &names);

    ck_assert_msg(n >= MIN_BAD_CASES, "only %zu bad cases in %s (at least %d expected)", n,
                  BAD_DIR, MIN_BAD_CASES);
    for (size_t i = 0; i < n; i++) {
        char json[512], errfile[512], got[1200];
        char *want;
        size_t want_len = 0;
        sim_error err;
        sim_scenario *sc;

        snprintf(json, sizeof json, "%s/%s.json", BAD_DIR, names[i]);
        snprintf(errfile, sizeof errfile, "%s/%s.err", BAD_DIR, names[i]);
        want = slurp(errfile, &want_len);
        ck_assert_msg(want != NULL, "%s: missing golden file %s", names[i], errfile);
        while (want_len > 0 && (want[want_len - 1] == '\n' || want[want_len - 1] == '\r'))
            want[--want_len] = '\0';
        memset(&err, 0x5A, sizeof err);
        sc = sim_scenario_load(json, &err);
        ck_assert_msg(sc == NULL, "%s: loaded, but should fail with: %s", names[i], want);
        ck_assert_str_eq(err.source, json);
        ck_assert_msg(err.text[0] != '\0', "%s: empty error text", names[i]);
        sim_error_format(&err, got, sizeof got);
        ck_assert_msg(strcmp(got, want) == 0, "%s:\n  got:  %s\n  want: %s", names[i], got, want);
        free(want);
    }
    free_cases(names, n);
}
END_TEST

START_TEST(every_golden_error_file_has_its_scenario)
{
    DIR *d = opendir(BAD_DIR);
    struct dirent *e;
    int orphans = 0;

    ck_assert_msg(d != NULL, "cannot open %s: %s", BAD_DIR, strerror(errno));
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        char json[600];
        FILE *f;

        if (len <= 4 || strcmp(e->d_name + len - 4, ".err") != 0)
            continue;
        snprintf(json, sizeof json, "%s/%.*s.json", BAD_DIR, (int)(len - 4), e->d_name);
        if ((f = fopen(json, "rb")) != NULL)
            fclose(f);
        else
            orphans++;
    }
    closedir(d);
    ck_assert_int_eq(orphans, 0);
}
END_TEST

START_TEST(every_good_case_loads)
{
    char **names;
    size_t n = list_cases(GOOD_DIR, &names);

    ck_assert_uint_ge(n, 1);
    for (size_t i = 0; i < n; i++) {
        char path[512], msg[1200];
        sim_error err;
        sim_scenario *sc;

        snprintf(path, sizeof path, "%s/%s.json", GOOD_DIR, names[i]);
        sc = sim_scenario_load(path, &err);
        sim_error_format(&err, msg, sizeof msg);
        ck_assert_msg(sc != NULL, "%s: %s", path, msg);
        ck_assert_str_eq(sc->path, path);
        sim_scenario_free(sc);
    }
    free_cases(names, n);
}
END_TEST

/* ---- error details ------------------------------------------------------------------ */

START_TEST(error_carries_source_line_column_path_and_text)
{
    static const char json[] = "{\n"
                               "  \"name\": \"x\", \"duration\": \"1m\",\n"
                               "  \"services\": { \"a\": { \"calls\": [ { \"to\": \"b\", "
                               "\"timout\": 1 } ] },\n"
                               "                \"b\": {} },\n"
                               "  \"load\": [ { \"entry\": \"a\", \"rate\": 1 } ]\n"
                               "}\n";
    sim_error err;

    ck_assert_ptr_null(sim_scenario_load_string(json, "inline.json", &err));
    ck_assert_str_eq(err.source, "inline.json");
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.column, 48);
    ck_assert_str_eq(err.path, "services.a.calls[0].timout");
    ck_assert_str_eq(err.text, "unknown key \"timout\" (did you mean \"timeout\"?)");
}
END_TEST

START_TEST(syntax_error_carries_janssons_position)
{
    sim_error err;

    ck_assert_ptr_null(sim_scenario_load_string("{\n  \"name\": \"x\",\n}", "s", &err));
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.column, 1);
    ck_assert_str_eq(err.path, "");
    ck_assert_str_eq(err.text, "string or '}' expected near '}'");
}
END_TEST

START_TEST(unreadable_file_has_no_position)
{
    sim_error err;
    char msg[600];

    ck_assert_ptr_null(sim_scenario_load("tests/scenarios/no/such/file.json", &err));
    ck_assert_int_eq(err.line, 0);
    ck_assert_int_eq(err.column, 0);
    ck_assert_str_eq(err.text, "cannot read file: No such file or directory");
    sim_error_format(&err, msg, sizeof msg);
    ck_assert_str_eq(msg, "tests/scenarios/no/such/file.json: cannot read file: No such file or "
                          "directory");
    ck_assert_ptr_null(sim_scenario_load("tests/scenarios", &err));
    ck_assert_str_eq(err.text, "cannot read file: Is a directory");
}
END_TEST

START_TEST(error_format_omits_unknown_parts)
{
    sim_error err;
    char buf[700];

    memset(&err, 0, sizeof err);
    snprintf(err.source, sizeof err.source, "f.json");
    snprintf(err.text, sizeof err.text, "boom");
    sim_error_format(&err, buf, sizeof buf);
    ck_assert_str_eq(buf, "f.json: boom");
    err.line = 4;
    err.column = 7;
    sim_error_format(&err, buf, sizeof buf);
    ck_assert_str_eq(buf, "f.json:4:7: boom");
    snprintf(err.path, sizeof err.path, "load[0].rate");
    sim_error_format(&err, buf, sizeof buf);
    ck_assert_str_eq(buf, "f.json:4:7: load[0].rate: boom");
    sim_error_format(&err, buf, 8); /* truncated, still terminated */
    ck_assert_str_eq(buf, "f.json:");
}
END_TEST

START_TEST(null_error_pointer_and_null_text_are_safe)
{
    sim_error err;

    ck_assert_ptr_null(sim_scenario_load_string("[]", "x", NULL));
    ck_assert_ptr_null(sim_scenario_load("tests/scenarios/none.json", NULL));
    ck_assert_ptr_null(sim_scenario_load_string(NULL, NULL, &err));
    ck_assert_str_eq(err.source, "<string>");
    ck_assert_ptr_null(sim_scenario_load(NULL, &err));
    sim_scenario_free(NULL);
}
END_TEST

START_TEST(long_cycle_is_found_without_deep_recursion)
{
    enum { N = 3000 };
    size_t cap = (size_t)N * 64 + 256, used = 0;
    char *json = malloc(cap), msg[1200];

    ck_assert_ptr_nonnull(json);
    used += (size_t)snprintf(json + used, cap - used,
                             "{\"name\":\"chain\",\"duration\":\"1m\",\"services\":{");
    for (int i = 0; i < N; i++)
        used += (size_t)snprintf(json + used, cap - used,
                                 "%s\"s%d\":{\"calls\":[{\"to\":\"s%d\"}]}", i ? "," : "", i,
                                 (i + 1) % N);
    snprintf(json + used, cap - used, "},\"load\":[{\"entry\":\"s0\",\"rate\":1}]}");
    must_fail(json, msg, sizeof msg);
    ck_assert_msg(strncmp(msg, "test:1:", 7) == 0, "%s", msg);
    ck_assert_msg(strstr(msg, ": services.s2999.calls[0]: call cycle: s0 -> s1 -> s2 -> ") != NULL,
                  "%s", msg);
    free(json);
}
END_TEST

START_TEST(first_error_wins)
{
    char msg[1200];

    /* Both the seed and the duration are wrong: the header is read in the
     * documented order (name, description, seed, duration), so seed wins. */
    must_fail("{\"name\":\"x\",\"duration\":\"fast\",\"seed\":-1,\"services\":{\"a\":{}},"
              "\"load\":[{\"entry\":\"a\",\"rate\":1}]}",
              msg, sizeof msg);
    ck_assert_str_eq(msg, "test:1:38: seed: must be >= 0, got -1");
    /* An unknown key anywhere in an object is reported before its values. */
    must_fail("{\"name\":\"x\",\"duration\":\"fast\",\"services\":{\"a\":{}},"
              "\"load\":[{\"entry\":\"a\",\"rate\":1}],\"extra\":1}",
              msg, sizeof msg);
    ck_assert_str_eq(msg, "test:1:83: extra: unknown key \"extra\" (known keys: name, "
                          "description, seed, duration, tick, slo, profiles, policies, "
                          "services, load, faults, expect)");
}
END_TEST

/* ---- the complete scenario ------------------------------------------------------------ */

static void check_profiles(const sim_scenario *sc)
{
    const fb_config *d, *s;

    ck_assert_uint_eq(sc->n_profiles, 2);
    ck_assert_str_eq(sc->profiles[0].name, "default");
    ck_assert_str_eq(sc->profiles[1].name, "strict");
    d = &sc->profiles[0].cfg;
    ck_assert_int_eq(d->window_type, FB_WINDOW_COUNT);
    ck_assert_uint_eq(d->window_size, 50);
    ck_assert_uint_eq(d->min_calls, 20);
    ck_assert_uint_eq(d->rules, FB_RULE_FAILURE_RATE | FB_RULE_SLOW_CALL_RATE |
                                    FB_RULE_LATENCY_TREND | FB_RULE_THROTTLE |
                                    FB_RULE_RECOVERY_RAMP);
    ck_assert_dbl(d->failure_rate_threshold, 50);
    ck_assert_dbl(d->slow_call_rate_threshold, 80);
    ck_assert_int_eq(d->slow_call_ns, T(1));
    ck_assert_int_eq(d->open_wait_ns, T(5));
    ck_assert_dbl(d->open_wait_multiplier, 2);
    ck_assert_int_eq(d->open_wait_max_ns, T(60));
    ck_assert_int_eq(d->open_wait_decay_ns, T(30));
    ck_assert_dbl(d->open_wait_jitter, 0.1);
    ck_assert(d->random == NULL); /* the city supplies it */
    ck_assert_uint_eq(d->half_open_permits, 5);
    ck_assert_int_eq(d->half_open_verdict, FB_VERDICT_STRICT);
    ck_assert_int_eq(d->half_open_deadline_ns, T(10));
    ck_assert(!d->synchronized);
    ck_assert_dbl(d->latency_trend_ratio, 2.5);
    ck_assert_uint_eq(d->latency_short_calls, 50);
    ck_assert_int_eq(d->latency_long_ns, T(120));
    ck_assert_dbl(d->throttle_k, 1.5);
    ck_assert_int_eq(d->throttle_window_ns, T(30));
    ck_assert_double_eq_tol(d->failure_rate_z, 1.6448536269514722, 1e-12); /* 90 %, two-sided */
    ck_assert_int_eq(d->recovery_ramp_ns, T(20));
    ck_assert_dbl(d->recovery_ramp_start, 0.25);

    s = &sc->profiles[1].cfg;
    ck_assert_int_eq(s->window_type, FB_WINDOW_TIME);
    ck_assert_uint_eq(s->window_size, 30);
    ck_assert_uint_eq(s->min_calls, 5);
    ck_assert_uint_eq(s->rules, FB_RULE_CONSECUTIVE_FAILURES | FB_RULE_ABSOLUTE_FAILURES |
                                    FB_RULE_LATENCY_TREND);
    ck_assert_dbl(s->latency_trend_ratio, 3);
    ck_assert_uint_eq(s->latency_short_calls, 100); /* the engine's defaults */
    ck_assert_int_eq(s->latency_long_ns, T(300));
    ck_assert_dbl(s->failure_rate_z, 0);
    ck_assert_uint_eq(s->consecutive_failures, 3);
    ck_assert_uint_eq(s->absolute_failures, 10);
    ck_assert_int_eq(s->open_wait_ns, T(2));
    ck_assert_dbl(s->open_wait_multiplier, 1);
    ck_assert_uint_eq(s->half_open_permits, 1);
    ck_assert_int_eq(s->half_open_verdict, FB_VERDICT_RATE);
    ck_assert_int_eq(s->half_open_deadline_ns, 0);
    ck_assert_int_eq(fb_config_check(s, NULL, 0), FB_OK);
}

static void check_dist(const sim_dist *got, sim_dist want)
{
    ck_assert_int_eq(got->kind, want.kind);
    ck_assert_dbl(got->a, want.a);
    ck_assert_dbl(got->b, want.b);
}

static void check_services(const sim_scenario *sc)
{
    static const char *names[] = { "gateway", "cart",  "catalog", "pricing",
                                   "payment", "fraud", "bank",    "static" };
    const sim_service *g = &sc->services[0], *c = &sc->services[1], *p = &sc->services[4];
    const sim_dist *bank = &sc->services[6].latency;
    static const double bank_p[] = { 0, 0.5, 0.9, 0.99, 1 };
    static const double bank_v[] = { 20e6, 20e6, 50e6, 200e6, 200e6 };

    ck_assert_uint_eq(sc->n_services, 8);
    for (uint32_t i = 0; i < 8; i++) {
        ck_assert_str_eq(sc->services[i].name, names[i]);
        ck_assert_uint_eq(sim_scenario_service(sc, names[i]), i);
    }
    ck_assert_uint_eq(sim_scenario_service(sc, "nope"), SIM_NONE);
    ck_assert_uint_eq(g->replicas, 3);
    ck_assert_uint_eq(g->concurrency, 64);
    ck_assert_uint_eq(g->queue, 256);
    ck_assert_int_eq(g->queue_timeout_ns, MS_NS(100));
    check_dist(&g->latency, sim_dist_lognormal_p50_p99(4e6, 20e6));
    ck_assert_int_eq(g->lb, SIM_LB_LEAST_OUTSTANDING);
    ck_assert_dbl(g->slo.error_ratio, 0.02); /* the city's */
    ck_assert_int_eq(g->slo.p99_ns, MS_NS(1500));
    /* cart: every default but its latency and lb */
    ck_assert_uint_eq(c->replicas, 1);
    ck_assert_uint_eq(c->concurrency, 16);
    ck_assert_uint_eq(c->queue, 64);
    ck_assert_int_eq(c->queue_timeout_ns, 0);
    check_dist(&c->latency, sim_dist_uniform(1e6, 3e6));
    ck_assert_int_eq(c->lb, SIM_LB_RANDOM);
    ck_assert_dbl(c->error_rate, 0);
    ck_assert_dbl(c->slo.error_ratio, 0.02);
    ck_assert_int_eq(c->slo.p99_ns, MS_NS(800));
    check_dist(&sc->services[2].latency, sim_dist_exponential(2e6));
    ck_assert_dbl(sc->services[2].error_rate, 0.001);
    check_dist(&sc->services[3].latency, sim_dist_normal(5e6, 1e6));
    ck_assert_uint_eq(p->replicas, 2);
    ck_assert_uint_eq(p->concurrency, 32);
    ck_assert_dbl(p->error_rate, 0.002);
    check_dist(&p->latency, sim_dist_lognormal_mean_sigma(80e6, 0.5));
    ck_assert_dbl(p->slo.error_ratio, 0.05);
    ck_assert_int_eq(p->slo.p99_ns, MS_NS(800));
    check_dist(&sc->services[5].latency, sim_dist_pareto(10e6, 2.5));
    ck_assert_uint_eq(sc->services[6].queue, 0);
    ck_assert_int_eq(bank->kind, SIM_DIST_EMPIRICAL);
    ck_assert_uint_eq(bank->n, 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_dbl(bank->p[i], bank_p[i]);
        ck_assert_dbl(bank->v[i], bank_v[i]);
    }
    check_dist(&sc->services[7].latency, sim_dist_constant(2e6));
}

static void check_call(const sim_call *c, uint32_t from, uint32_t to, int64_t timeout_ns,
                       uint32_t profile, double probability)
{
    ck_assert_uint_eq(c->from, from);
    ck_assert_uint_eq(c->to, to);
    ck_assert_int_eq(c->timeout_ns, timeout_ns);
    ck_assert_uint_eq(c->profile, profile);
    ck_assert_dbl(c->probability, probability);
}

static void check_calls(const sim_scenario *sc)
{
    static const uint32_t first[] = { 0, 1, 3, 4, 5 }, count[] = { 1, 2, 1, 1, 1 };

    ck_assert_uint_eq(sc->services[0].first_step, 0);
    ck_assert_uint_eq(sc->services[0].n_steps, 3);
    ck_assert_uint_eq(sc->services[1].n_steps, 0);
    ck_assert_uint_eq(sc->services[4].first_step, 3);
    ck_assert_uint_eq(sc->services[4].n_steps, 2);
    ck_assert_uint_eq(sc->n_steps, 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_eq(sc->steps[i].first_call, first[i]);
        ck_assert_uint_eq(sc->steps[i].n_calls, count[i]);
        ck_assert(sc->steps[i].parallel == (i == 1));
    }
    ck_assert_uint_eq(sc->n_calls, 6);
    check_call(&sc->calls[0], 0, 1, MS_NS(300), SIM_NONE, 1);  /* "breaker": false */
    check_call(&sc->calls[1], 0, 2, 0, 0, 0.5);                /* default profile */
    check_call(&sc->calls[2], 0, 3, 0, 0, 1);
    ck_assert(sc->calls[2].optional);
    ck_assert_int_eq(sc->calls[2].scope, SIM_SCOPE_SERVICE);
    ck_assert(!sc->calls[1].optional);
    ck_assert_int_eq(sc->calls[1].scope, SIM_SCOPE_INSTANCE);
    check_call(&sc->calls[3], 0, 4, T(2), 1, 1);               /* "strict" */
    check_call(&sc->calls[4], 4, 5, 0, 0, 1);
    check_call(&sc->calls[5], 4, 6, MS_NS(1500), 0, 1);
}

static void check_change(const sim_rate_change *c, sim_rate_change_kind kind, int64_t start_ns,
                         int64_t duration_ns, double value)
{
    ck_assert_int_eq(c->kind, kind);
    ck_assert_int_eq(c->start_ns, start_ns);
    ck_assert_int_eq(c->duration_ns, duration_ns);
    ck_assert_dbl(c->value, value);
}

static void check_loads(const sim_scenario *sc)
{
    const sim_rate_change *ch = sc->rate_changes;

    ck_assert_uint_eq(sc->n_loads, 2);
    ck_assert_uint_eq(sc->loads[0].entry, 0);
    ck_assert_dbl(sc->loads[0].rate, 400);
    ck_assert_int_eq(sc->loads[0].shape, SIM_SHAPE_POISSON);
    ck_assert_uint_eq(sc->loads[0].first_change, 0);
    ck_assert_uint_eq(sc->loads[0].n_changes, 5);
    ck_assert_uint_eq(sc->n_rate_changes, 5);
    /* Sorted by start: the 2m step was written before the 30s one. */
    check_change(&ch[0], SIM_RATE_STEP, T(30), 0, 500);
    check_change(&ch[1], SIM_RATE_DIURNAL, T(60), T(300), 0.25);
    check_change(&ch[2], SIM_RATE_BURST, T(90), T(10), 3);
    check_change(&ch[3], SIM_RATE_STEP, T(120), 0, 600);
    check_change(&ch[4], SIM_RATE_RAMP, T(180), T(60), 200);
    ck_assert_uint_eq(sc->loads[1].entry, 7);
    ck_assert_dbl(sc->loads[1].rate, 10);
    ck_assert_int_eq(sc->loads[1].shape, SIM_SHAPE_CONSTANT);
    ck_assert_uint_eq(sc->loads[1].n_changes, 0);
    ck_assert_dbl(sim_load_max_rate(sc, &sc->loads[1]), 10);
    ck_assert_dbl(sim_load_rate(sc, &sc->loads[1], T(100)), 10);
    ck_assert_dbl(sim_load_max_rate(sc, &sc->loads[0]), 600 * 3 * 1.25);
}

static void check_fault(const sim_fault *f, sim_fault_kind kind, sim_target_kind target,
                        uint32_t service, int64_t start_ns, int64_t duration_ns, const char *label)
{
    ck_assert_int_eq(f->kind, kind);
    ck_assert_int_eq(f->target, target);
    ck_assert_uint_eq(f->service, service);
    ck_assert_int_eq(f->start_ns, start_ns);
    ck_assert_int_eq(f->duration_ns, duration_ns);
    ck_assert_str_eq(f->label, label);
}

static void check_faults(const sim_scenario *sc)
{
    const sim_fault *f = sc->faults;

    ck_assert_uint_eq(sc->n_faults, 9);
    check_fault(&f[0], SIM_FAULT_LATENCY, SIM_TARGET_SERVICE, 4, T(60), T(45),
                "latency on payment");
    check_dist(&f[0].delay, sim_dist_constant(1.2e9));
    check_fault(&f[1], SIM_FAULT_ERRORS, SIM_TARGET_EDGE, 4, T(10), T(5),
                "errors on gateway->payment");
    ck_assert_uint_eq(f[1].from, 0);
    ck_assert_dbl(f[1].probability, 0.3);
    check_fault(&f[2], SIM_FAULT_CRASH, SIM_TARGET_SERVICE, 5, T(150), T(30), "fraud down");
    check_fault(&f[3], SIM_FAULT_HANG, SIM_TARGET_INSTANCE, 6, T(200), T(10), "hang on bank#0");
    ck_assert_uint_eq(f[3].instance, 0);
    check_fault(&f[4], SIM_FAULT_BROWNOUT, SIM_TARGET_INSTANCE, 4, T(60), T(60),
                "brownout on payment#1");
    ck_assert_uint_eq(f[4].instance, 1);
    ck_assert_dbl(f[4].fraction, 0.25);
    check_fault(&f[5], SIM_FAULT_SLOWDOWN, SIM_TARGET_SERVICE, 2, 0, T(60), "slowdown on catalog");
    ck_assert_dbl(f[5].factor, 4);
    check_fault(&f[6], SIM_FAULT_PARTITION, SIM_TARGET_EDGE, 6, T(240), T(20),
                "partition on payment->bank");
    ck_assert_uint_eq(f[6].from, 4);
    check_fault(&f[7], SIM_FAULT_FLAPPING, SIM_TARGET_SERVICE, 3, T(100), T(60),
                "flapping on pricing");
    ck_assert_int_eq(f[7].period_ns, T(10));
    ck_assert_dbl(f[7].fraction, 0.2);
    check_fault(&f[8], SIM_FAULT_FLAPPING, SIM_TARGET_SERVICE, 1, T(250), T(60),
                "flapping on cart");
    ck_assert_int_eq(f[8].period_ns, T(4));
    ck_assert_dbl(f[8].fraction, 0.5);
}

START_TEST(full_scenario_loads_every_key)
{
    sim_error err;
    char msg[1200];
    sim_scenario *sc = sim_scenario_load(GOOD_DIR "/full.json", &err);

    sim_error_format(&err, msg, sizeof msg);
    ck_assert_msg(sc != NULL, "%s", msg);
    ck_assert_str_eq(sc->name, "checkout");
    ck_assert_str_eq(sc->description, "Payment browns out at 60 s; fraud goes down at 150 s.");
    ck_assert_str_eq(sc->path, GOOD_DIR "/full.json");
    ck_assert_uint_eq(sc->seed, 42);
    ck_assert_int_eq(sc->duration_ns, T(300));
    ck_assert_int_eq(sc->tick_ns, MS_NS(500));
    ck_assert_dbl(sc->slo.error_ratio, 0.02);
    ck_assert_int_eq(sc->slo.p99_ns, MS_NS(800));
    check_profiles(sc);
    check_services(sc);
    check_calls(sc);
    check_loads(sc);
    check_faults(sc);
    sim_scenario_free(sc);
}
END_TEST


/* ---- the resilience policies (good/policies.json) --------------------------------------- */

enum { GATEWAY, PAYMENT, BACKUP, LEDGER, CART, CATALOG, PRICING }; /* its services, in order */
enum { PROFILE_DEFAULT, PROFILE_STRICT };

static void check_retry(const sim_retry *r, uint32_t attempts, sim_backoff backoff,
                        int64_t base_ns, double multiplier, int64_t max_ns, uint32_t on)
{
    ck_assert_uint_eq(r->max_attempts, attempts);
    ck_assert_int_eq(r->backoff, backoff);
    ck_assert_int_eq(r->base_ns, base_ns);
    ck_assert_dbl(r->multiplier, multiplier);
    ck_assert_int_eq(r->max_ns, max_ns);
    ck_assert_uint_eq(r->on, on);
}

static void check_budget(const sim_retry *r, double ratio, double min_per_s, int64_t window_ns)
{
    ck_assert(r->budget);
    ck_assert_dbl(r->budget_ratio, ratio);
    ck_assert_dbl(r->budget_min_per_s, min_per_s);
    ck_assert_int_eq(r->budget_window_ns, window_ns);
}

static void check_no_retry(const sim_retry *r)
{
    static const sim_retry zero;

    ck_assert(memcmp(r, &zero, sizeof zero) == 0);
}

/* The "resilient" set, unchanged. */
static void check_resilient(const sim_call *c)
{
    check_retry(&c->retry, 4, SIM_BACKOFF_DECORRELATED, MS_NS(20), 2, MS_NS(500),
                SIM_RETRY_ON_TIMEOUT | SIM_RETRY_ON_REJECTED);
    check_budget(&c->retry, 0.1, 5, T(30));
    ck_assert_uint_eq(c->bulkhead.max_concurrent, 8);
    ck_assert_int_eq(c->bulkhead.max_wait_ns, MS_NS(5));
    ck_assert_int_eq(c->fallback.kind, SIM_FALLBACK_CACHE);
    ck_assert_dbl(c->fallback.hit, 0.75);
}

/* An alternate: an edge of its own, in no step, without policies. */
static void check_alternate(const sim_call *a, uint32_t from, uint32_t to, uint32_t primary,
                            int64_t timeout_ns, uint32_t profile, sim_breaker_scope scope,
                            bool optional)
{
    check_call(a, from, to, timeout_ns, profile, 1);
    ck_assert(a->alternate);
    ck_assert_uint_eq(a->primary, primary);
    ck_assert_int_eq(a->scope, scope);
    ck_assert(a->optional == optional);
    ck_assert_uint_eq(a->n_alts, 0);
    check_no_retry(&a->retry);
    ck_assert_uint_eq(a->bulkhead.max_concurrent, 0);
    ck_assert_int_eq(a->fallback.kind, SIM_FALLBACK_NONE);
}

static void check_policy_steps(const sim_scenario *sc)
{
    static const uint32_t first[] = { 0, 1, 2, 4, 5, 6 }, count[] = { 1, 1, 2, 1, 1, 1 };

    ck_assert_uint_eq(sc->n_steps, 6);
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_eq(sc->steps[i].first_call, first[i]);
        ck_assert_uint_eq(sc->steps[i].n_calls, count[i]);
        ck_assert(sc->steps[i].parallel == (i == 2));
    }
    ck_assert_uint_eq(sc->services[GATEWAY].n_steps, 4);
    ck_assert_uint_eq(sc->services[PAYMENT].first_step, 4);
    ck_assert_uint_eq(sc->services[BACKUP].first_step, 5);
    /* 7 handler calls, then the 4 alternates in the order of their primaries */
    ck_assert_uint_eq(sc->n_calls, 11);
    for (uint32_t i = 0; i < sc->n_calls; i++)
        ck_assert(sc->calls[i].alternate == (i >= 7));
}

static void check_policy_calls(const sim_scenario *sc)
{
    const sim_call *c = sc->calls;

    /* calls[0]: no "policy", so the "default" set: 2 attempts, every other
     * retry key at its default, fallback "fail", no bulkhead */
    check_call(&c[0], GATEWAY, CART, 0, PROFILE_DEFAULT, 1);
    check_retry(&c[0].retry, 2, SIM_BACKOFF_EXPONENTIAL, MS_NS(50), 2, T(1), SIM_RETRY_ON_DEFAULT);
    ck_assert(!c[0].retry.budget);
    ck_assert_uint_eq(c[0].bulkhead.max_concurrent, 0);
    ck_assert_int_eq(c[0].fallback.kind, SIM_FALLBACK_FAIL);
    ck_assert_uint_eq(c[0].n_alts, 0);
    ck_assert(!c[0].alternate);

    /* calls[1]: "resilient" with its bulkhead removed and its fallback replaced */
    check_call(&c[1], GATEWAY, PAYMENT, MS_NS(800), PROFILE_DEFAULT, 1);
    check_retry(&c[1].retry, 4, SIM_BACKOFF_DECORRELATED, MS_NS(20), 2, MS_NS(500),
                SIM_RETRY_ON_TIMEOUT | SIM_RETRY_ON_REJECTED);
    check_budget(&c[1].retry, 0.1, 5, T(30));
    ck_assert_uint_eq(c[1].bulkhead.max_concurrent, 0);
    ck_assert_int_eq(c[1].bulkhead.max_wait_ns, 0);
    ck_assert_int_eq(c[1].fallback.kind, SIM_FALLBACK_DEFAULT);
    ck_assert_uint_eq(c[1].first_alt, 7);
    ck_assert_uint_eq(c[1].n_alts, 2);

    /* calls[2]: "policy": false keeps even the "default" set away */
    check_call(&c[2], GATEWAY, CATALOG, 0, PROFILE_DEFAULT, 1);
    check_no_retry(&c[2].retry);
    ck_assert_uint_eq(c[2].bulkhead.max_concurrent, 0);
    ck_assert_int_eq(c[2].fallback.kind, SIM_FALLBACK_NONE);

    /* calls[3]: the empty "bare" set plus inline parts; a constant backoff
     * of 2 s raises the default cap to its base; "budget": {} is all defaults */
    check_call(&c[3], GATEWAY, PRICING, 0, PROFILE_DEFAULT, 1);
    check_retry(&c[3].retry, 3, SIM_BACKOFF_CONSTANT, T(2), 2, T(2), SIM_RETRY_ON_DEFAULT);
    check_budget(&c[3].retry, 0.2, 10, T(10));
    ck_assert_uint_eq(c[3].bulkhead.max_concurrent, 3);
    ck_assert_int_eq(c[3].bulkhead.max_wait_ns, 0);
    ck_assert_int_eq(c[3].fallback.kind, SIM_FALLBACK_DEFAULT);
    ck_assert_uint_eq(c[3].first_alt, 9);
    ck_assert_uint_eq(c[3].n_alts, 1);

    /* calls[4]: "resilient" as it is */
    check_call(&c[4], GATEWAY, LEDGER, 0, PROFILE_DEFAULT, 1);
    check_resilient(&c[4]);
    ck_assert_uint_eq(c[4].n_alts, 0);

    /* calls[5]: an inline retry replaces the set's whole retry (its budget
     * and backoff go too); the set's bulkhead stays; "fallback": false */
    check_call(&c[5], PAYMENT, LEDGER, 0, PROFILE_DEFAULT, 1);
    check_retry(&c[5].retry, 2, SIM_BACKOFF_EXPONENTIAL, MS_NS(50), 2, T(1), SIM_RETRY_ON_DEFAULT);
    ck_assert(!c[5].retry.budget);
    ck_assert_uint_eq(c[5].bulkhead.max_concurrent, 8);
    ck_assert_int_eq(c[5].bulkhead.max_wait_ns, MS_NS(5));
    ck_assert_int_eq(c[5].fallback.kind, SIM_FALLBACK_NONE);
    ck_assert_uint_eq(c[5].first_alt, 10);
    ck_assert_uint_eq(c[5].n_alts, 1);

    /* calls[6]: the "default" set with its retry removed */
    check_call(&c[6], BACKUP, LEDGER, 0, PROFILE_DEFAULT, 1);
    check_no_retry(&c[6].retry);
    ck_assert_int_eq(c[6].fallback.kind, SIM_FALLBACK_FAIL);
}

static void check_policy_alternates(const sim_scenario *sc)
{
    const sim_call *c = sc->calls;

    /* the timeout, scope and optional of the primary; the "default" profile */
    check_alternate(&c[7], GATEWAY, BACKUP, 1, MS_NS(800), PROFILE_DEFAULT, SIM_SCOPE_SERVICE,
                    true);
    check_alternate(&c[8], GATEWAY, LEDGER, 1, T(1), PROFILE_STRICT, SIM_SCOPE_INSTANCE, true);
    check_alternate(&c[9], GATEWAY, BACKUP, 3, 0, SIM_NONE, SIM_SCOPE_INSTANCE, false);
    check_alternate(&c[10], PAYMENT, BACKUP, 5, 0, PROFILE_DEFAULT, SIM_SCOPE_INSTANCE, false);
}

static void check_ejection(const sim_ejection *e, uint32_t consecutive, int64_t base_ns,
                           int64_t max_ns, double max_percent)
{
    ck_assert_uint_eq(e->consecutive, consecutive);
    ck_assert_int_eq(e->base_ns, base_ns);
    ck_assert_int_eq(e->max_ns, max_ns);
    ck_assert_dbl(e->max_percent, max_percent);
}

START_TEST(policies_scenario_loads_every_policy)
{
    sim_error err;
    char msg[1200];
    sim_scenario *sc = sim_scenario_load(GOOD_DIR "/policies.json", &err);

    sim_error_format(&err, msg, sizeof msg);
    ck_assert_msg(sc != NULL, "%s", msg);
    ck_assert_uint_eq(sc->n_services, 7);
    ck_assert_str_eq(sc->services[PRICING].name, "pricing");
    ck_assert_uint_eq(sc->n_profiles, 2);
    check_policy_steps(sc);
    check_policy_calls(sc);
    check_policy_alternates(sc);
    check_ejection(&sc->services[PAYMENT].ejection, 3, T(10), T(120), 34);
    check_ejection(&sc->services[BACKUP].ejection, 5, T(30), T(300), 50); /* {}: the defaults */
    check_ejection(&sc->services[LEDGER].ejection, 0, 0, 0, 0);          /* false */
    check_ejection(&sc->services[CART].ejection, 0, 0, 0, 0);            /* absent */
    check_ejection(&sc->services[PRICING].ejection, 5, T(600), T(600), 50); /* max follows base */
    sim_scenario_free(sc);
}
END_TEST

START_TEST(expect_list_loads_bounds_in_their_units)
{
    sim_scenario *sc = must_load(
        "{\"name\":\"m\",\"duration\":\"60s\",\"services\":{"
        "\"a\":{\"calls\":[{\"to\":\"b\"}]},\"b\":{}},"
        "\"load\":[{\"entry\":\"a\",\"rate\":1}],"
        "\"faults\":[{\"kind\":\"crash\",\"target\":\"b\",\"start\":\"1s\","
        "\"duration\":\"1s\",\"label\":\"b down\"}],"
        "\"expect\":[{\"metric\":\"availability_served\",\"min\":0.995},"
        "{\"metric\":\"time_to_recover\",\"max\":\"20s\",\"fault\":\"b down\"},"
        "{\"metric\":\"blast_radius\",\"max\":1},"
        "{\"metric\":\"contained\",\"equals\":true},"
        "{\"metric\":\"p99\",\"service\":\"a\",\"max\":\"800ms\"},"
        "{\"metric\":\"availability\",\"service\":\"b\",\"min\":0.5,\"max\":1},"
        "{\"metric\":\"retry_amplification\",\"edge\":\"a->b\",\"max\":1.2}]}");
    const sim_expect *e = sc->expects;

    ck_assert_uint_eq(sc->n_expects, 7);
    ck_assert_str_eq(sim_expect_metrics[e[0].metric].name, "availability_served");
    ck_assert_int_eq(sim_expect_metrics[e[0].metric].scope, SIM_EXPECT_RUN);
    ck_assert(e[0].has_min && !e[0].has_max);
    ck_assert_double_eq(e[0].min, 0.995);
    ck_assert_str_eq(e[0].text, "availability_served >= 0.995");
    ck_assert_uint_eq(e[1].fault, 0);
    ck_assert_double_eq(e[1].max, 20.0); /* seconds */
    ck_assert_str_eq(e[1].text, "time_to_recover for b down <= 20 s");
    ck_assert_uint_eq(e[2].fault, SIM_NONE); /* every fault */
    ck_assert_str_eq(e[2].text, "blast_radius for every fault <= 1");
    ck_assert(e[3].has_min && e[3].has_max && e[3].min == 1 && e[3].max == 1);
    ck_assert_str_eq(e[3].text, "contained for every fault == true");
    ck_assert_int_eq(sim_expect_metrics[e[4].metric].scope, SIM_EXPECT_SERVICE);
    ck_assert_uint_eq(e[4].service, 0);
    ck_assert_double_eq_tol(e[4].max, 0.8, 1e-12);
    ck_assert_str_eq(e[5].text, "availability of b in [0.5, 1]");
    ck_assert_int_eq(sim_expect_metrics[e[6].metric].scope, SIM_EXPECT_EDGE);
    ck_assert_uint_eq(e[6].edge, 0);
    ck_assert_str_eq(e[6].text, "retry_amplification of a->b <= 1.2");
    sim_scenario_free(sc);
}
END_TEST

START_TEST(policies_are_off_without_keys)
{
    sim_scenario *sc = must_load("{\"name\":\"m\",\"duration\":\"10s\","
                                 "\"services\":{\"a\":{\"calls\":[{\"to\":\"b\"}]},\"b\":{}},"
                                 "\"load\":[{\"entry\":\"a\",\"rate\":1}]}");
    const sim_call *c = &sc->calls[0];

    ck_assert_uint_eq(sc->n_calls, 1);
    check_no_retry(&c->retry);
    ck_assert_uint_eq(c->bulkhead.max_concurrent, 0);
    ck_assert_int_eq(c->bulkhead.max_wait_ns, 0);
    ck_assert_int_eq(c->fallback.kind, SIM_FALLBACK_NONE);
    ck_assert_uint_eq(c->n_alts, 0);
    ck_assert(!c->alternate);
    check_ejection(&sc->services[0].ejection, 0, 0, 0, 0);
    check_ejection(&sc->services[1].ejection, 0, 0, 0, 0);
    sim_scenario_free(sc);
}
END_TEST

START_TEST(retry_object_has_documented_defaults)
{
    sim_scenario *sc = must_load("{\"name\":\"m\",\"duration\":\"10s\",\"services\":{"
                                 "\"a\":{\"calls\":[{\"to\":\"b\",\"retry\":{}},"
                                 "{\"to\":\"b\",\"retry\":{\"base\":\"3s\",\"on\":[\"shed\"]}},"
                                 "{\"to\":\"b\",\"retry\":{\"budget\":false}},"
                                 "{\"to\":\"b\",\"bulkhead\":{\"max_concurrent\":1,"
                                 "\"max_wait\":\"1s\"},\"fallback\":\"fail\"}]},\"b\":{}},"
                                 "\"load\":[{\"entry\":\"a\",\"rate\":1}]}");
    const sim_call *c = sc->calls;

    check_retry(&c[0].retry, 3, SIM_BACKOFF_EXPONENTIAL, MS_NS(50), 2, T(1), SIM_RETRY_ON_DEFAULT);
    ck_assert(!c[0].retry.budget);
    ck_assert_int_eq(c[0].retry.budget_window_ns, 0);
    check_retry(&c[1].retry, 3, SIM_BACKOFF_EXPONENTIAL, T(3), 2, T(3), SIM_RETRY_ON_SHED);
    ck_assert(!c[2].retry.budget);
    ck_assert_uint_eq(c[2].retry.max_attempts, 3);
    check_no_retry(&c[3].retry);
    ck_assert_uint_eq(c[3].bulkhead.max_concurrent, 1);
    ck_assert_int_eq(c[3].bulkhead.max_wait_ns, T(1));
    ck_assert_int_eq(c[3].fallback.kind, SIM_FALLBACK_FAIL);
    ck_assert_dbl(c[3].fallback.hit, 0);
    sim_scenario_free(sc);
}
END_TEST

START_TEST(alternates_of_parallel_calls_keep_steps_contiguous)
{
    /* b's handler call comes after a's alternate in the file, but every
     * handler call precedes every alternate in sc->calls */
    sim_scenario *sc = must_load(
        "{\"name\":\"m\",\"duration\":\"10s\",\"services\":{"
        "\"a\":{\"calls\":[{\"parallel\":[{\"to\":\"b\",\"alternates\":[{\"to\":\"c\"},"
        "{\"to\":\"d\"}]},{\"to\":\"c\"}]},{\"to\":\"d\",\"alternates\":[{\"to\":\"c\"}]}]},"
        "\"b\":{\"calls\":[{\"to\":\"c\",\"alternates\":[{\"to\":\"d\"}]}]},\"c\":{},\"d\":{}},"
        "\"load\":[{\"entry\":\"a\",\"rate\":1}]}");
    const sim_call *c = sc->calls;

    ck_assert_uint_eq(sc->n_calls, 8);
    ck_assert_uint_eq(sc->steps[0].first_call, 0);
    ck_assert_uint_eq(sc->steps[0].n_calls, 2);
    ck_assert_uint_eq(sc->steps[1].first_call, 2);
    ck_assert_uint_eq(sc->steps[2].first_call, 3); /* b's only step */
    ck_assert_uint_eq(c[0].first_alt, 4);
    ck_assert_uint_eq(c[0].n_alts, 2);
    ck_assert_uint_eq(c[1].n_alts, 0);
    ck_assert_uint_eq(c[2].first_alt, 6);
    ck_assert_uint_eq(c[3].first_alt, 7);
    ck_assert_uint_eq(c[3].from, 1);
    for (uint32_t i = 4; i < 8; i++)
        ck_assert(c[i].alternate);
    ck_assert_uint_eq(c[4].primary, 0);
    ck_assert_uint_eq(c[4].to, 2);
    ck_assert_uint_eq(c[5].primary, 0);
    ck_assert_uint_eq(c[5].to, 3);
    ck_assert_uint_eq(c[6].primary, 2);
    ck_assert_uint_eq(c[7].primary, 3);
    ck_assert_uint_eq(c[7].from, 1);
    ck_assert_uint_eq(c[7].to, 3);
    sim_scenario_free(sc);
}
END_TEST

START_TEST(fault_may_target_an_alternate_edge)
{
    sim_scenario *sc = must_load(
        "{\"name\":\"m\",\"duration\":\"10s\",\"services\":{"
        "\"a\":{\"calls\":[{\"to\":\"b\",\"alternates\":[{\"to\":\"c\"}]}]},\"b\":{},\"c\":{}},"
        "\"load\":[{\"entry\":\"a\",\"rate\":1}],"
        "\"faults\":[{\"kind\":\"partition\",\"target\":\"a->c\",\"start\":0,\"duration\":1}]}");

    ck_assert_int_eq(sc->faults[0].target, SIM_TARGET_EDGE);
    ck_assert_uint_eq(sc->faults[0].from, 0);
    ck_assert_uint_eq(sc->faults[0].service, 2);
    sim_scenario_free(sc);
}
END_TEST

START_TEST(cycle_through_a_parallel_alternate_names_its_path)
{
    char msg[1200];

    must_fail("{\"name\":\"m\",\"duration\":\"10s\",\"services\":{"
              "\"a\":{\"calls\":[{\"to\":\"b\"}]},"
              "\"b\":{\"calls\":[{\"parallel\":[{\"to\":\"c\"},{\"to\":\"c\",\"alternates\":["
              "{\"to\":\"d\"},{\"to\":\"a\"}]}]}]},\"c\":{},\"d\":{}},"
              "\"load\":[{\"entry\":\"a\",\"rate\":1}]}",
              msg, sizeof msg);
    ck_assert_str_eq(msg, "test:1:142: services.b.calls[0].parallel[1].alternates[1]: call "
                          "cycle: a -> b -> a");
}
END_TEST

/* ---- defaults ---------------------------------------------------------------------- */

START_TEST(defaults_are_applied)
{
    sim_scenario *sc = must_load("{\"name\":\"m\",\"duration\":\"10s\",\"services\":{\"a\":{}},"
                                 "\"load\":[{\"entry\":\"a\",\"rate\":2.5}]}");
    const sim_service *a = &sc->services[0];

    ck_assert_str_eq(sc->description, "");
    ck_assert_str_eq(sc->path, "test");
    ck_assert_uint_eq(sc->seed, 1);
    ck_assert_int_eq(sc->tick_ns, T(1));
    ck_assert_dbl(sc->slo.error_ratio, 0.01);
    ck_assert_int_eq(sc->slo.p99_ns, T(1));
    ck_assert_uint_eq(sc->n_profiles, 0);
    ck_assert_uint_eq(a->replicas, 1);
    ck_assert_uint_eq(a->concurrency, 16);
    ck_assert_uint_eq(a->queue, 64);
    ck_assert_int_eq(a->queue_timeout_ns, 0);
    check_dist(&a->latency, sim_dist_constant(1e6));
    ck_assert_dbl(a->error_rate, 0);
    ck_assert_int_eq(a->lb, SIM_LB_ROUND_ROBIN);
    ck_assert_dbl(a->slo.error_ratio, 0.01);
    ck_assert_int_eq(a->slo.p99_ns, T(1));
    ck_assert_uint_eq(a->n_steps, 0);
    ck_assert_int_eq(sc->loads[0].shape, SIM_SHAPE_POISSON);
    ck_assert_dbl(sc->loads[0].rate, 2.5);
    ck_assert_uint_eq(sc->n_rate_changes, 0);
    ck_assert_uint_eq(sc->n_faults, 0);
    ck_assert_ptr_null(sc->faults);
    sim_scenario_free(sc);
}
END_TEST

START_TEST(default_tick_is_capped_by_a_short_run)
{
    sim_scenario *sc = must_load("{\"name\":\"m\",\"duration\":\"200ms\",\"services\":{\"a\":{}},"
                                 "\"load\":[{\"entry\":\"a\",\"rate\":1}]}");

    ck_assert_int_eq(sc->tick_ns, MS_NS(200));
    sim_scenario_free(sc);
}
END_TEST

START_TEST(empty_profile_has_resilience4j_defaults)
{
    sim_scenario *sc = must_load("{\"name\":\"m\",\"duration\":\"10s\",\"profiles\":{\"p\":{}},"
                                 "\"services\":{\"a\":{}},"
                                 "\"load\":[{\"entry\":\"a\",\"rate\":1}]}");
    const fb_config *c = &sc->profiles[0].cfg;
    fb_config want;

    fb_config_init(&want);
    ck_assert_int_eq(c->window_type, want.window_type);
    ck_assert_uint_eq(c->window_size, want.window_size);
    ck_assert_uint_eq(c->min_calls, want.min_calls);
    ck_assert_uint_eq(c->rules, want.rules);
    ck_assert_dbl(c->failure_rate_threshold, want.failure_rate_threshold);
    ck_assert_dbl(c->slow_call_rate_threshold, want.slow_call_rate_threshold);
    ck_assert_int_eq(c->slow_call_ns, want.slow_call_ns);
    ck_assert_int_eq(c->open_wait_ns, want.open_wait_ns);
    ck_assert_dbl(c->open_wait_multiplier, want.open_wait_multiplier);
    ck_assert_int_eq(c->open_wait_decay_ns, want.open_wait_decay_ns);
    ck_assert_uint_eq(c->half_open_permits, want.half_open_permits);
    ck_assert_int_eq(c->half_open_deadline_ns, want.half_open_deadline_ns);
    ck_assert(!c->synchronized);
    ck_assert(c->random == NULL);
    ck_assert_dbl(c->failure_rate_z, 0); /* the failure-prediction rules stay off */
    ck_assert_uint_eq(c->latency_short_calls, want.latency_short_calls);
    ck_assert_int_eq(c->latency_long_ns, want.latency_long_ns);
    ck_assert_dbl(c->latency_trend_ratio, want.latency_trend_ratio);
    ck_assert_dbl(c->throttle_k, want.throttle_k);
    ck_assert_int_eq(c->throttle_window_ns, want.throttle_window_ns);
    ck_assert_int_eq(c->recovery_ramp_ns, want.recovery_ramp_ns);
    ck_assert_dbl(c->recovery_ramp_start, want.recovery_ramp_start);
    sim_scenario_free(sc);
}
END_TEST

START_TEST(calls_use_the_default_profile_only_when_it_exists)
{
    sim_scenario *with = must_load(
        "{\"name\":\"m\",\"duration\":\"10s\",\"profiles\":{\"other\":{},\"default\":{}},"
        "\"services\":{\"a\":{\"calls\":[{\"to\":\"b\"},{\"to\":\"b\",\"breaker\":false},"
        "{\"to\":\"b\",\"breaker\":\"other\"}]},\"b\":{}},"
        "\"load\":[{\"entry\":\"a\",\"rate\":1}]}");
    sim_scenario *without = must_load(
        "{\"name\":\"m\",\"duration\":\"10s\",\"profiles\":{\"other\":{}},"
        "\"services\":{\"a\":{\"calls\":[{\"to\":\"b\"}]},\"b\":{}},"
        "\"load\":[{\"entry\":\"a\",\"rate\":1}]}");

    ck_assert_uint_eq(with->calls[0].profile, 1);
    ck_assert_uint_eq(with->calls[1].profile, SIM_NONE);
    ck_assert_uint_eq(with->calls[2].profile, 0);
    ck_assert_uint_eq(without->calls[0].profile, SIM_NONE);
    sim_scenario_free(with);
    sim_scenario_free(without);
}
END_TEST

START_TEST(numbers_may_be_written_as_integral_reals)
{
    sim_scenario *sc = must_load("{\"name\":\"m\",\"duration\":1.5,\"seed\":7.0,"
                                 "\"services\":{\"a\":{\"replicas\":2.0,\"latency\":0}},"
                                 "\"load\":[{\"entry\":\"a\",\"rate\":1}]}");

    ck_assert_int_eq(sc->duration_ns, MS_NS(1500));
    ck_assert_uint_eq(sc->seed, 7);
    ck_assert_uint_eq(sc->services[0].replicas, 2);
    check_dist(&sc->services[0].latency, sim_dist_constant(0));
    sim_scenario_free(sc);
}
END_TEST

/* ---- arrival rates --------------------------------------------------------------------- */

static sim_scenario *load_with(const char *load)
{
    char json[1024];

    snprintf(json, sizeof json,
             "{\"name\":\"r\",\"duration\":\"10m\",\"services\":{\"a\":{}},\"load\":[%s]}", load);
    return must_load(json);
}

static double rate_at(const sim_scenario *sc, double seconds)
{
    return sim_load_rate(sc, &sc->loads[0], S_NS(seconds));
}

START_TEST(rate_follows_steps_ramps_and_bursts)
{
    sim_scenario *sc = load_with(
        "{\"entry\":\"a\",\"rate\":100,"
        "\"steps\":[{\"at\":\"40s\",\"rate\":50},{\"at\":\"10s\",\"rate\":200}],"
        "\"ramps\":[{\"start\":\"20s\",\"duration\":\"10s\",\"to\":300}],"
        "\"bursts\":[{\"start\":\"25s\",\"duration\":\"2s\",\"multiplier\":2},"
        "{\"start\":\"26s\",\"duration\":\"10s\",\"multiplier\":1.5}]}");

    ck_assert_dbl(rate_at(sc, 0), 100);
    ck_assert_dbl(sim_load_rate(sc, &sc->loads[0], T(10) - 1), 100);
    ck_assert_dbl(rate_at(sc, 10), 200);   /* the step replaces the base */
    ck_assert_dbl(rate_at(sc, 20), 200);   /* the ramp starts from the level in force */
    ck_assert_dbl(rate_at(sc, 22.5), 225); /* a quarter of the way to 300 */
    ck_assert_dbl(rate_at(sc, 25), 500);   /* 250 x 2 */
    ck_assert_dbl(rate_at(sc, 26.5), 265 * 2 * 1.5);
    ck_assert_dbl(rate_at(sc, 27.5), 412.5); /* first burst over: 275 x 1.5 */
    ck_assert_dbl(rate_at(sc, 30), 450);     /* the ramp holds 300 */
    ck_assert_dbl(rate_at(sc, 36), 300);     /* the second burst is over */
    ck_assert_dbl(rate_at(sc, 40), 50);      /* a later step replaces the ramp's level */
    ck_assert_dbl(rate_at(sc, 599), 50);
    ck_assert_dbl(sim_load_max_rate(sc, &sc->loads[0]), 300 * 2 * 1.5);
    sim_scenario_free(sc);
}
END_TEST

START_TEST(ramp_starts_from_the_rate_at_its_own_start)
{
    /* The second ramp starts halfway through the first: from 150, not 100. */
    sim_scenario *sc = load_with("{\"entry\":\"a\",\"rate\":100,\"ramps\":["
                                 "{\"start\":\"0s\",\"duration\":\"10s\",\"to\":200},"
                                 "{\"start\":\"5s\",\"duration\":\"10s\",\"to\":0}]}");

    ck_assert_dbl(rate_at(sc, 0), 100);
    ck_assert_dbl(rate_at(sc, 2.5), 125);
    ck_assert_dbl(rate_at(sc, 5), 150);
    ck_assert_dbl(rate_at(sc, 7.5), 112.5);
    ck_assert_dbl(rate_at(sc, 15), 0);
    ck_assert_dbl(rate_at(sc, 100), 0);
    ck_assert_dbl(sim_load_max_rate(sc, &sc->loads[0]), 200);
    sim_scenario_free(sc);
}
END_TEST

START_TEST(step_and_ramp_at_the_same_instant_keep_file_order)
{
    sim_scenario *sc = load_with("{\"entry\":\"a\",\"rate\":100,"
                                 "\"steps\":[{\"at\":\"10s\",\"rate\":40}],"
                                 "\"ramps\":[{\"start\":\"10s\",\"duration\":\"4s\",\"to\":80}]}");

    ck_assert_int_eq(sc->rate_changes[0].kind, SIM_RATE_STEP);
    ck_assert_int_eq(sc->rate_changes[1].kind, SIM_RATE_RAMP);
    ck_assert_dbl(rate_at(sc, 10), 40);
    ck_assert_dbl(rate_at(sc, 11), 50);
    ck_assert_dbl(rate_at(sc, 14), 80);
    sim_scenario_free(sc);
}
END_TEST

START_TEST(diurnal_shape_multiplies_by_a_sine)
{
    sim_scenario *sc = load_with("{\"entry\":\"a\",\"rate\":100,\"diurnal\":"
                                 "{\"period\":\"40s\",\"amplitude\":0.5,\"phase\":\"10s\"}}");

    ck_assert_dbl(rate_at(sc, 10), 100); /* sin(0) */
    ck_assert_dbl(rate_at(sc, 20), 150); /* a quarter period: sin = 1 */
    ck_assert_dbl(rate_at(sc, 0), 50);   /* before the phase: sin(-pi/2) = -1 */
    ck_assert_dbl(rate_at(sc, 40), 50);  /* three quarters */
    ck_assert_double_eq_tol(rate_at(sc, 30), 100, 1e-9);
    ck_assert_double_eq_tol(rate_at(sc, 15), 100 + 50 * sin(3.14159265358979323846 / 4), 1e-9);
    ck_assert_dbl(sim_load_max_rate(sc, &sc->loads[0]), 150);
    sim_scenario_free(sc);
}
END_TEST

/* The bound for thinning is the largest product of bursts that overlap, not
 * the product of all: six separate x30 bursts once made it 30^6 (a run that
 * never ended). */
START_TEST(max_rate_multiplies_only_bursts_that_overlap)
{
    sim_scenario *sc = load_with("{\"entry\":\"a\",\"rate\":1,\"bursts\":["
                                 "{\"start\":\"5s\",\"duration\":\"1s\",\"multiplier\":30},"
                                 "{\"start\":\"15s\",\"duration\":\"1s\",\"multiplier\":30},"
                                 "{\"start\":\"25s\",\"duration\":\"10s\",\"multiplier\":30},"
                                 "{\"start\":\"30s\",\"duration\":\"1s\",\"multiplier\":2},"
                                 "{\"start\":\"35s\",\"duration\":\"1s\",\"multiplier\":30},"
                                 "{\"start\":\"45s\",\"duration\":\"1s\",\"multiplier\":30}]}");

    /* Only [25s, 35s) and [30s, 31s) overlap: 30 x 2. The burst at 35 s
     * starts as the long one ends. */
    ck_assert_dbl(sim_load_max_rate(sc, &sc->loads[0]), 60);
    ck_assert_dbl(rate_at(sc, 30.5), 60);
    ck_assert_dbl(rate_at(sc, 35.5), 30);
    sim_scenario_free(sc);
}
END_TEST

START_TEST(rate_never_goes_below_zero_and_zero_bursts_silence)
{
    sim_scenario *sc = load_with("{\"entry\":\"a\",\"rate\":100,"
                                 "\"bursts\":[{\"start\":\"5s\",\"duration\":\"1s\","
                                 "\"multiplier\":0}],"
                                 "\"diurnal\":{\"period\":\"4s\",\"amplitude\":1}}");

    ck_assert_dbl(rate_at(sc, 5.5), 0);
    for (int i = 0; i < 400; i++)
        ck_assert(rate_at(sc, i * 0.01) >= 0);
    ck_assert_dbl(rate_at(sc, 3), 0); /* 1 + sin(3 pi / 2) */
    ck_assert_dbl(sim_load_max_rate(sc, &sc->loads[0]), 200); /* bursts below 1 do not count */
    sim_scenario_free(sc);
}
END_TEST

/* ---- durations ------------------------------------------------------------------------ */

START_TEST(duration_parse_accepts_units_and_plain_seconds)
{
    static const struct {
        const char *text;
        int64_t ns;
    } ok[] = {
        { "0", 0 },
        { "0s", 0 },
        { "1", T(1) },
        { "0.25", MS_NS(250) },
        { "250ms", MS_NS(250) },
        { "1.5s", MS_NS(1500) },
        { "0.1s", MS_NS(100) },
        { "5m", T(300) },
        { "2h", T(7200) },
        { "500us", 500000 },
        { "100ns", 100 },
        { "0.5ns", 1 },
        { "007s", T(7) },
        { "1.000000001s", T(1) + 1 },
        { "9007199254740993ns", INT64_C(9007199254740993) },
        { "3155760000s", INT64_C(3155760000) * T(1) }, /* 100 years of 365.25 days */
        { "876600h", INT64_C(3155760000) * T(1) },
    };
    static const char *bad[] = {
        "",     "s",    "ms",   "-1s",  "-0",    "+1s",   " 1s",       "1s ",
        "1.s",  ".5s",  "1e3s", "1S",   "5min",  "1d",    "NaN",       "inf",
        "1m30s", "1.5.5s", "3155760000.5s", "3155760001s", "876601h",
        "99999999999999999999999h", "1_000ms", "0x10s",
    };
    int64_t ns;

    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ns = -42;
        ck_assert_msg(sim_duration_parse(ok[i].text, &ns), "\"%s\" was refused", ok[i].text);
        ck_assert_msg(ns == ok[i].ns, "\"%s\": got %lld ns, want %lld", ok[i].text, (long long)ns,
                      (long long)ok[i].ns);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ns = -42;
        ck_assert_msg(!sim_duration_parse(bad[i], &ns), "\"%s\" was accepted", bad[i]);
        ck_assert_int_eq(ns, -42);
    }
    ck_assert(!sim_duration_parse(NULL, &ns));
    ck_assert(sim_duration_parse("3s", NULL));
}
END_TEST

START_TEST(json_number_durations_are_seconds)
{
    sim_scenario *sc = must_load("{\"name\":\"m\",\"duration\":90,\"tick\":0.001,"
                                 "\"services\":{\"a\":{\"queue_timeout\":0.0000005}},"
                                 "\"load\":[{\"entry\":\"a\",\"rate\":1}]}");

    ck_assert_int_eq(sc->duration_ns, T(90));
    ck_assert_int_eq(sc->tick_ns, MS_NS(1));
    ck_assert_int_eq(sc->services[0].queue_timeout_ns, 500);
    sim_scenario_free(sc);
}
END_TEST

/* ---- robustness -------------------------------------------------------------------- */

static const char *const robust_files[] = { GOOD_DIR "/full.json", GOOD_DIR "/policies.json" };

/* Every prefix of a valid scenario is an error (never a crash or a leak). */
START_TEST(every_truncation_of_a_good_file_is_an_error)
{
    size_t len = 0;
    char *text = slurp(robust_files[_i], &len);

    ck_assert_ptr_nonnull(text);
    for (size_t cut = 0; cut + 2 < len; cut++) {
        char saved = text[cut];
        sim_error err;
        sim_scenario *sc;

        text[cut] = '\0';
        sc = sim_scenario_load_string(text, "cut", &err);
        ck_assert_msg(sc == NULL, "a prefix of %zu bytes loaded", cut);
        ck_assert_msg(err.text[0] != '\0', "a prefix of %zu bytes: no message", cut);
        text[cut] = saved;
    }
    free(text);
}
END_TEST

/* Single-byte mutations: whatever happens, a scenario or a message. */
START_TEST(mangled_input_never_crashes)
{
    static const char junk[] = "{}[]\",:0-9.e\\ xtfn#>";
    size_t len = 0;
    char *text = slurp(robust_files[_i], &len);
    uint64_t state = 0x9E3779B97F4A7C15u;
    int loaded = 0;

    ck_assert_ptr_nonnull(text);
    for (int i = 0; i < 3000; i++) {
        size_t at;
        char saved;
        sim_error err;
        sim_scenario *sc;

        state = state * 6364136223846793005u + 1442695040888963407u;
        at = (size_t)(state >> 33) % len;
        saved = text[at];
        text[at] = junk[(state >> 20) % (sizeof junk - 1)];
        sc = sim_scenario_load_string(text, "m", &err);
        if (sc) {
            loaded++;
            sim_scenario_free(sc);
        } else {
            ck_assert_msg(err.text[0] != '\0', "mutation %d: no message", i);
        }
        text[at] = saved;
    }
    ck_assert_int_gt(loaded, 0); /* some mutations (inside strings) stay valid */
    free(text);
}
END_TEST

Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *golden = tcase_create("golden");
    TCase *values = tcase_create("values");
    TCase *rates = tcase_create("rates");
    TCase *robust = tcase_create("robustness");

    tcase_add_test(golden, every_bad_case_fails_with_its_golden_message);
    tcase_add_test(golden, every_golden_error_file_has_its_scenario);
    tcase_add_test(golden, every_good_case_loads);
    tcase_add_test(golden, error_carries_source_line_column_path_and_text);
    tcase_add_test(golden, syntax_error_carries_janssons_position);
    tcase_add_test(golden, unreadable_file_has_no_position);
    tcase_add_test(golden, error_format_omits_unknown_parts);
    tcase_add_test(golden, null_error_pointer_and_null_text_are_safe);
    tcase_add_test(golden, long_cycle_is_found_without_deep_recursion);
    tcase_add_test(golden, first_error_wins);
    tcase_add_test(golden, cycle_through_a_parallel_alternate_names_its_path);
    tcase_set_timeout(golden, 30);
    suite_add_tcase(s, golden);

    tcase_add_test(values, full_scenario_loads_every_key);
    tcase_add_test(values, defaults_are_applied);
    tcase_add_test(values, default_tick_is_capped_by_a_short_run);
    tcase_add_test(values, empty_profile_has_resilience4j_defaults);
    tcase_add_test(values, calls_use_the_default_profile_only_when_it_exists);
    tcase_add_test(values, numbers_may_be_written_as_integral_reals);
    tcase_add_test(values, policies_scenario_loads_every_policy);
    tcase_add_test(values, policies_are_off_without_keys);
    tcase_add_test(values, expect_list_loads_bounds_in_their_units);
    tcase_add_test(values, retry_object_has_documented_defaults);
    tcase_add_test(values, alternates_of_parallel_calls_keep_steps_contiguous);
    tcase_add_test(values, fault_may_target_an_alternate_edge);
    tcase_add_test(values, duration_parse_accepts_units_and_plain_seconds);
    tcase_add_test(values, json_number_durations_are_seconds);
    suite_add_tcase(s, values);

    tcase_add_test(rates, rate_follows_steps_ramps_and_bursts);
    tcase_add_test(rates, ramp_starts_from_the_rate_at_its_own_start);
    tcase_add_test(rates, step_and_ramp_at_the_same_instant_keep_file_order);
    tcase_add_test(rates, diurnal_shape_multiplies_by_a_sine);
    tcase_add_test(rates, rate_never_goes_below_zero_and_zero_bursts_silence);
    tcase_add_test(rates, max_rate_multiplies_only_bursts_that_overlap);
    suite_add_tcase(s, rates);

    tcase_add_loop_test(robust, every_truncation_of_a_good_file_is_an_error, 0, 2);
    tcase_add_loop_test(robust, mangled_input_never_crashes, 0, 2);
    tcase_set_timeout(robust, 60);
    suite_add_tcase(s, robust);
    return s;
}
