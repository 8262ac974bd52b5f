/*
 * tls.c - the certificate and key an HTTPS server presents: generated for
 * this machine's loopback names, or read from PEM files the user gives.
 *
 * What: sm_tls_generate makes a small certificate authority and a server
 * certificate it signs, both on ECDSA P-256 keys (a few milliseconds, so a
 * server with TLS starts about as fast as one without), valid from an hour
 * ago for 397 days. The server certificate names localhost, 127.0.0.1 and
 * ::1 (plus the bind host when it is another name or address) and is for
 * serverAuth only; the CA is CA:TRUE, pathlen 0, keyCertSign. A separate CA
 * (rather than one self-signed certificate that is its own CA) is what strict
 * verifiers want: Go, rustls and Python's VERIFY_X509_STRICT refuse a CA
 * certificate used as a server's own. The CA's private key is thrown away once
 * it has signed, so nothing can mint further certificates under it. Into a
 * fresh directory under $TMPDIR (or /tmp), mode 0755, go ca.pem and cert.pem
 * (0644) and key.pem (0600): a client trusts ca.pem; cert.pem and key.pem may
 * be copied and given back with --tls-cert/--tls-key to keep a certificate
 * across restarts. sm_tls_cleanup removes the directory.
 * sm_tls_load reads a given certificate (chain) and key, checks that they
 * parse and belong together (so a wrong file is named before the server
 * starts), and keeps the key re-encoded as unencrypted PKCS#8 PEM.
 * Design: OpenSSL's libcrypto, which the build links already (-lcrypto); the
 * TLS itself is libmicrohttpd's (GnuTLS), handed the PEM texts in memory.
 * Not here: the listener (server.c), what the TLS layer means for raw answers
 * (conns.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../../common/sm_file.h"
#include "internal.h"

#define PEM_FILE_MAX  (1u << 20) /* a certificate chain or key file larger than this is not one */
#define VALID_SECONDS (397L * 24 * 3600)

/* OpenSSL's reason for the last failure, for a message. */
static const char *ossl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "unknown reason";
}

static enum sm_code ossl_fail(struct sm_error *err, const char *what)
{
    (void)sm_err_set(err, SM_E_INTERNAL, 0, SM_RULE_NONE, "TLS: %s: %s", what, ossl_reason());
    ERR_clear_error();
    return SM_E_INTERNAL;
}

/* The PEM text of a BIO (malloc'd), or NULL. */
static char *bio_text(BIO *b)
{
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    if (n <= 0 || data == NULL) {
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (s != NULL) {
        memcpy(s, data, (size_t)n);
        s[n] = '\0';
    }
    return s;
}

static char *cert_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *s = b != NULL && PEM_write_bio_X509(b, x) == 1 ? bio_text(b) : NULL;
    BIO_free(b);
    return s;
}

static char *key_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *s = b != NULL && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1
                  ? bio_text(b)
                  : NULL;
    BIO_free(b);
    return s;
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
    bool ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static bool set_name(X509_NAME *n, const char *cn)
{
    return X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"stagemock", -1,
                                      -1, 0) == 1 &&
           X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                      0) == 1;
}

/* A certificate for key's public half with subject CN cn, serial random,
 * valid from an hour ago for VALID_SECONDS; issuer NULL: self-issued. */
static X509 *cert_new(EVP_PKEY *key, const char *cn, X509 *issuer)
{
    X509 *x = X509_new();
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    bool ok = x != NULL && X509_set_version(x, 2) == 1 && RAND_bytes(serial, sizeof serial) == 1;
    if (ok) {
        serial[0] &= 0x7f; /* positive, at most 20 octets */
        serial[0] |= 0x40; /* and never short */
        bn = BN_bin2bn(serial, sizeof serial, NULL);
        ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    }
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
         X509_gmtime_adj(X509_getm_notAfter(x), VALID_SECONDS) != NULL &&
         X509_set_pubkey(x, key) == 1 && set_name(X509_get_subject_name(x), cn);
    ok = ok && X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x)) == 1;
    BN_free(bn);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* The subjectAltName value: the loopback names, and host when it is another
 * specific name or address (not a wildcard). */
static void alt_names(const char *host, char *out, size_t cap)
{
    int n = snprintf(out, cap, "DNS:localhost,IP:127.0.0.1,IP:::1");
    if (host == NULL || host[0] == '\0' || strcmp(host, "localhost") == 0 ||
        strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
        strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 || n < 0 || (size_t)n >= cap) {
        return;
    }
    unsigned char a[16];
    bool ip = inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
    bool plain = strcspn(host, ",:\\ \t\n\"") == strlen(host); /* safe in the value */
    if (ip || plain) {
        (void)snprintf(out + n, cap - (size_t)n, ",%s:%s", ip ? "IP" : "DNS", host);
    }
}

