/*
 * list.c - POST /list-stage-files: a stage's files in commit order
 * (`order`), as RULES.md's default shape {"files":[{"name","file_id","size"}]}
 * with the field names the profile gives.
 *
 * Why streamed: a stage may hold a million files. Building the whole answer
 * as a cJSON tree first cost hundreds of bytes per file in nodes, then the
 * text, and the client saw nothing until all of it was built. Here the answer
 * is written as MHD asks for it, a buffer at a time, from a cursor over the
 * stage: memory stays a few KiB whatever the stage's size, and the first
 * byte leaves at once.
 *
 * How it stays consistent without holding the server's lock for the whole
 * answer: a stage only grows until it is cleared (reset), so the cursor takes
 * the file count when the answer begins and writes exactly those files,
 * taking the lock for each buffer. Files committed meanwhile come after the
 * count and are not listed, as if the list had been answered at once. The
 * stage's clear count (sm_stage.clears) is taken too; if a reset clears the
 * stage mid-answer, the answer stops with an error and MHD closes the
 * connection (a client sees a short body, never a mix of two stages).
 * Content-Length is known up front: one pass over the names counts the
 * escaped bytes. The writer below serves both passes (NULL: count only).
 *
 * A scenario rule may rewrite an answer's body (truncate, dribble), so with a
 * scenario loaded the same writer renders the whole body into memory and the
 * answer goes the ordinary way (reply.c).
 * Not here: the form body (form.c), auth (auth.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LIST_FIELD_MAX 64

struct list_cursor {
    struct sm_server *srv;
    size_t stage;                  /* index into srv->stages (stages are never removed) */
    uint64_t clears;               /* the stage's clear count when the answer began */
    size_t next, end;              /* files [next, end) are still to write */
    uint64_t total;                /* the body's length */
    int part;                      /* 0 the opening, 1 the files, 2 the closing, 3 done */
    char field[4][LIST_FIELD_MAX]; /* files, name, id, size (profile) */
    char pend[8192]; /* one rendered piece not yet handed out (a 1024-byte name escapes to 6144 at
                        most) */
    size_t pend_len, pend_off;
    struct sm_har_cap *har; /* the request's HAR capture (cfg.har), or NULL */
};

/* s as a JSON string body (no quotes) into out, or only counted when out is
 * NULL. Names are valid UTF-8 (checked at upload), so bytes from 0x20 up go as
 * they are; quote, backslash and control characters are escaped. */
static size_t put_str(char *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\') { /* most bytes: as they are */
            if (out != NULL) {
                out[n] = (char)*p;
            }
            n++;
            continue;
        }
        char esc[6] = {'\\', (char)*p, 'u', '0', '0', '0'}; /* \" and \\ take the first two */
        size_t k = 2;
        if (*p < 0x20) {
            esc[1] = 'u';
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 15];
            k = 6;
        }
        if (out != NULL) {
            memcpy(out + n, esc, k);
        }
        n += k;
    }
    return n;
}

/* s as it is (punctuation of our own, digits). */
static size_t put_raw(char *out, const char *s)
{
    size_t k = 0;
    for (; s[k] != '\0'; k++) {
        if (out != NULL) {
            out[k] = s[k];
        }
    }
    return k;
}

/* One file's object, with the comma before it unless it is the first. */
static size_t put_file(char *out, const struct list_cursor *c, const struct sm_stage_file *f,
                       bool first)
{
    char size[24];
    (void)snprintf(size, sizeof size, "%" PRIu64, f->size);
    size_t n = put_raw(out, first ? "{\"" : ",{\"");
    n += put_str(out ? out + n : NULL, c->field[1]);
    n += put_raw(out ? out + n : NULL, "\":\"");
    n += put_str(out ? out + n : NULL, f->name);
    n += put_raw(out ? out + n : NULL, "\",\"");
    n += put_str(out ? out + n : NULL, c->field[2]);
    n += put_raw(out ? out + n : NULL, "\":\"");
    n += put_str(out ? out + n : NULL, f->file_id);
    n += put_raw(out ? out + n : NULL, "\",\"");
    n += put_str(out ? out + n : NULL, c->field[3]);
    n += put_raw(out ? out + n : NULL, "\":");
    n += put_raw(out ? out + n : NULL, size);
    n += put_raw(out ? out + n : NULL, "}");
    return n;
}

static size_t put_open(char *out, const struct list_cursor *c)
{
    size_t n = put_raw(out, "{\"");
    n += put_str(out ? out + n : NULL, c->field[0]);
    n += put_raw(out ? out + n : NULL, "\":[");
    return n;
}

/* What a file adds to the body beyond the fixed text of an entry: its name
 * and id as escaped, its size's digits. */
static uint64_t file_len(const struct sm_stage_file *f)
{
    uint64_t n = put_str(NULL, f->name) + put_str(NULL, f->file_id);
    uint64_t v = f->size;
    do {
        n++;
        v /= 10;
    } while (v > 0);
    return n;
}

