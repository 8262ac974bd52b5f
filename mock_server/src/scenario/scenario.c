/*
 * scenario.c - the scenario engine: which rule fires for a request.
 *
 * What: holds the rules of one server's scenario in order, with per-rule
 * counters (matched, fired), the named state (WireMock-style: "Started"
 * until an action's set_state moves it) and a seeded PRNG for probability.
 * sm_scn_decide tries the rules in order and returns the first that fires, as
 * a copy of its action, with the state before and after and the firing number,
 * which is what the journal records. Rules that never fired and requests that
 * matched none are kept for the report.
 * Design: one mutex per engine; the PRNG is splitmix64 over a recorded seed,
 * drawn only when a rule with probability < 1 reaches the dice, so a run
 * replays identically from its seed and the same request order. A rule counts
 * a "matching request" when endpoint, key, headers, stage/file and state
 * match (also when an earlier rule fired for it); nth/times gate firing on
 * that count; the dice come last.
 * Not here: parsing (scenario_parse.c), the structs' cleanup, copy and JSON
 * form (scenario_model.c), executing actions (scenario_run.c).
 */
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "../../../common/sm_json.h"

#include "scenario.h"

#define SCN_STATE_LEN   64
#define SCN_UNMATCHED_N 16

struct scn_slot {
    struct sm_scn_rule rule;
    uint64_t matched;
    uint64_t fired;
};

struct sm_scn {
    pthread_mutex_t lock;
    struct scn_slot *slots;
    size_t n_slots;
    size_t cap;
    uint64_t seed;
    uint64_t prng;
    char initial_state[SCN_STATE_LEN];
    char state[SCN_STATE_LEN];
    uint64_t n_unmatched;
    char unmatched[SCN_UNMATCHED_N][96];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void set_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

enum sm_code sm_scn_new(bool has_seed, uint64_t seed, struct sm_scn **out, struct sm_error *err)
{
    *out = NULL;
    struct sm_scn *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_SCENARIO, "out of memory");
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return sm_err_set(err, SM_E_INTERNAL, 500, SM_RULE_SCENARIO, "mutex init failed");
    }
    if (!has_seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x =
            (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
        seed = splitmix64(&x) & 0x1FFFFFFFFFFFFFull; /* fits a JSON number exactly */
    }
    s->seed = seed;
    s->prng = seed;
    set_str(s->initial_state, sizeof s->initial_state, "Started");
    set_str(s->state, sizeof s->state, "Started");
    *out = s;
    return SM_OK;
}

static void clear_locked(struct sm_scn *s)
{
    for (size_t i = 0; i < s->n_slots; i++) {
        sm_scn_rule_cleanup(&s->slots[i].rule);
    }
    s->n_slots = 0;
    s->n_unmatched = 0;
    memcpy(s->state, s->initial_state, sizeof s->state);
    s->prng = s->seed;
}

void sm_scn_free(struct sm_scn *s)
{
    if (s == NULL) {
        return;
    }
    clear_locked(s);
    free(s->slots);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

uint64_t sm_scn_seed(const struct sm_scn *s)
{
    return s->seed; /* set once at creation or load; loads are rare and whole */
}

static enum sm_code grow_locked(struct sm_scn *s, size_t want)
{
    if (want <= s->cap) {
        return SM_OK;
    }
    size_t cap = s->cap ? s->cap : 8;
    while (cap < want) {
        cap *= 2;
    }
    struct scn_slot *n = realloc(s->slots, cap * sizeof *n);
    if (n == NULL) {
        return SM_E_NOMEM;
    }
    s->slots = n;
    s->cap = cap;
    return SM_OK;
}

enum sm_code sm_scn_load(struct sm_scn *s, struct sm_scn_doc *doc, struct sm_error *err)
{
    /* allocate first: out of memory leaves the engine's rules as they were */
    struct scn_slot *slots = NULL;
    if (doc->n_rules > 0 && (slots = calloc(doc->n_rules, sizeof *slots)) == NULL) {
        return sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_SCENARIO, "out of memory");
    }
    pthread_mutex_lock(&s->lock);
    clear_locked(s);
    free(s->slots);
    s->slots = slots;
    for (size_t i = 0; i < doc->n_rules; i++) {
        s->slots[i].rule = doc->rules[i];
        memset(&doc->rules[i], 0, sizeof doc->rules[i]);
    }
    s->n_slots = doc->n_rules;
    s->cap = s->n_slots;
    doc->n_rules = 0;
    if (doc->has_seed) {
        s->seed = doc->seed;
    }
    s->prng = s->seed;
    set_str(s->initial_state, sizeof s->initial_state,
            doc->initial_state ? doc->initial_state : "Started");
    memcpy(s->state, s->initial_state, sizeof s->state);
    pthread_mutex_unlock(&s->lock);
    return SM_OK;
}

