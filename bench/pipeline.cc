// bench/pipeline.cc — gort-bench pipeline [n=1000000]
//
// A three-stage channel pipeline: a generator sends 0..n-1 on `a`, a squarer
// receives from `a` and sends v*v on `b`, main sums `b`. Run three times, with
// unbuffered channels and with buffers of 16 and 256. The figure is elapsed
// time per value (ns). Checksum: the sum of squares of 0..n-1.
//
//   RESULT name=pipeline impl=gort metric=cap0   value=<ns> unit=ns
//   RESULT name=pipeline impl=gort metric=cap16  value=<ns> unit=ns
//   RESULT name=pipeline impl=gort metric=cap256 value=<ns> unit=ns
//
// Go twin: bench/go/pipeline.go (same stages, sizes and checksum).
#include <cstdint>
#include <cstdio>

#include "gort/gort.h"
#include "result.h"

namespace gort_bench {
namespace {

int run_pipeline(Args& a) {
  const std::int64_t n = a.next_int("n", 1000000, 1, 100000000);
  if (!a.done()) return kUsage;

  return gort::run([&]() -> int {
    // sum of i^2 for i < n, modulo 2^64 (wrap-around is the same in Go)
    std::uint64_t want = 0;
    for (std::int64_t i = 0; i < n; i++) want += static_cast<std::uint64_t>(i) * static_cast<std::uint64_t>(i);
    for (int cap : {0, 16, 256}) {
      auto in = gort::make_chan<std::int64_t>(cap);
      auto out = gort::make_chan<std::int64_t>(cap);
      std::int64_t t0 = now_ns();
      gort::go([in, n] {
        for (std::int64_t i = 0; i < n; i++) in.send(i);
        in.close();
      });
      gort::go([in, out] {
        for (std::int64_t v : in) out.send(v * v);
        out.close();
      });
      std::uint64_t sum = 0;
      for (std::int64_t v : out) sum += static_cast<std::uint64_t>(v);
      const double per = double(now_ns() - t0) / double(n);
      std::printf("pipeline cap=%d n=%lld sum=%llu want=%llu ns_per_value=%.1f gomaxprocs=%d\n", cap,
                  (long long)n, (unsigned long long)sum, (unsigned long long)want, per,
                  gort::gomaxprocs());
      if (sum != want) return check_failed();
      char metric[16];
      std::snprintf(metric, sizeof metric, "cap%d", cap);
      result("pipeline", metric, per, "ns", "%.1f");
    }
    return 0;
  });
}

}  // namespace

GORT_BENCHMARK("pipeline", "pipeline [n=1000000]",
               "three-stage channel pipeline, unbuffered / cap 16 / cap 256 (ns per value)",
               run_pipeline);

}  // namespace gort_bench
