// gc/span.h — a span: a run of pages holding objects of one size, with its
// allocation and mark bitmaps on the side.
//
// A small-object span holds `nelems` slots of `elemsize` bytes (one size
// class); a large-object span holds one object. Its kind says how objects in
// it are scanned:
//   noscan  pointer-free objects of any type: never scanned;
//   typed   objects of one GC type (span->type) whose trace method lists
//           their pointers;
//   array   (later stage) arrays with a {type, count} header.
// Keeping one type per typed span means objects carry no header: the type
// of any object comes from its span.
//
// alloc_bits says which slots were live after the last sweep. Between
// sweeps, allocation hands out free slots in address order: `freeindex`
// is one past the last slot handed out, so a slot is allocated when its
// index is below freeindex or its alloc bit is set. mark_bits is set by the
// collector (atomically: several markers may race); sweeping makes the mark
// bits the new alloc bits and clears the marks.
//
// special_bits marks the slots that may have specials (a finalizer or weak
// pointers, gc/specials_table.h): set when one is added, cleared by the
// sweep when the object dies. The sweep looks up only those of the dead.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "gc/sizeclass.h"
#include "gort/gc.h"

namespace gort::gc {

enum class SpanKind : std::uint8_t { noscan, typed, array };

struct Central;

// The start of an object in an array span: element type and count.
struct ArrayHeader {
  const TypeInfo* elem;
  std::size_t count;
};
static_assert(sizeof(ArrayHeader) == 16);

struct Span {
  std::uintptr_t base = 0;
  std::uint32_t npages = 0;
  std::uint32_t elemsize = 0;  // slot size (large: the object's size)
  std::uint32_t nelems = 0;
  std::uint32_t div_mul = 0;  // reciprocal of elemsize (0 for large spans)
  std::uint8_t sizeclass = 0;  // 0: large
  SpanKind kind = SpanKind::noscan;
  bool in_use = false;
  bool in_cache = false;   // owned by a P's cache
  bool needzero = false;   // slots may hold old data: zero them on allocation
  bool on_partial = false;  // on its central's partial list
  const TypeInfo* type = nullptr;  // typed spans
  Central* central = nullptr;      // small spans
  Span* next = nullptr;            // central partial list
  Span* prev = nullptr;

  // Sweep state against Heap::sweepgen (sg, which grows by 2 per cycle):
  // sg-2 unswept, sg-1 being swept, sg swept (gc/sweep.cc).
  std::atomic<std::uint32_t> sweepgen{0};
  // The sweepgen at which the sweep last dealt with this span's dead
  // objects' specials (set before it clears any mark bit), and whether any
  // slot ever had a special (a span without is not looked at for them).
  std::atomic<std::uint32_t> specials_sg{0};
  std::atomic<bool> has_specials{false};

  // Allocation (by the owning cache only).
  std::uint32_t freeindex = 0;
  std::uint32_t cache_word = 0;     // word of alloc_bits that alloc_cache came from
  std::uint64_t alloc_cache = 0;    // free slots of that word not yet handed out
  std::uint32_t alloc_count = 0;    // allocated slots

  std::uint32_t nwords = 0;
  std::uint64_t* alloc_bits = nullptr;
  std::atomic<std::uint64_t>* mark_bits = nullptr;
  std::uint64_t* check_bits = nullptr;  // gccheckmark's own marks (allocated when used)
  std::uint64_t* special_bits = nullptr;  // slots that may have specials (atomic access)

  std::uintptr_t limit() const { return base + std::uintptr_t{nelems} * elemsize; }

