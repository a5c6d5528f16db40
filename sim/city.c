/* city.c — the city model: instances, requests, calls, faults, breakers.
 *
 * A request at a service is a job. It waits for a worker slot of one instance
 * (in a bounded FIFO queue, with an optional queue timeout), holds the slot
 * for its own service time and then for its handler's steps, one at a time: a
 * step is one call or a parallel group, and the job goes on when every call of
 * the step has an outcome. A failed required call fails the job at once.
 *
 * A call is a call_rec: the handler's call with its policies (fallback ->
 * retry -> alternates -> breaker -> bulkhead -> timeout -> transport, see
 * docs/policies.md). It is sent as legs: one per attempt on the primary edge
 * or an alternate. A leg has a number ('leg'); the events and the callee job
 * that can end it carry that number, so only the current leg's first outcome
 * counts, and a call_rec is freed when its last holder lets go ('refs'). A
 * timed-out callee keeps working, as a real server does; its late answer is
 * dropped. Outcomes known when a leg is sent (breaker rejection, refusal, a
 * full queue or bulkhead) are delivered by an event at the same instant, so a
 * parallel group is always issued whole before any of its answers runs.
 *
 * Faults are evaluated when they matter (admission, start, call), from the
 * fault's window; only a brownout's end needs an event, to refill workers.
 * Jobs and calls come from free lists grown in slabs: no allocation per
 * request once warm. Every random draw comes from a stream named after the
 * service, load or fault it belongs to (rng.h).
 */
#include "city.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "rng.h"

enum {
    EV_ARRIVAL,       /* arg: load index */
    EV_SERVICE_DONE,  /* ptr: job */
    EV_LEG_DONE,      /* ptr: call_rec, arg: leg; an outcome known when it was sent */
    EV_TIMEOUT,       /* ptr: call_rec, arg: leg */
    EV_SLOT_WAIT,     /* ptr: call_rec, arg: leg; its wait for a bulkhead slot is over */
    EV_RETRY,         /* ptr: call_rec; its backoff is over */
    EV_QUEUE_TIMEOUT, /* ptr: job, arg: the job's generation */
    EV_FAULT_START,   /* arg: fault index (logged) */
    EV_FAULT_END,     /* arg: fault index (logged; brownouts: refill workers) */
    EV_RETURN         /* arg: service, ptr: instance; its ejection is over */
};

#define SLAB 1024

struct job;

struct call_rec {
    struct job *parent;
    uint32_t call;         /* the handler's call */
    uint32_t edge;         /* the current leg's edge: 'call' or one of its alternates */
    uint32_t alt;          /* 0: the primary; k: alternate k - 1 */
    uint32_t attempt;      /* 1, 2, ... */
    uint32_t leg;          /* grows per leg */
    uint32_t refs;
    uint32_t instance;     /* the callee instance the leg reached, or SIM_NONE */
    bool leg_open;         /* the current leg waits for its outcome */
    bool slot;             /* it holds a bulkhead slot */
    bool waiting;          /* it waits for a bulkhead slot */
    sim_outcome known;     /* EV_LEG_DONE: the outcome to deliver */
    int64_t start_ns, leg_start_ns;
    int64_t send_ns;       /* when the leg left the caller (after any bulkhead wait) */
    int64_t backoff_ns;    /* the last wait between attempts */
    fb_breaker *breaker;   /* the leg's breaker; NULL: none */
    fb_permit permit;
    struct call_rec *next_free;
    struct call_rec *prev_wait, *next_wait; /* the bulkhead's wait queue */
};

struct job {
    uint32_t service, instance;
    uint32_t gen;            /* grows on every reuse: stale events see it */
    uint32_t step;           /* the next step, relative to the service's first */
    uint32_t pending;        /* calls of the current step without an answer */
    uint32_t from_leg;       /* the leg of 'from' that brought it */
    bool failed, degraded;
    bool queued;
    int64_t arrived_ns, started_ns;
    struct call_rec *from;   /* the call that brought it; NULL at the entry */
    struct job *prev, *next; /* the instance's queue, or the free list */
};

struct instance {
    uint32_t busy;
    uint32_t queued;
    struct job *head, *tail;
    uint32_t failures;       /* answers that failed in a row (outlier ejection) */
    uint32_t ejections;
    bool ejected;
};

/* One caller instance's bulkhead on one edge. */
struct bulkhead {
    uint32_t in_use;
    struct call_rec *head, *tail;
};

/* The retry budget of one edge: calls and retries over a sliding window of
 * BUDGET_BUCKETS buckets. */
#define BUDGET_BUCKETS 10
struct budget {
    int64_t bucket_ns;
    int64_t cur;             /* the bucket 'now' is in */
    uint32_t calls[BUDGET_BUCKETS], retries[BUDGET_BUCKETS];
    uint64_t n_calls, n_retries;
    int64_t logged_ns;       /* the last refusal logged; INT64_MIN: none */
};

struct service_rt {
    struct instance *inst;
    uint32_t rr;              /* round-robin cursor */
    uint32_t *faults;         /* faults on the service or one of its instances */
    uint32_t n_faults;
    uint32_t busy, inside;    /* over all instances, for the areas */
    uint32_t ejected;         /* instances out of the load balancing */
    int64_t area_since_ns;
    double tick_busy0, tick_inside0; /* the areas when the open tick began */
    sim_rng latency, errors, lb, prob;
};

/* What a breaker's event callback needs to log the transition. */
struct breaker_ctx {
    sim_city *c;
    uint32_t call, instance;
};

/* What a shadow breaker's event callback needs to log a would-trip. */
struct shadow_ctx {
    sim_city *c;
    uint32_t call, instance, candidate;
};

struct call_rt {
    fb_breaker **breakers;    /* per caller instance, or one; NULL: none */
    struct breaker_ctx *ctx;  /* one per breaker */
    uint32_t n_breakers;
    /* Shadow breakers (sim_run_options.shadows), METRICS_ONLY: for the j-th
     * candidate on this edge, shadows[j * n_shadow_per + instance]. */
    fb_breaker **shadows;
    struct shadow_ctx *shadow_ctx;
    uint32_t n_shadow_cands, n_shadow_per;
    sim_rng shadow_jitter;    /* their random source: never drawn in METRICS_ONLY */
    uint32_t outstanding;     /* legs sent and not answered yet */
    struct bulkhead *bulkheads; /* per caller instance; NULL: none */
    struct budget budget;
    bool fallback_active;     /* a fallback answered in this tick or the last */
    sim_rng jitter, retry, fallback;
};