enum sm_code sm_scn_add(struct sm_scn *s, struct sm_scn_rule *rule, struct sm_error *err)
{
    pthread_mutex_lock(&s->lock);
    enum sm_code rc = grow_locked(s, s->n_slots + 1);
    if (rc == SM_OK) {
        struct scn_slot *slot = &s->slots[s->n_slots++];
        memset(slot, 0, sizeof *slot);
        slot->rule = *rule;
        memset(rule, 0, sizeof *rule);
    }
    pthread_mutex_unlock(&s->lock);
    return rc ? sm_err_set(err, rc, 500, SM_RULE_SCENARIO, "out of memory") : SM_OK;
}

void sm_scn_clear(struct sm_scn *s)
{
    pthread_mutex_lock(&s->lock);
    clear_locked(s);
    pthread_mutex_unlock(&s->lock);
}

size_t sm_scn_count(const struct sm_scn *s)
{
    struct sm_scn *m = (struct sm_scn *)(uintptr_t)s; /* the lock is not logical state */
    pthread_mutex_lock(&m->lock);
    size_t n = m->n_slots;
    pthread_mutex_unlock(&m->lock);
    return n;
}

void sm_scn_state(const struct sm_scn *s, char *buf, size_t size)
{
    struct sm_scn *m = (struct sm_scn *)(uintptr_t)s;
    pthread_mutex_lock(&m->lock);
    set_str(buf, size, m->state);
    pthread_mutex_unlock(&m->lock);
}

static bool headers_match(const struct sm_scn_match *m, const struct sm_scn_request *req)
{
    for (size_t i = 0; i < m->n_headers; i++) {
        const char *v = req->get_header ? req->get_header(req->cls, m->headers[i].name) : NULL;
        if (v == NULL || (m->headers[i].value != NULL && strcmp(v, m->headers[i].value) != 0)) {
            return false;
        }
    }
    return true;
}

static bool static_match(const struct sm_scn *s, const struct sm_scn_match *m,
                         const struct sm_scn_request *req)
{
    if ((m->endpoints & (unsigned)req->endpoint) == 0) {
        return false;
    }
    if (m->key != NULL && (req->key == NULL || strcmp(m->key, req->key) != 0)) {
        return false;
    }
    if (m->stage != NULL && (req->stage == NULL || strcmp(m->stage, req->stage) != 0)) {
        return false;
    }
    if (m->file != NULL && (req->file == NULL || fnmatch(m->file, req->file, 0) != 0)) {
        return false;
    }
    if (m->state != NULL && strcmp(m->state, s->state) != 0) {
        return false;
    }
    return headers_match(m, req);
}

/* Count the match, then gate on nth/times, then roll the dice. */
static bool fires_locked(struct sm_scn *s, struct scn_slot *slot)
{
    const struct sm_scn_match *m = &slot->rule.match;
    slot->matched++;
    if (m->nth > 0 && slot->matched < m->nth) {
        return false;
    }
    if (m->times > 0 && slot->fired >= m->times) {
        return false;
    }
    if (m->probability < 1.0) {
        double u = (double)(splitmix64(&s->prng) >> 11) * (1.0 / 9007199254740992.0);
        if (!(u < m->probability)) {
            return false;
        }
    }
    slot->fired++;
    return true;
}

static enum sm_code fill_hit_locked(struct sm_scn *s, const struct scn_slot *slot, size_t i,
                                    struct sm_scn_hit *hit, struct sm_error *err)
{
    hit->fired = true;
    hit->rule_index = i;
    hit->firing = slot->fired;
    char index_name[32];
    snprintf(index_name, sizeof index_name, "rules[%zu]", i);
    hit->rule_name = strdup(slot->rule.name != NULL ? slot->rule.name : index_name);
    if (hit->rule_name == NULL) {
        hit->fired = false;
        return sm_err_set(err, SM_E_NOMEM, 500, SM_RULE_SCENARIO, "out of memory");
    }
    set_str(hit->state_before, sizeof hit->state_before, s->state);
    if (slot->rule.action.set_state != NULL) {
        set_str(s->state, sizeof s->state, slot->rule.action.set_state);
    }
    set_str(hit->state_after, sizeof hit->state_after, s->state);
    enum sm_code rc = sm_scn_action_copy(&hit->action, &slot->rule.action, err);
    hit->fired = rc == SM_OK;
    if (rc != SM_OK) { /* a hit that did not fire owns nothing */
        free(hit->rule_name);
        hit->rule_name = NULL;
    }
    return rc;
}

