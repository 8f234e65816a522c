// gort/maps/iter.h — range-for over a map (Go's mapiterinit/mapiternext):
// a random start bucket and slot offset, correct across growth and writes
// made while iterating (maps/README.md, "Iteration").
//
// An iterator holds raw pointers into the table: keep it on a goroutine's
// stack (where range-for puts it), which the collector scans.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "gort/maps/table.h"

namespace gort::maps::detail {

template <class K, class V>
class Iterator {
 public:
  using B = Bucket<K, V>;
  struct End {};

  Iterator() = default;
  explicit Iterator(Table<K, V>* h) {
    if (h == nullptr || h->count == 0) return;
    h_ = h;
    log2_buckets_ = h->log2_buckets;
    buckets_ = h->buckets.get();
    // Go's mapiterinit (h.createOverflow): a noscan array's overflow
    // buckets are alive only through the table's overflow list, so the
    // iterator must hold the very list that overflow buckets added later go
    // into. Holding "no list" (null, before the first overflow) lost them:
    // created while iterating, dropped from the table when a grow finished,
    // freed, and then walked (map_fuzz, 2026-11-30: a poisoned key came back).
    // Concurrent iterators may both create a list; the loser's stays empty,
    // which is harmless as nothing may write while they iterate. Off the
    // runtime's threads nothing is created (no allocation there), and none
    // is needed: that thread cannot write the map while it iterates.
    if constexpr (!B::kScan) {
      if (h->overflow.get() == nullptr && on_runtime_thread()) overflow_list_create(h->overflow);
    }
    overflow_ = h->overflow.get();
    oldoverflow_ = h->oldoverflow.get();
    clear_seq_ = h->clear_seq;
    std::uint64_t r = random64();
    start_bucket_ = r & bucket_mask(log2_buckets_);
    offset_ = static_cast<std::uint8_t>((r >> log2_buckets_) & (kBucketCnt - 1));
    bucket_ = start_bucket_;
    h->mark_iterating();
    next();
  }

  // The current entry, copied (as Go's `for k, v := range m` copies).
  std::pair<K, V> operator*() const { return {*key_, *value_}; }
  const K& key() const { return *key_; }
  const V& value() const { return *value_; }
  Iterator& operator++() {
    next();
    return *this;
  }
  friend bool operator==(const Iterator& it, End) { return it.key_ == nullptr; }

 private:
  static constexpr std::size_t kNoCheck = ~std::size_t{0};

  // Go's mapiternext.
  void next() {
    Table<K, V>& h = *h_;
    if (h.writing()) fatal_concurrent_iteration_write();
    // The overflow lists must stay in this object's memory (on the stack)
    // for the collector to see them, though nothing reads them.
    asm volatile("" : : "m"(overflow_), "m"(oldoverflow_));
    std::size_t bucket = bucket_;
    B* b = bptr_;
    int i = i_;
    std::size_t check = check_bucket_;
    for (;;) {
      if (b == nullptr) {
        if (bucket == start_bucket_ && wrapped_) {  // the end
          key_ = nullptr;
          value_ = nullptr;
          return;
        }
        if (h.growing() && log2_buckets_ == h.log2_buckets) {
          // Started mid-grow, and the grow is not done: if this bucket's old
          // bucket is not evacuated yet, walk the old one, taking only the
          // entries that will move to this bucket.
          B* ob = h.oldbuckets.get() + (bucket & (h.old_bucket_count() - 1));
          if (!ob->evacuated()) {
            b = ob;
            check = bucket;
          } else {
            b = buckets_ + bucket;
            check = kNoCheck;
          }
        } else {
          b = buckets_ + bucket;
          check = kNoCheck;
        }
        bucket++;
        if (bucket == std::size_t{1} << log2_buckets_) {
          bucket = 0;
          wrapped_ = true;
        }
        i = 0;
      }
      if (check == kNoCheck && clear_seq_ == h.clear_seq) {
        // The common case: every live slot of this bucket is golden unless
        // the bucket was evacuated since. Take the next live slot from a
        // mask, with no branch on each slot's state.
        std::uint64_t w = b->tophash_word();
        if (evacuated_xy(w) == 0) {
          std::uint64_t live = live_slots(std::rotr(w, 8 * offset_)) & slots_from(i);
          if (live != 0) {
            int step = first_byte(live);
            int slot = (step + offset_) & (kBucketCnt - 1);
            return stop_at(&b->key(slot), &b->value(slot), bucket, b, step, check);
          }
          b = b->overflow.get();
          i = 0;
          continue;
        }
      }
      for (; i < kBucketCnt; i++) {
        int slot = (i + offset_) & (kBucketCnt - 1);
        std::uint8_t top = b->tophash[slot];
        if (is_empty(top) || top == kEvacuatedEmpty) continue;
        K* k = &b->key(slot);
        bool self_equal = reflexive<K>() || MapKey<K>::equal(*k, *k);
        if (check != kNoCheck && !h.same_size_grow()) {
          if (self_equal) {
            std::uint64_t hash = MapKey<K>::hash(*k, h.seed);
            if ((hash & bucket_mask(log2_buckets_)) != check) continue;
          } else if ((check >> (log2_buckets_ - 1)) != static_cast<std::size_t>(top & 1)) {
            continue;  // NaNs go X or Y by the tophash's low bit
          }
        }
        if (clear_seq_ == h.clear_seq && ((top != kEvacuatedX && top != kEvacuatedY) || !self_equal)) {
          // The golden data (or a k != k entry, which cannot have been
          // updated or deleted since).
          return stop_at(k, &b->value(slot), bucket, b, i, check);
        }
        // The table grew or was cleared since: the entry's current state
        // is in the table (deleted, updated, or re-added).
        SlotRef<K, V> cur = find_entry(h, *k);
        if (cur.b == nullptr) continue;
        return stop_at(&cur.b->key(cur.i), &cur.b->value(cur.i), bucket, b, i, check);
      }
      b = b->overflow.get();
      i = 0;
    }
  }

  // Returns entry (k, v), found at step `step` of bucket b; the walk goes on
  // from the next step.
  void stop_at(const K* k, const V* v, std::size_t bucket, B* b, int step, std::size_t check) {
    key_ = k;
    value_ = v;
    bucket_ = bucket;
    bptr_ = b;
    i_ = static_cast<std::uint8_t>(step + 1);
    check_bucket_ = check;
  }

  Table<K, V>* h_ = nullptr;
  const K* key_ = nullptr;  // null: at the end
  const V* value_ = nullptr;
  B* buckets_ = nullptr;  // the array at the start
  B* bptr_ = nullptr;     // the bucket being walked
  // Held only to keep a noscan array's overflow buckets alive while walked.
  OverflowList* overflow_ = nullptr;
  OverflowList* oldoverflow_ = nullptr;
  std::size_t start_bucket_ = 0;
  std::size_t bucket_ = 0;  // the next bucket index
  std::size_t check_bucket_ = kNoCheck;
  std::uint32_t clear_seq_ = 0;
  std::uint8_t log2_buckets_ = 0;
  std::uint8_t offset_ = 0;
  std::uint8_t i_ = 0;
  bool wrapped_ = false;
};

}  // namespace gort::maps::detail
