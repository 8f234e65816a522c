// stress/summary.cc — see summary.h.
#include "summary.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "units.h"

namespace stress {

Summary collect_summary(const Options& o, Monitor& mon, std::vector<Context*> const& contexts, Failures& f) {
  Summary s{};
  s.options = &o;
  s.procs = gort::gomaxprocs();
  s.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - mon.start_time()).count();

  gort::debug::GCStats gs;
  gort::debug::read_gc_stats(gs);
  gort::debug::MemStats ms;
  gort::debug::read_mem_stats(ms);
  mon.note_pauses(gs);

  s.gc_cycles = static_cast<std::uint64_t>(gs.num_gc) - mon.start_num_gc();
  std::vector<std::int64_t> pauses;
  for (std::size_t i = 0; i < gs.pause.size() && i < s.gc_cycles; i++) pauses.push_back(gs.pause[i].count());
  std::sort(pauses.begin(), pauses.end());
  s.pauses_counted = pauses.size();
  auto q = [&](double x) -> std::int64_t {
    if (pauses.empty()) return 0;
    auto i = static_cast<std::size_t>(x * static_cast<double>(pauses.size() - 1) + 0.5);
    return pauses[std::min(i, pauses.size() - 1)];
  };
  s.pause_p50_ns = q(0.50);
  s.pause_p99_ns = q(0.99);
  s.pause_max_ns = std::max<std::int64_t>(mon.worst_pause_ns(), pauses.empty() ? 0 : pauses.back());
  for (auto p : pauses) s.pause_total_ns += p;
  s.gc_cpu_percent = ms.gc_cpu_fraction * 100;
  s.alloc_bytes = ms.total_alloc - mon.start_total_alloc();
  s.alloc_rate = s.elapsed_s > 0 ? static_cast<double>(s.alloc_bytes) / s.elapsed_s : 0;
  s.peak_heap = std::max<std::uint64_t>(mon.peak_heap(), ms.heap_alloc);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  s.peak_rss = static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;  // KiB on Linux

  for (Context* c : contexts) {
    WorkloadSummary w{c->name, c->goroutines, c->live_bytes, c->ops.load(), {}};
    std::lock_guard<gort::Mutex> l(c->metrics_mu);
    w.metrics = c->metrics;
    s.workloads.push_back(std::move(w));
  }
  s.failure_count = f.count();
  s.failures = f.lines();
  return s;
}

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string metric_text(const Metric& m) {
  if (m.unit == "ns") return format_ns(static_cast<std::int64_t>(m.value));
  return fmt("%.0f", m.value);
}

std::string json_escape(const std::string& s) {
  std::string r = "\"";
  for (unsigned char c : s) {
    if (c == '"') r += "\\\"";
    else if (c == '\\') r += "\\\\";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      r += buf;
    }
    else r += static_cast<char>(c);
  }
  return r + "\"";
}

}  // namespace

std::vector<SummaryRow> summary_rows(const Summary& s) {
  const Options& o = *s.options;
  std::vector<SummaryRow> rows;
  auto row = [&](const std::string& k, const std::string& v) { rows.push_back({k, v}); };
  row("workload", o.workload + "  (" + std::to_string(o.goroutines) + " goroutines, live " +
                      std::to_string(o.live_mb) + " MiB, GOMAXPROCS " + std::to_string(s.procs) + ", seed " +
                      std::to_string(o.seed) + ")");
  row("duration", fmt("%.2fs", s.elapsed_s));
  row("GC cycles", std::to_string(s.gc_cycles));
  row("pauses p50/p99/max", format_ns(s.pause_p50_ns) + " / " + format_ns(s.pause_p99_ns) + " / " +
                                format_ns(s.pause_max_ns) + "  (" + std::to_string(s.pauses_counted) +
                                " pauses in the ring)");
  row("GC CPU", fmt("%.1f%%", s.gc_cpu_percent));
  row("allocated", format_bytes(static_cast<double>(s.alloc_bytes)) + "  (" + format_bytes(s.alloc_rate) + "/s)");
  row("peak heap", format_bytes(static_cast<double>(s.peak_heap)) + " (sampled every 200 ms)");
  row("peak RSS", format_bytes(static_cast<double>(s.peak_rss)));
  for (const auto& w : s.workloads) {
    std::string v = std::to_string(w.ops) + " ops, " + std::to_string(w.goroutines) + " goroutines";
    for (const auto& m : w.metrics) v += ", " + m.name + " " + metric_text(m);
    row(w.name, v);
  }
  std::string verify = o.verify ? "checks + gccheckmark + gcpoison" : "workload checks";
  if (s.failure_count == 0) row("verification", "ok (" + verify + ")");
  else row("verification", "FAILED: " + std::to_string(s.failure_count) + " failed checks (" + verify + ")");
  return rows;
}

