// gort/maps/hash.h — how gort::Map hashes and compares its keys.
//
// The hash is a multiply-mix in the style of wyhash/rapidhash: the 128-bit
// product of two 64-bit words, folded (low half XOR high half). Two folds
// per integer key, one per 16 bytes of a byte string plus two at the end.
// Every output bit depends on every input bit, so the map may take its
// bucket index from the low bits and its tophash from the top 8 bits of one
// hash. The seed enters the first fold, so each map (and each re-seeding of
// a map) scatters its keys differently (maps/README.md, "Hashing").
//
// Keys are described by gort::MapKey<K>:
//
//   template <> struct gort::MapKey<Point> {
//     static std::uint64_t hash(const Point& p, std::uint64_t seed) noexcept {
//       return gort::maps::hash_u64(static_cast<std::uint64_t>(p.y),
//                                   gort::maps::hash_u64(static_cast<std::uint64_t>(p.x), seed));
//     }
//     static bool equal(const Point& a, const Point& b) noexcept { return a.x == b.x && a.y == b.y; }
//   };
//
// or, for a type whose equality is its bytes (no padding, no floats):
//
//   template <> struct gort::MapKey<Point> : gort::maps::BytewiseKey<Point> {};
//
// Members of a MapKey<K>:
//   hash(const L&, seed)   required; L is K or lookup_type. Equal keys must
//                          hash equally for one seed. May panic (before the
//                          map is marked as being written, as in Go).
//   equal(const K&, const L&)  required: stored key vs probe.
//   using lookup_type = L; optional: what lookups (get/lookup/contains/erase)
//                          take instead of const K& (gc::String: string_view).
//   update_on_overwrite    optional, default false: an assignment to an
//                          existing key also stores the new key (Go's
//                          needkeyupdate: +0.0 replaced by -0.0, strings).
//   reflexive              optional, default true: false when a key may be
//                          unequal to itself (NaN); such keys are told apart
//                          during growth by their tophash, as in Go.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "gort/gc.h"

