/*
 * scenario.h - scripted responses and faults on an in-process server
 * (docs/SCENARIOS.md): load a scenario, add one rule (JSON or a --fault
 * spec), list and clear the rules, read the report of rules that never fired.
 *
 * Thread-safety: every call may come from any thread while the server runs;
 * requests in flight keep the action of the rule that fired for them. Texts
 * returned are the caller's, freed with sm_free. With no scenario loaded the
 * request path pays one pointer check.
 */
#ifndef STAGEMOCK_SCENARIO_H
#define STAGEMOCK_SCENARIO_H

#include <stddef.h>

#include "stagemock/error.h"
#include "stagemock/server.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Replace the scenario with a JSON document: rules, seed, initial state, and
 * files to preload (read from base_dir/preload.dir; NULL base_dir is ".").
 * Preloaded stages are created. On error nothing changes (except files already
 * preloaded) and err names the field: "rules[3].match.nth: expected ...".
 */
SM_API SM_NODISCARD enum sm_code sm_server_load_scenario(struct sm_server *srv, const char *json,
                                                         size_t len, const char *base_dir,
                                                         struct sm_error *err);
/* The same from a file; preload paths are relative to the file's folder. */
SM_API SM_NODISCARD enum sm_code
sm_server_load_scenario_file(struct sm_server *srv, const char *path, struct sm_error *err);
/* Append one rule, as a JSON object ({"match":…, "action":…}). */
SM_API SM_NODISCARD enum sm_code sm_server_add_rule(struct sm_server *srv, const char *json,
                                                    struct sm_error *err);
/* Append one rule from a --fault spec ("upload:nth=2:status=503:retry-after=1"). */
SM_API SM_NODISCARD enum sm_code sm_server_add_fault(struct sm_server *srv, const char *spec,
                                                     struct sm_error *err);
/* The rules as a JSON array (loadable again); NULL when out of memory. */
SM_API char *sm_server_list_rules(struct sm_server *srv);
/* Remove every rule; counters and state restart. */
SM_API void sm_server_clear_rules(struct sm_server *srv);
/* {"seed", "state", "rules":[{index,name,matched,fired}], "unused_rules",
 * "unmatched_requests", "unmatched_examples"}; NULL when no scenario was ever
 * loaded or out of memory. */
SM_API char *sm_server_scenario_report(struct sm_server *srv);

#ifdef __cplusplus
}
#endif
#endif
