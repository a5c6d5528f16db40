/* registry.c — breakers by name, created on first use.
 *
 * A chained hash table (FNV-1a, power-of-two buckets, doubled when the load
 * passes 1) indexes the entries; a doubly linked list keeps creation order for
 * fb_registry_foreach(). Lookups are O(1) expected; growth is O(n) and
 * happens only when a breaker is created, never on the call path. A sorted
 * array was rejected: O(n) inserts for registries of thousands of endpoints.
 */
#include "breaker.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct entry {
    struct entry *chain;      /* next in the same bucket */
    struct entry *prev, *next; /* creation order */
    uint64_t hash;
    fb_breaker *breaker;
};

struct fb_registry {
    fb_config cfg;
    fb__lock lock;
    size_t count;
    size_t n_buckets; /* a power of two */
    struct entry **buckets;
    struct entry *first, *last;
};

static uint64_t hash_name(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);

    while (*s) {
        h ^= (unsigned char)*s++;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static void lock(fb_registry *reg)
{
    if (reg->cfg.synchronized)
        fb__lock_acquire(&reg->lock);
}

static void unlock(fb_registry *reg)
{
    if (reg->cfg.synchronized)
        fb__lock_release(&reg->lock);
}

fb_status fb_registry_new(fb_registry **out, const fb_config *cfg)
{
    fb_registry *reg;

    if (!out)
        return FB_EINVAL;
    *out = NULL;
    if (!cfg || fb_config_check(cfg, NULL, 0) != FB_OK)
        return FB_EINVAL;
    reg = calloc(1, sizeof(*reg));
    if (!reg)
        return FB_ENOMEM;
    reg->cfg = *cfg;
    atomic_init(&reg->lock, 0);
    reg->n_buckets = 16;
    reg->buckets = calloc(reg->n_buckets, sizeof(*reg->buckets));
    if (!reg->buckets) {
        free(reg);
        return FB_ENOMEM;
    }
    *out = reg;
    return FB_OK;
}

void fb_registry_free(fb_registry *reg)
{
    struct entry *e, *next;

    if (!reg)
        return;
    for (e = reg->first; e; e = next) {
        next = e->next;
        fb_breaker_free(e->breaker);
        free(e);
    }
    free(reg->buckets);
    free(reg);
}

/* The link that points at the entry named 'name', or at the NULL ending its
 * chain: one walk serves find, insert and remove. */
static struct entry **slot(fb_registry *reg, const char *name, uint64_t h)
{
    struct entry **link = &reg->buckets[h & (reg->n_buckets - 1)];

    while (*link && ((*link)->hash != h || strcmp(fb_breaker_name((*link)->breaker), name) != 0))
        link = &(*link)->chain;
    return link;
}

/* Double the buckets; on failure keep the old ones (just longer chains). */
static void grow(fb_registry *reg)
{
    size_t n = reg->n_buckets * 2;
    struct entry **buckets = calloc(n, sizeof(*buckets));

    if (!buckets)
        return;
    for (struct entry *e = reg->first; e; e = e->next) {
        e->chain = buckets[e->hash & (n - 1)];
        buckets[e->hash & (n - 1)] = e;
    }
    free(reg->buckets);
    reg->buckets = buckets;
    reg->n_buckets = n;
}

fb_status fb_registry_get(fb_registry *reg, const char *name, fb_breaker **out)
{
    uint64_t h;
    struct entry **link, *e;
    fb_status st = FB_OK;

    if (!reg || !name || !out)
        return FB_EINVAL;
    h = hash_name(name);
    lock(reg);
    link = slot(reg, name, h);
    if (*link) {
        *out = (*link)->breaker;
        goto done;
    }
    *out = NULL;
    e = calloc(1, sizeof(*e));
    if (!e) {
        st = FB_ENOMEM;
        goto done;
    }
    st = fb_breaker_new(&e->breaker, name, &reg->cfg);
    if (st != FB_OK) {
        free(e);
        goto done;
    }
    e->hash = h;
    *link = e;
    e->prev = reg->last;
    if (reg->last)
        reg->last->next = e;
    else
        reg->first = e;
    reg->last = e;
    if (++reg->count > reg->n_buckets)
        grow(reg);
    *out = e->breaker;
done:
    unlock(reg);
    return st;
}

fb_breaker *fb_registry_find(fb_registry *reg, const char *name)
{
    struct entry *e;

    if (!reg || !name)
        return NULL;
    lock(reg);
    e = *slot(reg, name, hash_name(name));
    unlock(reg);
    return e ? e->breaker : NULL;
}

fb_status fb_registry_remove(fb_registry *reg, const char *name)
{
    struct entry **link, *e;

    if (!reg || !name)
        return FB_EINVAL;
    lock(reg);
    link = slot(reg, name, hash_name(name));
    e = *link;
    if (e) {
        *link = e->chain;
        if (e->prev)
            e->prev->next = e->next;
        else
            reg->first = e->next;
        if (e->next)
            e->next->prev = e->prev;
        else
            reg->last = e->prev;
        reg->count--;
    }
    unlock(reg);
    if (!e)
        return FB_ENOENT;
    fb_breaker_free(e->breaker);
    free(e);
    return FB_OK;
}

size_t fb_registry_count(fb_registry *reg)
{
    size_t n;

    if (!reg)
        return 0;
    lock(reg);
    n = reg->count;
    unlock(reg);
    return n;
}

void fb_registry_foreach(fb_registry *reg, void (*fn)(fb_breaker *b, void *ctx), void *ctx)
{
    if (!reg || !fn)
        return;
    lock(reg);
    for (struct entry *e = reg->first; e; e = e->next)
        fn(e->breaker, ctx);
    unlock(reg);
}
