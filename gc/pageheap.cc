// gc/pageheap.cc — see pageheap.h.
#include "gc/pageheap.h"

#include <mimalloc.h>
#include <sys/mman.h>

#include <cstring>
#include <iterator>
#include <map>

#include "base/alloc.h"
#include "base/fail.h"
#include "base/lock.h"

namespace gort::gc {

namespace {
constexpr std::size_t kChunk = std::size_t{64} << 20;  // commit granularity
constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;  // x86-64's transparent huge page

// Asks the kernel for transparent huge pages over the whole 2 MiB pages
// inside [p, p + bytes), as Go does for memory it takes back from the OS
// (sysUsed -> sysHugePage). Only large runs have whole huge pages in them,
// so small-object spans stay on 4 KiB pages: RSS does not grow in 2 MiB
// steps for a few small objects. A random-access structure on a large run
// (a map's bucket array) then costs one TLB entry per 2 MiB instead of 512.
// With THP "never" this is a no-op; errors (EINVAL without THP) are ignored.
void advise_huge_pages(void* p, std::size_t bytes) {
  auto a = reinterpret_cast<std::uintptr_t>(p);
  std::uintptr_t beg = (a + kHugePage - 1) & ~(kHugePage - 1);
  std::uintptr_t end = (a + bytes) & ~(kHugePage - 1);
  if (beg < end) madvise(reinterpret_cast<void*>(beg), end - beg, MADV_HUGEPAGE);
}
}  // namespace

// Which free pages are released (given back to the OS with MADV_DONTNEED)
// is kept per page, as Go's scavenged bitmap does, not per run: a run that
// coalesces with a released neighbour stays part released, so the counts of
// resident free memory are exact and the scavenger releases exactly what it
// is asked to, page by page. (Kept per run, a freed dirty run that joined a
// released neighbour made the whole run count as dirty, and the scavenger
// then released all of it, far more than its slack allowed: seen when
// GCPacer.AFallingGoalKeepsItsPagesForOneCycle ran after the other pacer
// tests in one process.) A page's bit is set only while it is free.
class ReleasedBits {
 public:
  void init(std::size_t pages) {
    words_ = (pages + 63) / 64;
    void* m = mmap(nullptr, words_ * sizeof(std::uint64_t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) gort::detail::throw_("gc: cannot allocate the released-page bitmap");
    bits_ = static_cast<std::uint64_t*>(m);
  }
  void destroy() { munmap(bits_, words_ * sizeof(std::uint64_t)); }

  bool test(std::size_t page) const { return (bits_[page / 64] >> (page % 64)) & 1; }
  // Sets (value true) or clears the bits of [first, first + n).
  void assign(std::size_t first, std::size_t n, bool value) {
    for_words(first, n, [&](std::uint64_t& w, std::uint64_t mask) { w = value ? (w | mask) : (w & ~mask); });
  }
  // How many pages of [first, first + n) are released.
  std::size_t count(std::size_t first, std::size_t n) const {
    std::size_t c = 0;
    const_cast<ReleasedBits*>(this)->for_words(
        first, n, [&](std::uint64_t& w, std::uint64_t mask) { c += static_cast<std::size_t>(__builtin_popcountll(w & mask)); });
    return c;
  }
  // The highest page below `end` (and not below `begin`) that is not
  // released, or `end` if there is none.
  std::size_t highest_clear_below(std::size_t begin, std::size_t end) const {
    std::size_t p = end;
    while (p > begin) {
      std::size_t last = p - 1;
      std::uint64_t w = ~bits_[last / 64];
      std::size_t bit = last % 64;
      w &= bit == 63 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (bit + 1)) - 1);  // bits <= last
      if (w != 0) {
        std::size_t found = last / 64 * 64 + (63 - static_cast<std::size_t>(__builtin_clzll(w)));
        return found >= begin ? found : end;
      }
      p = last / 64 * 64;
    }
    return end;
  }

 private:
  template <typename F>
  void for_words(std::size_t first, std::size_t n, F f) {
    std::size_t p = first, end = first + n;
    while (p < end) {
      std::size_t bit = p % 64;
      std::size_t take = std::min<std::size_t>(64 - bit, end - p);
      std::uint64_t mask = take == 64 ? ~std::uint64_t{0} : (((std::uint64_t{1} << take) - 1) << bit);
      f(bits_[p / 64], mask);
      p += take;
    }
  }
  std::uint64_t* bits_ = nullptr;
  std::size_t words_ = 0;
};

