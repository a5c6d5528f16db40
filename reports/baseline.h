/* baseline.h — a run against an earlier report.json (firebreak check
 * --baseline): did a metric regress beyond a tolerance? */
#ifndef REPORT_BASELINE_H
#define REPORT_BASELINE_H

#include "analysis.h"
#include "report.h"

typedef struct report_regression {
    char name[256];    /* "availability_served vs baseline" */
    char message[400]; /* "0.9912, baseline 0.9951 (tolerance 0.001)" */
    bool pass;
} report_regression;

#define REPORT_BASELINE_MAX 64

/* Compare the run (analysis set) with the report at 'path': availability and
 * served availability may not drop by more than 'tolerance'; false trips and
 * each fault's blast radius may not grow; each fault's time to recover may
 * not grow by more than a tick and 10 %, nor become "not recovered". Faults
 * are matched by label. Fills out[] (at most REPORT_BASELINE_MAX) and
 * returns how many comparisons were made, or -1 with *err when the file
 * cannot be read or is not a firebreak report. */
int report_baseline(const report_run *r, const char *path, double tolerance,
                    report_regression *out, report_error *err);

#endif /* REPORT_BASELINE_H */
