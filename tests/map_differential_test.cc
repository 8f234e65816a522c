// tests/map_differential_test.cc — gort::Map against std::unordered_map as
// the model: random sets, erases, lookups, clears, clones and iterations that
// mutate the map as they go, through phases that grow it, shrink it and
// churn it (tombstones, same-size grows), with a full collection (gccheckmark
// and poison on) and a complete comparison between phases.
//
// GORT_MAP_DIFF_OPS sets the operations per key type (default 1,000,000);
// GORT_MAP_DIFF_SEED the random seed (default: random, printed on failure).
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gc/collector.h"
#include "gort/gort.h"
#include "gort/map.h"

namespace gc = gort::gc;
using gort::make_map;
using gort::Map;

namespace {

std::int64_t env_int(const char* name, std::int64_t dflt) {
  const char* s = std::getenv(name);
  return s != nullptr && *s != '\0' ? std::strtoll(s, nullptr, 10) : dflt;
}

struct Obj {
  std::int64_t value = 0;
  std::int64_t check = 0;
  explicit Obj(std::int64_t v = 0) : value(v), check(~v) {}
  void trace(gc::Tracer&) const {}
};

// int64 -> int64: noscan buckets.
struct IntKeys {
  using M = Map<std::int64_t, std::int64_t>;
  static M make(std::int64_t hint) { return make_map<std::int64_t, std::int64_t>(hint); }
  static void set(const M& m, std::int64_t k, std::int64_t v) { m.set(k, v); }
  static void erase(const M& m, std::int64_t k) { m.erase(k); }
  static bool lookup(const M& m, std::int64_t k, std::int64_t& v) {
    auto [got, ok] = m.lookup(k);
    v = got;
    return ok;
  }
  static std::int64_t key(std::int64_t k) { return k; }
  static bool value(std::int64_t v, std::int64_t& out) {
    out = v;
    return true;
  }
};

// gc::String -> gc::Ptr<Obj>: scan buckets, lookups by string_view.
struct StringKeys {
  using M = Map<gc::String, gc::Ptr<Obj>>;
  static std::string name(std::int64_t k) { return "key-" + std::to_string(k) + "-of-the-differential-test"; }
  static M make(std::int64_t hint) { return make_map<gc::String, gc::Ptr<Obj>>(hint); }
  static void set(const M& m, std::int64_t k, std::int64_t v) { m.set(gc::String(name(k)), gc::make<Obj>(v)); }
  static void erase(const M& m, std::int64_t k) { m.erase(name(k)); }
  static bool lookup(const M& m, std::int64_t k, std::int64_t& v) {
    std::string n = name(k);
    if (k % 2 == 0) {
      Obj* o = m.get(n);
      if (o == nullptr) return false;
      v = o->check == ~o->value ? o->value : -999;
      return true;
    }
    auto [o, ok] = m.lookup(std::string_view(n));
    if (ok) v = o->check == ~o->value ? o->value : -999;
    return ok;
  }
  static std::int64_t key(const gc::String& s) { return std::strtoll(s.data() + 4, nullptr, 10); }
  static bool value(const gc::Ptr<Obj>& o, std::int64_t& out) {
    if (o.get() == nullptr || o->check != ~o->value) return false;
    out = o->value;
    return true;
  }
};

struct Phase {
  std::int64_t key_range;
  int set_percent, erase_percent;  // the rest are lookups
};

template <class A>
class Differential {
 public:
  explicit Differential(std::uint64_t seed) : rng_(seed) {}

  void run(std::int64_t total_ops) {
    // Grow from nothing, churn at steady sizes, shrink, grow big, churn small.
    const Phase phases[] = {{64, 50, 20}, {1000, 60, 10}, {1000, 40, 40}, {30000, 70, 10},
                            {30000, 35, 45}, {2000, 20, 60}, {200000, 80, 5}, {200000, 30, 50},
                            {500, 45, 45}};
    constexpr int kPhases = sizeof phases / sizeof phases[0];
    m_ = A::make(static_cast<std::int64_t>(rng_() % 3 == 0 ? rng_() % 5000 : 0));
    for (int p = 0; p < kPhases; p++) {
      std::int64_t ops = total_ops / kPhases;
      for (std::int64_t i = 0; i < ops && !::testing::Test::HasFatalFailure(); i++) step(phases[p]);
      ASSERT_FALSE(::testing::Test::HasFatalFailure());
      gc::collect();
      verify_all();
      ASSERT_FALSE(::testing::Test::HasFatalFailure()) << "after phase " << p;
    }
    // The rare operations did happen (with at least 150,000 operations).
    EXPECT_GT(iterations_, 0);
    EXPECT_GT(clones_, 0);
    EXPECT_GT(clears_, 0);
  }

 private:
  std::int64_t random_key(const Phase& ph) { return static_cast<std::int64_t>(rng_() % ph.key_range); }

