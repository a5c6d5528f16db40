/* curl_breaker.c — a libcurl request guarded by a synchronized firebreak breaker.
 *
 * Each URL on the command line is fetched through one breaker named
 * "upstream". CLOCK_MONOTONIC gives 'now'; a transport error, a timeout or a
 * 5xx answer is a failure; a 429 or 503 carrying Retry-After holds the breaker
 * open for that long. Build it inside the source tree with
 *
 *     cc -std=c11 -Ibreaker docs/examples/curl_breaker.c build/libfirebreak.a \
 *        $(pkg-config --cflags --libs libcurl) -o curl_breaker
 *
 * or, against an installed libfirebreak (see the include below),
 *
 *     cc -std=c11 curl_breaker.c $(pkg-config --cflags --libs firebreak libcurl)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <curl/curl.h>

/* Installed programs write #include <firebreak/breaker.h>; this copy lives in
 * the source tree, where the header is breaker/breaker.h. */
#include "breaker.h"

#define NS_PER_SEC INT64_C(1000000000)
#define TIMEOUT_MS 5000L
#define MAX_RETRY_AFTER_S 600 /* a server may hold us off for ten minutes at most */

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static size_t discard_body(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * n;
}

/* xorshift64*, the source of open-wait jitter. The engine calls it with the
 * breaker's lock held, so a state per breaker needs no lock of its own. */
static uint64_t jitter_bits(void *ctx)
{
    uint64_t *s = ctx;

    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* Runs after the breaker's lock is released, possibly on any thread. */
static void log_event(const fb_event *ev, void *ctx)
{
    (void)ctx;
    if (ev->kind != FB_EVENT_TRANSITION)
        return;
    fprintf(stderr, "breaker %s: %s -> %s (%s; %llu calls, %.0f%% failed)\n", ev->name,
            fb_state_name(ev->from), fb_state_name(ev->to), fb_reason_name(ev->reason),
            (unsigned long long)ev->window.calls, ev->window.failure_rate);
}

/* How the breaker should count one transfer. */
static fb_outcome classify(CURLcode rc, long http_status)
{
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
        return FB_IGNORED; /* our mistake, not the server's */
    if (rc != CURLE_OK || http_status >= 500)
        return FB_FAILURE; /* no answer, a timeout, or a server error */
    return FB_SUCCESS;     /* the server answered: 2xx, 3xx or 4xx */
}

/* Fetch 'url' through 'b'. Returns true on a successful answer. */
static bool fetch(fb_breaker *b, CURL *curl, const char *url)
{
    fb_permit permit;
    int64_t start_ns = now_ns(), end_ns;
    long http_status = 0;
    curl_off_t retry_after_s = 0;
    CURLcode rc;
    fb_outcome outcome;

    if (!fb_breaker_acquire(b, start_ns, &permit)) {
        if (permit.retry_after_ns == INT64_MAX)
            printf("%s: not sent (%s)\n", url, fb_reject_name(permit.reason));
        else
            printf("%s: not sent (%s), retry in %.1f s\n", url, fb_reject_name(permit.reason),
                   (double)(permit.retry_after_ns - start_ns) / 1e9);
        return false;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    rc = curl_easy_perform(curl);
    end_ns = now_ns();
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
        curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after_s);
    }
    outcome = classify(rc, http_status);

    /* Record first: once the breaker changes state the permit is late and
     * its outcome would no longer count. */
    fb_breaker_record(b, &permit, outcome, end_ns - start_ns, end_ns);
    if ((http_status == 429 || http_status == 503) && retry_after_s > 0) {
        if (retry_after_s > MAX_RETRY_AFTER_S)
            retry_after_s = MAX_RETRY_AFTER_S;
        /* FB_EILLEGAL in DISABLED, FORCED_OPEN and METRICS_ONLY: nothing to do. */
        (void)fb_breaker_open_until(b, end_ns + (int64_t)retry_after_s * NS_PER_SEC, end_ns);
    }

    if (rc != CURLE_OK)
        printf("%s: %s after %.0f ms\n", url, curl_easy_strerror(rc),
               (double)(end_ns - start_ns) / 1e6);
    else
        printf("%s: HTTP %ld in %.0f ms\n", url, http_status, (double)(end_ns - start_ns) / 1e6);
    return outcome == FB_SUCCESS;
}

int main(int argc, char **argv)
{
    fb_config cfg;
    fb_breaker *b;
    CURL *curl;
    char msg[160];
    uint64_t seed = (uint64_t)now_ns() | 1;
    fb_status st;
    int failed = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s URL...\n", argv[0]);
        return 2;
    }
    fb_config_init(&cfg);
    cfg.synchronized = true; /* the breaker may be shared by many threads */
    cfg.window_size = 20;
    cfg.min_calls = 10;
    cfg.slow_call_ns = 2 * NS_PER_SEC; /* under the timeout: slowness shows first */
    cfg.slow_call_rate_threshold = 80;
    cfg.open_wait_ns = 5 * NS_PER_SEC;
    cfg.open_wait_multiplier = 2;
    cfg.open_wait_max_ns = 120 * NS_PER_SEC;
    cfg.open_wait_jitter = 0.2;
    cfg.random = jitter_bits;
    cfg.random_ctx = &seed;
    cfg.half_open_permits = 3;
    cfg.half_open_deadline_ns = 30 * NS_PER_SEC;
    if (fb_config_check(&cfg, msg, sizeof(msg)) != FB_OK) {
        fprintf(stderr, "curl_breaker: %s\n", msg);
        return 2;
    }
    st = fb_breaker_new(&b, "upstream", &cfg);
    if (st != FB_OK) {
        fprintf(stderr, "curl_breaker: %s\n", fb_strerror(st));
        return 1;
    }
    fb_breaker_on_event(b, log_event, NULL);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(curl = curl_easy_init())) {
        fprintf(stderr, "curl_breaker: cannot initialize libcurl\n");
        fb_breaker_free(b);
        return 1;
    }
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* required with threads */
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);

    for (int i = 1; i < argc; i++)
        if (!fetch(b, curl, argv[i]))
            failed = 1;

    curl_easy_cleanup(curl);
    curl_global_cleanup();
    fb_breaker_free(b);
    return failed;
}
