// gort/sync_map.h — Go's sync.Map: a map safe for concurrent use by many
// goroutines without further locking, on the collected heap.
//
//   gort::SyncMap<int, gc::String> cache;             // var cache sync.Map (empty, ready)
//   cache.store(1, "one");                            // cache.Store(1, "one")
//   auto [v, ok] = cache.load(1);                     // v, ok := cache.Load(1)
//   auto [actual, loaded] = cache.load_or_store(2, "two");
//   cache.range([](int k, const gc::String& v) { ...; return true; });
//
// Operations (Go 1.20's API, snake_case; Go's Delete is erase, as on
// gort::Map): load, store, load_or_store, load_and_delete, erase, swap,
// compare_and_swap, compare_and_delete (these two need V to be equality
// comparable), range(f) with f(const K&, const V&) -> bool, false stopping
// the range. Semantics are Go's: load_or_store, load_and_delete and swap say
// whether a value was present (`loaded`) and return it; compare_and_swap
// and compare_and_delete on a missing key are false; range visits each key
// at most once, sees every key present for the whole call, and may see any
// value a key had during the call; f may call any method of the map. A
// write "synchronizes before" a read that observes it (Go's memory-model
// note on sync.Map).
//
// As Go's documentation says, most code should use a gort::Map guarded by a
// gort::Mutex instead. SyncMap pays off when (1) a key is written once and
// read many times (caches that only grow) or (2) goroutines read, write and
// overwrite disjoint sets of keys.
//
// ---- The algorithm (Go's sync/map.go) ---------------------------------------
//
// Two gort::Maps from key to *entry*: the read-only map `read`, reached
// through an atomic pointer and read without any lock, and the `dirty` map,
// touched only with the mutex held. An entry (gort/sync_map/entry.h) is a GC
// object whose one atomic word points to the key's value (a GC box), or is
// null (deleted) or `expunged` (deleted, and absent from the dirty map). Both
// maps share the entries, so a key that is in `read` is loaded, overwritten
// and deleted with one atomic operation on its entry — no lock, no write to
// either map. `read` itself is never written: it is replaced as a whole, with
// the mutex held.
//
//  * read.amended says the dirty map holds keys `read` does not. A key
//    missing from `read` is then looked up in `dirty` under the mutex, and
//    counted as a *miss*. Once misses >= len(dirty), copying the dirty map
//    has been paid for: it is *promoted* — it becomes the new `read` (not
//    amended), dirty becomes nil and misses 0. range promotes at once when
//    amended (it is O(n) anyway).
//  * Storing a key that is in neither map adds a new entry to `dirty`. If
//    dirty is nil (just after a promotion), it is first rebuilt from `read`:
//    every entry that is not deleted is copied; every deleted one (null) is
//    CASed to `expunged` and left out, so the garbage of deleted keys does
//    not survive the next promotion. `read` is then republished amended.
//  * An expunged entry cannot be revived by a lock-free store: its key is
//    missing from `dirty`, so the store would vanish at the next promotion.
//    The writer takes the mutex, CASes it back to null and re-inserts it
//    into `dirty` first (unexpunge), then stores.
//
// Invariants: an entry with a value or null is in `read` (if `read` has the
// key) and in `dirty` (if dirty is not nil); an expunged entry is in `read`
// only, and dirty is not nil.
//
// ---- The collector --------------------------------------------------------------
//
// Everything lives on the GC heap: the state (mutex, `read` pointer, `dirty`
// map, misses), the read-only views, the entries and the value boxes (a
// value holding gc::Ptr, gc::String, gc::Slice, a gort::Map or a type with a
// trace method is traced through its box). The `read` pointer is stored with
// the mutex held, by gc::Ptr's barriered store after a release fence, and
// loaded with acquire loads. An entry's word changes by compare-and-swap while
// other goroutines read it: the CAS is barriered as Go's runtime barriers
// atomic.CompareAndSwapPointer — it shades the value it replaces and the one
// it installs while the collector marks. The check of the barrier flag and
// the `lock cmpxchg` form one restartable sequence (so no stop of the world
// can fall between a "no barrier" decision and the swap), and while marking
// the shading and the CAS run together on the system stack, where no stop
// can interrupt them (gort/sync_map/atomic_pointer.h). We chose this over
// taking the mutex for every entry write while marking because the mutex
// does not stop lock-free writers that decided earlier, and because Go's
// lock-free Store/Delete on keys in `read` is the point of the design.
//
// ---- Where a SyncMap handle may live --------------------------------------------
//
// SyncMap<K, V> is a reference type, one gc::Ptr to its state: copies share
// the map. A default-constructed SyncMap is a new empty map, ready for use
// like Go's zero sync.Map, so it must be made on a goroutine. Hold the handle
// where gc::Ptr may be held: on a goroutine's stack or in its closures, or as
// a field of a GC object listed in its trace method
// (`void trace(gc::Tracer& t) const { cache.trace(t); }`); it may be the
// value of a gort::Map. In a global, a static or a std container, hold its
// state through a gc::Root and make handles from it:
//
//   gort::gc::Root<gort::SyncMap<int, int>::Object> g_cache;  // global
//   g_cache = gort::SyncMap<int, int>().object();            // once, on a goroutine
//   gort::SyncMap<int, int> cache(g_cache.get());             // anywhere later
#pragma once

