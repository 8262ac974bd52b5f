/*
 * expect_check.c - sm_server_verify: an expectation (expect_lang.c) checked
 * against the journal, and, when it is not met, the diff a reader of a
 * failed CI log needs (docs/VERIFY.md "The diff").
 *
 * How: the journal's entries, in request order, are viewed (not copied)
 * under the journal lock. A count statement counts the requests its pattern
 * matches. A block takes the requests that match any of its patterns (the
 * "relevant" ones): "in order" aligns them with the patterns by edit
 * distance (a match costs 0, a substitution, a missing or an unexpected
 * request 1; ties go to the earliest match), "in any order" pairs them by maximum
 * bipartite matching. The diff prints every statement (ok or FAIL), and for
 * each failed one its expected and actual sequences side by side, one row
 * per pair, the first divergence marked '>' and later ones '!'.
 * What it does not do: parse (expect_lang.c) or wait for the journal
 * (api.c's readers' wait, called from here).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "internal.h"

/* Rows shown around the first divergence, and the alignment's size cap
 * (cells of the edit-distance table; beyond it rows pair by position). */
#define ROWS_BEFORE 10
#define ROWS_SHOWN  40
#define ALIGN_CELLS ((size_t)4 << 20)
#define LEFT_MAX    56

enum sm_ex_endpoint sm_ex_endpoint_of(const char *path)
{
    static const enum sm_ex_endpoint of_route[] = {
        [SM_ROUTE_NONE] = SM_EX_OTHER,        [SM_ROUTE_UPLOAD] = SM_EX_UPLOAD,
        [SM_ROUTE_DOWNLOAD] = SM_EX_DOWNLOAD, [SM_ROUTE_LIST] = SM_EX_LIST,
        [SM_ROUTE_ADMIN] = SM_EX_ADMIN,
    };
    return path != NULL ? of_route[sm_route_find(path)] : SM_EX_OTHER;
}

static bool glob_ok(const char *glob, const char *v)
{
    return glob == NULL || (v != NULL && fnmatch(glob, v, 0) == 0);
}

bool sm_ex_match(const struct sm_ex_pattern *p, const struct sm_ex_req *r)
{
    if (p->endpoint == SM_EX_ANY ? r->endpoint == SM_EX_ADMIN : p->endpoint != r->endpoint) {
        return false;
    }
    if (!glob_ok(p->stage, r->stage) || !glob_ok(p->file, r->file)) {
        return false;
    }
    if (p->key != NULL && (r->key == NULL || strcmp(p->key, r->key) != 0)) {
        return false;
    }
    if ((p->status >= 0 && r->status != p->status) ||
        (p->status_class > 0 && r->status / 100 != p->status_class)) {
        return false;
    }
    if (p->rule != NULL) {
        return p->rule[0] == '\0' ? r->rule == NULL
                                  : r->rule != NULL && strcmp(r->rule, p->rule) == 0;
    }
    return true;
}

/* ---- rows of a diff ------------------------------------------------------------ */

struct row {
    const char *left; /* a pattern's text, or a note in parentheses */
    char left_note[40];
    const struct sm_ex_req *right; /* a request, or NULL */
    const char *right_note;        /* when right is NULL */
    bool bad;
};

struct rows {
    struct row *r;
    size_t n, cap;
    bool failed;
};

static struct row *row_add(struct rows *rs, const char *left, const struct sm_ex_req *right,
                           bool bad)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 16;
        struct row *nr = realloc(rs->r, cap * sizeof *nr);
        if (nr == NULL) {
            rs->failed = true;
            return NULL;
        }
        rs->r = nr;
        rs->cap = cap;
    }
    struct row *w = &rs->r[rs->n++];
    memset(w, 0, sizeof *w);
    w->left = left;
    w->right = right;
    w->right_note = right ? NULL : "(missing)";
    w->bad = bad;
    return w;
}

/* A request written in the language's words: what a pattern would say. */
static void req_text(struct sm_strbuf *b, const struct sm_ex_req *q, bool with_key)
{
    static const char *const words[] = {"any", "upload", "download", "list", "admin", "other"};
    sm_strbuf_printf(b, "#%llu %s", (unsigned long long)q->seq, words[q->endpoint]);
    if (q->endpoint == SM_EX_ADMIN || q->endpoint == SM_EX_OTHER) {
        sm_strbuf_printf(b, " %s ", q->method);
        sm_ex_buf_value(b, q->path ? q->path : "");
    }
    sm_ex_buf_field(b, "stage", q->stage);
    sm_ex_buf_field(b, "file", q->file);
    sm_strbuf_printf(b, " status=%d", q->status);
    if (q->rule != NULL) {
        sm_strbuf_printf(b, " rule=%s", q->rule);
    }
    if (with_key) {
        sm_ex_buf_field(b, "key", q->key);
    }
}

