// tests/sync_map_stress_test.cc — gort::SyncMap under concurrency, checked.
//
// 12 goroutines on GOMAXPROCS=2 each run random operations on a key set of
// their own, checking every result against a model (std::map) of those keys;
// all of them also increment a few shared counters with compare-and-swap
// loops, whose final totals must equal the number of increments made; a
// ranger checks that range never shows a key twice nor a torn value; and a
// collector goroutine runs gc::collect() back to back with poison on (freed
// memory is wrecked). Every value is a GC object with a checksum, so a value
// freed too early (a missed barrier or trace) shows as a failed check.
//
// gccheckmark is on too, so every cycle's concurrent mark is held against a
// stop-the-world re-mark. (Until gccheckmark's strict stack pass learned
// that a stack word may be a stale address whose low bytes later small
// stores rewrote — gc/deadstack.h — this workload tripped it in most runs,
// always on such a word; GORT_SYNC_MAP_STRESS_NO_CHECKMARK=1 turns it off
// to compare.)
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <map>
#include <random>
#include <set>

#include "gc/collector.h"
#include "gort/gort.h"
#include "gort/sync_map.h"
#include "test_util.h"

namespace gc = gort::gc;
using gort::SyncMap;

namespace {

struct Payload {
  std::int64_t n = 0;
  std::int64_t check = 0;
  explicit Payload(std::int64_t v) : n(v), check(checksum(v)) {}
  bool intact() const { return check == checksum(n); }
  static std::int64_t checksum(std::int64_t v) {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(v) * 0x9e3779b97f4a7c15ULL + 7);
  }
  void trace(gc::Tracer&) const {}
};

// A value that is a number and a GC object carrying the same number.
struct Val {
  std::int64_t n = 0;
  gc::Ptr<Payload> p;
  static Val of(std::int64_t n) { return Val{n, gc::make<Payload>(n)}; }
  bool intact() const { return p != nullptr && p->intact() && p->n == n; }
  bool operator==(const Val& o) const { return n == o.n && p.get() == o.p.get(); }
  void trace(gc::Tracer& t) const { t(p); }
};

using Checked = SyncMap<std::int64_t, Val>;

constexpr int kWorkers = 12;
constexpr int kKeysPerWorker = 64;
constexpr int kOpsPerWorker = 20000;
constexpr int kShared = 4;
constexpr std::int64_t kSharedBase = -100;

struct Failures {
  std::atomic<int> model{0};
  std::atomic<int> torn{0};
  std::atomic<int> twice{0};
};

// Random operations on keys [base, base + kKeysPerWorker), checked against
// the model; every 8th operation increments a shared counter instead.
// Returns the number of shared increments made.
std::int64_t run_worker(const Checked& m, int id, Failures& f) {
  std::mt19937_64 rng(0x5eed + id);
  // The model keeps the values' GC objects hidden from the collector (a
  // std::map is not scanned; only the SyncMap may keep them alive).
  struct Hidden {
    std::int64_t n;
    std::uintptr_t p;
  };
  std::map<std::int64_t, Hidden> model;
  auto hide = [](const Val& v) { return Hidden{v.n, reinterpret_cast<std::uintptr_t>(v.p.get()) ^ 0x5a5a5a5a5a5a5a5aull}; };
  auto same = [](const Val& v, const Hidden& h) {
    return v.n == h.n && (reinterpret_cast<std::uintptr_t>(v.p.get()) ^ 0x5a5a5a5a5a5a5a5aull) == h.p;
  };
  std::int64_t base = static_cast<std::int64_t>(id) * 1000;
  std::int64_t increments = 0;
  auto expect = [&](bool ok) {
    if (!ok) f.model++;
  };
  for (int op = 0; op < kOpsPerWorker; op++) {
    std::int64_t k = base + static_cast<std::int64_t>(rng() % kKeysPerWorker);
    auto it = model.find(k);
    bool present = it != model.end();
    switch (rng() % 9) {
      case 0: {
        auto [v, ok] = m.load(k);
        expect(ok == present && (!ok || (same(v, it->second) && v.intact())));
        break;
      }
      case 1: {
        Val v = Val::of(static_cast<std::int64_t>(rng() % 1000000));
        m.store(k, v);
        model[k] = hide(v);
        break;
      }
      case 2: {
        Val v = Val::of(static_cast<std::int64_t>(rng() % 1000000));
        auto [actual, loaded] = m.load_or_store(k, v);
        expect(loaded == present && (present ? same(actual, it->second) : actual == v) && actual.intact());
        if (!present) model[k] = hide(v);
        break;
      }
      case 3: {
        auto [v, loaded] = m.load_and_delete(k);
        expect(loaded == present && (!loaded || (same(v, it->second) && v.intact())));
        model.erase(k);
        break;
      }
      case 4: {
        Val v = Val::of(static_cast<std::int64_t>(rng() % 1000000));
        auto [prev, loaded] = m.swap(k, v);
        expect(loaded == present && (!loaded || (same(prev, it->second) && prev.intact())));
        model[k] = hide(v);
        break;
      }
      case 5: {
        Val v = Val::of(static_cast<std::int64_t>(rng() % 1000000));
        bool use_current = present && rng() % 2 == 0;
        Val old = use_current ? m.load(k).value : Val::of(-1);
        expect(!use_current || same(old, it->second));
        bool swapped = m.compare_and_swap(k, old, v);
        expect(swapped == use_current);
        if (swapped) model[k] = hide(v);
        break;
      }
      case 6: {
        bool use_current = present && rng() % 2 == 0;
        Val old = use_current ? m.load(k).value : Val::of(-1);
        expect(!use_current || same(old, it->second));
        bool deleted = m.compare_and_delete(k, old);
        expect(deleted == use_current);
        if (deleted) model.erase(k);
        break;
      }
      case 7: {
        m.erase(k);
        model.erase(k);
        break;
      }
      default: {
        std::int64_t key = kSharedBase - static_cast<std::int64_t>(rng() % kShared);
        for (;;) {
          auto [cur, ok] = m.load(key);
          if (!ok || !cur.intact()) {
            f.torn++;
            break;
          }
          if (m.compare_and_swap(key, cur, Val::of(cur.n + 1))) {
            increments++;
            break;
          }
        }
        break;
      }
    }
    if (op % 64 == 0) gort::yield();
  }
  // The final state of this worker's keys matches its model.
  for (int i = 0; i < kKeysPerWorker; i++) {
    std::int64_t k = base + i;
    auto [v, ok] = m.load(k);
    auto it = model.find(k);
    expect(ok == (it != model.end()) && (!ok || (same(v, it->second) && v.intact())));
  }
  return increments;
}

