// tests/traceback_stress_test.cc — tracebacks and panics at scale: a dump of
// 10,000 parked goroutines, and many goroutines panicking and recovering
// concurrently on two Ms for a few seconds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <random>
#include <string>

#include "gort/gort.h"
#include "test_util.h"

namespace stress {

[[gnu::noipa]] void parked_receiver(gort::Chan<int> c, gort::WaitGroup* wg) {
  c.recv_ok();
  wg->done();
}

}  // namespace stress

namespace {

using namespace gort_test;

std::size_t count_occurrences(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + needle.size())) n++;
  return n;
}

std::size_t count_headers(const std::string& s) {
  std::size_t n = s.rfind("goroutine ", 0) == 0 ? 1 : 0;
  return n + count_occurrences(s, "\ngoroutine ");
}

TEST(TracebackStress, StackOfTenThousandParkedGoroutines) {
  constexpr int kParked = 10000;
  std::int64_t before = gort::num_goroutine();
  auto release = gort::make_chan<int>();
  gort::WaitGroup wg;
  wg.add(kParked);
  for (int i = 0; i < kParked; i++) gort::go(stress::parked_receiver, release, &wg);
  ASSERT_TRUE(wait_until([&] { return gort::num_goroutine() == before + kParked; }, std::chrono::seconds(60)));
  // Wait until every one of them is parked on the channel.
  std::string all;
  ASSERT_TRUE(wait_until(
      [&] {
        all = gort::debug::stack(true);
        return count_occurrences(all, " [chan receive]:\n") == static_cast<std::size_t>(kParked);
      },
      std::chrono::seconds(120), std::chrono::milliseconds(20)));

  auto t0 = std::chrono::steady_clock::now();
  all = gort::debug::stack(true);
  auto t1 = std::chrono::steady_clock::now();
  long ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count());
  std::printf("traceback of %d parked goroutines: %ld ms\n", kParked, ms);
  std::printf("(%zu bytes of traceback)\n", all.size());
  std::fflush(stdout);

  EXPECT_EQ(count_headers(all), static_cast<std::size_t>(kParked + before));
  EXPECT_EQ(count_occurrences(all, " [chan receive]:\n"), static_cast<std::size_t>(kParked));
  EXPECT_EQ(count_occurrences(all, "\nstress::parked_receiver(gort::Chan<int>, gort::WaitGroup*)\n"),
            static_cast<std::size_t>(kParked));
  EXPECT_EQ(count_occurrences(all, "\ncreated by "), static_cast<std::size_t>(kParked));
  EXPECT_THAT(all, testing::StartsWith("goroutine " + std::to_string(gort::goid()) + " [running]:\n"));

  release.close();
  wg.wait();
  EXPECT_TRUE(wait_until([&] { return gort::num_goroutine() == before; }, std::chrono::seconds(60)));
}

// ---- panics and recoveries, concurrently ----------------------------------------------------

struct Counters {
  std::atomic<long> iterations{0};
  std::atomic<long> panics{0};
  std::atomic<long> recovered{0};
  std::atomic<long> defers_made{0};
  std::atomic<long> defers_run{0};
  std::atomic<long> objects_made{0};
  std::atomic<long> objects_destroyed{0};
  std::atomic<long> inner_panics{0};
  std::atomic<long> inner_recovered{0};
  std::atomic<long> wrong{0};  // anything that must never happen
};

struct Counted {
  Counters* c;
  explicit Counted(Counters* counters) : c(counters) { c->objects_made++; }
  ~Counted() { c->objects_destroyed++; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
};

struct Plan {
  int panic_at;    // depth that panics
  int recover_at;  // depth whose deferred call recovers (<= panic_at)
  bool inner;      // a deferred call at each depth panics and recovers internally too
  bool park;       // deferred calls park (yield) while the panic runs them
};

// One Go function per depth: a deferred call, a local with a destructor, and
// either the panic or a call one level deeper. The deferred call of depth
// recover_at recovers; the others only count.
[[gnu::noipa]] void frame(int depth, const Plan& plan, Counters& c);

[[gnu::noipa]] void frame_body(int depth, const Plan& plan, Counters& c) {
  if (plan.inner) {
    c.defers_made++;
    gort::Defer inner([&] {
      c.defers_run++;
      gort::func([&] {
        gort::Defer r([&] {
          gort::PanicValue v = gort::recover();
          if (v) c.inner_recovered++;
        });
        c.inner_panics++;
        gort::panic("inner");
      });
    });
  }
  Counted local(&c);
  if (depth == plan.panic_at) {
    c.panics++;
    gort::panic(plan.panic_at);
  }
  frame(depth + 1, plan, c);
  if (depth >= plan.recover_at) c.wrong++;  // a frame the recovery should have unwound returned
}

void frame(int depth, const Plan& plan, Counters& c) {
  gort::func([&] {
    c.defers_made++;
    gort::Defer d([&] {
      c.defers_run++;
      if (plan.park) gort::yield();  // park while the panic runs deferred calls
      if (depth == plan.recover_at) {
        // recover() after a condition and a park (this shape once failed:
        // GCC split the lambda; see RecoverRules.DirectRecoverAfterAConditional).
        gort::PanicValue r = gort::recover();
        const int* v = r.get<int>();
        if (v != nullptr && *v == plan.panic_at) {
          c.recovered++;
        } else {
          c.wrong++;
        }
        if (plan.park) gort::yield();  // migrate between the recovery and its unwinding
      }
    });
    frame_body(depth, plan, c);
  });
}

TEST(PanicStress, HundredGoroutinesPanicAndRecoverOnTwoMs) {
  ScopedGomaxprocs procs(2);
  constexpr int kGoroutines = 100;
  const auto kDuration = std::chrono::seconds(3);
  Counters c;
  std::atomic<long> uncaught_seen{0};
  gort::WaitGroup wg;
  wg.add(kGoroutines);
  auto deadline = Clock::now() + kDuration;
  for (int g = 0; g < kGoroutines; g++) {
    gort::go([&, g] {
      std::mt19937 rng(static_cast<unsigned>(g) * 7919u + 1);
      while (Clock::now() < deadline) {
        Plan plan;
        plan.panic_at = static_cast<int>(rng() % 6);
        plan.recover_at = static_cast<int>(rng() % static_cast<unsigned>(plan.panic_at + 1));
        plan.inner = rng() % 4 == 0;
        plan.park = rng() % 3 == 0;
        frame(0, plan, c);
        c.iterations++;
        if (std::uncaught_exceptions() != 0 || std::current_exception() != nullptr) uncaught_seen++;
        if (gort::recover()) c.wrong++;  // nothing is left panicking
      }
      wg.done();
    });
  }
  wg.wait();
  std::printf("panic stress: %ld iterations, %ld panics recovered, %ld inner panics, %ld deferred calls\n",
              c.iterations.load(), c.recovered.load(), c.inner_panics.load(), c.defers_run.load());
  std::fflush(stdout);
  EXPECT_GT(c.iterations.load(), kGoroutines);
  EXPECT_EQ(c.panics.load(), c.iterations.load());
  EXPECT_EQ(c.recovered.load(), c.panics.load());
  EXPECT_EQ(c.inner_recovered.load(), c.inner_panics.load());
  EXPECT_EQ(c.defers_run.load(), c.defers_made.load());
  EXPECT_EQ(c.objects_destroyed.load(), c.objects_made.load());
  EXPECT_EQ(c.wrong.load(), 0);
  EXPECT_EQ(uncaught_seen.load(), 0);
}

}  // namespace
