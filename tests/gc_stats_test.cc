// tests/gc_stats_test.cc — gort::debug::read_gc_stats / read_mem_stats keep
// Go's invariants (TestReadGCStats), and GODEBUG=gctrace=1 prints Go's line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "gort/gort.h"
#include "test_util.h"

namespace gc = gort::gc;
namespace dbg = gort::debug;

namespace {

struct Node {
  gc::Ptr<Node> next;
  long v = 0;
  void trace(gc::Tracer& t) const { t(next); }
};

[[gnu::noinline]] void churn(int n) {
  for (int i = 0; i < n; i++) gc::make<Node>();
}

}  // namespace

TEST(GCStats, ReadGCStatsAgreesWithMemStats) {
  for (int i = 0; i < 5; i++) {
    churn(10000);
    gc::collect();
  }
  dbg::GCStats s;
  s.pause_quantiles.resize(5);
  dbg::read_gc_stats(s);
  dbg::MemStats m;
  dbg::read_mem_stats(m);
  EXPECT_EQ(s.num_gc, static_cast<std::int64_t>(m.num_gc));
  EXPECT_GE(s.num_gc, 5);
  EXPECT_EQ(static_cast<std::uint64_t>(s.pause_total.count()), m.pause_total_ns);
  EXPECT_EQ(static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(s.last_gc.time_since_epoch()).count()),
            m.last_gc);
  ASSERT_EQ(s.pause.size(), std::min<std::size_t>(m.num_gc, 256));
  for (std::size_t i = 0; i < s.pause.size(); i++) {
    EXPECT_EQ(static_cast<std::uint64_t>(s.pause[i].count()), m.pause_ns[(m.num_gc + 255 - i) % 256]) << i;
    EXPECT_EQ(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             s.pause_end[i].time_since_epoch())
                                             .count()),
              m.pause_end[(m.num_gc + 255 - i) % 256])
        << i;
  }
  // Quantiles: sorted, from the minimum to the maximum.
  EXPECT_TRUE(std::is_sorted(s.pause_quantiles.begin(), s.pause_quantiles.end()));
  EXPECT_EQ(s.pause_quantiles.front(), *std::min_element(s.pause.begin(), s.pause.end()));
  EXPECT_EQ(s.pause_quantiles.back(), *std::max_element(s.pause.begin(), s.pause.end()));
  std::chrono::nanoseconds sum{0};
  for (auto p : s.pause) sum += p;
  EXPECT_LE(sum, s.pause_total);
}

TEST(GCStats, ForcedCyclesAreCounted) {
  dbg::MemStats a, b;
  dbg::read_mem_stats(a);
  gc::collect();
  gc::collect();
  dbg::read_mem_stats(b);
  EXPECT_EQ(b.num_forced_gc, a.num_forced_gc + 2);
  EXPECT_GE(b.num_gc, a.num_gc + 2);
  EXPECT_GT(b.last_gc, 0u);
  EXPECT_GE(b.pause_total_ns, a.pause_total_ns);
}

TEST(GCStats, HeapCountersFollowAllocationAndCollection) {
  gc::collect();
  dbg::MemStats before, during, after;
  dbg::read_mem_stats(before);
  gc::Root<Node> head;
  // Built on a goroutine that exits first, so no stale copy of a node's
  // address stays on this stack (it is scanned conservatively).
  gort_test::on_fresh_goroutine([&head] {
    for (int i = 0; i < 100000; i++) {
      Node* n = gc::make<Node>();
      n->next = head.get();
      head = n;
    }
  });
  dbg::read_mem_stats(during);
  EXPECT_EQ(during.heap_objects, during.mallocs - during.frees);
  EXPECT_GE(during.mallocs - before.mallocs, 100000u);
  EXPECT_GE(during.heap_alloc, before.heap_alloc + 100000 * sizeof(Node));
  EXPECT_GE(during.total_alloc, before.total_alloc + 100000 * sizeof(Node));
  EXPECT_GE(during.heap_sys, during.heap_inuse);
  EXPECT_EQ(during.heap_sys, during.heap_inuse + during.heap_idle);
  head = nullptr;
  gc::collect();
  dbg::read_mem_stats(after);
  EXPECT_EQ(after.heap_objects, after.mallocs - after.frees);
  EXPECT_GE(after.frees - during.frees, 100000u);
  EXPECT_LT(after.heap_alloc, during.heap_alloc);
  EXPECT_GT(after.next_gc, 0u);
  EXPECT_GE(after.gc_cpu_fraction, 0.0);
  EXPECT_LE(after.gc_cpu_fraction, 1.0);
}

