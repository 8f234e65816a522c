#include "base/rand.h"

#include <sys/random.h>

#include "base/clock.h"

namespace gort::base {

std::uint64_t seed_rand() {
  std::uint64_t s = 0;
  if (getrandom(&s, sizeof s, GRND_NONBLOCK) != sizeof s) s = 0;
  s ^= static_cast<std::uint64_t>(nanotime()) * 0x9e3779b97f4a7c15ull;
  s ^= reinterpret_cast<std::uintptr_t>(&s);
  return s | 1;
}

}  // namespace gort::base
