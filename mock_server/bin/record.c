/*
 * record.c - `stagemock record --upstream URL --key K --out DIR`: a proxy
 * in front of a stage API (record_proxy.c) that, when stopped (SIGINT or
 * SIGTERM), writes the session it saw to DIR/session.har (HAR 1.2, through
 * sm_har_render) and DIR/scenario.json, which `stagemock serve --scenario`
 * replays: the i-th request gets the i-th recorded answer (status, headers,
 * body), whatever it asks.
 * Design: the scenario is a chain of states "1", "2", ...: rule i matches
 * only in state i, answers with the recorded status, headers and body (as
 * text, or body_base64 for bytes JSON text cannot carry), and moves to state
 * i+1; a last rule answers any request beyond the recording 500, naming the
 * count. An exchange the upstream never answered replays as a closed
 * connection. Bodies longer than --body-max are replayed cut (the rule's
 * name and a warning say so). The API key goes upstream only; neither file
 * holds it. Both files are written atomically.
 * Not here: moving the bytes (record_proxy.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../../common/sm_base64.h"
#include "../../common/sm_json.h"
#include "commands.h"
#include "record.h"
#include "stagemock/har.h"
#include "../../common/sm_mem.h"

#define BODY_MAX_DEFAULT ((size_t)1 << 20)
#define SCENARIO_DOC_MAX ((size_t)4 << 20) /* what `serve --scenario` reads */

struct record_opts {
    const char *upstream, *key, *out, *listen;
    size_t body_max;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: stagemock record --upstream URL --key KEY --out DIR [options]\n"
               "  --upstream URL   the stage API to record (http:// or https://)\n"
               "  --key KEY        its API key, sent upstream as Authorization: Key KEY\n"
               "                   (clients may send any key; neither file keeps it)\n"
               "  --out DIR        where session.har and scenario.json go at stop\n"
               "  --listen H:P     address to listen on (default 127.0.0.1:0: any free port;\n"
               "                   the URL is printed)\n"
               "  --body-max B     bytes of each body kept (default 1048576); longer bodies\n"
               "                   are streamed whole but recorded and replayed cut\n"
               "Stop with Ctrl-C (SIGINT) or SIGTERM; then replay with\n"
               "  stagemock serve --scenario DIR/scenario.json\n");
}

/* "HOST:PORT", "[V6]:PORT" or "PORT" */
static bool parse_listen(const char *s, char *host, size_t hsize, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    const char *h = s, *p = colon ? colon + 1 : s;
    size_t hlen = colon ? (size_t)(colon - s) : 0;
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    char *end = NULL;
    unsigned long v = strtoul(p, &end, 10);
    if (end == p || *end != '\0' || v > 65535 || hlen >= hsize) {
        return false;
    }
    if (hlen == 0) {
        (void)snprintf(host, hsize, "127.0.0.1");
    } else {
        memcpy(host, h, hlen);
        host[hlen] = '\0';
    }
    *port = (uint16_t)v;
    return true;
}

static int parse_args(int argc, char **argv, struct record_opts *o, FILE *err)
{
    o->body_max = BODY_MAX_DEFAULT;
    o->listen = "127.0.0.1:0";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            return 0;
        }
        if (v == NULL) {
            fprintf(err, "stagemock record: unknown option or missing value: '%s'\n", a);
            return 2;
        }
        i++;
        const struct {
            const char *name;
            const char **dst;
        } text[] = {{"--upstream", &o->upstream},
                    {"--key", &o->key},
                    {"--out", &o->out},
                    {"--listen", &o->listen}};
        size_t t = 0;
        while (t < sizeof text / sizeof text[0] && strcmp(a, text[t].name) != 0) {
            t++;
        }
        char *end = NULL;
        if (t < sizeof text / sizeof text[0]) {
            *text[t].dst = v;
        } else if (strcmp(a, "--body-max") != 0 || v[0] == '-' ||
                   (o->body_max = strtoull(v, &end, 10)) == 0 || *end != '\0' ||
                   o->body_max > SM_HAR_BUDGET) {
            fprintf(err, "stagemock record: bad option or value: '%s %s'\n", a, v);
            return 2;
        }
    }
    if (o->upstream == NULL || o->key == NULL || o->out == NULL) {
        fprintf(err, "stagemock record: --upstream, --key and --out are required\n");
        return 2;
    }
    if (strncmp(o->upstream, "http://", 7) != 0 && strncmp(o->upstream, "https://", 8) != 0) {
        fprintf(err, "stagemock record: --upstream '%s': expected an http:// or https:// URL\n",
                o->upstream);
        return 2;
    }
    if (strchr(o->key, '\r') != NULL || strchr(o->key, '\n') != NULL || strlen(o->key) > 400) {
        fprintf(err, "stagemock record: --key: at most 400 bytes, no line breaks\n");
        return 2;
    }
    return -1;
}