struct sim_city {
    const sim_scenario *sc;
    int64_t end_ns;
    uint64_t seed;
    bool no_breakers;
    bool no_policies;
    bool log_calls;
    const sim_shadow *shadows;
    uint32_t n_shadows;
    void (*progress)(void *ctx, int64_t now_ns, int64_t end_ns);
    void *progress_ctx;
    sim_queue q;
    int64_t now;
    uint64_t events;
    struct service_rt *svc;
    struct call_rt *calls;
    sim_rng *load_rng;
    sim_rng *fault_rng;
    sim_service_stats *svc_stats;
    sim_edge_stats *edge_stats;
    sim_metrics m;
    int64_t tick_end_ns;      /* the end of the open tick */
    struct job *free_jobs;
    struct call_rec *free_recs;
    void **slabs;
    size_t n_slabs, cap_slabs;
    bool overflow;
};

/* ---- pools -------------------------------------------------------------- */

static void *slab_new(sim_city *c, size_t size)
{
    void *p;

    if (c->n_slabs == c->cap_slabs) {
        size_t cap = c->cap_slabs ? c->cap_slabs * 2 : 16;
        void **s = realloc(c->slabs, cap * sizeof(*s));

        if (!s)
            return NULL;
        c->slabs = s;
        c->cap_slabs = cap;
    }
    p = calloc(SLAB, size);
    if (p)
        c->slabs[c->n_slabs++] = p;
    return p;
}

static struct job *job_new(sim_city *c)
{
    struct job *j = c->free_jobs;

    if (!j) {
        struct job *slab = slab_new(c, sizeof(*slab));

        if (!slab)
            return NULL;
        for (size_t i = 0; i < SLAB; i++) {
            slab[i].next = c->free_jobs;
            c->free_jobs = &slab[i];
        }
        j = c->free_jobs;
    }
    c->free_jobs = j->next;
    uint32_t gen = j->gen;
    memset(j, 0, sizeof(*j));
    j->gen = gen + 1;
    return j;
}

static void job_free(sim_city *c, struct job *j)
{
    j->gen++;
    j->next = c->free_jobs;
    c->free_jobs = j;
}

static struct call_rec *rec_new(sim_city *c)
{
    struct call_rec *r = c->free_recs;

    if (!r) {
        struct call_rec *slab = slab_new(c, sizeof(*slab));

        if (!slab)
            return NULL;
        for (size_t i = 0; i < SLAB; i++) {
            slab[i].next_free = c->free_recs;
            c->free_recs = &slab[i];
        }
        r = c->free_recs;
    }
    c->free_recs = r->next_free;
    memset(r, 0, sizeof(*r));
    return r;
}

static void rec_release(sim_city *c, struct call_rec *r)
{
    if (--r->refs == 0) {
        r->next_free = c->free_recs;
        c->free_recs = r;
    }
}

static void schedule(sim_city *c, int64_t at_ns, uint32_t kind, uint32_t arg, void *ptr)
{
    if (!sim_queue_push(&c->q, at_ns, kind, arg, ptr))
        c->overflow = true;
}

/* ---- faults ------------------------------------------------------------- */

static bool fault_active(const sim_fault *f, int64_t t)
{
    if (t < f->start_ns || t - f->start_ns >= f->duration_ns)
        return false;
    if (f->kind != SIM_FAULT_FLAPPING)
        return true;
    return (double)((t - f->start_ns) % f->period_ns) < f->fraction * (double)f->period_ns;
}

/* What the active faults do to instance 'i' of service 's' at 'now'. */
struct effects {
    bool crash, hang;
    double error_p;   /* extra error probability */
    double factor;    /* service-time multiplier */
    double capacity;  /* share of workers kept */
    double add_ns;    /* extra delay */
};

static struct effects effects_at(sim_city *c, uint32_t s, uint32_t i, bool draw_delay)
{
    const struct service_rt *rt = &c->svc[s];
    struct effects e = { .factor = 1, .capacity = 1 };

    for (uint32_t k = 0; k < rt->n_faults; k++) {
        const sim_fault *f = &c->sc->faults[rt->faults[k]];

        if ((f->target == SIM_TARGET_INSTANCE && f->instance != i) || !fault_active(f, c->now))
            continue;
        switch (f->kind) {
        case SIM_FAULT_LATENCY:
            if (draw_delay)
                e.add_ns += sim_dist_sample(&f->delay, &c->fault_rng[rt->faults[k]]);
            break;
        case SIM_FAULT_ERRORS:
            e.error_p = 1 - (1 - e.error_p) * (1 - f->probability);
            break;
        case SIM_FAULT_CRASH:
        case SIM_FAULT_FLAPPING:
            e.crash = true;
            break;
        case SIM_FAULT_HANG:
            e.hang = true;
            break;
        case SIM_FAULT_BROWNOUT:
            e.capacity = fmin(e.capacity, f->fraction);
            break;
        case SIM_FAULT_SLOWDOWN:
            e.factor *= f->factor;
            break;
        case SIM_FAULT_PARTITION:
            break; /* acts on calls: see partitioned() */
        }
    }
    return e;
}

static bool partitioned(sim_city *c, const sim_call *call)
{
    const struct service_rt *rt = &c->svc[call->to];

    for (uint32_t k = 0; k < rt->n_faults; k++) {
        const sim_fault *f = &c->sc->faults[rt->faults[k]];

        if (f->kind == SIM_FAULT_PARTITION && fault_active(f, c->now) &&
            (f->target == SIM_TARGET_SERVICE || f->from == call->from))
            return true;
    }
    return false;
}

static uint32_t capacity(sim_city *c, uint32_t s, uint32_t i)
{
    struct effects e = effects_at(c, s, i, false);

    return (uint32_t)floor(c->sc->services[s].concurrency * e.capacity);
}

/* ---- metrics ------------------------------------------------------------ */

/* Integrate busy workers and requests inside up to now, then apply a change. */
static void area(sim_city *c, uint32_t s, int d_busy, int d_inside)
{
    struct service_rt *rt = &c->svc[s];
    sim_service_stats *st = &c->svc_stats[s];
    double dt = (double)(c->now - rt->area_since_ns);

    st->busy_area += rt->busy * dt;
    st->inside_area += rt->inside * dt;
    rt->area_since_ns = c->now;
    rt->busy += d_busy;
    rt->inside += d_inside;
}

