/* html_graph.c — two sections of report.html: the call graph with the blast
 * radius, and the event timeline.
 *
 * The call graph is written as DOT (callgraph.dot, beside the report) and
 * laid out by graphviz's dot, left to right from the entry; a hand-made
 * layout was rejected, dot's is better and it is a Debian package. Without
 * dot the page lists the services by call depth instead, and says so once.
 *
 * The timeline groups the log so that it stays readable: a breaker episode
 * of an edge runs from the first of its breakers leaving CLOSED to the last
 * one returning (one row, however many trips and trials in between); an
 * ejection episode of a service likewise; retry-budget and fallback lines of
 * an edge less than GROUP_GAP apart are one row. Rows come in the order they
 * start. Only the first REPORT_HTML_MAX_EVENTS rows are kept and shown; the
 * rest are counted, so memory stays bounded by the scenario's size, not by
 * the log's. Per-call lines (--log-level calls) are counted, not shown. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "html.h"
#include "html_internal.h"
#include "plot.h"

#define GROUP_GAP_NS INT64_C(10000000000) /* 10 s */
#define HIDDEN SIZE_MAX                   /* an episode whose row is not shown */
#define NONE (SIZE_MAX - 1)               /* no episode */

/* ---- the call graph ------------------------------------------------------- */

#define GRAPH_TARGET "#D55E00"
#define GRAPH_BLAST "#F7C6A3"
#define GRAPH_ENTRY "#DCEBF7"

/* A DOT string; a newline becomes DOT's \n (a centred line break). */
static void dot_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '\n') {
            fputs("\\n", f);
            continue;
        }
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
    }
    fputc('"', f);
}

/* Per service: bit 1 a fault's target, 2 in a blast radius, 4 in a blast
 * radius only without breakers, 8 an entry. */
static void node_marks(const report_run *r, uint8_t *mark)
{
    const report_analysis *a = r->analysis;
    const report_analysis *x = r->counterfactual ? r->counterfactual->analysis : NULL;

    for (size_t l = 0; l < r->sc->n_loads; l++)
        mark[r->sc->loads[l].entry] |= 8;
    for (size_t i = 0; i < a->n_faults; i++) {
        mark[a->faults[i].target] |= 1;
        for (size_t s = 0; s < r->sc->n_services; s++)
            mark[s] |= a->faults[i].blast[s] ? 2 : 0;
    }
    for (size_t i = 0; x && i < x->n_faults; i++)
        for (size_t s = 0; s < r->sc->n_services; s++)
            if (x->faults[i].blast[s])
                mark[s] |= 4;
    for (size_t s = 0; s < r->sc->n_services; s++)
        if (mark[s] & 2)
            mark[s] &= (uint8_t)~4;
}

static uint64_t edge_opens(const sim_metrics *m, uint32_t e)
{
    uint64_t n = 0;

    for (size_t i = 0; i < m->n_log; i++)
        n += m->log[i].kind == SIM_LOG_TRANSITION && m->log[i].index == e &&
             m->log[i].from == FB_STATE_CLOSED && m->log[i].to == FB_STATE_OPEN;
    return n;
}