/* Display width of UTF-8 text: one column per character. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++) {
        w += ((unsigned char)*s & 0xc0) != 0x80;
    }
    return w;
}

static const char *row_left(const struct row *w)
{
    return w->left ? w->left : w->left_note;
}

static void print_rows(struct sm_strbuf *b, const struct rows *rs, bool with_key)
{
    size_t first = rs->n;
    for (size_t i = 0; i < rs->n && first == rs->n; i++) {
        first = rs->r[i].bad ? i : first;
    }
    size_t start = first != rs->n && first > ROWS_BEFORE ? first - ROWS_BEFORE : 0;
    size_t end = start + ROWS_SHOWN < rs->n ? start + ROWS_SHOWN : rs->n;
    size_t lw = strlen("expected");
    for (size_t i = start; i < end; i++) {
        size_t w = width(row_left(&rs->r[i]));
        lw = w > lw && w <= LEFT_MAX ? w : lw;
    }
    if (first != rs->n) {
        const struct row *f = &rs->r[first];
        if (f->left == NULL && f->right != NULL) { /* a request where the expectation has none */
            sm_strbuf_printf(b, "      first divergence: unexpected ");
            req_text(b, f->right, with_key);
            sm_strbuf_printf(b, " %s\n", f->left_note);
        } else {
            sm_strbuf_printf(b, "      first divergence: expected %s, actual ", row_left(f));
            if (f->right != NULL) {
                req_text(b, f->right, with_key);
            } else {
                sm_strbuf_printf(b, "%s", f->right_note);
            }
            sm_strbuf_printf(b, "\n");
        }
    }
    sm_strbuf_printf(b, "        %-*s  | actual\n", (int)lw, "expected");
    if (start > 0) {
        sm_strbuf_printf(b, "        (%zu rows before)\n", start);
    }
    for (size_t i = start; i < end; i++) {
        const struct row *w = &rs->r[i];
        const char *l = row_left(w);
        size_t pad = width(l) < lw ? lw - width(l) : 0;
        sm_strbuf_printf(b, "      %c %s%*s  | ",
                         i == first ? '>'
                         : w->bad   ? '!'
                                    : ' ',
                         l, (int)pad, "");
        if (w->right != NULL) {
            req_text(b, w->right, with_key);
        } else {
            sm_strbuf_printf(b, "%s", w->right_note);
        }
        sm_strbuf_printf(b, "\n");
    }
    if (end < rs->n) {
        sm_strbuf_printf(b, "        (%zu rows after)\n", rs->n - end);
    }
}

/* ---- the three kinds of statement ---------------------------------------------- */

static bool check_count(const struct sm_ex_stmt *st, const struct sm_ex_req *reqs, size_t n,
                        struct rows *rs, struct sm_strbuf *head)
{
    const struct sm_ex_pattern *p = &st->pats[0];
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        found += sm_ex_match(p, &reqs[i]);
    }
    bool ok = st->cmp == SM_EX_EXACTLY    ? found == st->n
              : st->cmp == SM_EX_AT_LEAST ? found >= st->n
                                          : found <= st->n;
    if (ok) {
        return true;
    }
    sm_strbuf_printf(head, "%zu request%s matched", found, found == 1 ? "" : "s");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!sm_ex_match(p, &reqs[i])) {
            continue;
        }
        k++;
        bool extra = st->cmp != SM_EX_AT_LEAST && k > st->n;
        struct row *w = row_add(rs, extra ? NULL : p->text, &reqs[i], extra);
        if (w != NULL && extra && st->n == 0) {
            (void)snprintf(w->left_note, sizeof w->left_note, "(none expected)");
        } else if (w != NULL && extra) {
            (void)snprintf(w->left_note, sizeof w->left_note, "(more than %llu)",
                           (unsigned long long)st->n);
        }
    }
    /* the missing ones, up to what the diff shows: "at least 1000000" must
     * not cost a million rows */
    uint64_t missing = st->cmp != SM_EX_AT_MOST && st->n > k ? st->n - k : 0;
    for (uint64_t i = 0; i < missing && i < ROWS_SHOWN; i++) {
        (void)row_add(rs, p->text, NULL, true);
    }
    struct row *w = missing > ROWS_SHOWN ? row_add(rs, NULL, NULL, true) : NULL;
    if (w != NULL) {
        (void)snprintf(w->left_note, sizeof w->left_note, "(%llu more like it)",
                       (unsigned long long)(missing - ROWS_SHOWN));
    }
    return false;
}

