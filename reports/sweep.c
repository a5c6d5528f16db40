/* sweep.c — the grid of a sweep, the figures of each run, the statistics,
 * the Pareto front and the recommendation (sweep.h).
 *
 * A sweep is a table: points (one value index per parameter) × seeds, each
 * cell one run's figures. The points are kept in grid order (the first
 * parameter varies slowest), whether they are the whole product or a
 * sample, so every way of filling the table — one process, several, shards
 * merged later — yields the same table and the same files. Parameters are
 * applied to the parsed scenario JSON and the result goes through the
 * strict loader, so a sweep can set nothing the format would refuse.
 * The front is found by comparing every pair: O(n²) for n <= 10,000 points
 * is a fraction of a second, and simpler than a sorted sweep-line. */
#define _POSIX_C_SOURCE 200809L
#include "sweep.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const report_sweep_metric_names[REPORT_SWEEP_N_METRICS] = {
#define X(name, text) text,
    REPORT_SWEEP_METRICS(X)
#undef X
};

static bool fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- parameters ------------------------------------------------------------- */

/* A number written in full: "-12", "0.5", "1e3". *integral: no '.', 'e'. */
static bool parse_number(const char *t, double *out, bool *integral)
{
    char *end;

    if (!*t || !(t[0] == '-' || t[0] == '.' || (t[0] >= '0' && t[0] <= '9')))
        return false;
    errno = 0;
    *out = strtod(t, &end);
    if (errno || *end || !isfinite(*out))
        return false;
    *integral = !strpbrk(t, ".eE") && fabs(*out) < 9007199254740992.0;
    return true;
}

static json_t *scalar_from(const char *t)
{
    double d;
    bool integral;

    if (strcmp(t, "true") == 0)
        return json_true();
    if (strcmp(t, "false") == 0)
        return json_false();
    if (parse_number(t, &d, &integral))
        return integral ? json_integer((json_int_t)d) : json_real(d);
    return json_string(t);
}

static bool parse_range(const char *name, const char *text, json_t *values, char *err,
                        size_t size)
{
    char buf[256], *part[3], *save = NULL;
    double v[3];
    bool integral[3];
    int n = 0;

    snprintf(buf, sizeof(buf), "%s", text);
    for (char *t = strtok_r(buf, ":", &save); t && n < 3; t = strtok_r(NULL, ":", &save))
        part[n++] = t;
    if (n != 3 || strtok_r(NULL, ":", &save) || text[strlen(text) - 1] == ':' ||
        strstr(text, "::"))
        return fail(err, size, "%s: a range is lo:hi:step, got '%s'", name, text);
    for (int i = 0; i < 3; i++)
        if (!parse_number(part[i], &v[i], &integral[i]))
            return fail(err, size, "%s: range bound '%s' is not a number", name, part[i]);
    if (v[2] <= 0)
        return fail(err, size, "%s: the range step must be > 0, got '%s'", name, part[2]);
    if (v[0] > v[1])
        return fail(err, size, "%s: empty range '%s' (lo > hi)", name, text);
    for (long k = 0;; k++) {
        double x = v[0] + (double)k * v[2];

        if (x > v[1] + 1e-9 * v[2])
            break;
        if (k >= REPORT_SWEEP_MAX_VALUES)
            return fail(err, size, "%s: the range '%s' has more than %d values", name, text,
                        REPORT_SWEEP_MAX_VALUES);
        if (fabs(x - v[1]) <= 1e-9 * v[2])
            x = v[1]; /* hi reached exactly, without the rounding of k * step */
        json_array_append_new(values, integral[0] && integral[1] && integral[2]
                                          ? json_integer((json_int_t)llround(x))
                                          : json_real(x));
    }
    return true;
}

