/* sim/rng.c — named random streams: xoshiro256** seeded through splitmix64.
 *
 * Each stream is 256 bits of xoshiro256** state (Blackman & Vigna, 2018):
 * period 2^256 - 1, passes BigCrush, about 1 ns a draw, and its only bad state
 * is all zeros. splitmix64 fills the state from one 64-bit seed; it is a
 * bijection of its counter, so four consecutive outputs are never all zero.
 *
 * A stream's seed is the scenario seed XORed with the FNV-1a hash of its name.
 * Streams are therefore independent of each other's existence and of their
 * creation order: a new service or fault adds streams without moving any
 * existing one. Deriving streams with xoshiro's jump() was rejected because
 * it makes a stream depend on how many came before it.
 *
 * sim_rng_below uses Lemire's multiply-shift: the high half of x * n is uniform
 * in [0, n) once the few low halves below 2^64 mod n are rejected. It needs
 * one multiplication per draw and a division only on the rare rejection path,
 * where the classic modulo method always divides. */
#include "rng.h"

#define FNV64_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV64_PRIME UINT64_C(0x100000001b3)

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64_next(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t fnv1a64(const char *name)
{
    uint64_t h = FNV64_OFFSET;

    for (const unsigned char *p = (const unsigned char *)name; p && *p; p++) {
        h ^= *p;
        h *= FNV64_PRIME;
    }
    return h;
}

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64_next(&seed);
}

/* A NULL name hashes like "": a missing name must not crash a run. */
void sim_rng_init(sim_rng *r, uint64_t seed, const char *name)
{
    sim_rng_seed(r, seed ^ fnv1a64(name));
}

uint64_t sim_rng_next(sim_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* The top 53 bits, scaled: every value is a multiple of 2^-53, and 1.0 is never
 * reached because the largest is 1 - 2^-53. */
double sim_rng_double(sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* The full 128-bit product of two 64-bit words, as (high, low). */
static inline uint64_t mul_64x64(uint64_t a, uint64_t b, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
    __extension__ unsigned __int128 m = (unsigned __int128)a * b;

    *lo = (uint64_t)m;
    return (uint64_t)(m >> 64);
#else
    /* Schoolbook on 32-bit halves for compilers without a 128-bit type. */
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);

    *lo = (mid << 32) | (p00 & 0xffffffffu);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* n = 0 is outside the contract; it returns 0 rather than dividing by zero. */
uint64_t sim_rng_below(sim_rng *r, uint64_t n)
{
    uint64_t lo, hi;

    if (n == 0)
        return 0;
    hi = mul_64x64(sim_rng_next(r), n, &lo);
    if (lo < n) {
        const uint64_t threshold = (0 - n) % n; /* 2^64 mod n */

        while (lo < threshold)
            hi = mul_64x64(sim_rng_next(r), n, &lo);
    }
    return hi;
}