/* Requests that match any of the block's patterns, in request order. */
static size_t relevant(const struct sm_ex_stmt *st, const struct sm_ex_req *reqs, size_t n,
                       size_t *idx)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < st->n_pats; k++) {
            if (sm_ex_match(&st->pats[k], &reqs[i])) {
                idx[m++] = i;
                break;
            }
        }
    }
    return m;
}

static void block_head(struct sm_strbuf *head, const struct sm_ex_stmt *st, size_t m)
{
    sm_strbuf_printf(head, "%zu pattern%s, %zu request%s match them", st->n_pats,
                     st->n_pats == 1 ? "" : "s", m, m == 1 ? "" : "s");
}

/* Pair the i-th pattern with the i-th request: when the alignment's table
 * is too large, or cannot be had. */
static void pair_by_position(const struct sm_ex_stmt *st, const struct sm_ex_req *reqs,
                             const size_t *idx, size_t m, struct rows *rs)
{
    size_t p = st->n_pats;
    for (size_t i = 0; i < (p > m ? p : m); i++) {
        const struct sm_ex_req *q = i < m ? &reqs[idx[i]] : NULL;
        struct row *w = row_add(rs, i < p ? st->pats[i].text : NULL, q,
                                i >= p || q == NULL || !sm_ex_match(&st->pats[i], q));
        if (w != NULL && i >= p) {
            (void)snprintf(w->left_note, sizeof w->left_note, "(not expected)");
        }
    }
}

/* d[i * (m + 1) + j]: the cost of aligning patterns i.. with requests j..
 * (suffixes), so that the walk from (0, 0) takes matches as early as it can
 * and the first divergence shown is the true first one. */
static void align_costs(const struct sm_ex_stmt *st, const struct sm_ex_req *reqs,
                        const size_t *idx, size_t m, uint32_t *d)
{
    size_t p = st->n_pats;
    for (size_t i = p + 1; i-- > 0;) {
        for (size_t j = m + 1; j-- > 0;) {
            if (i == p || j == m) {
                d[i * (m + 1) + j] = (uint32_t)((p - i) + (m - j));
                continue;
            }
            uint32_t diag =
                d[(i + 1) * (m + 1) + j + 1] + !sm_ex_match(&st->pats[i], &reqs[idx[j]]);
            uint32_t del = d[(i + 1) * (m + 1) + j] + 1, ins = d[i * (m + 1) + j + 1] + 1;
            uint32_t best = diag < del ? diag : del;
            d[i * (m + 1) + j] = best < ins ? best : ins;
        }
    }
}

static bool check_in_order(const struct sm_ex_stmt *st, const struct sm_ex_req *reqs,
                           const size_t *idx, size_t m, struct rows *rs, struct sm_strbuf *head)
{
    size_t p = st->n_pats;
    bool ok = p == m;
    for (size_t i = 0; ok && i < p; i++) {
        ok = sm_ex_match(&st->pats[i], &reqs[idx[i]]);
    }
    if (ok) {
        return true;
    }
    block_head(head, st, m);
    uint32_t *d = (p + 1) * (m + 1) <= ALIGN_CELLS ? malloc((p + 1) * (m + 1) * sizeof *d) : NULL;
    if (d == NULL) {
        pair_by_position(st, reqs, idx, m, rs);
        return false;
    }
    align_costs(st, reqs, idx, m, d);
#define D(i, j) d[(i) * (m + 1) + (j)]
    size_t i = 0, j = 0;
    while (i < p || j < m) {
        bool match = i < p && j < m && sm_ex_match(&st->pats[i], &reqs[idx[j]]);
        if (i < p && j < m && D(i, j) == D(i + 1, j + 1) + !match) {
            (void)row_add(rs, st->pats[i].text, &reqs[idx[j]], !match);
            i++, j++;
        } else if (i < p && D(i, j) == D(i + 1, j) + 1) {
            (void)row_add(rs, st->pats[i++].text, NULL, true); /* a pattern with no request */
        } else if (j < m) {
            struct row *w = row_add(rs, NULL, &reqs[idx[j++]], true); /* none wanted here */
            if (w != NULL) {
                (void)snprintf(w->left_note, sizeof w->left_note, "(not expected here)");
            }
        } else {
            break; /* not reached: with requests used up, a pattern is always missing */
        }
    }
#undef D
    free(d);
    return false;
}

