/* html.c — report.html, the page a reviewer opens (html.h).
 *
 * The page is written top to bottom into one temporary file and renamed
 * into place. Every string that comes from the scenario or the run goes
 * through esc(); the CSS is inline and names only local fonts, so nothing is
 * fetched. The page is well-formed XML as well as HTML5 (void elements
 * self-closed, no named entities but the five of XML, no namespaces): a test
 * parses it with an XML parser.
 *
 * SVGs made by other programs (gnuplot's plots, dot's call graph) are
 * inlined by svg_inline(): cut to their <svg> element, stripped of comments
 * and namespace declarations (an HTML parser puts <svg> in the SVG namespace
 * by itself; xlink:href becomes SVG 2's href), with every id prefixed so
 * that the clip paths of one plot cannot capture another's. Each plot sits
 * between "<!-- plot:NAME -->" and "<!-- /plot:NAME -->", so `firebreak plot`
 * can swap it for a re-rendered one without the run (report_html_refresh_plots).
 * The call graph and the event timeline live in html_graph.c. */
#define _POSIX_C_SOURCE 200809L
#include "html.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "html_internal.h"
#include "plot.h"

#define MAX_SVG_BYTES (16u << 20)
#define MAX_SCENARIO_BYTES (1u << 20)
#define NOTE_OPEN "<!-- note:plots -->"
#define NOTE_CLOSE "<!-- /note:plots -->"

