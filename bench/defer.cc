// bench/defer.cc — gort-bench defer [iters=100000000]
//
// The twin of bench/go/defer/main.go: the cost of a deferred call on a path
// that does not panic. Each case calls a [[gnu::noinline]] function through a
// function pointer `iters` times, 5 runs, median ns per call:
//   nodefer     the function increments a counter and returns x + 1
//   defer       the same with one gort::Defer that increments the counter
//               (Go: one open-coded defer)
//   func_defer  the body inside gort::func (a recovery boundary) with one
//               gort::Defer: a function a deferred recover can return from
// and defer_cost = defer - nodefer.
//
//   RESULT name=defer impl=gort metric=nodefer    value=<ns> unit=ns
//   RESULT name=defer impl=gort metric=defer      value=<ns> unit=ns
//   RESULT name=defer impl=gort metric=defer_cost value=<ns> unit=ns
//   RESULT name=defer impl=gort metric=func_defer value=<ns> unit=ns
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "gort/gort.h"
#include "result.h"

namespace gort_bench {
namespace {

std::int64_t counter = 0;

[[gnu::noinline]] std::int64_t nodefer(std::int64_t x) {
  counter++;
  return x + 1;
}

[[gnu::noinline]] std::int64_t with_defer(std::int64_t x) {
  gort::Defer d([] { counter++; });
  return x + 1;
}

[[gnu::noinline]] std::int64_t func_defer(std::int64_t x) {
  return gort::func([x] {
    gort::Defer d([] { counter++; });
    return x + 1;
  });
}

double measure(std::int64_t (*f)(std::int64_t), std::int64_t iters) {
  std::vector<double> res;
  for (int r = 0; r < 5; r++) {
    std::int64_t x = 0;
    std::int64_t t0 = now_ns();
    std::int64_t (*volatile fn)(std::int64_t) = f;  // an indirect call the compiler cannot inline
    for (std::int64_t i = 0; i < iters; i++) x = fn(x);
    res.push_back(double(now_ns() - t0) / double(iters));
    if (x != iters) std::printf("unexpected x=%lld\n", (long long)x);
  }
  std::sort(res.begin(), res.end());
  return res[2];
}

int run_defer(Args& a) {
  const std::int64_t n = a.next_int("iters", 100000000, 1, std::int64_t{1} << 40);
  if (!a.done()) return kUsage;
  return gort::run([&]() -> int {
    counter = 0;
    double base = measure(nodefer, n);
    double d = measure(with_defer, n);
    double fd = measure(func_defer, n);
    // Every call incremented the counter once: 3 cases x 5 runs x n calls.
    if (counter != 15 * n) return check_failed();
    std::printf("nodefer %.3f\ndefer %.3f\nfunc_defer %.3f\ncost_of_one_defer %.3f\n", base, d, fd, d - base);
    auto r = [](const char* metric, double v) { result("defer", metric, v, "ns", "%.4g"); };
    r("nodefer", base);
    r("defer", d);
    r("defer_cost", d - base);
    r("func_defer", fd);
    return 0;
  });
}

}  // namespace

GORT_BENCHMARK("defer", "defer [iters=100000000]",
               "cost of a deferred call that does not panic (twin of bench/go/defer/main.go)",
               run_defer);

}  // namespace gort_bench