bool report_sweep_param_parse(const char *spec, report_sweep_param *p, char *err, size_t size)
{
    const char *eq = strchr(spec, '=');
    const char *text;
    size_t klen;

    memset(p, 0, sizeof(*p));
    if (!eq || eq == spec)
        return fail(err, size, "--param wants KEY=VALUES, got '%s'", spec);
    klen = (size_t)(eq - spec);
    if (klen >= sizeof(p->key))
        return fail(err, size, "--param: the key is longer than %zu characters",
                    sizeof(p->key) - 1);
    memcpy(p->key, spec, klen);
    p->key[klen] = '\0';
    text = eq + 1;
    if (!*text)
        return fail(err, size, "%s: no values", p->key);
    if (!(p->values = json_array()))
        return fail(err, size, "out of memory");
    if (strchr(text, ':') && !strchr(text, ',')) {
        if (parse_range(p->key, text, p->values, err, size))
            return true;
    } else {
        const char *t = text;

        for (;;) {
            const char *comma = strchr(t, ',');
            size_t n = comma ? (size_t)(comma - t) : strlen(t);
            char item[256];

            if (n == 0) {
                fail(err, size, "%s: empty value in '%s'", p->key, text);
                break;
            }
            if (n >= sizeof(item)) {
                fail(err, size, "%s: a value is longer than %zu characters", p->key,
                     sizeof(item) - 1);
                break;
            }
            if (json_array_size(p->values) >= REPORT_SWEEP_MAX_VALUES) {
                fail(err, size, "%s: more than %d values", p->key, REPORT_SWEEP_MAX_VALUES);
                break;
            }
            memcpy(item, t, n);
            item[n] = '\0';
            json_array_append_new(p->values, scalar_from(item));
            if (!comma)
                return true;
            t = comma + 1;
        }
    }
    report_sweep_param_free(p);
    return false;
}

void report_sweep_param_free(report_sweep_param *p)
{
    json_decref(p->values);
    p->values = NULL;
}

/* ---- key paths -------------------------------------------------------------- */

bool report_sweep_path_set(json_t *root, const char *key, json_t *value, char *err, size_t size)
{
    json_t *node = root;
    const char *p = key;
    char done[1024] = "", name[256];

    while (*p) {
        bool is_index = *p == '[';
        size_t n;

        if (is_index) {
            char *end;
            unsigned long i;

            errno = 0;
            i = strtoul(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || errno)
                return fail(err, size, "%s: bad array index at '%s'", key, p);
            if (!json_is_array(node))
                return fail(err, size, "%s: '%s' is not an array", key, *done ? done : "(root)");
            if (i >= json_array_size(node))
                return fail(err, size, "%s: '%s' has %zu elements, no [%lu]", key, done,
                            json_array_size(node), i);
            p = end + 1;
            if (*p == '.')
                p++;
            snprintf(done + strlen(done), sizeof(done) - strlen(done), "[%lu]", i);
            if (!*p)
                return json_array_set_new(node, i, json_deep_copy(value)) == 0 ||
                       fail(err, size, "out of memory");
            node = json_array_get(node, i);
            continue;
        }
        n = strcspn(p, ".[");
        if (n == 0 || n >= sizeof(name))
            return fail(err, size, "%s: empty or too long key at '%s'", key, p);
        memcpy(name, p, n);
        name[n] = '\0';
        if (!json_is_object(node))
            return fail(err, size, "%s: '%s' is not an object", key, *done ? done : "(root)");
        p += n;
        if (*p == '.') {
            p++;
            if (!*p)
                return fail(err, size, "%s: the key ends with '.'", key);
        }
        if (!*p)
            return json_object_set_new(node, name, json_deep_copy(value)) == 0 ||
                   fail(err, size, "out of memory");
        if (!json_object_get(node, name))
            return fail(err, size, "%s: no key '%s' in %s", key, name,
                        *done ? done : "the scenario's top level");
        snprintf(done + strlen(done), sizeof(done) - strlen(done), "%s%s", *done ? "." : "",
                 name);
        node = json_object_get(node, name);
    }
    return fail(err, size, "empty key");
}

/* ---- the grid --------------------------------------------------------------- */

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t g_cmp_n; /* qsort has no context argument in C11 */

