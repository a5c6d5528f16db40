/* bench_sweep.c — wall time of `firebreak sweep` on scenarios/checkout.json,
 * 60 settings x 5 seeds, with --jobs 1 and --jobs 2, and the speed-up
 * (target: >= 1.8x on two cores). Runs the firebreak binary beside this one. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run the sweep with 'jobs' processes; the wall time, or -1. */
static double sweep(const char *fb, const char *jobs)
{
    char *argv[] = { (char *)fb, "sweep", "scenarios/checkout.json",
                     "--param", "profiles.default.failure_rate=20:70:10",
                     "--param", "profiles.default.window.size=10,20,40,80,160",
                     "--param", "profiles.default.half_open.permits=2,5",
                     "--seeds", "5", "--jobs", (char *)jobs, "-q",
                     "--out", "build/bench-sweep", NULL };
    double t0 = now_s();
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execv(fb, argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    char fb[4096];
    const char *slash = strrchr(argv[0], '/');
    double one, two;

    (void)argc;
    snprintf(fb, sizeof(fb), "%.*sfirebreak", slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
    if ((one = sweep(fb, "1")) < 0 || (two = sweep(fb, "2")) < 0) {
        fprintf(stderr, "bench_sweep: %s sweep failed\n", fb);
        return 1;
    }
    printf("sweep checkout.json, 60 settings x 5 seeds (300 runs):\n");
    printf("  --jobs 1  %7.2f s  (%.1f runs/s)\n", one, 300 / one);
    printf("  --jobs 2  %7.2f s  (%.1f runs/s)\n", two, 300 / two);
    printf("  speed-up  %7.2fx  (target >= 1.8x on 2 cores; %ld online)\n", one / two,
           sysconf(_SC_NPROCESSORS_ONLN));
    return 0;
}
