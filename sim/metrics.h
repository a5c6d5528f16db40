/* metrics.h — the metrics collector: per-tick series of every service and
 * every call edge, whole-run totals, and the log of breaker transitions and
 * fault windows.
 *
 * The simulator feeds it as requests end (live mode will feed the same
 * structure); reports/ reads the finished result, which is plain data. Time is
 * cut into ticks of 'tick_ns': tick k covers [k * tick_ns, (k + 1) * tick_ns),
 * the last one possibly shorter. An outcome is counted in the tick where it
 * happened. Memory grows with ticks x series and with the transitions logged,
 * never with the number of requests: each series keeps one histogram for the
 * open tick and one for the whole run. A run longer than SIM_METRICS_MAX_TICKS
 * ticks gets a wider tick, the smallest whole multiple of the scenario's that
 * fits, so the series stay bounded however long the run (docs/kernel-notes.md). */
#ifndef SIM_METRICS_H
#define SIM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breaker.h"
#include "hist.h"

#define SIM_METRICS_MAX_TICKS 4096

/* How a request at a service, or a call on an edge, ended. */
typedef enum sim_outcome {
    SIM_OK,       /* answered successfully */
    SIM_DEGRADED, /* answered by a fallback (here or downstream): neither ok nor error */
    SIM_ERROR,    /* answered with an error (its own or a dependency's) */
    SIM_TIMEOUT,  /* the caller stopped waiting (edges only) */
    SIM_REJECTED, /* the caller's breaker refused it (edges only) */
    SIM_REFUSED,  /* the callee was down (crash) */
    SIM_SHED,     /* the callee's queue was full or its queue timeout passed */
    SIM_N_OUTCOMES
} sim_outcome;

/* "ok", "degraded", "error", "timeout", "rejected", "refused", "shed". */
const char *sim_outcome_name(sim_outcome o);

typedef struct sim_counts {
    uint64_t arrivals;                /* services: requests; edges: attempts sent */
    uint64_t outcomes[SIM_N_OUTCOMES]; /* how those ended */
    double latency_sum_ns;            /* over answered ones (OK, DEGRADED, ERROR) */
    uint64_t answered;
    uint64_t good;                    /* OK within the series' slo_ns (goodput) */
    /* Edges only. 'calls' are the handler's calls on the edge (an alternate
     * edge has none: its attempts belong to the primary's calls); each ends
     * once, after retries, alternates and fallback, as ok, degraded or failed. */
    uint64_t calls, calls_ok, calls_degraded, calls_failed;
    uint64_t retries;       /* attempts that were retries */
    uint64_t budget_denied; /* retries the retry budget refused */
    uint64_t rerouted;      /* attempts moved on to an alternate */
    uint64_t fallbacks;     /* fallbacks applied, answered or not */
} sim_counts;

/* One tick of one series. Latency quantiles cover what the requester waited
 * for: answered requests (OK, DEGRADED, ERROR) and, on edges, timeouts (the wait was
 * the timeout). They are 0 in a tick with none. */
typedef struct sim_tick {
    sim_counts counts;
    int64_t p50_ns, p90_ns, p99_ns, p999_ns;
    double inflight; /* services: time-average of requests inside (queued or
                        held); edges: calls outstanding at the tick's end */
    double queued;   /* services: time-average of requests waiting for a worker */
    double busy;     /* services: time-average of busy workers */
    uint32_t transitions; /* edges: breaker transitions in the tick */
    uint16_t open;        /* edges: breakers OPEN or FORCED_OPEN at the tick's end */
    uint16_t half_open;   /* edges: breakers HALF_OPEN at the tick's end */
} sim_tick;

typedef struct sim_series {
    sim_tick *ticks;   /* n_ticks closed ticks */
    sim_tick cur;      /* the open tick */
    sim_counts total;  /* the whole run */
    sim_hist latency;  /* the whole run, closed ticks merged */
    sim_hist tick_latency; /* the open tick */
    int64_t slo_ns;    /* OK answers this fast count as 'good'; 0: none do */
} sim_series;

