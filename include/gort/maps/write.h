// gort/maps/write.h — the writes: assign (Go's mapassign), erase (mapdelete),
// clear (mapclear) and clone. Each checks the hashWriting flag on entry,
// hashes, toggles the flag, works, and checks it again (maps/README.md,
// "Concurrent misuse").
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "gort/maps/grow.h"
#include "gort/maps/table.h"

namespace gort::maps::detail {

// One mask bit per slot whose tophash is emptyRest or emptyOne.
inline std::uint64_t empty_slots(std::uint64_t tophash_word) {
  return zero_bytes(tophash_word & 0xfefefefefefefefeull);
}

template <class K, class V>
void assign(Table<K, V>* hp, const K& key, const V& value) {
  using B = Bucket<K, V>;
  if (hp == nullptr) panic_nil_map_assignment();
  Table<K, V>& h = *hp;
  if (h.writing()) fatal_concurrent_writes();
  const lookup_t<K>& probe = key;
  std::uint64_t hash = MapKey<K>::hash(probe, h.seed);
  // Set after hashing: a hash function that panics leaves the map usable.
  h.toggle_writing();
  if (h.buckets.get() == nullptr) [[unlikely]]
    h.buckets = new_bucket_array<B>(1);
  std::uint8_t top = tophash_of(hash);
  for (;;) {
    std::size_t bucket = hash & bucket_mask(h.log2_buckets);
    if (h.growing()) [[unlikely]]
      grow_work(h, bucket);
    B* b = h.buckets.get() + bucket;
    prefetch_bucket(b, true);
    B* insert_b = nullptr;
    int insert_i = 0;
    for (;;) {
      std::uint64_t w = b->tophash_word();
      for (std::uint64_t m = bytes_equal(w, top); m != 0; m &= m - 1) {
        int i = first_byte(m);
        K& k = b->key(i);
        if (!MapKey<K>::equal(k, probe)) continue;
        if constexpr (update_on_overwrite<K>()) k = key;
        b->value(i) = value;
        h.end_writing();
        return;
      }
      if (insert_b == nullptr) {
        if (std::uint64_t e = empty_slots(w); e != 0) {
          insert_b = b;
          insert_i = first_byte(e);
        }
      }
      if (zero_bytes(w) != 0) break;  // emptyRest: the key is not in the chain
      B* next = b->overflow.get();
      if (next == nullptr) break;
      b = next;
    }
    // A new key. Grow first if the table is full or has too many overflow
    // buckets (and is not growing already); then look again.
    if (!h.growing() && (over_load_factor(h.count + 1, h.log2_buckets) ||
                         too_many_overflow_buckets(h.noverflow, h.log2_buckets))) {
      hash_grow(h);
      continue;
    }
    if (insert_b == nullptr) {  // every slot of the chain is taken
      insert_b = new_overflow(h, b);
      insert_i = 0;
    }
    slot_construct<K>(insert_b->key_slot(insert_i), key);
    slot_construct<V>(insert_b->value_slot(insert_i), value);
    insert_b->tophash[insert_i] = top;
    h.count++;
    h.end_writing();
    return;
  }
}

// In tophash word w, where slot i has just become emptyOne and `after` is
// the tophash of the chain's next slot: if that is emptyRest, slot i and the
// emptyOne slots just before it become emptyRest too. Branch-free (the
// states are data the CPU cannot predict). *to_slot0: the run reached slot 0.
inline std::uint64_t mark_empty_rest(std::uint64_t w, int i, std::uint8_t after, bool* to_slot0) {
  std::uint64_t upto = ~std::uint64_t{0} >> (56 - 8 * i);  // slots 0..i
  std::uint64_t not_empty_one = ~bytes_equal(w, kEmptyOne) & 0x8080808080808080ull & upto;
  int run_start = not_empty_one != 0 ? ((63 - __builtin_clzll(not_empty_one)) >> 3) + 1 : 0;
  std::uint64_t run = upto & (~std::uint64_t{0} << (8 * run_start));
  bool rest = after == kEmptyRest;
  *to_slot0 = rest && run_start == 0;
  return rest ? w & ~run : w;  // emptyRest is 0
}

// The rare continuation of mark_empty_rest into the chain's earlier buckets,
// once slot 0 of b became emptyRest.
template <class K, class V>
[[gnu::noinline]] void mark_empty_rest_before(Bucket<K, V>* first, Bucket<K, V>* b) {
  while (b != first) {
    Bucket<K, V>* c = b;
    for (b = first; b->overflow.get() != c; b = b->overflow.get()) {
    }
    for (int i = kBucketCnt - 1; i >= 0; i--) {
      if (b->tophash[i] != kEmptyOne) return;
      b->tophash[i] = kEmptyRest;
    }
  }
}

// Empties slot i of b, whose chain starts at first, and keeps the emptyRest
// invariant: if nothing follows the slot, it and the emptyOne slots before it
// become emptyRest.
template <class K, class V>
[[gnu::always_inline]] inline void remove_entry(Table<K, V>& h, Bucket<K, V>* first, Bucket<K, V>* b, int i) {
  using B = Bucket<K, V>;
  if constexpr (has_gc_pointers<typename B::KS>) slot_clear<K>(b->key_slot(i));
  slot_clear<V>(b->value_slot(i));  // always, as Go: a reused slot reads as zero
  std::uint64_t w = b->tophash_word();
  w = (w & ~(std::uint64_t{0xff} << (8 * i))) | (std::uint64_t{kEmptyOne} << (8 * i));
  B* next = b->overflow.get();
  std::uint8_t next_first = next != nullptr ? next->tophash[0] : std::uint8_t{kEmptyRest};
  std::uint8_t after = i < kBucketCnt - 1 ? static_cast<std::uint8_t>(w >> (8 * i) >> 8) : next_first;
  bool to_slot0;
  b->set_tophash_word(mark_empty_rest(w, i, after, &to_slot0));
  if (to_slot0 && b != first) [[unlikely]]
    mark_empty_rest_before(first, b);
  h.count--;
  // An empty map takes a fresh seed, so an attacker who learned collisions
  // of the old one cannot keep using them.
  if (h.count == 0) h.seed = random64();
}

template <class K, class V>
void erase(Table<K, V>* hp, const lookup_t<K>& probe) {
  using B = Bucket<K, V>;
  if (hp == nullptr || hp->count == 0) return;
  Table<K, V>& h = *hp;
  if (h.writing()) fatal_concurrent_writes();
  std::uint64_t hash = MapKey<K>::hash(probe, h.seed);
  h.toggle_writing();
  std::size_t bucket = hash & bucket_mask(h.log2_buckets);
  if (h.growing()) grow_work(h, bucket);
  B* first = h.buckets.get() + bucket;
  prefetch_bucket(first, true);
  SlotRef<K, V> s = find_in_chain(first, tophash_of(hash), probe);
  if (s.b != nullptr) remove_entry(h, first, s.b, s.i);
  h.end_writing();
}

// Empties every bucket of an array, through the barrier where slots hold
// GC pointers.
template <class K, class V>
void zero_bucket_array(Bucket<K, V>* arr, std::size_t n) {
  using B = Bucket<K, V>;
  if constexpr (B::kScan) {
    for (std::size_t j = 0; j < n; j++) {
      B& b = arr[j];
      for (int i = 0; i < kBucketCnt; i++) {
        if (b.tophash[i] < kMinTopHash) continue;  // empty slots hold no pointers
        slot_clear<K>(b.key_slot(i));
        slot_clear<V>(b.value_slot(i));
      }
      b.overflow = nullptr;
      std::memset(b.tophash, 0, sizeof b.tophash);
    }
  } else {
    std::memset(static_cast<void*>(arr), 0, n * sizeof(B));
  }
}

// Go's mapclear: drops the grow and the overflow buckets, re-seeds, and
// zeroes the current array for reuse.
template <class K, class V>
void clear(Table<K, V>* hp) {
  if (hp == nullptr || hp->count == 0) return;
  Table<K, V>& h = *hp;
  if (h.writing()) fatal_concurrent_writes();
  h.toggle_writing();
  h.store_flags(h.load_flags() & static_cast<std::uint8_t>(~kSameSizeGrow));
  h.oldbuckets = nullptr;
  h.nevacuate = 0;
  h.noverflow = 0;
  h.count = 0;
  h.seed = random64();
  h.clear_seq++;
  h.overflow = nullptr;
  h.oldoverflow = nullptr;
  if (Bucket<K, V>* arr = h.buckets.get(); arr != nullptr) {
    std::size_t n = bucket_array_length(h.log2_buckets);
    zero_bucket_array(arr, n);
    Bucket<K, V>* pool = nullptr;
    if (n != bucket_mask(h.log2_buckets) + 1) {
      pool = arr + (bucket_mask(h.log2_buckets) + 1);
      arr[n - 1].overflow = arr;
    }
    h.next_overflow = pool;
  }
  h.end_writing();
}

// A new table for about `hint` entries (Go's makemap).
template <class K, class V>
Table<K, V>* new_table(std::int64_t hint) {
  auto* h = gc::make<Table<K, V>>();
  h->seed = random64();
  h->log2_buckets = bucket_shift_for_hint(hint, sizeof(Bucket<K, V>));
  if (h->log2_buckets != 0) {
    Bucket<K, V>* pool;
    h->buckets = make_bucket_array<K, V>(h->log2_buckets, pool);
    h->next_overflow = pool;
  }
  return h;
}

// Puts an entry known to be absent into the first free slot of its chain
// (the table is sized for it: no grow).
template <class K, class V>
void insert_absent(Table<K, V>& h, const typename Bucket<K, V>::KS* key, const typename Bucket<K, V>::VS* value) {
  using B = Bucket<K, V>;
  std::uint64_t hash = MapKey<K>::hash(slot_value<K>(const_cast<typename B::KS*>(key)), h.seed);
  if (h.buckets.get() == nullptr) h.buckets = new_bucket_array<B>(1);
  B* b = h.buckets.get() + (hash & bucket_mask(h.log2_buckets));
  int i;
  for (;;) {
    if (std::uint64_t e = empty_slots(b->tophash_word()); e != 0) {
      i = first_byte(e);
      break;
    }
    B* next = b->overflow.get();
    if (next == nullptr) {
      b = new_overflow(h, b);
      i = 0;
      break;
    }
    b = next;
  }
  slot_copy<K>(b->key_slot(i), key);
  if constexpr (stored_indirectly<V>) slot_construct<V>(b->value_slot(i), slot_value<V>(const_cast<typename B::VS*>(value)));
  else slot_copy<V>(b->value_slot(i), value);
  b->tophash[i] = tophash_of(hash);
  h.count++;
}

// Calls f(key slot, value slot) for every live entry of the chain at b.
template <class K, class V, class F>
void for_each_in_chain(Bucket<K, V>* b, F& f) {
  for (; b != nullptr; b = b->overflow.get())
    for (int i = 0; i < kBucketCnt; i++)
      if (b->tophash[i] >= kMinTopHash) f(b->key_slot(i), b->value_slot(i));
}

// Go's maps.Clone: a new map with the same entries. Values are copied (big
// ones into boxes of their own); keys, immutable in a map, share their box.
template <class K, class V>
Table<K, V>* clone(Table<K, V>* hp) {
  if (hp == nullptr) return nullptr;
  Table<K, V>& h = *hp;
  if (h.writing()) fatal_concurrent_clone_write();
  Table<K, V>* c = new_table<K, V>(static_cast<std::int64_t>(h.count));
  auto copy = [c](const typename Bucket<K, V>::KS* k, const typename Bucket<K, V>::VS* v) {
    insert_absent(*c, k, v);
  };
  // Every entry is either in an old bucket not yet evacuated or in the new array.
  if (Bucket<K, V>* old = h.oldbuckets.get(); old != nullptr) {
    for (std::size_t j = 0, n = h.old_bucket_count(); j < n; j++)
      if (!old[j].evacuated()) for_each_in_chain(old + j, copy);
  }
  if (Bucket<K, V>* arr = h.buckets.get(); arr != nullptr) {
    for (std::size_t j = 0, n = bucket_mask(h.log2_buckets) + 1; j < n; j++) for_each_in_chain(arr + j, copy);
  }
  return c;
}

}  // namespace gort::maps::detail
