/* json_pos.h — key paths into JSON text and the line and column of a value.
 *
 * jansson keeps no positions once a document is parsed, so the scenario loader
 * keeps the path of the value it is checking ("services.payment.calls[1]") and,
 * only when it reports an error, rescans the raw text to find where that value
 * starts. Internal to the simulator. */
#ifndef SIM_JSON_POS_H
#define SIM_JSON_POS_H

#include <stdbool.h>
#include <stddef.h>

/* One step of a key path: an object member ('key' set) or an array element
 * ('key' NULL, 'index' 0-based). Keys are borrowed. */
typedef struct sim_jpath_seg {
    const char *key;
    size_t index;
} sim_jpath_seg;

/* Find the value at 'path' ('n' segments; 0: the top-level value) in 'text'
 * ('len' bytes of JSON that jansson accepted). With 'at_key' set and the last
 * segment a key, find that key (its opening quote) instead. On success sets
 * '*line' and '*column' (1-based; columns count characters, not bytes, as
 * jansson's do) and returns true; returns false if the path is not in the text.
 * O(len), no allocation. */
bool sim_jpos_find(const char *text, size_t len, const sim_jpath_seg *path, size_t n, bool at_key,
                   int *line, int *column);

/* Write 'path' as "services.payment.calls[1].timeout" into 'buf' ('size' bytes,
 * always terminated, truncated if needed; "" for the root). Control characters
 * in keys are written as '?'. */
void sim_jpath_format(const sim_jpath_seg *path, size_t n, char *buf, size_t size);

#endif /* SIM_JSON_POS_H */