#include <cstdint>
#include <mutex>
#include <type_traits>

#include "gort/gc.h"
#include "gort/map.h"
#include "gort/sync_map/entry.h"
#include "gort/sync_map/state.h"

namespace gort {

// What load_or_store, load_and_delete and swap return:
// `auto [value, loaded] = m.swap(k, v);`
template <class V>
struct SyncMapResult {
  V value;
  bool loaded;
};

template <class K, class V>
class SyncMap {
  static_assert((maps::detail::check_storable<V>(), true));
  using State = detail::SyncMapState<K, V>;
  using ReadOnly = detail::SyncMapReadOnly<K, V>;
  using Table = detail::SyncMapTable<K, V>;
  using Entry = detail::SyncMapEntry<V>;
  using Box = typename Entry::Box;

 public:
  using key_type = K;
  using mapped_type = V;
  using lookup_type = typename Table::lookup_type;
  // The GC object a handle points to (for gc::Root and the white-box tests).
  using Object = State;

  // A new, empty map (Go's zero sync.Map). Call from a goroutine.
  SyncMap() : s_(gc::make<State>()) {}
  // A handle to an existing map, e.g. one kept in a gc::Root.
  explicit SyncMap(Object* object) : s_(object) {}

  Object* object() const noexcept { return s_.get(); }
  // For the trace method of a GC object holding this handle.
  void trace(gc::Tracer& t) const { t(s_); }
  friend bool operator==(const SyncMap& a, const SyncMap& b) noexcept { return a.s_.get() == b.s_.get(); }

  // v, ok := m.Load(key)
  MapLookup<V> load(const lookup_type& key) const {
    Entry* e = find(key, DirtyHit::keep);
    Box* b = e != nullptr ? e->load() : nullptr;
    if (b == nullptr) return {V(), false};
    return {b->value, true};
  }

  // m.Store(key, value)
  void store(const K& key, const V& value) const { swap(key, value); }

  // previous, loaded := m.Swap(key, value)
  SyncMapResult<V> swap(const K& key, const V& value) const {
    Box* fresh = gc::make<Box>(value);
    if (Entry* e = s_->read.load()->m.get(key)) {
      typename Entry::Swapped r = e->try_swap(fresh);
      if (r.stored) return result(r.previous);
    }
    std::lock_guard lock(s_->mu);
    ReadOnly* read = s_->read.load();
    if (Entry* e = read->m.get(key)) {
      if (e->unexpunge_locked()) s_->dirty.set(key, e);
      return result(e->try_swap(fresh).previous);
    }
    if (Entry* e = s_->dirty.get(key)) return result(e->try_swap(fresh).previous);
    add_key_locked(read, key, fresh);
    return {V(), false};
  }

  // actual, loaded := m.LoadOrStore(key, value)
  SyncMapResult<V> load_or_store(const K& key, const V& value) const {
    if (Entry* e = s_->read.load()->m.get(key)) {
      typename Entry::LoadedOrStored r = e->try_load_or_store(value);
      if (r.actual != nullptr) return {r.actual->value, r.loaded};
    }
    std::lock_guard lock(s_->mu);
    ReadOnly* read = s_->read.load();
    if (Entry* e = read->m.get(key)) {
      if (e->unexpunge_locked()) s_->dirty.set(key, e);
      typename Entry::LoadedOrStored r = e->try_load_or_store(value);
      return {r.actual->value, r.loaded};
    }
    if (Entry* e = s_->dirty.get(key)) {
      typename Entry::LoadedOrStored r = e->try_load_or_store(value);
      miss_locked();
      return {r.actual->value, r.loaded};
    }
    add_key_locked(read, key, gc::make<Box>(value));
    return {value, false};
  }

  // value, loaded := m.LoadAndDelete(key)
  SyncMapResult<V> load_and_delete(const lookup_type& key) const {
    Entry* e = find(key, DirtyHit::remove);
    Box* b = e != nullptr ? e->erase() : nullptr;
    return result(b);
  }

