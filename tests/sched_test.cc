// tests/sched_test.cc — goroutines, the M:N scheduler, GOMAXPROCS, yield,
// blocking calls, stop-the-world, idleness.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/lock.h"  // white-box: a no-suspend stretch
#include "base/scrub.h"
#include "gort/gort.h"
#include "sched/sched.h"  // white-box: a goroutine's stack bounds
#include "spread_check.h"
#include "test_util.h"

namespace {

// gort::run must accept a plain function as well as a lambda (it can run only
// once per process, so this is checked at compile time: the template is
// instantiated but never called).
int plain_main() { return 0; }
[[maybe_unused]] int run_accepts_plain_function() { return gort::run(plain_main); }
[[maybe_unused]] int run_accepts_function_pointer() { return gort::run(&plain_main); }

using namespace gort_test;
using gort::make_chan;

// ---- goroutines ---------------------------------------------------------------------

TEST(Go, MainIsGoroutineOne) { EXPECT_EQ(gort::goid(), 1); }

TEST(Go, IdsAreUniqueAndIncreasing) {
  constexpr int kN = 200;
  auto c = make_chan<std::pair<int, std::int64_t>>(kN);
  for (int i = 0; i < kN; i++) gort::go([c, i] { c.send({i, gort::goid()}); });
  std::vector<std::int64_t> ids(kN);
  for (int i = 0; i < kN; i++) {
    auto [idx, id] = c.recv();
    ids[idx] = id;
  }
  for (int i = 0; i < kN; i++) {
    EXPECT_GT(ids[i], 1) << "goroutine " << i;
    if (i > 0) {
      EXPECT_GT(ids[i], ids[i - 1]) << "ids must increase in spawn order";
    }
  }
}

void send_sum(gort::Chan<int> c, int a, int b) { c.send(a + b); }

TEST(Go, ArgumentsAreCopiedAtSpawn) {
  auto c = make_chan<std::string>(1);
  std::string s = "hello";
  int x = 1;
  gort::go([c](const std::string& a, int b) { c.send(a + std::to_string(b)); }, s, x);
  s = "changed";
  x = 2;
  EXPECT_EQ(c.recv(), "hello1");

  auto ci = make_chan<int>(1);
  gort::go(&send_sum, ci, 20, 22);  // a plain function pointer
  EXPECT_EQ(ci.recv(), 42);

  auto cp = make_chan<int>(1);
  gort::go([cp](std::unique_ptr<int>& p) { cp.send(*p); }, std::make_unique<int>(9));  // move-only argument
  EXPECT_EQ(cp.recv(), 9);
}

TEST(Go, LargeClosures) {
  // Closures bigger than any inline buffer must work too.
  std::array<std::uint64_t, 256> big{};
  for (std::size_t i = 0; i < big.size(); i++) big[i] = i * 3;
  auto c = make_chan<std::uint64_t>(1);
  gort::go([big, c] {
    std::uint64_t s = 0;
    for (auto v : big) s += v;
    c.send(s);
  });
  EXPECT_EQ(c.recv(), 3u * 255 * 256 / 2);
}

TEST(Go, ClosureIsDestroyedWhenGoroutineEnds) {
  auto token = std::make_shared<int>(1);
  std::weak_ptr<int> weak = token;
  auto c = make_chan<int>();
  gort::go([token = std::move(token), c] { c.send(*token); });
  EXPECT_EQ(c.recv(), 1);
  EXPECT_TRUE(wait_until([&] { return weak.expired(); })) << "the goroutine's closure was never destroyed";
}

TEST(Go, NestedSpawnChain) {
  // Each goroutine spawns the next; the last one reports back.
  constexpr int kDepth = 5000;
  auto done = make_chan<int>();
  std::function<void(int)> step = [&](int n) {
    if (n == kDepth) {
      done.send(n);
      return;
    }
    gort::go(step, n + 1);
  };
  gort::go(step, 0);
  EXPECT_EQ(done.recv(), kDepth);
}

TEST(Go, NumGoroutine) {
  gort::sleep(20ms);  // let goroutines of earlier tests finish
  std::int64_t base = gort::num_goroutine();
  EXPECT_GE(base, 1);
  constexpr int kN = 100;
  auto release = make_chan<int>();
  gort::WaitGroup started;
  started.add(kN);
  for (int i = 0; i < kN; i++) {
    gort::go([release, &started] {
      started.done();
      release.recv();
    });
  }
  started.wait();
  EXPECT_TRUE(wait_until([&] { return gort::num_goroutine() == base + kN; }))
      << "num_goroutine " << gort::num_goroutine() << ", expected " << base + kN;
  release.close();
  EXPECT_TRUE(wait_until([&] { return gort::num_goroutine() == base; }))
      << "num_goroutine " << gort::num_goroutine() << " after they exited, expected " << base;
}

// ---- GOMAXPROCS ---------------------------------------------------------------------

TEST(Gomaxprocs, SetReturnsPreviousAndGetReflects) {
  int orig = gort::gomaxprocs();
  ASSERT_GE(orig, 1);
  EXPECT_EQ(gort::set_gomaxprocs(3), orig);
  EXPECT_EQ(gort::gomaxprocs(), 3);
  EXPECT_EQ(gort::set_gomaxprocs(0), 3) << "n < 1 only reads";
  EXPECT_EQ(gort::set_gomaxprocs(-7), 3) << "n < 1 only reads";
  EXPECT_EQ(gort::gomaxprocs(), 3);
  EXPECT_EQ(gort::set_gomaxprocs(1), 3);
  EXPECT_EQ(gort::gomaxprocs(), 1);
  EXPECT_EQ(gort::set_gomaxprocs(5), 1);
  EXPECT_EQ(gort::gomaxprocs(), 5);
  EXPECT_EQ(gort::set_gomaxprocs(orig), 5);
  EXPECT_EQ(gort::gomaxprocs(), orig);
}

TEST(Gomaxprocs, WorkContinuesAcrossResizes) {
  int orig = gort::gomaxprocs();
  auto c = make_chan<int>(16);
  std::atomic<bool> stop{false};
  gort::WaitGroup wg;
  wg.add(4);
  start_yielding_senders(4, c, stop, wg);
  long received = 0;
  for (int n : {1, 4, 2, 8, 1, 3}) {
    gort::set_gomaxprocs(n);
    ASSERT_EQ(gort::gomaxprocs(), n);
    for (int i = 0; i < 2000; i++) received += c.recv();
  }
  stop.store(true);
  // Drain so that no sender stays blocked.
  gort::go([c] {
    for (;;) c.recv();
  });
  wg.wait();
  gort::set_gomaxprocs(orig);
  EXPECT_EQ(received, 6 * 2000);
}

// ---- work stealing ------------------------------------------------------------------

TEST(Stealing, SpreadsWorkOverTwoPs) {
  ScopedGomaxprocs procs(2);
  expect_work_spreads(2, false);
}
TEST(Stealing, SpreadsWorkOverTwoPsWhileSpawnerRuns) {
  ScopedGomaxprocs procs(2);
  expect_work_spreads(2, true);
}
TEST(Stealing, SpreadsWorkOverFourPs) {
  ScopedGomaxprocs procs(4);
  expect_work_spreads(4, true);
}

// Changing GOMAXPROCS while goroutines run must leave the idle-P / spinning-M
// machinery able to wake Ps for new work.
TEST(Stealing, SpreadsWorkAfterGomaxprocsChanges) {
  int orig = gort::gomaxprocs();
  for (int cycle = 0; cycle < 4; cycle++) {
    auto c = make_chan<int>(16);
    std::atomic<bool> stop{false};
    gort::WaitGroup wg;
    wg.add(4);
    start_yielding_senders(4, c, stop, wg);
    for (int n : {cycle % 2 == 0 ? 1 : 4, 8, 2}) {
      gort::set_gomaxprocs(n);
      for (int i = 0; i < 2000; i++) c.recv();
    }
    stop.store(true);
    gort::go([c] {
      for (;;) c.recv();
    });
    wg.wait();
    gort::set_gomaxprocs(2);
    if (!expect_work_spreads(2, cycle % 2 == 1, 3000ms)) {
      ADD_FAILURE() << "work stopped spreading after GOMAXPROCS changes (cycle " << cycle << ")";
      break;
    }
  }
  gort::set_gomaxprocs(orig);
}

// ---- yield and fairness ---------------------------------------------------------------

TEST(Yield, AlternatesTwoGoroutinesOnOneP) {
  ScopedGomaxprocs procs(1);
  constexpr int kRounds = 10000;
  std::atomic<int> turn{0};
  std::atomic<bool> stuck{false};
  std::atomic<int> rounds[2] = {0, 0};
  const auto deadline = Clock::now() + 10s;
  gort::WaitGroup wg;
  wg.add(2);
  for (int me = 0; me < 2; me++) {
    gort::go([&, me] {
      for (int r = 0; r < kRounds && !stuck.load(); r++) {
        while (turn.load() != me) {
          if (Clock::now() > deadline) {
            stuck.store(true);
            break;
          }
          gort::yield();
        }
        if (stuck.load()) break;
        rounds[me].fetch_add(1);
        turn.store(1 - me);
      }
      wg.done();
    });
  }
  wg.wait();
  EXPECT_FALSE(stuck.load()) << "yield did not let the other goroutine run (GOMAXPROCS=1)";
  EXPECT_EQ(rounds[0].load(), kRounds);
  EXPECT_EQ(rounds[1].load(), kRounds);
}

TEST(Yield, WithNothingElseReturns) {
  for (int i = 0; i < 1000; i++) gort::yield();
  SUCCEED();
}

TEST(Yield, MainRunsWhileAnotherGoroutineYieldsInALoop) {
  ScopedGomaxprocs procs(1);
  std::atomic<bool> stop{false};
  std::atomic<long> spins{0};
  auto done = make_chan<bool>();
  gort::go([&, done] {
    while (!stop.load()) {
      spins.fetch_add(1);
      gort::yield();
    }
    done.send(true);
  });
  for (int i = 0; i < 100; i++) gort::yield();
  stop.store(true);
  done.recv();
  EXPECT_GT(spins.load(), 0);
}

TEST(Fairness, PingPongPairDoesNotStarveOthers) {
  // Two goroutines that keep readying each other (runnext) must not keep a
  // third runnable goroutine off the only P forever: the time slice they
  // inherit ends and sysmon's preemption flag sends them through the queues.
  ScopedGomaxprocs procs(1);
  std::atomic<bool> stop{false}, hit_deadline{false};
  const auto deadline = Clock::now() + 20s;
  auto a = make_chan<int>(), b = make_chan<int>();
  gort::WaitGroup wg;
  wg.add(2);
  gort::go([&, a, b] {
    for (;;) {
      if (stop.load()) break;
      if (Clock::now() > deadline) {
        hit_deadline.store(true);
        break;
      }
      a.send(1);
      b.recv();
    }
    a.close();
    wg.done();
  });
  gort::go([&, a, b] {
    for (int v : a) b.send(v);
    wg.done();
  });
  gort::sleep(20ms);  // needs the P back from the ping-pong pair
  stop.store(true);
  wg.wait();
  EXPECT_FALSE(hit_deadline.load()) << "main was starved by a ping-pong pair for 20 s";
}

TEST(Fairness, CpuHogIsPreemptedAtSafepoints) {
  // A goroutine that computes for long stretches and only passes through
  // non-blocking channel operations (safepoints) must still give the only P
  // to others: sysmon flags it after 10 ms.
  ScopedGomaxprocs procs(1);
  std::atomic<bool> stop{false}, hit_deadline{false};
  const auto deadline = Clock::now() + 20s;
  auto done = make_chan<bool>(1);
  gort::go([&, done] {
    auto c = make_chan<int>(1);
    while (!stop.load()) {
      if (Clock::now() > deadline) {
        hit_deadline.store(true);
        break;
      }
      burn(20000);
      c.send(1);
      c.recv();
    }
    done.send(true);
  });
  gort::sleep(5ms);
  stop.store(true);
  done.recv();
  EXPECT_FALSE(hit_deadline.load()) << "a CPU-bound goroutine kept the only P for 20 s";
}

// ---- blocking -------------------------------------------------------------------------

TEST(Blocking, ReturnsTheResult) {
  EXPECT_EQ(gort::blocking([] { return 42; }), 42);
  int x = 1;
  int& r = gort::blocking([&]() -> int& { return x; });
  r = 5;
  EXPECT_EQ(x, 5);
  std::string s = gort::blocking([] { return std::string("str"); });
  EXPECT_EQ(s, "str");
  bool ran = false;
  gort::blocking([&] { ran = true; });
  EXPECT_TRUE(ran);
  for (int i = 0; i < 10000; i++) gort::blocking([] {});
}

TEST(Blocking, DoesNotStopOtherGoroutinesOnTheP) {
  ScopedGomaxprocs procs(1);
  std::atomic<bool> blocking_done{false};
  auto started = make_chan<bool>();
  auto finished = make_chan<bool>(1);
  gort::go([&, started, finished] {
    started.close();
    gort::blocking([] { ::usleep(200000); });
    blocking_done.store(true);
    finished.send(true);
  });
  started.recv_ok();
  // The blocker holds our only P unless blocking() released it.
  auto res = make_chan<int>();
  gort::go([res] {
    int s = 0;
    for (int i = 0; i < 100; i++) {
      gort::yield();
      s += i;
    }
    res.send(s);
  });
  EXPECT_EQ(res.recv(), 4950);
  EXPECT_FALSE(blocking_done.load()) << "other goroutines only ran after the blocking call returned";
  finished.recv();
  EXPECT_TRUE(blocking_done.load());
}

TEST(Blocking, ManyConcurrentBlockingCallsOnOneP) {
  ScopedGomaxprocs procs(1);
  constexpr int kN = 8;
  std::atomic<int> in_call{0}, max_in_call{0};
  gort::WaitGroup wg;
  wg.add(kN);
  for (int i = 0; i < kN; i++) {
    gort::go([&] {
      gort::blocking([&] {
        int now = in_call.fetch_add(1) + 1;
        int m = max_in_call.load();
        while (now > m && !max_in_call.compare_exchange_weak(m, now)) {
        }
        // Block the thread until every call is in flight (or give up).
        auto deadline = Clock::now() + 5s;
        while (max_in_call.load() < kN && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
        in_call.fetch_sub(1);
      });
      wg.done();
    });
  }
  wg.wait();
  EXPECT_EQ(max_in_call.load(), kN) << "blocking calls did not all release the single P";
}

// ---- systemstack -------------------------------------------------------------------

TEST(Systemstack, RunsOnTheSystemStackAndReturns) {
  struct Probe {
    bool on_g0 = false;
    std::uintptr_t sp = 0;
    std::int64_t goid = -1;
  } probe;
  char here = 0;
  auto goroutine_sp = reinterpret_cast<std::uintptr_t>(&here);
  EXPECT_FALSE(gort::detail::on_system_stack());
  gort::detail::systemstack(
      [](void* a) {
        auto* p = static_cast<Probe*>(a);
        char local = 0;
        p->sp = reinterpret_cast<std::uintptr_t>(&local);
        p->on_g0 = gort::detail::on_system_stack();
        p->goid = gort::goid();  // no user goroutine runs on g0
      },
      &probe);
  EXPECT_TRUE(probe.on_g0);
  EXPECT_EQ(probe.goid, 0);
  // fn ran outside this goroutine's stack (the system stack may be mapped
  // right next to it, so only the bounds tell).
  gort::detail::G* me = gort::detail::getg();
  auto lo = reinterpret_cast<std::uintptr_t>(me->stack.lo), hi = reinterpret_cast<std::uintptr_t>(me->stack.hi);
  EXPECT_TRUE(goroutine_sp >= lo && goroutine_sp < hi);
  EXPECT_TRUE(probe.sp < lo || probe.sp >= hi) << "fn did not run on a different stack";
  EXPECT_FALSE(gort::detail::on_system_stack());
  EXPECT_EQ(gort::goid(), 1);
}

// ---- stop the world -------------------------------------------------------------------

TEST(StopTheWorld, SpinningGoroutineThousandStops) {
  ScopedGomaxprocs procs(std::max(2, gort::gomaxprocs()));
  std::atomic<std::uint64_t> counter{0};
  std::atomic<bool> stop{false};
  auto done = make_chan<bool>(1);
  gort::go([&, done] {
    // A tight loop with no safepoint at all.
    while (!stop.load(std::memory_order_relaxed)) counter.fetch_add(1, std::memory_order_relaxed);
    done.send(true);
  });
  ASSERT_TRUE(spin_until([&] { return counter.load() > 1000; })) << "spinner never started";

  constexpr int kStops = 1000;
  std::vector<std::int64_t> lat;
  lat.reserve(kStops);
  int no_progress = 0;
  for (int i = 0; i < kStops; i++) {
    std::int64_t ns = gort::stop_the_world();
    std::uint64_t at_stop = counter.load(std::memory_order_acquire);
    gort::start_the_world();
    lat.push_back(ns);
    // The spinner must run again between stops.
    auto deadline = Clock::now() + 5s;
    while (counter.load(std::memory_order_relaxed) == at_stop && Clock::now() < deadline) {
    }
    if (counter.load(std::memory_order_relaxed) == at_stop) no_progress++;
  }
  stop.store(true);
  done.recv();
  EXPECT_EQ(no_progress, 0) << "the spinner made no progress after start_the_world";

  std::sort(lat.begin(), lat.end());
  std::int64_t worst = lat.back(), median = lat[lat.size() / 2], p99 = lat[lat.size() * 99 / 100];
  RecordProperty("stw_worst_ns", std::to_string(worst));
  RecordProperty("stw_p99_ns", std::to_string(p99));
  RecordProperty("stw_median_ns", std::to_string(median));
  std::printf("stop-the-world with a spinning goroutine, %d stops: worst %.1f us, p99 %.1f us, median %.1f us\n",
              kStops, worst / 1e3, p99 / 1e3, median / 1e3);
  EXPECT_GE(lat.front(), 0);
}

TEST(StopTheWorld, SpinnerDoesNotRunWhileStopped) {
  ScopedGomaxprocs procs(std::max(2, gort::gomaxprocs()));
  std::atomic<std::uint64_t> counter{0};
  std::atomic<bool> stop{false};
  auto done = make_chan<bool>(1);
  gort::go([&, done] {
    while (!stop.load(std::memory_order_relaxed)) counter.fetch_add(1, std::memory_order_relaxed);
    done.send(true);
  });
  ASSERT_TRUE(spin_until([&] { return counter.load() > 1000; }));
  int moved = 0;
  for (int i = 0; i < 200; i++) {
    gort::stop_the_world();
    std::uint64_t a = counter.load(std::memory_order_acquire);
    burn(20000);  // a few tens of microseconds
    std::uint64_t b = counter.load(std::memory_order_acquire);
    gort::start_the_world();
    if (a != b) moved++;
    auto deadline = Clock::now() + 5s;
    while (counter.load(std::memory_order_relaxed) == b && Clock::now() < deadline) {
    }
  }
  stop.store(true);
  done.recv();
  EXPECT_EQ(moved, 0) << "the spinning goroutine kept running while the world was stopped";
}

TEST(StopTheWorld, WhileGoroutinesCommunicate) {
  ScopedGomaxprocs procs(std::max(2, gort::gomaxprocs()));
  constexpr int kPairs = 4, kRounds = 20000;
  std::atomic<bool> finished{false};
  gort::WaitGroup wg;
  wg.add(kPairs);
  std::atomic<long> total{0};
  for (int p = 0; p < kPairs; p++) {
    gort::go([&] {
      auto ping = make_chan<int>(), pong = make_chan<int>();
      gort::go([ping, pong] {
        for (int v : ping) pong.send(v + 1);
      });
      int v = 0;
      for (int i = 0; i < kRounds; i++) {
        ping.send(v);
        v = pong.recv();
      }
      ping.close();
      total.fetch_add(v);
      wg.done();
    });
  }
  auto stopper_done = make_chan<int>(1);
  gort::go([&, stopper_done] {
    int n = 0;
    while (!finished.load()) {
      gort::stop_the_world();
      gort::start_the_world();
      n++;
      gort::sleep(100us);
    }
    stopper_done.send(n);
  });
  wg.wait();
  finished.store(true);
  int stops = stopper_done.recv();
  EXPECT_EQ(total.load(), static_cast<long>(kPairs) * kRounds);
  EXPECT_GT(stops, 0);
}

// A stop must not wait for an M that has been handed an idle P but that the
// OS has not run yet (in a VM, a woken thread waited 1-40 ms for a CPU, and
// gort-bench stw's pauses with it: bench/README.md, "Session 24"). The hook
// holds the woken M before it claims its P, as a slow OS would; the stop
// takes the hand-off back and completes without it. Without that, the stop
// waits until the watchdog lets the M go.
namespace held_claim {
std::atomic<bool> armed{false}, held{false}, release{false};
std::atomic<int> claims_after_release{0};
void hold(gort::detail::M*) {
  if (!armed.exchange(false)) return;
  held.store(true);
  while (!release.load()) usleep(100);
  claims_after_release.fetch_add(1);
}
}  // namespace held_claim

TEST(StopTheWorld, DoesNotWaitForAWokenMThatHasNotClaimedItsP) {
  using namespace held_claim;
  ScopedGomaxprocs procs(2);
  gort::sleep(50ms);  // let the other P go idle
  armed.store(true);
  held.store(false);
  release.store(false);
  gort::detail::g_test_before_claim.store(hold);
  // A new goroutine with an idle P wakes an M (wakep) and hands it the P.
  // (Not when an M is spinning already: that one takes the goroutine. Then
  // the next goroutine, 20 ms later, tries again.)
  auto ran = std::make_shared<std::atomic<int>>(0);  // outlives the test if it fails early
  int spawned = 0;
  auto deadline = Clock::now() + 10s;
  while (!held.load() && Clock::now() < deadline) {
    gort::go([ran] { ran->fetch_add(1); });
    spawned++;
    auto next = Clock::now() + 20ms;
    while (!held.load() && Clock::now() < next) std::this_thread::yield();
  }
  ASSERT_TRUE(held.load()) << "no M was handed a P";

  std::atomic<bool> stopped{false}, watchdog_fired{false};
  std::thread watchdog([&] {
    auto until = Clock::now() + 10s;
    while (!stopped.load() && Clock::now() < until) usleep(1000);
    if (!stopped.load()) {
      watchdog_fired.store(true);
      release.store(true);  // let the stop finish, to report instead of hanging
    }
  });
  gort::stop_the_world();
  stopped.store(true);
  bool released_before_stop = release.load();
  gort::start_the_world();
  watchdog.join();
  release.store(true);
  EXPECT_FALSE(watchdog_fired.load()) << "the stop waited for the M holding the hand-off";
  EXPECT_FALSE(released_before_stop);
  deadline = Clock::now() + 10s;
  while (ran->load() < spawned && Clock::now() < deadline) gort::sleep(1ms);
  EXPECT_EQ(ran->load(), spawned) << "a goroutine never ran";
  deadline = Clock::now() + 10s;
  while (claims_after_release.load() == 0 && Clock::now() < deadline) std::this_thread::yield();
  gort::detail::g_test_before_claim.store(nullptr);
  EXPECT_EQ(claims_after_release.load(), 1);
  // The scheduler is whole afterwards: both Ps run goroutines again.
  gort::WaitGroup wg;
  wg.add(4);
  for (int i = 0; i < 4; i++) gort::go([&wg] { burn(100000); wg.done(); });
  wg.wait();
  gort::stop_the_world();
  gort::start_the_world();
}

// A stop that waits long (here for a goroutine inside a 200 ms no-suspend
// stretch, which no signal interrupts) must not hold the stopper's CPU for
// all of it: past its first tens of microseconds the stopper sleeps between
// looks (sched/README.md, "Hand-offs and stops"), so that a thread it waits
// for can have that CPU. Measured as the stopper thread's CPU time against
// the stop's length; a stopper that spins or yields throughout uses about
// all of it.
TEST(StopTheWorld, ALongWaitDoesNotHoldTheStoppersCpu) {
  ScopedGomaxprocs procs(2);
  std::atomic<bool> inside{false};
  auto done = make_chan<bool>(1);
  gort::go([&, done] {
    {
      gort::base::NoSuspend ns;
      inside.store(true);
      auto until = Clock::now() + 200ms;
      while (Clock::now() < until) {
      }
    }
    done.send(true);
  });
  ASSERT_TRUE(spin_until([&] { return inside.load(); })) << "the goroutine never entered its stretch";
  // The stopper's thread CPU time is meaningful only if the goroutine stays
  // on one thread through the call (it could move only by parking on the
  // world mutex, which nothing else holds here).
  const pid_t tid = gettid();
  const std::int64_t cpu0 = thread_cpu_ns();
  std::int64_t stop_ns = gort::stop_the_world();
  const std::int64_t cpu_ns = thread_cpu_ns() - cpu0;
  const pid_t tid_after = gettid();
  gort::start_the_world();
  done.recv();
  ASSERT_EQ(tid, tid_after) << "the stopping goroutine changed threads: its CPU time was not measured";
  std::printf("a stop that waited %.1f ms used %.1f ms of the stopper's CPU\n", stop_ns / 1e6, cpu_ns / 1e6);
  EXPECT_GT(stop_ns, 50'000'000) << "the stop did not wait for the no-suspend stretch";
  EXPECT_LT(cpu_ns, stop_ns / 2) << "the stopper held its CPU while it waited";
}

// ---- idleness ---------------------------------------------------------------------------

std::int64_t cpu_used_while(const std::function<void()>& fn) {
  std::int64_t c0 = process_cpu_ns();
  fn();
  return process_cpu_ns() - c0;
}

TEST(Idle, NoCpuWhileMainSleeps) {
  gort::sleep(100ms);  // let spinning threads from earlier tests settle
  std::int64_t used = cpu_used_while([] { gort::sleep(300ms); });
  RecordProperty("idle_cpu_us", std::to_string(used / 1000));
  std::printf("CPU used by the process while idle for 300 ms: %.2f ms\n", used / 1e6);
  EXPECT_LT(used, 30'000'000) << "an idle runtime burns CPU (" << used / 1e6 << " ms in 300 ms)";
}

void no_cpu_with_parked_goroutines(int parked) {
  ScopedGomaxprocs procs(4);
  auto release = make_chan<int>();
  std::atomic<int> started{0};
  gort::WaitGroup wg;
  wg.add(parked);
  for (int i = 0; i < parked; i++) {
    gort::go([release, &wg, &started] {
      started.fetch_add(1);
      release.recv_ok();
      wg.done();
    });
  }
  // gort::go may return before the goroutine first ran: wait until all are parked.
  ASSERT_TRUE(wait_until([&] { return started.load() == parked; }, 30000ms));
  gort::Timer far = gort::new_timer(1h);  // a pending timer far in the future
  auto wake = make_chan<int>();
  gort::go([wake] {
    gort::sleep(400ms);
    wake.send(1);
  });
  gort::sleep(100ms);  // settle
  std::int64_t used = cpu_used_while([&] { wake.recv(); });  // main blocked in a channel receive ~300 ms
  ::testing::Test::RecordProperty("idle_cpu_us", std::to_string(used / 1000));
  std::printf("CPU used with %d parked goroutines, GOMAXPROCS=4, ~300 ms: %.2f ms\n", parked, used / 1e6);
#if defined(__SANITIZE_THREAD__)
  // The process's CPU includes ThreadSanitizer's own runtime: in the TSan
  // build the 1,000-goroutine form used 1-18 ms alone (8 runs) and 40 ms in
  // one clean-clone CI, beside another TSan test (2026-12-02). A spinning
  // thread would still use most of the ~300 ms; the plain build keeps the
  // 30 ms bound.
  constexpr std::int64_t kBound = 100'000'000;
#else
  constexpr std::int64_t kBound = 30'000'000;
#endif
  EXPECT_LT(used, kBound) << "an idle runtime burns CPU (" << used / 1e6 << " ms)";
  far.stop();
  release.close();
  wg.wait();
}

TEST(Idle, NoCpuWithManyParkedGoroutinesAndPendingTimers) { no_cpu_with_parked_goroutines(10000); }

// The same with 1,000 goroutines: the size the ThreadSanitizer build runs
// (10,000 goroutines are more TSan fibers than it can keep; scripts/test.sh).
TEST(Idle, NoCpuWithAThousandParkedGoroutinesAndPendingTimers) { no_cpu_with_parked_goroutines(1000); }

}  // namespace

#if defined(__x86_64__)
// A goroutine resumes with the caller-saved registers cleared (base/scrub.h),
// so that nothing another context left in them can reach its stack. xmm15 is
// one the runtime's own code does not touch: a value put there before a park
// is what the goroutine finds after it unless the resume clears it (the
// marker came back unchanged before session 23, when the scrub was on only
// under gccheckmark).
TEST(Sched, AResumeClearsTheRegistersAnotherContextLeft) {
#if defined(__SANITIZE_ADDRESS__)
  // ASan's own code (fake stacks, shadow memory) runs after the resume and
  // uses vector registers.
  GTEST_SKIP() << "ASan's runtime uses the vector registers after the resume";
#endif
  std::uint64_t marker = 0x5ca1ab1e5ca1ab1eull, out = 0;
  asm volatile("movq %0, %%xmm15" ::"r"(marker) : "xmm15");
  gort::sleep(std::chrono::milliseconds(1));
  asm volatile("movq %%xmm15, %0" : "=r"(out));
  EXPECT_EQ(out, 0u);
}
#endif
