// stress/options.cc — see options.h.
#include "options.h"

#include <cstring>
#include <string_view>

#include "output_file.h"
#include "units.h"

namespace stress {

const std::vector<std::string>& workload_names() {
  static const std::vector<std::string> names = {"binary-trees",    "latency-window", "graph-mutation", "map-churn",
                                                 "goroutine-churn", "finalizers",     "mixed"};
  return names;
}

std::string usage() {
  return R"(usage: gort-stress [flags]

Stresses gort's garbage collector and scheduler with workloads written on
gort's public API, prints a progress line every second and a summary at the
end. Exit status: 0 ok, 1 a verification failed, 2 bad command line,
3 the report could not be written.

flags:
  --workload NAME     binary-trees, latency-window, graph-mutation, map-churn,
                      goroutine-churn, finalizers, or mixed (all at once;
                      the default)
  --duration D        how long to run: 10s (default), 500ms, 2m, 1m30s
  --goroutines N      worker goroutines in total (default 8; mixed splits them)
  --live-mb N         live heap to aim for, in MiB (default 64)
  --gogc N|off        GOGC for the run (default: the environment's, else 100)
  --memlimit SIZE     GOMEMLIMIT for the run: 512MiB, 2GiB, 1073741824, off
  --procs N           GOMAXPROCS (default: the environment's, else the CPUs)
  --seed N            random seed (default 1)
  --verify            GODEBUG gccheckmark=1 and gcpoison=1, plus every
                      workload's own invariant checks
  --json              print the summary as one JSON object on stdout (the
                      table then goes to stderr)
  --help, -h          this text
  --report FILE       write an HTML report to FILE: heap and goal over time
                      with the GC cycles, pause timeline and histogram, GC
                      CPU over time, the summary (one self-contained file)
  --trace FILE        write an execution trace to FILE (Chrome Trace Event
                      JSON for ui.perfetto.dev or chrome://tracing): goroutines
                      on each P, GC phases, pauses, assists, heap and goal.
                      Busy runs write ~100 MB/s; GORT_TRACE_LIMIT caps it
                      (default 512 MiB)

examples:
  gort-stress                                   # mixed, 10 seconds
  gort-stress --workload binary-trees --duration 30s --procs 2
  gort-stress --workload latency-window --live-mb 256 --gogc 200
  gort-stress --workload graph-mutation --goroutines 32 --verify
  gort-stress --memlimit 128MiB --gogc off --duration 1m
  gort-stress --workload finalizers --duration 2s --verify --json
  gort-stress --duration 20s --report gort-stress-report.html
  gort-stress --workload latency-window --duration 3s --trace trace.json
)";
}

namespace {

struct Flag {
  const char* name;
  bool takes_value;
};
constexpr Flag kFlags[] = {{"--workload", true}, {"--duration", true}, {"--goroutines", true},
                           {"--live-mb", true},  {"--gogc", true},     {"--memlimit", true},
                           {"--procs", true},    {"--seed", true},     {"--verify", false},
                           {"--json", false},    {"--help", false},    {"--trace", true},
                           {"--report", true}};

ParseResult fail(std::string msg) {
  ParseResult r;
  r.exit_code = 2;
  r.error = std::move(msg);
  return r;
}

// A whole number from 1 to max; returns an error phrase (empty: fine).
std::string parse_count(std::string_view value, std::uint64_t max, std::uint64_t* v) {
  if (std::string err = parse_uint(value, max, v); !err.empty()) return "value " + err;
  if (*v == 0) return "value must be at least 1";
  return {};
}

// Applies one flag's value; returns an error phrase (empty: fine).
std::string apply(std::string_view name, std::string_view value, Options* o) {
  std::uint64_t v;
  std::string err;
  if (name == "--workload") {
    for (const auto& w : workload_names())
      if (value == w) {
        o->workload = w;
        return {};
      }
    std::string list;
    for (const auto& w : workload_names()) list += (list.empty() ? "" : ", ") + w;
    return "'" + std::string(value) + "' is not a workload (one of: " + list + ")";
  }
  if (name == "--duration") {
    err = parse_duration(value, &o->duration);
    return err.empty() ? err : "value " + err;
  }
  if (name == "--goroutines") {
    if (!(err = parse_count(value, 100000, &v)).empty()) return err;
    o->goroutines = static_cast<int>(v);
    return {};
  }
  if (name == "--live-mb") {
    if (!(err = parse_count(value, 1 << 20, &v)).empty()) return err;
    o->live_mb = static_cast<std::int64_t>(v);
    return {};
  }
  if (name == "--gogc") {
    o->gogc_set = true;
    if (value == "off") {
      o->gogc = -1;
      return {};
    }
    if (!(err = parse_uint(value, 1000000, &v)).empty()) return "value " + err + "; use a percentage or off";
    o->gogc = static_cast<int>(v);
    return {};
  }
  if (name == "--memlimit") {
    o->memlimit_set = true;
    if (value == "off") {
      o->memlimit = INT64_MAX;
      return {};
    }
    std::int64_t b;
    if (!(err = parse_bytes(value, &b)).empty()) return "value " + err;
    if (b == 0) return "value must be above zero (or off)";
    o->memlimit = b;
    return {};
  }
  if (name == "--procs") {
    if (!(err = parse_count(value, 1024, &v)).empty()) return err;
    o->procs = static_cast<int>(v);
    return {};
  }
  if (name == "--report") {
    if (!(err = check_writable(std::string(value))).empty()) return err;
    o->report_path = std::string(value);
    return {};
  }
  if (name == "--trace") {
    if (!(err = check_writable(std::string(value))).empty()) return err;
    o->trace_path = std::string(value);
    return {};
  }
  if (name == "--seed") {
    if (!(err = parse_uint(value, UINT64_MAX, &o->seed)).empty()) return "value " + err;
    return {};
  }
  return "is not handled";  // unreachable: every flag of kFlags is above or below
}

}  // namespace

ParseResult parse_options(int argc, char** argv, Options* out) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      ParseResult r;
      r.exit_code = 0;
      return r;
    }
    if (arg.substr(0, 2) != "--") return fail("unexpected argument '" + std::string(arg) + "'");
    std::string_view name = arg, value;
    bool has_inline = false;
    if (std::size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_inline = true;
    }
    const Flag* flag = nullptr;
    for (const Flag& f : kFlags)
      if (name == f.name) flag = &f;
    if (flag == nullptr) return fail("unknown flag '" + std::string(name) + "'");
    if (!flag->takes_value) {
      if (has_inline) return fail(std::string(name) + " takes no value");
      if (name == "--verify") o.verify = true;
      else if (name == "--json") o.json = true;
      continue;
    }
    if (!has_inline) {
      if (i + 1 >= argc) return fail(std::string(name) + " needs a value");
      value = argv[++i];
    }
    std::string err = apply(name, value, &o);
    if (!err.empty()) return fail(std::string(name) + ": " + err);
  }
  for (int i = 1; i < argc; i++) o.command_line += (i > 1 ? " " : "") + std::string(argv[i]);
  *out = o;
  ParseResult r;
  r.run = true;
  return r;
}

}  // namespace stress