/* Close the open tick at its end: the gauges, then the collector's part. */
static void tick_close(sim_city *c)
{
    size_t k = c->m.n_ticks;
    int64_t start = sim_metrics_tick_start(&c->m, k);
    double len;

    c->now = sim_metrics_tick_end(&c->m, k);
    len = (double)(c->now - start);
    for (uint32_t s = 0; s < c->sc->n_services; s++) {
        struct service_rt *rt = &c->svc[s];
        const sim_service_stats *st = &c->svc_stats[s];
        sim_tick *t = &c->m.services[s].cur;

        area(c, s, 0, 0);
        t->inflight = (st->inside_area - rt->tick_inside0) / len;
        t->busy = (st->busy_area - rt->tick_busy0) / len;
        t->queued = t->inflight - t->busy;
        rt->tick_inside0 = st->inside_area;
        rt->tick_busy0 = st->busy_area;
    }
    for (uint32_t e = 0; e < c->sc->n_calls; e++) {
        const struct call_rt *rt = &c->calls[e];
        sim_tick *t = &c->m.edges[e].cur;



        t->inflight = rt->outstanding;
        if (t->counts.fallbacks == 0)
            c->calls[e].fallback_active = false;
        for (uint32_t i = 0; i < rt->n_breakers; i++) {
            fb_state st = fb_breaker_state(rt->breakers[i], c->now);

            t->open += st == FB_STATE_OPEN || st == FB_STATE_FORCED_OPEN;
            t->half_open += st == FB_STATE_HALF_OPEN;
        }
    }
    sim_metrics_close_tick(&c->m);
    c->tick_end_ns = sim_metrics_tick_end(&c->m, c->m.n_ticks);
    if (c->progress)
        c->progress(c->progress_ctx, c->now, c->end_ns);
}

/* ---- requests ------------------------------------------------------------ */

static void job_start(sim_city *c, struct job *j);
static void job_next_step(sim_city *c, struct job *j);
static void leg_end(sim_city *c, struct call_rec *r, sim_outcome o);

/* Tell the caller, if any, how the job ended, and free it. */
static void job_end(sim_city *c, struct job *j, sim_outcome o)
{
    struct call_rec *from = j->from;
    uint32_t leg = j->from_leg;

    sim_metrics_end(&c->m.services[j->service], o, c->now - j->arrived_ns, false);
    job_free(c, j);
    if (from) {
        if (from->leg == leg && from->leg_open)
            leg_end(c, from, o);
        rec_release(c, from);
    }
}

/* Start queued jobs while the instance has free workers. */
static void instance_drain(sim_city *c, uint32_t s, uint32_t i)
{
    struct instance *in = &c->svc[s].inst[i];
    uint32_t cap = capacity(c, s, i);

    while (in->head && in->busy < cap) {
        struct job *j = in->head;

        in->head = j->next;
        if (in->head)
            in->head->prev = NULL;
        else
            in->tail = NULL;
        in->queued--;
        j->queued = false;
        job_start(c, j);
    }
}

/* The job finished its handler (or failed): free its worker, answer. */
static void job_finish(sim_city *c, struct job *j, sim_outcome o)
{
    uint32_t s = j->service, i = j->instance;

    c->svc[s].inst[i].busy--;
    area(c, s, -1, -1);
    /* The freed worker goes to the queue first: answering may bring a new
     * request to this instance at once, and it must not jump the queue. */
    instance_drain(c, s, i);
    job_end(c, j, o);
}

static void job_start(sim_city *c, struct job *j)
{
    const sim_service *sv = &c->sc->services[j->service];
    struct effects e = effects_at(c, j->service, j->instance, true);
    double st = sim_dist_sample(&sv->latency, &c->svc[j->service].latency) * e.factor + e.add_ns;

    c->svc[j->service].inst[j->instance].busy++;
    area(c, j->service, 1, 0);
    c->svc_stats[j->service].started++;
    c->svc_stats[j->service].wait_sum_ns += (double)(c->now - j->arrived_ns);
    c->svc_stats[j->service].waited += c->now > j->arrived_ns;
    j->started_ns = c->now;
    schedule(c, c->now + (int64_t)st, EV_SERVICE_DONE, 0, j);
}

static bool in_rotation(const struct service_rt *rt, uint32_t i)
{
    return !rt->inst[i].ejected;
}

/* One of the instances the load balancer may use: all but the ejected ones
 * (never all of them: see eject()). */
static uint32_t pick_instance(sim_city *c, uint32_t s)
{
    const sim_service *sv = &c->sc->services[s];
    struct service_rt *rt = &c->svc[s];
    uint32_t best = UINT32_MAX, k;

    switch (sv->lb) {
    case SIM_LB_RANDOM:
        k = (uint32_t)sim_rng_below(&rt->lb, sv->replicas - rt->ejected);
        if (rt->ejected == 0)
            return k;
        for (best = 0;; best++) /* the k-th instance in rotation */
            if (in_rotation(rt, best) && k-- == 0)
                return best;
    case SIM_LB_LEAST_OUTSTANDING:
        for (uint32_t i = 0; i < sv->replicas; i++)
            if (in_rotation(rt, i) &&
                (best == UINT32_MAX || rt->inst[i].busy + rt->inst[i].queued <
                                           rt->inst[best].busy + rt->inst[best].queued))
                best = i;
        return best;
    default:
        do {
            best = rt->rr;
            rt->rr = (rt->rr + 1) % sv->replicas;
        } while (!in_rotation(rt, best));
        return best;
    }
}

/* A request arrives at service 's' (from a call, or at the entry when 'from'
 * is NULL). Returns the outcome when it is known at once (refused, shed),
 * SIM_OK when the request was admitted or hangs. */
static sim_outcome job_arrive(sim_city *c, uint32_t s, struct call_rec *from)
{
    const sim_service *sv = &c->sc->services[s];
    uint32_t i = pick_instance(c, s);
    struct instance *in = &c->svc[s].inst[i];
    struct effects e = effects_at(c, s, i, false);
    struct job *j;

    if (from)
        from->instance = i;
    sim_metrics_arrival(&c->m.services[s]);
    if (e.crash) {
        sim_metrics_end(&c->m.services[s], SIM_REFUSED, 0, false);
        return SIM_REFUSED;
    }
    if (e.hang)
        return SIM_OK; /* accepted, never answered: only the caller's timeout ends it */
    if (in->busy >= (uint32_t)floor(sv->concurrency * e.capacity) && in->queued >= sv->queue) {
        sim_metrics_end(&c->m.services[s], SIM_SHED, 0, false);
        return SIM_SHED;
    }
    j = job_new(c);
    if (!j) {
        c->overflow = true;
        return SIM_SHED;
    }
    j->service = s;
    j->instance = i;
    j->arrived_ns = c->now;
    j->from = from;
    if (from) {
        from->refs++;
        j->from_leg = from->leg;
    }
    area(c, s, 0, 1);
    if (in->busy < (uint32_t)floor(sv->concurrency * e.capacity)) {
        job_start(c, j);
        return SIM_OK;
    }
    j->queued = true;
    j->prev = in->tail;
    j->next = NULL;
    if (in->tail)
        in->tail->next = j;
    else
        in->head = j;
    in->tail = j;
    in->queued++;
    if (sv->queue_timeout_ns > 0)
        schedule(c, c->now + sv->queue_timeout_ns, EV_QUEUE_TIMEOUT, j->gen, j);
    return SIM_OK;
}

