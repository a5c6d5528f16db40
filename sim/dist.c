/* sim/dist.c — sampling, means and quantiles of the duration distributions.
 *
 * A sim_dist is const plain data, so sampling keeps no state of its own: every
 * draw is a pure function of the stream, and a run repeats exactly for a seed.
 * Each sample consumes a fixed number of draws from the stream: one for
 * uniform, exponential, pareto and empirical (inversion of the CDF), two for
 * normal and lognormal (Box-Muller), none for constant. A fixed count keeps a
 * stream's later draws in place when a scenario changes a distribution's
 * parameters but not its kind.
 *
 * Box-Muller yields two independent normals per pair of draws; the second
 * (the sine branch) is discarded because caching it would need mutable state
 * in the dist or the stream. The polar method was rejected: its rejection loop
 * makes the number of draws per sample random. Exact inversion of the normal
 * CDF was rejected for sampling because the refinement it needs (erfc, exp) is
 * slower than Box-Muller's log, sqrt and cos.
 *
 * The normal kind clamps: a draw below 0 becomes 0. Clamping is monotone, so
 * its quantile is max(0, mean + sd z) exactly, and its mean has the closed form
 * mean Phi(mean/sd) + sd phi(mean/sd); both account for the clamp here. The
 * clamp matters only when mean < 3 sd: at mean = 3 sd it moves the mean by
 * 0.04 % of sd and only quantiles below 0.00135.
 *
 * sim_dist_quantile inverts the normal CDF with Acklam's rational
 * approximation (relative error 1.15e-9) plus one Halley step through erfc,
 * which brings it to about 1e-15.
 *
 * Constructors do not validate (they return by value); the scenario loader
 * checks parameters. sim_dist_empirical is the exception because its table
 * has invariants the sampler relies on. */
#include "dist.h"

#include <math.h>

/* Written out rather than M_PI, which strict C11 does not declare. */
#define SIM_PI 3.14159265358979323846
#define SIM_SQRT2 1.41421356237309504880
/* The standard normal's 0.99 quantile: p99 = p50 * exp(sigma * Z99). */
#define SIM_Z99 2.3263478740408408

static sim_dist dist_of(sim_dist_kind kind, double a, double b)
{
    sim_dist d = { .kind = kind, .a = a, .b = b, .n = 0 };

    return d;
}

sim_dist sim_dist_constant(double value)
{
    return dist_of(SIM_DIST_CONSTANT, value, 0);
}

sim_dist sim_dist_uniform(double lo, double hi)
{
    return dist_of(SIM_DIST_UNIFORM, lo, hi);
}

sim_dist sim_dist_exponential(double mean)
{
    return dist_of(SIM_DIST_EXPONENTIAL, mean, 0);
}

sim_dist sim_dist_normal(double mean, double sd)
{
    return dist_of(SIM_DIST_NORMAL, mean, sd);
}

sim_dist sim_dist_lognormal_p50_p99(double p50, double p99)
{
    return dist_of(SIM_DIST_LOGNORMAL, log(p50), (log(p99) - log(p50)) / SIM_Z99);
}

/* E[X] = exp(mu + sigma^2 / 2) for a lognormal, solved for mu. */
sim_dist sim_dist_lognormal_mean_sigma(double mean, double sigma)
{
    return dist_of(SIM_DIST_LOGNORMAL, log(mean) - sigma * sigma / 2, sigma);
}

sim_dist sim_dist_pareto(double scale, double shape)
{
    return dist_of(SIM_DIST_PARETO, scale, shape);
}

/* ---- empirical tables ------------------------------------------------------ */

static bool table_valid(const double *pct, const double *val, size_t n)
{
    if (n == 0 || n > SIM_DIST_MAX_POINTS - 2 || !pct || !val)
        return false;
    for (size_t i = 0; i < n; i++) {
        /* Written as negations so that NaN fails every test. */
        if (!(pct[i] >= 0 && pct[i] <= 100) || !(val[i] >= 0) || !isfinite(val[i]))
            return false;
        if (i > 0 && (!(pct[i] > pct[i - 1]) || !(val[i] >= val[i - 1])))
            return false;
    }
    return true;
}

static void table_append(sim_dist *d, double p, double v)
{
    d->p[d->n] = p;
    d->v[d->n] = v;
    d->n++;
}

bool sim_dist_empirical(sim_dist *out, const double *percentiles, const double *values, size_t n)
{
    sim_dist d = dist_of(SIM_DIST_EMPIRICAL, 0, 0);

    if (!out || !table_valid(percentiles, values, n))
        return false;
    if (percentiles[0] > 0)
        table_append(&d, 0, values[0]);
    for (size_t i = 0; i < n; i++)
        table_append(&d, percentiles[i] / 100, values[i]);
    if (percentiles[n - 1] < 100)
        table_append(&d, 1, values[n - 1]);
    *out = d;
    return true;
}

/* The inverse CDF at u in [0, 1]: binary search for the segment holding u,
 * then linear interpolation. A one-point table (n = 1) is its value. */
static double empirical_at(const sim_dist *d, double u)
{
    uint32_t lo = 0, hi = d->n - 1;

    if (d->n < 2)
        return d->n ? d->v[0] : 0;
    while (hi - lo > 1) { /* invariant: p[lo] <= u < p[hi], or u >= 1 */
        uint32_t mid = lo + (hi - lo) / 2;

        if (d->p[mid] <= u)
            lo = mid;
        else
            hi = mid;
    }
    return d->v[lo] + (d->v[hi] - d->v[lo]) * ((u - d->p[lo]) / (d->p[hi] - d->p[lo]));
}

