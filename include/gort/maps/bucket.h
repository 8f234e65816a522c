// gort/maps/bucket.h — a map bucket: 8 tophash bytes, the overflow link, 8
// keys, then 8 values (maps/README.md, "Buckets"), and how bucket arrays are
// typed for the collector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

#include "gort/gc.h"

namespace gort::maps::detail {

inline constexpr int kBucketCnt = 8;

// tophash values below kMinTopHash are states, not hashes.
enum : std::uint8_t {
  kEmptyRest = 0,        // empty, and so is every later slot of the chain
  kEmptyOne = 1,         // empty
  kEvacuatedX = 2,       // (old bucket) moved to the same index of the new array
  kEvacuatedY = 3,       // (old bucket) moved to index + old bucket count
  kEvacuatedEmpty = 4,   // (old bucket) was empty; the bucket is evacuated
  kMinTopHash = 5,       // a live entry's tophash
};

inline bool is_empty(std::uint8_t top) { return top <= kEmptyOne; }
inline std::uint8_t tophash_of(std::uint64_t hash) {
  auto top = static_cast<std::uint8_t>(hash >> 56);
  return top < kMinTopHash ? static_cast<std::uint8_t>(top + kMinTopHash) : top;
}

// ---- what a slot holds --------------------------------------------------------------
// Whether T holds GC pointers the collector must see.
template <class T>
inline constexpr bool has_gc_pointers = gc::detail::IsPtr<T>::value || gc::detail::IsSlice<T>::value ||
                                        std::is_same_v<T, gc::String> || gc::detail::Traceable<T>;

template <class T>
void trace_value(gc::Tracer& t, const T& v) {
  if constexpr (gc::detail::IsPtr<T>::value || gc::detail::IsSlice<T>::value ||
                std::is_same_v<T, gc::String>)
    t(v);
  else if constexpr (gc::detail::Traceable<T>)
    v.trace(t);
}

template <class T>
constexpr void check_storable() {
  static_assert(std::is_trivially_destructible_v<T>,
                "gort::Map: keys and values live on the collected heap, which never runs destructors: "
                "use gc::String / gc::Slice / gc::Ptr instead of std types");
  static_assert(has_gc_pointers<T> || std::is_trivially_copyable_v<T> || gc::detail::DeclaredPointerFree<T>,
                "gort::Map: a key or value type holding gc pointers needs a `void trace(gort::gc::Tracer&) "
                "const` method");
  static_assert(alignof(T) <= 16, "gort::Map: alignment above 16 bytes is not supported");
  static_assert(std::is_copy_constructible_v<T> && std::is_default_constructible_v<T>,
                "gort::Map: keys and values must be copyable and have a zero (default) value");
}

// Keys and values above this size live in their own GC object; the slot
// holds a pointer to it (Go: maxKeySize, maxElemSize).
inline constexpr std::size_t kMaxInlineSize = 128;

template <class T, bool = has_gc_pointers<T>>
struct Boxed {
  T value;
};
template <class T>
struct Boxed<T, true> {
  T value;
  void trace(gc::Tracer& t) const { trace_value(t, value); }
};

template <class T>
inline constexpr bool stored_indirectly = sizeof(T) > kMaxInlineSize;

// The slot's type: T itself, or a pointer to its box.
template <class T>
using slot_t = std::conditional_t<stored_indirectly<T>, gc::Ptr<Boxed<T>>, T>;

template <class T>
[[gnu::always_inline]] inline T& slot_value(slot_t<T>* s) {
  if constexpr (stored_indirectly<T>) return s->get()->value;
  else return *s;
}

// Fills an empty slot (zero memory, or cleared): the first store of a
// GC pointer into it needs only the new value shaded.
template <class T>
[[gnu::always_inline]] inline void slot_construct(slot_t<T>* s, const T& v) {
  if constexpr (stored_indirectly<T>) ::new (s) gc::Ptr<Boxed<T>>(gc::make<Boxed<T>>(v));
  else ::new (s) T(v);
}

// Moves a slot's content into an empty slot of another bucket (evacuation,
// clone): a box is shared, not copied.
template <class T>
[[gnu::always_inline]] inline void slot_copy(slot_t<T>* dst, const slot_t<T>* src) {
  ::new (dst) slot_t<T>(*src);
}

// Empties a slot: pointers are overwritten through the barrier, so the
// collector still sees what they held.
template <class T>
[[gnu::always_inline]] inline void slot_clear(slot_t<T>* s) {
  if constexpr (has_gc_pointers<slot_t<T>>) *s = slot_t<T>();
  else std::memset(static_cast<void*>(s), 0, sizeof(*s));
}

// ---- the bucket ---------------------------------------------------------------------
template <class K, class V>
struct Bucket {
  using KS = slot_t<K>;
  using VS = slot_t<V>;
  static constexpr bool kScan = has_gc_pointers<KS> || has_gc_pointers<VS>;

