/* plot_draw.c — the four plots of a run, each as its data (.dat) and its
 * gnuplot script (.gp): availability and latency at the entry, breaker state
 * strips, the error-ratio heatmap, load and retry amplification
 * (docs/report-schema.md describes what each shows). The bins, the shared
 * facts and the gnuplot helpers are in plot.c (plot_internal.h).
 *
 * A figure of several panels is a multiplot whose panels have fixed screen
 * margins, so their time axes line up; the availability and load figures
 * have fixed heights, the strips and the heatmap grow with their rows. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "plot_internal.h"

/* ---- 1. availability and latency at the entry ------------------------------ */

typedef struct entry_bin {
    double strict, served; /* percent; NaN when nothing ended */
    double p50_ms, p99_ms; /* NaN when nothing was answered */
    double open, half;     /* breakers open, half-open at a tick's end, mean over the bin */
} entry_bin;

static void entry_stats(const plot_ctx *c, const report_run *r, size_t i, uint64_t breakers,
                        entry_bin *e)
{
    const sim_metrics *m = r->m;
    uint64_t ok = 0, degraded = 0, n_all = 0, answered = 0;
    double p50 = 0, p99 = 0, open = 0, half = 0;
    size_t lo = plot_bin_lo(&c->b, i), hi = plot_bin_hi(&c->b, i);

    for (size_t k = lo; k < hi; k++) {
        for (size_t x = 0; x < c->n_entries; x++) {
            const sim_tick *t = &m->services[c->entries[x]].ticks[k];
            uint64_t n, failed;

            plot_ended(&t->counts, &n, &failed);
            n_all += n;
            ok += t->counts.outcomes[SIM_OK];
            degraded += t->counts.outcomes[SIM_DEGRADED];
            answered += t->counts.answered;
            p50 += (double)t->p50_ns * (double)t->counts.answered;
            if ((double)t->p99_ns > p99)
                p99 = (double)t->p99_ns;
        }
        for (size_t k2 = 0; breakers && k2 < c->sc->n_calls; k2++) {
            open += m->edges[k2].ticks[k].open;
            half += m->edges[k2].ticks[k].half_open;
        }
    }
    e->strict = n_all ? 100.0 * (double)ok / (double)n_all : NAN;
    e->served = n_all ? 100.0 * (double)(ok + degraded) / (double)n_all : NAN;
    e->p50_ms = answered && p50 > 0 ? p50 / (double)answered / 1e6 : NAN;
    e->p99_ms = p99 > 0 ? p99 / 1e6 : NAN;
    e->open = open / (double)(hi - lo);
    e->half = half / (double)(hi - lo);
}

static void entry_names(const plot_ctx *c, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t x = 0; x < c->n_entries && used < size; x++) {
        int n = snprintf(buf + used, size - used, "%s%s", x ? ", " : "",
                         c->sc->services[c->entries[x]].name);
        used += n > 0 ? (size_t)n : 0;
    }
}

/* A key title 'who: what' (or 'who' without 'what'). */
static void gp_title2(FILE *f, const char *who, const char *what)
{
    char t[200];

    snprintf(t, sizeof(t), "%s%s%s", who, what ? ": " : "", what ? what : "");
    plot_gp_str(f, t);
}

/* The availability axis: from a round number below the lowest value. */
static void avail_range(double lowest, double *lo, double *step)
{
    static const double los[] = { 99, 98, 95, 90, 80, 50, 0 };
    static const double steps[] = { 0.2, 0.5, 1, 2, 5, 10, 20 };

    for (size_t i = 0; i < sizeof(los) / sizeof(los[0]); i++) {
        *lo = los[i];
        *step = steps[i];
        if (lowest >= los[i] + (100 - los[i]) * 0.05)
            return;
    }
}

