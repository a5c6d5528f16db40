/* table.c — the run summarised for a terminal: one line for the entry, a row
 * per service, a row per call edge. */
#include <inttypes.h>

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
    uint64_t requests = 0, ok = 0;
    char name[160];

    for (size_t i = 0; i < n_entries && i < 64; i++) {
        requests += m->services[entries[i]].total.arrivals;
        ok += m->services[entries[i]].total.outcomes[SIM_OK];
    }
    fprintf(out, "%s: %.3g s simulated, seed %" PRIu64 ", %" PRIu64 " entry requests, "
                 "availability %.3f %%\n\n",
            sc->name ? sc->name : "scenario", (double)r->duration_ns / 1e9, r->seed, requests,
            pct(ok, requests));
    fprintf(out, "%-20s %10s %8s %8s %8s %8s %9s %9s %9s\n", "service", "requests", "ok %",
            "error", "refused", "shed", "p50 ms", "p99 ms", "p999 ms");
    for (uint32_t s = 0; s < sc->n_services; s++) {
        const sim_series *se = &m->services[s];
        const sim_counts *k = &se->total;

        fprintf(out, "%-20s %10" PRIu64 " %8.2f %8" PRIu64 " %8" PRIu64 " %8" PRIu64
                     " %9.1f %9.1f %9.1f\n",
                sc->services[s].name, k->arrivals, pct(k->outcomes[SIM_OK], k->arrivals),
                k->outcomes[SIM_ERROR], k->outcomes[SIM_REFUSED], k->outcomes[SIM_SHED],
                ms(&se->latency, 0.5), ms(&se->latency, 0.99), ms(&se->latency, 0.999));
    }
    if (sc->n_calls == 0)
        return;
    fprintf(out, "\n%-28s %10s %8s %8s %8s %8s %8s %8s %6s\n", "edge", "calls", "ok %", "error",
            "timeout", "rejected", "refused", "shed", "opens");
    for (uint32_t e = 0; e < sc->n_calls; e++) {
        const sim_counts *k = &m->edges[e].total;
        uint64_t opens = 0;

        for (size_t i = 0; i < m->n_log; i++)
            opens += m->log[i].kind == SIM_LOG_TRANSITION && m->log[i].index == e &&
                     m->log[i].to == FB_STATE_OPEN;
        report_edge_name(sc, e, name, sizeof(name));
        fprintf(out, "%-28s %10" PRIu64 " %8.2f %8" PRIu64 " %8" PRIu64 " %8" PRIu64
                     " %8" PRIu64 " %8" PRIu64 " %6" PRIu64 "\n",
                name, k->arrivals, pct(k->outcomes[SIM_OK], k->arrivals), k->outcomes[SIM_ERROR],
                k->outcomes[SIM_TIMEOUT], k->outcomes[SIM_REJECTED], k->outcomes[SIM_REFUSED],
                k->outcomes[SIM_SHED], opens);
    }
}