static int cmp_point(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;

    for (size_t i = 0; i < g_cmp_n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

bool report_sweep_grid(report_sweep *s, uint64_t sample, uint64_t sample_seed, char *err,
                       size_t size)
{
    double product = 1;
    size_t np = s->n_params, n;

    for (size_t i = 0; i < np; i++)
        product *= (double)json_array_size(s->params[i].values);
    if (np == 0)
        return fail(err, size, "no --param: nothing to sweep");
    if (sample == 0 && product > REPORT_SWEEP_MAX_POINTS)
        return fail(err, size,
                    "the grid has %.0f points, more than %d: narrow it or draw a random "
                    "subset with --sample N",
                    product, REPORT_SWEEP_MAX_POINTS);
    if (sample > REPORT_SWEEP_MAX_POINTS)
        return fail(err, size, "--sample is at most %d", REPORT_SWEEP_MAX_POINTS);
    n = sample == 0 || (double)sample >= product ? (size_t)product : (size_t)sample;
    if (!(s->value_idx = calloc(n * np, sizeof(uint32_t))))
        return fail(err, size, "out of memory");
    if (n == (size_t)product) {
        for (size_t k = 0; k < n; k++)
            for (size_t i = np, rest = k; i-- > 0;) {
                size_t m = json_array_size(s->params[i].values);

                s->value_idx[k * np + i] = (uint32_t)(rest % m);
                rest /= m;
            }
    } else {
        /* Distinct points: draw, sort, drop duplicates, draw again. */
        uint64_t x = sample_seed;
        size_t have = 0;

        g_cmp_n = np;
        while (have < n) {
            for (size_t k = have; k < n; k++)
                for (size_t i = 0; i < np; i++)
                    s->value_idx[k * np + i] =
                        (uint32_t)(splitmix(&x) % json_array_size(s->params[i].values));
            qsort(s->value_idx, n, np * sizeof(uint32_t), cmp_point);
            have = 0;
            for (size_t k = 0; k < n; k++)
                if (have == 0 || cmp_point(&s->value_idx[k * np],
                                           &s->value_idx[(have - 1) * np]) != 0)
                    memmove(&s->value_idx[have++ * np], &s->value_idx[k * np],
                            np * sizeof(uint32_t));
        }
    }
    s->n_points = n;
    s->results = calloc(n * s->n_seeds, sizeof(*s->results));
    s->done = calloc(n * s->n_seeds, 1);
    if (!s->results || !s->done)
        return fail(err, size, "out of memory");
    return true;
}

json_t *report_sweep_apply(const report_sweep *s, size_t point, char *err, size_t size)
{
    json_t *sc = json_deep_copy(s->scenario);

    if (!sc) {
        fail(err, size, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < s->n_params; i++) {
        json_t *v = json_array_get(s->params[i].values, s->value_idx[point * s->n_params + i]);

        if (!report_sweep_path_set(sc, s->params[i].key, v, err, size)) {
            json_decref(sc);
            return NULL;
        }
    }
    return sc;
}

void report_sweep_point_label(const report_sweep *s, size_t point, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < s->n_params && used < size; i++) {
        json_t *v = json_array_get(s->params[i].values, s->value_idx[point * s->n_params + i]);
        char *text = json_is_string(v) ? strdup(json_string_value(v))
                                       : json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));

        used += (size_t)snprintf(buf + used, size - used, "%s%s=%s", i ? ", " : "",
                                 s->params[i].key, text ? text : "?");
        free(text);
    }
}

/* ---- figures and statistics ------------------------------------------------- */

void report_sweep_result_from(const report_analysis *a, report_sweep_result *r)
{
    double detect = 0, recover = 0, wasted = 0;
    unsigned detected = 0, not_recovered = 0;
    uint32_t blast = 0;

    for (size_t f = 0; f < a->n_faults; f++) {
        const report_fault_analysis *fa = &a->faults[f];

        if (fa->detect_ns >= 0) {
            detect += (double)fa->detect_ns / 1e9;
            detected++;
        }
        if (fa->recover_ns >= 0) {
            recover += (double)fa->recover_ns / 1e9;
        } else {
            recover += (double)(fa->window_end_ns - fa->end_ns) / 1e9;
            not_recovered++;
        }
        blast = fa->blast_radius > blast ? fa->blast_radius : blast;
        wasted += (double)fa->wasted_calls;
    }
    r->v[REPORT_SWEEP_SERVED] = a->availability_served;
    r->v[REPORT_SWEEP_STRICT] = a->availability;
    r->v[REPORT_SWEEP_DETECT] = detected ? detect / detected : NAN;
    r->v[REPORT_SWEEP_UNDETECTED] = (double)(a->n_faults - detected);
    r->v[REPORT_SWEEP_RECOVER] = a->n_faults ? recover / (double)a->n_faults : 0;
    r->v[REPORT_SWEEP_NOT_RECOVERED] = not_recovered;
    r->v[REPORT_SWEEP_FALSE_TRIPS] = (double)a->false_trips;
    r->v[REPORT_SWEEP_BLAST] = blast;
    r->v[REPORT_SWEEP_WASTED] = wasted;
    r->v[REPORT_SWEEP_RETRY] = a->retry_amplification;
}