namespace gort {

template <class K, class Enable = void>
struct MapKey;

namespace maps {

namespace detail {

// Odd 64-bit constants with balanced bits (wyhash's published secret).
inline constexpr std::uint64_t kSecret0 = 0xa0761d6478bd642full;
inline constexpr std::uint64_t kSecret1 = 0xe7037ed1a0b428dbull;
inline constexpr std::uint64_t kSecret2 = 0x8ebc6af09c88c6e3ull;
inline constexpr std::uint64_t kSecret3 = 0x589965cc75374cc3ull;

// The full 128-bit product of a and b: low half in a, high half in b.
[[gnu::always_inline]] inline void multiply_wide(std::uint64_t& a, std::uint64_t& b) noexcept {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  a = static_cast<std::uint64_t>(r);
  b = static_cast<std::uint64_t>(r >> 64);
}

// The product folded: every bit of both inputs reaches the middle bits.
[[gnu::always_inline]] inline std::uint64_t fold(std::uint64_t a, std::uint64_t b) noexcept {
  multiply_wide(a, b);
  return a ^ b;
}

inline std::uint64_t read64(const unsigned char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline std::uint64_t read32(const unsigned char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Whether n bytes at a and b are equal; up to 16 bytes without a call.
inline bool bytes_equal_n(const char* a, const char* b, std::size_t n) noexcept {
  auto* p = reinterpret_cast<const unsigned char*>(a);
  auto* q = reinterpret_cast<const unsigned char*>(b);
  if (n >= 8 && n <= 16)
    return ((read64(p) ^ read64(q)) | (read64(p + n - 8) ^ read64(q + n - 8))) == 0;
  if (n >= 4 && n < 8) return ((read32(p) ^ read32(q)) | (read32(p + n - 4) ^ read32(q + n - 4))) == 0;
  return n == 0 || std::memcmp(a, b, n) == 0;
}

// Byte strings longer than 16 bytes (maps/hash.cc).
std::uint64_t hash_long_bytes(const unsigned char* p, std::size_t n, std::uint64_t seed) noexcept;

// A fresh random 64-bit value (per-thread generator; maps/random.cc).
std::uint64_t random64() noexcept;

}  // namespace detail

// The hash of one 64-bit word.
[[gnu::always_inline]] inline std::uint64_t hash_u64(std::uint64_t v, std::uint64_t seed) noexcept {
  std::uint64_t a = v ^ detail::kSecret1;
  std::uint64_t b = (seed ^ detail::kSecret0) | 1;  // never a zero multiplier
  detail::multiply_wide(a, b);
  return detail::fold(a ^ detail::kSecret2, b ^ detail::kSecret3);
}

// The hash of n bytes.
[[gnu::always_inline]] inline std::uint64_t hash_bytes(const void* data, std::size_t n,
                                                       std::uint64_t seed) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  if (n > 16) return detail::hash_long_bytes(p, n, seed);
  std::uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = detail::read64(p);
    b = detail::read64(p + n - 8);
  } else if (n >= 4) {
    a = detail::read32(p);
    b = detail::read32(p + n - 4);
  } else if (n > 0) {
    a = (std::uint64_t{p[0]} << 16) | (std::uint64_t{p[n >> 1]} << 8) | p[n - 1];
  }
  a ^= detail::kSecret1;
  b ^= seed;
  detail::multiply_wide(a, b);
  return detail::fold(a ^ detail::kSecret0 ^ n, b ^ detail::kSecret1);
}

// A float's hash as Go computes it: +0 and -0 hash alike; a NaN hashes to a
// random value, so the NaNs a map holds spread over its buckets.
inline std::uint64_t hash_f64(double f, std::uint64_t seed) noexcept {
  if (f == 0) return hash_u64(0, seed);
  if (f != f) return detail::random64();
  return hash_u64(std::bit_cast<std::uint64_t>(f), seed);
}

// MapKey for a type compared by its object representation.
template <class K>
struct BytewiseKey {
  static_assert(std::has_unique_object_representations_v<K>,
                "gort::maps::BytewiseKey<K>: K has padding or floats; write hash and equal");
  static std::uint64_t hash(const K& k, std::uint64_t seed) noexcept {
    if constexpr (sizeof(K) == 8) return hash_u64(std::bit_cast<std::uint64_t>(k), seed);
    else return hash_bytes(&k, sizeof(K), seed);
  }
  static bool equal(const K& a, const K& b) noexcept { return std::memcmp(&a, &b, sizeof(K)) == 0; }
};

}  // namespace maps

// Integers and enums.
template <class K>
struct MapKey<K, std::enable_if_t<std::is_integral_v<K> || std::is_enum_v<K>>> {
  static std::uint64_t hash(K k, std::uint64_t seed) noexcept {
    if constexpr (std::is_enum_v<K>)
      return maps::hash_u64(static_cast<std::uint64_t>(static_cast<std::underlying_type_t<K>>(k)), seed);
    else if constexpr (sizeof(K) > 8)
      return maps::hash_bytes(&k, sizeof(K), seed);
    else
      return maps::hash_u64(static_cast<std::uint64_t>(k), seed);
  }
  static bool equal(K a, K b) noexcept { return a == b; }
};

// float, double: IEEE equality (NaN != NaN, -0 == +0), as Go.
template <class K>
struct MapKey<K, std::enable_if_t<std::is_floating_point_v<K>>> {
  static_assert(sizeof(K) <= 8, "gort::MapKey: long double keys are not supported");
  static constexpr bool update_on_overwrite = true;  // -0.0 replaces +0.0
  static constexpr bool reflexive = false;           // NaN
  static std::uint64_t hash(K k, std::uint64_t seed) noexcept {
    return maps::hash_f64(static_cast<double>(k), seed);
  }
  static bool equal(K a, K b) noexcept { return a == b; }
};

// Raw pointers, by address. (A raw pointer stored in a map is not traced:
// use gc::Ptr<T> keys to keep the objects alive.)
template <class K>
struct MapKey<K, std::enable_if_t<std::is_pointer_v<K> || std::is_null_pointer_v<K>>> {
  static std::uint64_t hash(K k, std::uint64_t seed) noexcept {
    return maps::hash_u64(reinterpret_cast<std::uintptr_t>(k), seed);
  }
  static bool equal(K a, K b) noexcept { return a == b; }
};

// GC references, by address.
template <class T>
struct MapKey<gc::Ptr<T>> {
  static std::uint64_t hash(const gc::Ptr<T>& k, std::uint64_t seed) noexcept {
    return maps::hash_u64(reinterpret_cast<std::uintptr_t>(k.get()), seed);
  }
  static bool equal(const gc::Ptr<T>& a, const gc::Ptr<T>& b) noexcept { return a.get() == b.get(); }
};

// GC strings, by content; lookups take any std::string_view without allocating.
template <>
struct MapKey<gc::String> {
  using lookup_type = std::string_view;
  static constexpr bool update_on_overwrite = true;  // as Go: the stored key takes the new string
  static std::uint64_t hash(std::string_view s, std::uint64_t seed) noexcept {
    return maps::hash_bytes(s.data(), s.size(), seed);
  }
  static bool equal(const gc::String& a, std::string_view b) noexcept {
    // Same bytes (a key looked up with the string it was stored with): equal
    // without reading them, as Go's faststr lookups do.
    return a.size() == b.size() && (a.data() == b.data() || maps::detail::bytes_equal_n(a.data(), b.data(), b.size()));
  }
};

namespace maps::detail {

template <class K>
concept HasLookupType = requires { typename MapKey<K>::lookup_type; };
template <class K>
struct LookupOf {
  using type = K;
};
template <HasLookupType K>
struct LookupOf<K> {
  using type = typename MapKey<K>::lookup_type;
};
// What lookups take: MapKey<K>::lookup_type when it has one, else K.
template <class K>
using lookup_t = typename LookupOf<K>::type;

template <class K>
constexpr bool update_on_overwrite() {
  if constexpr (requires { MapKey<K>::update_on_overwrite; }) return MapKey<K>::update_on_overwrite;
  else return false;
}
template <class K>
constexpr bool reflexive() {
  if constexpr (requires { MapKey<K>::reflexive; }) return MapKey<K>::reflexive;
  else return true;
}

template <class K>
concept KeyDescribed = requires(const K& k, const lookup_t<K>& q, std::uint64_t seed) {
  { MapKey<K>::hash(q, seed) } -> std::convertible_to<std::uint64_t>;
  { MapKey<K>::equal(k, q) } -> std::convertible_to<bool>;
};

}  // namespace maps::detail

}  // namespace gort
