/* dist.h — distributions of durations and other positive quantities.
 *
 * Values are doubles in the distribution's unit (nanoseconds for latencies).
 * A sim_dist is plain data, filled by the scenario loader or by hand with the
 * sim_dist_* constructors, and sampled with a caller's stream. */
#ifndef SIM_DIST_H
#define SIM_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"

typedef enum sim_dist_kind {
    SIM_DIST_CONSTANT,    /* a = the value */
    SIM_DIST_UNIFORM,     /* [a, b) */
    SIM_DIST_EXPONENTIAL, /* a = the mean */
    SIM_DIST_NORMAL,      /* a = mean, b = standard deviation; draws below 0 are 0 */
    SIM_DIST_LOGNORMAL,   /* a = mu, b = sigma of ln(value) */
    SIM_DIST_PARETO,      /* a = scale (minimum), b = shape alpha > 0 */
    SIM_DIST_EMPIRICAL    /* a percentile table, linear between points */
} sim_dist_kind;

#define SIM_DIST_MAX_POINTS 32

typedef struct sim_dist {
    sim_dist_kind kind;
    double a, b;
    /* EMPIRICAL: n points (p[i], v[i]) with p strictly increasing in [0, 1],
     * p[0] = 0 and p[n-1] = 1 after sim_dist_empirical(); v non-decreasing. */
    uint32_t n;
    double p[SIM_DIST_MAX_POINTS];
    double v[SIM_DIST_MAX_POINTS];
} sim_dist;

sim_dist sim_dist_constant(double value);
sim_dist sim_dist_uniform(double lo, double hi);
sim_dist sim_dist_exponential(double mean);
sim_dist sim_dist_normal(double mean, double sd);
/* Lognormal from its median and 99th percentile (p99 > p50 > 0). */
sim_dist sim_dist_lognormal_p50_p99(double p50, double p99);
/* Lognormal from its mean and the sigma of ln(value) (mean > 0, sigma >= 0). */
sim_dist sim_dist_lognormal_mean_sigma(double mean, double sigma);
sim_dist sim_dist_pareto(double scale, double shape);
/* Empirical from n (percentile in [0,100], value) points, percentiles strictly
 * increasing, values non-decreasing; 0 and 100 are added when missing by
 * extending the first and last value. Returns false (and leaves *out unset)
 * when the table is invalid or n > SIM_DIST_MAX_POINTS - 2. */
bool sim_dist_empirical(sim_dist *out, const double *percentiles, const double *values, size_t n);

/* One draw (>= 0). */
double sim_dist_sample(const sim_dist *d, sim_rng *r);

/* The exact mean and q-quantile (q in (0,1)) of the distribution, for tests and
 * reports; the mean of a pareto with shape <= 1 is INFINITY. */
double sim_dist_mean(const sim_dist *d);
double sim_dist_quantile(const sim_dist *d, double q);

#endif /* SIM_DIST_H */
