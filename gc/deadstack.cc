// gc/deadstack.cc — see deadstack.h.
#include "gc/deadstack.h"

#include <sys/mman.h>

#include "sched/sched.h"

namespace gort::gc {

namespace {

constexpr std::uintptr_t kPage = 4096;
constexpr std::uintptr_t kCanaryBytes = 64;  // sched/stack.cc keeps its canary there

// A plain loop, not memset: ASan must not check these writes against the
// poisoning of frames that are gone.
[[gnu::no_sanitize_address]] void zero_words(std::uintptr_t lo, std::uintptr_t hi) {
  for (auto* w = reinterpret_cast<volatile std::uintptr_t*>(lo);
       w < reinterpret_cast<volatile std::uintptr_t*>(hi); w++)
    *w = 0;
}

}  // namespace

bool clear_dead_stack(gort::detail::G* gp, std::uintptr_t sp) {
  auto lo = reinterpret_cast<std::uintptr_t>(gp->stack.lo);
  auto hi = reinterpret_cast<std::uintptr_t>(gp->stack.hi);
  if (lo == 0 || sp <= lo || sp > hi) return false;
  sp &= ~std::uintptr_t{7};
  std::uintptr_t from = lo + kCanaryBytes;
  if (sp <= from) return true;  // nothing below the canary to clear
  // Whole pages between the canary's page and sp's page are returned; the
  // partial pages at both ends are zeroed in place.
  std::uintptr_t first_page = (lo + kPage) & ~(kPage - 1);
  std::uintptr_t last_page = sp & ~(kPage - 1);
  if (first_page < last_page) {
    zero_words(from, first_page);
    madvise(reinterpret_cast<void*>(first_page), last_page - first_page, MADV_DONTNEED);
    zero_words(last_page, sp);
  } else {
    zero_words(from, sp);
  }
  return true;
}

}  // namespace gort::gc