/* Write text to dir/name with mode (created exclusively). */
static enum sm_code write_file(const char *dir, const char *name, const char *text, mode_t mode,
                               char **path_out, struct sm_error *err)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        return sm_err_set(err, SM_E_ARG, 0, SM_RULE_NONE, "TLS: path too long under %s", dir);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "TLS: cannot create %s: %s", path,
                          strerror(errno));
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            int e = errno;
            close(fd);
            return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "TLS: cannot write %s: %s", path,
                              strerror(e));
        }
        off += (size_t)w;
    }
    (void)fchmod(fd, mode); /* whatever the umask took away */
    close(fd);
    if (path_out != NULL && (*path_out = strdup(path)) == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    return SM_OK;
}

/* The fresh directory and its three files. */
static enum sm_code write_files(struct sm_tls *t, const char *ca, struct sm_error *err)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    int n = snprintf(dir, sizeof dir, "%s/stagemock-tls-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (n < 0 || (size_t)n >= sizeof dir) {
        return sm_err_set(err, SM_E_ARG, 0, SM_RULE_NONE, "TLS: $TMPDIR is too long");
    }
    if (mkdtemp(dir) == NULL) {
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE,
                          "TLS: cannot create a directory like %s: %s", dir, strerror(errno));
    }
    if ((t->dir = strdup(dir)) == NULL) {
        rmdir(dir);
        return sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    (void)chmod(dir, 0755); /* the CA is for other processes, maybe other users */
    enum sm_code rc = write_file(dir, "ca.pem", ca, 0644, &t->ca_path, err);
    if (rc == SM_OK) {
        rc = write_file(dir, "cert.pem", t->cert_pem, 0644, NULL, err);
    }
    if (rc == SM_OK) {
        rc = write_file(dir, "key.pem", t->key_pem, 0600, NULL, err);
    }
    return rc;
}

enum sm_code sm_tls_generate(struct sm_tls *t, const char *host, struct sm_error *err)
{
    memset(t, 0, sizeof *t);
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    EVP_PKEY *key = ca_key ? EVP_EC_gen("P-256") : NULL;
    if (key == NULL) {
        EVP_PKEY_free(ca_key);
        return ossl_fail(err, "cannot generate a P-256 key");
    }
    char cn[64], san[512];
    unsigned char rnd[6];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        memset(rnd, 0, sizeof rnd);
    }
    (void)snprintf(cn, sizeof cn, "stagemock test CA %02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
                   rnd[2], rnd[3], rnd[4], rnd[5]);
    alt_names(host, san, sizeof san);
    X509 *ca = cert_new(ca_key, cn, NULL);
    bool ok = ca != NULL && add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
              add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") &&
              add_ext(ca, ca, NID_subject_key_identifier, "hash") &&
              add_ext(ca, ca, NID_authority_key_identifier, "keyid:always") &&
              X509_sign(ca, ca_key, EVP_sha256()) > 0;
    X509 *x = ok ? cert_new(key, "localhost", ca) : NULL;
    ok = x != NULL && add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(x, ca, NID_key_usage, "critical,digitalSignature") &&
         add_ext(x, ca, NID_ext_key_usage, "serverAuth") &&
         add_ext(x, ca, NID_subject_alt_name, san) &&
         add_ext(x, ca, NID_subject_key_identifier, "hash") &&
         add_ext(x, ca, NID_authority_key_identifier, "keyid:always") &&
         X509_sign(x, ca_key, EVP_sha256()) > 0;
    char *ca_text = ok ? cert_pem(ca) : NULL;
    if (ok) {
        t->cert_pem = cert_pem(x);
        t->key_pem = key_pem(key);
    }
    enum sm_code rc = SM_OK;
    if (!ok) {
        rc = ossl_fail(err, "cannot make the certificates");
    } else if (ca_text == NULL || t->cert_pem == NULL || t->key_pem == NULL) {
        rc = sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    } else {
        rc = write_files(t, ca_text, err);
    }
    free(ca_text);
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key); /* never written anywhere */
    if (rc != SM_OK) {
        sm_tls_cleanup(t);
    }
    return rc;
}

