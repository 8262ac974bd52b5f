/*
 * oom.h - the allocation-failure injector for tests/oom/ (SQLite's and curl's
 * "fail the Nth allocation" torture, as a link-time seam).
 *
 * The test binaries are linked with -Wl,--wrap=malloc,--wrap=calloc,
 * --wrap=realloc,--wrap=strdup (tests/module.mk), so every call to those from
 * our objects (libstagemock and the rest of the tree's archives) lands in
 * oom.c, which counts it and, while armed, fails exactly the Nth with NULL;
 * cJSON's allocations (a shared library, out of the linker's reach) are
 * routed there by oom_hook_cjson. Production code keeps calling plain
 * malloc: the seam exists only in these binaries, so libstagemock needs no
 * allocator global (docs/STYLE.md). Allocations inside libmicrohttpd,
 * libcurl, zlib, zstd and snappy are not counted.
 */
#ifndef SM_OOM_H
#define SM_OOM_H

#include <stdbool.h>

/* Route cJSON's malloc through the counter (call once, before any cJSON use). */
void oom_hook_cjson(void);
/* Fail the nth counted allocation from now on (1 = the next one); the
 * others succeed. Counting is process-wide: every thread counts. */
void oom_arm(long nth);
/* Stop failing; true when the armed failure happened. */
bool oom_disarm(void);
/* Allocations counted since the last oom_arm. */
long oom_counted(void);

#endif
