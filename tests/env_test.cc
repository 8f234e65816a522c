// tests/env_test.cc — GOMAXPROCS read from the environment at boot.
//
// ctest runs this binary several times with different GOMAXPROCS values; the
// expected result comes in GORT_TEST_EXPECT_GOMAXPROCS (a number, or "ncpu"
// for the CPU count of the process's affinity mask).
#include <gtest/gtest.h>
#include <sched.h>

#include <cstdlib>
#include <string>

#include "gort/gort.h"
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

}  // namespace
