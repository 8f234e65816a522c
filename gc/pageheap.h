// gc/pageheap.h — the collector's address space: one reserved arena, carved
// into 8 KiB pages (issue 4, stage 1).
//
// The arena is an exclusive mimalloc arena reserved up front and never used
// by mimalloc itself, so "is this word a heap pointer?" is a range check, and
// a page map (one entry per page) leads from any address to the span that
// owns it. The arena starts uncommitted (PROT_NONE): it is committed in
// 64 MiB chunks as the high-water mark rises. Free page runs are kept by
// address and coalesced; alloc_pages takes the lowest run that fits (keeping
// the heap compact, so that free memory gathers at the top).
#pragma once

#include <cstddef>
#include <cstdint>

#include "gc/sizeclass.h"

namespace gort::gc {

struct Span;

class PageHeap {
 public:
  // Reserves `reserve` bytes (rounded to 64 MiB) of address space.
  explicit PageHeap(std::size_t reserve);
  ~PageHeap();
  PageHeap(const PageHeap&) = delete;
  PageHeap& operator=(const PageHeap&) = delete;

  // n contiguous committed pages, or null when the arena is full. *fresh (if
  // given) says whether they read as zero: never used before, or released
  // to the OS since. Runs of 2 MiB and more that the OS faults in afresh
  // get transparent huge pages (pageheap.cc). Thread-safe.
  void* alloc_pages(std::size_t n, bool* fresh = nullptr);
  // Gives pages back (they become reusable; their memory is released to the
  // OS now when release is true). Thread-safe.
  void free_pages(void* p, std::size_t n, bool release);

  // Releases free pages (MADV_DONTNEED, highest first) until at most
  // keep_dirty_bytes of free memory stay resident, page by page (a run may
  // end up part released). Returns bytes released.
  std::size_t scavenge(std::size_t keep_dirty_bytes);
  // Free bytes whose memory is released (Go's HeapReleased).
  std::size_t released_bytes() const;

  bool contains(const void* p) const {
    auto a = reinterpret_cast<std::uintptr_t>(p);
    return a - base_ < size_;  // one compare: below base wraps around
  }
  // The span owning the page of p (set by the span layer), null if none or
  // not in the arena.
  //
  // Any thread looks pages up (a marker with a candidate pointer, a sweeper)
  // while an allocating thread may be setting the same entries (set_span, a
  // span being made or freed): the entries are relaxed atomics on both
  // sides, plain moves on x86-64, or the pair is a data race (found by
  // TSan). What the entry points to is published by Span::in_use (release
  // after set_span, acquire in Heap::span_of).
  Span* span_of(const void* p) const {
    if (!contains(p)) return nullptr;
    return __atomic_load_n(&page_map_[(reinterpret_cast<std::uintptr_t>(p) - base_) / kPageSize],
                           __ATOMIC_RELAXED);
  }
  void set_span(void* first_page, std::size_t n, Span* s);

  std::uintptr_t base() const { return base_; }
  std::size_t reserved_bytes() const { return size_; }
  std::size_t committed_bytes() const;
  std::size_t free_pages_count() const;

 private:
  // alloc_pages under the lock: the lowest free run that fits (*found_free;
  // *released_pages of them were released), else pages from the top.
  void* take_pages(std::size_t n, bool* found_free, std::size_t* released_pages);
  struct Impl;
  std::uintptr_t base_ = 0;
  std::size_t size_ = 0;
  Span** page_map_ = nullptr;
  Impl* impl_ = nullptr;
};

}  // namespace gort::gc
