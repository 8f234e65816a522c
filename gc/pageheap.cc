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

struct Run {
  std::size_t n;
  bool released;  // its memory was given back to the OS (MADV_DONTNEED)
};

struct PageHeap::Impl {
  base::Lock lock;
  std::map<std::size_t, Run, std::less<>, base::RtAllocator<std::pair<const std::size_t, Run>>>
      free_runs;  // first page -> run (coalesced)
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
}

PageHeap::~PageHeap() {
  // The reservation stays with mimalloc (an exclusive arena cannot be
  // returned); a PageHeap lives as long as the process in practice.
  munmap(page_map_, size_ / kPageSize * sizeof(Span*));
  impl_->~Impl();
  base::rt_free(impl_);
}

void* PageHeap::alloc_pages(std::size_t n, bool* fresh) {
  if (n == 0) n = 1;
  bool found = false, released = false;
  void* p = take_pages(n, &found, &released);
  if (p == nullptr) return nullptr;
  // A released run is all released (free_pages), so it reads as zero too.
  if (fresh != nullptr) *fresh = !found || released;
  // Only memory the OS will fault in afresh: a dirty run is mapped already.
  if ((!found || released) && n * kPageSize >= kHugePage) advise_huge_pages(p, n * kPageSize);
  return p;
}

void* PageHeap::take_pages(std::size_t n, bool* found_free, bool* released_run) {
  base::Guard<base::Lock> g(impl_->lock);
  Impl& im = *impl_;
  std::size_t first = 0;
  bool found = false, released = false;
  for (auto it = im.free_runs.begin(); it != im.free_runs.end(); ++it) {
    if (it->second.n < n) continue;
    first = it->first;
    Run run = it->second;
    std::size_t rest = run.n - n;
    im.free_runs.erase(it);
    if (rest > 0) im.free_runs.emplace(first + n, Run{rest, run.released});
    im.free_count -= n;
    if (!run.released) im.dirty_free -= n;
    released = run.released;
    found = true;
    break;
  }
  *found_free = found;
  *released_run = released;
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
  im.free_count += n;
  // Coalesce with the neighbouring runs. A run is released only if all of
  // it is (a partly released run may be released again: harmless).
  bool released = release;
  if (!release) im.dirty_free += n;
  auto next = im.free_runs.lower_bound(first);
  if (next != im.free_runs.end() && next->first < first + n) gort::detail::throw_("gc: pages freed twice");
  if (next != im.free_runs.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second.n > first) gort::detail::throw_("gc: pages freed twice");
    if (prev->first + prev->second.n == first) {
      if (prev->second.released && !released) {
        im.dirty_free += prev->second.n;  // the released neighbour counts as dirty now
      } else if (!prev->second.released && released) {
        released = false;
        im.dirty_free += n;
      }
      first = prev->first;
      n += prev->second.n;
      im.free_runs.erase(prev);
    }
  }
  if (next != im.free_runs.end() && next->first == first + n) {
    if (!next->second.released && released) {
      released = false;
      im.dirty_free += n;
    } else if (next->second.released && !released) {
      im.dirty_free += next->second.n;  // the released neighbour counts as dirty now
    }
    n += next->second.n;
    im.free_runs.erase(next);
  }
  im.free_runs.emplace(first, Run{n, released});
}

std::size_t PageHeap::scavenge(std::size_t keep_dirty_bytes) {
  base::Guard<base::Lock> g(impl_->lock);
  Impl& im = *impl_;
  std::size_t keep = keep_dirty_bytes / kPageSize;
  std::size_t released = 0;
  // From the top down: allocation takes the lowest runs, so the top stays free longest.
  for (auto it = im.free_runs.rbegin(); it != im.free_runs.rend() && im.dirty_free > keep; ++it) {
    if (it->second.released) continue;
    madvise(reinterpret_cast<void*>(base_ + it->first * kPageSize), it->second.n * kPageSize, MADV_DONTNEED);
    it->second.released = true;
    im.dirty_free -= it->second.n;
    released += it->second.n;
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
