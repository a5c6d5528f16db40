/* sweep.c — `firebreak sweep`: play a grid of breaker settings on several
 * seeds each, in parallel processes, and write the trade-off with a
 * recommendation; `firebreak merge`: join the partial results of shards.
 *
 * The parent validates every point before any run, forks the workers, and
 * places each result it reads from their pipes at its (point, seed) cell, so
 * the table — and every file written from it — is the same for any --jobs
 * and any sharding. Workers take every jobs-th point of the selection. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "scenario.h"
#include "sweep.h"

static void sweep_usage(FILE *out)
{
    fprintf(out,
            "usage: firebreak sweep SCENARIO --param KEY=VALUES... [options]\n\n"
            "Play SCENARIO for every combination of parameter values (the grid) on N\n"
            "seeds each, and report per setting the mean and 95 %% interval of\n"
            "availability, time to detect and to recover, false trips, blast radius,\n"
            "wasted calls and retry amplification; the Pareto front over (availability\n"
            "served, time to recover, false trips) and one recommended setting, as a\n"
            "scenario profile and as Resilience4j properties. docs/sweep.md has the rule.\n\n"
            "  KEY     a path into the scenario JSON: profiles.default.failure_rate,\n"
            "          services.payment.calls[0].timeout\n"
            "  VALUES  a list 30,50,70 (numbers, true/false, durations such as 5s) or a\n"
            "          range lo:hi:step (hi included when reached)\n\n"
            "options:\n"
            "  --param KEY=VALUES  a parameter of the grid (repeat for more; at most 16)\n"
            "  --seeds N         seeds per setting: the scenario's and the next N - 1\n"
            "                    (default 5)\n"
            "  --sample N        N distinct random settings of the grid instead of all\n"
            "                    (drawn with the scenario's seed; needed above 10000)\n"
            "  --jobs N          processes (default: the online CPUs); results are the\n"
            "                    same for every N\n"
            "  --shard I/N       run settings I, I+N, I+2N... (I from 0) and write\n"
            "                    DIR/part-I-of-N.json; join with 'firebreak merge'\n"
            "  --shadow          first one run per seed without breakers, every setting's\n"
            "                    breakers in METRICS_ONLY: settings with false would-trips\n"
            "                    are pruned before the full runs (every --param must be\n"
            "                    inside one profile; not with --shard); writes shadow.csv\n"
            "  --out DIR         the outputs (default: out/NAME-sweep): sweep.csv,\n"
            "                    sweep.json, plots/, sweep.html\n"
            "  -q, --quiet       print only the recommendation; no progress bar\n"
            "  -h, --help        this help\n\n"
            "exit codes: 0 ok, 2 usage, a bad parameter or value, or a run that failed\n\n"
            "example:\n"
            "  firebreak sweep scenarios/checkout.json \\\n"
            "      --param profiles.default.failure_rate=20:80:10 \\\n"
            "      --param profiles.default.open_wait.base=1s,5s,10s --seeds 5\n");
}

static void merge_usage(FILE *out)
{
    fprintf(out, "usage: firebreak merge DIR... [--out DIR]\n\n"
                 "Join the partial results that 'firebreak sweep --shard I/N' wrote\n"
                 "(DIR/part-I-of-N.json; a DIR may also be one such file) and write the\n"
                 "same sweep.csv, sweep.json, plots/ and sweep.html that one unsharded\n"
                 "sweep writes. Every shard must be there.\n\n"
                 "options:\n"
                 "  --out DIR         where to write (default: the first DIR)\n"
                 "  -q, --quiet       print only the recommendation\n"
                 "  -h, --help        this help\n\n"
                 "exit codes: 0 ok, 2 usage, missing or mismatched partial results\n\n"
                 "example:\n"
                 "  firebreak merge out/shards --out out/checkout-sweep\n");
}

/* One run's result on a worker's pipe. */
struct msg {
    uint32_t point, seed;
    report_sweep_result r;
};