static bool write_availability_dat(const plot_ctx *c, FILE *f, double *lowest, bool *degraded,
                                   double *max_not_closed)
{
    char names[400];
    uint64_t cf_breakers = c->cf ? report_breaker_count(c->cf) : 0;

    entry_names(c, names, sizeof(names));
    fprintf(f, "# availability.dat — the entry (%s), per bin of %zu tick(s) of %.3f s\n", names,
            c->b.per, (double)c->m->tick_ns / 1e9);
    fputs("# columns: 1 t_s (middle of the bin)  2 strict_pct = ok / ended  3 served_pct = "
          "(ok + degraded) / ended\n"
          "#   4 p50_ms (answered-weighted mean)  5 p99_ms (largest tick p99 of the bin)\n"
          "#   6 breakers_open  7 breakers_half_open (of all the run's breakers, at tick ends)\n",
          f);
    if (c->cf)
        fprintf(f, "#   8..11 strict_pct, served_pct, p50_ms, p99_ms %s\n", c->cf_name);
    fputs("# NaN: no entry request ended (or none was answered) in the bin\n", f);
    *lowest = 100;
    *degraded = false;
    *max_not_closed = 0;
    for (size_t i = 0; i < c->b.n; i++) {
        entry_bin e, x;

        entry_stats(c, c->r, i, c->breakers, &e);
        fprintf(f, "%.3f", plot_bin_mid_s(c->m, &c->b, i));
        plot_dat_num(f, e.strict, 4);
        plot_dat_num(f, e.served, 4);
        plot_dat_num(f, e.p50_ms, 3);
        plot_dat_num(f, e.p99_ms, 3);
        plot_dat_num(f, e.open, 2);
        plot_dat_num(f, e.half, 2);
        if (e.open + e.half > *max_not_closed)
            *max_not_closed = e.open + e.half;
        *degraded |= isfinite(e.strict) && e.served != e.strict;
        if (isfinite(e.strict) && e.strict < *lowest)
            *lowest = e.strict;
        if (c->cf) {
            entry_stats(c, c->cf, i, cf_breakers, &x);
            plot_dat_num(f, x.strict, 4);
            plot_dat_num(f, x.served, 4);
            plot_dat_num(f, x.p50_ms, 3);
            plot_dat_num(f, x.p99_ms, 3);
            *degraded |= isfinite(x.strict) && x.served != x.strict;
            if (isfinite(x.strict) && x.strict < *lowest)
                *lowest = x.strict;
        }
        fputc('\n', f);
    }
    return !ferror(f);
}