static void queue_timeout(sim_city *c, struct job *j, uint32_t gen)
{
    struct instance *in;

    if (j->gen != gen || !j->queued)
        return; /* started, or long gone */
    in = &c->svc[j->service].inst[j->instance];
    if (j->prev)
        j->prev->next = j->next;
    else
        in->head = j->next;
    if (j->next)
        j->next->prev = j->prev;
    else
        in->tail = j->prev;
    in->queued--;
    area(c, j->service, 0, -1);
    job_end(c, j, SIM_SHED);
}

/* ---- calls --------------------------------------------------------------- */

static void leg_start(sim_city *c, struct call_rec *r, uint32_t alt);

static void log_call(sim_city *c, const struct call_rec *r, sim_log_kind kind, sim_outcome o,
                     sim_outcome result, uint64_t count, int64_t until_ns, uint32_t target)
{
    sim_log_entry e = { .kind = kind, .index = r->call, .instance = r->parent->instance,
                        .at_ns = c->now, .until_ns = until_ns, .count = count,
                        .outcome = o, .result = result, .target = target };

    sim_metrics_log(&c->m, &e);
}

static fb_breaker *breaker_for(sim_city *c, const struct job *j, uint32_t edge)
{
    const struct call_rt *rt = &c->calls[edge];

    if (!rt->breakers)
        return NULL;
    return rt->breakers[rt->n_breakers == 1 ? 0 : j->instance];
}

/* An outcome known as the leg is sent: delivered by an event at this instant. */
static void leg_known(sim_city *c, struct call_rec *r, sim_outcome o)
{
    r->known = o;
    r->refs++;
    schedule(c, c->now, EV_LEG_DONE, r->leg, r);
}

/* Timeout and transport: the leg leaves the caller. */
static void leg_send(sim_city *c, struct call_rec *r)
{
    const sim_call *cl = &c->sc->calls[r->edge];
    sim_outcome o = SIM_OK;

    r->send_ns = c->now; /* the breaker times the dependency, not our own bulkhead */
    if (!partitioned(c, cl)) /* a partition drops it: only the timeout ends it */
        o = job_arrive(c, cl->to, r);
    if (o != SIM_OK) {
        leg_known(c, r, o);
        return;
    }
    if (cl->timeout_ns > 0) {
        r->refs++;
        schedule(c, c->now + cl->timeout_ns, EV_TIMEOUT, r->leg, r);
    }
}

static struct bulkhead *bulkhead_of(sim_city *c, const struct call_rec *r)
{
    return &c->calls[r->call].bulkheads[r->parent->instance];
}

static void slot_wait_remove(struct bulkhead *b, struct call_rec *r)
{
    if (r->prev_wait)
        r->prev_wait->next_wait = r->next_wait;
    else
        b->head = r->next_wait;
    if (r->next_wait)
        r->next_wait->prev_wait = r->prev_wait;
    else
        b->tail = r->prev_wait;
    r->prev_wait = r->next_wait = NULL;
    r->waiting = false;
}

/* Give the leg's bulkhead slot to the first waiter, or back. */
static void slot_release(sim_city *c, struct call_rec *r)
{
    struct bulkhead *b = bulkhead_of(c, r);
    struct call_rec *w = b->head;

    r->slot = false;
    if (!w) {
        b->in_use--;
        return;
    }
    slot_wait_remove(b, w);
    w->slot = true;
    leg_send(c, w);
}

/* One leg: the primary edge (alt 0) or alternate alt - 1, through its breaker,
 * the bulkhead (the handler's call only) and the timeout. */
static void leg_start(sim_city *c, struct call_rec *r, uint32_t alt)
{
    const sim_call *pc = &c->sc->calls[r->call];
    uint32_t e = alt == 0 ? r->call : pc->first_alt + alt - 1;

    r->alt = alt;
    r->edge = e;
    r->leg++;
    r->leg_open = true;
    r->leg_start_ns = r->send_ns = c->now;
    r->instance = SIM_NONE;
    c->calls[e].outstanding++;
    sim_metrics_arrival(&c->m.edges[e]);
    r->breaker = breaker_for(c, r->parent, e);
    if (r->breaker && !fb_breaker_acquire(r->breaker, c->now, &r->permit)) {
        leg_known(c, r, SIM_REJECTED);
        return;
    }
    if (alt == 0 && pc->bulkhead.max_concurrent > 0 && !c->no_policies) {
        struct bulkhead *b = bulkhead_of(c, r);

        if (b->in_use >= pc->bulkhead.max_concurrent) {
            if (pc->bulkhead.max_wait_ns <= 0) {
                leg_known(c, r, SIM_SHED);
                return;
            }
            r->waiting = true;
            r->prev_wait = b->tail;
            r->next_wait = NULL;
            if (b->tail)
                b->tail->next_wait = r;
            else
                b->head = r;
            b->tail = r;
            r->refs++;
            schedule(c, c->now + pc->bulkhead.max_wait_ns, EV_SLOT_WAIT, r->leg, r);
            return;
        }
        b->in_use++;
        r->slot = true;
    }
    leg_send(c, r);
}

/* ---- the retry budget ---- */

static void budget_advance(struct budget *b, int64_t now)
{
    int64_t idx = now / b->bucket_ns;

    if (idx - b->cur >= BUDGET_BUCKETS) {
        memset(b->calls, 0, sizeof(b->calls));
        memset(b->retries, 0, sizeof(b->retries));
        b->n_calls = b->n_retries = 0;
        b->cur = idx;
    }
    while (b->cur < idx) {
        size_t k = (size_t)(++b->cur % BUDGET_BUCKETS);

        b->n_calls -= b->calls[k];
        b->n_retries -= b->retries[k];
        b->calls[k] = b->retries[k] = 0;
    }
}

/* May the call retry now? Counts the retry when it may. */
static bool budget_allows(sim_city *c, struct call_rec *r)
{
    const sim_retry *rt = &c->sc->calls[r->call].retry;
    struct budget *b = &c->calls[r->call].budget;
    double window_s = (double)rt->budget_window_ns / 1e9;
    double allowed;

    budget_advance(b, c->now);
    allowed = fmax(rt->budget_ratio * (double)b->n_calls, rt->budget_min_per_s * window_s);
    if ((double)b->n_retries < allowed) {
        b->retries[b->cur % BUDGET_BUCKETS]++;
        b->n_retries++;
        return true;
    }
    c->m.edges[r->call].cur.counts.budget_denied++;
    /* Refusals come in runs: one line per window at most. */
    if (b->logged_ns == INT64_MIN || c->now - b->logged_ns >= rt->budget_window_ns) {
        sim_log_entry e = { .kind = SIM_LOG_BUDGET_EXHAUSTED, .index = r->call,
                            .instance = r->parent->instance, .at_ns = c->now,
                            .count = b->n_retries, .total = b->n_calls };

        sim_metrics_log(&c->m, &e);
        b->logged_ns = c->now;
    }
    return false;
}