/* The scenario text for point p, loaded; NULL with the message printed. */
static sim_scenario *load_point(const report_sweep *s, size_t p)
{
    char err[1024], label[2048];
    json_t *j = report_sweep_apply(s, p, err, sizeof(err));
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    sim_scenario *sc = NULL;
    sim_error serr;

    json_decref(j);
    if (!text) {
        fprintf(stderr, "firebreak: sweep: --param %s\n", err);
        return NULL;
    }
    sc = sim_scenario_load_string(text, s->source, &serr);
    free(text);
    if (sc)
        return sc;
    for (size_t i = 0; i < s->n_params; i++)
        if (strcmp(serr.path, s->params[i].key) == 0) {
            char *v = json_dumps(json_array_get(s->params[i].values,
                                                s->value_idx[p * s->n_params + i]),
                                 JSON_ENCODE_ANY);

            fprintf(stderr, "firebreak: sweep: --param %s=%s: %s\n", s->params[i].key,
                    v ? v : "?", serr.text);
            free(v);
            return NULL;
        }
    report_sweep_point_label(s, p, label, sizeof(label));
    fprintf(stderr, "firebreak: sweep: at %s: %s%s%s\n", label, serr.path,
            serr.path[0] ? ": " : "", serr.text);
    return NULL;
}

/* Play point p on every seed, calling 'put' with each result. */
static bool play_point(const report_sweep *s, size_t p,
                       void (*put)(void *ctx, const struct msg *m), void *ctx)
{
    sim_scenario *sc = load_point(s, p);
    bool ok = sc != NULL;

    for (size_t k = 0; ok && k < s->n_seeds; k++) {
        sim_run_options o = { .seed = s->seeds[k], .seed_set = true };
        cmd_play play;
        struct msg m = { (uint32_t)p, (uint32_t)k, { { 0 } } };

        ok = cmd_play_run(sc, &o, s->source, &play);
        if (ok) {
            report_sweep_result_from(&play.analysis, &m.r);
            put(ctx, &m);
        }
        cmd_play_free(&play);
    }
    sim_scenario_free(sc);
    return ok;
}

typedef struct runner {
    report_sweep *s;
    cmd_progress bar;
    char label[64];
    size_t done, total;
} runner;

static void store(void *ctx, const struct msg *m)
{
    runner *r = ctx;
    size_t c = (size_t)m->point * r->s->n_seeds + m->seed;

    r->s->results[c] = m->r;
    r->s->done[c] = 1;
    r->done++;
    snprintf(r->label, sizeof(r->label), "sweep: %zu/%zu points", r->done / r->s->n_seeds,
             r->total / r->s->n_seeds);
    cmd_progress_update(&r->bar, (double)r->done / (double)r->total);
}

static void send_msg(void *ctx, const struct msg *m)
{
    int fd = *(int *)ctx;
    const char *b = (const char *)m;
    size_t left = sizeof(*m);

    while (left) {
        ssize_t w = write(fd, b, left);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(CMD_USAGE);
        b += w;
        left -= (size_t)w;
    }
}