static void write_availability_gp(const plot_ctx *c, FILE *f, double lowest, bool degraded,
                                  double max_not_closed)
{
    bool strips = c->breakers > 0;
    int height = strips ? 1000 : 820;
    double lo, step, top_a = 0.9, bot_a = strips ? 0.635 : 0.54;
    double top_b = strips ? 0.565 : 0.47, bot_b = strips ? 0.305 : 0.08;
    char names[400], title[600];
    int64_t slo_ns = c->n_entries ? c->sc->services[c->entries[0]].slo.p99_ns : 0;

    entry_names(c, names, sizeof(names));
    avail_range(lowest, &lo, &step);
    plot_gp_begin(f, c, "availability",
             "availability and latency at the entry over time, with and without breakers",
             1400, height);
    if (c->cf && c->breakers && strcmp(c->cf_name, "without breakers") == 0)
        snprintf(title, sizeof(title), "availability and latency at the entry (%s), with and "
                 "without breakers", names);
    else if (c->cf)
        snprintf(title, sizeof(title), "availability and latency at the entry (%s), %s and %s",
                 names, c->run_name, c->cf_name);
    else
        snprintf(title, sizeof(title), "availability and latency at the entry (%s)", names);
    plot_gp_title(f, c, title);
    plot_gp_fault_shading(f, c);
    for (size_t i = 0; i < c->n_faults; i++)
        if (isfinite(c->faults[i].recovered_s))
            fprintf(f, "set arrow %zu from %.3f, graph 0 to %.3f, graph 1 nohead back dt 2 "
                       "lw 1 lc rgb '#7F7F7F'\n",
                    i + 1, c->faults[i].recovered_s, c->faults[i].recovered_s);
    fputs("set lmargin at screen 0.07; set rmargin at screen 0.975\n"
          "set key at graph 0.5, graph 1.015 center bottom horizontal maxrows 1\n", f);

    /* A: availability */
    fputs("\n# panel 1: availability (%)\n", f);
    plot_gp_panel(f, top_a, bot_a);
    plot_gp_fault_labels(f, c, 1, -1.0, -1.2);
    for (size_t i = 0; i < c->n_faults; i++)
        if (isfinite(c->faults[i].recovered_s))
            fprintf(f, "set label %zu 'recovered +%.0f s' at %.3f, graph 0.04 left offset 0.4,0 "
                       "front textcolor rgb '#666666'\n",
                    200 + i, c->faults[i].recovered_s - c->faults[i].end_s,
                    c->faults[i].recovered_s);
    fprintf(f, "set yrange [%g:%g]; set ytics %g, %g, 100; set format y '%%g'\n", lo,
            100 + (100 - lo) * 0.16, lo, step);
    fputs("set ylabel 'availability at the entry (%)'\nset format x ''; unset xlabel\n"
          "unset logscale y; set mytics default\n", f);
    fputs("plot 'availability.dat' using 1:2 with lines lw 2 lc rgb c_run title ", f);
    gp_title2(f, c->run_name, degraded ? "strict" : NULL);
    if (degraded) {
        fputs(", \\\n     '' using 1:3 with lines lw 1.2 dt 2 lc rgb c_run title ", f);
        gp_title2(f, c->run_name, "served (fallbacks count)");
    }
    if (c->cf) {
        fputs(", \\\n     '' using 1:8 with lines lw 2 lc rgb c_cf title ", f);
        gp_title2(f, c->cf_name, degraded ? "strict" : NULL);
        if (degraded) {
            fputs(", \\\n     '' using 1:9 with lines lw 1.2 dt 2 lc rgb c_cf title ", f);
            gp_title2(f, c->cf_name, "served");
        }
    }
    if (!degraded)
        fputs(", \\\n     keyentry with lines lc rgb '#FFFFFF' title "
              "'(no fallback answers: served = strict)'", f);
    fputc('\n', f);
    plot_gp_unset_fault_labels(f, c);
    for (size_t i = 0; i < c->n_faults; i++)
        if (isfinite(c->faults[i].recovered_s))
            fprintf(f, "unset label %zu\n", 200 + i);

    /* B: latency */
    fputs("\n# panel 2: latency (ms, log scale)\n", f);
    plot_gp_panel(f, top_b, bot_b);
    fputs("set yrange [*:*]; set logscale y; set ytics auto; set mytics 10; set format y '%g'\n"
          "set ylabel 'latency at the entry (ms, log scale)'\n",
          f);
    if (strips)
        fputs("set format x ''; unset xlabel\n", f);
    else
        fputs("set format x '%g'; set xlabel 'simulated time (s)'\n", f);
    if (slo_ns > 0)
        fprintf(f, "slo = %.3f  # the entry's SLO p99 (ms)\n", (double)slo_ns / 1e6);
    fputs("plot 'availability.dat' using 1:4:5 with filledcurves fc rgb c_run "
          "fs transparent solid 0.15 title ",
          f);
    gp_title2(f, c->run_name, "p50–p99");
    fputs(", \\\n     '' using 1:5 with lines lw 2 lc rgb c_run title ", f);
    gp_title2(f, c->run_name, "p99");
    if (c->cf) {
        fputs(", \\\n     '' using 1:11 with lines lw 1.5 lc rgb c_cf title ", f);
        gp_title2(f, c->cf_name, "p99");
    }
    if (slo_ns > 0)
        fprintf(f, ", \\\n     slo with lines dt 3 lw 1 lc rgb '#555555' title 'SLO p99 %g ms'",
                (double)slo_ns / 1e6);
    fputc('\n', f);

    /* C: breakers */
    if (strips) {
        fputs("\n# panel 3: breakers not closed, stacked: open, then half-open\n", f);
        plot_gp_panel(f, 0.245, 0.075);
        fprintf(f, "unset logscale y; set yrange [0:%.0f]; set ytics %s; set mytics 1\n"
                   "set ylabel 'breakers (of %" PRIu64 ")'\n"
                   "set format x '%%g'; set xlabel 'simulated time (s)'\n",
                max_not_closed < 4 ? 4 : ceil(max_not_closed * 1.15),
                max_not_closed <= 8 ? "1" : "auto", c->breakers);
        fprintf(f, "w = %.3f  # the width of a bin (s)\n",
                (double)c->m->tick_ns * (double)c->b.per / 1e9);
        fputs("plot 'availability.dat' using 1:(0):($1-w/2):($1+w/2):(0):($6 > 0 ? $6 : NaN) "
              "with boxxyerror "
              "fc rgb c_open fs solid 1.0 border lc rgb c_open title 'open', \\\n"
              "     '' using 1:6:($1-w/2):($1+w/2):6:($7 > 0 ? $6+$7 : NaN) with boxxyerror "
              "fc rgb c_half_open "
              "fs solid 1.0 border lc rgb c_half_open title 'half-open'\n",
              f);
    }
    fputs("unset multiplot\n", f);
    plot_gp_end(f);
}

/* ---- 2. breaker state strips ------------------------------------------------ */

/* Edges with breakers, callers by call depth, then scenario order. */
static size_t strip_edges(const plot_ctx *c, uint32_t *out)
{
    size_t n = 0;

    for (size_t o = 0; o < c->sc->n_services; o++)
        for (uint32_t e = 0; e < c->sc->n_calls; e++)
            if (c->sc->calls[e].from == c->order[o] && c->m->edge_breakers[e] > 0)
                out[n++] = e;
    return n;
}

