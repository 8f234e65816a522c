// tests/map_test.cc — gort::Map: the assertions of Go's runtime/map_test.go
// (go-reference §6) and the API around them: nil maps, lookups, NaN and -0
// keys, growth during iteration, tombstones, bucket counts, iteration order,
// concurrent readers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "gort/gort.h"
#include "gort/map.h"
#include "test_util.h"

namespace gc = gort::gc;
namespace md = gort::maps::detail;
using gort::make_map;
using gort::Map;

namespace {

// Go's FloatInt key of TestGrowWithNegativeZero: a float field makes it
// irreflexive (NaN) and needing a key update (-0 over +0).
struct FloatInt {
  double x;
  int y;
};

struct Point {
  std::int32_t x, y;
};

// Go's TestBigItems key and value ([256]string): stored through a pointer.
struct Big {
  gc::String s[256];
  void trace(gc::Tracer& t) const {
    for (const auto& x : s) t(x);
  }
};

}  // namespace

template <>
struct gort::MapKey<Big> {
  static std::uint64_t hash(const Big& k, std::uint64_t seed) noexcept {
    for (const auto& x : k.s) seed = gort::maps::hash_bytes(x.data(), x.size(), seed);
    return seed;
  }
  static bool equal(const Big& a, const Big& b) noexcept {
    for (int i = 0; i < 256; i++)
      if (a.s[i] != b.s[i]) return false;
    return true;
  }
};

template <>
struct gort::MapKey<FloatInt> {
  static constexpr bool update_on_overwrite = true;
  static constexpr bool reflexive = false;
  static std::uint64_t hash(const FloatInt& k, std::uint64_t seed) noexcept {
    return gort::maps::hash_u64(static_cast<std::uint64_t>(k.y), gort::maps::hash_f64(k.x, seed));
  }
  static bool equal(const FloatInt& a, const FloatInt& b) noexcept { return a.x == b.x && a.y == b.y; }
};

template <>
struct gort::MapKey<Point> : gort::maps::BytewiseKey<Point> {};

namespace {

template <class K, class V>
std::size_t bucket_count(const Map<K, V>& m) {
  return m.table() == nullptr ? 0 : std::size_t{1} << m.table()->log2_buckets;
}

// Go's runtime.MapTombstoneCheck: in every chain, the live and emptyOne
// slots come first, then only emptyRest; the last slot before the emptyRest
// run is never emptyOne. Returns "" when the table is consistent.
template <class K, class V>
std::string tombstone_problem(const Map<K, V>& m) {
  auto* h = m.table();
  if (h == nullptr || h->buckets.get() == nullptr) return "";
  for (std::size_t x = 0; x < (std::size_t{1} << h->log2_buckets); x++) {
    auto* b0 = h->buckets.get() + x;
    int n = 0;
    for (auto* b = b0; b != nullptr; b = b->overflow.get())
      for (int i = 0; i < md::kBucketCnt; i++)
        if (b->tophash[i] != md::kEmptyRest) n++;
    int k = 0;
    for (auto* b = b0; b != nullptr; b = b->overflow.get()) {
      for (int i = 0; i < md::kBucketCnt; i++, k++) {
        if (k < n && b->tophash[i] == md::kEmptyRest) return "early emptyRest in bucket " + std::to_string(x);
        if (k >= n && b->tophash[i] != md::kEmptyRest) return "late non-emptyRest in bucket " + std::to_string(x);
        if (k == n - 1 && b->tophash[i] == md::kEmptyOne)
          return "last non-emptyRest entry is emptyOne in bucket " + std::to_string(x);
      }
    }
  }
  return "";
}

double negzero() { return std::copysign(0.0, -1.0); }

}  // namespace

// ---- nil maps and the basic operations -------------------------------------------------------