// HeapAlloc counts what was allocated, not the free slots of the span an
// allocation cache took for it: for arrays too (their caches were left out,
// so one small array counted as its whole span).
TEST(GCStats, HeapAllocCountsAnArrayNotItsSpan) {
  gc::collect();
  dbg::MemStats before, after;
  dbg::read_mem_stats(before);
  auto arr = gc::make_slice<gc::Ptr<Node>>(5);  // a small array size class
  dbg::read_mem_stats(after);
  std::int64_t grew = static_cast<std::int64_t>(after.heap_alloc) - static_cast<std::int64_t>(before.heap_alloc);
  EXPECT_LE(grew, 1024) << "heap_alloc grew by " << grew << " bytes for one " << 16 + 5 * 8 << "-byte array";
  gc::keep_alive(arr.data());
}

// Go 1.19's line: "gc 1 @0.004s 2%: 0.004+0.46+0.016 ms clock,
// 0.009+0.17/0.047/0.36+0.032 ms cpu, 3->3->1 MB, 4 MB goal, 0 MB stacks,
// 0 MB globals, 2 P (forced)".
TEST(GCStatsDeathTest, GctraceLineHasGosFormat) {
  setenv("GODEBUG", "gctrace=1", 1);
  EXPECT_EXIT(
      {
        churn(1000);
        gc::collect();
        gort::exit(0);
      },
      testing::ExitedWithCode(0),
      testing::ContainsRegex("gc 1 @[0-9]+\\.[0-9]{3}s [0-9]+%: [0-9.]+\\+[0-9.]+\\+[0-9.]+ ms clock, "
                             "[0-9.]+\\+[0-9.]+/[0-9.]+/[0-9.]+\\+[0-9.]+ ms cpu, "
                             "[0-9]+->[0-9]+->[0-9]+ MB, [0-9]+ MB goal, [0-9]+ MB stacks, "
                             "0 MB globals, [0-9]+ P \\(forced\\)\n"));
  unsetenv("GODEBUG");
}

namespace {
struct Block {  // 32 KiB, pointer-free
  std::uint64_t w[4096];
};
}  // namespace

// The goal on a cycle's line is the one that cycle ran to (Go prints
// gcController.lastHeapGoal, read before the pacer moves on), not the next.
// The first collect() marks 40 MiB, so the second runs to a goal of about
// 80 MiB; it finds (next to) nothing live — a stale stack word may keep a
// block or two — and the goal after it is the 4 MiB minimum.
TEST(GCStatsDeathTest, GctraceShowsTheGoalTheCycleRanTo) {
  setenv("GODEBUG", "gctrace=1", 1);
  EXPECT_EXIT(
      {
        {
          std::vector<gc::Root<Block>> held;
          for (int i = 0; i < 40 * 32; i++) held.emplace_back(gc::make<Block>());
          gc::collect();
        }
        gc::collect();
        gort::exit(0);
      },
      testing::ExitedWithCode(0), testing::ContainsRegex("[0-9]+->[0-9]+->[0-9] MB, 8[0-9] MB goal, [^\n]*\\(forced\\)\n"));
  unsetenv("GODEBUG");
}

// Go shows its GC goroutines (bgsweep, bgmark workers, forcegchelper) at
// GOTRACEBACK=system and above only.
TEST(GCTraceback, CollectorGoroutinesShowOnlyAtTheSystemLevel) {
  churn(100);
  gc::collect();
  gort::sleep(std::chrono::milliseconds(20));  // the sweeper back in its wait
  std::string user_level = gort::debug::stack(true);
  EXPECT_THAT(user_level, testing::Not(testing::HasSubstr("GC worker")));
  EXPECT_THAT(user_level, testing::Not(testing::HasSubstr("GC sweep wait")));
  gort::debug::set_traceback("system");
  std::string system_level = gort::debug::stack(true);
  EXPECT_THAT(system_level, testing::HasSubstr(" [GC worker (idle)]:\n"));
  EXPECT_THAT(system_level, testing::HasSubstr(" [GC sweep wait]:\n"));
  EXPECT_THAT(system_level, testing::HasSubstr(" [force gc (idle)]:\n"));
}