/* ---- the session ------------------------------------------------------------ */

void rec_headers_clear(struct rec_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        free(h[i].value);
    }
}

void rec_exchange_cleanup(struct rec_exchange *x)
{
    rec_headers_clear(x->req_h, x->n_req_h);
    rec_headers_clear(x->resp_h, x->n_resp_h);
    SMX_FREE_ALL(x->req_h, x->resp_h, x->path, x->req_body, x->resp_body, x->error);
    memset(x, 0, sizeof *x);
}

void rec_session_add(struct rec_session *s, struct rec_exchange *x)
{
    pthread_mutex_lock(&s->mu);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct rec_exchange *nx = realloc(s->x, cap * sizeof *nx);
        if (nx == NULL) {
            pthread_mutex_unlock(&s->mu);
            rec_exchange_cleanup(x); /* lost: out of memory */
            return;
        }
        s->x = nx;
        s->cap = cap;
    }
    s->x[s->n++] = *x;
    memset(x, 0, sizeof *x);
    pthread_mutex_unlock(&s->mu);
}

static int by_seq(const void *a, const void *b)
{
    const struct rec_exchange *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- session.har --------------------------------------------------------------- */

static struct sm_har_header *har_headers(const struct rec_header *h, size_t n)
{
    struct sm_har_header *out = calloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; out != NULL && i < n; i++) {
        out[i] = (struct sm_har_header){h[i].name, h[i].value};
    }
    return out;
}

static char *render_har(const struct rec_session *s)
{
    struct sm_har_exchange *hx = calloc(s->n ? s->n : 1, sizeof *hx);
    char **urls = calloc(s->n ? s->n : 1, sizeof *urls);
    char *text = NULL;
    bool ok = hx != NULL && urls != NULL;
    for (size_t i = 0; ok && i < s->n; i++) {
        const struct rec_exchange *x = &s->x[i];
        size_t ulen = strlen(s->upstream) + strlen(x->path) + 1;
        urls[i] = malloc(ulen);
        ok = urls[i] != NULL;
        if (ok) {
            (void)snprintf(urls[i], ulen, "%s%s", s->upstream, x->path);
        }
        hx[i] = (struct sm_har_exchange){
            .start_us = x->start_us,
            .sent_us = x->sent_us,
            .answered_us = x->answered_us,
            .end_us = x->end_us,
            .method = x->method,
            .url = urls[i],
            .req_headers = har_headers(x->req_h, x->n_req_h),
            .n_req_headers = x->n_req_h,
            .req_body = {x->req_body, x->req_len, (int64_t)x->req_size, NULL},
            .status = (int)x->status,
            .resp_headers = har_headers(x->resp_h, x->n_resp_h),
            .n_resp_headers = x->n_resp_h,
            .resp_body = {x->resp_body, x->resp_len, (int64_t)x->resp_size, NULL},
            .comment = x->error,
        };
        ok = ok && hx[i].req_headers != NULL && hx[i].resp_headers != NULL;
    }
    if (ok) {
        char note[512];
        (void)snprintf(note, sizeof note,
                       "recorded by stagemock record from %s (bodies kept up to %zu bytes)",
                       s->upstream, s->body_max);
        text = sm_har_render(hx, s->n, note);
    }
    for (size_t i = 0; hx != NULL && i < s->n; i++) {
        free((void *)(uintptr_t)hx[i].req_headers);
        free((void *)(uintptr_t)hx[i].resp_headers);
        free(urls ? urls[i] : NULL);
    }
    free(urls);
    free(hx);
    return text;
}

/* ---- scenario.json -------------------------------------------------------------- */

static const char *header_value(const struct rec_exchange *x, const char *name)
{
    for (size_t i = 0; i < x->n_resp_h; i++) {
        if (strcasecmp(x->resp_h[i].name, name) == 0) {
            return x->resp_h[i].value;
        }
    }
    return NULL;
}

