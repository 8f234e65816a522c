// gc/spanlist.h — a list of spans in fixed-size chunks, for the heap's
// list of spans in use and the sweeper's list of spans to sweep.
//
// Both lists are appended to under the heap lock, inside a no-suspend
// stretch (sweep_one puts back each span it swept; a new span is
// registered), so an append must never take long: a stop of the world waits
// for every no-suspend stretch to end. A std::vector reallocates and copies
// itself at each doubling; at 131,073 spans that took 2.8-5.1 ms inside
// sweep_one's stretch (bench/README.md, session 26), a stall of every stop
// that fell then. Here an append that finds its chunk full adds one chunk
// of kChunk pointers (32 KiB) and copies nothing; the chunks a list has
// used stay with it (clear keeps them), so once the heap has reached a span
// count, appends up to that count allocate nothing. Go's sweeper keeps its
// spans in chunked blocks (spanSet) too.
//
// Not synchronised: callers hold the heap lock, or read a list no one
// appends to (the sweeper's, between sweep_begin and the next one).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "base/alloc.h"
#include "base/fail.h"

namespace gort::gc {

struct Span;

class SpanList {
 public:
  static constexpr std::size_t kChunk = 4096;

  SpanList() = default;
  SpanList(const SpanList&) = delete;
  SpanList& operator=(const SpanList&) = delete;
  ~SpanList() {
    for (Span** c : chunks_) base::rt_free(c);
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Span* operator[](std::size_t i) const { return chunks_[i / kChunk][i % kChunk]; }

  void push_back(Span* s) {
    if (size_ == chunks_.size() * kChunk) add_chunk();
    chunks_[size_ / kChunk][size_ % kChunk] = s;
    size_++;
  }

  // Empties the list and keeps its chunks.
  void clear() { size_ = 0; }

  void swap(SpanList& other) noexcept {
    chunks_.swap(other.chunks_);
    std::swap(size_, other.size_);
  }

  class const_iterator {
   public:
    const_iterator(const SpanList* list, std::size_t i) : list_(list), i_(i) {}
    Span* operator*() const { return (*list_)[i_]; }
    const_iterator& operator++() {
      i_++;
      return *this;
    }
    bool operator!=(const const_iterator& o) const { return i_ != o.i_; }

   private:
    const SpanList* list_;
    std::size_t i_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

 private:
  void add_chunk() {
    void* mem = base::rt_alloc(kChunk * sizeof(Span*), alignof(Span*));
    if (mem == nullptr) gort::detail::throw_("runtime: out of memory");
    chunks_.push_back(static_cast<Span**>(mem));  // a pointer per chunk: 64 at 2 GB of 8 KiB spans
  }

  std::vector<Span**, base::RtAllocator<Span**>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace gort::gc