/* Run the selected points (sel[0..n)) in 'jobs' processes. */
static bool run_points(runner *r, const size_t *sel, size_t n, unsigned jobs)
{
    pid_t pid[256];
    int fd[256];
    struct pollfd pfd[256];
    size_t have[256] = { 0 };
    struct msg buf[256];
    bool ok = true;
    unsigned open_fds;

    if (jobs <= 1) {
        for (size_t i = 0; i < n && ok; i++)
            ok = play_point(r->s, sel[i], store, r);
        return ok;
    }
    fflush(NULL);
    for (unsigned w = 0; w < jobs; w++) {
        int p[2];

        if (pipe(p) != 0 || (pid[w] = fork()) < 0) {
            fprintf(stderr, "firebreak: sweep: cannot start a worker: %s\n", strerror(errno));
            for (unsigned v = 0; v < w; v++) {
                kill(pid[v], SIGTERM);
                waitpid(pid[v], NULL, 0);
            }
            return false;
        }
        if (pid[w] == 0) {
            close(p[0]);
            for (unsigned v = 0; v < w; v++)
                close(fd[v]);
            for (size_t i = w; i < n; i += jobs)
                if (!play_point(r->s, sel[i], send_msg, &p[1]))
                    _exit(CMD_USAGE);
            _exit(CMD_OK);
        }
        close(p[1]);
        fd[w] = p[0];
    }
    open_fds = jobs;
    while (open_fds) {
        unsigned k = 0;

        for (unsigned w = 0; w < jobs; w++)
            if (fd[w] >= 0)
                pfd[k++] = (struct pollfd){ .fd = fd[w], .events = POLLIN };
        if (poll(pfd, k, -1) < 0 && errno != EINTR)
            break;
        for (unsigned w = 0; w < jobs; w++) {
            ssize_t got;

            if (fd[w] < 0)
                continue;
            for (unsigned j = 0; j < k; j++)
                if (pfd[j].fd == fd[w] && !pfd[j].revents)
                    goto next;
            got = read(fd[w], (char *)&buf[w] + have[w], sizeof(struct msg) - have[w]);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                close(fd[w]);
                fd[w] = -1;
                open_fds--;
                continue;
            }
            have[w] += (size_t)got;
            if (have[w] == sizeof(struct msg)) {
                store(r, &buf[w]);
                have[w] = 0;
            }
        next:;
        }
    }
    for (unsigned w = 0; w < jobs; w++) {
        int status;

        waitpid(pid[w], &status, 0);
        ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    return ok && r->done == r->total;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --shadow's precondition: every --param inside one profile. Writes its name
 * to 'name'; false with the message printed. */
static bool shadow_profile(const report_sweep *s, char *name, size_t size)
{
    name[0] = '\0';
    for (size_t i = 0; i < s->n_params; i++) {
        const char *k = s->params[i].key;
        size_t len = strncmp(k, "profiles.", 9) == 0 ? strcspn(k + 9, ".[") : 0;

        if (len == 0 || k[9 + len] != '.' || len >= size) {
            fprintf(stderr,
                    "firebreak: sweep: --shadow needs every --param inside one breaker "
                    "profile (profiles.NAME.KEY): '%s' is not\n",
                    k);
            return false;
        }
        if (name[0] && (strncmp(name, k + 9, len) != 0 || name[len] != '\0')) {
            fprintf(stderr,
                    "firebreak: sweep: --shadow needs every --param inside one breaker "
                    "profile: '%s' is in profile '%.*s', an earlier one in '%s'\n",
                    k, (int)len, k + 9, name);
            return false;
        }
        memcpy(name, k + 9, len);
        name[len] = '\0';
    }
    return true;
}

static uint32_t profile_index(const sim_scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->n_profiles; i++)
        if (strcmp(sc->profiles[i].name, name) == 0)
            return (uint32_t)i;
    return SIM_NONE;
}

/* The shadow pass: one run per seed of 'base' without breakers, every point
 * a shadow candidate, then the pruning rule. In the parent, before any
 * worker: the same for every --jobs. */
static bool shadow_pass(report_sweep *s, const sim_scenario *base, const char *profile)
{
    sim_shadow *cand = calloc(s->n_points + 1, sizeof(*cand));
    uint32_t pi = profile_index(base, profile);
    bool ok = cand && report_sweep_shadow_init(s, base);

    if (!ok)
        fprintf(stderr, "firebreak: sweep: out of memory\n");
    for (size_t p = 0; ok && p < s->n_points; p++) {
        sim_scenario *sc = load_point(s, p);
        uint32_t k = sc ? profile_index(sc, profile) : SIM_NONE;

        ok = sc && k != SIM_NONE && pi != SIM_NONE;
        if (ok)
            cand[p] = (sim_shadow){ .profile = pi, .cfg = sc->profiles[k].cfg };
        else if (sc)
            fprintf(stderr, "firebreak: sweep: --shadow: no profile '%s'\n", profile);
        sim_scenario_free(sc);
    }
    for (size_t k = 0; ok && k < s->n_seeds; k++) {
        sim_run_options o = { .seed = s->seeds[k], .seed_set = true, .no_breakers = true,
                              .shadows = cand, .n_shadows = (uint32_t)s->n_points };
        cmd_play play;

        ok = cmd_play_run(base, &o, s->source, &play);
        if (ok)
            report_sweep_shadow_from(s, k, &play.run, &play.analysis);
        cmd_play_free(&play);
    }
    free(cand);
    return ok && report_sweep_prune(s);
}