/* What a replayed answer carries besides status, body and Content-Type. */
static bool replayed_header(const char *name)
{
    static const char *const skip[] = {
        "Content-Type", "Content-Length",   "Connection", "Keep-Alive", "Transfer-Encoding",
        "Date",         "Proxy-Connection", "Trailer",    "Upgrade",    NULL};
    for (size_t i = 0; skip[i] != NULL; i++) {
        if (strcasecmp(name, skip[i]) == 0) {
            return false;
        }
    }
    return true;
}

static bool add_body(cJSON *a, const struct rec_exchange *x)
{
    if (x->resp_len == 0) {
        return cJSON_AddStringToObject(a, "body", "") != NULL;
    }
    const char *data = (const char *)x->resp_body;
    if (memchr(data, '\0', x->resp_len) == NULL && sm_utf8_valid(data, x->resp_len)) {
        char *text = smx_strdup_n(data, x->resp_len); /* not NUL-terminated */
        bool ok = text != NULL && cJSON_AddStringToObject(a, "body", text) != NULL;
        free(text);
        return ok;
    }
    size_t text_len = 0; /* smx_base64_encode needs somewhere to write it */
    char *b64 = smx_base64_encode(x->resp_body, x->resp_len, &text_len);
    bool ok = b64 != NULL && cJSON_AddStringToObject(a, "body_base64", b64) != NULL;
    free(b64);
    return ok;
}

static cJSON *rule_for(const struct rec_exchange *x, size_t i, bool *cut)
{
    char name[256], state[24], next[24];
    *cut = x->status > 0 && x->resp_size > x->resp_len;
    if (*cut) {
        (void)snprintf(
            name, sizeof name, "#%zu %s %.100s -> %ld (body cut: first %zu of %llu bytes)", i + 1,
            x->method, x->path, x->status, x->resp_len, (unsigned long long)x->resp_size);
    } else {
        (void)snprintf(name, sizeof name, "#%zu %s %.150s -> %ld", i + 1, x->method, x->path,
                       x->status);
    }
    (void)snprintf(state, sizeof state, "%zu", i + 1);
    (void)snprintf(next, sizeof next, "%zu", i + 2);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "name", name);
    cJSON *m = cJSON_AddObjectToObject(r, "match");
    cJSON_AddStringToObject(m, "state", state);
    cJSON *a = cJSON_AddObjectToObject(r, "action");
    if (x->status < 100 || x->status > 599) {
        cJSON_AddStringToObject(a, "connection", "close"); /* no answer was recorded */
    } else {
        sm_json_add_i64(a, "status", x->status);
        const char *ct = header_value(x, "Content-Type");
        if (ct != NULL) {
            cJSON_AddStringToObject(a, "content_type", ct);
        }
        (void)add_body(a, x);
        cJSON *h = NULL;
        for (size_t k = 0; k < x->n_resp_h; k++) {
            if (replayed_header(x->resp_h[k].name)) {
                h = h ? h : cJSON_AddObjectToObject(a, "headers");
                cJSON_DeleteItemFromObjectCaseSensitive(h, x->resp_h[k].name);
                cJSON_AddStringToObject(h, x->resp_h[k].name, x->resp_h[k].value);
            }
        }
    }
    cJSON_AddStringToObject(a, "set_state", next);
    return r;
}

static char *render_scenario(const struct rec_session *s, size_t *n_cut)
{
    cJSON *root = cJSON_CreateObject();
    char desc[512];
    (void)snprintf(desc, sizeof desc,
                   "Recorded by stagemock record from %s: %zu exchanges, replayed in order (rule "
                   "#i answers the i-th request).",
                   s->upstream, s->n);
    cJSON_AddStringToObject(root, "description", desc);
    cJSON_AddStringToObject(root, "initial_state", "1");
    cJSON *rules = cJSON_AddArrayToObject(root, "rules");
    *n_cut = 0;
    for (size_t i = 0; rules != NULL && i < s->n; i++) {
        bool cut = false;
        cJSON_AddItemToArray(rules, rule_for(&s->x[i], i, &cut));
        *n_cut += cut;
    }
    char state[24], msg[160];
    (void)snprintf(state, sizeof state, "%zu", s->n + 1);
    (void)snprintf(msg, sizeof msg,
                   "stagemock replay: the recorded session had %zu requests; this one is beyond "
                   "it",
                   s->n);
    cJSON *last = cJSON_CreateObject();
    cJSON_AddStringToObject(last, "name", "beyond the recording");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(last, "match"), "state", state);
    cJSON *a = cJSON_AddObjectToObject(last, "action");
    sm_json_add_i64(a, "status", 500);
    cJSON_AddStringToObject(a, "message", msg);
    cJSON_AddItemToArray(rules, last);
    char *text = sm_json_print_pretty(root);
    cJSON_Delete(root);
    return text;
}