/* The two PEM files given with --tls-cert / --tls-key: what messages call
 * each file, and what must be in it. */
enum pem_kind { PEM_CERT, PEM_KEY };
static const char *const pem_what[] = {"certificate", "key"};
static const char *const pem_wanted[] = {"PEM certificate", "unencrypted PEM private key"};

/* A whole PEM file (NUL-terminated, malloc'd). */
static enum sm_code read_pem(enum pem_kind kind, const char *path, char **out, struct sm_error *err)
{
    const char *what = pem_what[kind];
    size_t n = 0;
    int e = 0;
    char *buf = smx_file_read(path, PEM_FILE_MAX, &n, &e);
    if (buf == NULL) {
        if (e == ENOMEM) {
            return sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
        }
        if (e == EFBIG || e == EISDIR) { /* a file the caller should not have named */
            return sm_err_set(err, SM_E_ARG, 0, SM_RULE_NONE, "TLS %s %s: %s", what, path,
                              e == EFBIG ? "larger than 1 MiB: not a PEM file" : strerror(e));
        }
        return sm_err_set(err, SM_E_IO, 0, SM_RULE_NONE, "TLS %s %s: %s", what, path, strerror(e));
    }
    *out = buf;
    return SM_OK;
}

/* The first certificate (PEM_CERT, into *x) or private key (PEM_KEY, into
 * *k) in text, which was read from file; nothing is set on failure. */
static enum sm_code pem_parse(enum pem_kind kind, const char *text, const char *file, X509 **x,
                              EVP_PKEY **k, struct sm_error *err)
{
    BIO *b = BIO_new_mem_buf(text, -1);
    bool ok = false;
    if (b != NULL && kind == PEM_CERT) {
        ok = (*x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL;
    } else if (b != NULL) {
        /* an empty passphrase, never a prompt: an encrypted key fails to load */
        char no_pass[1] = "";
        ok = (*k = PEM_read_bio_PrivateKey(b, NULL, NULL, no_pass)) != NULL;
    }
    BIO_free(b);
    if (!ok) {
        return sm_err_set(err, SM_E_MALFORMED, 0, SM_RULE_NONE, "TLS %s %s: no %s in it (%s)",
                          pem_what[kind], file, pem_wanted[kind], ossl_reason());
    }
    return SM_OK;
}

enum sm_code sm_tls_load(struct sm_tls *t, const char *cert_file, const char *key_file,
                         struct sm_error *err)
{
    memset(t, 0, sizeof *t);
    char *key_text = NULL;
    enum sm_code rc = read_pem(PEM_CERT, cert_file, &t->cert_pem, err);
    if (rc == SM_OK) {
        rc = read_pem(PEM_KEY, key_file, &key_text, err);
    }
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    if (rc == SM_OK) {
        rc = pem_parse(PEM_CERT, t->cert_pem, cert_file, &x, &k, err);
    }
    if (rc == SM_OK) {
        rc = pem_parse(PEM_KEY, key_text, key_file, &x, &k, err);
    }
    if (rc == SM_OK && X509_check_private_key(x, k) != 1) {
        rc = sm_err_set(err, SM_E_MISMATCH, 0, SM_RULE_NONE,
                        "TLS key %s does not belong to the certificate in %s", key_file, cert_file);
    }
    if (rc == SM_OK && (t->key_pem = key_pem(k)) == NULL) {
        rc = sm_err_set(err, SM_E_NOMEM, 0, SM_RULE_NONE, "out of memory");
    }
    ERR_clear_error();
    X509_free(x);
    EVP_PKEY_free(k);
    if (key_text != NULL) {
        OPENSSL_cleanse(key_text, strlen(key_text));
        free(key_text);
    }
    if (rc != SM_OK) {
        sm_tls_cleanup(t);
    }
    return rc;
}

static void unlink_in(const char *dir, const char *name)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n > 0 && (size_t)n < sizeof path) {
        (void)unlink(path);
    }
}

void sm_tls_cleanup(struct sm_tls *t)
{
    if (t->dir != NULL) {
        unlink_in(t->dir, "ca.pem");
        unlink_in(t->dir, "cert.pem");
        unlink_in(t->dir, "key.pem");
        (void)rmdir(t->dir);
    }
    if (t->key_pem != NULL) {
        OPENSSL_cleanse(t->key_pem, strlen(t->key_pem));
    }
    free(t->key_pem);
    free(t->cert_pem);
    free(t->ca_path);
    free(t->dir);
    memset(t, 0, sizeof *t);
}
