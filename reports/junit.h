/* junit.h — firebreak check's results as JUnit XML, for CI systems. One
 * <testsuite> per scenario, one <testcase> per expectation (per fault for an
 * every-fault one) and per baseline regression check; a failure names every
 * seed that failed with the measured value and the bound. */
#ifndef REPORT_JUNIT_H
#define REPORT_JUNIT_H

#include "baseline.h"
#include "expect.h"

typedef struct report_suite {
    const char *file;            /* the scenario file, as given */
    const sim_scenario *sc;      /* NULL when it could not be loaded or run */
    const char *error;           /* then: why */
    size_t n_seeds;
    const uint64_t *seeds;
    size_t n_checks;             /* results per seed */
    const report_check *checks;  /* [seed * n_checks + i] */
    size_t n_baseline;           /* comparisons with the baseline (first seed) */
    const report_regression *baseline;
} report_suite;

bool report_write_junit(const report_suite *suites, size_t n, const char *path,
                        report_error *err);

/* Failures of a suite: expectations failing on some seed, plus regressions. */
size_t report_suite_failures(const report_suite *s);

#endif /* REPORT_JUNIT_H */