  std::uint32_t index_of(std::uintptr_t addr) const {
    if (div_mul == 0) return 0;
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(addr - base) * div_mul) >> 32);
  }
  std::uintptr_t object_at(std::uint32_t idx) const { return base + std::uintptr_t{idx} * elemsize; }

  void note_special(std::uint32_t idx) {
    __atomic_fetch_or(&special_bits[idx / 64], std::uint64_t{1} << (idx % 64), __ATOMIC_RELAXED);
    if (!has_specials.load(std::memory_order_relaxed)) has_specials.store(true, std::memory_order_release);
  }

  bool allocated(std::uint32_t idx) const {
    return idx < __atomic_load_n(&freeindex, __ATOMIC_ACQUIRE) ||
           (alloc_bits[idx / 64] >> (idx % 64) & 1) != 0;
  }
  bool marked(std::uint32_t idx) const {
    return (mark_bits[idx / 64].load(std::memory_order_relaxed) >> (idx % 64) & 1) != 0;
  }
  // Sets the mark bit; true if this call set it (false for a slot already
  // marked or allocated black).
  bool try_mark(std::uint32_t idx) {
    std::atomic<std::uint64_t>& w = mark_bits[idx / 64];
    std::uint64_t bit = std::uint64_t{1} << (idx % 64);
    if ((w.load(std::memory_order_relaxed) & bit) != 0) return false;
    if (allocated_black(idx)) return false;
    return (w.fetch_or(bit, std::memory_order_relaxed) & bit) == 0;
  }

  // Allocate-black by range. While the collector marks, every slot a cache
  // hands out from this span is black: it survives the cycle and is never
  // scanned (what is stored into it goes through the write barrier). Rather
  // than set each new object's mark bit as it is handed out (a locked OR per
  // object while other slots of the word are unmarked: the largest cost of
  // allocating while marking), the owner notes where the black run starts:
  // the slots in [black_from, freeindex) that the last sweep left free
  // (alloc bit clear) are exactly those handed out since, and they count as
  // marked. A marker asks allocated_black() before it sets a bit. When the
  // span leaves its cache, and at mark termination for every cached span,
  // flush_black() moves the run into mark_bits (one locked OR per 64 slots)
  // and clears black_from; a marker that then reads kNoBlack (acquire) sees
  // the bits. A marker with a stale view only marks and scans a black object
  // it need not have: extra work, never a miss.
  static constexpr std::uint32_t kNoBlack = UINT32_MAX;
  std::atomic<std::uint32_t> black_from{kNoBlack};

  // By the owner, as the mark starts (world stopped) or as the span enters
  // its cache during the mark.
  void start_black() { black_from.store(freeindex, std::memory_order_release); }

  bool allocated_black(std::uint32_t idx) const {
    return idx >= black_from.load(std::memory_order_acquire) && idx < __atomic_load_n(&freeindex, __ATOMIC_ACQUIRE) &&
           (alloc_bits[idx / 64] >> (idx % 64) & 1) == 0;
  }

  // Marked, or allocated black and not yet flushed: what "marked" means to
  // a marker during the mark.
  bool marked_or_black(std::uint32_t idx) const { return marked(idx) || allocated_black(idx); }

  // By the owner (or with the world stopped): the black run into mark_bits.
  // Returns how many slots this set (a marker may have set some already).
  std::uint32_t flush_black() {
    const std::uint32_t from = black_from.load(std::memory_order_relaxed);
    if (from == kNoBlack) return 0;
    const std::uint32_t to = freeindex;
    std::uint32_t set = 0;
    for (std::uint32_t w = from / 64; std::uint64_t{w} * 64 < to; w++) {
      const std::uint32_t lo = w * 64 > from ? w * 64 : from;
      const std::uint32_t hi = to - w * 64 >= 64 ? w * 64 + 64 : to;
      if (lo >= hi) continue;
      std::uint64_t run = hi - lo >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (hi - lo)) - 1) << (lo % 64);
      run &= ~alloc_bits[w];
      if (run == 0) continue;
      std::uint64_t old = mark_bits[w].fetch_or(run, std::memory_order_relaxed);
      set += static_cast<std::uint32_t>(__builtin_popcountll(run & ~old));
    }
    black_from.store(kNoBlack, std::memory_order_release);
    return set;
  }

  // The next free slot, or nelems when the span is full. The slot counts as
  // allocated for the collector (allocated()) only once publish(idx) has
  // run: its owner first zeroes it (and writes an array's header), so that
  // a marker led to it by a stale stack word never reads what it held
  // before (a freed array's header, or the poison of gcpoison).
  std::uint32_t next_free() {
    while (alloc_cache == 0) {
      std::uint32_t w = cache_word + 1;
      if (std::uint64_t{w} * 64 >= nelems) {
        __atomic_store_n(&freeindex, nelems, __ATOMIC_RELEASE);
        return nelems;
      }
      cache_word = w;
      alloc_cache = ~alloc_bits[w];
    }
    std::uint32_t idx = cache_word * 64 + static_cast<std::uint32_t>(__builtin_ctzll(alloc_cache));
    if (idx >= nelems) {
      alloc_cache = 0;
      __atomic_store_n(&freeindex, nelems, __ATOMIC_RELEASE);
      return nelems;
    }
    alloc_cache &= alloc_cache - 1;
    alloc_count++;
    return idx;
  }
  void publish(std::uint32_t idx) { __atomic_store_n(&freeindex, idx + 1, __ATOMIC_RELEASE); }
  // Restarts allocation from slot 0 over the current alloc_bits.
  void reset_alloc_cursor() {
    freeindex = 0;
    cache_word = 0;
    alloc_cache = ~alloc_bits[0];
  }
  bool full() const { return alloc_count >= nelems; }
};

}  // namespace gort::gc
