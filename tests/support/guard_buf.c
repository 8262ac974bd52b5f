/*
 * guard_buf.c - test buffers that end flush against an inaccessible page.
 *
 * What: sm_guard_new maps len bytes rounded up to pages plus one more page,
 * makes the last page PROT_NONE and copies the data so it ends exactly at the
 * guard, as picohttpparser's test does. An over-read by one byte faults at
 * once, in debug builds as well as under ASan.
 * Not here: under-reads before the start (ASan catches those).
 */
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sm_test.h"

struct sm_guard *sm_guard_new(const void *data, size_t len)
{
    long page_l = sysconf(_SC_PAGESIZE);
    size_t page = page_l > 0 ? (size_t)page_l : 4096;
    size_t body = (len + page - 1) / page * page;
    struct sm_guard *g = calloc(1, sizeof *g);
    if (g == NULL) {
        return NULL;
    }
    g->map_len = body + page;
    g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->map == MAP_FAILED) {
        free(g);
        return NULL;
    }
    uint8_t *base = g->map;
    if (mprotect(base + body, page, PROT_NONE) != 0) {
        munmap(g->map, g->map_len);
        free(g);
        return NULL;
    }
    g->data = base + body - len;
    g->len = len;
    if (len > 0) {
        memcpy(g->data, data, len);
    }
    return g;
}

void sm_guard_free(struct sm_guard *g)
{
    if (g == NULL) {
        return;
    }
    munmap(g->map, g->map_len);
    free(g);
}