/* What the shadow pass did, for the summary. */
static void shadow_summary(const report_sweep *s, double shadow_s, double full_s)
{
    size_t shown = 0;

    printf("shadow pass: %zu settings x %zu seeds in %zu runs without breakers (%.2f s); ",
           s->n_points, s->n_seeds, s->n_seeds, shadow_s);
    if (s->pruned_none_kept_all)
        printf("every setting had false would-trips: none pruned\n");
    else if (s->n_pruned == 0)
        printf("no setting had false would-trips: none pruned\n");
    else {
        printf("pruned %zu with false would-trips (points", s->n_pruned);
        for (size_t p = 0; p < s->n_points && shown < 20; p++)
            if (s->pruned[p]) {
                printf(" %zu", p);
                shown++;
            }
        printf("%s)\n", shown < s->n_pruned ? " ..." : "");
    }
    printf("full runs: %zu settings x %zu seeds (%.2f s)\n\n", s->n_points - s->n_pruned,
           s->n_seeds, full_s);
}

/* The analysis, the files and what to tell the user. */
static int finish(report_sweep *s, const char *out, bool quiet, const char *who)
{
    report_error err;
    bool rendered;
    char *text = malloc(65536);

    if (!text || !report_sweep_analyze(s)) {
        fprintf(stderr, "firebreak: %s: out of memory\n", who);
        free(text);
        return CMD_USAGE;
    }
    if (!report_sweep_write(s, out, &rendered, &err)) {
        fprintf(stderr, "firebreak: %s: cannot write the outputs: %s\n", who, err.text);
        free(text);
        return CMD_USAGE;
    }
    if (!rendered)
        fprintf(stderr, "gnuplot not found: wrote the plot scripts and data; install gnuplot "
                        "to render them\n");
    if (report_sweep_recommendation_text(s, text, 65536))
        fputs(text, stdout);
    else
        printf("no recommendation: no setting has defined figures\n");
    if (!quiet)
        printf("\nsweep: %s/sweep.json (with sweep.csv, plots/); open %s/sweep.html\n", out,
               out);
    free(text);
    return CMD_OK;
}

static bool parse_shard(const char *t, unsigned *i, unsigned *n)
{
    char *end;
    unsigned long a, b;

    errno = 0;
    a = strtoul(t, &end, 10);
    if (end == t || *end != '/' || t[0] == '-')
        return false;
    b = strtoul(end + 1, &end, 10);
    if (*end || errno || b == 0 || b > 100000 || a >= b)
        return false;
    *i = (unsigned)a;
    *n = (unsigned)b;
    return true;
}

static bool parse_count(const char *opt, const char *t, uint64_t max, uint64_t *out)
{
    if (cmd_parse_u64(t, out) && *out >= 1 && *out <= max)
        return true;
    fprintf(stderr, "firebreak: sweep: %s wants a whole number from 1 to %llu, not '%s'\n",
            opt, (unsigned long long)max, t);
    return false;
}