/* The wait before retry n (n = 1 for the first retry). */
static int64_t backoff(sim_city *c, struct call_rec *r, uint32_t n)
{
    const sim_retry *rt = &c->sc->calls[r->call].retry;
    double base = (double)rt->base_ns, cap = (double)rt->max_ns, w;

    switch (rt->backoff) {
    case SIM_BACKOFF_CONSTANT:
        w = base;
        break;
    case SIM_BACKOFF_DECORRELATED: {
        double prev = r->backoff_ns > 0 ? (double)r->backoff_ns : base;

        w = base + sim_rng_double(&c->calls[r->call].retry) * (3 * prev - base);
        break;
    }
    default:
        w = base * pow(rt->multiplier, (double)(n - 1));
    }
    w = fmin(w, cap);
    r->backoff_ns = (int64_t)w;
    return r->backoff_ns;
}

static uint32_t retry_bit(sim_outcome o)
{
    switch (o) {
    case SIM_ERROR:
        return SIM_RETRY_ON_ERROR;
    case SIM_TIMEOUT:
        return SIM_RETRY_ON_TIMEOUT;
    case SIM_REFUSED:
        return SIM_RETRY_ON_REFUSED;
    case SIM_SHED:
        return SIM_RETRY_ON_SHED;
    case SIM_REJECTED:
        return SIM_RETRY_ON_REJECTED;
    default:
        return 0;
    }
}

/* ---- the end of a call ---- */

/* The call has its final outcome: count it, move the caller on. */
static void call_finish(sim_city *c, struct call_rec *r, sim_outcome o)
{
    const sim_call *call = &c->sc->calls[r->call];
    sim_counts *k = &c->m.edges[r->call].cur.counts;
    struct job *p = r->parent;

    if (o == SIM_OK)
        k->calls_ok++;
    else if (o == SIM_DEGRADED)
        k->calls_degraded++;
    else
        k->calls_failed++;
    if (o == SIM_DEGRADED)
        p->degraded = true;
    else if (o != SIM_OK && !call->optional)
        p->failed = true;
    if (--p->pending == 0) {
        if (p->failed)
            job_finish(c, p, SIM_ERROR);
        else
            job_next_step(c, p);
    }
}

/* Every attempt failed: the fallback, if any, has the last word. */
static void call_fail(sim_city *c, struct call_rec *r, sim_outcome o)
{
    const sim_fallback *fb = &c->sc->calls[r->call].fallback;
    struct call_rt *rt = &c->calls[r->call];
    sim_outcome result = o;

    if (fb->kind == SIM_FALLBACK_NONE || c->no_policies) {
        call_finish(c, r, o);
        return;
    }
    if (fb->kind == SIM_FALLBACK_DEFAULT ||
        (fb->kind == SIM_FALLBACK_CACHE && sim_rng_double(&rt->fallback) < fb->hit))
        result = SIM_DEGRADED;
    c->m.edges[r->call].cur.counts.fallbacks++;
    if (!rt->fallback_active) {
        log_call(c, r, SIM_LOG_FALLBACK_ACTIVE, o, result, 0, 0, 0);
        rt->fallback_active = true;
    }
    if (c->log_calls)
        log_call(c, r, SIM_LOG_FALLBACK, o, result, 0, 0, 0);
    call_finish(c, r, result);
}

static fb_outcome breaker_outcome(sim_outcome o)
{
    return o == SIM_OK || o == SIM_DEGRADED ? FB_SUCCESS : FB_FAILURE;
}

static void eject_note(sim_city *c, uint32_t s, uint32_t i, sim_outcome o);

/* Feed a leg's outcome to the edge's shadow breakers, as the real breaker
 * would record it. A METRICS_ONLY breaker always permits and its permit
 * changes nothing but a counter, so taking the permit now, at the leg's end,
 * is the same as taking it when the leg started. */
static void shadow_record(sim_city *c, const struct call_rec *r, sim_outcome o)
{
    const struct call_rt *rt = &c->calls[r->edge];
    uint32_t i = rt->n_shadow_per == 1 ? 0 : r->parent->instance;

    for (uint32_t k = 0; k < rt->n_shadow_cands; k++) {
        fb_breaker *b = rt->shadows[k * rt->n_shadow_per + i];
        fb_permit p;

        if (fb_breaker_acquire(b, c->now, &p))
            fb_breaker_record(b, &p, breaker_outcome(o), c->now - r->send_ns, c->now);
    }
}

/* The leg has its outcome: count it, tell its breaker, the bulkhead and the
 * outlier detector; then the next alternate, a retry, or the end. */
static void leg_end(sim_city *c, struct call_rec *r, sim_outcome o)
{
    const sim_call *pc = &c->sc->calls[r->call];
    bool sent = r->instance != SIM_NONE || (o != SIM_REJECTED && o != SIM_SHED);

    r->leg_open = false;
    c->calls[r->edge].outstanding--;
    sim_metrics_end(&c->m.edges[r->edge], o, c->now - r->leg_start_ns, true);
    if (r->breaker && o != SIM_REJECTED)
        /* A shed by our own bulkhead says nothing about the dependency. */
        fb_breaker_record(r->breaker, &r->permit, sent ? breaker_outcome(o) : FB_IGNORED,
                          c->now - r->send_ns, c->now);
    if (c->calls[r->edge].n_shadow_cands && o != SIM_REJECTED && sent)
        shadow_record(c, r, o);
    if (r->slot)
        slot_release(c, r);
    if (r->instance != SIM_NONE)
        eject_note(c, c->sc->calls[r->edge].to, r->instance, o);
    if (o == SIM_OK || o == SIM_DEGRADED) {
        call_finish(c, r, o);
        return;
    }
    if (r->alt < pc->n_alts && !c->no_policies) {
        c->m.edges[r->call].cur.counts.rerouted++;
        if (c->log_calls)
            log_call(c, r, SIM_LOG_REROUTE, o, o, r->attempt, 0, pc->first_alt + r->alt);
        leg_start(c, r, r->alt + 1);
        return;
    }
    if (r->attempt < pc->retry.max_attempts && !c->no_policies && (pc->retry.on & retry_bit(o)) &&
        (!pc->retry.budget || budget_allows(c, r))) {
        int64_t at = c->now + backoff(c, r, r->attempt);

        if (c->log_calls)
            log_call(c, r, SIM_LOG_RETRY, o, o, r->attempt + 1, at, 0);
        r->refs++;
        schedule(c, at, EV_RETRY, 0, r);
        return;
    }
    call_fail(c, r, o);
}

/* Make call 'call' of job 'j'. */
static void call_begin(sim_city *c, struct job *j, uint32_t call)
{
    const sim_call *cl = &c->sc->calls[call];
    struct call_rec *r = rec_new(c);

    if (!r) {
        c->overflow = true;
        return;
    }
    r->parent = j;
    r->call = call;
    r->attempt = 1;
    r->start_ns = c->now;
    r->refs = 1; /* this function's, until it returns */
    j->pending++;
    c->m.edges[call].cur.counts.calls++;
    if (cl->retry.budget) {
        struct budget *b = &c->calls[call].budget;

        budget_advance(b, c->now);
        b->calls[b->cur % BUDGET_BUCKETS]++;
        b->n_calls++;
    }
    leg_start(c, r, 0);
    rec_release(c, r);
}

