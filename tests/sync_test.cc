// tests/sync_test.cc — gort::Mutex, RWMutex, WaitGroup, Once, Cond.
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "gort/gort.h"
#include "sched/g.h"
#include "test_util.h"

namespace {

using namespace gort_test;
using gort::make_chan;

// ---- Sema (the runtime semaphore under Mutex, RWMutex and WaitGroup) ----------------

// Tokens are neither duplicated nor lost: with kTokens of them, at most
// kTokens goroutines are ever between acquire and release, and every
// acquire is eventually served (a lost token ends in the deadlock report).
// Acquirers race on both paths: the lock-free take of a positive count and
// the take under the semaphore's lock, which must not overwrite a
// concurrent lock-free take (a plain store there let two acquirers through
// on one token: in the TSan build, RWMutex.WriterExcludesEveryone let
// readers in beside a writer, 103 violations in one run).
TEST(Sema, TokensAreNeitherDuplicatedNorLost) {
  constexpr int kTokens = 3, kGoroutines = 16, kIters = 20000;
  gort::detail::Sema sem;
  for (int i = 0; i < kTokens; i++) sem.release();
  std::atomic<int> inside{0}, most{0}, over{0};
  gort::WaitGroup wg;
  wg.add(kGoroutines);
  for (int g = 0; g < kGoroutines; g++) {
    gort::go([&, g] {
      for (int i = 0; i < kIters; i++) {
        sem.acquire(static_cast<int>(gort::detail::WaitReason::semacquire));
        int n = inside.fetch_add(1) + 1;
        if (n > kTokens) over.fetch_add(1);
        int m = most.load();
        while (n > m && !most.compare_exchange_weak(m, n)) {
        }
        if ((i + g) % 32 == 0) gort::yield();
        inside.fetch_sub(1);
        sem.release();
      }
      wg.done();
    });
  }
  wg.wait();
  EXPECT_EQ(over.load(), 0) << "at most " << most.load() << " holders of " << kTokens << " tokens";
}

// ---- Mutex ------------------------------------------------------------------------

TEST(Mutex, TryLock) {
  gort::Mutex m;
  EXPECT_TRUE(m.try_lock());
  EXPECT_FALSE(m.try_lock());
  m.unlock();
  EXPECT_TRUE(m.try_lock());
  m.unlock();
  {
    std::lock_guard<gort::Mutex> g(m);
    EXPECT_FALSE(m.try_lock());
  }
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

TEST(Mutex, ExclusionUnderHeavyContention) {
  constexpr int kGoroutines = 64, kIters = 10000;
  gort::Mutex m;
  long counter = 0;  // deliberately not atomic: only the mutex protects it
  std::atomic<bool> inside{false};
  std::atomic<int> overlaps{0};
  gort::WaitGroup wg;
  wg.add(kGoroutines);
  for (int g = 0; g < kGoroutines; g++) {
    gort::go([&, g] {
      for (int i = 0; i < kIters; i++) {
        m.lock();
        if (inside.exchange(true, std::memory_order_acq_rel)) overlaps.fetch_add(1);
        long c = counter;
        if ((i + g) % 97 == 0) burn(200);  // hold the lock a little longer now and then
        counter = c + 1;
        inside.store(false, std::memory_order_release);
        m.unlock();
        if (i % 1024 == 0) gort::yield();
      }
      wg.done();
    });
  }
  wg.wait();
  EXPECT_EQ(overlaps.load(), 0) << "two goroutines held the mutex at once";
  EXPECT_EQ(counter, static_cast<long>(kGoroutines) * kIters);
}

TEST(Mutex, ParkedWaitersAreWoken) {
  // Holders that block (sleep) while holding the lock force the others to park.
  constexpr int kGoroutines = 20;
  gort::Mutex m;
  int counter = 0;
  gort::WaitGroup wg;
  wg.add(kGoroutines);
  for (int g = 0; g < kGoroutines; g++) {
    gort::go([&] {
      for (int i = 0; i < 5; i++) {
        std::lock_guard<gort::Mutex> lk(m);
        int c = counter;
        gort::sleep(200us);
        counter = c + 1;
      }
      wg.done();
    });
  }
  wg.wait();
  EXPECT_EQ(counter, kGoroutines * 5);
}

TEST(Mutex, UnlockFromAnotherGoroutine) {
  // As in Go, a locked Mutex is not tied to a goroutine.
  gort::Mutex m;
  m.lock();
  auto done = make_chan<bool>();
  gort::go([&m, done] {
    m.unlock();
    done.send(true);
  });
  done.recv();
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

// ---- RWMutex --------------------------------------------------------------------

TEST(RWMutex, TryLockVariants) {
  gort::RWMutex rw;
  EXPECT_TRUE(rw.try_lock_shared());
  EXPECT_TRUE(rw.try_lock_shared());
  EXPECT_FALSE(rw.try_lock()) << "write lock granted while read-locked";
  rw.unlock_shared();
  EXPECT_FALSE(rw.try_lock());
  rw.unlock_shared();
  EXPECT_TRUE(rw.try_lock());
  EXPECT_FALSE(rw.try_lock_shared()) << "read lock granted while write-locked";
  EXPECT_FALSE(rw.try_lock());
  rw.unlock();
  {
    std::shared_lock<gort::RWMutex> r(rw);
    EXPECT_FALSE(rw.try_lock());
  }
  {
    std::unique_lock<gort::RWMutex> w(rw);
    EXPECT_FALSE(rw.try_lock_shared());
  }
  EXPECT_TRUE(rw.try_lock());
  rw.unlock();
}

TEST(RWMutex, ReadersRunConcurrently) {
  constexpr int kReaders = 10;
  gort::RWMutex rw;
  std::atomic<int> readers_in{0}, max_in{0};
  gort::WaitGroup wg;
  wg.add(kReaders);
  for (int i = 0; i < kReaders; i++) {
    gort::go([&] {
      rw.lock_shared();
      int now = readers_in.fetch_add(1) + 1;
      int m = max_in.load();
      while (now > m && !max_in.compare_exchange_weak(m, now)) {
      }
      // Hold the read lock until every reader is inside (or give up).
      wait_until([&] { return max_in.load() == kReaders; }, 5000ms);
      readers_in.fetch_sub(1);
      rw.unlock_shared();
      wg.done();
    });
  }
  wg.wait();
  EXPECT_EQ(max_in.load(), kReaders) << "readers did not hold the read lock at the same time";
}

TEST(RWMutex, WriterExcludesEveryone) {
  constexpr int kReaders = 16, kWriters = 4, kIters = 2000;
  gort::RWMutex rw;
  std::atomic<int> readers_in{0}, writers_in{0}, violations{0};
  long shared_value = 0;  // written only under the write lock
  gort::WaitGroup wg;
  wg.add(kReaders + kWriters);
  for (int w = 0; w < kWriters; w++) {
    gort::go([&] {
      for (int i = 0; i < kIters; i++) {
        rw.lock();
        if (writers_in.fetch_add(1) != 0) violations.fetch_add(1);
        if (readers_in.load() != 0) violations.fetch_add(1);
        long v = shared_value;
        if (i % 64 == 0) gort::yield();
        shared_value = v + 1;
        writers_in.fetch_sub(1);
        rw.unlock();
      }
      wg.done();
    });
  }
  for (int r = 0; r < kReaders; r++) {
    gort::go([&] {
      long last = 0;
      for (int i = 0; i < kIters; i++) {
        rw.lock_shared();
        readers_in.fetch_add(1);
        if (writers_in.load() != 0) violations.fetch_add(1);
        long v = shared_value;
        if (v < last) violations.fetch_add(1);
        last = v;
        if (i % 64 == 0) gort::yield();
        readers_in.fetch_sub(1);
        rw.unlock_shared();
      }
      wg.done();
    });
  }
  wg.wait();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(shared_value, static_cast<long>(kWriters) * kIters);
}

TEST(RWMutex, PendingWriterBlocksNewReaders) {
  // Go's RWMutex: once a writer waits, new readers wait behind it, so a stream
  // of readers cannot starve writers.
  gort::RWMutex rw;
  rw.lock_shared();
  std::atomic<bool> writer_has_lock{false};
  auto writer_done = make_chan<bool>();
  gort::go([&, writer_done] {
    rw.lock();
    writer_has_lock.store(true);
    rw.unlock();
    writer_done.send(true);
  });
  // Eventually the writer is queued, and from then on try_lock_shared fails.
  bool refused = wait_until(
      [&] {
        if (rw.try_lock_shared()) {
          rw.unlock_shared();
          return false;
        }
        return true;
      },
      5000ms);
  EXPECT_TRUE(refused) << "new readers still admitted while a writer waits";
  EXPECT_FALSE(writer_has_lock.load()) << "writer got the lock while a reader held it";
  rw.unlock_shared();
  writer_done.recv();
  EXPECT_TRUE(writer_has_lock.load());
  EXPECT_TRUE(rw.try_lock_shared());
  rw.unlock_shared();
}

TEST(RWMutex, ReaderBlockedByWriterIsWoken) {
  gort::RWMutex rw;
  rw.lock();
  std::atomic<int> readers_done{0};
  gort::WaitGroup wg;
  wg.add(5);
  for (int i = 0; i < 5; i++) {
    gort::go([&] {
      rw.lock_shared();
      readers_done.fetch_add(1);
      rw.unlock_shared();
      wg.done();
    });
  }
  gort::sleep(20ms);
  EXPECT_EQ(readers_done.load(), 0) << "readers got in while the writer held the lock";
  rw.unlock();
  wg.wait();
  EXPECT_EQ(readers_done.load(), 5);
}

// ---- WaitGroup ------------------------------------------------------------------

TEST(WaitGroup, WaitsForAll) {
  constexpr int kN = 100;
  gort::WaitGroup wg;
  std::vector<std::atomic<bool>> done(kN);
  for (auto& d : done) d.store(false);
  wg.add(kN);
  for (int i = 0; i < kN; i++) {
    gort::go([&, i] {
      gort::sleep(std::chrono::microseconds(100 * (i % 10)));
      done[i].store(true);
      wg.done();
    });
  }
  wg.wait();
  int missing = 0;
  for (auto& d : done) missing += !d.load();
  EXPECT_EQ(missing, 0) << "wait returned before every done()";
}

TEST(WaitGroup, ZeroCounterDoesNotBlock) {
  gort::WaitGroup wg;
  wg.wait();
  wg.add(3);
  wg.add(-3);
  wg.wait();
  SUCCEED();
}

TEST(WaitGroup, ManyWaiters) {
  gort::WaitGroup wg;
  wg.add(1);
  std::atomic<int> released{0};
  gort::WaitGroup waiters;
  waiters.add(10);
  for (int i = 0; i < 10; i++) {
    gort::go([&] {
      wg.wait();
      released.fetch_add(1);
      waiters.done();
    });
  }
  gort::sleep(20ms);
  EXPECT_EQ(released.load(), 0);
  wg.done();
  waiters.wait();
  EXPECT_EQ(released.load(), 10);
}

TEST(WaitGroup, Reuse) {
  gort::WaitGroup wg;
  for (int round = 0; round < 50; round++) {
    std::atomic<int> n{0};
    wg.add(8);
    for (int i = 0; i < 8; i++) {
      gort::go([&] {
        n.fetch_add(1);
        wg.done();
      });
    }
    wg.wait();
    ASSERT_EQ(n.load(), 8) << "round " << round;
  }
}

// ---- Once -----------------------------------------------------------------------

TEST(Once, RunsExactlyOnceAndEveryoneWaits) {
  constexpr int kCallers = 100;
  gort::Once once;
  std::atomic<int> calls{0};
  std::atomic<bool> fn_finished{false};
  std::atomic<int> saw_unfinished{0};
  gort::WaitGroup wg;
  wg.add(kCallers);
  auto start = make_chan<bool>();
  for (int i = 0; i < kCallers; i++) {
    gort::go([&, start] {
      start.recv_ok();
      once.call([&] {
        calls.fetch_add(1);
        gort::sleep(20ms);  // the others must wait for this to return
        fn_finished.store(true);
      });
      if (!fn_finished.load()) saw_unfinished.fetch_add(1);
      wg.done();
    });
  }
  EXPECT_FALSE(once.done());
  start.close();
  wg.wait();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(saw_unfinished.load(), 0) << "call() returned before the first fn returned";
  EXPECT_TRUE(once.done());
  once.call([&] { calls.fetch_add(1); });
  EXPECT_EQ(calls.load(), 1);
}

// ---- Cond -----------------------------------------------------------------------

TEST(Cond, SignalWakesOneBroadcastWakesAll) {
  constexpr int kWaiters = 8;
  gort::Mutex m;
  gort::Cond cond(m);
  int waiting = 0;
  int generation = 0;
  std::atomic<int> woken{0};
  gort::WaitGroup wg;
  wg.add(kWaiters);
  for (int i = 0; i < kWaiters; i++) {
    gort::go([&] {
      m.lock();
      waiting++;
      int gen = generation;
      while (generation == gen) cond.wait();
      woken.fetch_add(1);
      m.unlock();
      wg.done();
    });
  }
  // Once we hold the lock and see all of them counted, each is inside wait().
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard<gort::Mutex> lk(m);
    return waiting == kWaiters;
  }));