// Ranges over the map until stop: no key twice, every value intact.
void run_ranger(const Checked& m, std::atomic<bool>& stop, Failures& f, std::atomic<int>& ranges) {
  while (!stop.load()) {
    std::set<std::int64_t> seen;
    m.range([&](const std::int64_t& k, const Val& v) {
      if (!seen.insert(k).second) f.twice++;
      if (!v.intact()) f.torn++;
      return true;
    });
    ranges++;
    gort::yield();
  }
}

TEST(SyncMapStress, RandomOperationsAgainstModelsWithSharedCountersAndGC) {
  gort_test::ScopedGomaxprocs procs(2);
  gc::collector().settings.checkmark = std::getenv("GORT_SYNC_MAP_STRESS_NO_CHECKMARK") == nullptr;
  gc::collector().settings.poison = true;
  std::uint32_t cycles0 = gc::collector().cycles.load();
  Checked m;
  for (int s = 0; s < kShared; s++) m.store(kSharedBase - s, Val::of(0));
  Failures f;
  std::atomic<bool> stop{false};
  std::atomic<int> ranges{0};
  std::atomic<std::int64_t> increments{0};
  gort::WaitGroup workers, helpers;
  helpers.add(2);
  gort::go([&] {
    while (!stop.load()) {
      gc::collect();
      gort::yield();
    }
    helpers.done();
  });
  gort::go([&] {
    run_ranger(m, stop, f, ranges);
    helpers.done();
  });
  workers.add(kWorkers);
  for (int id = 0; id < kWorkers; id++) {
    gort::go([&, id] {
      increments += run_worker(m, id, f);
      workers.done();
    });
  }
  workers.wait();
  stop = true;
  helpers.wait();

  EXPECT_EQ(f.model.load(), 0) << "results that disagree with a worker's model";
  EXPECT_EQ(f.torn.load(), 0) << "values whose GC object was damaged or missing";
  EXPECT_EQ(f.twice.load(), 0) << "keys a range visited twice";
  std::int64_t total = 0;
  for (int s = 0; s < kShared; s++) {
    auto [v, ok] = m.load(kSharedBase - s);
    ASSERT_TRUE(ok);
    EXPECT_TRUE(v.intact());
    total += v.n;
  }
  EXPECT_EQ(total, increments.load());
  EXPECT_GT(increments.load(), 0);
  EXPECT_GT(ranges.load(), 0);
  std::uint32_t cycles = gc::collector().cycles.load() - cycles0;
  std::printf("%lld shared increments, %d ranges, %u GC cycles\n", static_cast<long long>(increments.load()),
              ranges.load(), cycles);
  EXPECT_GT(cycles, 2u) << "the collector should have run meanwhile";
}

}  // namespace

