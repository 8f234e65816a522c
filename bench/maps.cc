// bench/maps.cc — gort-bench maps [n=1000000]
//
// The twin of ../shared/peers/maps/maps.go, operation for operation, with
// gort::Map in place of Go's map. Keys are splitmix64(i) (hits) and
// splitmix64(i + n) (misses); lookups and deletes visit them in the order
// perm[i] = i * 611953 mod n. int64 keys: insert into a map growing from
// empty, insert into a map made with hint n, lookup hit, lookup miss,
// iterate, delete. 16-byte string keys (the 16 hex digits of the int key, as
// gc::Strings made before the clock starts, as Go's strings are): insert,
// lookup hit, lookup miss. A collection runs before each part, as
// runtime.GC() does there.
//
//   RESULT name=maps impl=gort metric=<int_insert|int_insert_presized|int_lookup_hit|
//          int_lookup_miss|int_iterate|int_delete|str_insert|str_lookup_hit|str_lookup_miss>
//          value=<ns per operation> unit=ns/op
//
// The checksum is maps.go's: len of the presized map, plus both hit sums,
// plus the iteration's xor sum; the hit sums must be n(n-1)/2.
//
// `gort-bench maps N 1` runs the same with the collector marking the whole
// time (a cycle begun before the clock starts and ended after it, through
// the step-by-step driver gc/testing.h, so no cycle ends in between): the
// write barrier is on, gc::String keys go through its slow path and new
// buckets are allocated black. Compared with Go's (not marking) figures it
// shows what the barrier costs.
#include <cstdint>
#include <cstdio>
#include <vector>

#include "gort/gort.h"
#include "gort/map.h"
#include "gc/testing.h"  // maps N 1: the whole run inside one mark
#include "result.h"

namespace gort_bench {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

constexpr std::uint64_t kStride = 611953;  // coprime to 10^k: i*stride mod n is a permutation

gort::gc::String hex16(std::uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  char b[16];
  for (int i = 15; i >= 0; i--) {
    b[i] = digits[v & 15];
    v >>= 4;
  }
  return gort::gc::String(std::string_view(b, 16));
}

int run_maps(Args& a) {
  const std::int64_t n = a.next_int("n", 1000000, 1, std::int64_t{1} << 31);
  const bool marking = a.next_int("marking", 0, 0, 1) != 0;
  if (!a.done()) return kUsage;

  return gort::run([&]() -> int {
    auto report = [n](const char* metric, std::int64_t ns) {
      result("maps", metric, static_cast<double>(ns) / static_cast<double>(n), "ns/op");
    };
    // maps.go's make([]int64, n) and make([]int32, n): on the collected
    // heap, as Go's are (large spans, so on huge pages in both runtimes).
    auto keys = gort::gc::make_slice<std::int64_t>(static_cast<std::size_t>(n));
    auto miss = gort::gc::make_slice<std::int64_t>(static_cast<std::size_t>(n));
    auto perm = gort::gc::make_slice<std::int32_t>(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; i++) {
      keys[i] = static_cast<std::int64_t>(splitmix64(static_cast<std::uint64_t>(i)));
      miss[i] = static_cast<std::int64_t>(splitmix64(static_cast<std::uint64_t>(i + n)));
      perm[i] = static_cast<std::int32_t>((static_cast<std::uint64_t>(i) * kStride) % static_cast<std::uint64_t>(n));
    }
    std::int64_t checksum = 0;
    bool ok = true;
    gort::gc::collect();
    // Between the parts, a collection as maps.go's runtime.GC(); while
    // marking, the one cycle stays open instead.
    auto between_parts = [marking] {
      if (!marking) gort::gc::collect();
    };
    if (marking) {
      gort::gc::testing::manual_cycles(true);
      gort::gc::testing::cycle_begin();
    }

    // The int64 parts in a frame of their own, which is gone when the
    // string parts run: the collector scans stacks conservatively, and a
    // stale copy of the int map's pointer in a live frame would keep its
    // 37 MB of buckets, which maps.go's collector frees (m is dead there).
    auto int_parts = [&]() __attribute__((noinline)) {
      std::int64_t t = now_ns();
      auto m = gort::make_map<std::int64_t, std::int64_t>();
      for (std::int64_t i = 0; i < n; i++) m.set(keys[i], i);
      report("int_insert", now_ns() - t);
      ok = ok && static_cast<std::int64_t>(m.size()) == n;

      t = now_ns();
      {
        auto mp = gort::make_map<std::int64_t, std::int64_t>(n);
        for (std::int64_t i = 0; i < n; i++) mp.set(keys[i], i);
        report("int_insert_presized", now_ns() - t);
        checksum += static_cast<std::int64_t>(mp.size());
      }

      t = now_ns();
      std::int64_t s = 0;
      for (std::int32_t p : perm) s += m.get(keys[p]);
      report("int_lookup_hit", now_ns() - t);
      ok = ok && s == n * (n - 1) / 2;
      checksum += s;

      t = now_ns();
      std::int64_t found = 0;
      for (std::int32_t p : perm) found += m.contains(miss[p]);
      report("int_lookup_miss", now_ns() - t);
      ok = ok && found == 0;

      t = now_ns();
      std::int64_t it = 0, cnt = 0;
      for (auto [k, v] : m) {
        it += k ^ v;
        cnt++;
      }
      report("int_iterate", now_ns() - t);
      ok = ok && cnt == n;
      checksum += it;

      t = now_ns();
      for (std::int32_t p : perm) m.erase(keys[p]);
      report("int_delete", now_ns() - t);
      ok = ok && m.size() == 0;
    };
    int_parts();

    // Go's []string: the slice and the strings' bytes on the collected heap.
    auto skeys = gort::gc::make_slice<gort::gc::String>(static_cast<std::size_t>(n));
    auto smiss = gort::gc::make_slice<gort::gc::String>(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; i++) {
      skeys[i] = hex16(static_cast<std::uint64_t>(keys[i]));
      smiss[i] = hex16(static_cast<std::uint64_t>(miss[i]));
    }
    between_parts();
    std::int64_t t = now_ns();
    auto sm = gort::make_map<gort::gc::String, std::int64_t>();
    for (std::int64_t i = 0; i < n; i++) sm.set(skeys.data()[i], i);
    report("str_insert", now_ns() - t);
    ok = ok && static_cast<std::int64_t>(sm.size()) == n;

    t = now_ns();
    std::int64_t s = 0;
    for (std::int32_t p : perm) s += sm.get(skeys.data()[p]);
    report("str_lookup_hit", now_ns() - t);
    ok = ok && s == n * (n - 1) / 2;
    checksum += s;

    t = now_ns();
    std::int64_t found = 0;
    for (std::int32_t p : perm) found += sm.contains(smiss.data()[p]);
    report("str_lookup_miss", now_ns() - t);
    ok = ok && found == 0;

    if (marking) {
      gort::gc::testing::cycle_end();
      gort::gc::testing::manual_cycles(false);
    }
    std::printf("n=%lld checksum=%lld ok=%s\n", static_cast<long long>(n), static_cast<long long>(checksum),
                ok ? "true" : "false");
    if (!ok) return check_failed();
    return 0;
  });
}

}  // namespace

GORT_BENCHMARK("maps", "maps [n=1000000] [marking=0|1]",
               "gort::Map vs Go's map: int64 and 16-byte string keys; insert, lookup hit/miss, iterate, delete",
               run_maps);

}  // namespace gort_bench
