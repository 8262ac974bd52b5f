/*
 * rules.c - the RULES.md rule table (include/stagemock/rules.h) as lookups.
 *
 * What: one static const array built from SM_RULE_TABLE, indexed by enum
 * sm_rule, and the functions that read it: id string, default status,
 * meaning and kind by enum, and the enum by id string (for what comes in
 * from outside: a profile's status map, a case file, a report).
 * Design: the table is the header's X-macro, so the enum and the strings
 * cannot drift apart; SM_RULE_NONE (0) is an empty row, and every lookup
 * answers out-of-range values like SM_RULE_NONE.
 * Not here: which rule an error gets (the deepest layer decides); the name
 * and text checks (names.c), the clock (clock.c), file ids (file_id.c).
 */
#include <stdio.h>
#include <string.h>

#include "stagemock/rules.h"

struct rule_row {
    const char *id;
    int status;
    enum sm_rule_kind kind;
    const char *meaning;
};

#define SM_RULE_ROW_(name, id, status, kind, meaning) [name] = {id, status, kind, meaning},
static const struct rule_row rule_rows[SM_RULE_COUNT] = {
    [SM_RULE_NONE] = {NULL, 0, SM_RULE_KIND_NONE, ""}, SM_RULE_TABLE(SM_RULE_ROW_)};
#undef SM_RULE_ROW_

static const struct rule_row *row(enum sm_rule rule)
{
    unsigned i = (unsigned)rule;
    return i < (unsigned)SM_RULE_COUNT ? &rule_rows[i] : &rule_rows[SM_RULE_NONE];
}

const char *sm_rule_id(enum sm_rule rule)
{
    return row(rule)->id;
}

enum sm_rule sm_rule_find(const char *id)
{
    for (int i = 1; id != NULL && i < (int)SM_RULE_COUNT; i++) {
        if (strcmp(id, rule_rows[i].id) == 0) {
            return (enum sm_rule)i;
        }
    }
    return SM_RULE_NONE;
}

int sm_rule_status(enum sm_rule rule)
{
    return row(rule)->status;
}

const char *sm_rule_meaning(enum sm_rule rule)
{
    return row(rule)->meaning;
}

enum sm_rule_kind sm_rule_kind(enum sm_rule rule)
{
    return row(rule)->kind;
}

size_t sm_rule_list(enum sm_rule_kind kind, char *buf, size_t size)
{
    size_t need = 0;
    if (size > 0) {
        buf[0] = '\0';
    }
    for (int i = 1; i < (int)SM_RULE_COUNT; i++) {
        if (rule_rows[i].kind != kind) {
            continue;
        }
        const char *sep = need > 0 ? ", " : "";
        if (need < size) {
            (void)snprintf(buf + need, size - need, "%s%s", sep, rule_rows[i].id);
        }
        need += strlen(sep) + strlen(rule_rows[i].id);
    }
    return need;
}
