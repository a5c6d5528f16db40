/* analysis.h — what a finished run means: availability at the entry, healthy
 * ticks, and for every fault how far it spread, how fast the breakers saw it,
 * and how fast the city recovered. docs/metrics.md is the contract: every
 * definition here is stated there exactly. */
#ifndef REPORT_ANALYSIS_H
#define REPORT_ANALYSIS_H

#include "report.h"

/* A service is in a fault's blast radius with at least this many unhealthy
 * ticks in the fault's window. */
#define REPORT_BLAST_TICKS 3

typedef struct report_fault_analysis {
    uint32_t fault;
    uint32_t target;         /* the service the fault is on (an edge fault: the callee) */
    int64_t start_ns, end_ns; /* the fault, within the run */
    int64_t horizon_ns;      /* the next fault's start after this one's end, or the run's end */
    int64_t detect_ns;       /* time to detect; -1: no breaker into the target opened */
    int64_t recover_ns;      /* time to recover; -1: not recovered before the horizon */
    int64_t window_end_ns;   /* end + recover_ns, or the horizon when not recovered */
    uint32_t blast_radius;   /* services other than the target in the blast */
    uint32_t cascade_depth;  /* the farthest of them from the target, in call-graph hops */
    bool contained;
    uint64_t wasted_calls;   /* attempts into the target during the fault that failed */
    uint64_t entry_requests, entry_failed; /* at the entry, in [start, window end) */
    double budget_burned;    /* entry_failed / the run's error budget at the entry */
    uint8_t *blast;          /* per service: in the blast radius */
} report_fault_analysis;

typedef struct report_analysis {
    size_t n_services, n_ticks;
    uint8_t *healthy;        /* [service * n_ticks + tick]: 1 healthy */
    uint8_t *closed;         /* [tick]: every breaker closed at the tick's end */
    uint64_t entry_requests, entry_ok, entry_degraded, entry_good;
    double availability, availability_served; /* NaN without requests */
    double goodput_rps;      /* OK entry answers within the entry's SLO latency, per second */
    double retry_amplification; /* attempts on every edge / the handlers' calls; NaN without calls */
    uint64_t breaker_opens;  /* CLOSED -> OPEN transitions */
    uint64_t false_trips;
    report_fault_analysis *faults;
    size_t n_faults;
} report_analysis;

/* Analyse a run into *a (free it with report_analysis_free). False when out
 * of memory. */
bool report_analyze(const report_run *r, report_analysis *a);
void report_analysis_free(report_analysis *a);

/* Is a trip of a breaker on call edge 'edge' at 'at_ns' false (docs/metrics.md):
 * the edge's target healthy in the trip's tick and the one before, and no fault
 * on it within the fault's window? 'a' is r's analysis. Also judges the
 * would-trips of shadow breakers (firebreak sweep --shadow). */
bool report_false_trip(const report_run *r, const report_analysis *a, uint32_t edge,
                       int64_t at_ns);

/* One line for fault i: "contained: <label> stayed within <target> and its
 * direct callers; detected in 1.5 s; recovered 7 s after it ended" or
 * "not contained: <label> spread to gateway, cart (depth 2); ...". */
void report_fault_verdict(const report_run *r, size_t i, char *buf, size_t size);

/* Is service s healthy in tick k? */
static inline bool report_healthy(const report_analysis *a, size_t s, size_t k)
{
    return a->healthy[s * a->n_ticks + k] != 0;
}

#endif /* REPORT_ANALYSIS_H */