/* ---- outlier ejection ---- */

static void eject_note(sim_city *c, uint32_t s, uint32_t i, sim_outcome o)
{
    const sim_service *sv = &c->sc->services[s];
    const sim_ejection *ej = &sv->ejection;
    struct service_rt *rt = &c->svc[s];
    struct instance *in = &rt->inst[i];
    uint32_t max_out;
    int64_t len;

    if (ej->consecutive == 0 || c->no_policies)
        return;
    if (o == SIM_OK || o == SIM_DEGRADED) {
        in->failures = 0;
        return;
    }
    if (++in->failures < ej->consecutive || in->ejected)
        return;
    max_out = (uint32_t)floor(ej->max_percent / 100 * sv->replicas);
    if (max_out < 1)
        max_out = 1;
    if (max_out > sv->replicas - 1)
        max_out = sv->replicas - 1; /* never all of them */
    if (rt->ejected >= max_out)
        return;
    in->ejected = true;
    in->ejections++;
    rt->ejected++;
    len = (double)ej->base_ns * in->ejections >= (double)ej->max_ns
              ? ej->max_ns
              : ej->base_ns * (int64_t)in->ejections;
    {
        sim_log_entry e = { .kind = SIM_LOG_EJECT, .index = s, .instance = i, .at_ns = c->now,
                            .until_ns = c->now + len, .count = in->failures,
                            .total = in->ejections };

        sim_metrics_log(&c->m, &e);
    }
    in->failures = 0;
    schedule(c, c->now + len, EV_RETURN, s, in);
}

static void eject_end(sim_city *c, uint32_t s, struct instance *in)
{
    struct service_rt *rt = &c->svc[s];
    sim_log_entry e = { .kind = SIM_LOG_RETURN, .index = s,
                        .instance = (uint32_t)(in - rt->inst), .at_ns = c->now };

    in->ejected = false;
    rt->ejected--;
    sim_metrics_log(&c->m, &e);
}

/* Run the job's next step, or finish it when none is left. */
static void job_next_step(sim_city *c, struct job *j)
{
    const sim_service *sv = &c->sc->services[j->service];

    while (j->step < sv->n_steps) {
        const sim_step *st = &c->sc->steps[sv->first_step + j->step++];

        j->pending = 1; /* held while issuing, so no answer finishes the step early */
        for (uint32_t k = 0; k < st->n_calls; k++) {
            uint32_t call = st->first_call + k;

            if (sim_rng_double(&c->svc[j->service].prob) < c->sc->calls[call].probability)
                call_begin(c, j, call);
        }
        if (--j->pending > 0)
            return; /* answers move it on */
        if (j->failed)
            break;
    }
    if (!j->failed) {
        struct effects e = effects_at(c, j->service, j->instance, false);
        double p = 1 - (1 - sv->error_rate) * (1 - e.error_p);

        if (p > 0 && sim_rng_double(&c->svc[j->service].errors) < p)
            j->failed = true;
    }
    job_finish(c, j, j->failed ? SIM_ERROR : j->degraded ? SIM_DEGRADED : SIM_OK);
}

/* ---- load ---------------------------------------------------------------- */

/* The next arrival of load 'l' after 't': thinning for Poisson (exact for a
 * time-varying rate), 1/rate gaps for constant. INT64_MAX past the end. */
static int64_t next_arrival(sim_city *c, uint32_t l, int64_t t)
{
    const sim_load *ld = &c->sc->loads[l];
    double max = sim_load_max_rate(c->sc, ld);
    sim_rng *r = &c->load_rng[l];

    while (t < c->end_ns) {
        double rate;

        if (ld->shape == SIM_SHAPE_POISSON) {
            if (max <= 0)
                return INT64_MAX;
            t += (int64_t)(-log(1 - sim_rng_double(r)) / max * 1e9) + 1;
            if (t < c->end_ns && sim_rng_double(r) * max < sim_load_rate(c->sc, ld, t))
                return t;
        } else {
            rate = sim_load_rate(c->sc, ld, t);
            if (rate > 0)
                return t + (int64_t)(1e9 / rate);
            t += c->sc->tick_ns; /* no traffic now: look again a tick later */
        }
    }
    return INT64_MAX;
}

/* ---- the run ------------------------------------------------------------- */

static void dispatch(sim_city *c, const sim_event *ev)
{
    struct call_rec *r;

    switch (ev->kind) {
    case EV_ARRIVAL: {
        int64_t next = next_arrival(c, ev->arg, c->now);
        sim_outcome o = job_arrive(c, c->sc->loads[ev->arg].entry, NULL);

        (void)o; /* refusals and sheds at the entry are counted by the service */
        if (next < c->end_ns)
            schedule(c, next, EV_ARRIVAL, ev->arg, NULL);
        break;
    }
    case EV_SERVICE_DONE:
        job_next_step(c, ev->ptr);
        break;
    case EV_LEG_DONE:
        r = ev->ptr;
        if (r->leg == ev->arg && r->leg_open)
            leg_end(c, r, r->known);
        rec_release(c, r);
        break;
    case EV_TIMEOUT:
        r = ev->ptr;
        if (r->leg == ev->arg && r->leg_open && !r->waiting)
            leg_end(c, r, SIM_TIMEOUT);
        rec_release(c, r);
        break;
    case EV_SLOT_WAIT:
        r = ev->ptr;
        if (r->leg == ev->arg && r->waiting) {
            slot_wait_remove(bulkhead_of(c, r), r);
            leg_end(c, r, SIM_SHED);
        }
        rec_release(c, r);
        break;
    case EV_RETRY:
        r = ev->ptr;
        r->attempt++;
        c->m.edges[r->call].cur.counts.retries++;
        leg_start(c, r, 0);
        rec_release(c, r);
        break;
    case EV_RETURN:
        eject_end(c, ev->arg, ev->ptr);
        break;
    case EV_QUEUE_TIMEOUT:
        queue_timeout(c, ev->ptr, ev->arg);
        break;
    case EV_FAULT_START:
    case EV_FAULT_END: {
        const sim_fault *f = &c->sc->faults[ev->arg];
        sim_log_entry e = { .kind = ev->kind == EV_FAULT_START ? SIM_LOG_FAULT_START
                                                               : SIM_LOG_FAULT_END,
                            .index = ev->arg, .instance = SIM_NONE, .at_ns = c->now };

        sim_metrics_log(&c->m, &e);
        if (ev->kind == EV_FAULT_END && f->kind == SIM_FAULT_BROWNOUT)
            for (uint32_t i = 0; i < c->sc->services[f->service].replicas; i++)
                instance_drain(c, f->service, i);
        break;
    }
    }
}

