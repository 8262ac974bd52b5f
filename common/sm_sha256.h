/*
 * sm_sha256.h - the project's one SHA-256 (common/sha256.c, over OpenSSL's
 * libcrypto): streamed, one-shot, and over a file descriptor. The server's
 * journal and listings, the fixture generator's manifest and the
 * conformance runner's byte checks all hash through it, so no two of them
 * can disagree. Internal (smx_, like the rest of common/); a struct
 * smx_sha256 is a plain value owned by the caller, one per thread.
 */
#ifndef SM_SHA256_H
#define SM_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SHA256_CTX: deprecated in OpenSSL 3, kept on purpose (sha256.c) */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

struct smx_sha256 {
    SHA256_CTX ctx;
};
void smx_sha256_init(struct smx_sha256 *s);
void smx_sha256_update(struct smx_sha256 *s, const void *data, size_t n);
/* Finish and write 64 hex digits and a NUL into hex. */
void smx_sha256_hex(struct smx_sha256 *s, char hex[65]);

/* The digest of n bytes at p (p may be NULL when n is 0). */
void smx_sha256_buf(const void *p, size_t n, char hex[65]);
/* The digest of everything fd reads from its current offset to EOF, and how
 * many bytes that was (size may be NULL); false on a read error or no memory
 * (hex is then unset, errno says which). */
bool smx_sha256_fd(int fd, char hex[65], uint64_t *size);
/* The digest of the whole file fd refers to, read with pread (the offset,
 * which others may share, is left alone); false on a read error or no memory. */
bool smx_sha256_file(int fd, char hex[65]);

#endif
