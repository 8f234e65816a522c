#include "runtime/env.h"

#include <sched.h>
#include <unistd.h>

#include <climits>

namespace gort::runtime {

std::optional<std::int32_t> atoi32(std::string_view s) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  std::int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
    if (n > static_cast<std::int64_t>(INT32_MAX) + (neg ? 1 : 0)) return std::nullopt;
  }
  return static_cast<std::int32_t>(neg ? -n : n);
}

std::int32_t gomaxprocs_from_env(const char* value, std::int32_t ncpu) {
  std::int32_t procs = ncpu;
  if (value != nullptr) {
    if (auto n = atoi32(value); n && *n > 0) procs = *n;
  }
  if (procs > 1024) procs = 1024;
  if (procs < 1) procs = 1;
  return procs;
}

std::optional<std::size_t> parse_size(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::size_t mult = 1;
  char last = s.back();
  if (last == 'K' || last == 'k') mult = 1024;
  if (last == 'M' || last == 'm') mult = 1024 * 1024;
  if (last == 'G' || last == 'g') mult = std::size_t{1} << 30;
  if (mult != 1) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  std::size_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    if (n > (SIZE_MAX - 9) / 10) return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  if (n > SIZE_MAX / mult) return std::nullopt;
  return n * mult;
}

std::int32_t online_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<std::int32_t>(n) : 1;
}

}  // namespace gort::runtime
