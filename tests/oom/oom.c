/*
 * oom.c - the allocation-failure injector (oom.h): __wrap_ versions of
 * malloc, calloc, realloc and strdup that count calls and fail the armed one.
 *
 * State is process-wide and atomic because the server under test allocates
 * on its HTTP threads; it is test-only, linked into tests/oom/ binaries
 * alone. Not here: leak detection (ASan's, in `make MODE=asan test`).
 */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "oom.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);

static atomic_bool armed;
static atomic_bool fired;
static atomic_long countdown;
static atomic_long counted;

/* True when this allocation is the one to fail. */
static bool fail_now(void)
{
    if (!atomic_load(&armed)) {
        return false;
    }
    atomic_fetch_add(&counted, 1);
    if (atomic_fetch_sub(&countdown, 1) == 1) {
        atomic_store(&fired, true);
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t size)
{
    return fail_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return fail_now() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
    if (fail_now()) {
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char *d = __real_malloc(n);
    if (d != NULL) {
        memcpy(d, s, n);
    }
    return d;
}

static void *cjson_malloc(size_t size)
{
    return __wrap_malloc(size);
}

void oom_hook_cjson(void)
{
    cJSON_Hooks hooks = {cjson_malloc, NULL};
    cJSON_InitHooks(&hooks);
}

void oom_arm(long nth)
{
    atomic_store(&fired, false);
    atomic_store(&counted, 0);
    atomic_store(&countdown, nth);
    atomic_store(&armed, true);
}

bool oom_disarm(void)
{
    atomic_store(&armed, false);
    return atomic_load(&fired);
}

long oom_counted(void)
{
    return atomic_load(&counted);
}
