/* series.c — series.csv: every tick of every series, in long format.
 *
 * Columns: tick,service,edge,metric,value. A service's rows name the service
 * and leave 'edge' empty; an edge's rows name the calling service and the edge
 * ("cart->pricing"). Rows go tick by tick, services then edges in scenario
 * order, metrics in a fixed order, so two runs diff line by line. Counts are
 * integers, latencies milliseconds with 3 decimals, gauges 4 decimals. */
#include <inttypes.h>

#include "report.h"

static void row_u(FILE *f, size_t t, const char *svc, const char *edge, const char *metric,
                  uint64_t v)
{
    fprintf(f, "%zu,%s,%s,%s,%" PRIu64 "\n", t, svc, edge, metric, v);
}

static void row_d(FILE *f, size_t t, const char *svc, const char *edge, const char *metric,
                  double v, int decimals)
{
    fprintf(f, "%zu,%s,%s,%s,%.*f\n", t, svc, edge, metric, decimals, v == 0 ? 0.0 : v);
}

static void rows(FILE *f, size_t t, const char *svc, const char *edge, const sim_tick *k)
{
    bool is_edge = edge[0] != '\0';

    const sim_counts *n = &k->counts;

    if (is_edge) {
        row_u(f, t, svc, edge, "calls", n->calls);
        row_u(f, t, svc, edge, "calls_ok", n->calls_ok);
        row_u(f, t, svc, edge, "calls_degraded", n->calls_degraded);
        row_u(f, t, svc, edge, "calls_failed", n->calls_failed);
    }
    row_u(f, t, svc, edge, is_edge ? "attempts" : "requests", n->arrivals);
    for (int o = 0; o < SIM_N_OUTCOMES; o++)
        if (is_edge || (o != SIM_TIMEOUT && o != SIM_REJECTED))
            row_u(f, t, svc, edge, sim_outcome_name((sim_outcome)o), n->outcomes[o]);
    if (is_edge) {
        row_u(f, t, svc, edge, "retries", n->retries);
        row_u(f, t, svc, edge, "retries_denied_by_budget", n->budget_denied);
        row_u(f, t, svc, edge, "rerouted", n->rerouted);
        row_u(f, t, svc, edge, "fallbacks", n->fallbacks);
    }
    row_d(f, t, svc, edge, "p50_ms", (double)k->p50_ns / 1e6, 3);
    row_d(f, t, svc, edge, "p90_ms", (double)k->p90_ns / 1e6, 3);
    row_d(f, t, svc, edge, "p99_ms", (double)k->p99_ns / 1e6, 3);
    row_d(f, t, svc, edge, "p999_ms", (double)k->p999_ns / 1e6, 3);
    row_d(f, t, svc, edge, "in_flight", k->inflight, 4);
    if (is_edge) {
        row_u(f, t, svc, edge, "breakers_open", k->open);
        row_u(f, t, svc, edge, "breakers_half_open", k->half_open);
        row_u(f, t, svc, edge, "transitions", k->transitions);
    } else {
        row_d(f, t, svc, edge, "queued", k->queued, 4);
        row_d(f, t, svc, edge, "busy", k->busy, 4);
    }
}

bool report_write_series(const report_run *r, const char *dir, report_error *err)
{
    const sim_scenario *sc = r->sc;
    const sim_metrics *m = r->m;
    report_file rf;
    char edge[160];

    if (!report_file_open(&rf, dir, "series.csv", err))
        return false;
    fputs("tick,service,edge,metric,value\n", rf.f);
    for (size_t t = 0; t < m->n_ticks; t++) {
        for (uint32_t s = 0; s < sc->n_services; s++)
            rows(rf.f, t, sc->services[s].name, "", &m->services[s].ticks[t]);
        for (uint32_t e = 0; e < sc->n_calls; e++) {
            report_edge_name(sc, e, edge, sizeof(edge));
            rows(rf.f, t, sc->services[sc->calls[e].from].name, edge, &m->edges[e].ticks[t]);
        }
    }
    return report_file_commit(&rf, err);
}
