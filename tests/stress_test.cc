// tests/stress_test.cc — scale and stress (ctest label `stress`; leave it out
// with `ctest -LE stress`).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "gort/gort.h"
#include "test_util.h"

namespace {

using namespace gort_test;
using gort::case_recv;
using gort::Chan;
using gort::make_chan;

std::int64_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return static_cast<std::int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

// ---- 100k goroutines passing tokens -------------------------------------------------------

TEST(Stress, TokenChain100kGoroutines) {
  constexpr int kN = 100000, kTokens = 10;
  auto [first, last, add] = make_token_chain(kN);
  gort::go([first] {
    for (long t = 0; t < kTokens; t++) first.send(t);
    first.close();
  });
  long sum = 0;
  for (long t = 0; t < kTokens; t++) {
    long v = last.recv();
    EXPECT_EQ(v, t + add) << "token " << t;
    sum += v;
  }
  EXPECT_EQ(sum, kTokens * add + kTokens * (kTokens - 1) / 2);
  EXPECT_FALSE(last.recv_ok().ok) << "close must propagate through all 100,000 goroutines";
}

TEST(Stress, TokenRing100kGoroutinesManyLaps) {
  // A closed ring: the token goes round and round; main injects and removes it.
  constexpr int kN = 100000, kLaps = 5;
  std::vector<Chan<long>> chans;
  chans.reserve(kN);
  for (int i = 0; i < kN; i++) chans.push_back(make_chan<long>());
  auto out = make_chan<long>();
  for (int i = 0; i < kN; i++) {
    // The last goroutine hands the token back to main, which decides whether it goes round again.
    gort::go([in = chans[i], next = (i + 1 < kN ? chans[i + 1] : out)] {
      for (long v : in) next.send(v + 1);
      next.close();
    });
  }
  long token = 0;
  for (int lap = 0; lap < kLaps; lap++) {
    chans[0].send(token);
    token = out.recv();
    ASSERT_EQ(token, static_cast<long>(kN) * (lap + 1));
  }
  chans[0].close();
  EXPECT_FALSE(out.recv_ok().ok);
}

// ---- 1,000,000-leaf spawn tree (skynet) -----------------------------------------------------

void skynet(Chan<long> c, long num, long size, long div) {
  if (size == 1) {
    c.send(num);
    return;
  }
  auto rc = make_chan<long>();
  long sub = size / div;
  for (long i = 0; i < div; i++) gort::go(skynet, rc, num + i * sub, sub, div);
  long sum = 0;
  for (long i = 0; i < div; i++) sum += rc.recv();
  c.send(sum);
}

long run_skynet(long leaves) {
  auto c = make_chan<long>();
  auto t0 = Clock::now();
  gort::go(skynet, c, 0L, leaves, 10L);
  long r = c.recv();
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::printf("skynet %ld leaves, GOMAXPROCS=%d: %.1f ms, rss %.1f MiB\n", leaves, gort::gomaxprocs(), ms,
              rss_bytes() / 1048576.0);
  return r;
}

TEST(Stress, Skynet1M) {
  constexpr long kLeaves = 1000000;
  EXPECT_EQ(run_skynet(kLeaves), kLeaves * (kLeaves - 1) / 2);
  // Again: every stack and G now comes from the pools.
  EXPECT_EQ(run_skynet(kLeaves), kLeaves * (kLeaves - 1) / 2);
}

TEST(Stress, Skynet1MOneP) {
  ScopedGomaxprocs procs(1);
  constexpr long kLeaves = 1000000;
  EXPECT_EQ(run_skynet(kLeaves), kLeaves * (kLeaves - 1) / 2);
}

// ---- many simultaneously live goroutines ------------------------------------------------------

TEST(Stress, HundredThousandLiveGoroutines) {
  // More live goroutines than the guard-page budget (about 24k with the default
  // vm.max_map_count): the rest get unguarded slab stacks. Each goroutine
  // writes a pattern on its stack before parking and checks it after waking,
  // so overlapping or recycled-while-live stacks are caught.
  constexpr int kN = 100000;
  auto release = make_chan<int>();
  std::atomic<int> ready{0}, corrupt{0};
  std::atomic<long> sum{0};
  gort::WaitGroup wg;
  wg.add(kN);
  std::int64_t base = gort::num_goroutine();
  std::int64_t rss0 = rss_bytes();
  for (int i = 0; i < kN; i++) {
    gort::go([&, release, i] {
      volatile unsigned char buf[1536];
      for (int k = 0; k < 1536; k++) buf[k] = static_cast<unsigned char>(i * 31 + k);
      ready.fetch_add(1);
      release.recv_ok();
      for (int k = 0; k < 1536; k++) {
        if (buf[k] != static_cast<unsigned char>(i * 31 + k)) {
          corrupt.fetch_add(1);
          break;
        }
      }
      sum.fetch_add(i);
      wg.done();
    });
  }
  ASSERT_TRUE(wait_until([&] { return ready.load() == kN; }, 60000ms));
  EXPECT_GE(gort::num_goroutine(), base + kN);
  std::int64_t rss_peak = rss_bytes();
  gort::sleep(10ms);
  release.close();
  wg.wait();
  EXPECT_EQ(corrupt.load(), 0) << "goroutine stacks were clobbered while parked";
  EXPECT_EQ(sum.load(), static_cast<long>(kN) * (kN - 1) / 2);
  std::printf("100k live goroutines: rss %.1f MiB before, %.1f MiB while live (%.1f KiB each)\n", rss0 / 1048576.0,
              rss_peak / 1048576.0, (rss_peak - rss0) / 1024.0 / kN);
}

TEST(Stress, ReleasedStacksGiveMemoryBack) {
  // Beyond the pool's watermark, stacks of exited goroutines return their
  // memory to the OS.
  constexpr int kN = 40000;  // beyond the guard budget: both stack tiers
  constexpr int kTouch = 32 * 1024;  // each goroutine dirties ~32 KiB of stack
  std::int64_t rss0 = rss_bytes();
  auto release = make_chan<int>();
  std::atomic<int> ready{0};
  gort::WaitGroup wg;
  wg.add(kN);
  for (int i = 0; i < kN; i++) {
    gort::go([&, release] {
      volatile char buf[kTouch];
      for (int k = 0; k < kTouch; k += 512) buf[k] = 1;
      ready.fetch_add(1);
      release.recv_ok();
      buf[0] = static_cast<char>(buf[kTouch - 512] + 1);
      wg.done();
    });
  }
  ASSERT_TRUE(wait_until([&] { return ready.load() == kN; }, 60000ms));
  std::int64_t peak = rss_bytes();
  release.close();
  wg.wait();
  // The memory may be returned in the background (sysmon): give it a while.
  // Only the pool's watermark of cached stacks (about a thousand) may keep theirs.
  const std::int64_t limit = rss0 + (peak - rss0) / 4;
  wait_until([&] { return rss_bytes() < limit; }, 30000ms, 10000us);
  std::int64_t after = rss_bytes();
  std::printf("stack memory: rss %.1f MiB before, %.1f MiB with %d live goroutines, %.1f MiB after they exited\n",
              rss0 / 1048576.0, peak / 1048576.0, kN, after / 1048576.0);
  ASSERT_GT(peak - rss0, static_cast<std::int64_t>(kN) * kTouch / 2) << "stacks not touched as expected";
  EXPECT_LT(after, limit) << "memory of exited goroutines' stacks was not given back within 30 s";
}

TEST(Stress, SpawnChurnMillionGoroutines) {
  constexpr int kWaves = 100, kPerWave = 10000;
  std::atomic<long> sum{0};
  for (int w = 0; w < kWaves; w++) {
    gort::WaitGroup wg;
    wg.add(kPerWave);
    for (int i = 0; i < kPerWave; i++) {
      gort::go([&sum, &wg, i] {
        sum.fetch_add(i);
        wg.done();
      });
    }
    wg.wait();
  }
  EXPECT_EQ(sum.load(), static_cast<long>(kWaves) * kPerWave * (kPerWave - 1) / 2);
}

// ---- contention ------------------------------------------------------------------------------

TEST(Stress, MutexContentionFourPs) {
  ScopedGomaxprocs procs(4);
  constexpr int kGoroutines = 128, kIters = 20000;
  gort::Mutex m;
  long counter = 0;
  std::atomic<bool> inside{false};
  std::atomic<int> overlaps{0};
  gort::WaitGroup wg;
  wg.add(kGoroutines);
  for (int g = 0; g < kGoroutines; g++) {
    gort::go([&] {
      for (int i = 0; i < kIters; i++) {
        m.lock();
        if (inside.exchange(true)) overlaps.fetch_add(1);
        counter++;
        inside.store(false);
        m.unlock();
      }
      wg.done();
    });
  }
  wg.wait();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(counter, static_cast<long>(kGoroutines) * kIters);
}

TEST(Stress, ChannelsManyProducersConsumers) {
  ScopedGomaxprocs procs(4);
  constexpr int kProducers = 16, kConsumers = 16, kPer = 50000;
  for (int cap : {0, 1, 128}) {
    auto c = make_chan<int>(cap);
    auto sums = make_chan<long>(kConsumers);
    gort::WaitGroup producers;
    producers.add(kProducers);
    for (int p = 0; p < kProducers; p++) {
      gort::go([c, p, &producers] {
        for (int i = 0; i < kPer; i++) c.send(p * kPer + i);
        producers.done();
      });
    }
    for (int q = 0; q < kConsumers; q++) {
      gort::go([c, sums] {
        long s = 0;
        for (int v : c) s += v;
        sums.send(s);
      });
    }
    producers.wait();
    c.close();
    long total = 0;
    for (int q = 0; q < kConsumers; q++) total += sums.recv();
    long n = static_cast<long>(kProducers) * kPer;
    EXPECT_EQ(total, n * (n - 1) / 2) << "cap=" << cap;
  }
}

TEST(Stress, SelectWithTimeoutsAndCloses) {
  constexpr int kWorkers = 200, kRounds = 500;
  auto data = make_chan<int>(), quit = make_chan<int>();
  std::atomic<long> received{0}, timeouts{0};
  gort::WaitGroup workers;
  workers.add(kWorkers);
  for (int w = 0; w < kWorkers; w++) {
    gort::go([&, data, quit] {
      for (int r = 0; r < kRounds; r++) {
        bool stop = false;
        gort::select(case_recv(data, [&](int v) { received.fetch_add(v); }),
                     case_recv(gort::after(std::chrono::microseconds(200 + r % 300)), [&] { timeouts.fetch_add(1); }),
                     case_recv(quit, [&] { stop = true; }));
        if (stop) break;
      }
      workers.done();
    });
  }
  long sent = 0;
  for (int i = 0; i < 20000; i++) {
    int k = gort::select(gort::case_send(data, 1), case_recv(gort::after(100ms)));
    if (k == 0) sent++;
    if (k == 1) break;  // every worker finished its rounds
  }
  quit.close();
  workers.wait();
  EXPECT_EQ(received.load(), sent);
  std::printf("select stress: %ld values, %ld timeouts\n", sent, timeouts.load());
}

TEST(Stress, ManySleepers) {
  constexpr int kN = 50000;
  std::mt19937 rng(7);
  std::vector<int> us(kN);
  for (auto& u : us) u = static_cast<int>(rng() % 100000);
  std::atomic<int> early{0};
  gort::WaitGroup wg;
  wg.add(kN);
  for (int i = 0; i < kN; i++) {
    gort::go([&, i] {
      auto d = std::chrono::microseconds(us[i]);
      auto t0 = Clock::now();
      gort::sleep(d);
      if (Clock::now() - t0 < d) early.fetch_add(1);
      wg.done();
    });
  }
  wg.wait();
  EXPECT_EQ(early.load(), 0);
}

TEST(Stress, StopTheWorldUnderLoad) {
  ScopedGomaxprocs procs(std::max(2, gort::gomaxprocs()));
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> spins{0};
  gort::WaitGroup wg;
  wg.add(1 + 64);
  gort::go([&] {
    while (!stop.load(std::memory_order_relaxed)) spins.fetch_add(1, std::memory_order_relaxed);
    wg.done();
  });
  std::atomic<long> work{0};
  for (int g = 0; g < 64; g++) {
    gort::go([&] {
      auto c = make_chan<int>(1);
      while (!stop.load(std::memory_order_relaxed)) {
        c.send(1);
        work.fetch_add(c.recv());
        if (work.load(std::memory_order_relaxed) % 64 == 0) gort::yield();
      }
      wg.done();
    });
  }
  // Main never sleeps here: with one P held by the spinner and the other busy,
  // a timer on the spinner's P would not run (see spin_until).
  ASSERT_TRUE(spin_until([&] { return spins.load() > 0 && work.load() > 1000; }));
  std::vector<std::int64_t> lat;
  for (int i = 0; i < 1000; i++) {
    lat.push_back(gort::stop_the_world());
    gort::start_the_world();
    if (i % 10 == 0) {
      for (int k = 0; k < 10; k++) gort::yield();
    }
  }
  stop.store(true);
  wg.wait();
  std::sort(lat.begin(), lat.end());
  RecordProperty("stw_worst_ns", std::to_string(lat.back()));
  std::printf("stop-the-world under load, 1000 stops: worst %.1f us, p99 %.1f us, median %.1f us\n",
              lat.back() / 1e3, lat[990] / 1e3, lat[500] / 1e3);
  EXPECT_GT(work.load(), 1000);
}

}  // namespace
