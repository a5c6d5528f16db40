/* junit.c — JUnit XML for firebreak check (junit.h). */
#include "junit.h"

#include <inttypes.h>
#include <string.h>

static bool check_failed(const report_suite *s, size_t i)
{
    for (size_t k = 0; k < s->n_seeds; k++)
        if (!s->checks[k * s->n_checks + i].pass)
            return true;
    return false;
}

size_t report_suite_failures(const report_suite *s)
{
    size_t n = 0;

    if (!s->sc)
        return 1;
    for (size_t i = 0; i < s->n_baseline; i++)
        n += !s->baseline[i].pass;
    for (size_t i = 0; i < s->n_checks; i++)
        n += check_failed(s, i);
    return n;
}

static void suite_xml(FILE *f, const report_suite *s)
{
    const char *name = s->sc ? s->sc->name : s->file;
    size_t tests = s->sc ? s->n_checks + s->n_baseline : 1;
    char text[512], value[64];

    fputs("  <testsuite name=\"", f);
    report_xml_escape(f, name);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\">\n", tests,
            s->sc ? report_suite_failures(s) : 0, s->sc ? 0 : 1);
    if (!s->sc) {
        fputs("    <testcase classname=\"", f);
        report_xml_escape(f, name);
        fputs("\" name=\"load and run\">\n      <error message=\"", f);
        report_xml_escape(f, s->error ? s->error : "could not run");
        fputs("\"/>\n    </testcase>\n  </testsuite>\n", f);
        return;
    }
    for (size_t i = 0; i < s->n_checks; i++) {
        report_check_name(s->sc, &s->checks[i], text, sizeof text);
        fputs("    <testcase classname=\"", f);
        report_xml_escape(f, name);
        fputs("\" name=\"", f);
        report_xml_escape(f, text);
        fputs("\"", f);
        if (!check_failed(s, i)) {
            fputs("/>\n", f);
            continue;
        }
        fputs(">\n      <failure message=\"", f);
        for (size_t k = 0, first = 1; k < s->n_seeds; k++) {
            const report_check *c = &s->checks[k * s->n_checks + i];

            if (c->pass)
                continue;
            report_check_value(c, value, sizeof value);
            fprintf(f, "%sseed %" PRIu64 ": measured ", first ? "" : "; ", s->seeds[k]);
            report_xml_escape(f, value);
            first = 0;
        }
        fputs(", expected ", f);
        report_xml_escape(f, text);
        fputs("\"/>\n    </testcase>\n", f);
    }
    for (size_t i = 0; i < s->n_baseline; i++) {
        const report_regression *g = &s->baseline[i];

        fputs("    <testcase classname=\"", f);
        report_xml_escape(f, name);
        fputs("\" name=\"", f);
        report_xml_escape(f, g->name);
        fputs("\"", f);
        if (g->pass) {
            fputs("/>\n", f);
            continue;
        }
        fputs(">\n      <failure message=\"", f);
        report_xml_escape(f, g->message);
        fputs("\"/>\n    </testcase>\n", f);
    }
    fputs("  </testsuite>\n", f);
}

bool report_write_junit(const report_suite *suites, size_t n, const char *path,
                        report_error *err)
{
    size_t tests = 0, failures = 0, errors = 0;
    report_file rf;

    for (size_t i = 0; i < n; i++) {
        tests += suites[i].sc ? suites[i].n_checks + suites[i].n_baseline : 1;
        failures += suites[i].sc ? report_suite_failures(&suites[i]) : 0;
        errors += !suites[i].sc;
    }
    if (!report_file_open_path(&rf, path, err))
        return false;
    fprintf(rf.f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<testsuites name=\"firebreak check\" tests=\"%zu\" failures=\"%zu\" "
                  "errors=\"%zu\">\n",
            tests, failures, errors);
    for (size_t i = 0; i < n; i++)
        suite_xml(rf.f, &suites[i]);
    fputs("</testsuites>\n", rf.f);
    return report_file_commit(&rf, err);
}
