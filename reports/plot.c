/* plot.c — the plots of a run (plot.h): the time bins, the facts every plot
 * uses, the helpers that write gnuplot, and the entry point that writes each
 * plot's data and script (the plots themselves: plot_draw.c) and renders
 * them (plot_run.c).
 *
 * Every series is cut into at most REPORT_PLOT_MAX_ROWS bins of whole ticks
 * (one tick per bin unless the run has more ticks than that): a bin's ratio
 * is computed from the summed counts of its ticks, its p99 is the largest of
 * their p99s (the upper envelope) and its p50 their answered-weighted mean.
 * The strips and the heatmap merge consecutive bins of equal value into one
 * rectangle, so their data grows with the changes, not with the run.
 *
 * A script holds no data and no absolute path: it sets its styles once, then
 * loops over the two terminals (pngcairo, svg) drawing the same figure into
 * out.png and out.svg, 'out' defaulting to its own name. The renderer
 * (plot_run.c) passes a temporary 'out' and renames the results. User text
 * (service names, fault labels) goes into gnuplot single-quoted strings with
 * enhanced text off, so no character of it is interpreted. Writing the data
 * inline in the script ($data << EOD) was rejected: a separate .dat is what a
 * reviewer loads into another tool. */
#include "plot.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "plot_internal.h"

const report_plot_info report_plots[REPORT_N_PLOTS] = {
    { "availability",
      "Availability and latency at the entry over time, with and without breakers; "
      "fault windows shaded, recoveries marked." },
    { "breakers",
      "Breaker states per call edge over time: the share of the edge's breakers "
      "closed, half-open and open at each tick's end." },
    { "errors",
      "Error ratio of every service over time, services ordered by call depth from the "
      "entry: how far each fault spread, with and without breakers." },
    { "load",
      "Load arriving at every service (requests/s) and retry amplification (attempts per "
      "call) of every calling service over time." },
};

/* Colours for series of services, by position (cycling). */
static const char *const service_colors[PLOT_N_COLORS] = {
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9",
    "#CC79A7", "#666666", "#8C564B", "#B8A700", "#17BECF",
};

const char *plot_service_color(size_t i)
{
    return service_colors[i % PLOT_N_COLORS];
}

/* ---- time bins ------------------------------------------------------------ */


plot_bins plot_bins_of(const sim_metrics *m)
{
    plot_bins b = { 0, 1, m->n_ticks };

    if (b.ticks > REPORT_PLOT_MAX_ROWS)
        b.per = (b.ticks + REPORT_PLOT_MAX_ROWS - 1) / REPORT_PLOT_MAX_ROWS;
    b.n = (b.ticks + b.per - 1) / b.per;
    return b;
}

size_t plot_bin_lo(const plot_bins *b, size_t i)
{
    return i * b->per;
}

size_t plot_bin_hi(const plot_bins *b, size_t i)
{
    size_t hi = (i + 1) * b->per;

    return hi < b->ticks ? hi : b->ticks;
}

double plot_bin_from_s(const sim_metrics *m, const plot_bins *b, size_t i)
{
    return (double)sim_metrics_tick_start(m, plot_bin_lo(b, i)) / 1e9;
}

double plot_bin_to_s(const sim_metrics *m, const plot_bins *b, size_t i)
{
    return (double)sim_metrics_tick_end(m, plot_bin_hi(b, i) - 1) / 1e9;
}

double plot_bin_mid_s(const sim_metrics *m, const plot_bins *b, size_t i)
{
    return (plot_bin_from_s(m, b, i) + plot_bin_to_s(m, b, i)) / 2;
}

/* Requests that ended in a tick, and those of them that failed. */
void plot_ended(const sim_counts *c, uint64_t *n, uint64_t *failed)
{
    const uint64_t *o = c->outcomes;

    *failed = o[SIM_ERROR] + o[SIM_TIMEOUT] + o[SIM_REJECTED] + o[SIM_REFUSED] + o[SIM_SHED];
    *n = *failed + o[SIM_OK] + o[SIM_DEGRADED];
}

/* ---- the facts every plot uses -------------------------------------------- */



