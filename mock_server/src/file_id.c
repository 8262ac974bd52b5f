/*
 * file_id.c - opaque file ids for accepted files.
 *
 * What: sm_file_id_new gives "f_" and 24 hex digits from a splitmix64
 * stream kept in the server (srv->id_state), seeded for golden tests
 * (--seed) or from the clock and an address otherwise (server.c).
 * Design: the caller holds the server lock, which serialises the stream;
 * the id is written to the caller's buffer (a stage keeps it in the same
 * allocation as the file's name).
 * Not here: the seeding (server.c), what an id is attached to (stage.c).
 */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The top n hex digits of v, most significant first. */
static void put_hex(char *out, uint64_t v, int n)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) {
        out[i] = digits[(v >> (60 - 4 * i)) & 15];
    }
}

void sm_file_id_new(struct sm_server *srv, char id[SM_FILE_ID_SIZE])
{
    uint64_t a = splitmix64(&srv->id_state), b = splitmix64(&srv->id_state);
    id[0] = 'f'; /* "f_", 64 + 32 bits in hex */
    id[1] = '_';
    put_hex(id + 2, a, 16);
    put_hex(id + 18, b, 8);
    id[26] = '\0';
}
