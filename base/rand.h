// base/rand.h — fastrand: a per-thread wyrand generator (not cryptographic) for
// the scheduler's random choices: steal victims, select poll order.
#pragma once

#include <cstdint>

namespace gort::base {

inline thread_local std::uint64_t tls_rand_state = 0;

std::uint64_t seed_rand();  // a fresh seed from the kernel's entropy + time

inline std::uint64_t fastrand64() {
  if (__builtin_expect(tls_rand_state == 0, 0)) tls_rand_state = seed_rand();
  tls_rand_state += 0xa0761d6478bd642full;
  __uint128_t m = static_cast<__uint128_t>(tls_rand_state) * (tls_rand_state ^ 0xe7037ed1a0b428dbull);
  return static_cast<std::uint64_t>(m >> 64) ^ static_cast<std::uint64_t>(m);
}

inline std::uint32_t fastrand() { return static_cast<std::uint32_t>(fastrand64()); }

// Uniform in [0, n) without division (Lemire's multiply-shift).
inline std::uint32_t fastrandn(std::uint32_t n) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(fastrand()) * n) >> 32);
}

}  // namespace gort::base
