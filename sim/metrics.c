/* metrics.c — the per-tick series, the run totals and the log (metrics.h). */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

const char *sim_outcome_name(sim_outcome o)
{
    static const char *const names[] = { "ok",       "degraded", "error", "timeout",
                                         "rejected", "refused",  "shed" };

    return (unsigned)o < SIM_N_OUTCOMES ? names[o] : "unknown";
}

static void series_init(sim_series *s)
{
    memset(&s->cur, 0, sizeof(s->cur));
    memset(&s->total, 0, sizeof(s->total));
    sim_hist_clear(&s->latency);
    sim_hist_clear(&s->tick_latency);
}

bool sim_metrics_init(sim_metrics *m, size_t n_services, size_t n_edges, int64_t tick_ns,
                      int64_t end_ns)
{
    memset(m, 0, sizeof(*m));
    m->tick_ns = tick_ns > 0 ? tick_ns : 1000000000;
    m->end_ns = end_ns > 0 ? end_ns : 0;
    m->n_services = n_services;
    m->n_edges = n_edges;
    m->cap_ticks = sim_metrics_run_ticks(m);
    if (m->cap_ticks > SIM_METRICS_MAX_TICKS) {
        m->tick_ns *= (int64_t)((m->cap_ticks + SIM_METRICS_MAX_TICKS - 1) / SIM_METRICS_MAX_TICKS);
        m->cap_ticks = sim_metrics_run_ticks(m);
    }
    if (m->cap_ticks == 0)
        m->cap_ticks = 1;
    m->services = calloc(n_services + 1, sizeof(*m->services));
    m->edges = calloc(n_edges + 1, sizeof(*m->edges));
    m->edge_breakers = calloc(n_edges + 1, sizeof(*m->edge_breakers));
    if (!m->services || !m->edges || !m->edge_breakers)
        return false;
    for (size_t i = 0; i < n_services + n_edges; i++) {
        sim_series *s = i < n_services ? &m->services[i] : &m->edges[i - n_services];

        series_init(s);
        s->ticks = calloc(m->cap_ticks, sizeof(*s->ticks));
        if (!s->ticks)
            return false;
    }
    return true;
}

void sim_metrics_cleanup(sim_metrics *m)
{
    for (size_t i = 0; m->services && i < m->n_services; i++)
        free(m->services[i].ticks);
    for (size_t i = 0; m->edges && i < m->n_edges; i++)
        free(m->edges[i].ticks);
    free(m->services);
    free(m->edges);
    free(m->edge_breakers);
    free(m->log);
    memset(m, 0, sizeof(*m));
}

size_t sim_metrics_run_ticks(const sim_metrics *m)
{
    return (size_t)((m->end_ns + m->tick_ns - 1) / m->tick_ns);
}

int64_t sim_metrics_tick_start(const sim_metrics *m, size_t k)
{
    return (int64_t)k * m->tick_ns;
}

int64_t sim_metrics_tick_end(const sim_metrics *m, size_t k)
{
    int64_t end = ((int64_t)k + 1) * m->tick_ns;

    return end < m->end_ns ? end : m->end_ns;
}

void sim_metrics_end(sim_series *s, sim_outcome o, int64_t latency_ns, bool is_edge)
{
    sim_counts *k = &s->cur.counts;

    k->outcomes[o]++;
    if (o == SIM_OK || o == SIM_DEGRADED || o == SIM_ERROR) {
        k->answered++;
        k->good += o == SIM_OK && latency_ns <= s->slo_ns;
        k->latency_sum_ns += (double)latency_ns;
        sim_hist_add(&s->tick_latency, latency_ns);
    } else if (o == SIM_TIMEOUT && is_edge) {
        sim_hist_add(&s->tick_latency, latency_ns);
    }
}

static void counts_add(sim_counts *into, const sim_counts *from)
{
    into->arrivals += from->arrivals;
    for (int o = 0; o < SIM_N_OUTCOMES; o++)
        into->outcomes[o] += from->outcomes[o];
    into->latency_sum_ns += from->latency_sum_ns;
    into->answered += from->answered;
    into->good += from->good;
    into->calls += from->calls;
    into->calls_ok += from->calls_ok;
    into->calls_degraded += from->calls_degraded;
    into->calls_failed += from->calls_failed;
    into->retries += from->retries;
    into->budget_denied += from->budget_denied;
    into->rerouted += from->rerouted;
    into->fallbacks += from->fallbacks;
}

static void series_close(sim_series *s, size_t k)
{
    sim_hist *h = &s->tick_latency;

    if (h->count > 0) {
        s->cur.p50_ns = sim_hist_quantile(h, 0.50);
        s->cur.p90_ns = sim_hist_quantile(h, 0.90);
        s->cur.p99_ns = sim_hist_quantile(h, 0.99);
        s->cur.p999_ns = sim_hist_quantile(h, 0.999);
        sim_hist_merge(&s->latency, h);
        sim_hist_clear(h);
    }
    counts_add(&s->total, &s->cur.counts);
    s->ticks[k] = s->cur;
    memset(&s->cur, 0, sizeof(s->cur));
}

static bool grow_ticks(sim_metrics *m)
{
    size_t cap = m->cap_ticks * 2;

    for (size_t i = 0; i < m->n_services + m->n_edges; i++) {
        sim_series *s = i < m->n_services ? &m->services[i] : &m->edges[i - m->n_services];
        sim_tick *t = realloc(s->ticks, cap * sizeof(*t));

        if (!t)
            return false;
        s->ticks = t;
    }
    m->cap_ticks = cap;
    return true;
}

void sim_metrics_close_tick(sim_metrics *m)
{
    if (m->n_ticks == m->cap_ticks && !grow_ticks(m)) {
        m->oom = true;
        return;
    }
    for (size_t i = 0; i < m->n_services; i++)
        series_close(&m->services[i], m->n_ticks);
    for (size_t i = 0; i < m->n_edges; i++)
        series_close(&m->edges[i], m->n_ticks);
    m->n_ticks++;
}

void sim_metrics_log(sim_metrics *m, const sim_log_entry *e)
{
    if (m->n_log == m->cap_log) {
        size_t cap = m->cap_log ? m->cap_log * 2 : 64;
        sim_log_entry *l = realloc(m->log, cap * sizeof(*l));

        if (!l) {
            m->oom = true;
            return;
        }
        m->log = l;
        m->cap_log = cap;
    }
    m->log[m->n_log++] = *e;
}
