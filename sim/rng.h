/* rng.h — named, independent random streams (xoshiro256**).
 *
 * A stream is seeded from the scenario seed and a name ("payment/latency",
 * "gateway#2/lb"): splitmix64 over seed ^ FNV-1a(name) fills the state, so
 * adding a service or a fault never changes another stream's draws. */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

typedef struct sim_rng {
    uint64_t s[4];
} sim_rng;

/* Seed 'r' from 'seed' and 'name' (any string; "" allowed). */
void sim_rng_init(sim_rng *r, uint64_t seed, const char *name);

/* Seed 'r' directly with splitmix64(seed) (used by the test vectors). */
void sim_rng_seed(sim_rng *r, uint64_t seed);

/* The next 64 random bits. */
uint64_t sim_rng_next(sim_rng *r);

/* Uniform in [0, 1), 53 bits. */
double sim_rng_double(sim_rng *r);

/* Uniform integer in [0, n), n >= 1, without modulo bias. */
uint64_t sim_rng_below(sim_rng *r, uint64_t n);

#endif /* SIM_RNG_H */