TEST(Map, NilMapReadsDeletesAndRangesAreEmpty) {
  Map<int, int> m;
  EXPECT_TRUE(m.is_nil());
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.get(1), 0);
  auto [v, ok] = m.lookup(1);
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(ok);
  EXPECT_FALSE(m.contains(1));
  m.erase(1);
  m.clear();
  int n = 0;
  for (auto [k, val] : m) n += k + val + 1;
  EXPECT_EQ(n, 0);
  EXPECT_TRUE(m.clone().is_nil());
}

TEST(Map, NilMapAssignmentIsARecoverableRuntimeError) {
  Map<int, int> m;
  gort::PanicValue r = gort_test::recover_from([&] { m.set(1, 2); });
  ASSERT_TRUE(r);
  EXPECT_EQ(r.message(), "assignment to entry in nil map");
  EXPECT_TRUE(r.is_runtime_error());
  // Go's plainError: no "runtime error: " prefix.
  EXPECT_STREQ(r.error()->what(), "assignment to entry in nil map");
  EXPECT_TRUE(m.is_nil());
  // A nil map inside a map of maps (the nil_map_recover scenario).
  auto outer = make_map<int, Map<int, int>>();
  outer.set(7, Map<int, int>());
  r = gort_test::recover_from([&] { outer.get(7).set(1, 1); });
  EXPECT_EQ(gort_test::show(r), "assignment to entry in nil map");
}

TEST(Map, SetGetLookupEraseContains) {
  auto m = make_map<std::int64_t, std::int64_t>();
  EXPECT_FALSE(m.is_nil());
  for (std::int64_t i = 0; i < 1000; i++) m.set(i * 7, i);
  EXPECT_EQ(m.size(), 1000u);
  for (std::int64_t i = 0; i < 1000; i++) {
    EXPECT_EQ(m.get(i * 7), i);
    auto [v, ok] = m.lookup(i * 7);
    EXPECT_TRUE(ok);
    EXPECT_EQ(v, i);
    EXPECT_FALSE(m.contains(i * 7 + 1));
  }
  m.set(14, -1);  // overwrite
  EXPECT_EQ(m.size(), 1000u);
  EXPECT_EQ(m.get(14), -1);
  for (std::int64_t i = 0; i < 1000; i += 2) m.erase(i * 7);
  m.erase(123456);  // absent: nothing
  EXPECT_EQ(m.size(), 500u);
  for (std::int64_t i = 0; i < 1000; i++) EXPECT_EQ(m.contains(i * 7), i % 2 == 1) << i;
}

TEST(Map, CopiesShareTheTable) {
  auto a = make_map<int, int>();
  Map<int, int> b = a;
  b.set(1, 10);
  EXPECT_EQ(a.get(1), 10);
  EXPECT_TRUE(a == b);
  Map<int, int> c = a.clone();
  EXPECT_FALSE(a == c);
  c.set(1, 20);
  c.set(2, 30);
  EXPECT_EQ(a.get(1), 10);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(c.size(), 2u);
}

TEST(Map, CloneCopiesEveryEntryIncludingMidGrow) {
  auto m = make_map<int, int>();
  for (int i = 0; i < 100; i++) m.set(i, i * i);
  // Stop in the middle of a grow: the insert that starts it evacuates at most two buckets.
  int i = 100;
  while (!m.table()->growing()) {
    m.set(i, i * i);
    i++;
  }
  ASSERT_TRUE(m.table()->growing());
  auto c = m.clone();
  EXPECT_EQ(c.size(), m.size());
  EXPECT_FALSE(c.table()->growing());
  for (int k = 0; k < i; k++) EXPECT_EQ(c.get(k), k * k) << k;
  std::set<int> seen;
  for (auto [k, v] : c) EXPECT_TRUE(seen.insert(k).second);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(i));
}