  // m.Delete(key)
  void erase(const lookup_type& key) const { load_and_delete(key); }

  // swapped := m.CompareAndSwap(key, old, desired): false when the key is
  // missing or its value is not equal to old.
  bool compare_and_swap(const lookup_type& key, const V& old, const V& desired) const {
    static_assert(std::equality_comparable<V>,
                  "gort::SyncMap::compare_and_swap: the value type must be equality comparable");
    ReadOnly* read = s_->read.load();
    if (Entry* e = read->m.get(key)) return e->compare_and_swap(old, &desired);
    if (!read->amended) return false;
    std::lock_guard lock(s_->mu);
    read = s_->read.load();
    if (Entry* e = read->m.get(key)) return e->compare_and_swap(old, &desired);
    Entry* e = s_->dirty.get(key);
    if (e == nullptr) return false;
    bool swapped = e->compare_and_swap(old, &desired);
    // The set of keys did not change: count a miss, toward the promotion
    // that makes this key lock-free.
    miss_locked();
    return swapped;
  }

  // deleted := m.CompareAndDelete(key, old): false when the key is missing
  // or its value is not equal to old.
  bool compare_and_delete(const lookup_type& key, const V& old) const {
    static_assert(std::equality_comparable<V>,
                  "gort::SyncMap::compare_and_delete: the value type must be equality comparable");
    // The key stays in the dirty map even if deleted: it is expunged when
    // the dirty map is next rebuilt.
    Entry* e = find(key, DirtyHit::keep);
    return e != nullptr && e->compare_and_swap(old, nullptr);
  }

  // m.Range(f): f(key, value) for each key present; stops when f returns false.
  template <class F>
  void range(F&& f) const {
    static_assert(std::is_invocable_r_v<bool, F&, const K&, const V&>,
                  "gort::SyncMap::range: f must be callable as bool(const K&, const V&)");
    ReadOnly* read = s_->read.load();
    if (read->amended) {
      std::lock_guard lock(s_->mu);
      if (s_->read.load()->amended) promote_locked();
      read = s_->read.load();
    }
    for (auto [key, e] : read->m) {
      Box* b = e->load();
      if (b == nullptr) continue;
      if (!f(static_cast<const K&>(key), static_cast<const V&>(b->value))) break;
    }
  }

 private:
  enum class DirtyHit { keep, remove };

  static SyncMapResult<V> result(Box* previous) {
    if (previous == nullptr) return {V(), false};
    return {previous->value, true};
  }

  // The key's entry (null if none): from `read` without a lock, else, while
  // `read` is amended, from `dirty` with the mutex held, counting a miss
  // whether or not the key is there (it will keep taking this path until
  // the next promotion). Go's Load, LoadAndDelete and CompareAndDelete.
  Entry* find(const lookup_type& key, DirtyHit hit) const {
    ReadOnly* read = s_->read.load();
    Entry* e = read->m.get(key);
    if (e != nullptr || !read->amended) return e;
    std::lock_guard lock(s_->mu);
    // Promoted while we waited for the lock? Then this is no miss.
    read = s_->read.load();
    e = read->m.get(key);
    if (e != nullptr || !read->amended) return e;
    e = s_->dirty.get(key);
    if (hit == DirtyHit::remove) s_->dirty.erase(key);
    miss_locked();
    return e;
  }

  void miss_locked() const {
    if (++s_->misses < static_cast<std::int64_t>(s_->dirty.size())) return;
    promote_locked();
  }

  void promote_locked() const {
    s_->read.store(gc::make<ReadOnly>(s_->dirty, false));
    s_->dirty = Table();
    s_->misses = 0;
  }

  // A key in neither map: a new entry in `dirty`, rebuilt first if needed.
  void add_key_locked(ReadOnly* read, const K& key, Box* box) const {
    if (!read->amended) {
      rebuild_dirty_locked(read);
      s_->read.store(gc::make<ReadOnly>(read->m, true));
    }
    s_->dirty.set(key, gc::make<Entry>(box));
  }

  // After a promotion: the new dirty map is `read` minus its deleted
  // entries, which become expunged (Go's dirtyLocked).
  void rebuild_dirty_locked(ReadOnly* read) const {
    if (!s_->dirty.is_nil()) return;
    s_->dirty = make_map<K, gc::Ptr<Entry>>(static_cast<std::int64_t>(read->m.size()));
    for (auto [key, e] : read->m)
      if (!e->try_expunge_locked()) s_->dirty.set(key, e);
  }

  gc::Ptr<State> s_;
};

}  // namespace gort