static void write_dot(FILE *f, const report_run *r, const uint8_t *mark)
{
    const sim_scenario *sc = r->sc;
    const char *cf = r->counterfactual_mode && strcmp(r->counterfactual_mode, "no-policies") == 0
                         ? "without any policy"
                         : "without breakers";

    fputs("// callgraph.dot — the call graph of the run; render: dot -Tsvg callgraph.dot\n"
          "// Fill: a fault's target (dark), the blast radius (light); dashed: in the blast\n"
          "// radius only in the counterfactual; double border: an entry.\n",
          f);
    fputs("digraph callgraph {\n"
          "  graph [rankdir=LR, bgcolor=\"transparent\", fontname=\"DejaVu Sans\", "
          "nodesep=0.3, ranksep=0.8, pad=0.15];\n"
          "  node [shape=box, style=\"rounded,filled\", fontname=\"DejaVu Sans\", fontsize=11, "
          "fillcolor=\"#FFFFFF\", color=\"#8C8C8C\", fontcolor=\"#333333\", penwidth=1.2, "
          "margin=\"0.18,0.07\"];\n"
          "  edge [color=\"#9A9A9A\", fontname=\"DejaVu Sans\", fontsize=9, "
          "fontcolor=\"#666666\", arrowsize=0.7];\n",
          f);
    for (uint32_t s = 0; s < sc->n_services; s++) {
        char label[600];
        size_t used;

        used = (size_t)snprintf(label, sizeof(label), "%s", sc->services[s].name);
        for (size_t i = 0; i < sc->n_faults && used < sizeof(label); i++)
            if (r->analysis->faults[i].target == s)
                used += (size_t)snprintf(label + used, sizeof(label) - used, "\nfault: %s",
                                         sc->faults[i].label ? sc->faults[i].label : "");
        if ((mark[s] & 4) && used < sizeof(label))
            snprintf(label + used, sizeof(label) - used, "\nblast %s", cf);
        fprintf(f, "  s%u [label=", s);
        dot_str(f, label);
        if (mark[s] & 1)
            fputs(", fillcolor=\"" GRAPH_TARGET "\", fontcolor=\"#FFFFFF\", color=\"#8A3300\", "
                  "penwidth=2",
                  f);
        else if (mark[s] & 2)
            fputs(", fillcolor=\"" GRAPH_BLAST "\", color=\"" GRAPH_TARGET "\", penwidth=1.6", f);
        else if (mark[s] & 4)
            fputs(", style=\"rounded,filled,dashed\", color=\"" REPORT_COLOR_CF "\", penwidth=2",
                  f);
        else if (mark[s] & 8)
            fputs(", fillcolor=\"" GRAPH_ENTRY "\"", f);
        if (mark[s] & 8)
            fputs(", peripheries=2", f);
        fputs("];\n", f);
    }
    for (uint32_t e = 0; e < sc->n_calls; e++) {
        const sim_call *c = &sc->calls[e];
        uint64_t opens = r->m->edge_breakers[e] ? edge_opens(r->m, e) : 0;

        fprintf(f, "  s%u -> s%u [", c->from, c->to);
        if (c->alternate)
            fputs("style=dashed, label=\"alternate\"", f);
        else if (c->optional)
            fputs("style=dotted", f);
        if (opens)
            fprintf(f, "%scolor=\"" REPORT_COLOR_OPEN "\", fontcolor=\"" REPORT_COLOR_OPEN
                       "\", penwidth=1.6, %s=\"breakers opened %" PRIu64 "×\"",
                    c->alternate || c->optional ? ", " : "",
                    c->alternate ? "xlabel" : "label", opens);
        fputs("];\n", f);
    }
    fputs("}\n", f);
}

static void graph_legend(FILE *f, const report_run *r, const uint8_t *mark)
{
    bool cf_only = false;

    for (size_t s = 0; s < r->sc->n_services; s++)
        cf_only |= (mark[s] & 4) != 0;
    fputs("<p class=\"muted\"><span class=\"swatch\" style=\"background:" GRAPH_TARGET
          "\"></span>a fault's target<span class=\"swatch\" style=\"background:" GRAPH_BLAST
          "\"></span>in the blast radius (unhealthy 3 ticks or more)",
          f);
    if (cf_only)
        fprintf(f, "<span class=\"swatch\" style=\"border:2px dashed " REPORT_COLOR_CF
                   "\"></span>in the blast radius only %s",
                r->counterfactual_mode && strcmp(r->counterfactual_mode, "no-policies") == 0
                    ? "without any policy"
                    : "without breakers");
    fputs("<span class=\"swatch\" style=\"background:" GRAPH_ENTRY "\"></span>entry "
          "(double border). Dotted: an optional call; dashed: an alternate; red: its breakers "
          "opened.</p>\n",
          f);
}

