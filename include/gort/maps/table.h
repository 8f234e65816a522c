// gort/maps/table.h — the map's header object (Go's hmap) and what every
// operation shares: sizing, the flags, bucket arrays with their overflow pool,
// chaining an overflow bucket, finding a key. maps/README.md explains the
// algorithm.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "gort/gc.h"
#include "gort/maps/bucket.h"
#include "gort/maps/hash.h"

namespace gort::maps::detail {

// ---- flags (Go's hmap.flags) ------------------------------------------------------------
enum : std::uint8_t {
  kIterator = 1,      // an iterator may be using buckets
  kOldIterator = 2,   // an iterator may be using oldbuckets
  kHashWriting = 4,   // a write is in progress
  kSameSizeGrow = 8,  // the current grow keeps the size
};

// ---- failures (maps/failures.cc) -----------------------------------------------------------
// Go's fatal errors for concurrent misuse: printed on the g0 stack with every
// goroutine, exit 2; nothing can recover or catch them.
[[noreturn, gnu::cold]] void fatal_concurrent_writes();
[[noreturn, gnu::cold]] void fatal_concurrent_read_write();
[[noreturn, gnu::cold]] void fatal_concurrent_iteration_write();
[[noreturn, gnu::cold]] void fatal_concurrent_clone_write();
// A map written (or made, or cloned) where the runtime cannot allocate or
// run write barriers for it: on a thread the runtime does not own, or inside
// gort::blocking. `op` names the call ("gort::Map::set").
bool on_runtime_thread() noexcept;
[[noreturn, gnu::cold]] void fatal_off_runtime_thread(const char* op);
// Go's recoverable panic `assignment to entry in nil map` (a gort::RuntimeError).
[[noreturn, gnu::cold]] void panic_nil_map_assignment();
// A broken table invariant (Go's throw("bad map state")).
[[noreturn, gnu::cold]] void throw_bad_map_state();

// ---- sizing (maps/sizing.cc) -----------------------------------------------------------------
// More than 6.5 entries per bucket on average (Go's overLoadFactor).
inline bool over_load_factor(std::size_t count, std::uint8_t b) {
  return count > kBucketCnt && count > 13 * ((std::size_t{1} << b) / 2);
}
// About as many overflow buckets as buckets (Go's tooManyOverflowBuckets).
inline bool too_many_overflow_buckets(std::uint16_t noverflow, std::uint8_t b) {
  if (b > 15) b = 15;
  return noverflow >= static_cast<std::uint16_t>(std::uint32_t{1} << b);
}
// The log2 bucket count for a size hint (negative or absurd hints: 0).
std::uint8_t bucket_shift_for_hint(std::int64_t hint, std::size_t bucket_size);
// Buckets in an array of 2^b: 2^b, plus 2^(b-4) preallocated overflow buckets when b >= 4.
inline std::size_t bucket_array_length(std::uint8_t b) {
  std::size_t n = std::size_t{1} << b;
  return b >= 4 ? n + (std::size_t{1} << (b - 4)) : n;
}
inline std::size_t bucket_mask(std::uint8_t b) { return (std::size_t{1} << b) - 1; }

// ---- the header ---------------------------------------------------------------------------------
// The overflow buckets of a noscan bucket array, which the collector cannot
// find through the array (Go's mapextra.overflow). Iterators hold on to it.
struct AnyBucket;
struct OverflowList {
  gc::Slice<gc::Ptr<AnyBucket>> buckets;
  void trace(gc::Tracer& t) const { t(buckets); }
};
// Appends bucket to *list, creating the list first if there is none.
void overflow_list_append(gc::Ptr<OverflowList>& list, void* bucket);
// Creates an empty list in *list (an iterator holds it from its start).
void overflow_list_create(gc::Ptr<OverflowList>& list);

struct TableHeader {
  std::size_t count = 0;              // live entries
  std::uint8_t log2_buckets = 0;      // Go's B
  std::uint16_t noverflow = 0;        // overflow buckets (approximate when B >= 16)
  std::uint32_t clear_seq = 0;        // bumped by clear: iterators re-check what they find
  std::uint64_t seed = 0;             // hash seed, re-randomized when the map empties
  // In a word of its own: stored twice per write, and next to B (read right
  // after the first store) it cost a delete about 50 ns (bench/README.md).
  alignas(8) std::atomic<std::uint8_t> flags{0};

  // Plain (relaxed) accesses, like Go's: the check is best effort.
  std::uint8_t load_flags() const { return flags.load(std::memory_order_relaxed); }
  void store_flags(std::uint8_t f) { flags.store(f, std::memory_order_relaxed); }
  bool writing() const { return (load_flags() & kHashWriting) != 0; }
  bool same_size_grow() const { return (load_flags() & kSameSizeGrow) != 0; }
  // Go's `h.flags ^= hashWriting`: two racing writers tend to cancel each
  // other's bit, which the check after the write then sees.
  void toggle_writing() { store_flags(load_flags() ^ kHashWriting); }
  void end_writing() {
    std::uint8_t f = load_flags();
    if ((f & kHashWriting) == 0) [[unlikely]] fatal_concurrent_writes();
    store_flags(f & ~kHashWriting);
  }
  void incr_noverflow();
  void mark_iterating() {
    constexpr std::uint8_t both = kIterator | kOldIterator;
    if ((load_flags() & both) != both) flags.fetch_or(both, std::memory_order_relaxed);
  }
};

template <class K, class V>
struct Table : TableHeader {
  using B = Bucket<K, V>;
  gc::Ptr<B> buckets;     // 2^log2_buckets buckets (+ the overflow pool); null until the first insert
  gc::Ptr<B> oldbuckets;  // the previous array while growing
  std::size_t nevacuate = 0;   // old buckets below this are evacuated
  gc::Ptr<B> next_overflow;    // the next free bucket of the preallocated pool
  gc::Ptr<OverflowList> overflow, oldoverflow;  // noscan arrays only

