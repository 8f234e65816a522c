// gc/limiter.cc — the GC CPU limiter (gc/limiter.h explains it).
#include "gc/limiter.h"

#include "sched/sched.h"

namespace gort::gc {

void CpuLimiter::reset_capacity(int procs) {
  capacity_ = static_cast<std::int64_t>(procs > 0 ? procs : 1) * kCapacityPerProc;
  if (fill_ > capacity_) fill_ = capacity_;
}

bool CpuLimiter::accumulate(std::int64_t mutator_ns, std::int64_t gc_ns) {
  std::int64_t change = gc_ns - mutator_ns;
  std::int64_t headroom = capacity_ - fill_;
  if (change > 0 && change >= headroom) {
    overflow_ += change - headroom;
    fill_ = capacity_;
    enabled_.store(true, std::memory_order_relaxed);
    return true;
  }
  fill_ += change;
  if (fill_ < 0) fill_ = 0;
  if (change != 0) enabled_.store(false, std::memory_order_relaxed);
  return limiting();
}

namespace {

CpuLimiter g_limiter;
std::atomic<std::int64_t> g_assist_pool{0};
std::atomic<std::int64_t> g_idle_mark_pool{0};
std::atomic<std::int64_t> g_uncharged_pool{0};
std::atomic<std::int64_t> g_pause_pool{0};
std::int64_t g_last_update = 0;  // sysmon only
constexpr std::int64_t kUpdatePeriod = 10'000'000;
constexpr double kBackgroundUtilization = 0.25;

}  // namespace

CpuLimiter& cpu_limiter() { return g_limiter; }

void limiter_add_assist(std::int64_t ns) { g_assist_pool.fetch_add(ns, std::memory_order_relaxed); }
void limiter_add_idle_mark(std::int64_t ns) { g_idle_mark_pool.fetch_add(ns, std::memory_order_relaxed); }
void limiter_add_uncharged(std::int64_t ns) { g_uncharged_pool.fetch_add(ns, std::memory_order_relaxed); }
void limiter_add_pause(std::int64_t ns) { g_pause_pool.fetch_add(ns, std::memory_order_relaxed); }

void limiter_update(std::int64_t now, bool marking) {
  using namespace gort::detail;
  if (g_last_update == 0) {
    g_last_update = now;
    return;
  }
  std::int64_t window = now - g_last_update;
  if (window < kUpdatePeriod) return;
  g_last_update = now;
  int procs = gomaxprocs_now();
  g_limiter.reset_capacity(procs);
  std::int64_t total = window * procs;
  std::int64_t gc = g_assist_pool.exchange(0, std::memory_order_relaxed) +
                    g_pause_pool.exchange(0, std::memory_order_relaxed);
  if (marking) gc += static_cast<std::int64_t>(static_cast<double>(total) * kBackgroundUtilization);
  // Idle time: Ps on the idle list now (as if for the whole window) and idle
  // marking — time nothing else wanted.
  std::int64_t idle = g_idle_mark_pool.exchange(0, std::memory_order_relaxed) +
                      g_uncharged_pool.exchange(0, std::memory_order_relaxed) +
                      static_cast<std::int64_t>(sched().npidle.load(std::memory_order_relaxed)) * window;
  total -= idle;
  if (total < gc) total = gc;
  g_limiter.accumulate(total - gc, gc);
}

}  // namespace gort::gc
