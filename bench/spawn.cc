// bench/spawn.cc — gort-bench spawn [n=1000000]
//
// What one goroutine costs from `go` to its exit. Three figures, each timed
// with a monotonic clock over n goroutines:
//
//   spawn        The headline figure. A chain: goroutine i spawns goroutine
//                i+1 and returns; goroutine n sends n on a channel main waits
//                on. Exactly one goroutine is alive at a time, so every step is
//                one spawn (G + stack + entry closure set up, queued) plus one
//                exit (closure destroyed, G and stack recycled) plus the switch
//                from the dying goroutine to its child; no parking, no
//                contention. elapsed / n.
//   spawn_wait   Spawn one goroutine that calls wg.done(); main waits on the
//                WaitGroup; n times. Adds a park and a wake-up of main to each
//                spawn: the latency of "run this in a goroutine and wait".
//   spawn_batch  wg.add(n); spawn n goroutines that each call wg.done(); wait.
//                The throughput of a fan-out: up to n goroutines alive at
//                once, and idle Ps may run them in parallel with the spawner.
//
//   RESULT name=spawn impl=gort metric=spawn       value=<ns> unit=ns
//   RESULT name=spawn impl=gort metric=spawn_wait  value=<ns> unit=ns
//   RESULT name=spawn impl=gort metric=spawn_batch value=<ns> unit=ns
//
// Checksums: the chain's last goroutine reports its index (== n); the batch's
// goroutines add their indices into an atomic (== n*(n-1)/2).
// There is no Go program for this in ../shared/peers; bench/go/spawn.go is its
// Go twin (same three figures), built and paired by scripts/bench.sh.
#include <atomic>
#include <cstdint>
#include <cstdio>

#include "gort/gort.h"
#include "result.h"

namespace gort_bench {
namespace {

void chain(const gort::Chan<std::int64_t>& done, std::int64_t i, std::int64_t n) {
  if (i == n) {
    done.send(i);
    return;
  }
  gort::go(&chain, done, i + 1, n);
}

int run_spawn(Args& a) {
  const std::int64_t n = a.next_int("n", 1000000, 1, INT32_MAX);
  if (!a.done()) return kUsage;

  return gort::run([&]() -> int {
    // 1. chain: spawn + exit, one goroutine alive at a time
    auto done = gort::make_chan<std::int64_t>();
    std::int64_t t0 = now_ns();
    gort::go(&chain, done, std::int64_t{1}, n);
    const std::int64_t last = done.recv();
    const std::int64_t el_chain = now_ns() - t0;
    std::printf("spawn chain n=%lld last=%lld ns_per_goroutine=%.1f gomaxprocs=%d\n",
                (long long)n, (long long)last, double(el_chain) / double(n), gort::gomaxprocs());
    if (last != n) return check_failed();

    // 2. spawn one, wait for it, n times
    gort::WaitGroup wg;
    std::int64_t ran = 0;
    t0 = now_ns();
    for (std::int64_t i = 0; i < n; i++) {
      wg.add(1);
      gort::go([&wg, &ran] {
        ran++;  // ordered by wg.done() -> wg.wait()
        wg.done();
      });
      wg.wait();
    }
    const std::int64_t el_wait = now_ns() - t0;
    std::printf("spawn wait n=%lld ran=%lld ns_per_goroutine=%.1f\n", (long long)n, (long long)ran,
                double(el_wait) / double(n));
    if (ran != n) return check_failed();

    // 3. fan-out: n goroutines, one WaitGroup
    std::atomic<std::int64_t> sum{0};
    t0 = now_ns();
    wg.add(static_cast<int>(n));
    for (std::int64_t i = 0; i < n; i++) {
      gort::go([&wg, &sum, i] {
        sum.fetch_add(i, std::memory_order_relaxed);
        wg.done();
      });
    }
    wg.wait();
    const std::int64_t el_batch = now_ns() - t0;
    const std::int64_t want = n * (n - 1) / 2;
    std::printf("spawn batch n=%lld sum=%lld want=%lld ns_per_goroutine=%.1f peak_rss_mib=%.1f\n",
                (long long)n, (long long)sum.load(), (long long)want, double(el_batch) / double(n),
                peak_rss_mib());
    if (sum.load() != want) return check_failed();

    result("spawn", "spawn", double(el_chain) / double(n), "ns", "%.1f");
    result("spawn", "spawn_wait", double(el_wait) / double(n), "ns", "%.1f");
    result("spawn", "spawn_batch", double(el_batch) / double(n), "ns", "%.1f");
    return 0;
  });
}

}  // namespace

GORT_BENCHMARK("spawn", "spawn [n=1000000]",
               "spawn and finish one goroutine: chain, spawn+wait, fan-out (ns)", run_spawn);

}  // namespace gort_bench