std::string summary_table(const Summary& s) {
  std::string t = "gort-stress summary\n";
  for (const auto& r : summary_rows(s)) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %-22s %s\n", r.name.c_str(), r.value.c_str());
    t += buf;
  }
  if (s.failure_count != 0) {
    for (const auto& f : s.failures) t += "    " + f + "\n";
    if (s.failures.size() < s.failure_count) t += "    ...\n";
  }
  return t;
}

std::string summary_json(const Summary& s) {
  const Options& o = *s.options;
  std::string j = "{";
  auto num = [&](const char* k, double v, bool comma = true) {
    j += json_escape(k) + ":" + fmt("%.17g", v) + (comma ? "," : "");
  };
  j += "\"workload\":" + json_escape(o.workload) + ",";
  num("duration_s", s.elapsed_s);
  num("goroutines", o.goroutines);
  num("live_mb", static_cast<double>(o.live_mb));
  num("procs", s.procs);
  j += "\"gogc\":" + (o.gogc_set ? (o.gogc < 0 ? std::string("\"off\"") : std::to_string(o.gogc)) : "null") + ",";
  j += "\"memlimit_bytes\":" +
       (o.memlimit_set && o.memlimit != INT64_MAX ? std::to_string(o.memlimit) : std::string("null")) + ",";
  j += "\"seed\":" + std::to_string(o.seed) + ",";
  j += std::string("\"verify\":") + (o.verify ? "true" : "false") + ",";
  num("gc_cycles", static_cast<double>(s.gc_cycles));
  j += "\"pause_ns\":{";
  num("p50", static_cast<double>(s.pause_p50_ns));
  num("p99", static_cast<double>(s.pause_p99_ns));
  num("max", static_cast<double>(s.pause_max_ns));
  num("total", static_cast<double>(s.pause_total_ns));
  num("counted", static_cast<double>(s.pauses_counted), false);
  j += "},";
  num("gc_cpu_percent", s.gc_cpu_percent);
  num("alloc_bytes", static_cast<double>(s.alloc_bytes));
  num("alloc_bytes_per_s", s.alloc_rate);
  num("peak_heap_bytes", static_cast<double>(s.peak_heap));
  num("peak_rss_bytes", static_cast<double>(s.peak_rss));
  j += "\"workloads\":[";
  for (std::size_t i = 0; i < s.workloads.size(); i++) {
    const auto& w = s.workloads[i];
    j += "{\"name\":" + json_escape(w.name) + ",";
    num("goroutines", w.goroutines);
    num("live_bytes", static_cast<double>(w.live_bytes));
    num("ops", static_cast<double>(w.ops));
    j += "\"metrics\":{";
    for (std::size_t k = 0; k < w.metrics.size(); k++)
      num((w.metrics[k].name + (w.metrics[k].unit.empty() ? "" : "_" + w.metrics[k].unit)).c_str(),
          w.metrics[k].value, k + 1 < w.metrics.size());
    j += "}}";
    if (i + 1 < s.workloads.size()) j += ",";
  }
  j += "],\"verification\":{";
  j += std::string("\"ok\":") + (s.failure_count == 0 ? "true" : "false") + ",";
  num("failures", static_cast<double>(s.failure_count));
  j += "\"messages\":[";
  for (std::size_t i = 0; i < s.failures.size(); i++)
    j += json_escape(s.failures[i]) + (i + 1 < s.failures.size() ? "," : "");
  j += "]}}\n";
  return j;
}

}  // namespace stress
