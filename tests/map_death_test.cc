// tests/map_death_test.cc — the map's fatal errors for concurrent misuse
// (go-reference §1.4, §7 items 1-3) and the unrecovered nil-map panic.
//
// The misuse is provoked deterministically: a writer goroutine is paused in
// the middle of a write — the value type's copy blocks once armed, after the
// map has set its hashWriting flag — and the goroutine under test then
// touches the map. Every death statement also wraps the operation in a
// deferred recover and a catch (...), neither of which may fire: a fatal
// error is no panic and no exception.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "gort/gort.h"
#include "gort/map.h"
#include "test_util.h"

using namespace std::chrono_literals;
using gort::make_map;
using gort::Map;
using testing::AllOf;
using testing::ContainsRegex;
using testing::ExitedWithCode;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

namespace {

std::atomic<bool> g_stall_armed{false};
std::atomic<bool> g_writer_stalled{false};
std::atomic<bool> g_release{false};

// A value whose copy, once armed, parks the copying goroutine (sleeping)
// until g_release.
struct Stall {
  static constexpr bool gc_pointer_free = true;
  int v = 0;
  Stall() = default;
  explicit Stall(int x) : v(x) {}
  Stall(const Stall& o) : v(o.v) { maybe_stall(); }
  Stall& operator=(const Stall& o) {
    v = o.v;
    maybe_stall();
    return *this;
  }
  static void maybe_stall() {
    if (!g_stall_armed.exchange(false)) return;
    g_writer_stalled = true;
    // Long sleeps: the reports these tests check list this goroutine as
    // [sleep], and with 1 ms sleeps a TSan build caught it [running] between
    // two of them (two failures in one CI run).
    while (!g_release.load()) gort::sleep(100ms);
  }
};

// Starts a goroutine that stops inside m.set(key, ...) — between the map's
// two flag checks — and returns once it is there.
void writer_paused_mid_set(Map<int, Stall> m, int key) {
  g_stall_armed = true;
  gort::go([m, key] { m.set(key, Stall(key)); });
  ASSERT_TRUE(gort_test::wait_until([] { return g_writer_stalled.load(); }));
  gort::sleep(20ms);  // from setting the flag to its first sleep
}

Map<int, Stall> filled_map() {
  auto m = make_map<int, Stall>();
  for (int i = 0; i < 100; i++) m.set(i, Stall(i));
  return m;
}

// Runs op as a Go function with a deferred recover and a catch (...) around
// it, reporting on stderr anything either of them saw.
template <class F>
void guarded(F op) {
  gort::func([&] {
    gort::Defer d([] {
      std::fprintf(stderr, "deferred call ran\n");
      if (auto r = gort::recover()) std::fprintf(stderr, "recovered: %s\n", r.message().c_str());
    });
    try {
      op();
    } catch (...) {
      std::fprintf(stderr, "caught an exception\n");
    }
  });
}

// With a writer paused in m.set(key, ...) on a filled map, runs op(m) guarded.
template <class F>
void during_paused_set(F op, int key = 5) {
  auto m = filled_map();
  writer_paused_mid_set(m, key);
  guarded([&] { op(m); });
}

// Go's report for a user fatal error in goroutine 1, with the paused writer
// listed too, and nothing from the defer or the catch.
testing::Matcher<const std::string&> fatal_report(const std::string& msg) {
  return AllOf(StartsWith("fatal error: " + msg + "\n\ngoroutine 1 [running]:\n"),
               ContainsRegex("\ngoroutine [0-9]+ \\[sleep\\]:\n"), Not(HasSubstr("deferred call ran")),
               Not(HasSubstr("recovered")), Not(HasSubstr("caught")));
}

}  // namespace

// ---- concurrent map writes: set, erase, clear ------------------------------------------------

TEST(MapDeathTest, SetDuringSetIsConcurrentMapWrites) {
  EXPECT_EXIT(
      {
        during_paused_set([](auto& m) { m.set(6, Stall(6)); });
        std::fprintf(stderr, "survived\n");
      },
      ExitedWithCode(2), AllOf(fatal_report("concurrent map writes"), Not(HasSubstr("survived"))));
}

TEST(MapDeathTest, EraseDuringSetIsConcurrentMapWrites) {
  EXPECT_EXIT(
      during_paused_set([](auto& m) { m.erase(7); }),
      ExitedWithCode(2), fatal_report("concurrent map writes"));
}

TEST(MapDeathTest, ClearDuringSetIsConcurrentMapWrites) {
  EXPECT_EXIT(
      during_paused_set([](auto& m) { m.clear(); }, 200),
      ExitedWithCode(2), fatal_report("concurrent map writes"));
}

// The exit check: a writer whose flag another writer's XOR cleared while it
// worked finds the flag gone when it finishes.
TEST(MapDeathTest, FlagClearedDuringAWriteIsConcurrentMapWrites) {
  EXPECT_EXIT(
      {
        auto m = filled_map();
        writer_paused_mid_set(m, 5);
        m.table()->toggle_writing();  // what a racing writer's XOR does
        g_release = true;             // the paused writer finishes its set
        gort::sleep(5s);
      },
      ExitedWithCode(2),
      ContainsRegex("^fatal error: concurrent map writes\n\ngoroutine [0-9]+ \\[running\\]:\n"
                    "(.|\n)*goroutine 1 \\[sleep\\]:\n"));
}

