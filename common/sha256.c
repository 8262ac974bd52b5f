/*
 * sha256.c - SHA-256 for the whole project (sm_sha256.h): the journal's body
 * digests, the listing's checksums, the store's directory names, the fixture
 * manifest and the conformance runner's byte checks.
 *
 * How: a thin layer over OpenSSL's libcrypto, which libcurl already pulls in
 * and which uses the CPU's SHA extensions where they exist. The first version
 * of this file was a portable C implementation; on the 4 KiB upload benchmark
 * it was a quarter of the server's CPU time (docs/BENCHMARKS.md), so it went.
 * The low-level SHA256_* calls are deprecated in OpenSSL 3 but kept; unlike
 * EVP they need no heap context, so a request that dies halfway has nothing
 * to free and struct smx_sha256 stays a plain value.
 */
#include <stdlib.h>
#include <unistd.h>

#include "sm_sha256.h"

void smx_sha256_init(struct smx_sha256 *s)
{
    (void)SHA256_Init(&s->ctx);
}

void smx_sha256_update(struct smx_sha256 *s, const void *data, size_t n)
{
    if (n > 0) {
        (void)SHA256_Update(&s->ctx, data, n);
    }
}

void smx_sha256_hex(struct smx_sha256 *s, char hex[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    (void)SHA256_Final(md, &s->ctx);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof md; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

void smx_sha256_buf(const void *p, size_t n, char hex[65])
{
    struct smx_sha256 s;
    smx_sha256_init(&s);
    smx_sha256_update(&s, p, n);
    smx_sha256_hex(&s, hex);
}

/* Hash from fd to EOF: with read() from the current offset when at is
 * negative, else with pread() from at, leaving the offset alone. */
static bool hash_fd(int fd, off_t at, char hex[65], uint64_t *size)
{
    enum { CHUNK = 1 << 20 };
    uint8_t *buf = malloc(CHUNK);
    if (buf == NULL) {
        return false;
    }
    struct smx_sha256 s;
    smx_sha256_init(&s);
    uint64_t total = 0;
    ssize_t got;
    while ((got = at < 0 ? read(fd, buf, CHUNK) : pread(fd, buf, CHUNK, at + (off_t)total)) > 0) {
        smx_sha256_update(&s, buf, (size_t)got);
        total += (uint64_t)got;
    }
    free(buf);
    if (got < 0) {
        return false;
    }
    smx_sha256_hex(&s, hex);
    if (size != NULL) {
        *size = total;
    }
    return true;
}

bool smx_sha256_fd(int fd, char hex[65], uint64_t *size)
{
    return hash_fd(fd, -1, hex, size);
}

bool smx_sha256_file(int fd, char hex[65])
{
    return hash_fd(fd, 0, hex, NULL);
}
