/* plot_internal.h — what the files of the plots share: the time bins, the
 * facts of the run every plot uses, and the helpers that write gnuplot. */
#ifndef REPORT_PLOT_INTERNAL_H
#define REPORT_PLOT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plot.h"

/* Bins of whole ticks: bin i covers ticks [i * per, min((i + 1) * per, ticks)). */
typedef struct plot_bins {
    size_t n;     /* bins */
    size_t per;   /* ticks per bin */
    size_t ticks; /* ticks in all */
} plot_bins;

/* A fault's window, in seconds. */
typedef struct plot_window {
    double start_s, end_s;
    double recovered_s; /* the instant of recovery; NaN: none or at the end at once */
    const char *label;
    uint32_t target;
} plot_window;

typedef struct plot_ctx {
    const report_run *r;
    const report_run *cf; /* NULL: no counterfactual */
    const sim_scenario *sc;
    const sim_metrics *m;
    plot_bins b;
    double end_s;
    plot_window *faults;
    size_t n_faults;
    uint32_t *depth, *order; /* report_service_depths() */
    uint32_t entries[64];
    size_t n_entries;
    uint64_t breakers;
    char run_name[40], cf_name[40];
} plot_ctx;

plot_bins plot_bins_of(const sim_metrics *m);
size_t plot_bin_lo(const plot_bins *b, size_t i);
size_t plot_bin_hi(const plot_bins *b, size_t i);
double plot_bin_from_s(const sim_metrics *m, const plot_bins *b, size_t i);
double plot_bin_to_s(const sim_metrics *m, const plot_bins *b, size_t i);
double plot_bin_mid_s(const sim_metrics *m, const plot_bins *b, size_t i);

/* Requests (or attempts) that ended in 'c', and those of them that failed. */
void plot_ended(const sim_counts *c, uint64_t *n, uint64_t *failed);

#define PLOT_N_COLORS 10
/* The colour of the i-th service series. */
const char *plot_service_color(size_t i);

/* A gnuplot single-quoted string (' doubled, control characters spaces). */
void plot_gp_str(FILE *f, const char *s);
/* ", 'label' pos" for an explicit tic list (% doubled: a tic label is a format). */
void plot_gp_tic(FILE *f, const char *s, size_t pos);
/* "gateway → payment" for edge k. */
void plot_edge_label(const sim_scenario *sc, uint32_t k, char *buf, size_t size);
/* The fault's label, or "fault N" in 'buf'. */
const char *plot_fault_label(const plot_window *w, size_t i, char *buf, size_t size);

/* The script's head (comments, palette, style) and the opening of the loop
 * over the two terminals; plot_gp_end() closes it. */
void plot_gp_begin(FILE *f, const plot_ctx *c, const char *name, const char *what, int width,
                   int height);
void plot_gp_end(FILE *f);
/* "set multiplot title 'NAME: what'". */
void plot_gp_title(FILE *f, const plot_ctx *c, const char *what);
/* The fault windows shaded behind every panel. */
void plot_gp_fault_shading(FILE *f, const plot_ctx *c);
/* The fault labels at graph height 'y' plus 'offset' characters; an
 * overlapping one moves 'step' characters further. */
void plot_gp_fault_labels(FILE *f, const plot_ctx *c, double y, double offset, double step);
void plot_gp_unset_fault_labels(FILE *f, const plot_ctx *c);
/* A panel's top and bottom, in screen fractions. */
void plot_gp_panel(FILE *f, double top, double bottom);
/* " x" with 'decimals', " NaN" for a value that does not exist. */
void plot_dat_num(FILE *f, double x, int decimals);

/* The four plots (plot_draw.c): the data into 'dat', the script into 'gp';
 * false on a write error or out of memory. */
bool plot_write_availability(const plot_ctx *c, FILE *dat, FILE *gp);
bool plot_write_breakers(const plot_ctx *c, FILE *dat, FILE *gp);
bool plot_write_errors(const plot_ctx *c, FILE *dat, FILE *gp);
bool plot_write_load(const plot_ctx *c, FILE *dat, FILE *gp);

#endif /* REPORT_PLOT_INTERNAL_H */
