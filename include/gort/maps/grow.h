// gort/maps/grow.h — growing a map: starting a grow (double or same size),
// and the incremental evacuation that every write does a little of
// (maps/README.md, "Growth").
#pragma once

#include <cstddef>
#include <cstdint>

#include "gort/maps/table.h"

namespace gort::maps::detail {

// Starts a grow: a new array, the current one becomes oldbuckets. Doubles
// when over the load factor, else keeps the size (too many overflow buckets).
// Nothing moves yet. Go's hashGrow.
template <class K, class V>
void hash_grow(Table<K, V>& h) {
  std::uint8_t bigger = 1;
  std::uint8_t flags = h.load_flags();
  if (!over_load_factor(h.count + 1, h.log2_buckets)) {
    bigger = 0;
    flags |= kSameSizeGrow;
  }
  Bucket<K, V>* pool;
  Bucket<K, V>* fresh = make_bucket_array<K, V>(static_cast<std::uint8_t>(h.log2_buckets + bigger), pool);
  // Iterators of the current array now iterate the old one.
  std::uint8_t iterating = flags & kIterator;
  flags &= static_cast<std::uint8_t>(~(kIterator | kOldIterator));
  if (iterating) flags |= kOldIterator;
  h.store_flags(flags);
  h.log2_buckets = static_cast<std::uint8_t>(h.log2_buckets + bigger);
  h.oldbuckets = h.buckets;
  h.buckets = fresh;
  h.nevacuate = 0;
  h.noverflow = 0;
  if (h.overflow.get() != nullptr) {
    if (h.oldoverflow.get() != nullptr) throw_bad_map_state();
    h.oldoverflow = h.overflow;
    h.overflow = nullptr;
  }
  h.next_overflow = pool;
}

// Moves nevacuate past the evacuated old buckets (at most 1024 ahead); ends
// the grow when all are. Go's advanceEvacuationMark.
template <class K, class V>
void advance_evacuation_mark(Table<K, V>& h, std::size_t old_count) {
  h.nevacuate++;
  std::size_t stop = h.nevacuate + 1024 < old_count ? h.nevacuate + 1024 : old_count;
  Bucket<K, V>* old = h.oldbuckets.get();
  while (h.nevacuate != stop && old[h.nevacuate].evacuated()) h.nevacuate++;
  if (h.nevacuate == old_count) {
    h.oldbuckets = nullptr;
    h.oldoverflow = nullptr;
    h.store_flags(h.load_flags() & static_cast<std::uint8_t>(~kSameSizeGrow));
  }
}

// Where an old bucket's entries go: a new bucket, its next free slot.
template <class K, class V>
struct EvacuationTarget {
  Bucket<K, V>* b;
  int i;
};

// Moves the entries of old bucket `oldbucket` (and its chain) into the new
// array: to the same index (X) or, when doubling, index + old count (Y) by
// the hash bit that the bigger mask adds. Go's evacuate.
template <class K, class V>
void evacuate(Table<K, V>& h, std::size_t oldbucket) {
  using B = Bucket<K, V>;
  B* first = h.oldbuckets.get() + oldbucket;
  std::size_t newbit = h.old_bucket_count();
  if (!first->evacuated()) {
    bool same_size = h.same_size_grow();
    EvacuationTarget<K, V> xy[2] = {{h.buckets.get() + oldbucket, 0}, {nullptr, 0}};
    if (!same_size) xy[1] = {h.buckets.get() + oldbucket + newbit, 0};
    for (B* b = first; b != nullptr; b = b->overflow.get()) {
      for (int i = 0; i < kBucketCnt; i++) {
        std::uint8_t top = b->tophash[i];
        if (is_empty(top)) {
          b->tophash[i] = kEvacuatedEmpty;
          continue;
        }
        if (top < kMinTopHash) throw_bad_map_state();
        int use_y = 0;
        if (!same_size) {
          const K& k = b->key(i);
          std::uint64_t hash = MapKey<K>::hash(k, h.seed);
          use_y = (hash & newbit) != 0 ? 1 : 0;
          if constexpr (!reflexive<K>()) {
            if ((h.load_flags() & kIterator) != 0 && !MapKey<K>::equal(k, k)) {
              // k != k (NaN): its hash is random, so an iterator could not
              // tell where it went; the tophash's low bit decides instead,
              // and the entry gets a fresh tophash.
              use_y = top & 1;
              top = tophash_of(hash);
            }
          }
        }
        b->tophash[i] = static_cast<std::uint8_t>(kEvacuatedX + use_y);
        EvacuationTarget<K, V>& dst = xy[use_y];
        if (dst.i == kBucketCnt) {
          dst.b = new_overflow(h, dst.b);
          dst.i = 0;
        }
        dst.b->tophash[dst.i] = top;
        slot_copy<K>(dst.b->key_slot(dst.i), b->key_slot(i));
        slot_copy<V>(dst.b->value_slot(dst.i), b->value_slot(i));
        dst.i++;
      }
    }
    // Unless an iterator may still read the old array, drop what the old
    // bucket references so the collector can free it early.
    if constexpr (B::kScan) {
      if ((h.load_flags() & kOldIterator) == 0) {
        first->overflow = nullptr;
        for (int i = 0; i < kBucketCnt; i++) {
          slot_clear<K>(first->key_slot(i));
          slot_clear<V>(first->value_slot(i));
        }
      }
    }
  }
  if (oldbucket == h.nevacuate) advance_evacuation_mark(h, newbit);
}

// A write's share of the grow: the old bucket the write touches, then one
// more at the evacuation mark. Go's growWork.
template <class K, class V>
void grow_work(Table<K, V>& h, std::size_t bucket) {
  evacuate(h, bucket & (h.old_bucket_count() - 1));
  if (h.growing()) evacuate(h, h.nevacuate);
}

}  // namespace gort::maps::detail
