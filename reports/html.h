/* html.h — report.html: one self-contained page a reviewer opens in a
 * browser (no network, no external file needed to show it): the verdict per
 * fault, the metrics with and without breakers, the call graph with the blast
 * radius (laid out by graphviz's dot), the event timeline, the plots (their
 * SVGs inlined) and the scenario. The page is well-formed XML as well as
 * HTML5, so an XML parser can check it. */
#ifndef REPORT_HTML_H
#define REPORT_HTML_H

#include <stdbool.h>

#include "report.h"

/* The most rows the timeline shows; the rest are counted. */
#define REPORT_HTML_MAX_EVENTS 60

/* Write DIR/report.html for 'r' (which must carry its analysis), and
 * DIR/callgraph.dot; when graphviz's dot is on PATH also DIR/callgraph.svg,
 * inlined into the page (*graph_drawn true), else the page lists the
 * services and says why. 'plots_rendered': DIR/plots/NAME.svg exist and
 * are inlined; otherwise each plot's place says how to render it. Every
 * file is written whole or not at all. */
bool report_html_write(const report_run *r, const char *dir, bool plots_rendered,
                       bool *graph_drawn, report_error *err);

/* Replace the plots inlined in DIR/report.html by the current
 * DIR/plots/NAME.svg (after `firebreak plot` re-rendered them). False when
 * the page or an SVG cannot be read, or the page has no plot markers. */
bool report_html_refresh_plots(const char *dir, report_error *err);

#endif /* REPORT_HTML_H */