TEST(Map, StringKeysLookUpByStringViewWithoutAllocating) {
  auto m = make_map<gc::String, int>();
  static_assert(std::is_same_v<Map<gc::String, int>::lookup_type, std::string_view>);
  for (int i = 0; i < 100; i++) m.set(gc::String("key" + std::to_string(i)), i);
  EXPECT_EQ(m.get("key42"), 42);
  std::string probe = "key7";
  EXPECT_EQ(m.get(std::string_view(probe)), 7);
  EXPECT_TRUE(m.contains(gc::String("key99")));
  EXPECT_FALSE(m.contains("key100"));
  m.set("key42", -42);  // an existing key: the stored key is replaced, as Go does
  EXPECT_EQ(m.get("key42"), -42);
  EXPECT_EQ(m.size(), 100u);
  m.erase("key42");
  EXPECT_FALSE(m.contains("key42"));

  gort::debug::MemStats before, after;
  gort::debug::read_mem_stats(before);
  long sum = 0;
  for (int r = 0; r < 100; r++)
    for (int i = 0; i < 100; i++) sum += m.get(std::string_view(probe));
  gort::debug::read_mem_stats(after);
  EXPECT_EQ(sum, 7 * 10000);
  EXPECT_LT(after.mallocs - before.mallocs, 10u) << "string_view lookups allocated";
}

TEST(Map, UserKeyTypesThroughMapKey) {
  auto m = make_map<Point, int>();
  for (int x = 0; x < 30; x++)
    for (int y = 0; y < 30; y++) m.set(Point{x, y}, x * 100 + y);
  EXPECT_EQ(m.size(), 900u);
  EXPECT_EQ(m.get(Point{12, 29}), 1229);
  EXPECT_FALSE(m.contains(Point{30, 0}));
}

TEST(Map, IntegerPointerAndEnumKeys) {
  enum class Color : std::uint8_t { red, green, blue };
  auto colors = make_map<Color, int>();
  colors.set(Color::green, 1);
  EXPECT_EQ(colors.get(Color::green), 1);
  EXPECT_FALSE(colors.contains(Color::red));

  auto bytes = make_map<std::uint8_t, int>();
  for (int i = 0; i < 256; i++) bytes.set(static_cast<std::uint8_t>(i), i);
  EXPECT_EQ(bytes.size(), 256u);
  EXPECT_EQ(bytes.get(200), 200);

  auto wide = make_map<std::uint64_t, int>();
  wide.set(std::uint64_t{1} << 63, 5);
  EXPECT_EQ(wide.get(std::uint64_t{1} << 63), 5);
  EXPECT_FALSE(wide.contains(0));

  int cells[4] = {};
  auto ptrs = make_map<int*, int>();
  for (int i = 0; i < 4; i++) ptrs.set(&cells[i], i);
  EXPECT_EQ(ptrs.get(&cells[3]), 3);
  EXPECT_FALSE(ptrs.contains(nullptr));
}

// ---- floats: Go's TestNegativeZero, TestMapAssignmentNan, TestGrowWithNaN,
// TestGrowWithNegativeZero, TestMapNanGrowIterator ---------------------------------------------

TEST(Map, NegativeZeroIsPlusZeroAndAssignmentStoresTheNewKey) {
  auto m = make_map<double, bool>();
  m.set(+0.0, true);
  m.set(negzero(), true);  // overwrites the +0 entry, and its key
  EXPECT_EQ(m.size(), 1u);
  for (auto [k, v] : m) EXPECT_TRUE(std::signbit(k)) << "wrong sign";

  m = make_map<double, bool>();
  m.set(negzero(), true);
  m.set(+0.0, true);
  EXPECT_EQ(m.size(), 1u);
  for (auto [k, v] : m) EXPECT_FALSE(std::signbit(k)) << "wrong sign";
}

TEST(Map, EveryNaNAssignmentAddsAnEntryNeverFound) {
  auto m = make_map<double, int>();
  double nan = std::numeric_limits<double>::quiet_NaN();
  m.set(nan, 1);
  m.set(nan, 2);
  m.set(nan, 4);
  // Go's testMapNan.
  EXPECT_EQ(m.size(), 3u);
  int s = 0;
  for (auto [k, v] : m) {
    EXPECT_NE(k, k) << "nan disappeared";
    EXPECT_EQ(v & s, 0) << "value returned twice";
    s |= v;
  }
  EXPECT_EQ(s, 7);
  EXPECT_FALSE(m.contains(nan));
  auto [v, ok] = m.lookup(nan);
  EXPECT_FALSE(ok);
  EXPECT_EQ(v, 0);
  m.erase(nan);  // deletes nothing
  EXPECT_EQ(m.size(), 3u);
}

