// tests/gc_finalizer_test.cc — finalizers with Go's semantics (go-reference
// §4.4: the A -> B order, resurrection, no second run, cycles never
// finalized), their misuse errors, and weak pointers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "gc/testing.h"
#include "gort/gort.h"
#include "test_util.h"

namespace gc = gort::gc;
using testing::ExitedWithCode;
using testing::HasSubstr;

namespace {

struct Obj {
  gc::Ptr<Obj> ref;
  const char* name = "";
  explicit Obj(const char* n = "") : name(n) {}
  void trace(gc::Tracer& t) const { t(ref); }
};

gort::Mutex* g_mu;
std::vector<std::string>* g_events;
gc::Root<Obj>* g_resurrected;

void event(const std::string& e) {
  g_mu->lock();
  g_events->push_back(e);
  g_mu->unlock();
}

void cycle_and_settle(const char* label) {
  event(std::string("-- ") + label);
  gc::collect();
  gort::sleep(std::chrono::milliseconds(20));  // as the Go program does
}

void setup() {
  g_mu = new gort::Mutex();
  g_events = new std::vector<std::string>();
  g_resurrected = new gc::Root<Obj>();
}

}  // namespace

// The program captured in go-reference §4.4, step for step.
TEST(GCFinalizer, GoOrderResurrectionAndCycles) {
  setup();
  gort_test::on_fresh_goroutine([] {
    Obj* a = gc::make<Obj>("A");
    Obj* b = gc::make<Obj>("B");
    a->ref = b;  // A -> B, both with finalizers
    gc::set_finalizer(a, [](Obj* o) { event(std::string("finalizer ") + o->name); });
    gc::set_finalizer(b, [](Obj* o) { event(std::string("finalizer ") + o->name); });
    Obj* c1 = gc::make<Obj>("C1");
    Obj* c2 = gc::make<Obj>("C2");
    c1->ref = c2;
    c2->ref = c1;  // a cycle through an object with a finalizer
    gc::set_finalizer(c1, [](Obj*) { event("finalizer C1"); });
  });
  cycle_and_settle("GC 1");
  cycle_and_settle("GC 2");
  gort_test::on_fresh_goroutine([] {
    Obj* r = gc::make<Obj>("R");
    gc::set_finalizer(r, [](Obj* o) {
      event("finalizer R (resurrecting)");
      *g_resurrected = o;
    });
  });
  cycle_and_settle("GC 3");
  event(std::string("resurrected: ") + (g_resurrected->get() != nullptr ? "true" : "false"));
  *g_resurrected = nullptr;  // unreachable again: its finalizer must not run twice
  cycle_and_settle("GC 4");
  cycle_and_settle("GC 5");
  EXPECT_THAT(*g_events, testing::ElementsAre("-- GC 1", "finalizer A", "-- GC 2", "finalizer B",
                                              "-- GC 3", "finalizer R (resurrecting)",
                                              "resurrected: true", "-- GC 4", "-- GC 5"));
}

TEST(GCFinalizer, ObjectAndWhatItReachesStayIntactForTheFinalizer) {
  setup();
  static std::atomic<int> seen{0};
  gort_test::on_fresh_goroutine([] {
    Obj* o = gc::make<Obj>("outer");
    o->ref = gc::make<Obj>("inner");
    gc::set_finalizer(o, [](Obj* x) {
      if (std::string(x->name) == "outer" && x->ref && std::string(x->ref->name) == "inner") seen = 1;
      else seen = 2;
    });
  });
  for (int i = 0; i < 3 && seen.load() == 0; i++) cycle_and_settle("gc");
  EXPECT_EQ(seen.load(), 1);
}

TEST(GCFinalizer, ClearedFinalizerDoesNotRun) {
  setup();
  static std::atomic<bool> ran{false};
  gort_test::on_fresh_goroutine([] {
    Obj* o = gc::make<Obj>("x");
    gc::set_finalizer(o, [](Obj*) { ran = true; });
    gc::clear_finalizer(o);
  });
  cycle_and_settle("1");
  cycle_and_settle("2");
  EXPECT_FALSE(ran.load());
}

TEST(GCFinalizerDeathTest, SettingTwiceIsFatal) {
  EXPECT_EXIT(
      {
        Obj* o = gc::make<Obj>();
        gc::set_finalizer(o, [](Obj*) {});
        gc::set_finalizer(o, [](Obj*) {});
      },
      ExitedWithCode(2), HasSubstr("fatal error: gort::gc::set_finalizer: finalizer already set\n"));
}

TEST(GCFinalizerDeathTest, NilIsFatal) {
  EXPECT_EXIT(gc::set_finalizer(static_cast<Obj*>(nullptr), [](Obj*) {}), ExitedWithCode(2),
              HasSubstr("fatal error: gort::gc::set_finalizer: first argument is nil\n"));
}

