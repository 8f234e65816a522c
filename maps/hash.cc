// maps/hash.cc — the out-of-line parts of map hashing: byte strings longer
// than 16 bytes, and the randomness behind seeds and NaN hashes.
#include "gort/maps/hash.h"

#include "base/rand.h"

namespace gort::maps::detail {

// 16 bytes per fold, the running state as the fold's second word; the last
// 16 bytes (overlapping the previous block when n is not a multiple of 16)
// go through the same two final folds as short strings.
std::uint64_t hash_long_bytes(const unsigned char* p, std::size_t n, std::uint64_t seed) noexcept {
  const unsigned char* last = p + n - 16;
  std::uint64_t state = seed;
  for (; p < last; p += 16) state = fold(read64(p) ^ kSecret1, read64(p + 8) ^ state ^ kSecret2);
  std::uint64_t a = read64(last) ^ kSecret1;
  std::uint64_t b = read64(last + 8) ^ state;
  multiply_wide(a, b);
  return fold(a ^ kSecret0 ^ n, b ^ kSecret1);
}

std::uint64_t random64() noexcept { return base::fastrand64(); }

}  // namespace gort::maps::detail