TEST(Map, GrowWithNaN) {
  auto m = make_map<double, int>(4);
  double nan = std::numeric_limits<double>::quiet_NaN();
  m.set(nan, 1);
  m.set(nan, 2);
  m.set(nan, 4);
  int cnt = 0, s = 0;
  bool growflag = true;
  for (auto [k, v] : m) {
    if (growflag) {
      for (int i = 0; i < 50; i++) m.set(i, i);  // force a resize
      growflag = false;
    }
    if (k != k) {
      cnt++;
      s |= v;
    }
  }
  EXPECT_EQ(cnt, 3) << "NaN keys lost during grow";
  EXPECT_EQ(s, 7) << "NaN values lost during grow";
}

TEST(Map, GrowWithNegativeZero) {
  auto m = make_map<FloatInt, int>(4);
  m.set(FloatInt{0.0, 0}, 1);
  m.set(FloatInt{0.0, 1}, m.get(FloatInt{0.0, 1}) + 2);
  m.set(FloatInt{0.0, 2}, m.get(FloatInt{0.0, 2}) + 4);
  m.set(FloatInt{0.0, 3}, 8);
  bool growflag = true;
  int s = 0, cnt = 0, negcnt = 0;
  // The first entry comes back with +0; the others, updated during the
  // iteration, with -0 and the new values.
  for (auto [k, v] : m) {
    if (v == 0) continue;  // entries added to grow the table
    cnt++;
    if (std::signbit(k.x)) {
      EXPECT_NE(v & 16, 0) << "key/value not updated together 1";
      negcnt++;
      s |= v & 15;
    } else {
      EXPECT_EQ(v & 16, 0) << "key/value not updated together 2";
      s |= v;
    }
    if (growflag) {
      for (int i = 0; i < 100; i++) m.set(FloatInt{3.0, i}, 0);  // force a resize
      for (int i = 0; i < 4; i++) m.set(FloatInt{negzero(), i}, (1 << i) | 16);
      growflag = false;
    }
  }
  EXPECT_EQ(s, 15) << "entry missing";
  EXPECT_EQ(cnt, 4) << "wrong number of entries returned by iterator";
  EXPECT_EQ(negcnt, 3) << "update to negzero missed by iteration";
}

TEST(Map, NaNKeysSurviveAGrowFinishedMidIteration) {
  auto m = make_map<double, int>();
  double nan = std::numeric_limits<double>::quiet_NaN();
  constexpr int kBuckets = 16;
  const int keys = static_cast<int>(kBuckets * 6.5);
  for (int i = 0; i < keys; i++) m.set(nan, i);
  // Trigger a grow, then let deletes of an absent key drive its evacuation.
  m.set(1.0, 1);
  m.erase(1.0);
  ASSERT_TRUE(m.table()->growing());
  std::set<int> found;
  for (auto [k, v] : m) {
    if (v != -1) {
      EXPECT_TRUE(found.insert(v).second) << "repeat of value " << v;
    }
    if (found.size() == static_cast<std::size_t>(keys / 2))
      for (int i = 0; i < kBuckets; i++) m.erase(1.0);  // halfway: finish the grow
  }
  EXPECT_FALSE(m.table()->growing());
  EXPECT_EQ(found.size(), static_cast<std::size_t>(keys)) << "missing value";
}

// ---- iteration across writes, growth and GC ----------------------------------------------------

