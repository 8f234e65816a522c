// tests/gc_wbbuf_stress_test.cc — the write barrier's per-P buffer
// (gc/wbbuf.cc) while a marker empties every P's buffer over and over and
// goroutines on both Ps append to theirs: the asymmetric-fence protocol
// between an owner's append and a marker's flush must lose no record.
//
// Each object is white when the cycle begins and is reachable from nothing
// but a hidden (bit-inverted) address. A writer stores it into a slot of a
// holder and overwrites it at once, so only the barrier's two records of it
// (as the value stored, then as the value overwritten) can get it marked.
// After the cycle every object must still be allocated: a record lost
// between an append and a flush would let the sweep free its object.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/testing.h"
#include "base/lock.h"
#include "gc/work.h"
#include "gort/gort.h"
#include "test_util.h"

namespace gc = gort::gc;

namespace {

constexpr int kWriters = 4;
constexpr int kPerWriter = 25000;

struct Obj {
  std::int64_t value = 0;
  void trace(gc::Tracer&) const {}
};

struct Holder {
  gc::Ptr<Obj> slot[kWriters];
  void trace(gc::Tracer& t) const {
    for (const auto& s : slot) t(s);
  }
};

std::uintptr_t hide(const void* p) { return ~reinterpret_cast<std::uintptr_t>(p); }
template <class T>
T* unhide(std::uintptr_t h) {
  return reinterpret_cast<T*>(~h);
}

// One cycle of the scenario; returns how many objects the cycle freed.
// ask_stops: before each write, the writer's thread is asked to stop as a
// stopper asks (base::tls_stop_deferred), so that an owner flushing its
// full buffer hands the records it has not shaded back to the buffer.
std::size_t objects_lost(bool ask_stops = false) {
  gc::collector().settings.poison = true;
  gc::collector().settings.checkmark = false;  // the objects are garbage at the end
  gc::testing::manual_cycles(true);
  gc::Root<Holder> holder = gc::make<Holder>();
  std::vector<std::uintptr_t> hidden(static_cast<std::size_t>(kWriters) * kPerWriter);
  gort_test::on_fresh_goroutine([&] {
    for (auto& h : hidden) h = hide(gc::make<Obj>());
  });
  gc::testing::cycle_begin();
  std::atomic<int> writers_left{kWriters};
  std::atomic<std::int64_t> flushes{0};
  std::atomic<bool> flusher_started{false};
  gort::WaitGroup wg;
  wg.add(kWriters + 1);
  for (int w = 0; w < kWriters; w++) {
    gort::go([&, w] {
      // Under load the writers could otherwise be done before the flusher
      // first runs.
      while (!flusher_started.load()) gort::yield();
      for (int i = 0; i < kPerWriter; i++) {
        if (ask_stops) gort::base::tls_stop_deferred.store(true, std::memory_order_relaxed);
        holder->slot[w] = unhide<Obj>(hidden[static_cast<std::size_t>(w) * kPerWriter + i]);
        holder->slot[w] = nullptr;
        if (i % 512 == 0) gort::yield();
      }
      writers_left.fetch_sub(1);
      wg.done();
    });
  }
  gort::go([&] {
    flusher_started.store(true);
    while (writers_left.load() > 0) {
      gc::flush_all_barrier_buffers();
      flushes.fetch_add(1);
      gort::yield();
    }
    wg.done();
  });
  wg.wait();
  gc::testing::cycle_end();
  std::size_t lost = 0;
  gort_test::on_fresh_goroutine([&] {
    for (std::uintptr_t h : hidden)
      if (!gc::heap_object_allocated(unhide<void>(h))) lost++;
  });
  gc::testing::manual_cycles(false);
  EXPECT_GT(flushes.load(), 0);
  return lost;
}

}  // namespace

TEST(GCBarrierBuffer, NoRecordIsLostWhileAMarkerEmptiesTheBuffers) {
  gort_test::ScopedGomaxprocs procs(2);
  for (int round = 0; round < 5; round++) EXPECT_EQ(objects_lost(), 0u) << "round " << round;
}

// A stop of the world asked for while an owner shades its full buffer: the
// records not yet shaded go back to the buffer (gc/wbbuf.cc,
// shade_full_buffer), and none is lost.
TEST(GCBarrierBuffer, RecordsHandedBackForAStopAreNotLost) {
  gort_test::ScopedGomaxprocs procs(2);
  std::uint64_t before = gc::g_testing_barrier_give_backs.load();
  for (int round = 0; round < 3; round++) EXPECT_EQ(objects_lost(/*ask_stops=*/true), 0u) << "round " << round;
  EXPECT_GT(gc::g_testing_barrier_give_backs.load(), before);
}

// The check can fail: with the barrier recording nothing, the cycle frees
// every object.
TEST(GCBarrierBuffer, WithoutTheBarrierEveryObjectIsLost) {
  gort_test::ScopedGomaxprocs procs(2);
  gc::g_testing_barrier_broken = true;
  std::size_t lost = objects_lost();
  gc::g_testing_barrier_broken = false;
  EXPECT_EQ(lost, static_cast<std::size_t>(kWriters) * kPerWriter);
}