/* Kuhn's augmenting path from pattern k; owner[j] is the pattern holding request j. */
static bool augment(const struct sm_ex_stmt *st, const struct sm_ex_req *reqs, const size_t *idx,
                    size_t m, size_t k, size_t *owner, unsigned char *seen)
{
    for (size_t j = 0; j < m; j++) {
        if (seen[j] || !sm_ex_match(&st->pats[k], &reqs[idx[j]])) {
            continue;
        }
        seen[j] = 1;
        if (owner[j] == SIZE_MAX || augment(st, reqs, idx, m, owner[j], owner, seen)) {
            owner[j] = k;
            return true;
        }
    }
    return false;
}

static bool check_any_order(const struct sm_ex_stmt *st, const struct sm_ex_req *reqs,
                            const size_t *idx, size_t m, struct rows *rs, struct sm_strbuf *head)
{
    size_t p = st->n_pats;
    size_t *owner = malloc((m + 1) * sizeof *owner);
    size_t *got = malloc((p + 1) * sizeof *got);
    unsigned char *seen = malloc(m + 1);
    if (owner == NULL || got == NULL || seen == NULL) {
        free(owner), free(got), free(seen);
        rs->failed = true;
        return false;
    }
    for (size_t j = 0; j < m; j++) {
        owner[j] = SIZE_MAX;
    }
    /* greedy first (each pattern takes the first free request it matches),
     * then augmenting paths only for the patterns left without one: a block
     * of like patterns costs one pass, not a cube */
    size_t matched = 0;
    for (size_t k = 0; k < p; k++) {
        got[k] = SIZE_MAX;
        for (size_t j = 0; j < m && got[k] == SIZE_MAX; j++) {
            if (owner[j] == SIZE_MAX && sm_ex_match(&st->pats[k], &reqs[idx[j]])) {
                owner[j] = k;
                got[k] = j;
                matched++;
            }
        }
    }
    for (size_t k = 0; k < p; k++) {
        if (got[k] == SIZE_MAX) {
            memset(seen, 0, m + 1);
            matched += augment(st, reqs, idx, m, k, owner, seen);
        }
    }
    bool ok = matched == p && matched == m;
    if (!ok) {
        block_head(head, st, m);
        for (size_t k = 0; k < p; k++) {
            got[k] = SIZE_MAX;
        }
        for (size_t j = 0; j < m; j++) {
            if (owner[j] != SIZE_MAX) {
                got[owner[j]] = j;
            }
        }
        for (size_t k = 0; k < p; k++) {
            (void)row_add(rs, st->pats[k].text, got[k] != SIZE_MAX ? &reqs[idx[got[k]]] : NULL,
                          got[k] == SIZE_MAX);
        }
        for (size_t j = 0; j < m; j++) {
            struct row *w = owner[j] == SIZE_MAX ? row_add(rs, NULL, &reqs[idx[j]], true) : NULL;
            if (w != NULL) {
                (void)snprintf(w->left_note, sizeof w->left_note, "(not expected)");
            }
        }
    }
    free(owner), free(got), free(seen);
    return ok;
}

static bool uses_key(const struct sm_ex_stmt *st)
{
    for (size_t i = 0; i < st->n_pats; i++) {
        if (st->pats[i].key != NULL) {
            return true;
        }
    }
    return false;
}

