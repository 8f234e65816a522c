// tests/env_test.cc — the environment read at boot: GOMAXPROCS, GOGC,
// GOMEMLIMIT, GODEBUG, GOTRACEBACK.
//
// ctest runs this binary several times with different values; the expected
// result comes in GORT_TEST_EXPECT_<NAME> variables:
//   GOMAXPROCS      a number, or "ncpu" for the CPU count of the affinity mask
//   GOGC            the percentage (-1: off)
//   MEMLIMIT        the limit in bytes (INT64_MAX: none)
//   GODEBUG         "gctrace,gcstoptheworld,gccheckmark,gcpoison,gcstress"
//   TRACEBACK       "level,all,crash"
// Each expectation was taken from Go 1.19.8 run with the same value
// (tests/CMakeLists.txt lists the Go results next to the cases). The fatal
// cases (a malformed GOMEMLIMIT) are checked by check_exit.cmake.
#include <gtest/gtest.h>
#include <sched.h>

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "gc/collector.h"
#include "gort/gort.h"
#include "runtime/traceback.h"
#include "spread_check.h"
#include "test_util.h"

namespace {

using namespace gort_test;

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return CPU_COUNT(&set);
}

int expected_procs() {
  const char* e = std::getenv("GORT_TEST_EXPECT_GOMAXPROCS");
  if (e == nullptr) return -1;
  if (std::string(e) == "ncpu") return affinity_cpus();
  return std::atoi(e);
}

TEST(Env, GomaxprocsFromEnvironment) {
  int want = expected_procs();
  if (want < 0) GTEST_SKIP() << "run by ctest with GORT_TEST_EXPECT_GOMAXPROCS set";
  const char* env = std::getenv("GOMAXPROCS");
  EXPECT_EQ(gort::gomaxprocs(), want) << "GOMAXPROCS=" << (env ? env : "(unset)");
  EXPECT_EQ(gort::set_gomaxprocs(0), want);
}

TEST(Env, AllPsFromEnvironmentRunGoroutines) {
  int want = expected_procs();
  if (want < 0) GTEST_SKIP() << "run by ctest with GORT_TEST_EXPECT_GOMAXPROCS set";
  if (want > 8) GTEST_SKIP() << "too many Ps to spin on";
  expect_work_spreads(gort::gomaxprocs(), true);
}

const char* expect(const char* name) {
  std::string var = std::string("GORT_TEST_EXPECT_") + name;
  return std::getenv(var.c_str());
}

std::string env_or_unset(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "(unset)" : std::string("'") + v + "'";
}

TEST(Env, GogcFromEnvironment) {
  const char* want = expect("GOGC");
  if (want == nullptr) GTEST_SKIP() << "run by ctest with GORT_TEST_EXPECT_GOGC set";
  int old = gort::gc::set_gc_percent(100);
  gort::gc::set_gc_percent(old);
  EXPECT_EQ(old, std::atoi(want)) << "GOGC=" << env_or_unset("GOGC");
}

TEST(Env, MemoryLimitFromEnvironment) {
  const char* want = expect("MEMLIMIT");
  if (want == nullptr) GTEST_SKIP() << "run by ctest with GORT_TEST_EXPECT_MEMLIMIT set";
  EXPECT_EQ(gort::gc::set_memory_limit(-1), std::strtoll(want, nullptr, 10))
      << "GOMEMLIMIT=" << env_or_unset("GOMEMLIMIT");
}

TEST(Env, GodebugFromEnvironment) {
  const char* want = expect("GODEBUG");
  if (want == nullptr) GTEST_SKIP() << "run by ctest with GORT_TEST_EXPECT_GODEBUG set";
  const gort::gc::Settings& st = gort::gc::collector().settings;
  std::ostringstream got;
  got << st.trace << "," << st.stoptheworld << "," << st.checkmark << "," << st.poison << "," << st.stress_every;
  EXPECT_EQ(got.str(), want) << "GODEBUG=" << env_or_unset("GODEBUG")
                             << " (gctrace,gcstoptheworld,gccheckmark,gcpoison,gcstress)";
}

TEST(Env, TracebackFromEnvironment) {
  const char* want = expect("TRACEBACK");
  if (want == nullptr) GTEST_SKIP() << "run by ctest with GORT_TEST_EXPECT_TRACEBACK set";
  gort::detail::TracebackSetting t = gort::detail::traceback_setting();
  std::ostringstream got;
  got << t.level << "," << t.all << "," << t.crash;
  EXPECT_EQ(got.str(), want) << "GOTRACEBACK=" << env_or_unset("GOTRACEBACK") << " (level,all,crash)";
}

}  // namespace