TEST(Map, IterGrowAndDelete) {
  auto m = make_map<int, int>(4);
  for (int i = 0; i < 100; i++) m.set(i, i);
  bool growflag = true;
  int returned = 0;
  for (auto [k, v] : m) {
    returned++;
    if (growflag) {
      for (int i = 100; i < 1000; i++) m.set(i, i);   // grow the table
      for (int i = 1; i < 1000; i += 2) m.erase(i);  // delete all odd keys
      growflag = false;
    } else {
      EXPECT_EQ(k & 1, 0) << "odd value returned";
    }
  }
  EXPECT_GE(returned, 50);
}

TEST(Map, IterGrowWithGC) {
  auto m = make_map<int, int>(4);
  for (int i = 0; i < 8; i++) m.set(i, i);
  for (int i = 8; i < 16; i++) m.set(i, m.get(i) + i);
  bool growflag = true;
  int bitmask = 0;
  for (auto [k, v] : m) {
    if (k < 16) bitmask |= 1 << k;
    if (growflag) {
      for (int i = 100; i < 1000; i++) m.set(i, i);  // grow the table
      gc::collect();
      growflag = false;
    }
  }
  EXPECT_EQ(bitmask, (1 << 16) - 1) << "missing key";
}

TEST(Map, InsertingManyKeysDuringRangeReturnsEachOriginalOnce) {
  // go-reference §1.3: 160 inserts into an 8-key map inside the loop.
  for (int round = 0; round < 20; round++) {
    auto m = make_map<int, int>();
    for (int i = 0; i < 8; i++) m.set(i, i);
    std::vector<int> seen(8 + 160 * 8, 0);
    int next = 8;
    for (auto [k, v] : m) {
      seen[k]++;
      for (int j = 0; j < 160 && next < static_cast<int>(seen.size()); j++) m.set(next++, 0);
    }
    for (int i = 0; i < 8; i++) EXPECT_EQ(seen[i], 1) << "key " << i << " round " << round;
    for (int n : seen) EXPECT_LE(n, 1);
  }
}

TEST(Map, EntriesDeletedBeforeReachedAreNotReturned) {
  for (int round = 0; round < 20; round++) {
    auto m = make_map<int, int>();
    for (int i = 0; i < 200; i++) m.set(i, i);
    std::set<int> deleted;
    for (auto [k, v] : m) {
      EXPECT_FALSE(deleted.count(k)) << k;
      EXPECT_EQ(v, k);
      if (deleted.empty())
        for (int i = 0; i < 200; i++)
          if (i != k && i % 3 == 0) {
            m.erase(i);
            deleted.insert(i);
          }
    }
  }
}

TEST(Map, ClearDuringIterationEndsWhatItReturns) {
  for (int round = 0; round < 10; round++) {
    auto m = make_map<int, int>();
    for (int i = 0; i < 200; i++) m.set(i, i);
    int after = 0;
    bool cleared = false;
    for (auto [k, v] : m) {
      if (cleared) {
        after++;
        EXPECT_GE(k, 100000) << "entry returned after clear";
        continue;
      }
      // Grow, so that the iterator walks the old array (which clear drops
      // without zeroing), then clear and add two entries.
      for (int i = 1000; !m.table()->growing(); i++) m.set(i, i);
      m.clear();
      cleared = true;
      m.set(100000, 1);
      m.set(100001, 2);
    }
    EXPECT_LE(after, 2);
    EXPECT_EQ(m.size(), 2u);
  }
}

// ---- sizes, items, hints -------------------------------------------------------------------------

TEST(Map, BigItemsAreStoredIndirectly) {
  static_assert(md::stored_indirectly<Big>);
  Big key;
  for (auto& x : key.s) x = "foo";
  auto m = make_map<Big, Big>(4);
  for (int i = 0; i < 100; i++) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "string%02d", i);
    key.s[37] = buf;
    m.set(key, key);
  }
  gc::collect();
  std::vector<std::string> keys, values;
  for (auto [k, v] : m) {
    keys.push_back(k.s[37].str());
    values.push_back(v.s[37].str());
  }
  std::sort(keys.begin(), keys.end());
  std::sort(values.begin(), values.end());
  ASSERT_EQ(keys.size(), 100u);
  for (int i = 0; i < 100; i++) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "string%02d", i);
    EXPECT_EQ(keys[i], buf) << "missing key";
    EXPECT_EQ(values[i], buf) << "missing value";
  }
  key.s[37] = "string42";
  EXPECT_EQ(m.get(key).s[37].view(), "string42");
  m.erase(key);
  EXPECT_FALSE(m.contains(key));
  EXPECT_EQ(m.size(), 99u);
}

