/* sim/json_pos.c — find where a value sits in JSON text, for error messages.
 *
 * The text has already been accepted by jansson, so the scanner can be naive:
 * it walks down the path one segment at a time, skipping every sibling value
 * it does not want by bracket counting (strings skipped whole, so brackets in
 * them do not count). Keys are compared after decoding their escapes (\n, \",
 * \u00e9, surrogate pairs) to UTF-8, byte by byte against the decoded key that
 * jansson handed to the loader, so "caf\u00e9" in the text matches "café".
 *
 * It runs only when an error is reported, once, so it costs O(len) per error
 * and nothing on success. A full position index built during a second parse
 * (every value's line and column by path) was rejected: it allocates in
 * proportion to the document for a table that is almost never read. */
#include "json_pos.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct cursor {
    const char *p;
    const char *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool at(const cursor *c, char ch)
{
    return c->p < c->end && *c->p == ch;
}

/* At the opening quote: move past the closing one. */
static bool skip_string(cursor *c)
{
    c->p++;
    while (c->p < c->end) {
        char ch = *c->p++;

        if (ch == '\\') {
            if (c->p >= c->end)
                return false;
            c->p++;
        } else if (ch == '"') {
            return true;
        }
    }
    return false;
}

static bool is_delimiter(char ch)
{
    return strchr(" \t\r\n,:[]{}\"", ch) != NULL || ch == '\0';
}

/* Skip one value of any kind: a scalar token, a string, or a whole object or
 * array with everything nested in it. */
static bool skip_value(cursor *c)
{
    int depth = 0;

    do {
        skip_ws(c);
        if (c->p >= c->end)
            return false;
        if (*c->p == '"') {
            if (!skip_string(c))
                return false;
        } else if (*c->p == '{' || *c->p == '[') {
            depth++;
            c->p++;
        } else if (*c->p == '}' || *c->p == ']') {
            depth--;
            c->p++;
        } else if (*c->p == ',' || *c->p == ':') {
            c->p++;
        } else {
            c->p++;
            while (c->p < c->end && !is_delimiter(*c->p))
                c->p++;
        }
    } while (depth > 0);
    return true;
}

static int hex4(const char *p, const char *end)
{
    int v = 0;

    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];

        v <<= 4;
        if (ch >= '0' && ch <= '9')
            v |= ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            v |= ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F')
            v |= ch - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static size_t utf8_encode(uint32_t cp, unsigned char out[4])
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode one escape after the backslash (c->p at the letter) into 'out'. */
static size_t decode_escape(cursor *c, unsigned char out[4])
{
    char ch = *c->p++;
    int hi, lo;

    switch (ch) {
    case 'b': out[0] = '\b'; return 1;
    case 'f': out[0] = '\f'; return 1;
    case 'n': out[0] = '\n'; return 1;
    case 'r': out[0] = '\r'; return 1;
    case 't': out[0] = '\t'; return 1;
    case 'u': break;
    default: out[0] = (unsigned char)ch; return 1; /* " \ / */
    }
    hi = hex4(c->p, c->end);
    if (hi < 0)
        return 0;
    c->p += 4;
    if (hi >= 0xD800 && hi <= 0xDBFF && c->end - c->p >= 6 && c->p[0] == '\\' && c->p[1] == 'u') {
        lo = hex4(c->p + 2, c->end);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            c->p += 6;
            return utf8_encode(0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00),
                               out);
        }
    }
    return utf8_encode((uint32_t)hi, out);
}

/* At the opening quote: decode the string, compare it with 'want' and move
 * past the closing quote. Sets '*equal'; returns false on malformed text. */
static bool match_string(cursor *c, const char *want, bool *equal)
{
    size_t i = 0;
    bool same = true;

    c->p++;
    while (c->p < c->end && *c->p != '"') {
        unsigned char buf[4];
        size_t n;

        if (*c->p == '\\') {
            c->p++;
            if (c->p >= c->end || (n = decode_escape(c, buf)) == 0)
                return false;
        } else {
            buf[0] = (unsigned char)*c->p++;
            n = 1;
        }
        for (size_t k = 0; k < n && same; k++, i++)
            same = (unsigned char)want[i] == buf[k];
    }
    if (c->p >= c->end)
        return false;
    c->p++;
    *equal = same && want[i] == '\0';
    return true;
}

/* At an object: move to the value of member 'key'; '*key_at' gets the key. */
static bool enter_member(cursor *c, const char *key, const char **key_at)
{
    skip_ws(c);
    if (!at(c, '{'))
        return false;
    c->p++;
    for (;;) {
        bool equal = false;

        skip_ws(c);
        if (!at(c, '"'))
            return false;
        *key_at = c->p;
        if (!match_string(c, key, &equal))
            return false;
        skip_ws(c);
        if (!at(c, ':'))
            return false;
        c->p++;
        skip_ws(c);
        if (equal)
            return true;
        if (!skip_value(c))
            return false;
        skip_ws(c);
        if (!at(c, ','))
            return false;
        c->p++;
    }
}

/* At an array: move to element 'index'. */
static bool enter_element(cursor *c, size_t index)
{
    skip_ws(c);
    if (!at(c, '['))
        return false;
    c->p++;
    for (size_t i = 0; i < index; i++) {
        skip_ws(c);
        if (at(c, ']') || !skip_value(c))
            return false;
        skip_ws(c);
        if (!at(c, ','))
            return false;
        c->p++;
    }
    skip_ws(c);
    return c->p < c->end && !at(c, ']');
}

bool sim_jpos_find(const char *text, size_t len, const sim_jpath_seg *path, size_t n, bool at_key,
                   int *line, int *column)
{
    cursor c;
    const char *where;
    int ln = 1, col = 1;

    if (!text)
        return false;
    c = (cursor){ text, text + len };
    skip_ws(&c);
    where = c.p;
    for (size_t d = 0; d < n; d++) {
        const char *key_at = NULL;
        bool found = path[d].key ? enter_member(&c, path[d].key, &key_at)
                                 : enter_element(&c, path[d].index);

        if (!found)
            return false;
        where = (at_key && d + 1 == n && key_at) ? key_at : c.p;
    }
    if (where >= c.end)
        return false;
    for (const char *p = text; p < where; p++) {
        if (*p == '\n') {
            ln++;
            col = 1;
        } else if (((unsigned char)*p & 0xC0) != 0x80) {
            col++; /* count characters: UTF-8 continuation bytes do not move */
        }
    }
    *line = ln;
    *column = col;
    return true;
}

void sim_jpath_format(const sim_jpath_seg *path, size_t n, char *buf, size_t size)
{
    size_t used = 0;

    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t d = 0; d < n && used + 1 < size; d++) {
        if (path[d].key) {
            if (d > 0)
                buf[used++] = '.';
            /* An empty key shows as "", or "profiles." would hide it. */
            if (!path[d].key[0] && used + 2 < size) {
                buf[used++] = '"';
                buf[used++] = '"';
            }
            for (const char *k = path[d].key; *k && used + 1 < size; k++)
                buf[used++] = ((unsigned char)*k < 0x20 || *k == 0x7F) ? '?' : *k;
            buf[used] = '\0';
        } else {
            int w = snprintf(buf + used, size - used, "[%zu]", path[d].index);

            used = (w < 0 || (size_t)w >= size - used) ? size - 1 : used + (size_t)w;
        }
    }
    buf[used < size ? used : size - 1] = '\0';
}
