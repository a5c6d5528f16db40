/* expect.h — a run's expectations evaluated (firebreak check): each
 * expectation of the scenario against the run's analysis, one result per
 * expectation, or per fault for one that covers every fault. */
#ifndef REPORT_EXPECT_H
#define REPORT_EXPECT_H

#include "analysis.h"
#include "report.h"

typedef struct report_check {
    const sim_expect *e;
    uint32_t fault; /* the fault this result is for, or SIM_NONE */
    double value;   /* in the metric's unit; NaN: none (not detected, not recovered, no data) */
    bool pass;
} report_check;

/* How many results the scenario's expectations give. */
size_t report_check_count(const sim_scenario *sc);

/* Evaluate into out[0 .. report_check_count(sc)); r->analysis must be set.
 * Returns how many failed. */
size_t report_check_run(const report_run *r, report_check *out);

/* "0.9953", "7 s", "true", "not recovered", "not detected", "no data". */
void report_check_value(const report_check *c, char *buf, size_t size);

/* The result's name: the expectation's text, naming the fault for one of
 * an every-fault expectation. */
void report_check_name(const sim_scenario *sc, const report_check *c, char *buf, size_t size);

#endif /* REPORT_EXPECT_H */
