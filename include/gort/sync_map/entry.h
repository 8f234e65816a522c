// gort/sync_map/entry.h — one key's slot of a SyncMap (Go's sync.entry).
//
// An entry is a GC object shared by the read-only map and the dirty map. Its
// one word `p` says what the key holds:
//
//   a box        the value: a GC object (maps::detail::Boxed<V>) made for
//                each store and never changed afterwards, so a reader that
//                loaded the pointer may copy the value at leisure;
//   null         deleted; the dirty map is nil or holds this entry;
//   expunged     deleted, and the dirty map exists and does not hold it
//                (a static sentinel outside the heap: the collector skips it).
//
// p changes only by compare-and-swap: between boxes and null through the
// write barrier (gort/sync_map/atomic_pointer.h), between null and expunged
// without one (neither is a heap object). Loads are acquire loads, so the
// box a reader sees is fully constructed.
#pragma once

#include "gort/gc.h"
#include "gort/maps/bucket.h"
#include "gort/sync_map/atomic_pointer.h"

namespace gort::detail {

inline constinit char g_sync_map_expunged_sentinel = 0;
inline void* sync_map_expunged() noexcept { return &g_sync_map_expunged_sentinel; }

template <class V>
class SyncMapEntry {
 public:
  using Box = maps::detail::Boxed<V>;

  // A fresh entry (itself a GC object) holding box: an initialising store.
  explicit SyncMapEntry(Box* box) { gc::detail::init_pointer(&p_, box); }

  // The box, or null when deleted or expunged (Go's entry.load).
  Box* load() const noexcept {
    void* p = load_pointer(&p_);
    return p == sync_map_expunged() ? nullptr : static_cast<Box*>(p);
  }
  bool expunged() const noexcept { return load_pointer(&p_) == sync_map_expunged(); }

  // Stores v unless the entry is expunged; returns the box it replaced (null
  // if the entry was deleted) and whether it stored (Go 1.20's trySwap).
  struct Swapped {
    Box* previous;
    bool stored;
  };
  Swapped try_swap(Box* fresh) noexcept {
    for (;;) {
      void* p = load_pointer(&p_);
      if (p == sync_map_expunged()) return {nullptr, false};
      if (compare_and_swap_pointer(&p_, p, fresh)) return {static_cast<Box*>(p), true};
    }
  }

  // The entry's value if it has one; else stores v, unless expunged (Go's
  // tryLoadOrStore). The box is allocated only when it is needed.
  struct LoadedOrStored {
    Box* actual;  // the value found or stored; null when expunged
    bool loaded;
  };
  LoadedOrStored try_load_or_store(const V& v) {
    void* p = load_pointer(&p_);
    if (p == sync_map_expunged()) return {nullptr, false};
    if (p != nullptr) return {static_cast<Box*>(p), true};
    Box* fresh = gc::make<Box>(v);
    for (;;) {
      if (compare_and_swap_pointer(&p_, nullptr, fresh)) return {fresh, false};
      p = load_pointer(&p_);
      if (p == sync_map_expunged()) return {nullptr, false};
      if (p != nullptr) return {static_cast<Box*>(p), true};
    }
  }

  // Deletes the value if there is one; returns its box (Go's entry.delete).
  Box* erase() noexcept {
    for (;;) {
      void* p = load_pointer(&p_);
      if (p == nullptr || p == sync_map_expunged()) return nullptr;
      if (compare_and_swap_pointer(&p_, p, nullptr)) return static_cast<Box*>(p);
    }
  }

  // Replaces the value with *desired if it equals old (Go 1.20's
  // tryCompareAndSwap); desired == null deletes instead (CompareAndDelete).
  // The new box is allocated once the first comparison has passed.
  bool compare_and_swap(const V& old, const V* desired) {
    Box* fresh = nullptr;
    for (;;) {
      void* p = load_pointer(&p_);
      if (p == nullptr || p == sync_map_expunged() || !(static_cast<Box*>(p)->value == old)) return false;
      if (desired != nullptr && fresh == nullptr) fresh = gc::make<Box>(*desired);
      if (compare_and_swap_pointer(&p_, p, fresh)) return true;
    }
  }

  // With the map's mutex held. Makes an expunged entry deleted-but-present,
  // for the caller to put back into the dirty map (Go's unexpungeLocked).
  bool unexpunge_locked() noexcept { return plain_compare_and_swap(&p_, sync_map_expunged(), nullptr); }

  // With the map's mutex held, while copying the read map into a new dirty
  // map: a deleted entry becomes expunged and is left out (Go's
  // tryExpungeLocked). Returns whether the entry is expunged.
  bool try_expunge_locked() noexcept {
    void* p = load_pointer(&p_);
    while (p == nullptr) {
      if (plain_compare_and_swap(&p_, nullptr, sync_map_expunged())) return true;
      p = load_pointer(&p_);
    }
    return p == sync_map_expunged();
  }

  void trace(gc::Tracer& t) const {
    void* p = load_pointer(&p_);
    if (p != sync_map_expunged()) t.visit(p);
  }

 private:
  void* p_ = nullptr;
};

}  // namespace gort::detail