static bool write_out(const struct record_opts *o, const char *file, const char *text, FILE *out,
                      FILE *err)
{
    size_t plen = strlen(o->out) + strlen(file) + 2;
    char *path = malloc(plen);
    bool ok = path != NULL && text != NULL;
    if (ok) {
        (void)snprintf(path, plen, "%s/%s", o->out, file);
        ok = srv_write_file_atomic(path, text, strlen(text));
        if (ok) {
            fprintf(out, "stagemock record: wrote %s\n", path);
        } else {
            fprintf(err, "stagemock record: cannot write %s: %s\n", path, strerror(errno));
        }
    } else {
        fprintf(err, "stagemock record: out of memory writing %s\n", file);
    }
    free(path);
    return ok;
}

static int write_session(struct rec_session *s, const struct record_opts *o, FILE *out, FILE *err)
{
    qsort(s->x, s->n, sizeof *s->x, by_seq);
    char *har = render_har(s);
    size_t n_cut = 0;
    char *scn = render_scenario(s, &n_cut);
    bool ok = write_out(o, "session.har", har, out, err);
    ok = write_out(o, "scenario.json", scn, out, err) && ok;
    if (n_cut > 0) {
        fprintf(err,
                "stagemock record: warning: %zu answer bodies were longer than --body-max %zu; "
                "the replay sends them cut\n",
                n_cut, s->body_max);
    }
    if (scn != NULL && strlen(scn) > SCENARIO_DOC_MAX) {
        fprintf(err,
                "stagemock record: warning: scenario.json is %zu bytes; serve --scenario reads "
                "at most %zu (record shorter sessions or lower --body-max)\n",
                strlen(scn), SCENARIO_DOC_MAX);
    }
    fprintf(out, "stagemock record: %zu exchanges recorded\n", s->n);
    free(har);
    free(scn);
    return ok ? 0 : 1;
}

int srv_record_main(int argc, char **argv, FILE *out, FILE *err)
{
    struct record_opts o = {0};
    int st = parse_args(argc, argv, &o, err);
    if (st >= 0) {
        usage(st == 0 ? out : err);
        return st;
    }
    char host[256];
    uint16_t port = 0;
    if (!parse_listen(o.listen, host, sizeof host, &port)) {
        fprintf(err, "stagemock record: --listen '%s': expected HOST:PORT, [V6]:PORT or PORT\n",
                o.listen);
        return 2;
    }
    if (mkdir(o.out, 0755) != 0 && errno != EEXIST) {
        fprintf(err, "stagemock record: --out %s: %s\n", o.out, strerror(errno));
        return 2;
    }
    char *upstream = strdup(o.upstream);
    if (upstream == NULL) {
        return 1;
    }
    for (size_t n = strlen(upstream); n > 0 && upstream[n - 1] == '/'; n--) {
        upstream[n - 1] = '\0';
    }
    sigset_t stop;
    srv_stop_signals_block(&stop);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(err, "stagemock record: libcurl failed to start\n");
        free(upstream);
        return 1;
    }
    struct rec_session s = {.upstream = upstream, .key = o.key, .body_max = o.body_max};
    pthread_mutex_init(&s.mu, NULL);
    struct rec_proxy *proxy = NULL;
    char url[320];
    if (!rec_proxy_start(&s, host, port, &proxy, url, sizeof url, err)) {
        st = 1;
    } else {
        fprintf(out, "stagemock record: proxying %s to %s\n", url, upstream);
        fprintf(out,
                "stagemock record: on Ctrl-C (or SIGTERM) writes %s/session.har and "
                "%s/scenario.json\n",
                o.out, o.out);
        fflush(out);
        (void)srv_stop_signals_wait(&stop);
        rec_proxy_stop(proxy);
        st = write_session(&s, &o, out, err);
    }
    for (size_t i = 0; i < s.n; i++) {
        rec_exchange_cleanup(&s.x[i]);
    }
    free(s.x);
    pthread_mutex_destroy(&s.mu);
    curl_global_cleanup();
    free(upstream);
    return st;
}