bool sim_city_run(sim_city *c)
{
    sim_event ev;

    for (uint32_t l = 0; l < c->sc->n_loads; l++) {
        const sim_load *ld = &c->sc->loads[l];
        /* Evenly spaced arrivals start at 0: rate r for d seconds is r x d. */
        int64_t first = ld->shape == SIM_SHAPE_CONSTANT && sim_load_rate(c->sc, ld, 0) > 0
                            ? 0
                            : next_arrival(c, l, 0);

        if (first < c->end_ns)
            schedule(c, first, EV_ARRIVAL, l, NULL);
    }
    for (uint32_t f = 0; f < c->sc->n_faults; f++) {
        const sim_fault *ft = &c->sc->faults[f];

        schedule(c, ft->start_ns, EV_FAULT_START, f, NULL);
        if (ft->duration_ns <= INT64_MAX - ft->start_ns)
            schedule(c, ft->start_ns + ft->duration_ns, EV_FAULT_END, f, NULL);
    }
    c->tick_end_ns = sim_metrics_tick_end(&c->m, 0);
    while (!c->overflow && !c->m.oom && sim_queue_peek_time(&c->q) < c->end_ns) {
        while (sim_queue_peek_time(&c->q) >= c->tick_end_ns && !c->m.oom)
            tick_close(c);
        sim_queue_pop(&c->q, &ev);
        c->now = ev.time_ns;
        c->events++;
        dispatch(c, &ev);
    }
    while (c->m.n_ticks < sim_metrics_run_ticks(&c->m) && !c->m.oom)
        tick_close(c);
    c->now = c->end_ns;
    for (uint32_t s = 0; s < c->sc->n_services; s++) {
        area(c, s, 0, 0);
        c->svc_stats[s].total = c->m.services[s].total;
    }
    for (uint32_t e = 0; e < c->sc->n_calls; e++)
        c->edge_stats[e].total = c->m.edges[e].total;
    return !c->overflow && !c->m.oom;
}

/* ---- construction ---------------------------------------------------------- */

static uint64_t jitter_draw(void *ctx)
{
    return sim_rng_next(ctx);
}

/* Every transition is logged and counted in its edge's open tick. */
static void on_breaker_event(const fb_event *ev, void *ctx)
{
    const struct breaker_ctx *b = ctx;
    sim_city *c = b->c;
    sim_log_entry e = { .kind = SIM_LOG_TRANSITION, .index = b->call, .instance = b->instance,
                        .at_ns = ev->at_ns, .from = ev->from, .to = ev->to,
                        .reason = ev->reason, .until_ns = ev->open_until_ns,
                        .window = ev->window };

    if (ev->kind != FB_EVENT_TRANSITION)
        return;
    c->edge_stats[b->call].breaker_opens += ev->to == FB_STATE_OPEN;
    c->m.edges[b->call].cur.transitions++;
    sim_metrics_log(&c->m, &e);
}

/* A shadow breaker's would-trip: logged (its other events are not). */
static void on_shadow_event(const fb_event *ev, void *ctx)
{
    const struct shadow_ctx *x = ctx;
    sim_log_entry e = { .kind = SIM_LOG_WOULD_TRIP, .index = x->call, .instance = x->instance,
                        .at_ns = ev->at_ns, .from = ev->from, .to = ev->to,
                        .reason = ev->reason, .window = ev->window, .target = x->candidate };

    if (ev->kind == FB_EVENT_WOULD_TRIP)
        sim_metrics_log(&x->c->m, &e);
}

/* The shadow breakers of edge k: one set per candidate of its profile, in
 * METRICS_ONLY from the start, with a random stream of their own. */
static bool shadows_new(sim_city *c, uint32_t k)
{
    const sim_call *call = &c->sc->calls[k];
    struct call_rt *rt = &c->calls[k];
    const sim_service *from = &c->sc->services[call->from];
    uint32_t n = 0, j = 0;
    char name[160];

    for (uint32_t s = 0; s < c->n_shadows; s++)
        n += c->shadows[s].profile == call->profile;
    if (n == 0)
        return true;
    snprintf(name, sizeof(name), "%s->%s#%u/shadow", from->name, c->sc->services[call->to].name,
             k);
    sim_rng_init(&rt->shadow_jitter, c->seed, name);
    rt->n_shadow_per = call->scope == SIM_SCOPE_SERVICE ? 1 : from->replicas;
    rt->shadows = calloc((size_t)n * rt->n_shadow_per, sizeof(*rt->shadows));
    rt->shadow_ctx = calloc((size_t)n * rt->n_shadow_per, sizeof(*rt->shadow_ctx));
    if (!rt->shadows || !rt->shadow_ctx)
        return false;
    rt->n_shadow_cands = n;
    for (uint32_t s = 0; s < c->n_shadows; s++) {
        fb_config cfg;

        if (c->shadows[s].profile != call->profile)
            continue;
        cfg = c->shadows[s].cfg;
        cfg.synchronized = false;
        cfg.random = jitter_draw;
        cfg.random_ctx = &rt->shadow_jitter;
        for (uint32_t i = 0; i < rt->n_shadow_per; i++) {
            size_t x = (size_t)j * rt->n_shadow_per + i;

            if (fb_breaker_new(&rt->shadows[x], NULL, &cfg) != FB_OK ||
                fb_breaker_transition(rt->shadows[x], FB_STATE_METRICS_ONLY, 0) != FB_OK)
                return false;
            rt->shadow_ctx[x] = (struct shadow_ctx){
                c, k, call->scope == SIM_SCOPE_SERVICE ? SIM_NONE : i, s
            };
            fb_breaker_on_event(rt->shadows[x], on_shadow_event, &rt->shadow_ctx[x]);
        }
        j++;
    }
    return true;
}

