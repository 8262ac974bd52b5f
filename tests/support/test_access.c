/*
 * test_access.c - test-only accessors (test_access.h): a stored file's copy
 * identity and the profile's bytes, each read under the server's lock.
 *
 * Design: small copies out under srv->lock, the way the public readers
 * (sm_server_get_files, the journal) take theirs, so a test never races the
 * request path. Not here: anything the server itself uses.
 */
#include <string.h>

#include "../../mock_server/src/internal.h"
#include "test_access.h"

const void *sm_test_access_copy(struct sm_server *srv, const char *stage, const char *name)
{
    const void *copy = NULL;
    pthread_mutex_lock(&srv->lock);
    struct sm_stage *st = sm_stage_find(srv, stage);
    struct sm_stage_file *f = st != NULL ? sm_stage_file_find(st, name) : NULL;
    if (f != NULL) {
        copy = f->blob;
    }
    pthread_mutex_unlock(&srv->lock);
    return copy;
}

size_t sm_test_access_profile(struct sm_server *srv, void *buf, size_t size)
{
    pthread_mutex_lock(&srv->lock);
    memcpy(buf, &srv->profile, size < sizeof srv->profile ? size : sizeof srv->profile);
    pthread_mutex_unlock(&srv->lock);
    return sizeof srv->profile;
}