int cmd_sweep(int argc, char **argv)
{
    enum { OPT_PARAM = 256, OPT_SEEDS, OPT_JOBS, OPT_SAMPLE, OPT_SHARD, OPT_OUT, OPT_SHADOW };
    static const struct option options[] = {
        { "param", required_argument, NULL, OPT_PARAM },
        { "seeds", required_argument, NULL, OPT_SEEDS },
        { "jobs", required_argument, NULL, OPT_JOBS },
        { "sample", required_argument, NULL, OPT_SAMPLE },
        { "shard", required_argument, NULL, OPT_SHARD },
        { "out", required_argument, NULL, OPT_OUT },
        { "shadow", no_argument, NULL, OPT_SHADOW },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { 0 }
    };
    report_sweep s = { .recommended = -1 };
    uint64_t seeds = 5, sample = 0, jobs = 0;
    bool shadow = false;
    char profile[64];
    double t0 = 0, t1 = 0, t2 = 0;
    unsigned shard = 0, n_shards = 0;
    const char *out = NULL;
    char out_buf[4096], err[1024];
    bool quiet = false;
    sim_scenario *base = NULL;
    json_error_t je;
    size_t *sel = NULL, n_sel = 0;
    runner r = { 0 };
    int c, rc = CMD_USAGE;

    while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
        switch (c) {
        case OPT_PARAM:
            if (s.n_params == REPORT_SWEEP_MAX_PARAMS) {
                fprintf(stderr, "firebreak: sweep: at most %d --param\n",
                        REPORT_SWEEP_MAX_PARAMS);
                goto fail;
            }
            if (!report_sweep_param_parse(optarg, &s.params[s.n_params], err, sizeof(err))) {
                fprintf(stderr, "firebreak: sweep: %s\n", err);
                goto fail;
            }
            s.n_params++;
            break;
        case OPT_SEEDS:
            if (!parse_count("--seeds", optarg, REPORT_SWEEP_MAX_SEEDS, &seeds))
                goto fail;
            break;
        case OPT_JOBS:
            if (!parse_count("--jobs", optarg, 256, &jobs))
                goto fail;
            break;
        case OPT_SAMPLE:
            if (!parse_count("--sample", optarg, REPORT_SWEEP_MAX_POINTS, &sample))
                goto fail;
            break;
        case OPT_SHARD:
            if (!parse_shard(optarg, &shard, &n_shards)) {
                fprintf(stderr, "firebreak: sweep: --shard wants I/N with 0 <= I < N, not '%s'\n",
                        optarg);
                goto fail;
            }
            break;
        case OPT_OUT:
            out = optarg;
            break;
        case OPT_SHADOW:
            shadow = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            sweep_usage(stdout);
            rc = CMD_OK;
            goto fail;
        default:
            fprintf(stderr, "try 'firebreak sweep --help'\n");
            goto fail;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, optind == argc ? "firebreak: sweep: which scenario? (one file)\n"
                                       : "firebreak: sweep: one scenario at a time\n");
        fprintf(stderr, "try 'firebreak sweep --help'\n");
        goto fail;
    }
    if (s.n_params == 0) {
        fprintf(stderr, "firebreak: sweep: no --param: nothing to sweep\n"
                        "try 'firebreak sweep --help'\n");
        goto fail;
    }
    if (shadow && n_shards) {
        fprintf(stderr, "firebreak: sweep: --shadow and --shard cannot be combined: the "
                        "shadow pass prunes the whole grid before it is split; run the "
                        "shards without --shadow\n");
        goto fail;
    }
    if (shadow && !shadow_profile(&s, profile, sizeof(profile)))
        goto fail;
    if (!(base = cmd_load_scenario(argv[optind])))
        goto fail;
    if (!(s.scenario = json_load_file(argv[optind], JSON_REJECT_DUPLICATES, &je))) {
        fprintf(stderr, "firebreak: sweep: %s: %s\n", argv[optind], je.text);
        goto fail;
    }
    cmd_scenario_name(argv[optind], s.name, sizeof(s.name));
    snprintf(s.source, sizeof(s.source), "%s", argv[optind]);
    s.n_seeds = (size_t)seeds;
    if (!(s.seeds = calloc(s.n_seeds, sizeof(uint64_t))))
        goto fail;
    for (size_t k = 0; k < s.n_seeds; k++)
        s.seeds[k] = base->seed + k;
    if (!report_sweep_grid(&s, sample, base->seed, err, sizeof(err))) {
        fprintf(stderr, "firebreak: sweep: %s\n", err);
        goto fail;
    }
    /* Every point loads before any run: a bad value costs no minutes. */
    for (size_t p = 0; p < s.n_points; p++) {
        sim_scenario *sc = load_point(&s, p);

        if (!sc)
            goto fail;
        sim_scenario_free(sc);
    }
    t0 = now_s();
    if (shadow && !shadow_pass(&s, base, profile)) {
        fprintf(stderr, "firebreak: sweep: the shadow pass failed; no outputs written\n");
        goto fail;
    }
    t1 = now_s();
    if (!(sel = calloc(s.n_points + 1, sizeof(size_t))))
        goto fail;
    for (size_t p = 0; p < s.n_points; p++)
        if ((n_shards == 0 || p % n_shards == shard) && !(s.pruned && s.pruned[p]))
            sel[n_sel++] = p;
    if (jobs == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);

        jobs = cpus > 0 ? (uint64_t)(cpus > 256 ? 256 : cpus) : 1;
    }
    if (jobs > n_sel)
        jobs = n_sel ? n_sel : 1;
    if (!out) {
        snprintf(out_buf, sizeof(out_buf), "out/%s-sweep", s.name);
        out = out_buf;
    }
    r.s = &s;
    r.total = n_sel * s.n_seeds;
    snprintf(r.label, sizeof(r.label), "sweep: 0/%zu points", n_sel);
    cmd_progress_init(&r.bar, r.label, quiet);
    if (!run_points(&r, sel, n_sel, (unsigned)jobs)) {
        cmd_progress_done(&r.bar);
        fprintf(stderr, "firebreak: sweep: a run failed; no outputs written\n");
        goto fail;
    }
    cmd_progress_done(&r.bar);
    t2 = now_s();
    if (shadow && !quiet)
        shadow_summary(&s, t1 - t0, t2 - t1);
    if (n_shards) {
        report_error rerr;

        if (!report_sweep_write_partial(&s, shard, n_shards, out, &rerr)) {
            fprintf(stderr, "firebreak: sweep: cannot write the partial result: %s\n",
                    rerr.text);
            goto fail;
        }
        if (!quiet)
            printf("shard %u/%u: %zu of %zu settings; wrote %s/part-%u-of-%u.json; join the "
                   "shards with: firebreak merge DIR...\n",
                   shard, n_shards, n_sel, s.n_points, out, shard, n_shards);
        rc = CMD_OK;
    } else {
        rc = finish(&s, out, quiet, "sweep");
    }