TEST(Map, HugeZeroValue) {
  using T = std::array<char, 4000>;
  auto m = make_map<int, T>();
  EXPECT_EQ(m.get(0), T{}) << "map value not zero";
  auto [y, ok] = m.lookup(0);
  EXPECT_FALSE(ok) << "map value should be missing";
  EXPECT_EQ(y, T{}) << "map value not zero";
  T big{};
  big[3999] = 'x';
  m.set(1, big);
  EXPECT_EQ(m.get(1)[3999], 'x');
}

TEST(Map, EmptyKeyAndValue) {
  struct Empty {};
  struct EmptyKey {};
  auto a = make_map<int, Empty>(4);
  a.set(0, Empty{});
  EXPECT_EQ(a.size(), 1u) << "empty value insert problem";
  auto b = make_map<bool, int>(4);  // a one-value key stands in for Go's struct{}
  b.set(false, 0);
  b.set(false, 1);
  EXPECT_EQ(b.get(false), 1) << "empty key returned wrong value";
  EXPECT_EQ(b.size(), 1u);
}

TEST(Map, BucketCountsPerSizeHint) {
  struct Case {
    std::int64_t n;
    std::size_t buckets;
  };
  const Case cases[] = {{-(std::int64_t{1} << 30), 1}, {-1, 1}, {0, 1}, {1, 1}, {8, 1},
                        {9, 2}, {12, 2}, {13, 2}, {14, 4}, {26, 4}};
  for (const Case& c : cases) {
    auto hinted = make_map<int, int>(c.n);
    EXPECT_EQ(bucket_count(hinted), c.buckets) << "hint " << c.n;
    auto unhinted = make_map<int, int>();
    for (std::int64_t i = 0; i < c.n; i++) {
      hinted.set(static_cast<int>(i), static_cast<int>(i));
      unhinted.set(static_cast<int>(i), static_cast<int>(i));
    }
    EXPECT_EQ(bucket_count(hinted), c.buckets) << "hint " << c.n << " after filling";
    if (c.n > 0) {
      EXPECT_EQ(bucket_count(unhinted), c.buckets) << c.n << " entries";
    }
  }
}

TEST(Map, BogusHintsAreIgnored) {
  for (std::int64_t hint : {std::int64_t{-1}, -(std::int64_t{1} << 40), std::int64_t{1} << 62,
                            std::numeric_limits<std::int64_t>::max()}) {
    auto m = make_map<int, int>(hint);
    EXPECT_EQ(bucket_count(m), 1u) << hint;
    m.set(1, 2);
    EXPECT_EQ(m.get(1), 2);
  }
}

TEST(Map, IncrementAfterDeleteValueType) {
  auto m = make_map<int, int>();
  m.set(1, 1);
  m.erase(1);
  m.set(1, m.get(1) + 1);  // m[1]++
  EXPECT_EQ(m.get(1), 1) << "incremented 0 to " << m.get(1);
}

TEST(Map, IncrementAfterDeleteKeyStringValueType) {
  auto m = make_map<gc::String, int>();
  m.set("0", 0);
  m.set("1", 1);
  m.erase("1");
  m.set("1", m.get("1") + 1);
  EXPECT_EQ(m.get("1"), 1);
}

TEST(Map, IncrementAfterDeleteKeyValueString) {
  auto m = make_map<gc::String, gc::String>();
  m.set("0", "");
  m.set("1", "1");
  m.erase("1");
  m.set("1", m.get("1") + "1");
  EXPECT_EQ(m.get("1").view(), "1");
}

