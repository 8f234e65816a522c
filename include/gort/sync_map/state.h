// gort/sync_map/state.h — the GC objects behind a SyncMap handle: the shared
// state (Go's sync.Map struct) and the immutable read-only view (Go's
// readOnly). gort/sync_map.h has the algorithm.
#pragma once

#include <cstdint>

#include "gort/gc.h"
#include "gort/map.h"
#include "gort/sync.h"
#include "gort/sync_map/atomic_pointer.h"
#include "gort/sync_map/entry.h"

namespace gort::detail {

template <class K, class V>
using SyncMapTable = Map<K, gc::Ptr<SyncMapEntry<V>>>;

// Never changed once published: a new one replaces it.
template <class K, class V>
struct SyncMapReadOnly {
  SyncMapTable<K, V> m;  // nil when empty
  bool amended = false;  // the dirty map holds keys m does not
  SyncMapReadOnly(SyncMapTable<K, V> table, bool amended_) : m(table), amended(amended_) {}
  void trace(gc::Tracer& t) const { m.trace(t); }
};

template <class K, class V>
struct SyncMapState {
  Mutex mu;
  // Loaded without locks; stored only with mu held.
  PublishedPtr<SyncMapReadOnly<K, V>> read;
  // With mu held: every key of read.m that is not expunged, plus the new
  // ones (amended); nil until the first store of a new key after a
  // promotion.
  SyncMapTable<K, V> dirty;
  // With mu held: loads since the last promotion that had to lock mu.
  std::int64_t misses = 0;

  SyncMapState() { read.store(gc::make<SyncMapReadOnly<K, V>>(SyncMapTable<K, V>(), false)); }
  void trace(gc::Tracer& t) const {
    read.trace(t);
    dirty.trace(t);
  }
};

}  // namespace gort::detail
