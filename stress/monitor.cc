// stress/monitor.cc — see monitor.h.
#include "monitor.h"

#include <cstdio>

#include "units.h"

namespace stress {

Monitor::Monitor(bool tty, std::function<std::uint64_t()> ops, std::chrono::steady_clock::time_point boot)
    : tty_(tty), ops_(std::move(ops)), boot_(boot) {}

void Monitor::start() {
  gort::debug::MemStats m;
  gort::debug::read_mem_stats(m);
  start_ = std::chrono::steady_clock::now();
  start_wall_ = std::chrono::system_clock::now();
  start_unix_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(start_wall_.time_since_epoch()).count();
  start_num_gc_ = m.num_gc;
  last_cycle_recorded_ = m.num_gc;
  start_total_alloc_ = m.total_alloc;
  peak_heap_.store(m.heap_alloc, std::memory_order_relaxed);
  record(m, start_);
  stop_ = gort::make_chan<bool>();
  done_.add(1);
  gort::go([this] {
    loop();
    done_.done();
  });
}

void Monitor::stop() {
  stop_.close();
  done_.wait();
  if (tty_) std::fputc('\n', stderr);
  gort::debug::MemStats m;
  gort::debug::read_mem_stats(m);
  record(m, std::chrono::steady_clock::now());
}

void Monitor::record(const gort::debug::MemStats& m, std::chrono::steady_clock::time_point now) {
  if (m.heap_alloc > peak_heap_.load(std::memory_order_relaxed))
    peak_heap_.store(m.heap_alloc, std::memory_order_relaxed);
  HeapSample s;
  s.t_s = std::chrono::duration<double>(now - start_).count();
  s.heap_min = s.heap_max = m.heap_alloc;
  s.goal = m.next_gc;
  s.procs = gort::gomaxprocs();
  s.gc_cpu_ns = m.gc_cpu_fraction * std::chrono::duration<double, std::nano>(now - boot_).count() * s.procs;
  s.total_alloc = m.total_alloc;
  series_.add_sample(s);

  // Cycle c's pause is at [(c + 255) % 256] while c is among the last 256.
  std::uint64_t n = m.num_gc;
  if (n <= last_cycle_recorded_) return;
  std::uint64_t first = last_cycle_recorded_ + 1;
  if (n - first >= 256) {
    series_.add_missed_pauses(n - first - 255);
    first = n - 255;
  }
  std::int64_t worst = worst_pause_.load(std::memory_order_relaxed);
  for (std::uint64_t c = first; c <= n; c++) {
    std::size_t i = (c + 255) % 256;
    PauseRecord p;
    p.cycle = c;
    p.ns = static_cast<std::int64_t>(m.pause_ns[i]);
    p.end_s = static_cast<double>(static_cast<std::int64_t>(m.pause_end[i]) - start_unix_ns_) / 1e9;
    series_.add_pause(p);
    if (p.ns > worst) worst = p.ns;
  }
  worst_pause_.store(worst, std::memory_order_relaxed);
  last_cycle_recorded_ = n;
}

void Monitor::note_pauses(const gort::debug::GCStats& s) {
  std::int64_t since = static_cast<std::int64_t>(start_num_gc_);
  // Only pauses of cycles since the start: s.pause is most recent first.
  std::int64_t n = s.num_gc - since;
  std::int64_t worst = worst_pause_.load(std::memory_order_relaxed);
  for (std::int64_t i = 0; i < n && i < static_cast<std::int64_t>(s.pause.size()); i++)
    if (s.pause[static_cast<std::size_t>(i)].count() > worst) worst = s.pause[static_cast<std::size_t>(i)].count();
  worst_pause_.store(worst, std::memory_order_relaxed);
}

void Monitor::loop() {
  auto last_print = start_;
  std::uint64_t last_alloc = start_total_alloc_;
  for (bool stop = false; !stop;) {
    gort::select(gort::case_recv(stop_, [&] { stop = true; }), gort::case_recv(gort::after(kSample), [] {}));
    if (stop) break;
    gort::debug::MemStats m;
    gort::debug::read_mem_stats(m);
    auto now = std::chrono::steady_clock::now();
    record(m, now);
    if (now - last_print >= std::chrono::seconds(1)) {
      gort::debug::GCStats s;
      gort::debug::read_gc_stats(s);
      note_pauses(s);
      double secs = std::chrono::duration<double>(now - last_print).count();
      print_line(m, static_cast<double>(m.total_alloc - last_alloc) / secs);
      last_print = now;
      last_alloc = m.total_alloc;
    }
  }
}

void Monitor::print_line(const gort::debug::MemStats& m, double alloc_rate) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double ops = static_cast<double>(ops_());
  char opsbuf[32];
  if (ops >= 1e6) std::snprintf(opsbuf, sizeof opsbuf, "%.1fM", ops / 1e6);
  else if (ops >= 1e3) std::snprintf(opsbuf, sizeof opsbuf, "%.1fk", ops / 1e3);
  else std::snprintf(opsbuf, sizeof opsbuf, "%.0f", ops);
  std::fprintf(stderr, "%s[%6.1fs] gc %llu  heap %s / goal %s  worst pause %s  alloc %s/s  ops %s%s",
               tty_ ? "\r" : "", elapsed, static_cast<unsigned long long>(m.num_gc - start_num_gc_),
               format_bytes(static_cast<double>(m.heap_alloc)).c_str(), format_bytes(static_cast<double>(m.next_gc)).c_str(),
               format_ns(worst_pause_ns()).c_str(), format_bytes(alloc_rate).c_str(), opsbuf, tty_ ? "\x1b[K" : "\n");
  std::fflush(stderr);
}

}  // namespace stress
