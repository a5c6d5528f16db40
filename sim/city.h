/* city.h — a scenario played in virtual time, the engine deciding every call.
 *
 * sim_city_new() builds the city (instances, breakers, random streams) from a
 * scenario; sim_city_run() plays it to the end; the figures are then read from
 * the whole-run stats and from the per-tick series of the metrics collector
 * (metrics.h). Same scenario and seed: same figures. */
#ifndef SIM_CITY_H
#define SIM_CITY_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"
#include "model.h"

/* Whole-run figures of one service. */
typedef struct sim_service_stats {
    sim_counts total;
    double busy_area;   /* integral of busy workers over time, worker-ns */
    double inside_area; /* integral of requests inside (queued + in service), request-ns */
    double wait_sum_ns; /* total queue wait of started requests */
    uint64_t started;
    uint64_t waited;    /* started requests that queued first */
} sim_service_stats;

typedef struct sim_edge_stats {
    sim_counts total;
    uint64_t breaker_opens; /* transitions into OPEN of this edge's breakers */
} sim_edge_stats;

typedef struct sim_city sim_city;

/* A shadow candidate (firebreak sweep --shadow): a breaker configuration
 * played in METRICS_ONLY on every call edge whose profile is 'profile'. */
typedef struct sim_shadow {
    uint32_t profile; /* a profile index of the scenario */
    fb_config cfg;    /* its candidate setting (random, synchronized: ignored) */
} sim_shadow;

typedef struct sim_run_options {
    uint64_t seed;        /* used instead of the scenario's when seed_set */
    bool seed_set;
    int64_t duration_ns;  /* used instead of the scenario's when > 0 */
    bool no_breakers;     /* no breaker anywhere (the counterfactual) */
    bool no_policies;     /* no breaker, retry, bulkhead, fallback, alternate or
                             outlier ejection anywhere: bare calls with timeouts */
    bool log_calls;       /* log every retry, reroute and fallback, not only episodes */
    /* Shadow breakers: for each candidate and each edge with its profile, one
     * METRICS_ONLY breaker per caller instance (per service with scope
     * "service", like the real ones), fed every leg outcome on the edge that
     * the real breaker would record (not REJECTED legs, not own-bulkhead
     * sheds). They never refuse or draw from the city's streams, so the
     * series are the same with or without them; each would-trip is logged as
     * SIM_LOG_WOULD_TRIP. Created even with no_breakers. Borrowed. */
    const sim_shadow *shadows;
    uint32_t n_shadows;
    /* Called at the end of every tick with the virtual time reached, e.g. for
     * a progress bar; NULL: none. It must not touch the city. */
    void (*progress)(void *ctx, int64_t now_ns, int64_t end_ns);
    void *progress_ctx;
} sim_run_options;

/* Build the city; NULL on allocation failure. 'sc' is borrowed and must
 * outlive the city. 'opts' may be NULL. */
sim_city *sim_city_new(const sim_scenario *sc, const sim_run_options *opts);
void sim_city_free(sim_city *c);

/* Play the scenario to its end. Returns false if the event queue overflowed. */
bool sim_city_run(sim_city *c);

/* Read the figures after the run (borrowed). */
const sim_service_stats *sim_city_service(const sim_city *c, uint32_t service);
const sim_edge_stats *sim_city_edge(const sim_city *c, uint32_t call);
/* The per-tick series and the log: the result reports/ reads (borrowed). */
const sim_metrics *sim_city_metrics(const sim_city *c);
uint64_t sim_city_events(const sim_city *c);   /* events processed */
int64_t sim_city_now(const sim_city *c);

#endif /* SIM_CITY_H */