  // signal: exactly one waiter wakes.
  m.lock();
  generation++;
  cond.signal();
  m.unlock();
  ASSERT_TRUE(wait_until([&] { return woken.load() >= 1; })) << "signal woke nobody";
  gort::sleep(30ms);
  EXPECT_EQ(woken.load(), 1) << "signal woke more than one waiter";

  // The others are still parked in wait() (they would leave the loop if woken,
  // since the generation moved on); broadcast wakes them all.
  m.lock();
  cond.broadcast();
  m.unlock();
  wg.wait();
  EXPECT_EQ(woken.load(), kWaiters);
}

TEST(Cond, SignalWithoutWaitersIsNotRemembered) {
  gort::Mutex m;
  gort::Cond cond(m);
  cond.signal();
  cond.broadcast();
  bool flag = false;
  std::atomic<bool> returned{false};
  auto done = make_chan<bool>();
  gort::go([&, done] {
    m.lock();
    while (!flag) cond.wait();
    m.unlock();
    returned.store(true);
    done.send(true);
  });
  gort::sleep(20ms);
  EXPECT_FALSE(returned.load());
  m.lock();
  flag = true;
  cond.signal();
  m.unlock();
  done.recv();
  EXPECT_TRUE(returned.load());
}

TEST(Cond, ProducerConsumer) {
  constexpr int kProducers = 4, kConsumers = 4, kPer = 5000;
  constexpr std::size_t kCap = 8;
  gort::Mutex m;
  gort::Cond not_empty(m), not_full(m);
  std::deque<int> q;
  bool closed = false;
  std::atomic<long> sum{0};
  std::atomic<int> count{0};
  std::atomic<int> overfull{0};
  gort::WaitGroup producers, consumers;
  producers.add(kProducers);
  consumers.add(kConsumers);
  for (int p = 0; p < kProducers; p++) {
    gort::go([&, p] {
      for (int i = 0; i < kPer; i++) {
        m.lock();
        while (q.size() >= kCap) not_full.wait();
        q.push_back(p * kPer + i);
        if (q.size() > kCap) overfull.fetch_add(1);
        not_empty.signal();
        m.unlock();
      }
      producers.done();
    });
  }
  for (int c = 0; c < kConsumers; c++) {
    gort::go([&] {
      for (;;) {
        m.lock();
        while (q.empty() && !closed) not_empty.wait();
        if (q.empty() && closed) {
          m.unlock();
          break;
        }
        int v = q.front();
        q.pop_front();
        not_full.signal();
        m.unlock();
        sum.fetch_add(v);
        count.fetch_add(1);
      }
      consumers.done();
    });
  }
  producers.wait();
  m.lock();
  closed = true;
  not_empty.broadcast();
  m.unlock();
  consumers.wait();
  long n = static_cast<long>(kProducers) * kPer;
  EXPECT_EQ(count.load(), n);
  EXPECT_EQ(sum.load(), n * (n - 1) / 2);
  EXPECT_EQ(overfull.load(), 0);
}

TEST(Cond, WithRWMutex) {
  gort::RWMutex rw;
  gort::Cond cond(rw);  // waits with the write lock, as sync.NewCond(&rw)
  bool ready = false;
  auto done = make_chan<bool>();
  gort::go([&, done] {
    rw.lock();
    while (!ready) cond.wait();
    rw.unlock();
    done.send(true);
  });
  gort::sleep(5ms);
  rw.lock();
  ready = true;
  cond.broadcast();
  rw.unlock();
  done.recv();
  SUCCEED();
}

}  // namespace
