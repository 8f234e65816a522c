// tests/sync_map_test.cc — gort::SyncMap: each operation against Go's
// documented sync.Map behaviour, range's guarantees, the promotion of the
// dirty map after enough misses and the expunging of deleted entries
// (white-box, through the state object), handles in GC objects and roots,
// values that are GC objects across collections, and the write barrier of
// the entries' compare-and-swap (a deterministic mark interleaving, with a
// death test proving it fails without the barrier).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gc/collector.h"
#include "gc/testing.h"
#include "gort/gort.h"
#include "gort/sync_map.h"
#include "checked_slot.h"
#include "test_util.h"

namespace gc = gort::gc;
using gort::SyncMap;

namespace {

// The white-box view of a map's state.
template <class K, class V>
struct Inspect {
  typename SyncMap<K, V>::Object* s;
  explicit Inspect(const SyncMap<K, V>& m) : s(m.object()) {}
  std::size_t read_size() const { return s->read.load()->m.size(); }
  bool amended() const { return s->read.load()->amended; }
  bool dirty_is_nil() const { return s->dirty.is_nil(); }
  std::size_t dirty_size() const { return s->dirty.size(); }
  bool in_dirty(const K& k) const { return s->dirty.contains(k); }
  bool in_read(const K& k) const { return s->read.load()->m.contains(k); }
  bool expunged_in_read(const K& k) const {
    auto e = s->read.load()->m.get(k);
    return e != nullptr && e->expunged();
  }
  std::int64_t misses() const { return s->misses; }
};

// Moves every key into the read map (range promotes an amended map).
template <class K, class V>
void promote(const SyncMap<K, V>& m) {
  m.range([](const K&, const V&) { return true; });
}

TEST(SyncMap, LoadOfAMissingKeyIsZeroAndNotOk) {
  SyncMap<int, int> m;
  auto [v, ok] = m.load(7);
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(ok);
}

TEST(SyncMap, StoreThenLoadAndOverwrite) {
  SyncMap<int, int> m;
  m.store(1, 10);
  EXPECT_EQ(m.load(1).value, 10);
  EXPECT_TRUE(m.load(1).ok);
  m.store(1, 11);  // in dirty: locked overwrite
  EXPECT_EQ(m.load(1).value, 11);
  promote(m);
  m.store(1, 12);  // in read: lock-free overwrite
  EXPECT_EQ(m.load(1).value, 12);
  EXPECT_FALSE(m.load(2).ok);
}

TEST(SyncMap, LoadOrStoreReturnsTheLoadedFlag) {
  SyncMap<int, int> m;
  auto [a1, loaded1] = m.load_or_store(1, 100);
  EXPECT_EQ(a1, 100);
  EXPECT_FALSE(loaded1);
  auto [a2, loaded2] = m.load_or_store(1, 200);
  EXPECT_EQ(a2, 100);
  EXPECT_TRUE(loaded2);
  promote(m);
  auto [a3, loaded3] = m.load_or_store(1, 300);  // lock-free hit
  EXPECT_EQ(a3, 100);
  EXPECT_TRUE(loaded3);
  m.erase(1);
  auto [a4, loaded4] = m.load_or_store(1, 400);  // deleted entry in read: stored without the lock
  EXPECT_EQ(a4, 400);
  EXPECT_FALSE(loaded4);
  EXPECT_EQ(m.load(1).value, 400);
}

TEST(SyncMap, LoadAndDeleteReturnsThePreviousValue) {
  SyncMap<int, int> m;
  auto [v0, l0] = m.load_and_delete(5);
  EXPECT_EQ(v0, 0);
  EXPECT_FALSE(l0);
  m.store(5, 50);
  auto [v1, l1] = m.load_and_delete(5);  // from dirty
  EXPECT_EQ(v1, 50);
  EXPECT_TRUE(l1);
  EXPECT_FALSE(m.load(5).ok);
  m.store(6, 60);
  promote(m);
  auto [v2, l2] = m.load_and_delete(6);  // from read
  EXPECT_EQ(v2, 60);
  EXPECT_TRUE(l2);
  auto [v3, l3] = m.load_and_delete(6);
  EXPECT_FALSE(l3);
  EXPECT_EQ(v3, 0);
}

TEST(SyncMap, EraseIsIdempotent) {
  SyncMap<int, int> m;
  m.erase(1);
  m.store(1, 1);
  m.erase(1);
  m.erase(1);
  EXPECT_FALSE(m.load(1).ok);
}

TEST(SyncMap, SwapReturnsPreviousAndLoaded) {
  SyncMap<int, int> m;
  auto [p0, l0] = m.swap(1, 10);
  EXPECT_FALSE(l0);
  EXPECT_EQ(p0, 0);
  EXPECT_EQ(m.load(1).value, 10);
  auto [p1, l1] = m.swap(1, 20);
  EXPECT_TRUE(l1);
  EXPECT_EQ(p1, 10);
  promote(m);
  auto [p2, l2] = m.swap(1, 30);
  EXPECT_TRUE(l2);
  EXPECT_EQ(p2, 20);
  m.erase(1);
  auto [p3, l3] = m.swap(1, 40);  // deleted entry: not loaded
  EXPECT_FALSE(l3);
  EXPECT_EQ(p3, 0);
  EXPECT_EQ(m.load(1).value, 40);
}

TEST(SyncMap, CompareAndSwap) {
  SyncMap<int, int> m;
  EXPECT_FALSE(m.compare_and_swap(1, 0, 5));  // missing key, even with old == zero value
  EXPECT_FALSE(m.load(1).ok);
  m.store(1, 10);
  EXPECT_FALSE(m.compare_and_swap(1, 11, 12));  // in dirty, wrong old
  EXPECT_EQ(m.load(1).value, 10);
  EXPECT_TRUE(m.compare_and_swap(1, 10, 12));
  EXPECT_EQ(m.load(1).value, 12);
  promote(m);
  EXPECT_FALSE(m.compare_and_swap(1, 10, 13));  // in read, wrong old
  EXPECT_TRUE(m.compare_and_swap(1, 12, 13));
  EXPECT_EQ(m.load(1).value, 13);
  m.erase(1);
  EXPECT_FALSE(m.compare_and_swap(1, 13, 14));  // deleted
  EXPECT_FALSE(m.compare_and_swap(1, 0, 14));
  EXPECT_FALSE(m.load(1).ok);
}

TEST(SyncMap, CompareAndDelete) {
  SyncMap<int, int> m;
  EXPECT_FALSE(m.compare_and_delete(1, 0));  // missing
  m.store(1, 10);
  EXPECT_FALSE(m.compare_and_delete(1, 11));
  EXPECT_TRUE(m.load(1).ok);
  EXPECT_TRUE(m.compare_and_delete(1, 10));  // from dirty
  EXPECT_FALSE(m.load(1).ok);
  EXPECT_FALSE(m.compare_and_delete(1, 10));
  m.store(2, 20);
  promote(m);
  EXPECT_FALSE(m.compare_and_delete(2, 21));
  EXPECT_TRUE(m.compare_and_delete(2, 20));  // from read
  EXPECT_FALSE(m.load(2).ok);
}

TEST(SyncMap, RangeStopsWhenFReturnsFalse) {
  SyncMap<int, int> m;
  for (int i = 0; i < 100; i++) m.store(i, i * 2);
  int calls = 0;
  m.range([&](const int& k, const int& v) {
    EXPECT_EQ(v, k * 2);
    return ++calls < 10;
  });
  EXPECT_EQ(calls, 10);
}

TEST(SyncMap, RangeOfAnEmptyMapCallsNothing) {
  SyncMap<int, int> m;
  int calls = 0;
  m.range([&](const int&, const int&) { return ++calls > 0; });
  m.store(1, 1);
  m.erase(1);
  m.range([&](const int&, const int&) { return ++calls > 0; });
  EXPECT_EQ(calls, 0);
}

// Keys present for the whole call are visited exactly once, even while f
// itself and another goroutine store and delete other keys; no key twice.
TEST(SyncMap, RangeSeesEveryStableKeyExactlyOnce) {
  gort_test::ScopedGomaxprocs procs(2);
  SyncMap<int, int> m;
  for (int i = 0; i < 200; i++) m.store(i, i);       // 0..99 stable, 100..199 deleted by f
  for (int i = 1000; i < 1100; i++) m.store(i, i);   // churned by the other goroutine
  std::atomic<bool> stop{false};
  gort::WaitGroup wg;
  wg.add(1);
  gort::go([&] {
    for (int round = 0; !stop.load(); round++) {
      for (int i = 1000; i < 1100; i++) {
        if ((i + round) % 2 == 0) m.erase(i); else m.store(i, round);
      }
      m.store(5000 + round % 1000, round);
      gort::yield();
    }
    wg.done();
  });
  for (int rep = 0; rep < 20; rep++) {
    std::map<int, int> seen;
    m.range([&](const int& k, const int& v) {
      seen[k]++;
      if (k < 100) {
        EXPECT_EQ(v, k);
        m.erase(k + 100);  // f deletes keys it may or may not have seen
      }
      m.store(10000 + k, k);  // and adds new ones
      gort::yield();
      return true;
    });
    for (int i = 0; i < 100; i++) EXPECT_EQ(seen[i], 1) << "key " << i << " rep " << rep;
    for (auto& [k, n] : seen) EXPECT_EQ(n, 1) << "key " << k << " visited twice";
    for (int i = 100; i < 200; i++) m.store(i, i);
  }
  stop = true;
  wg.wait();
}

TEST(SyncMap, StringKeysLookUpByStringView) {
  SyncMap<gc::String, gc::String> m;
  m.store(gc::String("alpha"), gc::String("a"));
  std::string probe = "alpha";
  auto [v, ok] = m.load(std::string_view(probe));
  EXPECT_TRUE(ok);
  EXPECT_EQ(v.view(), "a");
  EXPECT_TRUE(m.compare_and_swap("alpha", gc::String("a"), gc::String("b")));
  EXPECT_EQ(m.load("alpha").value.view(), "b");
  EXPECT_TRUE(m.compare_and_delete("alpha", gc::String("b")));
  EXPECT_FALSE(m.load("alpha").ok);
}

TEST(SyncMap, CopiesOfAHandleShareTheMap) {
  SyncMap<int, int> a;
  SyncMap<int, int> b = a;
  SyncMap<int, int> c;
  a.store(1, 1);
  EXPECT_EQ(b.load(1).value, 1);
  EXPECT_FALSE(c.load(1).ok);
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
}

// ---- promotion and expunging (white-box) -------------------------------------------

TEST(SyncMap, NewKeysGoToTheDirtyMapAndTheReadMapIsAmended) {
  SyncMap<int, int> m;
  Inspect<int, int> in(m);
  EXPECT_FALSE(in.amended());
  EXPECT_TRUE(in.dirty_is_nil());
  for (int i = 0; i < 5; i++) m.store(i, i);
  EXPECT_TRUE(in.amended());
  EXPECT_EQ(in.read_size(), 0u);
  EXPECT_EQ(in.dirty_size(), 5u);
}

TEST(SyncMap, TheDirtyMapIsPromotedAfterAsManyMissesAsItHasKeys) {
  SyncMap<int, int> m;
  Inspect<int, int> in(m);
  for (int i = 0; i < 5; i++) m.store(i, i);
  for (int miss = 1; miss < 5; miss++) {
    bool in_dirty = miss % 2 == 0;  // hits in dirty and absent keys both miss
    EXPECT_EQ(m.load(in_dirty ? 1 : 100).ok, in_dirty);
    EXPECT_EQ(in.misses(), miss);
    EXPECT_TRUE(in.amended());
    EXPECT_EQ(in.read_size(), 0u);
  }
  m.load(3);  // the fifth miss: misses >= len(dirty)
  EXPECT_FALSE(in.amended());
  EXPECT_TRUE(in.dirty_is_nil());
  EXPECT_EQ(in.misses(), 0);
  EXPECT_EQ(in.read_size(), 5u);
  for (int i = 0; i < 5; i++) EXPECT_EQ(m.load(i).value, i);
  EXPECT_EQ(in.misses(), 0);  // read hits take no lock and count nothing
}

TEST(SyncMap, LockedOperationsOnDirtyKeysCountMisses) {
  SyncMap<int, int> m;
  Inspect<int, int> in(m);
  for (int i = 0; i < 10; i++) m.store(i, i);
  m.load_or_store(1, 0);        // found in dirty
  m.compare_and_swap(2, 2, 3);  // found in dirty
  m.compare_and_delete(3, 99);  // looked up in dirty
  m.load_and_delete(4);         // removed from dirty
  EXPECT_EQ(in.misses(), 4);
  EXPECT_FALSE(in.in_dirty(4));
  EXPECT_EQ(m.load(2).value, 3);  // a load from dirty: a miss too
  EXPECT_EQ(in.misses(), 5);
  EXPECT_FALSE(m.compare_and_swap(1000, 0, 1));  // absent from both: no entry to swap,
  EXPECT_EQ(in.misses(), 5);                      // and Go counts no miss for it
}

TEST(SyncMap, DeletedEntriesAreExpungedWhenTheDirtyMapIsRebuilt) {
  SyncMap<int, int> m;
  Inspect<int, int> in(m);
  for (int i = 0; i < 3; i++) m.store(i, i);
  promote(m);
  ASSERT_TRUE(in.dirty_is_nil());
  ASSERT_EQ(in.read_size(), 3u);
  m.erase(0);  // lock-free: the entry stays in read, deleted
  EXPECT_TRUE(in.in_read(0));
  EXPECT_FALSE(in.expunged_in_read(0));
  m.store(10, 10);  // a new key rebuilds dirty from read
  EXPECT_TRUE(in.amended());
  EXPECT_TRUE(in.expunged_in_read(0));
  EXPECT_FALSE(in.in_dirty(0));
  EXPECT_TRUE(in.in_dirty(1) && in.in_dirty(2) && in.in_dirty(10));
  EXPECT_EQ(in.dirty_size(), 3u);
  EXPECT_FALSE(m.load(0).ok);
  EXPECT_FALSE(m.load_and_delete(0).loaded);
  EXPECT_FALSE(m.compare_and_swap(0, 0, 1));
  // Storing to an expunged key un-expunges it into the dirty map first, so
  // the next promotion keeps it.
  m.store(0, 7);
  EXPECT_FALSE(in.expunged_in_read(0));
  EXPECT_TRUE(in.in_dirty(0));
  promote(m);
  EXPECT_EQ(m.load(0).value, 7);
  EXPECT_EQ(in.read_size(), 4u);
}

TEST(SyncMap, LoadOrStoreAndSwapRevivesAnExpungedKey) {
  for (int op = 0; op < 2; op++) {
    SyncMap<int, int> m;
    Inspect<int, int> in(m);
    m.store(0, 0);
    promote(m);
    m.erase(0);
    m.store(1, 1);  // expunges 0
    ASSERT_TRUE(in.expunged_in_read(0));
    bool loaded = op == 0 ? m.load_or_store(0, 5).loaded : m.swap(0, 5).loaded;
    EXPECT_FALSE(loaded);
    EXPECT_TRUE(in.in_dirty(0));
    promote(m);
    EXPECT_EQ(m.load(0).value, 5);
  }
}

// ---- the collector ---------------------------------------------------------------

struct Payload {
  std::int64_t n = 0;
  std::int64_t check = 0;
  explicit Payload(std::int64_t v) : n(v), check(~v) {}
  bool intact() const { return check == ~n; }
  void trace(gc::Tracer&) const {}
};

struct Cache {
  SyncMap<int, gc::Ptr<Payload>> entries;
  void trace(gc::Tracer& t) const { entries.trace(t); }
};

void checked_gc() {
  gc::collector().settings.checkmark = true;
  gc::collector().settings.poison = true;
}

void fill_with_payloads(const SyncMap<int, gc::Ptr<Payload>>& m, int from, int to) {
  for (int i = from; i < to; i++) m.store(i, gc::make<Payload>(i));
}

bool payloads_intact(const SyncMap<int, gc::Ptr<Payload>>& m, int from, int to) {
  for (int i = from; i < to; i++) {
    auto [p, ok] = m.load(i);
    if (!ok || p == nullptr || !p->intact() || p->n != i) return false;
  }
  return true;
}

TEST(SyncMapGC, AMapInAGCObjectAndInARootSurvivesCollections) {
  checked_gc();
  gc::Root<Cache> cache;
  gc::Root<SyncMap<int, gc::Ptr<Payload>>::Object> global;
  gort_test::on_fresh_goroutine([&] {
    cache = gc::make<Cache>();
    fill_with_payloads(cache->entries, 0, 500);
    SyncMap<int, gc::Ptr<Payload>> g;
    global = g.object();
    fill_with_payloads(g, 0, 500);
    promote(g);
    for (int i = 0; i < 500; i += 3) g.erase(i);
    fill_with_payloads(g, 1000, 1100);  // rebuilds dirty, expunging
  });
  for (int i = 0; i < 3; i++) gc::collect();
  EXPECT_TRUE(payloads_intact(cache->entries, 0, 500));
  SyncMap<int, gc::Ptr<Payload>> g(global.get());
  EXPECT_TRUE(payloads_intact(g, 1000, 1100));
  for (int i = 0; i < 500; i++) EXPECT_EQ(g.load(i).ok, i % 3 != 0);
  EXPECT_TRUE(payloads_intact(g, 1, 2));
}

// A goroutine whose stack the collector has already scanned loads a value
// from an entry the collector has not reached; another goroutine then
// replaces that value. Only the compare-and-swap's barrier, shading the
// replaced box, keeps the value the first goroutine holds alive.
void overwrite_under_a_black_reader_scenario() {
  checked_gc();
  gc::testing::manual_cycles(true);
  gc::Root<Cache> cache;
  gort_test::on_fresh_goroutine([&] {
    cache = gc::make<Cache>();
    cache->entries.store(1, gc::make<Payload>(42));
    promote(cache->entries);  // the key is in read: stores are lock-free CASes
  });
  auto to_b = gort::make_chan<int>(), from_b = gort::make_chan<int>();
  std::atomic<std::int64_t> b_id{0};
  std::atomic<bool> b_saw_intact{false};
  gort::go([&] {
    b_id = gort::goid();
    gort_test::CheckedSlot<Payload> held;  // (where the check always looks: test_util.h)
    from_b.send(0);
    to_b.recv();  // marking, and this stack is black
    held.set(cache->entries.load(1).value.get());
    from_b.send(0);
    to_b.recv();  // the cycle has ended
    b_saw_intact = held.get() != nullptr && held.get()->intact() && held.get()->n == 42;
    from_b.send(0);
  });
  from_b.recv();
  gc::testing::cycle_begin();
  ASSERT_TRUE(gc::testing::scan_stack_of(b_id));
  to_b.send(1);
  from_b.recv();  // b holds the value
  gort_test::on_fresh_goroutine([&] { cache->entries.store(1, gc::make<Payload>(43)); });
  gc::testing::scan_roots();
  gc::testing::drain();
  gc::testing::cycle_end();  // checkmark: everything reachable is marked
  to_b.send(1);
  from_b.recv();
  EXPECT_TRUE(b_saw_intact.load());
  EXPECT_EQ(cache->entries.load(1).value->n, 43);
  gc::testing::manual_cycles(false);
}

#if defined(__SANITIZE_ADDRESS__)
#define SKIP_UNDER_ASAN() GTEST_SKIP() << "frames under ASan keep stale copies"
#else
#define SKIP_UNDER_ASAN() (void)0
#endif

TEST(SyncMapGC, AnOverwriteShadesTheValueItReplaces) {
  SKIP_UNDER_ASAN();
  overwrite_under_a_black_reader_scenario();
}

TEST(SyncMapGCDeathTest, TheOverwriteScenarioFailsWithoutTheBarrier) {
  SKIP_UNDER_ASAN();
  EXPECT_EXIT(
      {
        gc::g_testing_barrier_broken = true;
        overwrite_under_a_black_reader_scenario();
      },
      testing::ExitedWithCode(2), testing::HasSubstr("fatal error: checkmark found unmarked object"));
}

}  // namespace