void sm_list_count(struct sm_stage *st)
{
    for (; st->list_counted < st->n_files; st->list_counted++) {
        st->list_bytes += file_len(&st->files[st->list_counted]);
    }
}

/* Begin a cursor over st (srv->lock held): the body's length. The stage
 * keeps what it has counted so far (list_counted, list_bytes: each commit
 * adds its file through sm_list_count, a clear starts over). */
static void cursor_begin(struct list_cursor *c, struct sm_server *srv, struct sm_stage *st)
{
    memset(c, 0, sizeof *c);
    c->srv = srv;
    c->stage = (size_t)(st - srv->stages);
    c->clears = st->clears;
    c->end = st->n_files;
    const struct sm_profile *p = &srv->profile;
    const char *fields[4] = {p->list_files_field, p->list_name_field, p->list_id_field,
                             p->list_size_field};
    for (int i = 0; i < 4; i++) {
        (void)snprintf(c->field[i], LIST_FIELD_MAX, "%s", fields[i]);
    }
    sm_list_count(st);
    char nothing[1] = "";
    const struct sm_stage_file blank = {.name = nothing, .file_id = nothing, .size = 0};
    uint64_t fixed = put_file(NULL, c, &blank, false) - file_len(&blank); /* with its comma */
    c->total = put_open(NULL, c) + 2 + st->list_bytes;                    /* "]}" */
    if (c->end > 0) {
        c->total += fixed * c->end - 1; /* the first entry has no comma */
    }
}

/* Render the next piece into pend (srv->lock held); false when the stage was
 * cleared since the answer began. */
static bool cursor_fill(struct list_cursor *c)
{
    c->pend_len = c->pend_off = 0;
    if (c->part == 0) {
        c->pend_len = put_open(c->pend, c);
        c->part = 1;
        return true;
    }
    if (c->part == 1 && c->next < c->end) {
        const struct sm_stage *st = &c->srv->stages[c->stage];
        if (st->clears != c->clears) {
            return false;
        }
        c->pend_len = put_file(c->pend, c, &st->files[c->next], c->next == 0);
        c->next++;
        return true;
    }
    if (c->part <= 1) {
        c->pend_len = put_raw(c->pend, "]}");
    }
    c->part = c->part <= 1 ? 2 : 3;
    return true;
}

/* Copy up to max bytes of the answer into buf; -1 when the stage was cleared. */
static ssize_t cursor_read(struct list_cursor *c, char *buf, size_t max)
{
    size_t n = 0;
    while (n < max && c->part < 3) {
        if (c->pend_off == c->pend_len && !cursor_fill(c)) {
            return -1;
        }
        size_t k = c->pend_len - c->pend_off;
        if (k > max - n) {
            k = max - n;
        }
        memcpy(buf + n, c->pend + c->pend_off, k);
        c->pend_off += k;
        n += k;
        if (c->part == 2 && c->pend_off == c->pend_len) {
            c->part = 3;
        }
    }
    return (ssize_t)n;
}

static ssize_t list_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct list_cursor *c = cls;
    if (c->part == 3) {
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    pthread_mutex_lock(&c->srv->lock);
    ssize_t n = cursor_read(c, buf, max);
    pthread_mutex_unlock(&c->srv->lock);
    if (n > 0) {
        sm_har_cap_response_body(c->har, buf, (size_t)n);
    }
    return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
}

/* The whole answer in memory (a scenario may rewrite it); srv->lock held. */
static char *list_render(struct list_cursor *c)
{
    char *text = malloc(c->total + 1);
    if (text == NULL) {
        return NULL;
    }
    ssize_t n = cursor_read(c, text, c->total);
    if (n < 0 || (uint64_t)n != c->total) {
        free(text);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

enum MHD_Result sm_list_finish(struct sm_req *r)
{
    struct sm_server *srv = r->srv;
    struct sm_error e;
    if (sm_form_prologue(r, false, SM_RULE_ORDER, &e) != SM_OK) {
        return sm_reply_error(r, &e);
    }
    struct list_cursor *c = malloc(sizeof *c);
    if (c == NULL) {
        (void)sm_err_set(&e, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory building the answer");
        return sm_reply_error(r, &e);
    }
    struct sm_stage *st;
    char *json = NULL;
    pthread_mutex_lock(&srv->lock);
    enum sm_code rc = sm_auth_stage(srv, r, r->form.stage_id, &st, &e);
    if (rc == SM_OK) {
        cursor_begin(c, srv, st);
        c->har = r->je.har;
        if (r->scn_run != NULL) {
            json = list_render(c);
        }
    }
    pthread_mutex_unlock(&srv->lock);
    if (rc != SM_OK) {
        free(c);
        return sm_reply_error(r, &e);
    }
    if (r->scn_run != NULL) {
        free(c);
        return sm_reply_json(r, 200, json);
    }
    uint64_t total = c->total;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(total, 16 * 1024, list_stream, c, free);
    if (resp == NULL) {
        free(c);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    return sm_reply_queue(r, 200, resp, total);
}