TEST(Map, IncrementAfterBulkClear) {
  auto m = make_map<int, int>();
  m.set(1, 1);
  m.clear();  // Go 1.19 compiles `for k := range m { delete(m, k) }` to mapclear
  m.set(1, m.get(1) + 1);
  EXPECT_EQ(m.get(1), 1);
  EXPECT_EQ(m.size(), 1u);
}

TEST(Map, ClearResetsAndReseeds) {
  auto m = make_map<int, int>();
  for (int i = 0; i < 1000; i++) m.set(i, i);
  std::uint64_t seed = m.table()->seed;
  std::size_t buckets = bucket_count(m);
  m.clear();
  EXPECT_EQ(m.size(), 0u);
  EXPECT_NE(m.table()->seed, seed);
  EXPECT_EQ(bucket_count(m), buckets) << "clear keeps the array";
  EXPECT_FALSE(m.table()->growing());
  for (int i = 0; i < 1000; i++) EXPECT_FALSE(m.contains(i));
  for (auto [k, v] : m) ADD_FAILURE() << "entry " << k << " after clear";
  for (int i = 0; i < 1000; i++) m.set(i, -i);
  for (int i = 0; i < 1000; i++) EXPECT_EQ(m.get(i), -i);
}

TEST(Map, EmptiedMapIsReseeded) {
  auto m = make_map<int, int>();
  m.set(1, 1);
  m.set(2, 2);
  std::uint64_t seed = m.table()->seed;
  m.erase(1);
  EXPECT_EQ(m.table()->seed, seed) << "not empty yet";
  m.erase(2);
  EXPECT_NE(m.table()->seed, seed);
}

TEST(Map, Tombstones) {
  auto m = make_map<int, int>();
  constexpr int N = 10000;
  for (int i = 0; i < N; i++) m.set(i, i);
  EXPECT_EQ(tombstone_problem(m), "");
  for (int i = 0; i < N; i += 2) m.erase(i);  // delete half
  EXPECT_EQ(tombstone_problem(m), "");
  for (int i = N; i < 3 * N / 2; i++) m.set(i, i);  // fill the holes
  EXPECT_EQ(tombstone_problem(m), "");
  for (int i = 0; i < 3 * N / 2; i++) m.erase(i);  // delete everything
  EXPECT_EQ(tombstone_problem(m), "");
  // Everything deleted: every slot of every chain is emptyRest, so a miss
  // stops at the first slot.
  auto* h = m.table();
  for (std::size_t x = 0; x < bucket_count(m); x++)
    EXPECT_EQ(h->buckets.get()[x].tophash[0], md::kEmptyRest) << x;
}

TEST(Map, SameSizeGrowAfterManyOverflowBuckets) {
  // Inserts and deletes of ever new keys at a steady size fill chains with
  // tombstones and overflow buckets until a same-size grow compacts them.
  auto m = make_map<std::int64_t, std::int64_t>();
  for (std::int64_t i = 0; i < 100; i++) m.set(i, i);
  std::uint8_t b = m.table()->log2_buckets;
  bool saw_same_size = false;
  for (std::int64_t i = 100; i < 200000 && !saw_same_size; i++) {
    m.set(i, i);
    m.erase(i - 100);
    saw_same_size = m.table()->growing() && m.table()->same_size_grow();
  }
  EXPECT_TRUE(saw_same_size);
  EXPECT_EQ(m.table()->log2_buckets, b);
  EXPECT_EQ(m.size(), 100u);
}

