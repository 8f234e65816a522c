// gc/deadstack.cc — see deadstack.h.
#include "gc/deadstack.h"

#include <sys/mman.h>

#include <atomic>

#include "base/alloc.h"
#include "base/fail.h"
#include "gc/conservative_read.h"
#include "gc/testing.h"
#include "gort/gc.h"
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

// Appends (address, value) to gp's record, growing it as needed; false
// when there is no memory for it.
bool record_pair(gort::detail::G* gp, std::uintptr_t addr, std::uintptr_t value) {
  if (gp->gcscan_npairs == gp->gcscan_pairs_cap) {
    std::size_t cap = gp->gcscan_pairs_cap < 32 ? 64 : 2 * gp->gcscan_pairs_cap;
    void* grown = base::rt_realloc(gp->gcscan_pairs, 2 * cap * sizeof(std::uintptr_t));
    if (grown == nullptr) return false;
    gp->gcscan_pairs = static_cast<std::uintptr_t*>(grown);
    gp->gcscan_pairs_cap = cap;
  }
  gp->gcscan_pairs[2 * gp->gcscan_npairs] = addr;
  gp->gcscan_pairs[2 * gp->gcscan_npairs + 1] = value;
  gp->gcscan_npairs++;
  return true;
}

// Reads the words as the scan reads them (gc/conservative_read.h). A
// channel partner's write between the scan's read and this one puts in the
// record a value the scan did not see: no heap address (sudog links point
// into stacks), or a value elem_move shaded; either way the check cannot
// report a false miss for it.
GORT_CONSERVATIVE_READ bool record_heap_words(gort::detail::G* gp, std::uintptr_t lo, std::uintptr_t hi) {
  for (auto* w = reinterpret_cast<const volatile std::uintptr_t*>(lo);
       w < reinterpret_cast<const volatile std::uintptr_t*>(hi); w++) {
    std::uintptr_t v = *w;
    if (v - detail::g_heap_base < detail::g_heap_size && !record_pair(gp, reinterpret_cast<std::uintptr_t>(w), v))
      return false;
  }
  return true;
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

void record_scanned_stack(gort::detail::G* gp) {
  gp->gcscan_recorded = false;
  gp->gcscan_npairs = 0;
  auto lo = reinterpret_cast<std::uintptr_t>(gp->stack.lo);
  auto hi = reinterpret_cast<std::uintptr_t>(gp->stack.hi);
  std::uintptr_t sp = (gp->gcscan_sp + 7) & ~std::uintptr_t{7};  // as the scan reads
  if (lo == 0 || gp->gcscan_sp < lo || sp > hi) return;
  // Without memory for the whole record, none: nothing is held strictly.
  if (!record_heap_words(gp, sp, hi)) return;
  gp->gcscan_recorded = true;
}

namespace {
constexpr int kCheckedWords = 8;
std::atomic<std::uintptr_t> g_checked_words[kCheckedWords];
}  // namespace

bool stack_word_checked_by_test(std::uintptr_t addr) {
  for (auto& w : g_checked_words)
    if (w.load(std::memory_order_relaxed) == addr) return true;
  return false;
}

namespace testing {

void check_stack_word(const void* word) {
  for (auto& w : g_checked_words) {
    std::uintptr_t empty = 0;
    if (w.compare_exchange_strong(empty, reinterpret_cast<std::uintptr_t>(word))) return;
  }
  gort::detail::throw_("gc::testing::check_stack_word: more than 8 words at once");
}

void uncheck_stack_word(const void* word) {
  for (auto& w : g_checked_words) {
    std::uintptr_t mine = reinterpret_cast<std::uintptr_t>(word);
    if (w.compare_exchange_strong(mine, 0)) return;
  }
}

}  // namespace testing

bool scanned_word(const gort::detail::G* gp, std::uintptr_t addr, std::uintptr_t* value) {
  if (!gp->gcscan_recorded || (addr & 7) != 0) return false;
  std::uintptr_t sp = (gp->gcscan_sp + 7) & ~std::uintptr_t{7};
  if (addr < sp) {
    if (!gp->gcscan_cleared || addr < reinterpret_cast<std::uintptr_t>(gp->stack.lo)) return false;
    *value = 0;
    return true;
  }
  if (addr >= reinterpret_cast<std::uintptr_t>(gp->stack.hi)) return false;
  // Binary search of the pairs; a word not among them held no heap address.
  const std::uintptr_t* pairs = gp->gcscan_pairs;
  std::size_t lo = 0, hi = gp->gcscan_npairs;
  while (lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    if (pairs[2 * mid] < addr) lo = mid + 1;
    else hi = mid;
  }
  *value = lo < gp->gcscan_npairs && pairs[2 * lo] == addr ? pairs[2 * lo + 1] : 0;
  return true;
}

}  // namespace gort::gc