static bool ctx_init(plot_ctx *c, const report_run *r)
{
    const report_analysis *a = r->analysis;

    memset(c, 0, sizeof(*c));
    c->r = r;
    c->sc = r->sc;
    c->m = r->m;
    c->cf = r->counterfactual && r->counterfactual->m &&
                    r->counterfactual->m->n_ticks == r->m->n_ticks
                ? r->counterfactual
                : NULL;
    c->b = plot_bins_of(r->m);
    c->breakers = report_breaker_count(r);
    if (c->cf && c->breakers == 0 && r->counterfactual_mode &&
        strcmp(r->counterfactual_mode, "no-breakers") == 0)
        c->cf = NULL; /* the same run again: nothing to compare */
    c->end_s = (double)r->duration_ns / 1e9;
    c->n_entries = report_entries(c->sc, c->entries, 64);
    if (c->n_entries > 64)
        c->n_entries = 64;
    c->faults = calloc(a->n_faults + 1, sizeof(*c->faults));
    c->depth = malloc((c->sc->n_services + 1) * sizeof(*c->depth));
    c->order = malloc((c->sc->n_services + 1) * sizeof(*c->order));
    if (!c->faults || !c->depth || !c->order || !report_service_depths(c->sc, c->depth, c->order))
        return false;
    for (size_t i = 0; i < a->n_faults; i++) {
        const report_fault_analysis *f = &a->faults[i];
        plot_window *w = &c->faults[c->n_faults++];

        w->start_s = (double)f->start_ns / 1e9;
        w->end_s = (double)f->end_ns / 1e9;
        w->recovered_s = f->recover_ns > 0 ? (double)(f->end_ns + f->recover_ns) / 1e9 : NAN;
        w->label = c->sc->faults[f->fault].label;
        w->target = f->target;
    }
    snprintf(c->run_name, sizeof(c->run_name), "%s",
             c->breakers == 0                                   ? "this run"
             : r->counterfactual_mode &&
                     strcmp(r->counterfactual_mode, "no-policies") == 0 ? "with policies"
                                                                        : "with breakers");
    snprintf(c->cf_name, sizeof(c->cf_name), "%s",
             r->counterfactual_mode && strcmp(r->counterfactual_mode, "no-policies") == 0
                 ? "without any policy"
                 : "without breakers");
    return true;
}

static void ctx_cleanup(plot_ctx *c)
{
    free(c->faults);
    free(c->depth);
    free(c->order);
}

/* ---- writing gnuplot ------------------------------------------------------ */

/* A gnuplot single-quoted string: only ' is special (doubled); control
 * characters become spaces so the script stays one command per line. */
void plot_gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; s && *s; s++) {
        if (*s == '\'')
            fputs("''", f);
        else
            fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
    }
    fputc('\'', f);
}

/* A tic label: gnuplot reads it as a format, so % is doubled too. */
void plot_gp_tic(FILE *f, const char *s, size_t pos)
{
    char buf[600];
    size_t n = 0;

    for (; s && *s && n + 2 < sizeof(buf); s++) {
        if (*s == '%')
            buf[n++] = '%';
        buf[n++] = *s;
    }
    buf[n] = '\0';
    fputs(pos ? ", " : "", f);
    plot_gp_str(f, buf);
    fprintf(f, " %zu", pos);
}

/* "gateway → payment" for edge k. */
void plot_edge_label(const sim_scenario *sc, uint32_t k, char *buf, size_t size)
{
    char name[200];
    const char *arrow;

    report_edge_name(sc, k, name, sizeof(name));
    arrow = strstr(name, "->");
    if (arrow)
        snprintf(buf, size, "%.*s → %s", (int)(arrow - name), name, arrow + 2);
    else
        snprintf(buf, size, "%s", name);
}

const char *plot_fault_label(const plot_window *w, size_t i, char *buf, size_t size)
{
    if (w->label && *w->label)
        return w->label;
    snprintf(buf, size, "fault %zu", i + 1);
    return buf;
}

/* The script's head: what it draws, how to re-render it, the palette, the
 * shared style, and the start of the loop over the two terminals. */
