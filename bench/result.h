// bench/result.h — the little that every gort-bench benchmark shares: a
// registry (one .cc file per benchmark registers itself), a monotonic clock,
// strict argument parsing, and the RESULT line printer of the peers' contract
// (../shared/peers/README.md):
//
//   RESULT name=<bench> impl=gort metric=<metric> value=<number> unit=<unit>
//
// Adding a benchmark: create bench/<name>.cc with
//
//   #include "result.h"
//   namespace gort_bench {
//   static int run_foo(Args& a) {
//     std::int64_t n = a.next_int("n", 1000000, 1);
//     if (!a.done()) return kUsage;
//     return gort::run([&] { ...; result("foo", "metric", v, "ns"); return 0; });
//   }
//   GORT_BENCHMARK("foo", "foo [n=1000000]", "what it measures", run_foo);
//   }  // namespace gort_bench
//
// and nothing else: bench/CMakeLists.txt globs bench/*.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace gort_bench {

// The implementation label every RESULT line carries (the contract says impl=gort).
inline constexpr const char* kImpl = "gort";

// Returned by a benchmark's entry point when its arguments are bad: main()
// prints the usage and exits 2.
inline constexpr int kUsage = -2;

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Prints one RESULT line (value printed with printf format `fmt`, "%.6g" by
// default, like the Go programs' own formats) and flushes.
inline void result(const char* name, const char* metric, double value, const char* unit,
                   const char* fmt = "%.6g") {
  char num[64];
  std::snprintf(num, sizeof num, fmt, value);
  std::printf("RESULT name=%s impl=%s metric=%s value=%s unit=%s\n", name, kImpl, metric, num,
              unit);
  std::fflush(stdout);
}

// The checksum failure path of the peers: "CHECK FAILED" on stdout, exit 1.
inline int check_failed() {
  std::puts("CHECK FAILED");
  std::fflush(stdout);
  return 1;
}

// Peak resident set size in MiB (VmHWM), for the informational lines.
double peak_rss_mib();

// Positional arguments, parsed strictly: a present argument must be a whole
// decimal integer within [min, max]; anything else is a usage error.
class Args {
 public:
  Args(int argc, char** argv) : argc_(argc), argv_(argv) {}
  // The next positional argument, or `dflt` when absent.
  std::int64_t next_int(const char* what, std::int64_t dflt, std::int64_t min,
                        std::int64_t max = INT64_MAX);
  // True when every argument was consumed and all were valid; otherwise
  // reports the problem on stderr.
  bool done();

 private:
  int argc_;
  char** argv_;
  int i_ = 0;
  bool bad_ = false;
};

struct Benchmark {
  const char* name;
  const char* usage;    // e.g. "skynet [leaves=1000000] [div=10]"
  const char* summary;  // one line: what it measures
  int (*run)(Args&);    // exit status, or kUsage
};

// Registers a benchmark at static-initialisation time; see GORT_BENCHMARK.
struct Register {
  explicit Register(const Benchmark& b);
};

// GORT_BENCHMARK("binary-trees", "binary-trees DEPTH", "what it measures", run_fn);
#define GORT_BENCHMARK(name, usage, summary, fn) \
  static const ::gort_bench::Register gort_bench_register_##fn{ \
      ::gort_bench::Benchmark{name, usage, summary, fn}}

}  // namespace gort_bench