size_t sm_expect_check(const struct sm_expect *ex, const struct sm_ex_req *reqs, size_t n,
                       uint64_t dropped, char **diff, size_t *first_failed)
{
    struct sm_strbuf body = {0};
    size_t n_failed = 0;
    size_t *idx = malloc((n + 1) * sizeof *idx);
    body.failed = idx == NULL;
    for (size_t s = 0; s < ex->n; s++) {
        const struct sm_ex_stmt *st = &ex->stmts[s];
        struct rows rs = {0};
        struct sm_strbuf head = {0};
        bool ok = false;
        if (idx == NULL) {
            ok = false;
        } else if (st->kind == SM_EX_COUNT) {
            ok = check_count(st, reqs, n, &rs, &head);
        } else {
            size_t m = relevant(st, reqs, n, idx);
            ok = st->kind == SM_EX_IN_ORDER ? check_in_order(st, reqs, idx, m, &rs, &head)
                                            : check_any_order(st, reqs, idx, m, &rs, &head);
        }
        sm_strbuf_printf(&body, "%-4s  line %u: %s\n", ok ? "ok" : "FAIL", st->line, st->text);
        if (!ok) {
            if (n_failed++ == 0 && first_failed != NULL) {
                *first_failed = s;
            }
            sm_strbuf_printf(&body, "      %s\n", head.s ? head.s : "");
            print_rows(&body, &rs, uses_key(st));
        }
        body.failed |= rs.failed || head.failed;
        free(rs.r);
        free(head.s);
    }
    free(idx);
    if (n_failed == 0 || diff == NULL) {
        free(body.s);
        if (diff != NULL) {
            *diff = NULL;
        }
        return n_failed;
    }
    struct sm_strbuf out = {0};
    sm_strbuf_printf(&out,
                     "stagemock verify: %zu of %zu statement%s not met (%zu request%s in the "
                     "journal, in request order)\n",
                     n_failed, ex->n, ex->n == 1 ? "" : "s", n, n == 1 ? "" : "s");
    if (dropped > 0) {
        sm_strbuf_printf(&out,
                         "note: the journal's ring dropped %llu older request%s, not counted "
                         "here (--journal-max)\n",
                         (unsigned long long)dropped, dropped == 1 ? "" : "s");
    }
    sm_strbuf_printf(&out, "%s", body.s ? body.s : "");
    free(body.s);
    if (out.failed || body.failed) {
        free(out.s);
        out.s = NULL;
    }
    *diff = out.s;
    return n_failed;
}

/* ---- the server's entry points --------------------------------------------------- */

enum sm_code sm_verify_run(struct sm_server *srv, const char *expectation, unsigned wait_ms,
                           char **diff, struct sm_error *err)
{
    if (diff != NULL) {
        *diff = NULL;
    }
    struct sm_expect ex;
    enum sm_code rc = sm_expect_parse(expectation, &ex, err);
    if (rc != SM_OK) {
        return rc;
    }
    pthread_mutex_lock(&srv->jlock);
    sm_journal_wait_answered_locked(srv, wait_ms);
    struct sm_journal *j = &srv->journal;
    struct sm_ex_req *reqs = malloc((j->n + 1) * sizeof *reqs);
    size_t n_failed = 0, first = 0;
    char *text = NULL;
    if (reqs != NULL) {
        for (size_t i = 0; i < j->n; i++) {
            const struct sm_journal_entry *e = sm_journal_at(j, i);
            reqs[i] =
                (struct sm_ex_req){.seq = e->seq,
                                   .endpoint = sm_ex_endpoint_of(e->path),
                                   .method = e->method,
                                   .path = e->path,
                                   .stage = e->stage,
                                   .file = e->file_name,
                                   .key = e->key,
                                   .rule = e->rule != SM_RULE_NONE ? sm_rule_id(e->rule) : NULL,
                                   .status = e->status};
        }
        n_failed = sm_expect_check(&ex, reqs, j->n, j->dropped, &text, &first);
    }
    pthread_mutex_unlock(&srv->jlock);
    free(reqs);
    if (reqs == NULL || (n_failed > 0 && text == NULL)) {
        rc = sm_err_set(err, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory");
    } else if (n_failed > 0) {
        rc = sm_err_set(err, SM_E_MISMATCH, 409, SM_RULE_NONE,
                        "verify: %zu of %zu statement%s not met; the first: line %u: %s", n_failed,
                        ex.n, ex.n == 1 ? "" : "s", ex.stmts[first].line, ex.stmts[first].text);
    }
    sm_expect_cleanup(&ex);
    if (diff != NULL) {
        *diff = text;
    } else {
        free(text);
    }
    return rc;
}

enum sm_code sm_server_verify(struct sm_server *srv, const char *expectation, char **diff,
                              struct sm_error *err)
{
    return sm_verify_run(srv, expectation, 1000, diff, err);
}
