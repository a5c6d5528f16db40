/* table.c — the run summarised for a terminal: one line for the entry, a row
 * per service, a row per call edge. */
#include <inttypes.h>
#include <string.h>

#include "analysis.h"
#include "report.h"

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0;
}

static double ms(const sim_hist *h, double q)
{
    return h->count ? (double)sim_hist_quantile(h, q) / 1e6 : 0;
}

void report_print_table(const report_run *r, FILE *out)
{
    const sim_scenario *sc = r->sc;
    const sim_metrics *m = r->m;
    uint32_t entries[64];
    size_t n_entries = report_entries(sc, entries, 64);
    uint64_t requests = 0, ok = 0, degraded = 0;
    char name[160];

    for (size_t i = 0; i < n_entries && i < 64; i++) {
        requests += m->services[entries[i]].total.arrivals;
        ok += m->services[entries[i]].total.outcomes[SIM_OK];
        degraded += m->services[entries[i]].total.outcomes[SIM_DEGRADED];
    }
    fprintf(out, "%s: %.3g s simulated, seed %" PRIu64 ", %" PRIu64 " entry requests, "
                 "availability %.3f %%",
            sc->name ? sc->name : "scenario", (double)r->duration_ns / 1e9, r->seed, requests,
            pct(ok, requests));
    if (degraded)
        fprintf(out, " (served %.3f %%)", pct(ok + degraded, requests));
    if (r->analysis) {
        const report_analysis *a = r->analysis;
        char line[1024];

        for (size_t i = 0; i < a->n_faults; i++) {
            report_fault_verdict(r, i, line, sizeof(line));
            fprintf(out, "\n  %s", line);
        }
        if (a->false_trips)
            fprintf(out, "\n  %" PRIu64 " false trip(s) of %" PRIu64 " breaker openings",
                    a->false_trips, a->breaker_opens);
    }
    if (r->analysis && r->counterfactual && r->counterfactual->analysis) {
        const report_analysis *a = r->analysis, *x = r->counterfactual->analysis;
        uint64_t failed = a->entry_requests - a->entry_ok - a->entry_degraded;
        uint64_t x_failed = x->entry_requests - x->entry_ok - x->entry_degraded;

        fprintf(out, "\n  %s: availability %.3f %%, served %.3f %%; %" PRIu64
                     " requests failed, %" PRIu64 " %s than with them",
                strcmp(r->counterfactual_mode ? r->counterfactual_mode : "", "no-policies") == 0
                    ? "without any policy"
                    : "without breakers",
                100 * x->availability, 100 * x->availability_served, x_failed,
                x_failed >= failed ? x_failed - failed : failed - x_failed,
                x_failed >= failed ? "more" : "fewer");
    }
    fprintf(out, "\n\n%-20s %10s %8s %8s %8s %8s %8s %9s %9s %9s\n", "service", "requests",
            "ok %", "degraded", "error", "refused", "shed", "p50 ms", "p99 ms", "p999 ms");
    for (uint32_t s = 0; s < sc->n_services; s++) {
        const sim_series *se = &m->services[s];
        const sim_counts *k = &se->total;

        fprintf(out, "%-20s %10" PRIu64 " %8.2f %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64
                     " %9.1f %9.1f %9.1f\n",
                sc->services[s].name, k->arrivals, pct(k->outcomes[SIM_OK], k->arrivals),
                k->outcomes[SIM_DEGRADED], k->outcomes[SIM_ERROR], k->outcomes[SIM_REFUSED], k->outcomes[SIM_SHED],
                ms(&se->latency, 0.5), ms(&se->latency, 0.99), ms(&se->latency, 0.999));
    }
    if (sc->n_calls == 0)
        return;
    fprintf(out, "\n%-28s %9s %9s %8s %7s %8s %8s %8s %7s %7s %7s %6s\n", "edge", "calls",
            "attempts", "ok %", "error", "timeout", "rejected", "refused", "shed", "retries",
            "fallbk", "opens");
    for (uint32_t e = 0; e < sc->n_calls; e++) {
        const sim_counts *k = &m->edges[e].total;
        uint64_t opens = 0;

        for (size_t i = 0; i < m->n_log; i++)
            opens += m->log[i].kind == SIM_LOG_TRANSITION && m->log[i].index == e &&
                     m->log[i].from == FB_STATE_CLOSED && m->log[i].to == FB_STATE_OPEN;
        report_edge_name(sc, e, name, sizeof(name));
        fprintf(out, "%-28s %9" PRIu64 " %9" PRIu64 " %8.2f %7" PRIu64 " %8" PRIu64 " %8" PRIu64
                     " %8" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %6" PRIu64 "\n",
                name, k->calls, k->arrivals, pct(k->outcomes[SIM_OK], k->arrivals),
                k->outcomes[SIM_ERROR], k->outcomes[SIM_TIMEOUT], k->outcomes[SIM_REJECTED],
                k->outcomes[SIM_REFUSED], k->outcomes[SIM_SHED], k->retries, k->fallbacks, opens);
    }
}