char *html_read_file(const char *path, size_t max, report_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;

    if (!f) {
        snprintf(err->text, sizeof(err->text), "%s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *b = cap >= max + 4096 + 1 ? NULL : realloc(buf, cap ? 2 * cap : 8192);

            if (!b) {
                snprintf(err->text, sizeof(err->text), "%s: %s", path,
                         cap >= max ? "too large" : "out of memory");
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
            cap = cap ? 2 * cap : 8192;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);

        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err->text, sizeof(err->text), "%s: read error", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* ---- inlining an SVG ------------------------------------------------------ */

static bool starts(const char *p, const char *s)
{
    return strncmp(p, s, strlen(s)) == 0;
}

bool html_svg_inline(FILE *f, const char *svg, const char *prefix, const char *cls)
{
    const char *p = strstr(svg, "<svg"), *end = NULL, *q;

    if (!p)
        return false;
    for (q = p; (q = strstr(q, "</svg>")) != NULL; q++)
        end = q;
    if (!end)
        return false;
    /* the root's attributes, less namespaces */
    fprintf(f, "<svg class=\"%s\" role=\"img\"", cls);
    p += 4;
    while (*p && *p != '>' && !(p[0] == '/' && p[1] == '>')) {
        const char *a = p + strspn(p, " \t\r\n"), *eq, *v_end;
        char quote;

        eq = strchr(a, '=');
        if (!eq || (eq[1] != '"' && eq[1] != '\'')) {
            p = a;
            break;
        }
        quote = eq[1];
        v_end = strchr(eq + 2, quote);
        if (!v_end)
            return false;
        if (!starts(a, "xmlns"))
            fprintf(f, " %.*s", (int)(v_end + 1 - a), a);
        p = v_end + 1;
    }
    p += strspn(p, " \t\r\n");
    if (*p != '>')
        return false;
    fputc('>', f);
    p++;
    while (p < end) {
        if (starts(p, "<!--")) {
            const char *c = strstr(p + 4, "-->");

            p = c && c < end ? c + 3 : end;
        } else if ((starts(p, " id=\"") || starts(p, " id='") || starts(p, "\tid=\"") ||
                    starts(p, "\nid=\""))) {
            fprintf(f, "%.5s%s-", p, prefix);
            p += 5;
        } else if (starts(p, "url(#")) {
            fprintf(f, "url(#%s-", prefix);
            p += 5;
        } else if (starts(p, "xlink:href=")) {
            fputs("href=", f);
            p += 11;
            if ((p[0] == '"' || p[0] == '\'') && p[1] == '#') {
                fprintf(f, "%c#%s-", p[0], prefix);
                p += 2;
            }
        } else if (starts(p, " href=\"#") || starts(p, " href='#")) {
            fprintf(f, "%.8s%s-", p, prefix);
            p += 8;
        } else {
            fputc(*p++, f);
        }
    }
    fputs("</svg>", f);
    return true;
}

/* ---- the page ------------------------------------------------------------- */

static const char css[] =
    ":root{--run:" REPORT_COLOR_RUN ";--cf:" REPORT_COLOR_CF ";--open:" REPORT_COLOR_OPEN
    ";--half:" REPORT_COLOR_HALF_OPEN ";--fault:" REPORT_COLOR_FAULT ";--text:" REPORT_COLOR_TEXT
    ";--muted:#666;--line:#E3E3E3}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:15px/1.5 'DejaVu Sans','Segoe UI',system-ui,sans-serif;"
    "color:var(--text);background:#EEF0F2}\n"
    "main{max-width:1240px;margin:0 auto;padding:28px 32px 48px;background:#FFF;"
    "min-height:100vh}\n"
    "h1{font-size:26px;margin:0 0 2px;font-weight:600}\n"
    "h2{font-size:19px;margin:38px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line);"
    "font-weight:600}\n"
    "h3{font-size:16px;margin:22px 0 8px;font-weight:600}\n"
    ".meta,.muted{color:var(--muted)}\n.meta{margin:0}\n"
    "nav{margin:14px 0 0;font-size:14px}\nnav a{margin-right:16px;color:var(--run);"
    "text-decoration:none}\n"
    "a{color:var(--run)}\n"
    "ul.verdicts{list-style:none;padding:0;margin:0}\n"
    "ul.verdicts li{padding:10px 14px;margin:8px 0;border-left:5px solid #009E73;"
    "border-radius:3px;background:#EEF7F3}\n"
    "ul.verdicts li.bad{background:#FCEEE6;border-color:var(--open)}\n"
    ".badge{font-weight:700;text-transform:uppercase;font-size:12px;letter-spacing:.05em;"
    "margin-right:10px;color:#007A5A}\n"
    "li.bad .badge{color:#B3471B}\n"
    "p.summary{margin:10px 0 0}\n"
    "table{border-collapse:collapse;width:100%;font-size:14px}\n"
    "th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line);"
    "vertical-align:top}\n"
    "thead th{border-bottom:2px solid #BDBDBD;white-space:nowrap}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.group th{background:#F3F4F6;font-weight:600}\n"
    ".better{color:#007A5A}\n.worse{color:#B3471B}\n"
    "td.what{white-space:nowrap}\n"
    "td.t{white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    "tr.fault td{background:#FDF6E3}\n"
    "tr.trip td.what{color:#B3471B}\n"
    "figure{margin:18px 0 34px}\nfigcaption{color:var(--muted);font-size:14px;margin-top:4px}\n"
    "svg{max-width:100%;height:auto;display:block}\n"
    "svg.graph{margin:6px auto}\n"
    "pre{background:#F6F8FA;border:1px solid var(--line);padding:12px;overflow:auto;"
    "font-size:12.5px;line-height:1.4;max-height:640px}\n"
    ".swatch{display:inline-block;width:14px;height:14px;vertical-align:-2px;"
    "border:1px solid #8C8C8C;margin:0 5px 0 16px;border-radius:3px}\n"
    ".swatch:first-child{margin-left:0}\n"
    ".note{background:#FFF8E6;border:1px solid #F0D9A0;padding:8px 12px;border-radius:3px}\n"
    "code{font-size:13px;background:#F3F4F6;padding:1px 4px;border-radius:3px}\n"
    "summary{cursor:pointer;color:var(--run)}\n"
    "footer{margin-top:40px;color:var(--muted);font-size:13px}\n";

static const char *cf_label(const report_run *r)
{
    return r->counterfactual_mode && strcmp(r->counterfactual_mode, "no-policies") == 0
               ? "without any policy"
               : "without breakers";
}

static const char *run_label(const report_run *r)
{
    if (report_breaker_count(r) == 0 && !r->counterfactual)
        return "this run";
    if (report_breaker_count(r) == 0 && strcmp(cf_label(r), "without breakers") == 0)
        return "this run";
    return r->counterfactual_mode && strcmp(r->counterfactual_mode, "no-policies") == 0
               ? "with policies"
               : "with breakers";
}

/* The counterfactual worth showing: none when it is the same run again (a
 * scenario without breakers played without breakers). */
static const report_run *comparable_cf(const report_run *r)
{
    const report_run *x = r->counterfactual;

    if (!x || !x->analysis)
        return NULL;
    if (report_breaker_count(r) == 0 && strcmp(cf_label(r), "without breakers") == 0)
        return NULL;
    return x;
}

static void page_head(FILE *f, const report_run *r)
{
    const sim_scenario *sc = r->sc;
    const report_analysis *a = r->analysis;

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
          "<meta name=\"generator\" content=\"firebreak " FB_VERSION "\"/>\n<title>",
          f);
    report_xml_escape(f, sc->name ? sc->name : "scenario");
    fprintf(f, " — firebreak report</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n",
            css);
    fputs("<header>\n<h1>", f);
    report_xml_escape(f, sc->name ? sc->name : "scenario");
    fprintf(f, "</h1>\n<p class=\"meta\">seed %" PRIu64 " · %.3g s simulated · tick %.3g s · "
               "%zu services, %zu call edges, %zu fault%s · %" PRIu64 " entry requests</p>\n",
            r->seed, (double)r->duration_ns / 1e9, (double)r->m->tick_ns / 1e9, sc->n_services,
            sc->n_calls, sc->n_faults, sc->n_faults == 1 ? "" : "s", a->entry_requests);
    fputs("<nav><a href=\"#verdict\">Verdict</a><a href=\"#metrics\">Metrics</a>"
          "<a href=\"#callgraph\">Call graph</a><a href=\"#timeline\">Timeline</a>"
          "<a href=\"#plots\">Plots</a><a href=\"#scenario\">Scenario</a></nav>\n</header>\n",
          f);
}

static void verdicts(FILE *f, const report_run *r)
{
    const report_analysis *a = r->analysis;
    char line[2048];

    fputs("<section id=\"verdict\">\n<h2>Verdict</h2>\n", f);
    if (a->n_faults == 0)
        fputs("<p>No fault was injected: nothing to contain.</p>\n", f);
    else
        fputs("<ul class=\"verdicts\">\n", f);
    for (size_t i = 0; i < a->n_faults; i++) {
        const char *colon;

        report_fault_verdict(r, i, line, sizeof(line));
        colon = strchr(line, ':');
        fprintf(f, "<li class=\"%s\"><span class=\"badge\">", a->faults[i].contained ? "ok" : "bad");
        if (colon) {
            char badge[64];

            snprintf(badge, sizeof(badge), "%.*s", (int)(colon - line), line);
            report_xml_escape(f, badge);
            fputs("</span>", f);
            report_xml_escape(f, colon + 1 + strspn(colon + 1, " "));
        } else {
            fputs("</span>", f);
            report_xml_escape(f, line);
        }
        fputs("</li>\n", f);
    }
    if (a->n_faults)
        fputs("</ul>\n", f);
    fprintf(f, "<p class=\"summary\">Availability at the entry %.3f %%", 100 * a->availability);
    if (a->entry_degraded)
        fprintf(f, " (served %.3f %%)", 100 * a->availability_served);
    if (comparable_cf(r)) {
        const report_analysis *x = r->counterfactual->analysis;
        uint64_t failed = a->entry_requests - a->entry_ok - a->entry_degraded;
        uint64_t x_failed = x->entry_requests - x->entry_ok - x->entry_degraded;

        fprintf(f, "; %s %.3f %%: %" PRIu64 " requests failed instead of %" PRIu64 " (%" PRIu64
                   " %s)",
                cf_label(r), 100 * x->availability, x_failed, failed,
                x_failed >= failed ? x_failed - failed : failed - x_failed,
                x_failed >= failed ? "saved" : "lost");
    }
    if (a->false_trips)
        fprintf(f, "; %" PRIu64 " of %" PRIu64 " breaker openings were false trips",
                a->false_trips, a->breaker_opens);
    fputs(".</p>\n</section>\n", f);
}

/* ---- the metrics table ---------------------------------------------------- */

typedef struct cell {
    char text[160];
    double value; /* NaN: not comparable */
} cell;

/* 'dir' says which way is better: +1 higher, -1 lower, 0 neither. */
static void metric_row(FILE *f, const char *name, const cell *run, const cell *cf, int dir,
                       const char *unit, int decimals)
{
    fputs("<tr><td>", f);
    report_xml_escape(f, name);
    fputs("</td><td class=\"num\">", f);
    report_xml_escape(f, run->text);
    fputs("</td>", f);
    if (cf) {
        double d = run->value - cf->value;

        fputs("<td class=\"num\">", f);
        report_xml_escape(f, cf->text);
        fputs("</td>", f);
        if (isfinite(d) && fabs(d) >= 0.5 * pow(10, -decimals)) {
            const char *cls = dir * d > 0 ? "better" : dir * d < 0 ? "worse" : "muted";

            fprintf(f, "<td class=\"num %s\">%+.*f%s</td>", cls, decimals, d, unit);
        } else if (isfinite(d)) {
            fputs("<td class=\"num muted\">=</td>", f);
        } else {
            fputs("<td class=\"num\"></td>", f);
        }
    }
    fputs("</tr>\n", f);
}

static cell num_cell(double v, int decimals, const char *unit)
{
    cell c = { "", v };

    if (isfinite(v))
        snprintf(c.text, sizeof(c.text), "%.*f%s", decimals, v, unit);
    else
        snprintf(c.text, sizeof(c.text), "—");
    return c;
}

static void run_rows(FILE *f, const report_analysis *a, const report_analysis *x)
{
    cell r, c = { "", NAN };

#define ROW(name, expr, dec, unit, dir, dunit)                                                     \
    do {                                                                                           \
        const report_analysis *m_ = a;                                                             \
        r = num_cell((expr), dec, unit);                                                           \
        if (x) {                                                                                   \
            m_ = x;                                                                                \
            c = num_cell((expr), dec, unit);                                                       \
        }                                                                                          \
        metric_row(f, name, &r, x ? &c : NULL, dir, dunit, dec);                                   \
    } while (0)
    ROW("entry requests", (double)m_->entry_requests, 0, "", 0, "");
    ROW("failed at the entry", (double)(m_->entry_requests - m_->entry_ok - m_->entry_degraded),
        0, "", -1, "");
    ROW("availability (strict)", 100 * m_->availability, 3, " %", 1, " pp");
    ROW("availability (served)", 100 * m_->availability_served, 3, " %", 1, " pp");
    ROW("goodput", m_->goodput_rps, 1, " req/s", 1, "");
    ROW("retry amplification", m_->retry_amplification, 3, "×", -1, "");
    ROW("breaker openings", (double)m_->breaker_opens, 0, "", 0, "");
    ROW("false trips", (double)m_->false_trips, 0, "", -1, "");
#undef ROW
}

static void blast_text(const report_run *r, const report_fault_analysis *f, cell *c)
{
    size_t used;

    snprintf(c->text, sizeof(c->text), "%u", f->blast_radius);
    c->value = f->blast_radius;
    used = strlen(c->text);
    for (uint32_t s = 0, n = 0; s < r->sc->n_services && used < sizeof(c->text) - 8; s++) {
        if (!f->blast[s])
            continue;
        snprintf(c->text + used, sizeof(c->text) - used, "%s%s", n++ ? ", " : ": ",
                 r->sc->services[s].name);
        used = strlen(c->text);
    }
}

static void fault_rows(FILE *f, const report_run *r, size_t i, bool with_cf)
{
    const report_fault_analysis *runs[2] = { &r->analysis->faults[i], NULL };
    const sim_fault *ft = &r->sc->faults[runs[0]->fault];
    const report_run *rr[2] = { r, with_cf ? r->counterfactual : NULL };
    cell c[2];
    char target[200];
    int n = with_cf ? 2 : 1;

    if (with_cf && i < r->counterfactual->analysis->n_faults)
        runs[1] = &r->counterfactual->analysis->faults[i];
    else
        n = 1;
    report_fault_target(r->sc, ft, target, sizeof(target));
    fprintf(f, "<tr class=\"group\"><th colspan=\"%d\">fault: ", with_cf ? 4 : 2);
    report_xml_escape(f, ft->label ? ft->label : "");
    fprintf(f, " <span class=\"muted\">(%s on ", sim_fault_kind_names[ft->kind]);
    report_xml_escape(f, target);
    fprintf(f, ", %.3g–%.3g s)</span></th></tr>\n", (double)runs[0]->start_ns / 1e9,
            (double)runs[0]->end_ns / 1e9);
    for (int k = 0; k < n; k++) {
        const report_fault_analysis *x = runs[k];

        c[k] = num_cell(x->detect_ns >= 0 ? (double)x->detect_ns / 1e9 : NAN, 3, " s");
        if (x->detect_ns < 0)
            snprintf(c[k].text, sizeof(c[k].text), "no breaker opened");
    }
    metric_row(f, "time to detect", &c[0], n > 1 ? &c[1] : NULL, -1, " s", 3);
    for (int k = 0; k < n; k++) {
        const report_fault_analysis *x = runs[k];

        c[k] = num_cell(x->recover_ns >= 0 ? (double)x->recover_ns / 1e9 : NAN, 1, " s");
        if (x->recover_ns < 0)
            snprintf(c[k].text, sizeof(c[k].text), "not recovered");
    }
    metric_row(f, "time to recover", &c[0], n > 1 ? &c[1] : NULL, -1, " s", 1);
    for (int k = 0; k < n; k++)
        blast_text(rr[k], runs[k], &c[k]);
    metric_row(f, "blast radius", &c[0], n > 1 ? &c[1] : NULL, -1, "", 0);
    for (int k = 0; k < n; k++)
        c[k] = num_cell(runs[k]->cascade_depth, 0, "");
    metric_row(f, "cascade depth", &c[0], n > 1 ? &c[1] : NULL, -1, "", 0);
    for (int k = 0; k < n; k++) {
        c[k] = num_cell(runs[k]->contained, 0, "");
        snprintf(c[k].text, sizeof(c[k].text), "%s", runs[k]->contained ? "yes" : "no");
    }
    metric_row(f, "contained", &c[0], n > 1 ? &c[1] : NULL, 0, "", 0);
    for (int k = 0; k < n; k++)
        c[k] = num_cell((double)runs[k]->wasted_calls, 0, "");
    metric_row(f, "wasted calls into the target", &c[0], n > 1 ? &c[1] : NULL, -1, "", 0);
    for (int k = 0; k < n; k++)
        c[k] = num_cell((double)runs[k]->entry_failed, 0, "");
    metric_row(f, "entry requests failed in the window", &c[0], n > 1 ? &c[1] : NULL, -1, "", 0);
    for (int k = 0; k < n; k++)
        c[k] = num_cell(runs[k]->budget_burned, 2, "×");
    metric_row(f, "SLO error budget burned", &c[0], n > 1 ? &c[1] : NULL, -1, "×", 2);
}

static void metrics(FILE *f, const report_run *r)
{
    bool with_cf = comparable_cf(r) != NULL;

    fputs("<section id=\"metrics\">\n<h2>Metrics", f);
    if (with_cf)
        fprintf(f, " %s and %s", run_label(r), cf_label(r));
    fputs("</h2>\n", f);
    if (!with_cf && r->counterfactual)
        fputs("<p class=\"muted\">The scenario has no breaker: played without breakers it is "
              "the same run, so there is nothing to compare.</p>\n", f);
    if (with_cf)
        fprintf(f, "<p class=\"muted\">The same seed played twice: as the scenario says, and %s "
                   "(everything else equal). The difference is this run's figure minus the "
                   "other's, green where this run did better. Definitions: docs/metrics.md.</p>\n",
                cf_label(r));
    fprintf(f, "<table>\n<thead><tr><th>metric</th><th class=\"num\">%s</th>", run_label(r));
    if (with_cf)
        fprintf(f, "<th class=\"num\">%s</th><th class=\"num\">difference</th>", cf_label(r));
    fprintf(f, "</tr></thead>\n<tbody>\n<tr class=\"group\"><th colspan=\"%d\">the whole run, "
               "at the entry</th></tr>\n",
            with_cf ? 4 : 2);
    run_rows(f, r->analysis, with_cf ? r->counterfactual->analysis : NULL);
    for (size_t i = 0; i < r->analysis->n_faults; i++)
        fault_rows(f, r, i, with_cf);
    fputs("</tbody>\n</table>\n</section>\n", f);
}

/* ---- plots and scenario --------------------------------------------------- */

static bool plot_figure(FILE *f, const char *dir, size_t i, bool rendered, report_error *err)
{
    const char *name = report_plots[i].name;
    char path[4200], prefix[32];

    fprintf(f, "<figure id=\"plot-%s\">\n<!-- plot:%s -->\n", name, name);
    if (rendered) {
        char *svg;

        snprintf(path, sizeof(path), "%s/plots/%s.svg", dir, name);
        snprintf(prefix, sizeof(prefix), "p%zu", i + 1);
        if (!(svg = html_read_file(path, MAX_SVG_BYTES, err)))
            return false;
        if (!html_svg_inline(f, svg, prefix, "plot")) {
            snprintf(err->text, sizeof(err->text), "%s: not an SVG document", path);
            free(svg);
            return false;
        }
        free(svg);
    } else {
        fprintf(f, "<p class=\"note\">Not rendered: gnuplot was not found. Install it, then run "
                   "<code>firebreak plot DIR</code> to draw this plot and put it here.</p>");
    }
    fprintf(f, "\n<!-- /plot:%s -->\n<figcaption>", name);
    report_xml_escape(f, report_plots[i].caption);
    fprintf(f, " <span class=\"muted\">Files: <a href=\"plots/%s.png\">plots/%s.png</a>, "
               "<a href=\"plots/%s.svg\">.svg</a>, the script <a href=\"plots/%s.gp\">.gp</a> "
               "and its data <a href=\"plots/%s.dat\">.dat</a>.</span></figcaption>\n</figure>\n",
            name, name, name, name, name);
    return true;
}

static bool plots(FILE *f, const char *dir, bool rendered, report_error *err)
{
    fputs("<section id=\"plots\">\n<h2>Plots</h2>\n", f);
    fputs(NOTE_OPEN, f);
    if (!rendered)
        fputs("<p class=\"note\">gnuplot was not found when the run was written: the plot "
              "scripts and their data are in plots/; <code>firebreak plot DIR</code> renders "
              "them and puts them into this page.</p>",
              f);
    fputs(NOTE_CLOSE "\n", f);
    for (size_t i = 0; i < REPORT_N_PLOTS; i++)
        if (!plot_figure(f, dir, i, rendered, err))
            return false;
    fputs("</section>\n", f);
    return true;
}

static void scenario(FILE *f, const report_run *r)
{
    const sim_scenario *sc = r->sc;
    report_error err;
    char *text = sc->path ? html_read_file(sc->path, MAX_SCENARIO_BYTES, &err) : NULL;

    fputs("<section id=\"scenario\">\n<h2>Scenario</h2>\n<p>", f);
    report_xml_escape(f, sc->description && *sc->description ? sc->description : "(no description)");
    fputs("</p>\n", f);
    if (text) {
        fputs("<details open=\"open\"><summary>", f);
        report_xml_escape(f, sc->path);
        fputs("</summary>\n<pre>", f);
        report_xml_escape(f, text);
        fputs("</pre></details>\n", f);
        free(text);
    } else if (sc->path) {
        fputs("<p class=\"note\">The scenario file cannot be read any more: ", f);
        report_xml_escape(f, err.text);
        fputs("</p>\n", f);
    }
    fputs("</section>\n", f);
}

bool report_html_write(const report_run *r, const char *dir, bool plots_rendered,
                       bool *graph_drawn, report_error *err)
{
    report_file rf;

    *graph_drawn = false;
    if (!r->analysis) {
        snprintf(err->text, sizeof(err->text), "%s/report.html: the run has no analysis", dir);
        return false;
    }
    if (!report_file_open(&rf, dir, "report.html", err))
        return false;
    page_head(rf.f, r);
    verdicts(rf.f, r);
    metrics(rf.f, r);
    if (!html_callgraph(rf.f, r, dir, graph_drawn, err) || !html_timeline(rf.f, r) ||
        !plots(rf.f, dir, plots_rendered, err)) {
        report_file_abort(&rf);
        return false;
    }
    scenario(rf.f, r);
    fputs("<footer>Written by firebreak " FB_VERSION " · beside this page: report.json, "
          "series.csv, events.jsonl, callgraph.dot, plots/ (docs/report-schema.md)</footer>\n"
          "</main>\n</body>\n</html>\n",
          rf.f);
    return report_file_commit(&rf, err);
}

/* ---- refreshing the plots of an existing page ---------------------------- */

bool report_html_refresh_plots(const char *dir, report_error *err)
{
    char path[4200], open_m[80], close_m[80];
    char *page;
    const char *p, *a0, *b0;
    report_file rf;

    snprintf(path, sizeof(path), "%s/report.html", dir);
    if (!(page = html_read_file(path, 64u << 20, err)))
        return false;
    if (!report_file_open_path(&rf, path, err)) {
        free(page);
        return false;
    }
    p = page;
    if ((a0 = strstr(p, NOTE_OPEN)) != NULL && (b0 = strstr(a0, NOTE_CLOSE)) != NULL) {
        fwrite(p, 1, (size_t)(a0 - p) + strlen(NOTE_OPEN), rf.f); /* the note goes */
        p = b0;
    }
    for (size_t i = 0; i < REPORT_N_PLOTS; i++) {
        const char *name = report_plots[i].name, *a, *b;
        char svg_path[4200], prefix[32];
        char *svg;

        snprintf(open_m, sizeof(open_m), "<!-- plot:%s -->\n", name);
        snprintf(close_m, sizeof(close_m), "\n<!-- /plot:%s -->", name);
        a = strstr(p, open_m);
        b = a ? strstr(a, close_m) : NULL;
        if (!b) {
            snprintf(err->text, sizeof(err->text), "%s: no place for the plot '%s' (a page "
                     "from another version?)", path, name);
            goto fail;
        }
        snprintf(svg_path, sizeof(svg_path), "%s/plots/%s.svg", dir, name);
        snprintf(prefix, sizeof(prefix), "p%zu", i + 1);
        if (!(svg = html_read_file(svg_path, MAX_SVG_BYTES, err)))
            goto fail;
        fwrite(p, 1, (size_t)(a - p) + strlen(open_m), rf.f);
        if (!html_svg_inline(rf.f, svg, prefix, "plot")) {
            snprintf(err->text, sizeof(err->text), "%s: not an SVG document", svg_path);
            free(svg);
            goto fail;
        }
        free(svg);
        p = b;
    }
    fputs(p, rf.f);
    free(page);
    return report_file_commit(&rf, err);
fail:
    report_file_abort(&rf);
    free(page);
    return false;
}
