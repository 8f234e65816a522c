// stress/options.h — gort-stress's command line.
//
// parse_options reads argv into Options without side effects. On a bad flag
// or value it returns a ParseResult with exit_code 2 and one line saying
// what is wrong; main prints that line and the usage on stderr. --help gives
// exit_code 0 and the usage goes to stdout. Flags take their value as
// `--flag VALUE` or `--flag=VALUE`. The one thing it looks at outside argv:
// whether --report's file can be written (output_file.h; nothing is
// created), so that a bad path is an error before the run.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace stress {

struct Options {
  std::string workload = "mixed";
  std::chrono::nanoseconds duration = std::chrono::seconds(10);
  int goroutines = 8;          // worker goroutines in total (mixed splits them)
  std::int64_t live_mb = 64;   // the live heap the workloads aim for, in MiB
  bool gogc_set = false;
  int gogc = 100;              // -1: off
  bool memlimit_set = false;
  std::int64_t memlimit = -1;  // bytes; INT64_MAX: off
  int procs = 0;               // 0: leave GOMAXPROCS as the environment set it
  std::uint64_t seed = 1;
  bool verify = false;
  bool json = false;
  std::string report_path;   // --report: empty for none
  std::string trace_path;    // --trace: empty for none
  std::string command_line;  // the arguments as given, for the report
};

struct ParseResult {
  bool run = false;     // true: go ahead with options
  int exit_code = 0;    // when !run: 0 for --help, 2 for a usage error
  std::string error;    // when exit_code == 2: one line, no trailing newline
};

ParseResult parse_options(int argc, char** argv, Options* out);

// The usage text, with examples and the list of workloads.
std::string usage();

// The workloads --workload accepts, in the order the usage lists them.
const std::vector<std::string>& workload_names();

}  // namespace stress
