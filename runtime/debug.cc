// runtime/debug.cc — gort::debug: tracebacks on demand.
#include "gort/debug.h"

#include "base/print.h"
#include "gort/sched.h"
#include "runtime/traceback.h"
#include "sched/sched.h"

namespace gort::debug {

namespace {

void append(void* ctx, const char* p, std::size_t n) { static_cast<std::string*>(ctx)->append(p, n); }

[[gnu::noinline]] void write_stack(base::Printer& out, bool all, std::uintptr_t origin) {
  using namespace gort::detail;
  TracebackSetting t = traceback_setting();
  int level = t.level < 1 ? 1 : t.level;
  G* gp = getg();
  if (gp != nullptr) {
    print_goroutine_header(out, gp);
  } else {
    out.str("goroutine 0 [idle]:\n");
  }
  traceback_here(out, origin, level);
  if (gp != nullptr) print_created_by(out, gp, level);
  if (all && gp != nullptr) {
    gort::stop_the_world();
    traceback_others(out, gp, level);
    out.flush();
    gort::start_the_world();
  }
}

}  // namespace

[[gnu::noinline]] std::string stack(bool all) {
  std::string text;
  {
    base::Printer out(append, &text);
    write_stack(out, all, reinterpret_cast<std::uintptr_t>(&stack));
  }
  return text;
}

[[gnu::noinline]] void print_stack() {
  base::Printer out;
  write_stack(out, false, reinterpret_cast<std::uintptr_t>(&print_stack));
}

void set_traceback(const char* level) { gort::detail::traceback_raise(level); }

}  // namespace gort::debug