void plot_gp_begin(FILE *f, const plot_ctx *c, const char *name, const char *what, int width,
                     int height)
{
    fprintf(f, "# %s.gp — %s\n", name, what);
    fprintf(f, "# Scenario '%s', seed %" PRIu64 "; the data is %s.dat (its header names the "
               "columns).\n",
            c->sc->name ? c->sc->name : "", c->r->seed, name);
    fprintf(f, "# Written by firebreak %s. Restyle freely; to re-render %s.png and %s.svg\n"
               "# beside this file run, in this directory:  gnuplot %s.gp\n"
               "# (or re-render every plot of the run with:  firebreak plot DIR)\n\n",
            FB_VERSION, name, name, name);
    fprintf(f, "if (!exists(\"out\")) out = '%s'\n", name);
    fputs("set encoding utf8\n", f);
    fprintf(f, "c_run = '%s'; c_cf = '%s'; c_fault = '%s'; c_fault_text = '%s'\n",
            REPORT_COLOR_RUN, REPORT_COLOR_CF, REPORT_COLOR_FAULT, REPORT_COLOR_FAULT_TEXT);
    fprintf(f, "c_closed = '%s'; c_half_open = '%s'; c_open = '%s'; c_text = '%s'\n",
            REPORT_COLOR_CLOSED, REPORT_COLOR_HALF_OPEN, REPORT_COLOR_OPEN, REPORT_COLOR_TEXT);
    fputs("set border 3 lw 1 lc rgb '#8C8C8C'\n"
          "set tics nomirror out scale 0.5 textcolor rgb c_text\n"
          "set grid back lt 1 lw 1 lc rgb '#E8E8E8'\n"
          "set key textcolor rgb c_text noautotitle reverse Left samplen 2.5 spacing 1.1 width 1\n"
          "set style fill solid 1.0 noborder\n"
          "set xlabel textcolor rgb c_text\nset ylabel textcolor rgb c_text\n",
          f);
    fprintf(f, "set xrange [0:%.3f]\n\n", c->end_s);
    fputs("do for [fmt in 'png svg'] {\n"
          "if (fmt eq 'png') {\n", f);
    fprintf(f, "    set terminal pngcairo size %d,%d font 'DejaVu Sans,10' linewidth 1.2 "
               "noenhanced background '#FFFFFF'\n"
               "} else {\n"
               "    set terminal svg size %d,%d font 'DejaVu Sans,10' fontscale 1.3 linewidth 1.5 "
               "noenhanced background '#FFFFFF'\n"
               "}\n"
               "set output out.'.'.fmt\n",
            width, height, width, height);
}

void plot_gp_end(FILE *f)
{
    fputs("unset output\n}\n", f);
}

void plot_gp_title(FILE *f, const plot_ctx *c, const char *what)
{
    char t[600];

    snprintf(t, sizeof(t), "%s: %s", c->sc->name ? c->sc->name : "scenario", what);
    fputs("set multiplot title ", f);
    plot_gp_str(f, t);
    fputs(" font ',14' textcolor rgb c_text\n", f);
}

/* Fault windows shaded behind the plot, in every panel. */
void plot_gp_fault_shading(FILE *f, const plot_ctx *c)
{
    for (size_t i = 0; i < c->n_faults; i++)
        fprintf(f, "set object %zu rect from %.3f, graph 0 to %.3f, graph 1 behind "
                   "fc rgb c_fault fs solid 1.0 noborder\n",
                i + 1, c->faults[i].start_s, c->faults[i].end_s);
}

/* The fault labels at graph height 'y' plus 'offset' characters; a label
 * that would overlap an earlier one moves a line further in the direction
 * of 'step' (widths estimated at 7 px a character on a 1250 px axis). */
void plot_gp_fault_labels(FILE *f, const plot_ctx *c, double y, double offset, double step)
{
    double per_char = c->end_s > 0 ? 7.0 / 1250 * c->end_s : 0;
    int level[8] = { 0 };
    char buf[40];

    for (size_t i = 0; i < c->n_faults; i++) {
        const plot_window *w = &c->faults[i];
        const char *text = plot_fault_label(w, i, buf, sizeof(buf));
        double mid = (w->start_s + w->end_s) / 2, half = per_char * (double)strlen(text) / 2;
        int lv = 0;

        for (bool moved = true; moved && lv < 3;) {
            moved = false;
            for (size_t j = 0; j < i && j < 8; j++) {
                const plot_window *v = &c->faults[j];
                char b2[40];
                double mid2 = (v->start_s + v->end_s) / 2;
                double half2 = per_char * (double)strlen(plot_fault_label(v, j, b2, sizeof(b2))) / 2;

                if (level[j] == lv && fabs(mid - mid2) < half + half2 + per_char) {
                    lv++;
                    moved = true;
                    break;
                }
            }
        }
        if (i < 8)
            level[i] = lv;
        fprintf(f, "set label %zu ", 100 + i);
        plot_gp_str(f, text);
        fprintf(f, " at %.3f, graph %.2f center offset 0,%.1f front textcolor rgb c_fault_text\n",
                mid, y, offset + step * lv);
    }
}