#define STRIP_HALF 0.32 /* half the height of a strip, in rows */

/* Shares of the edge's breakers open and half-open over bin i (means). */
static void strip_shares(const plot_ctx *c, uint32_t e, size_t i, double *open, double *half)
{
    size_t lo = plot_bin_lo(&c->b, i), hi = plot_bin_hi(&c->b, i);
    double o = 0, h = 0, n = (double)c->m->edge_breakers[e] * (double)(hi - lo);

    for (size_t k = lo; k < hi; k++) {
        o += c->m->edges[e].ticks[k].open;
        h += c->m->edges[e].ticks[k].half_open;
    }
    *open = round(1000 * o / n) / 1000;
    *half = round(1000 * h / n) / 1000;
}

/* One block of rectangles: for state 1 (half-open) or 2 (open), each run of
 * bins with equal shares as "t_from t_to row y_from y_to". Returns the rows. */
static size_t strip_block(const plot_ctx *c, FILE *f, const uint32_t *edges, size_t n, int state)
{
    size_t rows = 0;

    for (size_t row = 0; row < n; row++) {
        size_t i = 0;

        while (i < c->b.n) {
            double o, h, o2, h2, y0, y1;
            size_t j = i + 1;

            strip_shares(c, edges[row], i, &o, &h);
            while (j < c->b.n) {
                strip_shares(c, edges[row], j, &o2, &h2);
                if (o2 != o || h2 != h)
                    break;
                j++;
            }
            /* rows grow downwards: the open share sits on the strip's bottom */
            y0 = (double)row + STRIP_HALF - (state == 2 ? 0 : 2 * STRIP_HALF * o);
            y1 = y0 - 2 * STRIP_HALF * (state == 2 ? o : h);
            if (y1 < y0) {
                fprintf(f, "%.3f %.3f %zu %.4f %.4f\n", plot_bin_from_s(c->m, &c->b, i),
                        plot_bin_to_s(c->m, &c->b, j - 1), row, y0, y1);
                rows++;
            }
            i = j;
        }
    }
    if (rows == 0) /* an empty block would not count as one: the next one's index would move */
        fputs("0 0 0 NaN NaN\n", f);
    return rows;
}

bool plot_write_breakers(const plot_ctx *c, FILE *dat, FILE *gp)
{
    uint32_t *edges = malloc((c->sc->n_calls + 1) * sizeof(*edges));
    size_t n, n_half, n_open;
    int height;
    char label[300];

    if (!edges)
        return false;
    n = strip_edges(c, edges);
    fprintf(dat, "# breakers.dat — the breakers of each call edge, at each tick's end (a bin "
                 "of %zu tick(s): the mean)\n",
            c->b.per);
    fputs("# rows: t_from_s t_to_s strip y_from y_to — a rectangle per run of equal shares;\n"
          "# its height is the share of the edge's breakers in the state (a strip is 0.64 "
          "high)\n# strips, top to bottom:\n",
          dat);
    for (size_t row = 0; row < n; row++) {
        plot_edge_label(c->sc, edges[row], label, sizeof(label));
        fprintf(dat, "#   %zu %s (%u breakers)\n", row, label, c->m->edge_breakers[edges[row]]);
    }
    fputs("\n# index 0: half-open\n", dat);
    n_half = strip_block(c, dat, edges, n, 1);
    fputs("\n\n# index 1: open\n", dat);
    n_open = strip_block(c, dat, edges, n, 2);

    height = 170 + 44 * (int)(n ? n : 3);
    if (height > 2400)
        height = 2400;
    plot_gp_begin(gp, c, "breakers", "breaker states per call edge over time", 1400, height);
    plot_gp_title(gp, c, "breaker states per call edge (share of the edge's breakers at each "
                    "tick's end)");
    plot_gp_fault_shading(gp, c);
    plot_gp_fault_labels(gp, c, 1, 0.7, 1.2);
    fprintf(gp, "eps = %.4f  # neighbouring rectangles overlap by this: no antialiasing seams\n",
            c->end_s * 0.0008);
    fprintf(gp, "set lmargin at screen 0.17; set rmargin at screen 0.975\n"
                "set tmargin at screen %.4f; set bmargin at screen %.4f\n"
                "set key at screen 0.975, screen %.4f right top horizontal\n",
            1 - (double)(c->n_faults > 1 ? 110 : 95) / height, 55.0 / height, 1 - 40.0 / height);
    if (n == 0)
        fputs("set yrange [1:-1]; set grid noytics; unset ytics\n", gp);
    else
        fprintf(gp, "set yrange [%.2f:-0.6]; set grid noytics; set ytics scale 0 (",
                (double)n - 0.4);
    for (size_t row = 0; row < n; row++) {
        plot_edge_label(c->sc, edges[row], label, sizeof(label));
        snprintf(label + strlen(label), sizeof(label) - strlen(label), "  (%u)",
                 c->m->edge_breakers[edges[row]]);
        plot_gp_tic(gp, label, row);
    }
    fputs(n ? ")\nset xlabel 'simulated time (s)'\n" : "set xlabel 'simulated time (s)'\n", gp);
    fputs("set ylabel 'call edge (breakers)' offset -2,0\n", gp);
    /* the closed share: the whole strip, under the others */
    for (size_t row = 0; row < n; row++)
        fprintf(gp, "set object %zu rect from 0, %.2f to %.3f, %.2f back fc rgb c_closed "
                    "fs solid 1.0 noborder\n",
                50 + row, (double)row - STRIP_HALF, c->end_s, (double)row + STRIP_HALF);
    if (n == 0)
        fputs("set label 1 'no breaker in this run' at graph 0.5, graph 0.5 center "
              "textcolor rgb c_text\n", gp);
    fputs("plot keyentry with boxes fc rgb c_closed title 'closed', \\\n"
          "     keyentry with boxes fc rgb c_half_open title 'half-open', \\\n"
          "     keyentry with boxes fc rgb c_open title 'open'",
          gp);
    if (n_half)
        fputs(", \\\n     'breakers.dat' index 0 using (($1+$2)/2):3:1:($2+eps):4:5 "
              "with boxxyerror fc rgb c_half_open", gp);
    if (n_open)
        fputs(", \\\n     'breakers.dat' index 1 using (($1+$2)/2):3:1:($2+eps):4:5 "
              "with boxxyerror fc rgb c_open", gp);
    if (n_half + n_open == 0) /* keyentries alone trip an assertion in gnuplot 5.4 */
        fputs(", \\\n     NaN", gp);
    fputs("\nunset multiplot\n", gp);
    plot_gp_end(gp);
    free(edges);
    return !ferror(dat) && !ferror(gp);
}