/* The area under the piecewise-linear inverse CDF: a sum of trapezoids. */
static double empirical_mean(const sim_dist *d)
{
    double sum = 0;

    if (d->n < 2)
        return d->n ? d->v[0] : 0;
    for (uint32_t i = 1; i < d->n; i++)
        sum += (d->p[i] - d->p[i - 1]) * (d->v[i] + d->v[i - 1]) / 2;
    return sum;
}

/* ---- the normal distribution ---------------------------------------------- */

/* Acklam's rational approximation of the standard normal quantile, with one
 * Halley step against the exact CDF. p outside (0, 1) gives -inf, +inf or NaN. */
static double normal_quantile(double p)
{
    static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00 };
    static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01 };
    static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549732539343734e+00,
                                4.374664141464968e+00,  2.938163982698783e+00 };
    static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
                                2.445134137142996e+00, 3.754408661907416e+00 };
    const double p_low = 0.02425;
    double q, r, x, e, u;

    if (!(p > 0 && p < 1))
        return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
    if (p < p_low || p > 1 - p_low) {
        /* The tails: a rational function of sqrt(-2 ln(tail mass)). */
        q = sqrt(-2 * log(p < p_low ? p : 1 - p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        x = p < p_low ? x : -x;
    } else {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    /* Phi(x) - p; above the median via the upper tail, where 1 - p is exact
     * and erfc keeps its precision (Phi(x) itself rounds to 1 far out). */
    e = p <= 0.5 ? 0.5 * erfc(-x / SIM_SQRT2) - p : (1 - p) - 0.5 * erfc(x / SIM_SQRT2);
    u = e * sqrt(2 * SIM_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

/* The mean of max(0, X) for X ~ N(mu, sd^2). */
static double clamped_normal_mean(double mu, double sd)
{
    double z;

    if (!(sd > 0))
        return mu > 0 ? mu : 0;
    z = mu / sd;
    return mu * 0.5 * erfc(-z / SIM_SQRT2) + sd * exp(-z * z / 2) / sqrt(2 * SIM_PI);
}

/* One standard normal from exactly two draws (Box-Muller, cosine branch).
 * 1 - u lies in (0, 1], so the logarithm is finite. */
static double standard_normal(sim_rng *r)
{
    double u1 = sim_rng_double(r), u2 = sim_rng_double(r);

    return sqrt(-2 * log(1 - u1)) * cos(2 * SIM_PI * u2);
}

/* ---- sampling, mean, quantile ---------------------------------------------- */

/* The inverse CDF of the kinds sampled by inversion, at u in [0, 1). */
static double inverse_cdf(const sim_dist *d, double u)
{
    double x;

    switch (d->kind) {
    case SIM_DIST_UNIFORM:
        x = d->a + (d->b - d->a) * u;
        /* Rounding can land a + (b - a) u on b itself; [a, b) is the contract. */
        return x < d->b || !(d->b > d->a) ? x : nextafter(d->b, d->a);
    case SIM_DIST_EXPONENTIAL:
        /* u is a multiple of 2^-53, so 1 - u is exact and log1p(-u) would be
         * no more accurate; it is about twice as slow as log. */
        return -d->a * log(1 - u);
    case SIM_DIST_PARETO:
        return d->a / pow(1 - u, 1 / d->b);
    case SIM_DIST_EMPIRICAL:
        return empirical_at(d, u);
    default:
        return d->a;
    }
}

double sim_dist_sample(const sim_dist *d, sim_rng *r)
{
    double x;

    switch (d->kind) {
    case SIM_DIST_CONSTANT:
        return d->a;
    case SIM_DIST_NORMAL:
        x = d->a + d->b * standard_normal(r);
        return x > 0 ? x : 0;
    case SIM_DIST_LOGNORMAL:
        return exp(d->a + d->b * standard_normal(r));
    default:
        return inverse_cdf(d, sim_rng_double(r));
    }
}

double sim_dist_mean(const sim_dist *d)
{
    switch (d->kind) {
    case SIM_DIST_UNIFORM:
        return (d->a + d->b) / 2;
    case SIM_DIST_NORMAL:
        return clamped_normal_mean(d->a, d->b);
    case SIM_DIST_LOGNORMAL:
        return exp(d->a + d->b * d->b / 2);
    case SIM_DIST_PARETO:
        return d->b > 1 ? d->b * d->a / (d->b - 1) : INFINITY;
    case SIM_DIST_EMPIRICAL:
        return empirical_mean(d);
    default: /* constant; exponential's a is its mean */
        return d->a;
    }
}

/* q outside [0, 1] (or NaN) gives NaN; the ends give the support's bounds. */
double sim_dist_quantile(const sim_dist *d, double q)
{
    double x;

    if (!(q >= 0 && q <= 1))
        return NAN;
    switch (d->kind) {
    case SIM_DIST_CONSTANT:
        return d->a;
    case SIM_DIST_UNIFORM:
        return d->a + (d->b - d->a) * q;
    case SIM_DIST_NORMAL:
        x = d->a + (d->b > 0 ? d->b * normal_quantile(q) : 0);
        return x > 0 ? x : 0;
    case SIM_DIST_LOGNORMAL:
        return exp(d->a + (d->b > 0 ? d->b * normal_quantile(q) : 0));
    case SIM_DIST_EXPONENTIAL:
        /* Unlike a sample, q may be far below 2^-53, where 1 - q rounds to 1. */
        return -d->a * log1p(-q);
    default:
        return inverse_cdf(d, q);
    }
}