// ---- concurrent map read and map write: get, lookup, contains ----------------------------------

TEST(MapDeathTest, GetDuringSetIsConcurrentReadAndWrite) {
  EXPECT_EXIT(
      during_paused_set([](auto& m) { (void)m.get(1); }),
      ExitedWithCode(2), fatal_report("concurrent map read and map write"));
}

TEST(MapDeathTest, LookupDuringSetIsConcurrentReadAndWrite) {
  EXPECT_EXIT(
      during_paused_set([](auto& m) { (void)m.lookup(1000); }),
      ExitedWithCode(2), fatal_report("concurrent map read and map write"));
}

TEST(MapDeathTest, ContainsDuringSetIsConcurrentReadAndWrite) {
  EXPECT_EXIT(
      during_paused_set([](auto& m) { (void)m.contains(2); }),
      ExitedWithCode(2), fatal_report("concurrent map read and map write"));
}

// ---- iteration and clone ------------------------------------------------------------------------

TEST(MapDeathTest, RangeDuringSetIsConcurrentIterationAndWrite) {
  EXPECT_EXIT(
      during_paused_set([](auto& m) {
        for (auto entry : m) (void)entry;
      }),
      ExitedWithCode(2), fatal_report("concurrent map iteration and map write"));
}

TEST(MapDeathTest, WriteBetweenIterationStepsIsCaughtAtTheNextStep) {
  EXPECT_EXIT(
      {
        auto m = filled_map();
        int steps = 0;
        guarded([&] {
          for (auto entry : m) {
            (void)entry;
            if (++steps == 3) writer_paused_mid_set(m, 1000);
          }
        });
        std::fprintf(stderr, "steps=%d\n", steps);
      },
      ExitedWithCode(2), AllOf(fatal_report("concurrent map iteration and map write"), Not(HasSubstr("steps="))));
}

TEST(MapDeathTest, CloneDuringSetIsConcurrentCloneAndWrite) {
  EXPECT_EXIT(
      during_paused_set([](auto& m) { (void)m.clone(); }),
      ExitedWithCode(2), fatal_report("concurrent map clone and map write"));
}

// ---- GOTRACEBACK and real races ---------------------------------------------------------------

TEST(MapDeathTest, GotracebackNonePrintsOnlyTheFatalLine) {
  setenv("GOTRACEBACK", "none", 1);  // read by the child's runtime at boot
  EXPECT_EXIT(
      {
        auto m = filled_map();
        writer_paused_mid_set(m, 5);
        (void)m.get(1);
      },
      ExitedWithCode(2), testing::Eq("fatal error: concurrent map read and map write\n"));
  unsetenv("GOTRACEBACK");
}

// Go's testprog/map.go: two goroutines on two threads writing one map.
// Nothing pauses them; the flag's XOR catches the race within a few writes.
void two_writers_race() {
  gort::set_gomaxprocs(2);
  auto m = make_map<int, int>();
  std::atomic<int> started{0};
  gort::WaitGroup wg;
  wg.add(2);
  auto writer = [m, &started, &wg](int key) {
    started++;
    while (started.load() < 2) gort::yield();
    for (long i = 0; i < 100000000; i++) {
      m.set(key, static_cast<int>(i));
      if (i % 4096 == 0) gort::yield();
    }
    wg.done();
  };
  gort::go([writer] { writer(5); });
  gort::go([writer] { writer(6); });
  wg.wait();
  std::fprintf(stderr, "no race detected\n");
  gort::exit(0);
}

TEST(MapDeathTest, TwoGoroutinesHammeringOneMap) {
  EXPECT_EXIT(two_writers_race(), ExitedWithCode(2),
              StartsWith("fatal error: concurrent map writes\n\ngoroutine "));
}

// ---- nil map -----------------------------------------------------------------------------------

void assign_to_nil_map() {
  Map<gort::gc::String, int> m;
  (void)m.get("a");  // reads are fine
  m.erase("a");
  m.set("a", 1);
}

void assign_to_nil_inner_map() {
  auto outer = make_map<int, Map<int, int>>();
  gort::func([&] {
    gort::Defer d([] { std::fprintf(stderr, "deferred call ran\n"); });
    outer.get(1).set(2, 3);
  });
}

TEST(MapDeathTest, NilMapAssignmentUnrecoveredPanics) {
  EXPECT_EXIT(assign_to_nil_map(), ExitedWithCode(2),
              AllOf(StartsWith("panic: assignment to entry in nil map\n\ngoroutine 1 [running]:\n"),
                    Not(HasSubstr("[recovered]"))));
}

TEST(MapDeathTest, NilInnerMapAssignmentRunsDefersThenPanics) {
  // A panic, unlike the fatal errors: deferred calls run first.
  EXPECT_EXIT(assign_to_nil_inner_map(), ExitedWithCode(2),
              StartsWith("deferred call ran\npanic: assignment to entry in nil map\n\ngoroutine 1 [running]:\n"));
}