/* The plain list shown without dot: services by call depth. */
static bool graph_list(FILE *f, const report_run *r, const uint8_t *mark)
{
    const sim_scenario *sc = r->sc;
    uint32_t *depth = malloc((sc->n_services + 1) * sizeof(*depth));
    uint32_t *order = malloc((sc->n_services + 1) * sizeof(*order));

    if (!depth || !order || !report_service_depths(sc, depth, order)) {
        free(depth);
        free(order);
        return false;
    }
    fputs("<table>\n<thead><tr><th>service</th><th class=\"num\">depth</th><th>calls</th>"
          "<th>role in the faults</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t o = 0; o < sc->n_services; o++) {
        uint32_t s = order[o];
        const char *sep = "";

        fputs("<tr><td>", f);
        report_xml_escape(f, sc->services[s].name);
        if (depth[s] == UINT32_MAX)
            fputs("</td><td class=\"num\">–</td><td>", f);
        else
            fprintf(f, "</td><td class=\"num\">%u</td><td>", depth[s]);
        for (uint32_t e = 0; e < sc->n_calls; e++)
            if (sc->calls[e].from == s) {
                fputs(sep, f);
                report_xml_escape(f, sc->services[sc->calls[e].to].name);
                sep = ", ";
            }
        fprintf(f, "</td><td>%s%s%s</td></tr>\n", mark[s] & 1 ? "fault target " : "",
                mark[s] & 2 ? "in the blast radius " : "",
                mark[s] & 4 ? "in the blast radius only in the counterfactual" : "");
    }
    fputs("</tbody>\n</table>\n", f);
    free(depth);
    free(order);
    return true;
}

/* Draw callgraph.dot into DIR/callgraph.svg and inline it; false (with the
 * reason in 'why') when dot fails. */
