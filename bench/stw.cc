// bench/stw.cc — gort-bench stw LIVE_MB GOROUTINES [CYCLES]: the collector's
// stop-the-world pauses with a given live heap and goroutine count (issue
// 4's table: p99 under 100 µs with 100 MB and 2 GB live, with 10 and
// 100,000 goroutines). No Go peer: the bar is absolute.
//
// The live heap is a set of 64 KiB-node linked lists of 48-byte objects with
// pointers (so the mark has real work), held by root handles; the goroutines
// are parked on a channel, each with a few frames of stack. Each cycle is a
// gort::gc::collect(); the pauses are each cycle's total stop-the-world time
// (start pause + mark termination, including the time to stop), read from the
// collector's pause ring.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "gc/collector.h"
#include "gc/stats.h"
#include "gort/gort.h"
#include "result.h"

namespace gort_bench {
namespace {

struct Node {
  gort::gc::Ptr<Node> next;
  std::int64_t a = 0, b = 0, c = 0, d = 0;
  void trace(gort::gc::Tracer& t) const { t(next); }
};

[[gnu::noinline]] void park_deep(int depth, const gort::Chan<int>& ch) {
  volatile char pad[64] = {};
  if (depth > 0) park_deep(depth - 1, ch);
  else ch.recv();
  (void)pad[0];
}

int run_stw(Args& a) {
  const std::int64_t live_mb = a.next_int("live_mb", 100, 0, 1 << 16);
  const std::int64_t goroutines = a.next_int("goroutines", 10, 0, 1 << 22);
  const std::int64_t cycles = a.next_int("cycles", 50, 1, 100000);
  if (!a.done()) return kUsage;
  return gort::run([&]() -> int {
    // The live heap.
    const std::int64_t nodes = live_mb * (1 << 20) / 48;
    const std::int64_t per_list = 65536;
    std::vector<gort::gc::Root<Node>> lists(static_cast<std::size_t>((nodes + per_list - 1) / per_list));
    std::int64_t made = 0;
    for (auto& head : lists) {
      Node* prev = nullptr;
      for (std::int64_t i = 0; i < per_list && made < nodes; i++, made++) {
        Node* n = gort::gc::make<Node>();
        n->next = prev;
        prev = n;
      }
      head = prev;
    }
    // The goroutines.
    auto ch = gort::make_chan<int>();
    gort::WaitGroup wg;
    wg.add(static_cast<int>(goroutines));
    for (std::int64_t g = 0; g < goroutines; g++) {
      gort::go([&wg, ch] {
        park_deep(4, ch);
        wg.done();
      });
    }
    for (int i = 0; i < 10; i++) gort::yield();
    gort::gc::collect();
    gort::gc::collect();
    const std::uint32_t first = gort::gc::collector().cycles.load() + 1;
    for (std::int64_t i = 0; i < cycles; i++) gort::gc::collect();
    const std::uint32_t last = gort::gc::collector().cycles.load();
    std::vector<double> pauses;
    {
      gort::gc::Stats& s = gort::gc::stats();
      s.lock.lock();
      for (std::uint32_t n = std::max(first, last > 255 ? last - 255 : 1u); n <= last; n++)
        pauses.push_back(static_cast<double>(s.pause_ns[(n + 255) % 256]) / 1000.0);
      s.lock.unlock();
    }
    std::sort(pauses.begin(), pauses.end());
    auto q = [&](double f) { return pauses[static_cast<std::size_t>(f * static_cast<double>(pauses.size() - 1))]; };
    std::printf("live_mb=%lld goroutines=%lld cycles=%zu pause p50=%.1f us p99=%.1f us max=%.1f us\n",
                static_cast<long long>(live_mb), static_cast<long long>(goroutines), pauses.size(), q(0.5),
                q(0.99), pauses.back());
    char name[64];
    std::snprintf(name, sizeof name, "stw-%lldmb-%lldg", static_cast<long long>(live_mb),
                  static_cast<long long>(goroutines));
    result(name, "pause_p50", q(0.5), "us");
    result(name, "pause_p99", q(0.99), "us");
    result(name, "pause_max", pauses.back(), "us");
    for (std::int64_t g = 0; g < goroutines; g++) ch.send(0);
    wg.wait();
    return 0;
  });
}

}  // namespace

GORT_BENCHMARK("stw", "stw [live_mb=100] [goroutines=10] [cycles=50]",
               "stop-the-world pauses of collect() with a live heap and parked goroutines", run_stw);

}  // namespace gort_bench