typedef enum sim_log_kind {
    SIM_LOG_FAULT_START,     /* index: the fault */
    SIM_LOG_FAULT_END,       /* index: the fault */
    SIM_LOG_TRANSITION,      /* index: the edge; a breaker changed state */
    SIM_LOG_EJECT,           /* index: the service; 'instance' left the load balancing
                                until 'until_ns' after 'count' failures in a row,
                                its 'total'-th ejection */
    SIM_LOG_RETURN,          /* index: the service; 'instance' is back */
    SIM_LOG_BUDGET_EXHAUSTED,/* index: the edge; a retry was refused: 'count' retries
                                against 'total' calls in the budget's window (at most
                                one line per window while refusals go on) */
    SIM_LOG_FALLBACK_ACTIVE, /* index: the edge; its fallback started answering
                                ('outcome': the failure; 'result': what it gave)
                                after a tick without fallbacks */
    /* Per call, only with sim_run_options.log_calls: */
    SIM_LOG_RETRY,           /* index: the edge; attempt 'count' goes at 'until_ns'
                                after 'outcome' */
    SIM_LOG_REROUTE,         /* index: the edge; 'outcome' moved the attempt on to
                                the alternate edge 'target' */
    SIM_LOG_FALLBACK,        /* index: the edge; 'outcome' became 'result' */
    /* Only with shadow candidates (city.h's sim_run_options.shadows): */
    SIM_LOG_WOULD_TRIP       /* index: the edge; shadow candidate 'target' on the
                                breaker of 'instance' would have tripped for
                                'reason' on the figures 'window' */
} sim_log_kind;

/* One line of the run's log, in time order (ties in the order they happened). */
typedef struct sim_log_entry {
    sim_log_kind kind;
    uint32_t index;
    uint32_t instance;      /* TRANSITION, WOULD_TRIP: the caller instance owning the breaker,
                               or SIM_NONE (UINT32_MAX) for a per-service one;
                               EJECT, RETURN: the callee instance; calls: the
                               caller instance */
    int64_t at_ns;
    fb_state from, to;      /* TRANSITION */
    fb_reason reason;       /* TRANSITION, WOULD_TRIP */
    int64_t until_ns;       /* TRANSITION into OPEN: the open wait's end; EJECT, RETRY */
    fb_window_stats window; /* TRANSITION, WOULD_TRIP: the figures behind it */
    uint64_t count, total;
    sim_outcome outcome, result;
    uint32_t target;
} sim_log_entry;

typedef struct sim_metrics {
    int64_t tick_ns;
    int64_t end_ns;          /* the run's end: the last tick stops there */
    size_t n_ticks;          /* closed ticks */
    size_t cap_ticks;
    size_t n_services, n_edges;
    sim_series *services;
    sim_series *edges;       /* one per sim_call */
    uint16_t *edge_breakers; /* breakers behind each edge (0: none) */
    sim_log_entry *log;
    size_t n_log, cap_log;
    bool oom;                /* an allocation failed: the series are incomplete */
} sim_metrics;

/* Prepare a collector for 'n_services' and 'n_edges' series over a run
 * ending at 'end_ns', with ticks of 'tick_ns' (widened for a long run, see
 * above). False on allocation failure (then call cleanup). */
bool sim_metrics_init(sim_metrics *m, size_t n_services, size_t n_edges, int64_t tick_ns,
                      int64_t end_ns);
void sim_metrics_cleanup(sim_metrics *m);

/* The number of ticks of a whole run: ceil(end / tick). */
size_t sim_metrics_run_ticks(const sim_metrics *m);

/* Start and end of tick 'k' (the end clamped to end_ns). */
int64_t sim_metrics_tick_start(const sim_metrics *m, size_t k);
int64_t sim_metrics_tick_end(const sim_metrics *m, size_t k);

static inline void sim_metrics_arrival(sim_series *s)
{
    s->cur.counts.arrivals++;
}

/* A request or call ended with 'o' after waiting 'latency_ns'. */
void sim_metrics_end(sim_series *s, sim_outcome o, int64_t latency_ns, bool is_edge);

/* Close the open tick: its quantiles are computed, its histogram merged into
 * the run's, its counts added to the totals. The caller sets the gauges of
 * 'cur' (inflight, queued, busy, open, half_open) first. */
void sim_metrics_close_tick(sim_metrics *m);

/* Append to the log (sets m->oom if it cannot grow). */
void sim_metrics_log(sim_metrics *m, const sim_log_entry *e);

#endif /* SIM_METRICS_H */
