/* city_fixture.h — a small city built in code, for the suites that test the
 * model without the scenario loader (test_city.c, test_policies.c). */
#ifndef FIREBREAK_CITY_FIXTURE_H
#define FIREBREAK_CITY_FIXTURE_H

#include <string.h>

#include "city.h"
#include "tests.h"

#define MAX_SVC 4

/* A small city: services[0] is the entry; calls are added with add_call. */
typedef struct city_fixture {
    sim_scenario sc;
    sim_service services[MAX_SVC];
    sim_step steps[8];
    sim_call calls[12];
    sim_load load;
    sim_fault faults[2];
    sim_profile profile;
} city_fixture;

static inline void fixture_init(city_fixture *f, int n_services, double rate, int64_t duration_ns)
{
    static const char *names[MAX_SVC] = { "gateway", "a", "b", "c" };

    memset(f, 0, sizeof(*f));
    for (int i = 0; i < n_services; i++) {
        sim_service *s = &f->services[i];

        s->name = (char *)names[i];
        s->replicas = 1;
        s->concurrency = 16;
        s->queue = 64;
        s->latency = sim_dist_constant(1e6); /* 1 ms */
    }
    f->load = (sim_load){ .entry = 0, .rate = rate, .shape = SIM_SHAPE_CONSTANT };
    f->profile.name = "default";
    fb_config_init(&f->profile.cfg);
    f->sc = (sim_scenario){ .name = "test", .seed = 7, .duration_ns = duration_ns,
                            .tick_ns = T(1), .services = f->services,
                            .n_services = (size_t)n_services, .steps = f->steps,
                            .calls = f->calls, .loads = &f->load, .n_loads = 1,
                            .faults = f->faults, .profiles = &f->profile, .n_profiles = 1 };
}

/* Give service 'from' one more step: a call to 'to' (or, with 'parallel', add
 * the call to its last step). Steps and calls of a service must be added
 * together, service by service. */
static inline sim_call *add_call(city_fixture *f, uint32_t from, uint32_t to, bool parallel)
{
    sim_service *s = &f->services[from];
    sim_call *c = &f->calls[f->sc.n_calls];

    *c = (sim_call){ .from = from, .to = to, .probability = 1, .profile = SIM_NONE };
    if (parallel && s->n_steps > 0) {
        f->steps[f->sc.n_steps - 1].n_calls++;
        f->steps[f->sc.n_steps - 1].parallel = true;
    } else {
        if (s->n_steps == 0)
            s->first_step = (uint32_t)f->sc.n_steps;
        f->steps[f->sc.n_steps++] = (sim_step){ .first_call = (uint32_t)f->sc.n_calls,
                                                .n_calls = 1 };
        s->n_steps++;
    }
    f->sc.n_calls++;
    return c;
}

static inline sim_fault *add_fault(city_fixture *f, sim_fault_kind kind, uint32_t service, int64_t start,
                            int64_t duration)
{
    sim_fault *x = &f->faults[f->sc.n_faults++];

    *x = (sim_fault){ .kind = kind, .target = SIM_TARGET_SERVICE, .service = service,
                      .start_ns = start, .duration_ns = duration, .fraction = 1, .factor = 1 };
    return x;
}

static inline sim_city *run(const sim_scenario *sc, uint64_t seed, bool no_breakers)
{
    sim_run_options o = { .seed = seed, .seed_set = true, .no_breakers = no_breakers };
    sim_city *c = sim_city_new(sc, &o);

    ck_assert_ptr_nonnull(c);
    ck_assert(sim_city_run(c));
    return c;
}

/* An alternate of handler call 'primary' into 'to'. Add alternates after
 * every handler call, in order. */
static inline sim_call *add_alternate(city_fixture *f, uint32_t primary, uint32_t to)
{
    sim_call *p = &f->calls[primary], *a = &f->calls[f->sc.n_calls];

    if (p->n_alts == 0)
        p->first_alt = (uint32_t)f->sc.n_calls;
    p->n_alts++;
    *a = (sim_call){ .from = p->from, .to = to, .probability = 1, .profile = SIM_NONE,
                     .optional = p->optional, .alternate = true, .primary = primary };
    f->sc.n_calls++;
    return a;
}

/* For tests on the scenario files: a service or an edge by name; the test
 * fails when there is none. */
static inline uint32_t service_named(const sim_scenario *sc, const char *name)
{
    uint32_t s = sim_scenario_service(sc, name);

    ck_assert_msg(s != SIM_NONE, "%s has no service %s", sc->name, name);
    return s;
}

/* The first call edge from -> to (a handler call or an alternate). */
static inline uint32_t edge_named(const sim_scenario *sc, const char *from, const char *to)
{
    uint32_t f = service_named(sc, from), t = service_named(sc, to);

    for (uint32_t k = 0; k < sc->n_calls; k++)
        if (sc->calls[k].from == f && sc->calls[k].to == t)
            return k;
    ck_assert_msg(0, "%s has no call %s->%s", sc->name, from, to);
    return SIM_NONE;
}

#endif /* FIREBREAK_CITY_FIXTURE_H */