/* ---- 3. error ratio heatmap ------------------------------------------------- */

static double error_ratio(const plot_ctx *c, const report_run *r, uint32_t s, size_t i)
{
    uint64_t n_all = 0, failed_all = 0;

    for (size_t k = plot_bin_lo(&c->b, i); k < plot_bin_hi(&c->b, i); k++) {
        uint64_t n, failed;

        plot_ended(&r->m->services[s].ticks[k].counts, &n, &failed);
        n_all += n;
        failed_all += failed;
    }
    return n_all ? round(1e4 * (double)failed_all / (double)n_all) / 1e4 : NAN;
}

/* Each run of bins of equal error ratio of each service, as
 * "t_from t_to row ratio"; bins where nothing ended are left out. */
static void heat_block(const plot_ctx *c, const report_run *r, FILE *f)
{
    size_t rows = 0;

    for (size_t row = 0; row < c->sc->n_services; row++) {
        uint32_t s = c->order[row];
        size_t i = 0;

        while (i < c->b.n) {
            double v = error_ratio(c, r, s, i);
            size_t j = i + 1;

            while (j < c->b.n) {
                double v2 = error_ratio(c, r, s, j);

                if (!(v2 == v || (isnan(v) && isnan(v2))))
                    break;
                j++;
            }
            if (!isnan(v)) {
                fprintf(f, "%.3f %.3f %zu %.4f\n", plot_bin_from_s(c->m, &c->b, i),
                        plot_bin_to_s(c->m, &c->b, j - 1), row, v);
                rows++;
            }
            i = j;
        }
    }
    if (rows == 0) /* keeps the block, so the next one keeps its index */
        fputs("0 0 0 NaN\n", f);
}

static void heat_panel(FILE *gp, int index, const char *name, double top,
                       double bottom, bool last)
{
    plot_gp_panel(gp, top, bottom);
    fputs("set label 1 ", gp);
    plot_gp_str(gp, name);
    fputs(" at graph 0, graph 1 left offset 0,0.9 font ',11' textcolor rgb c_text\n", gp);
    if (last)
        fputs("set format x '%g'; set xlabel 'simulated time (s)'\n", gp);
    else
        fputs("set format x ''; unset xlabel\n", gp);
    fprintf(gp, "plot 'errors.dat' index %d using (($1+$2)/2):3:1:($2+eps):($3-0.47):($3+0.47):"
                "(sqrt($4)) with boxxyerror fc palette\n",
            index);
}