struct PageHeap::Impl {
  base::Lock lock;
  std::map<std::size_t, std::size_t, std::less<>, base::RtAllocator<std::pair<const std::size_t, std::size_t>>>
      free_runs;  // first page -> length in pages (coalesced)
  ReleasedBits released;       // per page: free and given back to the OS
  std::size_t committed = 0;   // bytes from base_, committed
  std::size_t high = 0;        // pages ever handed out from the top
  std::size_t free_count = 0;
  std::size_t dirty_free = 0;  // free pages not released
};

PageHeap::PageHeap(std::size_t reserve) {
  size_ = (reserve + kChunk - 1) / kChunk * kChunk;
  // mimalloc sets up a thread's heap on its first allocation. Under ASan
  // (malloc is then not mimalloc's, so a goroutine's thread may reach this
  // call with mimalloc not set up for it), the reservation crashed inside
  // mimalloc in about one run of 12-60, with a write fault (SEGV_ACCERR)
  // on a read-only page of libmimalloc's own image: seen in
  // PageHeap.AllocatesCommittedPagesInsideTheArena, also at the commit
  // before the specials change. Setting the thread up first: 0 failures in
  // 250 runs. (Why mimalloc writes there is not known.)
  mi_thread_init();
  mi_arena_id_t id;
  if (mi_reserve_os_memory_ex(size_, /*commit=*/false, /*allow_large=*/false, /*exclusive=*/true, &id) != 0)
    gort::detail::throw_("gc: cannot reserve the heap's address space");
  std::size_t got = 0;
  base_ = reinterpret_cast<std::uintptr_t>(mi_arena_area(id, &got));
  if (base_ == 0 || got < size_) gort::detail::throw_("gc: the reserved arena is smaller than asked");
  // Align to a page (mimalloc aligns arenas far more than that).
  if (base_ % kPageSize != 0) gort::detail::throw_("gc: arena not page-aligned");
  std::size_t pages = size_ / kPageSize;
  // The map covers the whole reservation (8 bytes per 8 KiB page: 64 MiB for
  // 64 GiB), so it is an anonymous mapping of its own: zero without being
  // written, and resident only where the heap is in use. (mimalloc's zeroed
  // allocation of this size wrote it all, costing 64 MiB of RSS at boot.)
  void* map = mmap(nullptr, pages * sizeof(Span*), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED) gort::detail::throw_("gc: cannot allocate the page map");
  page_map_ = static_cast<Span**>(map);
  impl_ = new (base::rt_alloc(sizeof(Impl), alignof(Impl))) Impl();
  impl_->released.init(pages);
}

PageHeap::~PageHeap() {
  // The reservation stays with mimalloc (an exclusive arena cannot be
  // returned); a PageHeap lives as long as the process in practice.
  munmap(page_map_, size_ / kPageSize * sizeof(Span*));
  impl_->released.destroy();
  impl_->~Impl();
  base::rt_free(impl_);
}

void* PageHeap::alloc_pages(std::size_t n, bool* fresh) {
  if (n == 0) n = 1;
  bool found = false;
  std::size_t released = 0;
  void* p = take_pages(n, &found, &released);
  if (p == nullptr) return nullptr;
  // Released pages read as zero, as never-used ones do.
  if (fresh != nullptr) *fresh = !found || released == n;
  // Only memory the OS will fault in afresh: dirty pages are mapped already.
  if ((!found || released != 0) && n * kPageSize >= kHugePage) advise_huge_pages(p, n * kPageSize);
  return p;
}

