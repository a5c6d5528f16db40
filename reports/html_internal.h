/* html_internal.h — what html.c and html_graph.c share. */
#ifndef REPORT_HTML_INTERNAL_H
#define REPORT_HTML_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report.h"

/* The whole file at 'path' (at most 'max' bytes), NUL-terminated; the
 * caller frees it. NULL with 'err' set on failure. */
char *html_read_file(const char *path, size_t max, report_error *err);

/* Write the <svg> element of the document 'svg' for inlining into the page:
 * without prologue, comments or namespace declarations, class 'cls', every
 * id and reference to one prefixed with 'prefix-'. False when 'svg' has no
 * <svg> element. */
bool html_svg_inline(FILE *f, const char *svg, const char *prefix, const char *cls);

/* The call graph section: writes DIR/callgraph.dot, draws it with dot when
 * it is on PATH (*drawn true, DIR/callgraph.svg kept), else lists the
 * services. False only when callgraph.dot cannot be written. */
bool html_callgraph(FILE *f, const report_run *r, const char *dir, bool *drawn,
                    report_error *err);

/* The event timeline section, from the run's log. False when out of memory. */
bool html_timeline(FILE *f, const report_run *r);

#endif /* REPORT_HTML_INTERNAL_H */
