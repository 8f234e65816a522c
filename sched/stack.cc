// sched/stack.cc — the goroutine stack pool. The design (guarded and
// unguarded tiers, watermark) is described in stack.h.
#include "sched/stack.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <vector>

#include "base/lock.h"
#include "base/print.h"
#include "base/fail.h"
#include "sched/p.h"

namespace gort::detail {

namespace {

constexpr std::uint64_t kCanary = 0x676f7274c0ffee42ull;  // "gort" + coffee
constexpr int kCanaryWords = 8;
constexpr std::size_t kSlabStacks = 64;
constexpr std::int32_t kCacheMax = 64;

struct Pool {
  base::Lock lock;
  std::size_t size = 256 * 1024;  // usable bytes per stack
  std::size_t page = 4096;
  std::int64_t guard_budget = 0;
  std::atomic<std::int64_t> guarded_live{0};  // guarded stacks mapped (in use or cached)
  std::atomic<std::int64_t> unguarded_total{0};
  std::vector<Stack> free;      // global cache, memory still attached
  std::vector<Stack> released;  // unguarded stacks whose memory went back to the OS
  std::size_t watermark = 1024;  // cached stacks kept with their memory
};

Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

void write_canary(const Stack& s) {
  auto* w = reinterpret_cast<std::uint64_t*>(s.lo);
  for (int i = 0; i < kCanaryWords; i++) w[i] = kCanary;
}

[[noreturn]] void out_of_stacks() {
  base::Printer().str("runtime: cannot allocate goroutine stack: mmap failed\n");
  throw_("out of memory allocating goroutine stack");
}

Stack new_guarded(Pool& pl) {
  std::size_t total = pl.size + pl.page;
  void* mem = mmap(nullptr, total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (mem == MAP_FAILED) out_of_stacks();
  if (mprotect(mem, pl.page, PROT_NONE) != 0) {
    munmap(mem, total);
    out_of_stacks();
  }
  char* base = static_cast<char*>(mem);
  return Stack{base + pl.page, base + total, true, false};
}

// Carves a slab of unguarded stacks; returns one, caches the rest (lock held).
Stack new_unguarded_slab(Pool& pl) {
  std::size_t total = pl.size * kSlabStacks;
  void* mem = mmap(nullptr, total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (mem == MAP_FAILED) out_of_stacks();
  char* base = static_cast<char*>(mem);
  pl.unguarded_total.fetch_add(kSlabStacks);
  for (std::size_t i = 1; i < kSlabStacks; i++) {
    char* lo = base + i * pl.size;
    pl.free.push_back(Stack{lo, lo + pl.size, false, true});
  }
  return Stack{base, base + pl.size, false, true};
}

// Gives a cached stack's memory back to the OS (lock held).
// Mappings are kept (a guarded stack keeps its guard and its share of the
// guard budget) so that reuse costs no system call beyond page faults.
void release_memory(Pool& pl, Stack& s) {
  if (!s.released) {
    madvise(s.lo, s.size(), MADV_DONTNEED);
    s.released = true;
  }
}

}  // namespace

void stack_pool_init(std::size_t stack_size, std::int64_t guard_budget) {
  Pool& pl = pool();
  pl.page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  if (stack_size < 16 * 1024) stack_size = 16 * 1024;
  pl.size = (stack_size + pl.page - 1) & ~(pl.page - 1);
  if (guard_budget < 0) {
    long max_maps = 65530;
    if (FILE* f = fopen("/proc/sys/vm/max_map_count", "r")) {
      if (fscanf(f, "%ld", &max_maps) != 1) max_maps = 65530;
      fclose(f);
    }
    // Each guarded stack is two mappings; keep a quarter of the limit for
    // everything else the process maps (heap, libraries, thread stacks).
    guard_budget = (max_maps - max_maps / 4) / 2;
    if (guard_budget < 0) guard_budget = 0;
  }
  pl.guard_budget = guard_budget;
}

std::size_t stack_size() { return pool().size; }

Stack stack_alloc(P* p) {
  Pool& pl = pool();
  Stack s;
  if (p != nullptr && p->stack_cache_count > 0) {
    s = p->stack_cache[--p->stack_cache_count];
  } else {
    base::Guard<base::Lock> g(pl.lock);
    // Refill the P's cache in one go.
    while (p != nullptr && p->stack_cache_count < kCacheMax / 2 && !pl.free.empty()) {
      Stack f = pl.free.back();
      pl.free.pop_back();
      p->stack_cache[p->stack_cache_count++] = f;
    }
    if (p != nullptr && p->stack_cache_count > 0) {
      s = p->stack_cache[--p->stack_cache_count];
    } else if (p == nullptr && !pl.free.empty()) {
      s = pl.free.back();
      pl.free.pop_back();
    } else if (!pl.released.empty()) {
      s = pl.released.back();
      pl.released.pop_back();
    } else if (pl.guarded_live.load() < pl.guard_budget) {
      pl.guarded_live.fetch_add(1);
      s = new_guarded(pl);
    } else {
      s = new_unguarded_slab(pl);
    }
  }
  if (!s.guarded && (s.released || !stack_canary_ok(s))) write_canary(s);
  s.released = false;
  return s;
}

void stack_free(P* p, Stack s) {
  if (s.lo == nullptr) return;
  Pool& pl = pool();
  if (p != nullptr && p->stack_cache_count < kCacheMax) {
    p->stack_cache[p->stack_cache_count++] = s;
    return;
  }
  base::Guard<base::Lock> g(pl.lock);
  if (p != nullptr) {
    // Move half of the P's cache to the global pool.
    while (p->stack_cache_count > kCacheMax / 2) pl.free.push_back(p->stack_cache[--p->stack_cache_count]);
  }
  // Memory beyond the watermark is given back later by stack_scavenge (from
  // sysmon), so that a burst of exits costs no system calls.
  pl.free.push_back(s);
}

void stack_cache_flush(P* p) {
  Pool& pl = pool();
  base::Guard<base::Lock> g(pl.lock);
  while (p->stack_cache_count > 0) pl.free.push_back(p->stack_cache[--p->stack_cache_count]);
}

std::int64_t stack_scavenge(std::int64_t max) {
  Pool& pl = pool();
  constexpr int kBatch = 64;
  std::int64_t done = 0;
  while (done < max) {
    Stack batch[kBatch];
    int n = 0;
    {
      base::Guard<base::Lock> g(pl.lock);
      while (n < kBatch && pl.free.size() > pl.watermark) {
        batch[n++] = pl.free.back();
        pl.free.pop_back();
      }
    }
    if (n == 0) break;
    for (int i = 0; i < n; i++) release_memory(pl, batch[i]);
    base::Guard<base::Lock> g(pl.lock);
    for (int i = 0; i < n; i++) pl.released.push_back(batch[i]);
    done += n;
  }
  return done;
}

bool stack_canary_ok(const Stack& s) {
  auto* w = reinterpret_cast<const std::uint64_t*>(s.lo);
  return w[0] == kCanary && w[kCanaryWords - 1] == kCanary;
}

}  // namespace gort::detail
