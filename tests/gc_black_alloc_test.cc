// tests/gc_black_alloc_test.cc — allocate-black by range (gc/span.h,
// black_from): objects handed out while the collector marks survive the
// cycle without a mark bit of their own until their span's run is flushed.
//
// The marker is driven step by step (gc/testing.h) with gccheckmark and
// poison mode on, and one P, so that the goroutine that allocates during
// the mark takes its objects from its P's cache every time. Each new object
// is kept only on that goroutine's stack, which was scanned before the
// object existed: nothing but allocate-black can keep it. Three ways a slot
// is handed out during a mark, one test each:
//   - from a span the cache held when the mark began (start_black at the
//     start pause);
//   - from a span the cache takes during the mark (start_black in the slow
//     path);
//   - from spans filled and let go during the mark (their runs flushed into
//     the mark bits as they leave the cache), then from the next ones.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "checked_slot.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/testing.h"
#include "gort/gort.h"
#include "intact_obj.h"
#include "test_util.h"

namespace gc = gort::gc;

namespace {

// Each test allocates its own type (intact_obj.h's Tag).
template <int Tag>
using Obj = gort_test::IntactObj<Tag>;

// Runs body(step) on a goroutine B while this goroutine drives one cycle:
// B runs up to its first step(), the cycle begins and B's stack is scanned,
// B runs to its second step() (allocating during the mark), and the cycle
// ends (checkmark, sweep) before B runs on to check what it kept.
template <class Body>
void around_one_cycle(Body body) {
  gc::collector().settings.poison = true;
  gc::collector().settings.checkmark = true;
  int procs = gort::set_gomaxprocs(1);
  gc::testing::manual_cycles(true);
  auto to_b = gort::make_chan<int>(), from_b = gort::make_chan<int>();
  std::atomic<std::int64_t> b_id{0};
  gort::go([&] {
    b_id = gort::goid();
    body([&] {
      from_b.send(0);
      to_b.recv();
    });
    from_b.send(0);
  });
  from_b.recv();  // B: before the mark
  gc::testing::cycle_begin();
  ASSERT_TRUE(gc::testing::scan_stack_of(b_id));
  to_b.send(1);
  from_b.recv();  // B: allocated during the mark, on its scanned stack
  gc::testing::scan_roots();
  gc::testing::drain();
  gc::testing::cycle_end();  // checkmark verifies the whole mark; poison wrecks the freed
  to_b.send(1);
  from_b.recv();  // B: checked
  gc::testing::manual_cycles(false);
  gort::set_gomaxprocs(procs);
}

}  // namespace

TEST(GCAllocateBlack, FromTheSpanCachedWhenTheMarkBegan) {
  std::atomic<bool> ok{false};
  around_one_cycle([&](auto step) {
    gort::gc::keep_alive(gc::make<Obj<1>>(0));  // the cache now holds a span of Obj<1>
    step();                                     // (the mark is on; this stack is black)
    gort_test::CheckedSlot<Obj<1>> x;
    x.set(gc::make<Obj<1>>(11));
    step();  // (the cycle ends)
    ok = gc::heap_object_allocated(x.get()) && x.get()->intact() && x.get()->value == 11;
  });
  EXPECT_TRUE(ok);
}

TEST(GCAllocateBlack, FromASpanTakenDuringTheMark) {
  std::atomic<bool> ok{false};
  around_one_cycle([&](auto step) {
    step();  // no span of Obj<2> cached: the first one comes during the mark
    gort_test::CheckedSlot<Obj<2>> x;
    x.set(gc::make<Obj<2>>(22));
    step();
    ok = gc::heap_object_allocated(x.get()) && x.get()->intact() && x.get()->value == 22;
  });
  EXPECT_TRUE(ok);
}

TEST(GCAllocateBlack, FromSpansFilledAndLetGoDuringTheMark) {
  // 32-byte objects, 256 to an 8 KiB span: 2000 fill several spans, each let
  // go (its run flushed) as the next is taken.
  constexpr std::size_t kObjects = 2000;
  std::atomic<std::size_t> intact{0};
  around_one_cycle([&](auto step) {
    gort::gc::keep_alive(gc::make<Obj<3>>(0));
    step();
    std::array<Obj<3>*, kObjects> kept;  // on this (scanned) stack only
    for (std::size_t i = 0; i < kObjects; i++) kept[i] = gc::make<Obj<3>>(static_cast<std::int64_t>(i));
    gort_test::CheckedSlot<Obj<3>> first, last;  // and two the check holds against the mark
    first.set(kept[0]);
    last.set(kept[kObjects - 1]);
    step();
    std::size_t n = 0;
    for (std::size_t i = 0; i < kObjects; i++)
      if (gc::heap_object_allocated(kept[i]) && kept[i]->intact() && kept[i]->value == static_cast<std::int64_t>(i)) n++;
    intact = n;
  });
  EXPECT_EQ(intact.load(), kObjects);
}
