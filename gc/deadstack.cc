// gc/deadstack.cc — see deadstack.h.
#include "gc/deadstack.h"

#include <sys/mman.h>

#include <atomic>

#include "base/alloc.h"
#include "base/fail.h"
#include "gc/testing.h"
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

// Copied word by word, not with memcpy, for the same reason.
[[gnu::no_sanitize_address]] void copy_words(std::uintptr_t* to, std::uintptr_t lo, std::size_t n) {
  const auto* from = reinterpret_cast<const volatile std::uintptr_t*>(lo);
  for (std::size_t i = 0; i < n; i++) to[i] = from[i];
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
  gp->gcscan_copy_words = 0;
  auto lo = reinterpret_cast<std::uintptr_t>(gp->stack.lo);
  auto hi = reinterpret_cast<std::uintptr_t>(gp->stack.hi);
  std::uintptr_t sp = (gp->gcscan_sp + 7) & ~std::uintptr_t{7};  // as the scan reads
  if (lo == 0 || gp->gcscan_sp < lo || sp > hi) return;
  std::size_t n = (hi - sp) / sizeof(std::uintptr_t);
  if (n > gp->gcscan_copy_cap) {
    base::rt_free(gp->gcscan_copy);
    gp->gcscan_copy = static_cast<std::uintptr_t*>(base::rt_alloc(n * sizeof(std::uintptr_t)));
    gp->gcscan_copy_cap = gp->gcscan_copy != nullptr ? n : 0;
    if (gp->gcscan_copy == nullptr) return;
  }
  copy_words(gp->gcscan_copy, sp, n);
  gp->gcscan_copy_words = n;
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
  if (gp->gcscan_copy_words == 0) return false;
  std::uintptr_t sp = (gp->gcscan_sp + 7) & ~std::uintptr_t{7};
  if (addr >= sp) {
    std::size_t i = (addr - sp) / sizeof(std::uintptr_t);
    if (i >= gp->gcscan_copy_words || (addr & 7) != 0) return false;
    *value = gp->gcscan_copy[i];
    return true;
  }
  if (!gp->gcscan_cleared || addr < reinterpret_cast<std::uintptr_t>(gp->stack.lo)) return false;
  *value = 0;
  return true;
}

}  // namespace gort::gc
