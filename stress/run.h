// stress/run.h — one run of gort-stress, on goroutine 1.
#pragma once

#include <chrono>

#include "options.h"

namespace stress {

// Applies --procs/--gogc/--memlimit, runs the planned workloads until the
// deadline with the progress monitor, prints the summary (table, or JSON on
// stdout with the table on stderr) and, with --report, writes the report.
// Returns the exit status: 0; 1 when a check failed; else 3 when the report
// could not be written. boot: when main called gort::run (the GC CPU
// series needs it, see monitor.h).
int run_stress(const Options& o, std::chrono::steady_clock::time_point boot);

}  // namespace stress
