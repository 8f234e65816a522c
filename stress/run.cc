// stress/run.cc — see run.h.
#include "run.h"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "context.h"
#include "gort/trace.h"
#include "monitor.h"
#include "output_file.h"
#include "plan.h"
#include "report.h"
#include "summary.h"

namespace stress {

int run_stress(const Options& o, std::chrono::steady_clock::time_point boot) {
  // The trace covers the whole run, settings included. The path was checked
  // before boot; what can still fail here is a trace already running
  // (GORT_TRACE set as well) or a file that became unwritable since.
  if (!o.trace_path.empty()) {
    std::string err;
    if (!gort::trace::start(o.trace_path, &err)) {
      std::fprintf(stderr, "gort-stress: --trace %s: %s\n", o.trace_path.c_str(), err.c_str());
      return 2;
    }
  }
  if (o.procs > 0) gort::set_gomaxprocs(o.procs);
  if (o.gogc_set) gort::gc::set_gc_percent(o.gogc);
  if (o.memlimit_set) gort::gc::set_memory_limit(o.memlimit);

  Failures failures;
  std::vector<PlannedWorkload> plan = plan_workloads(o);
  std::vector<std::unique_ptr<Context>> contexts;
  for (const auto& p : plan) {
    auto c = std::make_unique<Context>();
    c->name = p.name;
    c->goroutines = p.goroutines;
    c->live_bytes = p.live_bytes;
    c->seed = o.seed;
    c->verify = o.verify;
    c->failures = &failures;
    contexts.push_back(std::move(c));
  }
  std::vector<Context*> ctx_ptrs;
  for (auto& c : contexts) ctx_ptrs.push_back(c.get());

  Monitor mon(isatty(STDERR_FILENO) != 0, [&ctx_ptrs] {
    std::uint64_t n = 0;
    for (Context* c : ctx_ptrs) n += c->ops.load(std::memory_order_relaxed);
    return n;
  }, boot);
  mon.start();
  auto deadline = mon.start_time() + o.duration;
  gort::WaitGroup wg;
  for (std::size_t i = 0; i < plan.size(); i++) {
    Context* c = ctx_ptrs[i];
    c->deadline = deadline;
    wg.add(1);
    gort::go([c, fn = plan[i].fn, &wg] {
      fn(*c);
      wg.done();
    });
  }
  wg.wait();
  mon.stop();
  if (!o.trace_path.empty()) gort::trace::stop();

  Summary s = collect_summary(o, mon, ctx_ptrs, failures);
  std::string table = summary_table(s);
  if (o.json) {
    std::fputs(table.c_str(), stderr);
    std::fputs(summary_json(s).c_str(), stdout);
  } else {
    std::fputs(table.c_str(), stdout);
  }
  std::fflush(stdout);
  std::fflush(stderr);
  int status = failures.count() == 0 ? 0 : 1;
  if (!o.report_path.empty()) {
    std::string err = write_file(o.report_path, report_html(s, mon.series(), mon.start_wall_time()));
    if (err.empty()) {
      std::fprintf(stderr, "gort-stress: report written to %s\n", o.report_path.c_str());
    } else {
      std::fprintf(stderr, "gort-stress: report not written: %s\n", err.c_str());
      if (status == 0) status = 3;
    }
  }
  if (!o.trace_path.empty())
    std::fprintf(stderr, "gort-stress: trace written to %s (open it at https://ui.perfetto.dev or chrome://tracing)\n",
                 o.trace_path.c_str());
  return status;
}

}  // namespace stress