/* The edge's breakers, bulkheads, budget and random streams. */
static bool edge_new(sim_city *c, uint32_t k)
{
    const sim_call *call = &c->sc->calls[k];
    struct call_rt *rt = &c->calls[k];
    const sim_service *from = &c->sc->services[call->from];
    char name[160];
    fb_config cfg;

    snprintf(name, sizeof(name), "%s->%s#%u", from->name, c->sc->services[call->to].name, k);
    sim_rng_init(&rt->jitter, c->seed, name);
    snprintf(name, sizeof(name), "%s->%s#%u/retry", from->name, c->sc->services[call->to].name, k);
    sim_rng_init(&rt->retry, c->seed, name);
    snprintf(name, sizeof(name), "%s->%s#%u/fallback", from->name,
             c->sc->services[call->to].name, k);
    sim_rng_init(&rt->fallback, c->seed, name);
    if (call->bulkhead.max_concurrent > 0 &&
        !(rt->bulkheads = calloc(from->replicas, sizeof(*rt->bulkheads))))
        return false;
    rt->budget.bucket_ns = call->retry.budget_window_ns / BUDGET_BUCKETS;
    rt->budget.logged_ns = INT64_MIN;
    if (rt->budget.bucket_ns <= 0)
        rt->budget.bucket_ns = 1;
    if (call->profile != SIM_NONE && c->n_shadows && !shadows_new(c, k))
        return false;
    if (call->profile == SIM_NONE || c->no_breakers)
        return true;
    cfg = c->sc->profiles[call->profile].cfg;
    cfg.synchronized = false;
    cfg.random = jitter_draw;
    cfg.random_ctx = &rt->jitter;
    rt->n_breakers = call->scope == SIM_SCOPE_SERVICE ? 1 : from->replicas;
    rt->breakers = calloc(rt->n_breakers, sizeof(*rt->breakers));
    rt->ctx = calloc(rt->n_breakers, sizeof(*rt->ctx));
    if (!rt->breakers || !rt->ctx)
        return false;
    c->m.edge_breakers[k] = (uint16_t)(rt->n_breakers > UINT16_MAX ? UINT16_MAX : rt->n_breakers);
    for (uint32_t i = 0; i < rt->n_breakers; i++) {
        snprintf(name, sizeof(name), "%s#%u->%s", from->name, i, c->sc->services[call->to].name);
        if (fb_breaker_new(&rt->breakers[i], name, &cfg) != FB_OK)
            return false;
        rt->ctx[i] = (struct breaker_ctx){ c, k, call->scope == SIM_SCOPE_SERVICE ? SIM_NONE : i };
        fb_breaker_on_event(rt->breakers[i], on_breaker_event, &rt->ctx[i]);
    }
    return true;
}

static bool services_new(sim_city *c)
{
    char name[160];

    for (uint32_t s = 0; s < c->sc->n_services; s++) {
        const sim_service *sv = &c->sc->services[s];
        struct service_rt *rt = &c->svc[s];

        c->m.services[s].slo_ns = sv->slo.p99_ns;
        rt->inst = calloc(sv->replicas, sizeof(*rt->inst));
        rt->faults = calloc(c->sc->n_faults + 1, sizeof(*rt->faults));
        if (!rt->inst || !rt->faults)
            return false;
        for (uint32_t f = 0; f < c->sc->n_faults; f++)
            if (c->sc->faults[f].service == s)
                rt->faults[rt->n_faults++] = f;
#define STREAM(field, purpose)                                          \
    snprintf(name, sizeof(name), "service/%s/" purpose, sv->name); \
    sim_rng_init(&rt->field, c->seed, name)
        STREAM(latency, "latency");
        STREAM(errors, "errors");
        STREAM(lb, "lb");
        STREAM(prob, "probability");
#undef STREAM
    }
    return true;
}

sim_city *sim_city_new(const sim_scenario *sc, const sim_run_options *opts)
{
    sim_city *c = calloc(1, sizeof(*c));
    char name[64];

    if (!c)
        return NULL;
    c->sc = sc;
    c->seed = opts && opts->seed_set ? opts->seed : sc->seed;
    c->end_ns = opts && opts->duration_ns > 0 ? opts->duration_ns : sc->duration_ns;
    c->no_policies = opts && opts->no_policies;
    c->no_breakers = (opts && opts->no_breakers) || c->no_policies;
    c->log_calls = opts && opts->log_calls;
    if (opts && opts->shadows) {
        c->shadows = opts->shadows;
        c->n_shadows = opts->n_shadows;
    }
    if (opts) {
        c->progress = opts->progress;
        c->progress_ctx = opts->progress_ctx;
    }
    sim_queue_init(&c->q, 0);
    c->svc = calloc(sc->n_services, sizeof(*c->svc));
    c->calls = calloc(sc->n_calls + 1, sizeof(*c->calls));
    c->load_rng = calloc(sc->n_loads + 1, sizeof(*c->load_rng));
    c->fault_rng = calloc(sc->n_faults + 1, sizeof(*c->fault_rng));
    c->svc_stats = calloc(sc->n_services, sizeof(*c->svc_stats));
    c->edge_stats = calloc(sc->n_calls + 1, sizeof(*c->edge_stats));
    if (!c->svc || !c->calls || !c->load_rng || !c->fault_rng || !c->svc_stats || !c->edge_stats ||
        !sim_metrics_init(&c->m, sc->n_services, sc->n_calls, sc->tick_ns, c->end_ns) ||
        !services_new(c))
        goto fail;
    for (uint32_t k = 0; k < sc->n_calls; k++)
        if (!edge_new(c, k))
            goto fail;
    for (uint32_t l = 0; l < sc->n_loads; l++) {
        snprintf(name, sizeof(name), "load/%u", l);
        sim_rng_init(&c->load_rng[l], c->seed, name);
    }
    for (uint32_t f = 0; f < sc->n_faults; f++) {
        snprintf(name, sizeof(name), "fault/%u", f);
        sim_rng_init(&c->fault_rng[f], c->seed, name);
    }
    return c;
fail:
    sim_city_free(c);
    return NULL;
}

void sim_city_free(sim_city *c)
{
    if (!c)
        return;
    for (uint32_t s = 0; c->svc && s < c->sc->n_services; s++) {
        free(c->svc[s].inst);
        free(c->svc[s].faults);
    }
    for (uint32_t k = 0; c->calls && k < c->sc->n_calls; k++) {
        for (uint32_t i = 0; c->calls[k].breakers && i < c->calls[k].n_breakers; i++)
            fb_breaker_free(c->calls[k].breakers[i]);
        free(c->calls[k].breakers);
        free(c->calls[k].ctx);
        for (size_t i = 0; c->calls[k].shadows &&
                           i < (size_t)c->calls[k].n_shadow_cands * c->calls[k].n_shadow_per;
             i++)
            fb_breaker_free(c->calls[k].shadows[i]);
        free(c->calls[k].shadows);
        free(c->calls[k].shadow_ctx);
        free(c->calls[k].bulkheads);
    }
    for (size_t i = 0; i < c->n_slabs; i++)
        free(c->slabs[i]);
    free(c->slabs);
    sim_queue_cleanup(&c->q);
    free(c->svc);
    free(c->calls);
    free(c->load_rng);
    free(c->fault_rng);
    free(c->svc_stats);
    free(c->edge_stats);
    sim_metrics_cleanup(&c->m);
    free(c);
}

const sim_service_stats *sim_city_service(const sim_city *c, uint32_t service)
{
    return &c->svc_stats[service];
}

const sim_edge_stats *sim_city_edge(const sim_city *c, uint32_t call)
{
    return &c->edge_stats[call];
}

const sim_metrics *sim_city_metrics(const sim_city *c)
{
    return &c->m;
}

uint64_t sim_city_events(const sim_city *c)
{
    return c->events;
}

int64_t sim_city_now(const sim_city *c)
{
    return c->now;
}
