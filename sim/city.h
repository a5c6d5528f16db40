/* city.h — a scenario played in virtual time, the engine deciding every call.
 *
 * sim_city_new() builds the city (instances, breakers, random streams) from a
 * scenario; sim_city_run() plays it to the end; the figures are then read from
 * the per-service and per-edge series. Same scenario and seed: same figures. */
#ifndef SIM_CITY_H
#define SIM_CITY_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/* How a request at a service, or a call on an edge, ended. */
typedef enum sim_outcome {
    SIM_OK,       /* answered successfully */
    SIM_ERROR,    /* answered with an error (its own or a dependency's) */
    SIM_TIMEOUT,  /* the caller stopped waiting (edges only) */
    SIM_REJECTED, /* the caller's breaker refused it (edges only) */
    SIM_REFUSED,  /* the callee was down (crash) */
    SIM_SHED,     /* the callee's queue was full or its queue timeout passed */
    SIM_N_OUTCOMES
} sim_outcome;

const char *sim_outcome_name(sim_outcome o);

typedef struct sim_counts {
    uint64_t arrivals;                /* requests (services) or calls (edges) */
    uint64_t outcomes[SIM_N_OUTCOMES];
    double latency_sum_ns;            /* over answered requests (OK or ERROR) */
    uint64_t answered;
} sim_counts;

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

typedef struct sim_run_options {
    uint64_t seed;        /* used instead of the scenario's when seed_set */
    bool seed_set;
    int64_t duration_ns;  /* used instead of the scenario's when > 0 */
    bool no_breakers;     /* every breaker DISABLED (the counterfactual) */
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
uint64_t sim_city_events(const sim_city *c);   /* events processed */
int64_t sim_city_now(const sim_city *c);

#endif /* SIM_CITY_H */