double report_sweep_t95(unsigned df)
{
    static const double t[] = { NAN,   12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                                2.306, 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                                2.120, 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                                2.064, 2.060,  2.056, 2.052, 2.048, 2.045, 2.042 };
    const double z = 1.959964;

    if (df < sizeof(t) / sizeof(t[0]))
        return t[df];
    /* Cornish-Fisher: within 0.001 of the exact quantile beyond 30. */
    return z + (z * z * z + z) / (4.0 * df);
}

static report_sweep_stat stat_of(const report_sweep *s, size_t point, int metric)
{
    report_sweep_stat st = { NAN, NAN, NAN, 0 };
    double sum = 0, sq = 0;

    for (size_t k = 0; k < s->n_seeds; k++) {
        double v = s->results[point * s->n_seeds + k].v[metric];

        if (!isnan(v)) {
            sum += v;
            st.n++;
        }
    }
    if (st.n == 0)
        return st;
    st.mean = sum / st.n;
    for (size_t k = 0; k < s->n_seeds; k++) {
        double v = s->results[point * s->n_seeds + k].v[metric];

        if (!isnan(v))
            sq += (v - st.mean) * (v - st.mean);
    }
    if (st.n >= 2) {
        double half = report_sweep_t95(st.n - 1) * sqrt(sq / (st.n - 1)) / sqrt((double)st.n);

        st.lo = st.mean - half;
        st.hi = st.mean + half;
    }
    return st;
}

/* ---- the front and the recommendation --------------------------------------- */

/* Does a dominate b? Served: higher is better; recovery, false trips: lower. */
static bool dominates(const double *a, const double *b)
{
    bool better = a[0] > b[0] || a[1] < b[1] || a[2] < b[2];

    return better && a[0] >= b[0] && a[1] <= b[1] && a[2] <= b[2];
}

void report_sweep_pareto(const double (*obj)[3], size_t n, uint8_t *front)
{
    for (size_t i = 0; i < n; i++) {
        front[i] = !isnan(obj[i][0]) && !isnan(obj[i][1]) && !isnan(obj[i][2]);
        for (size_t j = 0; j < n && front[i]; j++)
            if (j != i && !isnan(obj[j][0]) && !isnan(obj[j][1]) && !isnan(obj[j][2]) &&
                dominates(obj[j], obj[i]))
                front[i] = 0;
    }
}

long report_sweep_recommend(const double (*obj)[3], const uint8_t *front, size_t n)
{
    long best = -1;

    for (size_t i = 0; i < n; i++) {
        const double *o = obj[i], *b;

        if (!front[i])
            continue;
        if (best < 0) {
            best = (long)i;
            continue;
        }
        b = obj[best];
        if (o[2] < b[2] || (o[2] == b[2] && (o[0] > b[0] || (o[0] == b[0] && o[1] < b[1]))))
            best = (long)i;
    }
    return best;
}

/* ---- the shadow pass ---------------------------------------------------------- */

bool report_sweep_shadow_init(report_sweep *s, const sim_scenario *sc)
{
    size_t runs = s->n_points * s->n_seeds;

    s->n_faults = sc->n_faults;
    s->shadow = calloc(runs + 1, sizeof(*s->shadow));
    s->shadow_detect = calloc(runs * s->n_faults + 1, sizeof(double));
    s->fault_labels = calloc(s->n_faults + 1, sizeof(char *));
    s->pruned = calloc(s->n_points + 1, 1);
    if (!s->shadow || !s->shadow_detect || !s->fault_labels || !s->pruned)
        return false;
    for (size_t f = 0; f < s->n_faults; f++) {
        char buf[64];

        if (!sc->faults[f].label)
            snprintf(buf, sizeof(buf), "fault %zu", f);
        if (!(s->fault_labels[f] = strdup(sc->faults[f].label ? sc->faults[f].label : buf)))
            return false;
    }
    return true;
}

