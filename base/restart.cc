// base/restart.cc — see restart.h.
#include "base/restart.h"

#include <algorithm>
#include <cstddef>

#include "base/alloc.h"

namespace {

struct RawRange {
  std::int32_t start_rel;  // start - &start_rel
  std::uint32_t len;
};

}  // namespace

// Provided by the linker when some object defines the section.
extern "C" {
extern const RawRange __start_gort_restart_ranges[] __attribute__((weak));
extern const RawRange __stop_gort_restart_ranges[] __attribute__((weak));
}

namespace gort::base {

namespace {

struct Range {
  std::uintptr_t start, end;
};
Range* g_ranges = nullptr;
std::size_t g_count = 0;

}  // namespace

void restart_ranges_init() {
  if (g_ranges != nullptr) return;
  const RawRange* b = __start_gort_restart_ranges;
  const RawRange* e = __stop_gort_restart_ranges;
  if (b == nullptr || e == nullptr || e <= b) return;
  std::size_t n = static_cast<std::size_t>(e - b);
  auto* r = static_cast<Range*>(rt_alloc(n * sizeof(Range)));
  if (r == nullptr) return;
  for (std::size_t i = 0; i < n; i++) {
    auto at = reinterpret_cast<std::uintptr_t>(&b[i].start_rel);
    r[i].start = at + static_cast<std::intptr_t>(b[i].start_rel);
    r[i].end = r[i].start + b[i].len;
  }
  std::sort(r, r + n, [](const Range& x, const Range& y) { return x.start < y.start; });
  g_count = n;
  __atomic_store_n(&g_ranges, r, __ATOMIC_RELEASE);
}

std::uintptr_t restart_pc(std::uintptr_t pc) {
  Range* r = __atomic_load_n(&g_ranges, __ATOMIC_ACQUIRE);
  if (r == nullptr) return pc;
  // The last range starting at or before pc.
  std::size_t lo = 0, hi = g_count;
  while (lo < hi) {
    std::size_t mid = (lo + hi) / 2;
    if (r[mid].start <= pc) lo = mid + 1; else hi = mid;
  }
  if (lo == 0) return pc;
  const Range& c = r[lo - 1];
  // pc == start needs no move; pc == end means the store retired.
  return pc > c.start && pc < c.end ? c.start : pc;
}

std::size_t restart_range_count() { return g_count; }

}  // namespace gort::base
