// gort/map.h — Go's map on the collected heap.
//
//   auto ages = gort::make_map<gort::gc::String, int>();   // make(map[string]int)
//   ages.set("ann", 31);                                   // ages["ann"] = 31
//   int a = ages.get("ann");                               // 31; 0 when absent
//   auto [b, ok] = ages.lookup("bob");                     // b, ok := ages["bob"]
//   ages.erase("ann");                                     // delete(ages, "ann")
//   for (auto [name, age] : ages) { ... }                  // random order
//
// Map<K, V> is a reference type, like a Go map: copies share the table. A
// default-constructed Map is nil: get/lookup/contains/size/erase/clear and
// iteration work and see nothing; set panics with the runtime error
// `assignment to entry in nil map` (recoverable). There is no operator[]:
// Go's m[k] reads without inserting, which get() and lookup() do.
//
// Semantics are Go's (go-reference §1): writes during iteration are allowed
// (an entry deleted before it is reached is not returned, one added may or
// may not be); the order is random; NaN keys are never found and each NaN
// insert adds an entry; +0.0 and -0.0 are the same key and an assignment
// stores the new sign. Concurrent use with a writer is a fatal error, as Go's
// best-effort detection finds it: `concurrent map writes`, `concurrent map
// read and map write`, `concurrent map iteration and map write`,
// `concurrent map clone and map write` — exit 2, no defer, recover or catch
// sees it. Any number of concurrent readers and iterators are fine.
//
// Keys: integers, enums, float/double, raw pointers (not traced), gc::Ptr,
// gc::String (lookups also by std::string_view, without allocating), and any
// type with a gort::MapKey specialization (gort/maps/hash.h). Keys and values
// live in GC memory: pointer-free trivially copyable types, gc::Ptr,
// gc::String, gc::Slice, Map, or types with a trace method. Keys or values
// over 128 bytes are stored in a GC object of their own.
//
// Writes (set, erase, clear), clone and make_map must run on a goroutine:
// from a thread the runtime does not own, or inside gort::blocking, they are
// a fatal error naming the call. Reads and iteration through a handle the
// thread may hold (a gc::Root of the object containing it) are not checked.
//
// Where a Map handle may be held follows gc::Ptr's rules (gort/gc.h): on a
// goroutine's stack, or as a field of a GC object listed in its trace method
// (`void trace(gc::Tracer& t) const { m.trace(t); }`); a Map may be the
// value of another Map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "gort/gc.h"
#include "gort/maps/bucket.h"
#include "gort/maps/hash.h"
#include "gort/maps/iter.h"
#include "gort/maps/table.h"
#include "gort/maps/write.h"

namespace gort {

// What Map::lookup returns: `auto [v, ok] = m.lookup(k);`
template <class V>
struct MapLookup {
  V value;
  bool ok;
};

template <class K, class V>
class Map;

template <class K, class V>
Map<K, V> make_map(std::int64_t hint = 0);

template <class K, class V>
class Map {
  static_assert(maps::detail::KeyDescribed<K>,
                "gort::Map<K, V>: no gort::MapKey<K> with hash and equal for this key type "
                "(see gort/maps/hash.h)");
  static_assert((maps::detail::check_storable<K>(), maps::detail::check_storable<V>(), true));

 public:
  using key_type = K;
  using mapped_type = V;
  // What lookups take: K, or e.g. std::string_view for gc::String keys.
  using lookup_type = maps::detail::lookup_t<K>;
  using iterator = maps::detail::Iterator<K, V>;

  Map() noexcept = default;  // nil
  Map(std::nullptr_t) noexcept {}

  bool is_nil() const noexcept { return t_.get() == nullptr; }
  explicit operator bool() const noexcept { return !is_nil(); }
  // Go's len(m).
  std::size_t size() const noexcept { return t_.get() != nullptr ? t_->count : 0; }
  bool empty() const noexcept { return size() == 0; }

  // m[k]: the value, or V's zero value when absent.
  V get(const lookup_type& key) const {
    const V* v = find(key);
    return v != nullptr ? *v : V();
  }
  // v, ok := m[k]
  MapLookup<V> lookup(const lookup_type& key) const {
    const V* v = find(key);
    if (v != nullptr) return {*v, true};
    return {V(), false};
  }
  bool contains(const lookup_type& key) const { return find(key) != nullptr; }

  // m[k] = v. Panics on a nil map.
  void set(const K& key, const V& value) const {
    if (!maps::detail::on_runtime_thread()) [[unlikely]] maps::detail::fatal_off_runtime_thread("gort::Map::set");
    maps::detail::assign(t_.get(), key, value);
  }
  // delete(m, k): nothing when absent or nil.
  void erase(const lookup_type& key) const {
    if (!maps::detail::on_runtime_thread()) [[unlikely]] maps::detail::fatal_off_runtime_thread("gort::Map::erase");
    maps::detail::erase(t_.get(), key);
  }
  // clear(m): removes every entry, keeps the buckets.
  void clear() const {
    if (!maps::detail::on_runtime_thread()) [[unlikely]] maps::detail::fatal_off_runtime_thread("gort::Map::clear");
    maps::detail::clear(t_.get());
  }
  // maps.Clone(m): a new map with the same entries (nil for nil).
  Map clone() const {
    if (!maps::detail::on_runtime_thread()) [[unlikely]] maps::detail::fatal_off_runtime_thread("gort::Map::clone");
    return Map(maps::detail::clone(t_.get()));
  }

  // for (auto [k, v] : m): each entry once, copied, in random order.
  iterator begin() const { return iterator(t_.get()); }
  typename iterator::End end() const { return {}; }

  // For the trace method of a GC object holding this map.
  void trace(gc::Tracer& t) const { t(t_); }

  // Handles to the same table (or both nil).
  friend bool operator==(const Map& a, const Map& b) noexcept { return a.t_.get() == b.t_.get(); }

  // The table, for the white-box tests.
  maps::detail::Table<K, V>* table() const noexcept { return t_.get(); }

 private:
  friend Map make_map<K, V>(std::int64_t hint);
  explicit Map(maps::detail::Table<K, V>* t) : t_(t) {}

  // Go's mapaccess: the concurrent-write check, then the search.
  [[gnu::always_inline]] const V* find(const lookup_type& key) const {
    maps::detail::Table<K, V>* h = t_.get();
    if (h == nullptr || h->count == 0) return nullptr;
    if (h->writing()) maps::detail::fatal_concurrent_read_write();
    std::uint64_t hash = MapKey<K>::hash(key, h->seed);
    maps::detail::Bucket<K, V>* b = maps::detail::home_bucket(*h, hash);
    maps::detail::prefetch_bucket(b);
    maps::detail::SlotRef<K, V> s = maps::detail::find_in_chain(b, maps::detail::tophash_of(hash), key);
    return s.b != nullptr ? &s.b->value(s.i) : nullptr;
  }

  gc::Ptr<maps::detail::Table<K, V>> t_;
};

// make(map[K]V, hint): room for about hint entries before the first grow.
// Negative or absurdly large hints are ignored, as Go does.
template <class K, class V>
Map<K, V> make_map(std::int64_t hint) {
  if (!maps::detail::on_runtime_thread()) [[unlikely]] maps::detail::fatal_off_runtime_thread("gort::make_map");
  return Map<K, V>(maps::detail::new_table<K, V>(hint));
}

}  // namespace gort
