/*
 * scenario_run.h - private to scenario/: the request-path hooks that
 * scenario_run.c implements and scenario_api.c installs on a server with its
 * engine (struct sm_scn_hooks, mock_server/src/internal.h).
 */
#ifndef SM_SCENARIO_RUN_H
#define SM_SCENARIO_RUN_H

#include "../internal.h"

extern const struct sm_scn_hooks sm_scn_run_hooks;

#endif
