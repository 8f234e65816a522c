// gc/slottable.h — pointer-sized slots for handles that live outside the
// heap: gc::Root (roots.cc, scanned every cycle). (gc::Weak has cells of its
// own, gc/specials_table.h.)
//
// Slots live in chunks that are never freed; a free slot holds the address
// of the next free slot (memory outside the heap, which every reader of the
// slots ignores), so a chunk can be walked word by word without knowing
// which slots are in use. Allocating and freeing a slot takes a short lock.
#pragma once

#include <cstddef>

#include "base/alloc.h"
#include "base/fail.h"
#include "base/lock.h"

namespace gort::gc {

class SlotTable {
 public:
  static constexpr std::size_t kPerChunk = 1023;
  struct Chunk {
    Chunk* next;
    void* slots[kPerChunk];
  };

  // A slot holding `value` (stored with release order).
  void** alloc(void* value) {
    base::Guard<base::Lock> g(lock);
    if (free_list_ == nullptr) {
      auto* c = static_cast<Chunk*>(base::rt_alloc(sizeof(Chunk), alignof(Chunk)));
      if (c == nullptr) gort::detail::throw_("runtime: out of memory (gc handles)");
      for (std::size_t i = 0; i < kPerChunk; i++)
        c->slots[i] = i + 1 < kPerChunk ? static_cast<void*>(&c->slots[i + 1]) : nullptr;
      free_list_ = &c->slots[0];
      __atomic_store_n(&c->next, chunks_, __ATOMIC_RELAXED);
      __atomic_store_n(&chunks_, c, __ATOMIC_RELEASE);
    }
    void** s = free_list_;
    free_list_ = static_cast<void**>(*s);
    __atomic_store_n(s, value, __ATOMIC_RELEASE);
    return s;
  }
  void free(void** slot) {
    base::Guard<base::Lock> g(lock);
    *slot = free_list_;
    free_list_ = slot;
  }
  // The chunks, newest first; new ones may appear while a walk runs (take
  // the lock to exclude that).
  Chunk* chunks() const { return __atomic_load_n(&chunks_, __ATOMIC_ACQUIRE); }

  base::Lock lock;

 private:
  Chunk* chunks_ = nullptr;
  void** free_list_ = nullptr;
};

}  // namespace gort::gc