bool plot_write_errors(const plot_ctx *c, FILE *dat, FILE *gp)
{
    size_t n = c->sc->n_services;
    int panels = c->cf ? 2 : 1, inner = 26 * (int)n < 150 ? 150 : 26 * (int)n;
    int top_px = 100, gap_px = 60, bottom_px = 60, height;
    char label[300];

    fprintf(dat, "# errors.dat — the error ratio of every service per bin of %zu tick(s): "
                 "failed / ended requests\n",
            c->b.per);
    fputs("# rows: t_from_s t_to_s row error_ratio — a run of bins of equal ratio; bins in "
          "which\n# nothing ended are left out. Rows (services by call depth from the entry, "
          "top to bottom):\n",
          dat);
    for (size_t row = 0; row < n; row++) {
        uint32_t d = c->depth[c->order[row]];

        if (d == UINT32_MAX)
            fprintf(dat, "#   %zu %s (not reached from the entry)\n", row,
                    c->sc->services[c->order[row]].name);
        else
            fprintf(dat, "#   %zu %s (depth %u)\n", row, c->sc->services[c->order[row]].name, d);
    }
    fprintf(dat, "\n# index 0: %s\n", c->run_name);
    heat_block(c, c->r, dat);
    if (c->cf) {
        fprintf(dat, "\n\n# index 1: %s\n", c->cf_name);
        heat_block(c, c->cf, dat);
    }

    if (inner > 1800 / panels)
        inner = 1800 / panels;
    height = top_px + panels * inner + (panels - 1) * gap_px + bottom_px;
    plot_gp_begin(gp, c, "errors", "error ratio of every service over time (a heatmap)", 1400,
             height);
    plot_gp_title(gp, c, c->cf ? "error ratio per service, with and without breakers"
                          : "error ratio per service");
    fputs("set palette defined (0 '#F3F5F7', 0.1 '#FDDBC7', 0.3 '#F4A582', 0.55 '#D6604D', "
          "0.8 '#B2182B', 1 '#67001F')\n"
          "set cbrange [0:1]; set cbtics ('0' 0, '1%%' 0.1, '5%%' 0.2236, "
          "'10%%' 0.3162, '25%%' 0.5, '50%%' 0.7071, '100%%' 1) textcolor rgb c_text\n"
          "set cblabel 'error ratio per tick (square-root scale)' offset 1.5,0 "
          "textcolor rgb c_text\n"
          "set style fill solid 1.0 noborder\n"
          "set lmargin at screen 0.15; set rmargin at screen 0.88\n"
          "set grid noytics\n",
          gp);
    fprintf(gp, "set yrange [%.2f:-0.5]; set ytics scale 0 (", (double)n - 0.5);
    for (size_t row = 0; row < n; row++) {
        uint32_t d = c->depth[c->order[row]];

        if (d == UINT32_MAX)
            snprintf(label, sizeof(label), "%s  ·  –", c->sc->services[c->order[row]].name);
        else
            snprintf(label, sizeof(label), "%s  ·  %u", c->sc->services[c->order[row]].name, d);
        plot_gp_tic(gp, label, row);
    }
    fputs(")\nset ylabel 'service  ·  call depth' offset -1,0\n"
          "set object 1 rect from graph 0, graph 0 to graph 1, graph 1 behind fc rgb '#D9D9D9' "
          "fs solid 1.0 noborder\n",
          gp);
    fprintf(gp, "eps = %.4f  # neighbouring cells overlap by this: no antialiasing seams\n",
            c->end_s * 0.0008);
    /* faults: the target's row outlined over the window, its start and end marked */
    for (size_t i = 0; i < c->n_faults; i++) {
        const plot_window *w = &c->faults[i];
        size_t row = 0;

        while (row < n && c->order[row] != w->target)
            row++;
        fprintf(gp, "set object %zu rect from %.3f, %.2f to %.3f, %.2f front fs empty "
                    "border lc rgb '#000000' lw 1.5\n",
                10 + i, w->start_s, (double)row - 0.5, w->end_s, (double)row + 0.5);
        fprintf(gp, "set arrow %zu from %.3f, graph 0 to %.3f, graph 1 nohead front dt 2 lw 1 "
                    "lc rgb '#555555'\n",
                2 * i + 1, w->start_s, w->start_s);
        fprintf(gp, "set arrow %zu from %.3f, graph 0 to %.3f, graph 1 nohead front dt 2 lw 1 "
                    "lc rgb '#555555'\n",
                2 * i + 2, w->end_s, w->end_s);
    }
    plot_gp_fault_labels(gp, c, 1, 0.7, 1.2);
    fprintf(gp, "set label 2 'grey: no request ended in the tick    outlined: a fault''s "
                "target during the fault' at screen 0.88, screen %.4f right "
                "textcolor rgb '#666666'\n",
            1 - 50.0 / height);
    fprintf(gp, "set colorbox user origin screen 0.9, screen %.4f size screen 0.014, "
                "screen %.4f\n",
            (double)bottom_px / height,
            (double)(panels * inner + (panels - 1) * gap_px) / height);
    for (int j = 0; j < panels; j++) {
        double top = 1 - (double)(top_px + j * (inner + gap_px)) / height;

        if (j == 1) /* drawn once, with the first panel */
            fputs("unset label 2\n", gp);
        if (j == 1)
            plot_gp_unset_fault_labels(gp, c);
        heat_panel(gp, j, j ? c->cf_name : c->run_name, top, top - (double)inner / height,
                   j == panels - 1);
    }
    fputs("unset multiplot\n", gp);
    plot_gp_end(gp);
    return !ferror(dat) && !ferror(gp);
}