void plot_gp_unset_fault_labels(FILE *f, const plot_ctx *c)
{
    for (size_t i = 0; i < c->n_faults; i++)
        fprintf(f, "unset label %zu\n", 100 + i);
}

void plot_gp_panel(FILE *f, double top, double bottom)
{
    fprintf(f, "set tmargin at screen %.3f; set bmargin at screen %.3f\n", top, bottom);
}

/* A number for a .dat file: NaN for an undefined value, no "-0". */
void plot_dat_num(FILE *f, double x, int decimals)
{
    if (!isfinite(x))
        fputs(" NaN", f);
    else
        fprintf(f, " %.*f", decimals, x == 0 ? 0.0 : x);
}

/* ---- the shared facts and the entry point ----------------------------------- */

bool report_service_depths(const sim_scenario *sc, uint32_t *depth, uint32_t *order)
{
    uint32_t *queue = malloc((sc->n_services + 1) * sizeof(*queue));
    size_t head = 0, tail = 0;

    if (!queue)
        return false;
    for (uint32_t s = 0; s < sc->n_services; s++)
        depth[s] = UINT32_MAX;
    for (size_t l = 0; l < sc->n_loads; l++)
        if (depth[sc->loads[l].entry] == UINT32_MAX) {
            depth[sc->loads[l].entry] = 0;
            queue[tail++] = sc->loads[l].entry;
        }
    while (head < tail) {
        uint32_t s = queue[head++];

        for (size_t e = 0; e < sc->n_calls; e++)
            if (sc->calls[e].from == s && depth[sc->calls[e].to] == UINT32_MAX) {
                depth[sc->calls[e].to] = depth[s] + 1;
                queue[tail++] = sc->calls[e].to;
            }
    }
    free(queue);
    /* a stable insertion sort: scenario order within a depth, the
     * unreachable (UINT32_MAX) last */
    for (uint32_t s = 0; s < sc->n_services; s++) {
        size_t j = s;

        while (j > 0 && depth[order[j - 1]] > depth[s]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = s;
    }
    return true;
}

uint64_t report_breaker_count(const report_run *r)
{
    uint64_t n = 0;

    for (size_t e = 0; e < r->m->n_edges; e++)
        n += r->m->edge_breakers[e];
    return n;
}

typedef bool (*plot_writer)(const plot_ctx *c, FILE *dat, FILE *gp);

static bool write_one(const plot_ctx *c, const char *plots, size_t i, plot_writer w,
                      report_error *err)
{
    report_file dat, gp;
    char name[64];

    snprintf(name, sizeof(name), "%s.dat", report_plots[i].name);
    if (!report_file_open(&dat, plots, name, err))
        return false;
    snprintf(name, sizeof(name), "%s.gp", report_plots[i].name);
    if (!report_file_open(&gp, plots, name, err)) {
        report_file_abort(&dat);
        return false;
    }
    if (!w(c, dat.f, gp.f)) {
        report_file_abort(&dat);
        report_file_abort(&gp);
        snprintf(err->text, sizeof(err->text), "%s/%s: write failed (or out of memory)", plots,
                 name);
        return false;
    }
    if (!report_file_commit(&dat, err)) {
        report_file_abort(&gp);
        return false;
    }
    return report_file_commit(&gp, err);
}

bool report_plot_write(const report_run *r, const char *dir, bool *rendered, report_error *err)
{
    static const plot_writer writers[REPORT_N_PLOTS] = { plot_write_availability, plot_write_breakers,
                                                         plot_write_errors, plot_write_load };
    char plots[4096];
    plot_ctx c;
    bool ok = true;

    *rendered = false;
    if ((size_t)snprintf(plots, sizeof(plots), "%s/plots", dir) >= sizeof(plots)) {
        snprintf(err->text, sizeof(err->text), "%s: name too long", dir);
        return false;
    }
    if (!report_make_dir(plots, err))
        return false;
    if (!r->analysis) {
        snprintf(err->text, sizeof(err->text), "%s: the run has no analysis", plots);
        return false;
    }
    if (!ctx_init(&c, r)) {
        ctx_cleanup(&c);
        snprintf(err->text, sizeof(err->text), "%s: out of memory", plots);
        return false;
    }
    for (size_t i = 0; ok && i < REPORT_N_PLOTS; i++)
        ok = write_one(&c, plots, i, writers[i], err);
    ctx_cleanup(&c);
    return ok && report_plot_render(dir, rendered, err);
}
