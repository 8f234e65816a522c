// tests/time_test.cc — gort::sleep and timers (new_timer, after, after_func).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <vector>

#include "gort/gort.h"
#include "test_util.h"

namespace {

using namespace gort_test;
using gort::case_recv;
using gort::make_chan;

TEST(Sleep, WakesInOrderOfDuration) {
  constexpr int kN = 10;
  // The steps must be wider than a woken goroutine's wait for a CPU, or
  // the next one may overtake it between its wake and its push below.
  // Under TSan on an AMD EPYC VM that wait passed 25 ms in half the runs
  // (session 19; 0 in the Xeon VM's earlier runs).
#if defined(__SANITIZE_THREAD__)
  constexpr auto kStep = 100ms;
#else
  constexpr auto kStep = 25ms;
#endif
  gort::Mutex m;
  std::vector<int> order;
  std::vector<std::chrono::nanoseconds> slept(kN);
  gort::WaitGroup wg;
  wg.add(kN);
  // Spawned longest first, so wake order cannot come from spawn order.
  for (int i = kN - 1; i >= 0; i--) {
    gort::go([&, i] {
      auto d = kStep * (i + 1);
      auto t0 = Clock::now();
      gort::sleep(d);
      slept[i] = Clock::now() - t0;
      m.lock();
      order.push_back(i);
      m.unlock();
      wg.done();
    });
  }
  wg.wait();
  std::vector<int> expected(kN);
  for (int i = 0; i < kN; i++) expected[i] = i;
  EXPECT_EQ(order, expected) << "goroutines did not wake in order of their sleep durations";
  for (int i = 0; i < kN; i++) EXPECT_GE(slept[i], kStep * (i + 1)) << "sleep " << i << " returned early";
}

TEST(Sleep, NeverReturnsEarly) {
  constexpr int kN = 500;
  std::mt19937 rng(12345);
  std::vector<std::chrono::microseconds> d(kN);
  for (auto& x : d) x = std::chrono::microseconds(rng() % 30000);
  std::atomic<int> early{0};
  gort::WaitGroup wg;
  wg.add(kN);
  for (int i = 0; i < kN; i++) {
    gort::go([&, i] {
      auto t0 = Clock::now();
      gort::sleep(d[i]);
      if (Clock::now() - t0 < d[i]) early.fetch_add(1);
      wg.done();
    });
  }
  wg.wait();
  EXPECT_EQ(early.load(), 0);
}

TEST(Sleep, ZeroAndNegativeReturn) {
  gort::sleep(0ms);
  gort::sleep(-5ms);
  gort::sleep(std::chrono::nanoseconds(1));
  SUCCEED();
}

TEST(Sleep, ParksTheGoroutineNotTheThread) {
  ScopedGomaxprocs procs(1);
  std::atomic<bool> sleeper_done{false};
  gort::go([&] {
    gort::sleep(300ms);
    sleeper_done.store(true);
  });
  gort::yield();  // let the sleeper start sleeping on our only P
  auto ping = make_chan<int>(), pong = make_chan<int>();
  gort::go([ping, pong] {
    for (int v : ping) pong.send(v);
  });
  for (int i = 0; i < 1000; i++) {
    ping.send(i);
    ASSERT_EQ(pong.recv(), i);
  }
  ping.close();
  EXPECT_FALSE(sleeper_done.load()) << "other goroutines could not run while one slept (GOMAXPROCS=1)";
  ASSERT_TRUE(wait_until([&] { return sleeper_done.load(); }));
}

TEST(Sleep, WakesWhileAnotherGoroutineHogsAP) {
  // Main sleeps right after spawning a goroutine that spins without
  // safepoints, so main's timer may sit on the P the spinner then takes. The
  // other, idle P must still run that timer (Go's idle Ms run other Ps'
  // timers). The spinner gives up after 3 s, so a broken runtime shows up as
  // a late wake-up rather than a hang.
  ScopedGomaxprocs procs(2);
  int late = 0;
  for (int it = 0; it < 20; it++) {
    std::atomic<bool> stop{false};
    auto done = make_chan<int>(1);
    const auto give_up = Clock::now() + 3s;
    gort::go([&stop, done, give_up] {
      while (!stop.load(std::memory_order_relaxed) && Clock::now() < give_up) {
      }
      done.send(1);
    });
    auto t0 = Clock::now();
    gort::sleep(2ms);
    if (Clock::now() - t0 > 2s) late++;
    stop.store(true);
    done.recv();
  }
  EXPECT_EQ(late, 0) << "a 2 ms sleep only ended when a spinning goroutine let go of its P";
}

TEST(Timer, NewTimerFires) {
  auto t0 = Clock::now();
  gort::Timer t = gort::new_timer(20ms);
  EXPECT_FALSE(t.c.is_nil());
  EXPECT_EQ(t.c.capacity(), 1u);
  gort::Clock::time_point fired = t.c.recv();
  auto t1 = Clock::now();
  EXPECT_GE(fired - t0, 20ms) << "timer fired early";
  EXPECT_LE(fired, t1) << "the sent time is the fire time";
  EXPECT_FALSE(t.stop()) << "stop after the timer fired must return false";
}

TEST(Timer, StopBeforeFire) {
  gort::Timer t = gort::new_timer(50ms);
  EXPECT_TRUE(t.stop());
  EXPECT_FALSE(t.stop()) << "second stop";
  int k = gort::select(case_recv(t.c), case_recv(gort::after(150ms)));
  EXPECT_EQ(k, 1) << "a stopped timer sent its time";
  EXPECT_EQ(t.c.size(), 0u);
}

TEST(Timer, DefaultHandleStopIsFalse) {
  gort::Timer t;
  EXPECT_FALSE(t.stop());
  EXPECT_TRUE(t.c.is_nil());
}

TEST(Timer, DroppingTheHandleDoesNotStopIt) {
  gort::Chan<gort::Clock::time_point> c;
  {
    gort::Timer t = gort::new_timer(10ms);
    c = t.c;
  }
  int k = gort::select(case_recv(c), case_recv(gort::after(5s)));
  EXPECT_EQ(k, 0);
}

TEST(Timer, AfterInSelect) {
  auto never = make_chan<int>();
  auto t0 = Clock::now();
  int k = gort::select(case_recv(never), case_recv(gort::after(30ms)));
  EXPECT_EQ(k, 1);
  EXPECT_GE(Clock::now() - t0, 30ms);

  // The earlier of two timeouts wins.
  k = gort::select(case_recv(gort::after(2s)), case_recv(gort::after(10ms)));
  EXPECT_EQ(k, 1);
}

TEST(Timer, AfterFuncRunsInItsOwnGoroutine) {
  auto t0 = Clock::now();
  auto c = make_chan<std::int64_t>();  // unbuffered: fn blocks until we receive
  std::atomic<Clock::time_point> ran_at{};
  gort::Timer t = gort::after_func(20ms, [c, &ran_at] {
    ran_at.store(Clock::now());
    c.send(gort::goid());
  });
  std::int64_t id = c.recv();
  EXPECT_NE(id, 0) << "after_func's function must run on a goroutine";
  EXPECT_NE(id, gort::goid());
  EXPECT_GE(ran_at.load() - t0, 20ms);
  EXPECT_FALSE(t.stop());
}

TEST(Timer, AfterFuncStop) {
  std::atomic<bool> ran{false};
  gort::Timer t = gort::after_func(30ms, [&] { ran.store(true); });
  EXPECT_TRUE(t.stop());
  gort::sleep(100ms);
  EXPECT_FALSE(ran.load()) << "a stopped after_func ran";
}

TEST(Timer, AfterFuncWithDroppedHandleRuns) {
  auto c = make_chan<int>(1);
  { gort::after_func(5ms, [c] { c.send(1); }); }
  int k = gort::select(case_recv(c), case_recv(gort::after(5s)));
  EXPECT_EQ(k, 0);
}

TEST(Timer, ManyTimersAcrossPs) {
  // Timers started on several Ps keep firing when GOMAXPROCS shrinks.
  ScopedGomaxprocs procs(4);
  constexpr int kN = 2000;
  std::atomic<int> fired{0};
  gort::WaitGroup wg;
  wg.add(kN);
  std::vector<gort::Timer> timers;
  timers.reserve(kN);
  for (int i = 0; i < kN; i++) {
    gort::go([&, i] {
      gort::sleep(std::chrono::milliseconds(20 + i % 40));
      fired.fetch_add(1);
      wg.done();
    });
  }
  auto c = make_chan<int>(kN);
  for (int i = 0; i < 100; i++) timers.push_back(gort::after_func(std::chrono::milliseconds(30 + i % 20), [c] { c.send(1); }));
  gort::sleep(5ms);
  gort::set_gomaxprocs(1);
  wg.wait();
  EXPECT_EQ(fired.load(), kN);
  for (int i = 0; i < 100; i++) {
    int k = gort::select(case_recv(c), case_recv(gort::after(5s)));
    ASSERT_EQ(k, 0) << "after_func " << i << " never ran after GOMAXPROCS shrank";
  }
}

}  // namespace