/* ---- 4. load and retry amplification ---------------------------------------- */

static double load_rps(const plot_ctx *c, uint32_t s, size_t i)
{
    uint64_t n = 0;
    double secs = plot_bin_to_s(c->m, &c->b, i) - plot_bin_from_s(c->m, &c->b, i);

    for (size_t k = plot_bin_lo(&c->b, i); k < plot_bin_hi(&c->b, i); k++)
        n += c->m->services[s].ticks[k].counts.arrivals;
    return secs > 0 ? (double)n / secs : NAN;
}

/* Attempts sent on every edge out of s (alternates included) per call its
 * handler made; NaN without calls. */
static double amplification(const plot_ctx *c, uint32_t s, size_t i)
{
    uint64_t attempts = 0, calls = 0;

    for (uint32_t e = 0; e < c->sc->n_calls; e++) {
        if (c->sc->calls[e].from != s)
            continue;
        for (size_t k = plot_bin_lo(&c->b, i); k < plot_bin_hi(&c->b, i); k++) {
            attempts += c->m->edges[e].ticks[k].counts.arrivals;
            calls += c->m->edges[e].ticks[k].counts.calls;
        }
    }
    return calls ? (double)attempts / (double)calls : NAN;
}

static bool has_calls(const sim_scenario *sc, uint32_t s)
{
    for (uint32_t e = 0; e < sc->n_calls; e++)
        if (sc->calls[e].from == s)
            return true;
    return false;
}

/* Does any edge retry or reroute? */
static bool any_retries(const sim_scenario *sc)
{
    for (uint32_t e = 0; e < sc->n_calls; e++)
        if (sc->calls[e].retry.max_attempts > 1 || sc->calls[e].n_alts > 0)
            return true;
    return false;
}

/* One line per service (per calling service with 'callers_only') from
 * column 'first_col' on; with 'cf_col' > 0 also the counterfactual's, dashed,
 * from that column on. */
static void load_series(const plot_ctx *c, FILE *gp, int first_col, bool callers_only,
                        int cf_col)
{
    int col = first_col;
    bool any = false;

    fputs("plot ", gp);
    for (int pass = 0; pass < (cf_col > 0 ? 2 : 1); pass++) {
        col = pass ? cf_col : first_col;
        for (size_t o = 0; o < c->sc->n_services; o++) {
            uint32_t s = c->order[o];
            char title[300];

            if (callers_only && !has_calls(c->sc, s))
                continue;
            fprintf(gp, "%s'load.dat' using 1:%d with lines lw %s lc rgb '%s' %s title ",
                    any ? ", \\\n     " : "", col++, pass ? "1.2" : "1.6",
                    plot_service_color(o),
                    pass || o >= PLOT_N_COLORS ? "dt 2" : "dt 1");
            snprintf(title, sizeof(title), "%s%s%s", c->sc->services[s].name, pass ? ", " : "",
                     pass ? c->cf_name : "");
            plot_gp_str(gp, title);
            any = true;
        }
    }
    if (!any)
        fputs("NaN", gp);
    fputc('\n', gp);
}