enum sm_code sm_scn_decide(struct sm_scn *s, enum sm_scn_phase phase,
                           const struct sm_scn_request *req, struct sm_scn_hit *hit,
                           struct sm_error *err)
{
    enum sm_code rc = SM_OK;
    memset(hit, 0, sizeof *hit);
    pthread_mutex_lock(&s->lock);
    hit->seed = s->seed;
    struct scn_slot *won = NULL;
    size_t won_i = 0;
    for (size_t i = 0; i < s->n_slots; i++) {
        struct scn_slot *slot = &s->slots[i];
        bool late = sm_scn_match_needs_body(&slot->rule.match);
        if (late != (phase == SM_SCN_PHASE_FIELDS) || !static_match(s, &slot->rule.match, req)) {
            continue;
        }
        if (won != NULL) {
            slot->matched++; /* nth counts every matching request, fired or not */
        } else if (fires_locked(s, slot)) {
            won = slot;
            won_i = i;
        }
    }
    if (won != NULL) {
        rc = fill_hit_locked(s, won, won_i, hit, err);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void sm_scn_hit_cleanup(struct sm_scn_hit *hit)
{
    sm_scn_action_cleanup(&hit->action);
    free(hit->rule_name);
    hit->rule_name = NULL;
    hit->fired = false;
}

void sm_scn_note_unmatched(struct sm_scn *s, const char *method, const char *path)
{
    pthread_mutex_lock(&s->lock);
    snprintf(s->unmatched[s->n_unmatched % SCN_UNMATCHED_N], sizeof s->unmatched[0], "%s %s",
             method ? method : "?", path ? path : "?");
    s->n_unmatched++;
    pthread_mutex_unlock(&s->lock);
}

static bool report_rules(cJSON *root, const struct sm_scn *s)
{
    cJSON *rules = cJSON_AddArrayToObject(root, "rules");
    cJSON *unused = cJSON_AddArrayToObject(root, "unused_rules");
    if (rules == NULL || unused == NULL) {
        return false;
    }
    for (size_t i = 0; i < s->n_slots; i++) {
        const struct scn_slot *slot = &s->slots[i];
        char index_name[32]; /* a named rule is reported by its whole name */
        snprintf(index_name, sizeof index_name, "rules[%zu]", i);
        const char *name = slot->rule.name != NULL ? slot->rule.name : index_name;
        cJSON *r = cJSON_CreateObject();
        if (r == NULL || !cJSON_AddItemToArray(rules, r) ||
            sm_json_add_u64(r, "index", i) == NULL ||
            cJSON_AddStringToObject(r, "name", name) == NULL ||
            sm_json_add_u64(r, "matched", slot->matched) == NULL ||
            sm_json_add_u64(r, "fired", slot->fired) == NULL) {
            return false;
        }
        if (slot->fired == 0 && !cJSON_AddItemToArray(unused, cJSON_CreateString(name))) {
            return false;
        }
    }
    return true;
}

/* Lock held: seed, state, rules and the unmatched requests. */
static bool report_fill(cJSON *root, const struct sm_scn *s)
{
    if (sm_json_add_u64(root, "seed", s->seed) == NULL ||
        cJSON_AddStringToObject(root, "state", s->state) == NULL || !report_rules(root, s) ||
        sm_json_add_u64(root, "unmatched_requests", s->n_unmatched) == NULL) {
        return false;
    }
    cJSON *ex = cJSON_AddArrayToObject(root, "unmatched_examples");
    uint64_t n = s->n_unmatched < SCN_UNMATCHED_N ? s->n_unmatched : SCN_UNMATCHED_N;
    for (uint64_t i = 0; ex != NULL && i < n; i++) {
        uint64_t at = (s->n_unmatched - n + i) % SCN_UNMATCHED_N;
        if (!cJSON_AddItemToArray(ex, cJSON_CreateString(s->unmatched[at]))) {
            return false;
        }
    }
    return ex != NULL;
}

/* Lock held: every rule, in order. */
static bool list_fill(cJSON *arr, const struct sm_scn *s)
{
    for (size_t i = 0; i < s->n_slots; i++) {
        cJSON *r = sm_scn_rule_to_json(&s->slots[i].rule);
        if (r == NULL || !cJSON_AddItemToArray(arr, r)) {
            cJSON_Delete(r);
            return false;
        }
    }
    return true;
}

/* doc, filled by fill under the engine's lock; NULL (doc deleted) when doc
 * is NULL or fill fails. */
static cJSON *fill_locked(const struct sm_scn *cs, cJSON *doc,
                          bool (*fill)(cJSON *doc, const struct sm_scn *s))
{
    if (doc == NULL) {
        return NULL;
    }
    struct sm_scn *s = (struct sm_scn *)(uintptr_t)cs;
    pthread_mutex_lock(&s->lock);
    bool ok = fill(doc, s);
    pthread_mutex_unlock(&s->lock);
    if (!ok) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

cJSON *sm_scn_report(const struct sm_scn *s)
{
    return fill_locked(s, cJSON_CreateObject(), report_fill);
}

cJSON *sm_scn_list(const struct sm_scn *s)
{
    return fill_locked(s, cJSON_CreateArray(), list_fill);
}
