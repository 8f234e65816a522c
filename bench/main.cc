// bench/main.cc — gort-bench NAME ARGS...: dispatches to the benchmark NAME
// (each lives in its own bench/<name>.cc and registers itself). Unknown NAME
// or bad arguments print the usage on stderr and exit 2.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "result.h"

namespace gort_bench {

namespace {
std::vector<Benchmark>& registry() {
  static std::vector<Benchmark> r;  // constructed on first use: no init-order issue
  return r;
}

void usage(const char* why) {
  if (why) std::fprintf(stderr, "gort-bench: %s\n", why);
  std::vector<Benchmark> all = registry();
  std::sort(all.begin(), all.end(),
            [](const Benchmark& a, const Benchmark& b) { return std::strcmp(a.name, b.name) < 0; });
  std::fprintf(stderr, "usage: gort-bench NAME [ARGS...]\n\nbenchmarks:\n");
  for (const Benchmark& b : all) std::fprintf(stderr, "  %s\n      %s\n", b.usage, b.summary);
  std::fprintf(stderr,
               "\nEach prints RESULT name=... impl=gort metric=... value=... unit=... lines\n"
               "(see bench/README.md); a failed checksum prints CHECK FAILED and exits 1.\n");
}
}  // namespace

Register::Register(const Benchmark& b) { registry().push_back(b); }

std::int64_t Args::next_int(const char* what, std::int64_t dflt, std::int64_t min,
                            std::int64_t max) {
  if (i_ >= argc_) return dflt;
  const char* s = argv_[i_++];
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s, &end, 10);
  if (*s == '\0' || *end != '\0' || errno == ERANGE || v < min || v > max) {
    std::fprintf(stderr, "gort-bench: bad %s '%s' (want an integer in [%lld, %lld])\n", what, s,
                 (long long)min, (long long)max);
    bad_ = true;
    return dflt;
  }
  return v;
}

bool Args::done() {
  if (!bad_ && i_ < argc_) {
    std::fprintf(stderr, "gort-bench: unexpected argument '%s'\n", argv_[i_]);
    bad_ = true;
  }
  return !bad_;
}

double peak_rss_mib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  double kib = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmHWM:", 6) == 0) {
      kib = std::strtod(line + 6, nullptr);
      break;
    }
  }
  std::fclose(f);
  return kib / 1024.0;
}

}  // namespace gort_bench

int main(int argc, char** argv) {
  using namespace gort_bench;
  if (argc < 2) {
    usage("no benchmark named");
    return 2;
  }
  if (!std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") ||
      !std::strcmp(argv[1], "help")) {
    usage(nullptr);
    return 0;
  }
  for (const Benchmark& b : registry()) {
    if (std::strcmp(b.name, argv[1]) != 0) continue;
    Args args(argc - 2, argv + 2);
    int rc = b.run(args);
    std::fflush(stdout);
    if (rc == kUsage) {
      usage(nullptr);
      return 2;
    }
    return rc;
  }
  char why[256];
  std::snprintf(why, sizeof why, "unknown benchmark '%s'", argv[1]);
  usage(why);
  return 2;
}