  void trace(gc::Tracer& t) const {
    t(buckets);
    t(oldbuckets);
    t(next_overflow);
    t(overflow);
    t(oldoverflow);
  }

  bool growing() const { return oldbuckets.get() != nullptr; }
  std::size_t old_bucket_count() const {
    std::uint8_t b = log2_buckets;
    return same_size_grow() ? std::size_t{1} << b : std::size_t{1} << (b - 1);
  }
};

// A fresh array of 2^b buckets plus its overflow pool (Go's makeBucketArray).
// The pool's last bucket points back at the array: "end of the pool".
template <class K, class V>
Bucket<K, V>* make_bucket_array(std::uint8_t b, Bucket<K, V>*& pool) {
  using B = Bucket<K, V>;
  std::size_t base = std::size_t{1} << b, n = bucket_array_length(b);
  B* arr = new_bucket_array<B>(n);
  pool = nullptr;
  if (n != base) {
    pool = arr + base;
    arr[n - 1].overflow = arr;
  }
  return arr;
}

// Chains a new overflow bucket after b, from the pool when it has one (Go's newoverflow).
template <class K, class V>
Bucket<K, V>* new_overflow(Table<K, V>& h, Bucket<K, V>* b) {
  using B = Bucket<K, V>;
  B* ovf = h.next_overflow.get();
  if (ovf != nullptr) {
    if (ovf->overflow.get() == nullptr) {
      h.next_overflow = ovf + 1;
    } else {  // the pool's last bucket
      ovf->overflow = nullptr;
      h.next_overflow = nullptr;
    }
  } else {
    ovf = new_bucket_array<B>(1);
  }
  h.incr_noverflow();
  if constexpr (!B::kScan) overflow_list_append(h.overflow, ovf);
  b->overflow = ovf;
  return ovf;
}

// Where a key with this hash lives now: its bucket of the current array, or
// of the old array while that one is not yet evacuated.
template <class K, class V>
[[gnu::always_inline]] inline Bucket<K, V>* home_bucket(const Table<K, V>& h, std::uint64_t hash) {
  std::size_t m = bucket_mask(h.log2_buckets);
  Bucket<K, V>* b = h.buckets.get() + (hash & m);
  if (Bucket<K, V>* old = h.oldbuckets.get(); old != nullptr) [[unlikely]] {
    if (!h.same_size_grow()) m >>= 1;
    Bucket<K, V>* ob = old + (hash & m);
    if (!ob->evacuated()) b = ob;
  }
  return b;
}

// An entry's bucket and slot; b == nullptr: not found.
template <class K, class V>
struct SlotRef {
  Bucket<K, V>* b;
  int i;
};

// Asks for the rest of a bucket while its tophash loads: the key and the
// value a hit reads are in its second and third cache lines, and fetched in
// parallel they cost one memory latency instead of three.
template <class K, class V>
[[gnu::always_inline]] inline void prefetch_bucket(const Bucket<K, V>* b, bool for_write = false) {
  const char* p = reinterpret_cast<const char*>(b);
  for (std::size_t off = 64; off < sizeof(Bucket<K, V>); off += 64) {
    if (for_write) __builtin_prefetch(p + off, 1);
    else __builtin_prefetch(p + off, 0);
  }
}

// Finds the entry with key q in the chain starting at b (tophash first,
// then the key; stops at an emptyRest).
template <class K, class V, class Q>
[[gnu::always_inline]] inline SlotRef<K, V> find_in_chain(Bucket<K, V>* b, std::uint8_t top, const Q& q) {
  for (;;) {
    std::uint64_t w = b->tophash_word();
    for (std::uint64_t m = bytes_equal(w, top); m != 0; m &= m - 1) {
      int i = first_byte(m);
      if (MapKey<K>::equal(b->key(i), q)) [[likely]] return {b, i};
    }
    // The chain goes on only if there is an overflow bucket and no
    // emptyRest here. Overflow buckets are rare, so testing for one first is
    // the branch the CPU predicts well (a mispredicted branch on the tophash
    // would wait for its load and stall the lookups behind this one).
    Bucket<K, V>* next = b->overflow.get();
    if (next == nullptr) [[likely]] return {nullptr, 0};
    if (zero_bytes(w) != 0) return {nullptr, 0};  // an emptyRest: the chain ends here
    b = next;
  }
}

// Go's mapaccessK: no concurrent-write check (iterators use it).
template <class K, class V, class Q>
[[gnu::always_inline]] inline SlotRef<K, V> find_entry(const Table<K, V>& h, const Q& q) {
  if (h.count == 0) return {nullptr, 0};
  std::uint64_t hash = MapKey<K>::hash(q, h.seed);
  Bucket<K, V>* b = home_bucket(h, hash);
  prefetch_bucket(b);
  return find_in_chain(b, tophash_of(hash), q);
}

}  // namespace gort::maps::detail