TEST(Map, GrowEvacuatesAtMostTwoBucketsPerWrite) {
  auto m = make_map<int, int>();
  for (int i = 0; i < 6 * 64; i++) m.set(i, i);
  int i = 6 * 64;
  while (!m.table()->growing()) m.set(i, i), i++;
  auto evacuated = [&] {
    auto* h = m.table();
    std::size_t n = 0;
    for (std::size_t j = 0; j < h->old_bucket_count(); j++) n += h->oldbuckets.get()[j].evacuated();
    return n;
  };
  std::size_t old_count = m.table()->old_bucket_count();
  std::size_t writes = 1;
  EXPECT_LE(evacuated(), 2 * writes);
  while (m.table()->growing()) {
    std::size_t before = evacuated();
    m.set(i, i), i++, writes++;
    if (!m.table()->growing()) break;
    EXPECT_LE(evacuated() - before, 2u);
    EXPECT_LE(m.table()->nevacuate, evacuated());
  }
  EXPECT_GE(writes, old_count / 2);
  for (int k = 0; k < i; k++) ASSERT_EQ(m.get(k), k);
}

// ---- iteration order -------------------------------------------------------------------------------

TEST(Map, IterationOrderIsRandom) {
  for (int n : {3, 7, 9, 15}) {
    for (int tries = 0;; tries++) {
      auto m = make_map<int, bool>();
      for (int i = 0; i < n; i++) m.set(i, true);
      auto order = [&] {
        std::vector<int> o;
        for (auto [k, v] : m) o.push_back(k);
        return o;
      };
      std::vector<int> first = order();
      bool differs = false;
      for (int j = 0; j < 100 && !differs; j++) differs = order() != first;
      if (differs) break;
      ASSERT_LT(tries, 5) << "iteration order of " << n << " keys never changed";
    }
  }
}

TEST(Map, SmallMapOrderIsARotation) {
  // One bucket: successive ranges start at a random slot (Go 1.19).
  auto m = make_map<int, int>();
  for (int i = 0; i < 5; i++) m.set(i, i);
  std::set<int> firsts;
  for (int r = 0; r < 1000; r++) {
    std::vector<int> o;
    for (auto [k, v] : m) o.push_back(k);
    ASSERT_EQ(o.size(), 5u);
    for (int j = 0; j < 5; j++) EXPECT_EQ(o[(j + 1) % 5], (o[j] + 1) % 5);
    firsts.insert(o[0]);
  }
  EXPECT_EQ(firsts.size(), 5u);
}

TEST(Map, SparseIterationOrderIsRandom) {
  for (int round = 0; round < 10; round++) {
    auto m = make_map<int, bool>();
    for (int i = 0; i < 1000; i++) m.set(i, true);
    for (int i = 20; i < 1000; i++) m.erase(i);
    std::vector<int> first;
    for (auto [k, v] : m) first.push_back(k);
    bool differs = false;
    for (int n = 0; n < 800 && !differs; n++) {
      std::vector<int> o;
      for (auto [k, v] : m) o.push_back(k);
      differs = o != first;
    }
    EXPECT_TRUE(differs) << "constant iteration order on round " << round;
  }
}

// ---- concurrency ----------------------------------------------------------------------------------

// Go's TestConcurrentReadsAfterGrowth: after every insert into a growing map,
// 16 readers and 16 iterators run at once, with no writer. Nothing fatal.
TEST(Map, ConcurrentReadsAfterGrowth) {
  gort_test::ScopedGomaxprocs procs(2);
  constexpr int kLoops = 4, kGrowSteps = 150, kReaders = 16;
  for (int loop = 0; loop < kLoops; loop++) {
    auto m = make_map<int, int>();
    for (int gs = 0; gs < kGrowSteps; gs++) {
      m.set(gs, gs);
      gort::WaitGroup wg;
      wg.add(kReaders * 2);
      std::atomic<int> bad{0};
      for (int nr = 0; nr < kReaders; nr++) {
        gort::go([m, &wg, &bad] {
          int n = 0;
          for (auto [k, v] : m) n += (k == v);
          if (n != static_cast<int>(m.size())) bad++;
          wg.done();
        });
        gort::go([m, gs, &wg, &bad] {
          for (int key = 0; key < gs; key++)
            if (m.get(key) != key) bad++;
          wg.done();
        });
      }
      wg.wait();
      ASSERT_EQ(bad.load(), 0) << "loop " << loop << " step " << gs;
    }
  }
}
