// trace/control.cc — starting and stopping a trace: the public API
// (include/gort/trace.h), GORT_TRACE / GORT_TRACE_LIMIT at boot, and the end
// of the trace when gort::run returns or the program calls gort::exit.
#include <stdlib.h>
#include <string.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/print.h"
#include "gort/trace.h"
#include "trace/buffer.h"
#include "trace/trace.h"
#include "trace/writer.h"

namespace gort::trace {

void hooks_reset();
void hooks_close_open(std::int64_t now);

namespace {

constexpr std::int64_t kDefaultLimit = std::int64_t{512} << 20;

std::mutex g_control;  // start and stop, one at a time
bool g_active = false;
std::string g_path;

// A byte count: digits and an optional unit (B, K/KiB, M/MiB, G/GiB).
std::optional<std::int64_t> parse_limit(std::string_view s) {
  std::size_t i = 0;
  std::int64_t n = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (n > (INT64_MAX - 9) / 10) return std::nullopt;
    n = n * 10 + (s[i] - '0');
    i++;
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = s.substr(i);
  int shift = 0;
  if (unit.empty() || unit == "B") shift = 0;
  else if (unit == "K" || unit == "KiB") shift = 10;
  else if (unit == "M" || unit == "MiB") shift = 20;
  else if (unit == "G" || unit == "GiB") shift = 30;
  else return std::nullopt;
  if (n > (INT64_MAX >> shift)) return std::nullopt;
  return n << shift;
}

const char kLimitUsage[] = "want a byte count like 512MiB (units B, K/KiB, M/MiB, G/GiB), or 0 for no cap";

// The cap from GORT_TRACE_LIMIT; nullopt if it is malformed.
std::optional<std::int64_t> limit_from_env() {
  const char* v = getenv("GORT_TRACE_LIMIT");
  if (v == nullptr || *v == 0) return kDefaultLimit;
  auto n = parse_limit(v);
  if (!n) return std::nullopt;
  return *n == 0 ? INT64_MAX : *n;
}

}  // namespace

bool start(const std::string& path, std::string* error) {
  std::lock_guard<std::mutex> g(g_control);
  if (g_active) {
    if (error != nullptr) *error = "tracing is already on (writing " + g_path + ")";
    return false;
  }
  if (path.empty()) {
    if (error != nullptr) *error = "no trace file given (empty path)";
    return false;
  }
  auto limit = limit_from_env();
  if (!limit) {
    if (error != nullptr)
      *error = std::string("invalid GORT_TRACE_LIMIT=") + getenv("GORT_TRACE_LIMIT") + " (" + kLimitUsage + ")";
    return false;
  }
  std::int64_t t0 = base::nanotime();
  if (!writer_open(path, *limit, t0, error)) return false;
  reset_queues();
  hooks_reset();
  g_session.fetch_add(1, std::memory_order_acq_rel);
  writer_start_thread();
  g_active = true;
  g_path = path;
  __atomic_store_n(&gort_trace_on, true, __ATOMIC_RELEASE);
  return true;
}

void stop() {
  std::lock_guard<std::mutex> g(g_control);
  if (!g_active) return;
  __atomic_store_n(&gort_trace_on, false, __ATOMIC_RELEASE);
  hooks_close_open(base::nanotime());
  writer_stop_thread();
  writer_pass();
  writer_close();
  g_active = false;
}

bool enabled() {
  std::lock_guard<std::mutex> g(g_control);
  return g_active;
}

void start_from_env() {
  const char* path = getenv("GORT_TRACE");
  if (path == nullptr || *path == 0) return;
  if (!limit_from_env()) {
    base::Printer().str("gort: invalid GORT_TRACE_LIMIT=").str(getenv("GORT_TRACE_LIMIT")).str(" (")
        .str(kLimitUsage).str(")\n");
    std::exit(2);
  }
  std::string error;
  if (!start(path, &error)) {
    base::Printer().str("gort: GORT_TRACE=").str(path).str(": ").str(error).str("\n");
    std::exit(2);
  }
}

void stop_at_exit() { stop(); }

}  // namespace gort::trace
