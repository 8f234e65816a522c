// stress/run.h — one run of gort-stress, on goroutine 1.
#pragma once

#include "options.h"

namespace stress {

// Applies --procs/--gogc/--memlimit, runs the planned workloads until the
// deadline with the progress monitor, prints the summary (table, or JSON on
// stdout with the table on stderr). Returns the exit status: 0, or 1 when a
// check failed.
int run_stress(const Options& o);

}  // namespace stress
