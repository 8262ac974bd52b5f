/*
 * reply.c - the only place an sm_error becomes an HTTP response.
 *
 * What: error answers are `application/json` `{"message": "…"}` with the
 * RULES.md rule id in `X-Stagemock-Rule` (RULES.md: the id travels in a
 * header, not the body); the status is the profile's override for the rule
 * when there is one, else the error's own. Success answers are JSON or bytes.
 * Every queued response is noted in the request's journal entry (status,
 * rule, message, bytes sent).
 * Not here: deciding what failed (the deepest layer writes the message).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "../../common/sm_json.h"

#include "internal.h"

void sm_reply_answered(struct sm_req *r)
{
    if (r->je.answered_us == 0) {
        r->je.answered_us = sm_clock_now_us();
    }
}

void sm_reply_counted(struct sm_req *r)
{
    sm_reply_answered(r);
    if (!r->counted) {
        r->counted = true;
        /* before the answer can reach the client, so a reader that saw the
         * answer also sees the count (api.c) */
        __atomic_add_fetch(&r->srv->answering, 1, __ATOMIC_ACQ_REL);
    }
}

enum MHD_Result sm_reply_queue(struct sm_req *r, int status, struct MHD_Response *resp,
                               uint64_t body_len)
{
    if (resp == NULL) {
        return MHD_NO;
    }
    if (r->scn_run != NULL) {
        /* a scenario may alter it */
        return sm_server_scn_hooks(r->srv)->queue(r, status, resp, body_len);
    }
    /* counted before queueing: the answer may leave at once, and the request
     * reaches on_completed (which uncounts it) whether or not queueing works */
    sm_reply_counted(r);
    sm_har_cap_response(r->je.har, resp);
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned int)status, resp);
    MHD_destroy_response(resp);
    r->je.status = status;
    r->je.bytes_sent = body_len;
    r->responded = true;
    return ret;
}

/* A JSON response that takes ownership of json (freed with the response, or
 * here when there is none); the body is shown to a running scenario first.
 * NULL when MHD could not make the response. */
static struct MHD_Response *json_response(struct sm_req *r, char *json, size_t *len)
{
    *len = strlen(json);
    sm_har_cap_response_body(r->je.har, json, *len);
    if (r->scn_run != NULL) {
        sm_server_scn_hooks(r->srv)->note_body(r, json, *len);
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback(*len, json, free);
    if (resp == NULL) {
        free(json);
        return NULL;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    return resp;
}

enum MHD_Result sm_reply_json(struct sm_req *r, int status, char *json)
{
    if (json == NULL) {
        struct sm_error e;
        (void)sm_err_set(&e, SM_E_NOMEM, 503, SM_RULE_NONE, "out of memory building the answer");
        return sm_reply_error(r, &e);
    }
    size_t len = 0;
    struct MHD_Response *resp = json_response(r, json, &len);
    return resp != NULL ? sm_reply_queue(r, status, resp, len) : MHD_NO;
}

static const char no_memory_body[] = "{\"message\":\"out of memory\"}";

/* A persistent response with the fixed out-of-memory body. */
static struct MHD_Response *no_memory_response(void)
{
    /* MHD takes a non-const pointer, yet never writes a persistent buffer */
    void *body = (void *)(uintptr_t)no_memory_body;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof no_memory_body - 1, body, MHD_RESPMEM_PERSISTENT);
    if (resp != NULL) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        MHD_add_response_header(resp, "X-Stagemock-Rule", sm_rule_id(SM_RULE_ERROR_JSON));
    }
    return resp;
}

enum MHD_Result sm_reply_no_memory(struct MHD_Connection *conn)
{
    struct MHD_Response *resp = no_memory_response();
    if (resp == NULL) {
        return MHD_NO;
    }
    enum MHD_Result ret = MHD_queue_response(conn, 503, resp);
    MHD_destroy_response(resp);
    return ret;
}

int sm_reply_status_of(const struct sm_server *srv, const struct sm_error *e)
{
    int status = e->http_status >= 400 ? e->http_status : 500;
    unsigned rule = (unsigned)e->rule;
    if (rule != SM_RULE_NONE && rule < SM_RULE_COUNT && srv->profile.status[rule] != 0) {
        status = srv->profile.status[rule];
    }
    return status;
}

enum sm_rule sm_reply_rule_of(const struct sm_error *e)
{
    return e->rule != SM_RULE_NONE ? e->rule : SM_RULE_ERROR_JSON;
}

enum MHD_Result sm_reply_error(struct sm_req *r, const struct sm_error *e)
{
    int status = sm_reply_status_of(r->srv, e);
    const char *msg = e->message[0] ? e->message : sm_strerror(e->code);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", msg);
    char *json = sm_json_print(o);
    cJSON_Delete(o);
    if (json == NULL) {
        r->je.rule = SM_RULE_ERROR_JSON;
        return sm_reply_queue(r, 503, no_memory_response(), sizeof no_memory_body - 1);
    }
    size_t len = 0;
    struct MHD_Response *resp = json_response(r, json, &len);
    if (resp == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(resp, "X-Stagemock-Rule", sm_rule_id(sm_reply_rule_of(e)));
    r->je.rule = sm_reply_rule_of(e);
    free(r->je.message);
    r->je.message = strdup(msg);
    return sm_reply_queue(r, status, resp, len);
}