void* PageHeap::take_pages(std::size_t n, bool* found_free, std::size_t* released_pages) {
  base::Guard<base::Lock> g(impl_->lock);
  Impl& im = *impl_;
  std::size_t first = 0;
  bool found = false;
  std::size_t released = 0;
  for (auto it = im.free_runs.begin(); it != im.free_runs.end(); ++it) {
    if (it->second < n) continue;
    first = it->first;
    std::size_t rest = it->second - n;
    im.free_runs.erase(it);
    if (rest > 0) im.free_runs.emplace(first + n, rest);
    released = im.released.count(first, n);
    if (released != 0) im.released.assign(first, n, false);
    im.free_count -= n;
    im.dirty_free -= n - released;
    found = true;
    break;
  }
  *found_free = found;
  *released_pages = released;
  if (!found) {
    if ((im.high + n) * kPageSize > size_) return nullptr;
    first = im.high;
    im.high += n;
    std::size_t need = im.high * kPageSize;
    if (need > im.committed) {
      std::size_t to = (need + kChunk - 1) / kChunk * kChunk;
      if (mprotect(reinterpret_cast<void*>(base_ + im.committed), to - im.committed,
                   PROT_READ | PROT_WRITE) != 0)
        gort::detail::throw_("runtime: out of memory");  // Go's sysMapOS on ENOMEM
      im.committed = to;
    }
  }
  return reinterpret_cast<void*>(base_ + first * kPageSize);
}

void PageHeap::free_pages(void* p, std::size_t n, bool release) {
  if (n == 0) n = 1;
  auto a = reinterpret_cast<std::uintptr_t>(p);
  if (!contains(p) || (a - base_) % kPageSize != 0) gort::detail::throw_("gc: free_pages of memory not in the heap");
  if (release) madvise(p, n * kPageSize, MADV_DONTNEED);
  std::size_t first = (a - base_) / kPageSize;
  base::Guard<base::Lock> g(impl_->lock);
  Impl& im = *impl_;
  auto next = im.free_runs.lower_bound(first);
  if (next != im.free_runs.end() && next->first < first + n) gort::detail::throw_("gc: pages freed twice");
  im.free_count += n;
  if (release) im.released.assign(first, n, true);
  else im.dirty_free += n;
  // Coalesce with the neighbouring runs (their pages keep their own
  // released bits).
  if (next != im.free_runs.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second > first) gort::detail::throw_("gc: pages freed twice");
    if (prev->first + prev->second == first) {
      first = prev->first;
      n += prev->second;
      im.free_runs.erase(prev);
    }
  }
  if (next != im.free_runs.end() && next->first == first + n) {
    n += next->second;
    im.free_runs.erase(next);
  }
  im.free_runs.emplace(first, n);
}

std::size_t PageHeap::scavenge(std::size_t keep_dirty_bytes) {
  base::Guard<base::Lock> g(impl_->lock);
  Impl& im = *impl_;
  std::size_t keep = keep_dirty_bytes / kPageSize;
  std::size_t released = 0;
  // From the top down: allocation takes the lowest runs, so the top stays
  // free longest. Within a run, each stretch of resident pages from its
  // top, and of the last one only what takes the count down to `keep`.
  for (auto it = im.free_runs.rbegin(); it != im.free_runs.rend() && im.dirty_free > keep; ++it) {
    std::size_t begin = it->first, end = it->first + it->second;
    while (end > begin && im.dirty_free > keep) {
      std::size_t top = im.released.highest_clear_below(begin, end);
      if (top == end) break;  // all of the rest released
      std::size_t low = top;  // the stretch [low, top] of resident pages
      while (low > begin && !im.released.test(low - 1) && top + 1 - low < im.dirty_free - keep) low--;
      std::size_t n = top + 1 - low;
      madvise(reinterpret_cast<void*>(base_ + low * kPageSize), n * kPageSize, MADV_DONTNEED);
      im.released.assign(low, n, true);
      im.dirty_free -= n;
      released += n;
      end = low;
    }
  }
  return released * kPageSize;
}
std::size_t PageHeap::released_bytes() const {
  base::Guard<base::Lock> g(impl_->lock);
  return (impl_->free_count - impl_->dirty_free) * kPageSize;
}

void PageHeap::set_span(void* first_page, std::size_t n, Span* s) {
  std::size_t first = (reinterpret_cast<std::uintptr_t>(first_page) - base_) / kPageSize;
  for (std::size_t i = 0; i < n; i++) __atomic_store_n(&page_map_[first + i], s, __ATOMIC_RELAXED);  // pageheap.h
}

std::size_t PageHeap::committed_bytes() const {
  base::Guard<base::Lock> g(impl_->lock);
  return impl_->committed;
}

std::size_t PageHeap::free_pages_count() const {
  base::Guard<base::Lock> g(impl_->lock);
  return impl_->free_count;
}

}  // namespace gort::gc