fail:
    free(sel);
    sim_scenario_free(base);
    report_sweep_free(&s);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read DIR/part-*.json (sorted) or the file DIR. */
static bool merge_arg(report_sweep *s, const char *arg, size_t *files)
{
    struct stat st;
    report_error err;
    DIR *d;
    struct dirent *e;
    char **names = NULL, path[4400];
    size_t n = 0;
    bool ok = true;

    if (stat(arg, &st) != 0) {
        fprintf(stderr, "firebreak: merge: %s: %s\n", arg, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (!report_sweep_read_partial(s, arg, &err)) {
            fprintf(stderr, "firebreak: merge: %s\n", err.text);
            return false;
        }
        (*files)++;
        return true;
    }
    if (!(d = opendir(arg))) {
        fprintf(stderr, "firebreak: merge: %s: %s\n", arg, strerror(errno));
        return false;
    }
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        char **more;

        if (strncmp(e->d_name, "part-", 5) != 0 || len < 10 ||
            strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        if (!(more = realloc(names, (n + 1) * sizeof(char *))) ||
            !(more[n] = strdup(e->d_name))) {
            names = more ? more : names;
            ok = false;
            break;
        }
        names = more;
        n++;
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n && ok; i++) {
        snprintf(path, sizeof(path), "%s/%s", arg, names[i]);
        if (!report_sweep_read_partial(s, path, &err)) {
            fprintf(stderr, "firebreak: merge: %s\n", err.text);
            ok = false;
        }
        (*files)++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ok;
}

int cmd_merge(int argc, char **argv)
{
    static const struct option options[] = {
        { "out", required_argument, NULL, 'o' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { 0 }
    };
    report_sweep s = { .recommended = -1 };
    const char *out = NULL;
    bool quiet = false;
    size_t files = 0, missing = 0;
    int c, rc = CMD_USAGE;

    while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            merge_usage(stdout);
            return CMD_OK;
        default:
            fprintf(stderr, "try 'firebreak merge --help'\n");
            return CMD_USAGE;
        }
    }
    if (optind == argc) {
        fprintf(stderr, "firebreak: merge: which directories? (of partial results)\n"
                        "try 'firebreak merge --help'\n");
        return CMD_USAGE;
    }
    for (int i = optind; i < argc; i++)
        if (!merge_arg(&s, argv[i], &files))
            goto fail;
    if (files == 0 || !s.scenario) {
        fprintf(stderr, "firebreak: merge: no part-*.json in %s\n", argv[optind]);
        goto fail;
    }
    for (size_t k = 0; k < s.n_points * s.n_seeds; k++)
        missing += !s.done[k];
    if (missing) {
        fprintf(stderr, "firebreak: merge: %zu of %zu runs missing: is a shard not there?\n",
                missing, s.n_points * s.n_seeds);
        goto fail;
    }
    rc = finish(&s, out ? out : argv[optind], quiet, "merge");
fail:
    report_sweep_free(&s);
    return rc;
}
