/* queue.h — the pending-event queue of the simulator.
 *
 * A binary min-heap of small value events ordered by (time_ns, seq); seq grows
 * on every push, so events due at the same instant fire in insertion order and
 * a run repeats exactly. Events are stored by value in one array that grows by
 * doubling up to a maximum: no allocation per event once warm. */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_event {
    int64_t time_ns;
    uint64_t seq;
    uint32_t kind; /* the model's event type */
    uint32_t arg;  /* a small argument (an index) */
    void *ptr;     /* the object the event concerns, or NULL */
} sim_event;

typedef struct sim_queue {
    sim_event *heap;
    size_t len, cap, max;
    uint64_t next_seq;
} sim_queue;

/* Prepare an empty queue holding at most 'max' events (0: 1 << 26). */
void sim_queue_init(sim_queue *q, size_t max);
void sim_queue_cleanup(sim_queue *q);

/* Schedule an event; false when the queue is full or out of memory. */
bool sim_queue_push(sim_queue *q, int64_t time_ns, uint32_t kind, uint32_t arg, void *ptr);

/* Remove the earliest event into *out; false when empty. */
bool sim_queue_pop(sim_queue *q, sim_event *out);

/* The earliest event's time, or INT64_MAX when empty. */
int64_t sim_queue_peek_time(const sim_queue *q);

static inline size_t sim_queue_len(const sim_queue *q)
{
    return q->len;
}

#endif /* SIM_QUEUE_H */