  std::uint8_t tophash[kBucketCnt];
  // Next bucket of the chain. In a noscan bucket the collector does not see
  // it: the table's overflow list keeps overflow buckets alive instead.
  gc::Ptr<Bucket> overflow;
  alignas(KS) unsigned char key_bytes[kBucketCnt * sizeof(KS)];
  alignas(VS) unsigned char value_bytes[kBucketCnt * sizeof(VS)];

  KS* key_slot(int i) { return std::launder(reinterpret_cast<KS*>(key_bytes)) + i; }
  VS* value_slot(int i) { return std::launder(reinterpret_cast<VS*>(value_bytes)) + i; }
  const KS* key_slot(int i) const { return std::launder(reinterpret_cast<const KS*>(key_bytes)) + i; }
  const VS* value_slot(int i) const { return std::launder(reinterpret_cast<const VS*>(value_bytes)) + i; }
  K& key(int i) { return slot_value<K>(key_slot(i)); }
  V& value(int i) { return slot_value<V>(value_slot(i)); }
  const K& key(int i) const { return slot_value<K>(const_cast<KS*>(key_slot(i))); }

  std::uint64_t tophash_word() const {
    std::uint64_t w;
    std::memcpy(&w, tophash, 8);
    return w;
  }
  void set_tophash_word(std::uint64_t w) { std::memcpy(tophash, &w, 8); }
  bool evacuated() const {
    std::uint8_t h = tophash[0];
    return h > kEmptyOne && h < kMinTopHash;
  }

  // Scan buckets only (element type of a GC array).
  void trace(gc::Tracer& t) const
    requires kScan
  {
    t(overflow);
    for (int i = 0; i < kBucketCnt; i++) {
      if constexpr (has_gc_pointers<KS>) trace_value(t, *key_slot(i));
      if constexpr (has_gc_pointers<VS>) trace_value(t, *value_slot(i));
    }
  }
};

// Byte masks over the 8 tophash bytes, one 0x80 bit per matching byte (exact:
// no false positives).
inline std::uint64_t zero_bytes(std::uint64_t w) {
  constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;
  return ~(((w & kLow7) + kLow7) | w | kLow7);
}
inline std::uint64_t bytes_equal(std::uint64_t w, std::uint8_t b) {
  return zero_bytes(w ^ (0x0101010101010101ull * b));
}
inline int first_byte(std::uint64_t mask) { return __builtin_ctzll(mask) >> 3; }
// Live entries: tophash >= kMinTopHash (exact: bit 7 of (x & 0x7f) + 0x7b is
// set iff x & 0x7f >= 5, and no byte carries into the next).
inline std::uint64_t live_slots(std::uint64_t w) {
  constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;
  return (((w & kLow7) + 0x7b7b7b7b7b7b7b7bull) | w) & 0x8080808080808080ull;
}
// Slots marked evacuatedX or evacuatedY.
inline std::uint64_t evacuated_xy(std::uint64_t w) {
  return zero_bytes((w & 0xfefefefefefefefeull) ^ 0x0202020202020202ull);
}
// The mask bits of slots i..7 (none for i == 8).
inline std::uint64_t slots_from(int i) { return i >= kBucketCnt ? 0 : ~std::uint64_t{0} << (8 * i); }

// A zeroed array of n buckets on the collected heap: noscan when neither keys
// nor values hold GC pointers (Go's noscan bucket types), else an array the
// collector traces bucket by bucket.
template <class B>
B* new_bucket_array(std::size_t n) {
  static_assert(std::is_trivially_destructible_v<B>);
  if constexpr (B::kScan) {
    return static_cast<B*>(gc::detail::alloc_array(gc::detail::element_info<B>, n));
  } else {
    return static_cast<B*>(gc::detail::alloc_bytes(n * sizeof(B)));
  }
}

}  // namespace gort::maps::detail
