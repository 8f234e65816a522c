// tests/gc_pacer_test.cc — GOGC, GOMEMLIMIT (Go's syntax and its fatal error),
// the periodic cycle, and heap triggers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <atomic>
#include <vector>

#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/limiter.h"
#include "gc/pacer.h"
#include "gc/testing.h"
#include "gc/workers.h"
#include "gort/gort.h"

namespace gc = gort::gc;

namespace {

struct Blob {
  std::uint64_t w[128];  // 1 KiB, pointer-free
};

[[gnu::noinline]] void allocate_bytes(std::int64_t bytes) {
  for (std::int64_t i = 0; i < bytes / 1024; i++) gc::make<Blob>();
}

}  // namespace

TEST(GCPacer, ByteCountsParseAsGosParseByteCount) {
  std::int64_t v = 0;
  EXPECT_TRUE(gc::parse_byte_count("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(gc::parse_byte_count("12345", &v));
  EXPECT_EQ(v, 12345);
  EXPECT_TRUE(gc::parse_byte_count("100B", &v));
  EXPECT_EQ(v, 100);
  EXPECT_TRUE(gc::parse_byte_count("5KiB", &v));
  EXPECT_EQ(v, 5 * 1024);
  EXPECT_TRUE(gc::parse_byte_count("64MiB", &v));
  EXPECT_EQ(v, 64 << 20);
  EXPECT_TRUE(gc::parse_byte_count("2GiB", &v));
  EXPECT_EQ(v, std::int64_t{2} << 30);
  EXPECT_TRUE(gc::parse_byte_count("1TiB", &v));
  EXPECT_EQ(v, std::int64_t{1} << 40);
  // Go's atoi64 takes a sign, and parseByteCount only rejects n < 0: "-0"
  // (any suffix) and even "-KiB" (no digits after the '-') are 0 in Go 1.19.
  for (const char* zero : {"-0", "-0B", "-0KiB", "-KiB", "0TiB"}) {
    v = 1;
    EXPECT_TRUE(gc::parse_byte_count(zero, &v)) << "'" << zero << "'";
    EXPECT_EQ(v, 0) << "'" << zero << "'";
  }
  EXPECT_TRUE(gc::parse_byte_count("8388607TiB", &v));
  EXPECT_EQ(v, std::int64_t{8388607} << 40);
  for (const char* bad : {"-", "-B", "--0", "-1KiB", "", "B", "KiB", "1K", "1KB", "1MB", "1kib", "-1", "+5", "1.5GiB", "1PiB",
                          "9223372036854775808", "16777216TiB", " 1", "1 "}) {
    EXPECT_FALSE(gc::parse_byte_count(bad, &v)) << "'" << bad << "'";
  }
}

TEST(GCPacerDeathTest, MalformedGOMEMLIMITIsFatalAsInGo) {
  setenv("GOMEMLIMIT", "10XB", 1);
  EXPECT_EXIT({ gort::exit(0); }, testing::ExitedWithCode(2),
              testing::StartsWith("GOMEMLIMIT=10XB\nfatal error: malformed GOMEMLIMIT; see `go doc "
                                  "runtime/debug.SetMemoryLimit`\n"));
  unsetenv("GOMEMLIMIT");
}

TEST(GCPacer, GOGCPercentSetsTheGoal) {
  gc::collect();
  int old = gc::set_gc_percent(100);
  EXPECT_EQ(gc::set_gc_percent(50), 100);
  gort::debug::MemStats m;
  gort::debug::read_mem_stats(m);
  // The 4 MiB floor scaled by GOGC/100 at least.
  EXPECT_GE(m.next_gc, std::uint64_t{2} << 20);
  EXPECT_EQ(gc::set_gc_percent(-1), 50);
  gort::debug::read_mem_stats(m);
  EXPECT_EQ(m.next_gc, 0u);  // off: no goal
  // With GOGC off, allocation starts no cycle.
  std::uint32_t c0 = gc::collector().cycles.load();
  allocate_bytes(64 << 20);
  EXPECT_EQ(gc::collector().cycles.load(), c0);
  gc::set_gc_percent(old);
}

TEST(GCPacer, MemoryLimitCapsTheGoalEvenWithGOGCOff) {
  gc::collect();
  int old = gc::set_gc_percent(-1);
  EXPECT_EQ(gc::set_memory_limit(-1), INT64_MAX);
  EXPECT_EQ(gc::set_memory_limit(32 << 20), INT64_MAX);
  EXPECT_EQ(gc::set_memory_limit(-1), 32 << 20);
  std::uint32_t c0 = gc::collector().cycles.load();
  allocate_bytes(256 << 20);  // garbage: the limit must keep the heap near 32 MiB
  gc::collect();
  EXPECT_GT(gc::collector().cycles.load() - c0, 4u);
  gort::debug::MemStats m;
  gort::debug::read_mem_stats(m);
  EXPECT_LE(m.next_gc, std::uint64_t{32} << 20);
  EXPECT_LE(m.heap_sys, std::uint64_t{128} << 20);  // committed in 64 MiB chunks
  gc::set_memory_limit(INT64_MAX);
  gc::set_gc_percent(old);
}

TEST(GCPacer, APeriodicCycleRunsWhenNoneHasForAWhile) {
  gc::make<Blob>();  // starts the collector's goroutines
  gc::collect();
  gc::collector().force_period_ns.store(50'000'000);  // instead of two minutes
  std::uint32_t c0 = gc::collector().cycles.load();
  gort::sleep(std::chrono::milliseconds(400));  // no allocation at all
  EXPECT_GE(gc::collector().cycles.load() - c0, 2u);
  gort::debug::MemStats m;
  gort::debug::read_mem_stats(m);
  gc::collector().force_period_ns.store(120'000'000'000);
}

namespace {

struct Link {  // 48 bytes: a long chain of these marks one object at a time
  gc::Ptr<Link> next;
  std::uint64_t pad[5];
  void trace(gc::Tracer& t) const { t(next); }
};

// The GCAssist tests' heap: GOGC off, a 128 MiB memory limit, and a live
// 80 MiB chain of Links, which only one marker at a time can follow, built
// and collected once. The destructor puts the limit and GOGC back.
class ChainUnderLimit {
 public:
  static constexpr std::int64_t kLimit = 128 << 20;
  static constexpr std::int64_t kChain = 80 << 20;
  // The goal is the limit less 5%; assists may let the heap past it by 10%
  // (Go's overshoot), plus what each P's cache holds: limit + 1/8.
  static constexpr std::int64_t kPeakBound = kLimit + kLimit / 8;

  ChainUnderLimit() {
    Link* tail = head_.get();
    for (std::int64_t i = 0; i < kChain / 48; i++) {
      Link* l = gc::make<Link>();
      tail->next = l;
      tail = l;
    }
    gc::collect();
  }
  ~ChainUnderLimit() {
    gc::set_memory_limit(INT64_MAX);
    gc::set_gc_percent(old_percent_);
  }

 private:
  static int off_under_limit() {
    gc::collect();
    int old = gc::set_gc_percent(-1);
    gc::set_memory_limit(kLimit);
    return old;
  }
  int old_percent_ = off_under_limit();
  gc::Root<Link> head_ = gc::make<Link>();
};

// On a goroutine of its own: `chunks` times 64 KiB of pointer-free garbage,
// then stop() is asked; returns the largest live heap seen after each 64 KiB.
template <class Stop>
std::int64_t allocate_watching_peak(int chunks, Stop stop) {
  std::int64_t peak = 0;
  gort::WaitGroup wg;
  wg.add(1);
  gort::go([&] {
    do {
      for (int i = 0; i < chunks; i++) {
        allocate_bytes(64 << 10);
        peak = std::max(peak, gc::heap().live_bytes.load(std::memory_order_relaxed));
      }
    } while (!stop());
    wg.done();
  });
  wg.wait();
  return peak;
}

}  // namespace

// Go's assist queue (gc/assist.cc): a goroutine that owes mark work but finds
// nothing to scan waits for the workers instead of allocating on. Here the
// live heap is one 80 MiB chain, which only one marker at a time can follow,
// and eight goroutines allocate pointer-free garbage as fast as they can.
// With the wait the heap peaked at its goal (121 MiB); without it, at
// 500-590 MiB against the 128 MiB limit.
//
// Each cycle scans the whole chain, and the pacer must be told so in that
// cycle: an assist that scanned the chain in one burst and then ended the
// mark used to count its work after the cycle's end, so the cycle ended
// with 0 bytes scanned and the next expected 64 KiB of scan work, took the
// heap for growing, and let it run to 142-159 MiB (session 18; 3 runs of 20
// with another program busy beside it).
TEST(GCAssist, AnAllocatorWaitsForASlowMarkRatherThanOverrunTheGoal) {
  ChainUnderLimit chain;
  constexpr std::int64_t kLimit = ChainUnderLimit::kLimit;
  constexpr std::int64_t kChain = ChainUnderLimit::kChain;
  std::uint32_t c0 = gc::collector().cycles.load();
  // Eight allocators: one at a time can hold the chain's grey object, so
  // the others find nothing to scan.
  std::atomic<std::int64_t> peak{0};
  std::atomic<std::int64_t> least_scanned{INT64_MAX};  // the scan work of a finished cycle, least seen
  gort::WaitGroup wg;
  for (int g = 0; g < 8; g++) {
    wg.add(1);
    gort::go([&] {
      for (int i = 0; i < 1024; i++) {  // 64 MiB of garbage each, 64 KiB at a time
        allocate_bytes(64 << 10);
        std::int64_t now = gc::heap().live_bytes.load(std::memory_order_relaxed);
        std::int64_t p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        std::int64_t s = gc::collector().scan_expected.load(std::memory_order_relaxed);
        std::int64_t l = least_scanned.load();
        while (s < l && !least_scanned.compare_exchange_weak(l, s)) {
        }
      }
      wg.done();
    });
  }
  wg.wait();
  std::uint32_t cycles = gc::collector().cycles.load() - c0;
  EXPECT_GE(cycles, 4u);
  std::printf("peak heap %lld MiB over %u cycles; least scan work of a cycle %lld MiB\n",
              static_cast<long long>(peak.load() >> 20), cycles, static_cast<long long>(least_scanned.load() >> 20));
  EXPECT_GE(least_scanned.load(), kChain / 2) << "a cycle ended with less scan work counted than its chain";
  // The goal is the limit less 5%; assists may let the heap past it by 10%
  // (Go's overshoot), plus what each P's cache holds: limit + 1/8. (30 runs
  // of 30 at 127-129 MiB with another program busy beside it, session 18.)
  EXPECT_LE(peak.load(), kLimit + kLimit / 8) << "peak heap " << (peak.load() >> 20) << " MiB over " << cycles << " cycles";
}

// While an idle-priority worker marks, an allocating goroutine carries its
// assist debt rather than scan (gc/assist.cc, "Idle Ps") — but only below
// the goal. Here one allocator runs beside a real idle worker marking a long
// chain: the debt is carried (in some cycle at least), and the heap stays
// within the bound. The marks here reach the goal, where the allocator
// assists (it holds the chain's one grey object much of the time), so the
// bound is kept by those assists as much as by the goal check; the next
// test is the one that fails without the goal check.
TEST(GCAssist, OneAllocatorBesideAnIdleWorkerIsHeldAtTheGoal) {
  if (gort::gomaxprocs() < 2) GTEST_SKIP() << "needs an idle P";
  ChainUnderLimit chain;
  std::uint32_t c0 = gc::collector().cycles.load();
  std::uint64_t carries0 = gc::g_testing_assist_carries.load();
  // 256 MiB of garbage; again (up to 4 times) while no cycle has seen a
  // carry: on a loaded machine the idle P may be taken. (Carries were seen
  // in 1-7 of 7-8 cycles per 256 MiB, 12 runs.)
  int rounds = 0;
  std::int64_t peak =
      allocate_watching_peak(4096, [&] { return ++rounds == 4 || gc::g_testing_assist_carries.load() != carries0; });
  std::uint32_t cycles = gc::collector().cycles.load() - c0;
  std::uint64_t carries = gc::g_testing_assist_carries.load() - carries0;
  std::printf("peak heap %lld MiB over %u cycles; debt carried in %llu of them\n", static_cast<long long>(peak >> 20),
              cycles, static_cast<unsigned long long>(carries));
  EXPECT_GE(cycles, 2u);
  EXPECT_GT(carries, 0u) << "no cycle in which an allocation carried its debt: the idle worker never marked beside it";
  EXPECT_LE(peak, ChainUnderLimit::kPeakBound) << "peak heap " << (peak >> 20) << " MiB over " << cycles << " cycles";
}

// The same debt, carried where the mark cannot keep up: one P, so only the
// fractional worker (25% of it) marks the chain, and the assists act as if
// an idle worker marked. The carrying must stop at the goal, where the
// allocator assists and waits (carried past it, the mark did not end within
// the test and the heap reached 336 MiB against the bound of 144). Nothing
// here checks the cap on what is carried.
TEST(GCAssist, DebtCarriedForAnIdleWorkerStopsAtTheGoal) {
  int procs = gort::set_gomaxprocs(1);
  std::int64_t peak;
  std::uint32_t cycles;
  std::uint64_t carries;
  {
    ChainUnderLimit chain;
    std::uint32_t c0 = gc::collector().cycles.load();
    std::uint64_t carries0 = gc::g_testing_assist_carries.load();
    gc::g_testing_assume_idle_marking.store(true);
    peak = allocate_watching_peak(4096, [] { return true; });  // 256 MiB of garbage
    gc::g_testing_assume_idle_marking.store(false);
    cycles = gc::collector().cycles.load() - c0;
    carries = gc::g_testing_assist_carries.load() - carries0;
  }
  gort::set_gomaxprocs(procs);
  std::printf("peak heap %lld MiB over %u cycles; debt carried in %llu of them\n", static_cast<long long>(peak >> 20),
              cycles, static_cast<unsigned long long>(carries));
  EXPECT_GT(carries, 0u);
  EXPECT_LE(peak, ChainUnderLimit::kPeakBound) << "peak heap " << (peak >> 20) << " MiB over " << cycles << " cycles";
}

TEST(GCPacer, CollectorGoroutinesAreNotCounted) {
  std::int64_t n = gort::num_goroutine();
  gc::make<Blob>();
  gc::collect();
  EXPECT_EQ(gort::num_goroutine(), n);
}

namespace {

std::int64_t rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f != nullptr) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<std::int64_t>(resident) * 4096;
}

struct Chunk {  // 32 KiB, pointer-free
  std::uint64_t w[4096];
};

struct BigChunk {  // 4 MiB, pointer-free: a large span, on huge pages
  std::uint64_t w[512 * 1024];
};

}  // namespace

// Go's scavenger: a program whose live heap falls from ~1 GiB to ~20 MiB
// ends with a resident size near the smaller figure.
TEST(GCPacer, ShrinkingHeapGivesMemoryBackToTheOS) {
  constexpr int kChunks = 32 * 1024;  // 1 GiB
  std::vector<gc::Root<Chunk>> held(kChunks);
  for (int i = 0; i < kChunks; i++) {
    Chunk* c = gc::make<Chunk>();
    for (std::size_t j = 0; j < 4096; j += 512) c->w[j] = static_cast<std::uint64_t>(i);  // touch it
    held[static_cast<std::size_t>(i)] = c;
  }
  std::int64_t big = rss_bytes();
  EXPECT_GT(big, std::int64_t{900} << 20);
  held.resize(640);  // keep 20 MiB
  gc::collect();
  gort::debug::free_os_memory();
  std::int64_t small = rss_bytes();
  std::printf("RSS with 1 GiB live: %lld MiB; after dropping to 20 MiB: %lld MiB\n",
              static_cast<long long>(big >> 20), static_cast<long long>(small >> 20));
  // Under ASan the process also keeps the shadow of every heap page it
  // touched (an eighth of the peak: ~140 MiB here, on an AMD EPYC VM; the
  // Xeon VM of the earlier sessions did not count it). The bound itself is
  // checked by the plain build (33 MiB there).
#if defined(__SANITIZE_ADDRESS__)
  const std::int64_t bound = (std::int64_t{120} << 20) + big / 8;
#else
  const std::int64_t bound = std::int64_t{120} << 20;
#endif
  EXPECT_LT(small, bound);
  gort::debug::MemStats m;
  gort::debug::read_mem_stats(m);
  EXPECT_GT(m.heap_released, std::uint64_t{800} << 20);
  for (auto& r : held) ASSERT_EQ(r->w[0], r->w[512]);
}

// The background scavenger, without free_os_memory: after the next cycles'
// sweeps the free memory beyond the goal is released too.
TEST(GCPacer, TheScavengerReleasesFreeMemoryInTheBackground) {
  {
    std::vector<gc::Root<Chunk>> held(8 * 1024);  // 256 MiB
    for (auto& r : held) {
      Chunk* c = gc::make<Chunk>();
      for (std::size_t j = 0; j < 4096; j += 512) c->w[j] = 1;
      r = c;
    }
  }
  gc::collect();
  gc::collect();
  for (int i = 0; i < 100 && rss_bytes() > (std::int64_t{120} << 20); i++)
    gort::sleep(std::chrono::milliseconds(10));
  EXPECT_LT(rss_bytes(), std::int64_t{120} << 20);
}

// Large objects too: their spans' pages are freed dirty (for reuse) and
// the scavenger after the sweep gives them back.
TEST(GCPacer, TheScavengerReleasesFreedLargeObjects) {
  gc::collect();
  std::int64_t before = rss_bytes();
  {
    std::vector<gc::Root<BigChunk>> held(64);  // 256 MiB
    for (auto& r : held) {
      BigChunk* c = gc::make<BigChunk>();
      for (std::size_t j = 0; j < 512 * 1024; j += 512) c->w[j] = 1;
      r = c;
    }
    EXPECT_GT(rss_bytes(), before + (std::int64_t{200} << 20));
  }
  gc::collect();
  gc::collect();
  for (int i = 0; i < 100 && rss_bytes() > before + (std::int64_t{64} << 20); i++)
    gort::sleep(std::chrono::milliseconds(10));
  EXPECT_LT(rss_bytes(), before + (std::int64_t{64} << 20));
}

// The scavenger's slack (gc/cycle.cc, scavenge): when the goal falls, the
// pages above it stay for one more cycle, then go back to the OS.
TEST(GCPacer, AFallingGoalKeepsItsPagesForOneCycle) {
  gc::set_memory_limit(INT64_MAX);
  auto released = [] {
    gort::debug::MemStats m;
    gort::debug::read_mem_stats(m);
    return static_cast<std::int64_t>(m.heap_released);
  };
  {
    std::vector<gc::Root<Chunk>> held(8 * 1024);  // 256 MiB
    for (auto& r : held) {
      Chunk* c = gc::make<Chunk>();
      for (std::size_t j = 0; j < 4096; j += 512) c->w[j] = 1;
      r = c;
    }
    gc::collect();  // the goal: twice 256 MiB
  }
  gort::sleep(std::chrono::milliseconds(100));  // that cycle's sweep and scavenge
  std::int64_t r0 = released();
  gc::collect();  // the 256 MiB is garbage: the goal falls, the pages stay
  // (Without the slack they go within a few milliseconds of the sweep: give
  // that a second.)
  for (int i = 0; i < 100 && released() - r0 < (std::int64_t{64} << 20); i++)
    gort::sleep(std::chrono::milliseconds(10));
  std::int64_t r1 = released();
  std::printf("released: %lld MiB before, %lld MiB after the first cycle\n", static_cast<long long>(r0 >> 20), static_cast<long long>(r1 >> 20));
  EXPECT_LT(r1 - r0, std::int64_t{64} << 20) << "released at the first cycle after the fall";
  gc::collect();  // and go at the next
  for (int i = 0; i < 100 && released() - r0 < (std::int64_t{200} << 20); i++)
    gort::sleep(std::chrono::milliseconds(10));
  EXPECT_GE(released() - r0, std::int64_t{200} << 20) << "not released at the second cycle";
}

// The trigger's runway is what the program allocated during the last mark
// per unit of the time it ran: a mark it spent mostly assisting (alloc's
// serial chain: 85% of the mark) does not shrink the runway, which would
// start the next mark late and make it assist as much again.
TEST(GCPacer, TheRunwayCountsTheProgramsTimeNotItsAssists) {
  gc::collect();
  int old = gc::set_gc_percent(100);
  gc::Collector& c = gc::collector();
  constexpr std::int64_t kMarked = 64 << 20, kStart = 100 << 20, kEnd = 110 << 20;
  // Goal 128 MiB; 10 MiB allocated during the mark, the program running all of it.
  gc::pacer_cycle_end(kMarked, 0, kStart, kEnd, 1.0);
  std::int64_t ran_all = c.trigger.load();
  // The same 10 MiB while it assisted three quarters of the mark.
  gc::pacer_cycle_end(kMarked, 0, kStart, kEnd, 0.25);
  std::int64_t assisted = c.trigger.load();
  std::printf("trigger: %lld MiB when the program ran the whole mark, %lld MiB when it assisted 3/4 of it\n",
              static_cast<long long>(ran_all >> 20), static_cast<long long>(assisted >> 20));
  EXPECT_EQ(c.goal.load(), std::int64_t{128} << 20);
  EXPECT_LT(assisted, ran_all - (std::int64_t{16} << 20));  // runway 11 MiB against 38 (44, capped at 60%)
  gc::set_gc_percent(old);
  gc::collect();  // back to pacing from a real mark
}

// GODEBUG=gcstress=N (gort's knob): a cycle every N allocation slow paths.
TEST(GCPacer, StressKnobForcesFrequentCycles) {
  gc::collect();
  int old = gc::set_gc_percent(-1);  // no heap trigger: any cycle is the knob's
  gc::collector().settings.stress_every = 16;
  std::uint32_t c0 = gc::collector().cycles.load();
  allocate_bytes(8 << 20);  // 8,192 objects
  std::uint32_t c1 = gc::collector().cycles.load();
  gc::collector().settings.stress_every = 0;
  gc::set_gc_percent(old);
  EXPECT_GE(c1 - c0, 60u);  // one per 16 allocations: 512
}

// ---- mark workers and the CPU limiter -------------------------------------------------

TEST(GCWorkers, BackgroundUtilisationSplitsAsGos) {
  // Go's startCycle: 25% of GOMAXPROCS in whole Ps where rounding is within
  // 30%, otherwise one dedicated worker fewer and fractions for the rest.
  for (int procs : {1, 2, 3}) {
    gc::WorkerSplit w = gc::worker_split(procs);
    EXPECT_EQ(w.dedicated, 0) << procs;
    EXPECT_DOUBLE_EQ(w.fractional, 0.25) << procs;
  }
  EXPECT_EQ(gc::worker_split(4).dedicated, 1);
  EXPECT_DOUBLE_EQ(gc::worker_split(4).fractional, 0);
  EXPECT_EQ(gc::worker_split(5).dedicated, 1);  // 1.25 rounds to 1, 20% off: dedicated only
  EXPECT_DOUBLE_EQ(gc::worker_split(5).fractional, 0);
  EXPECT_EQ(gc::worker_split(6).dedicated, 1);  // 1.5 rounds to 2, 33% off
  EXPECT_DOUBLE_EQ(gc::worker_split(6).fractional, 0.5 / 6);
  EXPECT_EQ(gc::worker_split(8).dedicated, 2);
  EXPECT_DOUBLE_EQ(gc::worker_split(8).fractional, 0);
}

TEST(GCWorkers, ACycleFinishesWhileEveryOtherPSpinsInPlainCode) {
  // Every P but this one runs a goroutine that never reaches a safepoint:
  // the mark runs on this P (its idle worker, once collect() waits), and
  // the spinning goroutines' stacks are scanned by stopping their threads.
  std::atomic<bool> stop{false};
  std::atomic<int> spinning{0};
  int procs = gort::gomaxprocs() - 1;
  for (int i = 0; i < procs; i++)
    gort::go([&] {
      spinning++;
      volatile std::uint64_t x = 0;
      while (!stop.load(std::memory_order_relaxed)) x = x + 1;
      spinning--;
    });
  while (spinning.load() < procs) gort::yield();
  std::uint32_t before = gc::collector().cycles.load();
  gc::collect();
  EXPECT_GT(gc::collector().cycles.load(), before);
  stop = true;
  while (spinning.load() > 0) gort::yield();
}

TEST(GCLimiter, BucketFillsWithGCTimeAndDrainsWithMutatorTime) {
  gc::CpuLimiter l;
  l.reset_capacity(2);
  EXPECT_EQ(l.capacity(), 2'000'000'000);
  EXPECT_FALSE(l.accumulate(0, 1'000'000'000));
  EXPECT_EQ(l.fill(), 1'000'000'000);
  EXPECT_TRUE(l.accumulate(0, 1'500'000'000));  // full: on, 0.5 s over
  EXPECT_EQ(l.fill(), 2'000'000'000);
  EXPECT_EQ(l.overflow(), 500'000'000);
  EXPECT_TRUE(l.accumulate(5, 5));  // no change: stays on
  EXPECT_FALSE(l.accumulate(1'000'000, 0));  // the mutator drains it: off
  EXPECT_EQ(l.fill(), 2'000'000'000 - 1'000'000);
  EXPECT_FALSE(l.accumulate(3'000'000'000, 0));  // never below empty
  EXPECT_EQ(l.fill(), 0);
  l.accumulate(0, 2'000'000'000);
  l.reset_capacity(1);  // GOMAXPROCS shrank: the fill is capped
  EXPECT_EQ(l.fill(), 1'000'000'000);
}