bool plot_write_load(const plot_ctx *c, FILE *dat, FILE *gp)
{
    double top = 1.5;
    size_t callers = 0;
    bool retries = any_retries(c->sc);
    const plot_ctx *cf = NULL;
    plot_ctx cf_ctx;

    if (c->cf && retries) {
        cf_ctx = *c; /* the same bins and order over the counterfactual's series */
        cf_ctx.r = c->cf;
        cf_ctx.m = c->cf->m;
        cf = &cf_ctx;
    }

    fprintf(dat, "# load.dat — per bin of %zu tick(s): requests/s arriving at every service "
                 "(from callers and the load;\n# retries included), then attempts per call of "
                 "every service that calls others\n# columns: 1 t_s (middle of the bin)",
            c->b.per);
    for (size_t o = 0; o < c->sc->n_services; o++)
        fprintf(dat, "  %zu %s_rps", o + 2, c->sc->services[c->order[o]].name);
    for (size_t o = 0; o < c->sc->n_services; o++)
        if (has_calls(c->sc, c->order[o])) {
            fprintf(dat, "  %zu %s_attempts_per_call", c->sc->n_services + 2 + callers,
                    c->sc->services[c->order[o]].name);
            callers++;
        }
    if (cf) {
        size_t col = c->sc->n_services + 2 + callers;

        fprintf(dat, "\n#   then %s:", c->cf_name);
        for (size_t o = 0; o < c->sc->n_services; o++)
            if (has_calls(c->sc, c->order[o]))
                fprintf(dat, "  %zu %s_attempts_per_call", col++,
                        c->sc->services[c->order[o]].name);
    }
    fputs("\n# NaN: no call made in the bin\n", dat);
    for (size_t i = 0; i < c->b.n; i++) {
        fprintf(dat, "%.3f", plot_bin_mid_s(c->m, &c->b, i));
        for (size_t o = 0; o < c->sc->n_services; o++)
            plot_dat_num(dat, load_rps(c, c->order[o], i), 2);
        for (size_t o = 0; o < c->sc->n_services; o++)
            if (has_calls(c->sc, c->order[o])) {
                double a = amplification(c, c->order[o], i);

                plot_dat_num(dat, a, 4);
                if (isfinite(a) && a * 1.1 > top)
                    top = a * 1.1;
            }
        for (size_t o = 0; cf && o < c->sc->n_services; o++)
            if (has_calls(c->sc, c->order[o])) {
                double a = amplification(cf, c->order[o], i);

                plot_dat_num(dat, a, 4);
                if (isfinite(a) && a * 1.1 > top)
                    top = a * 1.1;
            }
        fputc('\n', dat);
    }

    plot_gp_begin(gp, c, "load", "load and retry amplification per service over time", 1400, 900);
    plot_gp_title(gp, c, "load and retry amplification per service");
    plot_gp_fault_shading(gp, c);
    fputs("set lmargin at screen 0.07; set rmargin at screen 0.84\n"
          "set key at screen 0.855, graph 1 left top vertical\n",
          gp);
    fputs("\n# panel 1: requests/s at each service\n", gp);
    plot_gp_panel(gp, 0.885, 0.52);
    plot_gp_fault_labels(gp, c, 1, -1.0, -1.2);
    fputs("set yrange [0:*]; set ylabel 'load (requests/s, retries included)'\n"
          "set format x ''; unset xlabel\n",
          gp);
    load_series(c, gp, 2, false, 0);
    plot_gp_unset_fault_labels(gp, c);
    fputs("\n# panel 2: attempts per call made by each calling service\n", gp);
    plot_gp_panel(gp, 0.46, 0.09);
    fprintf(gp, "set yrange [0.9:%.2f]; set ylabel 'retry amplification (attempts per call)'\n"
                "set format x '%%g'; set xlabel 'simulated time (s)'\n",
            ceil(top * 10) / 10);
    if (!retries)
        fputs("set label 2 'no call edge retries or reroutes: one attempt per call' at graph "
              "0.5, graph 0.75 center front textcolor rgb '#666666'\n", gp);
    load_series(c, gp, (int)c->sc->n_services + 2, true,
                cf ? (int)(c->sc->n_services + 2 + callers) : 0);
    fputs("unset label 2\n", gp); /* the SVG pass starts again with panel 1 */
    fputs("unset multiplot\n", gp);
    plot_gp_end(gp);
    return !ferror(dat) && !ferror(gp);
}


bool plot_write_availability(const plot_ctx *c, FILE *dat, FILE *gp)
{
    double lowest, max_not_closed;
    bool degraded;

    if (!write_availability_dat(c, dat, &lowest, &degraded, &max_not_closed))
        return false;
    write_availability_gp(c, gp, lowest, degraded, max_not_closed);
    return !ferror(gp);
}