static bool graph_draw(FILE *f, const char *dir, report_error *why)
{
    char tmp[4200], final[4200];
    char a0[] = "dot", a1[] = "-Tsvg", a2[] = "callgraph.dot";
    char *argv[] = { a0, a1, a2, NULL };
    char *svg;
    bool ok;

    snprintf(tmp, sizeof(tmp), "%s/.callgraph.svg.%ld", dir, (long)getpid());
    snprintf(final, sizeof(final), "%s/callgraph.svg", dir);
    if (!report_tool_run(dir, argv, tmp, why)) {
        unlink(tmp);
        return false;
    }
    svg = html_read_file(tmp, 16u << 20, why);
    ok = svg && html_svg_inline(f, svg, "g", "graph");
    if (svg && !ok)
        snprintf(why->text, sizeof(why->text), "dot wrote no SVG");
    if (ok && rename(tmp, final) != 0) {
        snprintf(why->text, sizeof(why->text), "%s: %s", final, strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(tmp);
    free(svg);
    return ok;
}

bool html_callgraph(FILE *f, const report_run *r, const char *dir, bool *drawn,
                    report_error *err)
{
    uint8_t *mark = calloc(r->sc->n_services + 1, 1);
    report_file rf;
    report_error why = { "" };
    bool ok;

    *drawn = false;
    if (!mark) {
        snprintf(err->text, sizeof(err->text), "%s/report.html: out of memory", dir);
        return false;
    }
    node_marks(r, mark);
    if (!report_file_open(&rf, dir, "callgraph.dot", err)) {
        free(mark);
        return false;
    }
    write_dot(rf.f, r, mark);
    if (!report_file_commit(&rf, err)) {
        free(mark);
        return false;
    }
    fputs("<section id=\"callgraph\">\n<h2>Call graph and blast radius</h2>\n", f);
    if (report_tool_found("dot")) {
        *drawn = graph_draw(f, dir, &why);
        if (!*drawn) {
            fputs("<p class=\"note\">graphviz's dot failed on callgraph.dot (", f);
            report_xml_escape(f, why.text);
            fputs("): the services are listed instead.</p>\n", f);
        }
    } else {
        fputs("<p class=\"note\">graphviz's <code>dot</code> was not found: the call graph is "
              "written to callgraph.dot but not drawn, and the services are listed instead. "
              "Install graphviz to draw it.</p>\n",
              f);
    }
    if (*drawn)
        graph_legend(f, r, mark);
    ok = *drawn || graph_list(f, r, mark);
    fputs("</section>\n", f);
    free(mark);
    if (!ok)
        snprintf(err->text, sizeof(err->text), "%s/report.html: out of memory", dir);
    return ok;
}

/* ---- the timeline --------------------------------------------------------- */

typedef enum row_kind {
    ROW_FAULT_START,
    ROW_FAULT_END,
    ROW_BREAKERS,
    ROW_EJECT,
    ROW_BUDGET,
    ROW_FALLBACK
} row_kind;

typedef struct tl_row {
    row_kind kind;
    uint32_t index;        /* the fault, edge or service */
    int64_t at_ns, end_ns; /* end_ns -1: still going at the run's end */
    uint64_t opens, reopens, count;
    uint64_t instances;    /* bit i: caller (or callee) instance i took part (i < 64) */
    bool any_instance;     /* a per-service breaker took part */
    fb_reason reason;      /* the first trip's */
    sim_outcome outcome, result;
} tl_row;

typedef struct timeline {
    tl_row rows[REPORT_HTML_MAX_EVENTS];
    size_t n, hidden;
    uint64_t per_call;
    uint32_t *not_closed;  /* per edge: breakers not CLOSED */
    size_t *episode;       /* per edge: its breaker episode's row, NONE or HIDDEN */
    size_t *group;         /* per edge x 2: its budget / fallback row */
    int64_t *group_last;   /* per edge x 2: the time of that row's last line */
    uint32_t *ejected;     /* per service */
    size_t *ejection;      /* per service: its ejection episode's row */
} timeline;

static size_t row_new(timeline *t, row_kind kind, uint32_t index, int64_t at)
{
    tl_row *row;

    if (t->n == REPORT_HTML_MAX_EVENTS) {
        t->hidden++;
        return HIDDEN;
    }
    row = &t->rows[t->n];
    memset(row, 0, sizeof(*row));
    row->kind = kind;
    row->index = index;
    row->at_ns = at;
    row->end_ns = kind == ROW_FAULT_START || kind == ROW_FAULT_END ? at : -1;
    return t->n++;
}

static tl_row *row_at(timeline *t, size_t i)
{
    return i < t->n ? &t->rows[i] : NULL;
}

static void mark_instance(tl_row *row, uint32_t instance)
{
    if (instance == SIM_NONE)
        row->any_instance = true;
    else if (instance < 64)
        row->instances |= UINT64_C(1) << instance;
}

static bool closed_like(fb_state s)
{
    return s == FB_STATE_CLOSED || s == FB_STATE_DISABLED || s == FB_STATE_METRICS_ONLY;
}

static void on_transition(timeline *t, const sim_log_entry *l)
{
    uint32_t e = l->index;
    tl_row *row;

    if (closed_like(l->from) && !closed_like(l->to) && t->not_closed[e]++ == 0) {
        t->episode[e] = row_new(t, ROW_BREAKERS, e, l->at_ns);
        if ((row = row_at(t, t->episode[e])) != NULL)
            row->reason = l->reason;
    }
    row = t->episode[e] == NONE ? NULL : row_at(t, t->episode[e]);
    if (row) {
        row->opens += l->to == FB_STATE_OPEN && closed_like(l->from);
        row->reopens += l->to == FB_STATE_OPEN && l->from == FB_STATE_HALF_OPEN;
        mark_instance(row, l->instance);
    }
    if (!closed_like(l->from) && closed_like(l->to) && t->not_closed[e] > 0 &&
        --t->not_closed[e] == 0) {
        if (row)
            row->end_ns = l->at_ns;
        t->episode[e] = NONE;
    }
}

static void on_eject(timeline *t, const sim_log_entry *l)
{
    uint32_t s = l->index;
    tl_row *row;

    if (l->kind == SIM_LOG_EJECT) {
        if (t->ejected[s]++ == 0)
            t->ejection[s] = row_new(t, ROW_EJECT, s, l->at_ns);
        if ((row = t->ejection[s] == NONE ? NULL : row_at(t, t->ejection[s])) != NULL) {
            row->count++;
            mark_instance(row, l->instance);
        }
    } else if (t->ejected[s] > 0 && --t->ejected[s] == 0) {
        if ((row = t->ejection[s] == NONE ? NULL : row_at(t, t->ejection[s])) != NULL)
            row->end_ns = l->at_ns;
        t->ejection[s] = NONE;
    }
}

static void on_grouped(timeline *t, const sim_log_entry *l, int which)
{
    size_t g = 2 * (size_t)l->index + (size_t)which;
    tl_row *row;

    if (t->group[g] == NONE || l->at_ns - t->group_last[g] > GROUP_GAP_NS) {
        t->group[g] = row_new(t, which ? ROW_FALLBACK : ROW_BUDGET, l->index, l->at_ns);
        if ((row = row_at(t, t->group[g])) != NULL) {
            row->outcome = l->outcome;
            row->result = l->result;
        }
    }
    t->group_last[g] = l->at_ns;
    if ((row = row_at(t, t->group[g])) != NULL) {
        row->count++;
        row->end_ns = l->at_ns;
        mark_instance(row, l->instance);
    }
}

static bool timeline_build(timeline *t, const report_run *r)
{
    const sim_metrics *m = r->m;
    size_t ne = r->sc->n_calls + 1, ns = r->sc->n_services + 1;

    t->not_closed = calloc(ne, sizeof(*t->not_closed));
    t->episode = malloc(ne * sizeof(*t->episode));
    t->group = malloc(2 * ne * sizeof(*t->group));
    t->group_last = calloc(2 * ne, sizeof(*t->group_last));
    t->ejected = calloc(ns, sizeof(*t->ejected));
    t->ejection = malloc(ns * sizeof(*t->ejection));
    if (!t->not_closed || !t->episode || !t->group || !t->group_last || !t->ejected ||
        !t->ejection)
        return false;
    for (size_t i = 0; i < ne; i++)
        t->episode[i] = t->group[2 * i] = t->group[2 * i + 1] = NONE;
    for (size_t i = 0; i < ns; i++)
        t->ejection[i] = NONE;
    for (size_t i = 0; i < m->n_log; i++) {
        const sim_log_entry *l = &m->log[i];

        switch (l->kind) {
        case SIM_LOG_FAULT_START:
        case SIM_LOG_FAULT_END:
            row_new(t, l->kind == SIM_LOG_FAULT_START ? ROW_FAULT_START : ROW_FAULT_END,
                    l->index, l->at_ns);
            break;
        case SIM_LOG_TRANSITION:
            on_transition(t, l);
            break;
        case SIM_LOG_EJECT:
        case SIM_LOG_RETURN:
            on_eject(t, l);
            break;
        case SIM_LOG_BUDGET_EXHAUSTED:
            on_grouped(t, l, 0);
            break;
        case SIM_LOG_FALLBACK_ACTIVE:
            on_grouped(t, l, 1);
            break;
        default:
            t->per_call++;
        }
    }
    return true;
}

static void timeline_free(timeline *t)
{
    free(t->not_closed);
    free(t->episode);
    free(t->group);
    free(t->group_last);
    free(t->ejected);
    free(t->ejection);
}

static unsigned popcount64(uint64_t x)
{
    unsigned n = 0;

    for (; x; x &= x - 1)
        n++;
    return n;
}

static void when(FILE *f, const tl_row *row)
{
    if (row->end_ns == row->at_ns)
        fprintf(f, "%.2f s", (double)row->at_ns / 1e9);
    else if (row->end_ns < 0)
        fprintf(f, "%.2f s – end", (double)row->at_ns / 1e9);
    else
        fprintf(f, "%.2f – %.2f s", (double)row->at_ns / 1e9, (double)row->end_ns / 1e9);
}

static void row_html(FILE *f, const report_run *r, const tl_row *row)
{
    const sim_scenario *sc = r->sc;
    char where[300];
    unsigned who = popcount64(row->instances) + row->any_instance;

    if (row->kind == ROW_FAULT_START || row->kind == ROW_FAULT_END)
        report_fault_target(sc, &sc->faults[row->index], where, sizeof(where));
    else if (row->kind == ROW_EJECT)
        snprintf(where, sizeof(where), "%s", sc->services[row->index].name);
    else
        report_edge_name(sc, row->index, where, sizeof(where));
    fprintf(f, "<tr class=\"%s\"><td class=\"t\">",
            row->kind <= ROW_FAULT_END ? "fault" : row->kind == ROW_BREAKERS ? "trip" : "other");
    when(f, row);
    fputs("</td><td class=\"what\">", f);
    switch (row->kind) {
    case ROW_FAULT_START:
    case ROW_FAULT_END:
        fprintf(f, "%s", row->kind == ROW_FAULT_START ? "fault starts" : "fault ends");
        fputs("</td><td>", f);
        report_xml_escape(f, where);
        fputs("</td><td>", f);
        report_xml_escape(f, sc->faults[row->index].label ? sc->faults[row->index].label : "");
        fprintf(f, " (%s)", sim_fault_kind_names[sc->faults[row->index].kind]);
        break;
    case ROW_BREAKERS:
        fputs("breakers open</td><td>", f);
        report_xml_escape(f, where);
        fprintf(f, "</td><td>%u of %u breaker%s tripped (first: %s); %" PRIu64 " trip%s",
                who, r->m->edge_breakers[row->index], r->m->edge_breakers[row->index] == 1 ? "" : "s",
                fb_reason_name(row->reason), row->opens, row->opens == 1 ? "" : "s");
        if (row->reopens)
            fprintf(f, ", %" PRIu64 " re-opening%s after trials", row->reopens,
                    row->reopens == 1 ? "" : "s");
        fputs(row->end_ns < 0 ? "; still not all closed at the end" : "; then all closed", f);
        break;
    case ROW_EJECT:
        fputs("instances ejected</td><td>", f);
        report_xml_escape(f, where);
        fprintf(f, "</td><td>%" PRIu64 " ejection%s of %u instance%s%s", row->count,
                row->count == 1 ? "" : "s", who, who == 1 ? "" : "s",
                row->end_ns < 0 ? "; not all back at the end" : "; then all back");
        break;
    case ROW_BUDGET:
        fputs("retry budget exhausted</td><td>", f);
        report_xml_escape(f, where);
        fprintf(f, "</td><td>retries refused (%" PRIu64 " line%s in events.jsonl)", row->count,
                row->count == 1 ? "" : "s");
        break;
    case ROW_FALLBACK:
        fputs("fallback answering</td><td>", f);
        report_xml_escape(f, where);
        fprintf(f, "</td><td>after %s, answered %s (%" PRIu64 " start%s)",
                sim_outcome_name(row->outcome), sim_outcome_name(row->result), row->count,
                row->count == 1 ? "" : "s");
        break;
    }
    fputs("</td></tr>\n", f);
}

bool html_timeline(FILE *f, const report_run *r)
{
    timeline *t = calloc(1, sizeof(*t));
    bool ok = t && timeline_build(t, r);

    if (!ok) {
        if (t)
            timeline_free(t);
        free(t);
        return false;
    }
    fputs("<section id=\"timeline\">\n<h2>Timeline</h2>\n<p class=\"muted\">From the run's log "
          "(events.jsonl), grouped: a row per fault start and end, per breaker episode of an "
          "edge (from its first breaker leaving CLOSED to the last one closing again), per "
          "ejection episode of a service, and per burst of retry-budget or fallback lines.</p>\n",
          f);
    if (t->n == 0) {
        fputs("<p>Nothing happened: no fault, no breaker left CLOSED.</p>\n", f);
    } else {
        fputs("<table>\n<thead><tr><th>time</th><th>event</th><th>where</th><th>details</th>"
              "</tr></thead>\n<tbody>\n",
              f);
        for (size_t i = 0; i < t->n; i++)
            row_html(f, r, &t->rows[i]);
        fputs("</tbody>\n</table>\n", f);
    }
    if (t->hidden)
        fprintf(f, "<p class=\"muted\">%zu more row%s: see events.jsonl.</p>\n", t->hidden,
                t->hidden == 1 ? "" : "s");
    if (t->per_call)
        fprintf(f, "<p class=\"muted\">%" PRIu64 " per-call lines (retries, reroutes, "
                   "fallbacks) are in events.jsonl only.</p>\n",
                t->per_call);
    fputs("</section>\n", f);
    timeline_free(t);
    free(t);
    return true;
}