  void step(const Phase& ph) {
    std::uint64_t r = rng_();
    op_++;
    if (op_ % 150'000 == 0) return do_clear();
    if (op_ % 70'001 == 0) return do_clone();
    if (op_ % 30'011 == 0) return iterate_with_mutation(ph);
    std::int64_t k = random_key(ph);
    int what = static_cast<int>((r >> 32) % 100);
    if (what < ph.set_percent) {
      std::int64_t v = static_cast<std::int64_t>(rng_() >> 20);
      A::set(m_, k, v);
      model_[k] = v;
    } else if (what < ph.set_percent + ph.erase_percent) {
      A::erase(m_, k);
      model_.erase(k);
    } else {
      check_lookup(k);
    }
    ASSERT_EQ(m_.size(), model_.size());
  }

  void check_lookup(std::int64_t k) {
    std::int64_t v = -1;
    bool ok = A::lookup(m_, k, v);
    auto it = model_.find(k);
    ASSERT_EQ(ok, it != model_.end()) << "key " << k;
    if (ok) {
      ASSERT_EQ(v, it->second) << "key " << k;
    }
  }

  void do_clear() {
    clears_++;
    m_.clear();
    model_.clear();
    ASSERT_EQ(m_.size(), 0u);
  }

  // Clones, checks the clone, then keeps going with one of the two while
  // the other is changed, to show they share nothing.
  void do_clone() {
    clones_++;
    typename A::M c = m_.clone();
    verify_map(c);
    typename A::M other = c;
    if (rng_() & 1) std::swap(m_, other);
    for (int i = 0; i < 100; i++) A::set(other, 1'000'000'000 + i, i);
    other.clear();
    ASSERT_EQ(m_.size(), model_.size());
  }

  // A range over the map that sets and erases keys as it goes. Every entry
  // returned must be in the model with its current value, none twice; every
  // key present at the start and never erased during the range must come
  // back.
  void iterate_with_mutation(const Phase& ph) {
    std::unordered_set<std::int64_t> must, erased, returned;
    for (auto& [k, v] : model_) must.insert(k);
    std::uint64_t mutate_mask = (rng_() & 1) ? 3 : 31;
    // Half the time, make the map grow right after the first entry, so that
    // the range walks an array being evacuated under it.
    bool force_grow = (rng_() & 1) != 0;
    std::vector<std::int64_t> fresh;
    for (auto [key, value] : m_) {
      if (force_grow) {
        force_grow = false;
        auto* h = m_.table();
        std::size_t room = 13 * ((std::size_t{1} << h->log2_buckets) / 2);
        if (!h->growing() && room - h->count < 50'000) {
          while (!h->growing() || fresh.size() < 64) {
            std::int64_t fk = 1'000'000'000 + static_cast<std::int64_t>(fresh.size());
            A::set(m_, fk, fk);
            model_[fk] = fk;
            fresh.push_back(fk);
          }
        }
      }
      std::int64_t k = A::key(key), v = 0;
      ASSERT_TRUE(A::value(value, v)) << "corrupt value for key " << k;
      ASSERT_TRUE(returned.insert(k).second) << "key " << k << " returned twice";
      auto it = model_.find(k);
      ASSERT_NE(it, model_.end()) << "key " << k << " returned but not in the map";
      ASSERT_EQ(it->second, v) << "stale value for key " << k;
      if ((rng_() & mutate_mask) == 0) {
        std::int64_t mk = random_key(ph);
        if (rng_() & 1) {
          auto nv = static_cast<std::int64_t>(rng_() >> 20);
          A::set(m_, mk, nv);
          model_[mk] = nv;
        } else {
          A::erase(m_, mk);
          model_.erase(mk);
          erased.insert(mk);
        }
      }
    }
    for (std::int64_t k : must) {
      if (erased.count(k) == 0) {
        ASSERT_TRUE(returned.count(k)) << "key " << k << " never returned";
      }
    }
    for (std::int64_t fk : fresh) {
      A::erase(m_, fk);
      model_.erase(fk);
    }
    iterations_++;
    ASSERT_EQ(m_.size(), model_.size());
  }

  void verify_map(const typename A::M& m) {
    ASSERT_EQ(m.size(), model_.size());
    std::size_t n = 0;
    for (auto [key, value] : m) {
      std::int64_t k = A::key(key), v = 0;
      ASSERT_TRUE(A::value(value, v)) << "corrupt value for key " << k;
      auto it = model_.find(k);
      ASSERT_NE(it, model_.end()) << "extra key " << k;
      ASSERT_EQ(it->second, v) << "key " << k;
      n++;
    }
    ASSERT_EQ(n, model_.size());
  }

  void verify_all() {
    verify_map(m_);
    for (auto& [k, v] : model_) {
      std::int64_t got = -1;
      ASSERT_TRUE(A::lookup(m_, k, got)) << "key " << k;
      ASSERT_EQ(got, v) << "key " << k;
    }
  }

  std::int64_t op_ = 0;
  int iterations_ = 0, clones_ = 0, clears_ = 0;
  std::mt19937_64 rng_;
  typename A::M m_;
  std::unordered_map<std::int64_t, std::int64_t> model_;
};

std::uint64_t test_seed() {
  std::int64_t s = env_int("GORT_MAP_DIFF_SEED", 0);
  return s != 0 ? static_cast<std::uint64_t>(s) : std::random_device{}();
}

template <class A>
void run_differential() {
  gc::collector().settings.checkmark = true;
  gc::collector().settings.poison = true;
  std::uint64_t seed = test_seed();
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  Differential<A> d(seed);
  d.run(env_int("GORT_MAP_DIFF_OPS", 1'000'000));
  EXPECT_FALSE(::testing::Test::HasFailure()) << "GORT_MAP_DIFF_SEED=" << seed;
}

}  // namespace

TEST(MapDifferential, Int64KeysAgainstUnorderedMap) { run_differential<IntKeys>(); }

TEST(MapDifferential, StringKeysAndGCValuesAgainstUnorderedMap) { run_differential<StringKeys>(); }