void report_sweep_shadow_from(report_sweep *s, size_t seed, const report_run *r,
                              const report_analysis *a)
{
    const sim_metrics *m = r->m;

    for (size_t p = 0; p < s->n_points; p++) {
        size_t c = p * s->n_seeds + seed;

        s->shadow[c] = (report_sweep_shadow){ 0, 0, NAN, 0 };
        for (size_t f = 0; f < s->n_faults; f++)
            s->shadow_detect[c * s->n_faults + f] = NAN;
    }
    /* The log is in time order: the first would-trip into a fault's target
     * after its start is the first one met. */
    for (size_t i = 0; i < m->n_log; i++) {
        const sim_log_entry *l = &m->log[i];
        size_t c;

        if (l->kind != SIM_LOG_WOULD_TRIP || l->target >= s->n_points)
            continue;
        c = (size_t)l->target * s->n_seeds + seed;
        s->shadow[c].would_trips++;
        s->shadow[c].false_would_trips += report_false_trip(r, a, l->index, l->at_ns);
        for (size_t f = 0; f < s->n_faults && f < a->n_faults; f++) {
            const report_fault_analysis *fa = &a->faults[f];
            double *d = &s->shadow_detect[c * s->n_faults + f];

            if (isnan(*d) && r->sc->calls[l->index].to == fa->target &&
                l->at_ns >= fa->start_ns && l->at_ns < fa->horizon_ns)
                *d = (double)(l->at_ns - fa->start_ns) / 1e9;
        }
    }
    for (size_t p = 0; p < s->n_points; p++) {
        size_t c = p * s->n_seeds + seed;
        double sum = 0;
        unsigned n = 0;

        for (size_t f = 0; f < s->n_faults; f++) {
            double d = s->shadow_detect[c * s->n_faults + f];

            if (!isnan(d)) {
                sum += d;
                n++;
            }
        }
        s->shadow[c].detect_s = n ? sum / n : NAN;
        s->shadow[c].undetected = (double)(s->n_faults - n);
    }
}

double report_sweep_shadow_mean(const report_sweep *s, size_t p, size_t which)
{
    double sum = 0;
    unsigned n = 0;

    for (size_t k = 0; s->shadow && k < s->n_seeds; k++) {
        double v;

        memcpy(&v, (const char *)&s->shadow[p * s->n_seeds + k] + which, sizeof(v));
        if (!isnan(v)) {
            sum += v;
            n++;
        }
    }
    return n ? sum / n : NAN;
}

bool report_sweep_prune(report_sweep *s)
{
    if (!s->shadow || !s->pruned)
        return false;
    s->n_pruned = 0;
    s->pruned_none_kept_all = false;
    for (size_t p = 0; p < s->n_points; p++) {
        s->pruned[p] = report_sweep_shadow_mean(s, p, REPORT_SWEEP_SHADOW_FALSE) > 0;
        s->n_pruned += s->pruned[p];
    }
    if (s->n_points && s->n_pruned == s->n_points) {
        memset(s->pruned, 0, s->n_points);
        s->n_pruned = 0;
        s->pruned_none_kept_all = true;
    }
    return true;
}

bool report_sweep_analyze(report_sweep *s)
{
    double (*obj)[3];

    free(s->stats);
    free(s->front);
    s->stats = calloc(s->n_points * REPORT_SWEEP_N_METRICS, sizeof(*s->stats));
    s->front = calloc(s->n_points ? s->n_points : 1, 1);
    obj = calloc(s->n_points ? s->n_points : 1, sizeof(*obj));
    if (!s->stats || !s->front || !obj) {
        free(obj);
        return false;
    }
    for (size_t p = 0; p < s->n_points; p++) {
        report_sweep_stat *st = &s->stats[p * REPORT_SWEEP_N_METRICS];
        bool pruned = s->pruned && s->pruned[p];

        for (int m = 0; m < REPORT_SWEEP_N_METRICS; m++)
            st[m] = pruned ? (report_sweep_stat){ NAN, NAN, NAN, 0 } : stat_of(s, p, m);
        obj[p][0] = st[REPORT_SWEEP_SERVED].mean;
        obj[p][1] = st[REPORT_SWEEP_RECOVER].mean;
        obj[p][2] = st[REPORT_SWEEP_FALSE_TRIPS].mean;
    }
    report_sweep_pareto((const double(*)[3])obj, s->n_points, s->front);
    s->recommended = report_sweep_recommend((const double(*)[3])obj, s->front, s->n_points);
    free(obj);
    return true;
}

void report_sweep_free(report_sweep *s)
{
    for (size_t i = 0; i < s->n_params; i++)
        report_sweep_param_free(&s->params[i]);
    json_decref(s->scenario);
    free(s->value_idx);
    free(s->seeds);
    free(s->results);
    free(s->done);
    free(s->stats);
    free(s->front);
    free(s->shadow);
    free(s->shadow_detect);
    for (size_t f = 0; s->fault_labels && f < s->n_faults; f++)
        free(s->fault_labels[f]);
    free(s->fault_labels);
    free(s->pruned);
    memset(s, 0, sizeof(*s));
}