TEST(GCFinalizerDeathTest, InteriorPointerIsFatal) {
  struct Two {
    long a, b;
  };
  EXPECT_EXIT(
      {
        Two* t = gc::make<Two>();
        gc::set_finalizer(&t->b, [](long*) {});
      },
      ExitedWithCode(2),
      HasSubstr("fatal error: gort::gc::set_finalizer: pointer not at beginning of allocated block\n"));
}

TEST(GCFinalizerDeathTest, PointerOutsideTheHeapIsFatal) {
  static Obj not_on_heap;
  EXPECT_EXIT(gc::set_finalizer(&not_on_heap, [](Obj*) {}), ExitedWithCode(2),
              HasSubstr("fatal error: gort::gc::set_finalizer: pointer not in allocated block\n"));
}

// ---- weak pointers --------------------------------------------------------------------------

TEST(GCWeak, ReadsTheObjectWhileItLivesAndNullAfter) {
  setup();
  gc::Root<Obj> strong;
  gc::Weak<Obj>* weak = new gc::Weak<Obj>();
  gort_test::on_fresh_goroutine([&] {
    Obj* o = gc::make<Obj>("w");
    strong = o;
    *weak = gc::Weak<Obj>(o);
  });
  gc::collect();
  gort_test::on_fresh_goroutine([&] {  // (the read materialises the pointer: not on this stack)
    EXPECT_EQ(weak->get(), strong.get());
    EXPECT_TRUE(static_cast<bool>(*weak));
  });
  strong = nullptr;
  gc::collect();
  gort_test::on_fresh_goroutine([&] { EXPECT_EQ(weak->get(), nullptr); });
  delete weak;
}

TEST(GCWeak, ClearedEvenWhenAFinalizerResurrectsTheObject) {
  setup();
  gc::Weak<Obj>* weak = new gc::Weak<Obj>();
  gort_test::on_fresh_goroutine([&] {
    Obj* o = gc::make<Obj>("r");
    *weak = gc::Weak<Obj>(o);
    gc::set_finalizer(o, [](Obj* x) { *g_resurrected = x; });
  });
  cycle_and_settle("1");
  EXPECT_NE(g_resurrected->get(), nullptr);
  gort_test::on_fresh_goroutine([&] { EXPECT_EQ(weak->get(), nullptr); });
  delete weak;
}

TEST(GCWeak, CopiesAreIndependentAndDoNotKeepTheObject) {
  setup();
  gc::Weak<Obj> a, b;
  gort_test::on_fresh_goroutine([&] {
    Obj* o = gc::make<Obj>("c");
    a = gc::Weak<Obj>(o);
    b = a;
  });
  gc::collect();
  gort_test::on_fresh_goroutine([&] {
    EXPECT_EQ(a.get(), nullptr);
    EXPECT_EQ(b.get(), nullptr);
  });
}

// Weak pointers and finalizers are dealt with by the sweep, not in the
// termination pause (gc/specials_table.h). Between the pause and the sweep
// of its span, a dead object is still named by its weak pointer, which must
// read null nonetheless; a live object's reads as the object.
TEST(GCWeak, ReadsNullBetweenTheMarkAndTheSweepAndThePauseLeavesSpecialsToTheSweep) {
  setup();
  gc::testing::manual_cycles(true);
  gc::Root<Obj> keep;
  auto* dead = new gc::Weak<Obj>();
  auto* live = new gc::Weak<Obj>();
  static std::atomic<int> finalized{0};
  gort_test::on_fresh_goroutine([&] {
    Obj* d = gc::make<Obj>("dead");
    *dead = gc::Weak<Obj>(d);
    Obj* l = gc::make<Obj>("live");
    keep = l;
    *live = gc::Weak<Obj>(l);
    Obj* f = gc::make<Obj>("finalized");
    gc::set_finalizer(f, [](Obj*) { finalized.fetch_add(1); });
  });
  std::size_t before = gc::testing::special_records();
  ASSERT_GE(before, 3u);
  gc::testing::cycle_begin();
  gc::testing::scan_roots();
  gc::testing::drain();
  gc::testing::cycle_end_before_sweep();
  EXPECT_EQ(gc::testing::special_records(), before) << "the pause dealt with specials";
  EXPECT_EQ(dead->get(), nullptr);
  EXPECT_EQ(live->get(), keep.get());
  EXPECT_EQ(finalized.load(), 0);
  gc::testing::sweep_rest();
  EXPECT_EQ(gc::testing::special_records(), before - 2);  // the dead one's and the finalizer's
  EXPECT_EQ(dead->get(), nullptr);
  EXPECT_EQ(live->get(), keep.get());
  for (int i = 0; i < 500 && finalized.load() == 0; i++) gort::sleep(std::chrono::milliseconds(10));
  EXPECT_EQ(finalized.load(), 1);
  delete dead;
  delete live;
  EXPECT_EQ(gc::testing::special_records(), before - 3);  // a freed Weak leaves no record
  gc::testing::manual_cycles(false);
}

