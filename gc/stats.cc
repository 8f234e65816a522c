// gc/stats.cc — see stats.h.
#include "gc/stats.h"

#include <time.h>

#include "base/clock.h"
#include "gc/collector.h"
#include "sched/sched.h"

namespace gort::gc {

namespace {
std::uint64_t unix_now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<std::uint64_t>(ts.tv_nsec);
}
}  // namespace

void stats_record_cycle(std::int64_t pause_ns, double gc_cpu_ns) {
  Stats& s = stats();
  std::uint32_t n = collector().cycles.load(std::memory_order_relaxed) + 1;
  base::Guard<base::Lock> g(s.lock);
  std::uint64_t end = unix_now();
  s.pause_total_ns += static_cast<std::uint64_t>(pause_ns);
  s.pause_ns[(n + 255) % 256] = static_cast<std::uint64_t>(pause_ns);
  s.pause_end[(n + 255) % 256] = end;
  s.last_gc_unix = end;
  s.gc_cpu_ns += gc_cpu_ns;
}

double stats_cpu_fraction() {
  Stats& s = stats();
  std::int64_t elapsed = base::nanotime() - s.process_start;
  int procs = gort::detail::gomaxprocs_now();
  if (elapsed <= 0 || procs <= 0) return 0;
  base::Guard<base::Lock> g(s.lock);
  return s.gc_cpu_ns / (static_cast<double>(elapsed) * procs);
}

}  // namespace gort::gc

// ---- gort::debug::read_gc_stats / read_mem_stats ----------------------------------------

#include <algorithm>

#include "base/fail.h"
#include "gc/heap.h"
#include "gc/mcache.h"
#include "gort/debug.h"
#include "gort/gc.h"
#include "gort/sched.h"
#include "sched/stw.h"

namespace gort::debug {

void read_gc_stats(GCStats& out) {
  using namespace gort::gc;
  using std::chrono::nanoseconds;
  using std::chrono::system_clock;
  Stats& s = stats();
  std::uint32_t n;
  std::vector<nanoseconds> pauses;
  std::vector<system_clock::time_point> ends;
  {
    base::Guard<base::Lock> g(s.lock);
    n = collector().cycles.load(std::memory_order_acquire);
    out.num_gc = n;
    out.pause_total = nanoseconds(static_cast<std::int64_t>(s.pause_total_ns));
    out.last_gc = system_clock::time_point(
        std::chrono::duration_cast<system_clock::duration>(nanoseconds(s.last_gc_unix)));
    std::uint32_t k = std::min<std::uint32_t>(n, 256);
    for (std::uint32_t i = 0; i < k; i++) {
      std::uint32_t j = (n + 255 - i) % 256;  // most recent first
      pauses.push_back(nanoseconds(static_cast<std::int64_t>(s.pause_ns[j])));
      ends.push_back(system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(
          nanoseconds(static_cast<std::int64_t>(s.pause_end[j])))));
    }
  }
  out.pause = pauses;
  out.pause_end = ends;
  std::size_t q = out.pause_quantiles.size();
  if (q >= 2) {
    std::vector<nanoseconds> sorted = pauses;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < q; i++) {
      if (sorted.empty()) {
        out.pause_quantiles[i] = nanoseconds(0);
        continue;
      }
      std::size_t at = (sorted.size() - 1) * i / (q - 1);
      out.pause_quantiles[i] = sorted[at];
    }
  }
}

namespace {

void read_mem_stats_stopped(void* arg) {
  using namespace gort::gc;
  using namespace gort::detail;
  auto* m = static_cast<MemStats*>(arg);
  M* self = getm();
  stw_stop(self);
  Heap& h = heap();
  Collector& c = collector();
  Stats& st = stats();
  std::uint64_t cached_free = 0, mallocs = h.mallocs.load(std::memory_order_relaxed);
  Sched& s = sched();
  for (std::int32_t i = 0; i < s.nallp; i++) {
    P* p = s.allp[i];
    if (p == nullptr || p->mcache == nullptr) continue;
    MCache* mc = p->mcache;
    mallocs += mc->nmalloc;
    for_each_cached_span(mc, [&cached_free](Span*& sp) {
      cached_free += std::uint64_t{sp->nelems - sp->alloc_count} * sp->elemsize;
    });
  }
  std::int64_t live = h.live_bytes.load(std::memory_order_relaxed);
  std::uint64_t heap_alloc = live > 0 && static_cast<std::uint64_t>(live) > cached_free
                                 ? static_cast<std::uint64_t>(live) - cached_free
                                 : 0;
  std::uint64_t frees = h.frees.load(std::memory_order_relaxed);
  m->heap_alloc = m->alloc = heap_alloc;
  m->total_alloc = h.total_alloc.load(std::memory_order_relaxed);
  m->mallocs = mallocs;
  m->frees = frees < mallocs ? frees : mallocs;
  m->heap_objects = m->mallocs - m->frees;
  m->heap_sys = h.pages.committed_bytes();
  m->heap_idle = h.pages.free_pages_count() * kPageSize;
  if (m->heap_idle > m->heap_sys) m->heap_idle = m->heap_sys;
  m->heap_inuse = m->heap_sys - m->heap_idle;
  m->heap_released = h.pages.released_bytes();
  m->sys = m->heap_sys;
  std::int64_t goal = c.goal.load(std::memory_order_relaxed);
  m->next_gc = goal == INT64_MAX ? 0 : static_cast<std::uint64_t>(goal);
  {
    base::Guard<base::Lock> g(st.lock);
    m->last_gc = st.last_gc_unix;
    m->pause_total_ns = st.pause_total_ns;
    for (int i = 0; i < 256; i++) {
      m->pause_ns[i] = st.pause_ns[i];
      m->pause_end[i] = st.pause_end[i];
    }
  }
  m->num_gc = c.cycles.load(std::memory_order_relaxed);
  m->num_forced_gc = c.forced_cycles.load(std::memory_order_relaxed);
  m->enable_gc = true;
  m->debug_gc = false;
  stw_start(self);
}

}  // namespace

void read_mem_stats(MemStats& m) {
  using namespace gort::detail;
  M* self = tls_m;
  if (self == nullptr || self->on_g0 || self->curg == nullptr)
    fatal_("gort::debug::read_mem_stats must be called from a goroutine");
  if (!gc::heap_initialized()) gc::heap_init();
  stw_mutex_lock();
  systemstack(read_mem_stats_stopped, &m);
  stw_mutex_unlock();
  m.gc_cpu_fraction = gc::stats_cpu_fraction();
}

}  // namespace gort::debug

namespace gort::debug {

void free_os_memory() {
  gc::collect();
  gc::heap().pages.scavenge(0);
}

}  // namespace gort::debug
