/* test_main.c — the one runner of the libfirebreak Check suites.
 *
 * CK_RUN_SUITE=window (or CK_RUN_CASE=...) selects part of the run and
 * CK_VERBOSITY=verbose names every test: Check reads them via CK_ENV. */
#include <stdlib.h>

#include "tests.h"

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    int failed;

    srunner_add_suite(sr, window_suite());
    srunner_add_suite(sr, transitions_suite());
    srunner_add_suite(sr, half_open_suite());
    srunner_add_suite(sr, backoff_suite());
    srunner_add_suite(sr, predict_suite());
    srunner_add_suite(sr, events_suite());
    srunner_add_suite(sr, registry_suite());
    srunner_add_suite(sr, rng_suite());
    srunner_add_suite(sr, dist_suite());
    srunner_add_suite(sr, queue_suite());
    srunner_add_suite(sr, hist_suite());
    srunner_add_suite(sr, city_suite());
    srunner_add_suite(sr, scenario_suite());
    srunner_add_suite(sr, examples_suite());
    srunner_add_suite(sr, showcase_suite());
    srunner_add_suite(sr, policies_suite());
    srunner_add_suite(sr, analysis_suite());
    srunner_add_suite(sr, sweep_suite());
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
