/* sim/model.c — lookups on a loaded scenario, arrival rates, and freeing.
 *
 * A load's rate changes are sorted by start (stable), so the rate at t is one
 * pass over them: the last step or ramp that has started sets the level (a
 * ramp starting from the level in force at its own start, which is the level
 * its predecessor gives at that instant), active bursts and the diurnal
 * shape multiply it. O(changes) per query; the city asks once per arrival
 * or per tick, and loads carry a handful of changes. Precomputing each ramp's
 * starting level was rejected: it would need a field model.h does not have
 * for a saving nobody has measured. */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_PI 3.14159265358979323846

const char *const sim_fault_kind_names[] = { "latency",  "errors",    "crash",
                                             "hang",     "brownout",  "slowdown",
                                             "partition", "flapping", NULL };

const sim_expect_metric sim_expect_metrics[] = {
    { "availability", SIM_EXPECT_RUN, SIM_UNIT_RATIO },
    { "availability_served", SIM_EXPECT_RUN, SIM_UNIT_RATIO },
    { "goodput_rps", SIM_EXPECT_RUN, SIM_UNIT_NUMBER },
    { "retry_amplification", SIM_EXPECT_RUN, SIM_UNIT_NUMBER },
    { "breaker_opens", SIM_EXPECT_RUN, SIM_UNIT_NUMBER },
    { "false_trips", SIM_EXPECT_RUN, SIM_UNIT_NUMBER },
    { "time_to_detect", SIM_EXPECT_FAULT, SIM_UNIT_SECONDS },
    { "time_to_recover", SIM_EXPECT_FAULT, SIM_UNIT_SECONDS },
    { "blast_radius", SIM_EXPECT_FAULT, SIM_UNIT_NUMBER },
    { "cascade_depth", SIM_EXPECT_FAULT, SIM_UNIT_NUMBER },
    { "contained", SIM_EXPECT_FAULT, SIM_UNIT_BOOL },
    { "wasted_calls", SIM_EXPECT_FAULT, SIM_UNIT_NUMBER },
    { "slo_budget_burned", SIM_EXPECT_FAULT, SIM_UNIT_NUMBER },
    { "p50", SIM_EXPECT_SERVICE, SIM_UNIT_SECONDS },
    { "p90", SIM_EXPECT_SERVICE, SIM_UNIT_SECONDS },
    { "p99", SIM_EXPECT_SERVICE, SIM_UNIT_SECONDS },
    { "p999", SIM_EXPECT_SERVICE, SIM_UNIT_SECONDS },
    { "availability", SIM_EXPECT_SERVICE, SIM_UNIT_RATIO },
    { "availability_served", SIM_EXPECT_SERVICE, SIM_UNIT_RATIO },
    { "retry_amplification", SIM_EXPECT_EDGE, SIM_UNIT_NUMBER },
    { "success_ratio", SIM_EXPECT_EDGE, SIM_UNIT_RATIO },
    { "breaker_opens", SIM_EXPECT_EDGE, SIM_UNIT_NUMBER },
    { NULL, SIM_EXPECT_RUN, SIM_UNIT_NUMBER }
};

uint32_t sim_scenario_service(const sim_scenario *sc, const char *name)
{
    if (!sc || !name)
        return SIM_NONE;
    for (size_t i = 0; i < sc->n_services; i++)
        if (sc->services[i].name && strcmp(sc->services[i].name, name) == 0)
            return (uint32_t)i;
    return SIM_NONE;
}

/* The level a step or ramp gives at 't_ns' (>= its start), having started
 * from 'from'. */
static double level_at(const sim_rate_change *c, double from, int64_t t_ns)
{
    if (c->kind == SIM_RATE_STEP || t_ns >= c->start_ns + c->duration_ns)
        return c->value;
    return from + (c->value - from) * ((double)(t_ns - c->start_ns) / (double)c->duration_ns);
}

double sim_load_rate(const sim_scenario *sc, const sim_load *load, int64_t t_ns)
{
    const sim_rate_change *ch, *last = NULL;
    double from = 0, factor = 1, rate;

    if (!sc || !load)
        return 0;
    ch = sc->rate_changes + load->first_change;
    for (uint32_t i = 0; i < load->n_changes; i++) {
        const sim_rate_change *c = &ch[i];

        switch (c->kind) {
        case SIM_RATE_STEP:
        case SIM_RATE_RAMP:
            if (c->start_ns <= t_ns) {
                from = last ? level_at(last, from, c->start_ns) : load->rate;
                last = c;
            }
            break;
        case SIM_RATE_BURST:
            if (c->start_ns <= t_ns && t_ns - c->start_ns < c->duration_ns)
                factor *= c->value;
            break;
        case SIM_RATE_DIURNAL:
            factor *= 1 + c->value * sin(2 * MODEL_PI * ((double)(t_ns - c->start_ns) /
                                                         (double)c->duration_ns));
            break;
        }
    }
    rate = (last ? level_at(last, from, t_ns) : load->rate) * factor;
    return rate > 0 ? rate : 0;
}

/* The largest product of burst multipliers in force at one instant: the
 * product is largest at some burst's start, so look at each start. O(n^2)
 * in the bursts of one load, which are few. */
static double max_bursts(const sim_rate_change *ch, uint32_t n)
{
    double best = 1;

    for (uint32_t i = 0; i < n; i++) {
        double product = 1;

        if (ch[i].kind != SIM_RATE_BURST)
            continue;
        for (uint32_t j = 0; j < n; j++)
            if (ch[j].kind == SIM_RATE_BURST && ch[j].value > 1 &&
                ch[j].start_ns <= ch[i].start_ns &&
                ch[i].start_ns - ch[j].start_ns < ch[j].duration_ns)
                product *= ch[j].value;
        if (product > best)
            best = product;
    }
    return best;
}

double sim_load_max_rate(const sim_scenario *sc, const sim_load *load)
{
    const sim_rate_change *ch;
    double level, diurnal = 1;

    if (!sc || !load)
        return 0;
    level = load->rate;
    ch = sc->rate_changes + load->first_change;
    for (uint32_t i = 0; i < load->n_changes; i++) {
        const sim_rate_change *c = &ch[i];

        if ((c->kind == SIM_RATE_STEP || c->kind == SIM_RATE_RAMP) && c->value > level)
            level = c->value;
        else if (c->kind == SIM_RATE_DIURNAL)
            diurnal *= 1 + c->value;
    }
    return level * max_bursts(ch, load->n_changes) * diurnal;
}

void sim_scenario_free(sim_scenario *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->n_profiles; i++)
        free(sc->profiles[i].name);
    for (size_t i = 0; i < sc->n_services; i++)
        free(sc->services[i].name);
    for (size_t i = 0; i < sc->n_faults; i++)
        free(sc->faults[i].label);
    for (size_t i = 0; i < sc->n_expects; i++)
        free(sc->expects[i].text);
    free(sc->expects);
    free(sc->name);
    free(sc->description);
    free(sc->path);
    free(sc->profiles);
    free(sc->services);
    free(sc->steps);
    free(sc->calls);
    free(sc->loads);
    free(sc->rate_changes);
    free(sc->faults);
    free(sc);
}
