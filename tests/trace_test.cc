// tests/trace_test.cc — the execution tracer's API (include/gort/trace.h):
// start's errors, stop, enabled, a second session after a first, and the
// file of a trace started and stopped from a goroutine (checked by
// tests/trace_check.py). The GORT_TRACE path is tested as a program
// (tests/CMakeLists.txt, trace.*).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gort/gort.h"
#include "gort/trace.h"

namespace {

std::string temp_path(const char* name) {
  return std::string(::testing::TempDir()) + "gort_trace_test_" + std::to_string(getpid()) + "_" + name + ".json";
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs trace_check.py on path; its exit status (0: the file is well formed).
int check_file(const std::string& path) {
  std::string cmd = std::string(GORT_TEST_PYTHON) + " " + GORT_TEST_TRACE_CHECK + " " + path;
  int st = gort::blocking([&] { return std::system(cmd.c_str()); });
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct Node {
  gort::gc::Ptr<Node> next;
  void trace(gort::gc::Tracer& t) const { t(next); }
};

void some_work() {
  auto ch = gort::make_chan<int>();
  gort::WaitGroup wg;
  wg.add(4);
  for (int g = 0; g < 4; g++) {
    gort::go([ch, &wg] {
      for (int i = 0; i < 100; i++) ch.send(i);
      wg.done();
    });
  }
  for (int i = 0; i < 400; i++) ch.recv();
  wg.wait();
  Node* head = nullptr;
  for (int i = 0; i < 10000; i++) {
    Node* n = gort::gc::make<Node>();
    n->next = head;
    head = n;
  }
  gort::gc::collect();
}

TEST(Trace, StartFailsForAnUnwritablePath) {
  std::string error;
  EXPECT_FALSE(gort::trace::start("/nonexistent-gort-dir/t.json", &error));
  EXPECT_EQ(error, "cannot create trace file /nonexistent-gort-dir/t.json: No such file or directory");
  EXPECT_FALSE(gort::trace::enabled());
  EXPECT_FALSE(gort::trace::start("", &error));
  EXPECT_EQ(error, "no trace file given (empty path)");
}

TEST(Trace, StartFailsWhileTracing) {
  std::string path = temp_path("twice");
  std::string error;
  ASSERT_TRUE(gort::trace::start(path, &error)) << error;
  EXPECT_TRUE(gort::trace::enabled());
  EXPECT_FALSE(gort::trace::start(temp_path("other"), &error));
  EXPECT_EQ(error, "tracing is already on (writing " + path + ")");
  gort::trace::stop();
  EXPECT_FALSE(gort::trace::enabled());
  gort::trace::stop();  // a second stop does nothing
  EXPECT_EQ(check_file(path), 0);
  unlink(path.c_str());
}

TEST(Trace, AStoppedTraceIsCompleteAndHoldsTheWork) {
  std::string path = temp_path("work");
  std::string error;
  ASSERT_TRUE(gort::trace::start(path, &error)) << error;
  some_work();
  gort::trace::stop();
  EXPECT_EQ(check_file(path), 0);
  std::string text = read_file(path);
  EXPECT_NE(text.find("\"cat\":\"goroutine\""), std::string::npos);
  EXPECT_NE(text.find("\"name\":\"GC mark termination\",\"cat\":\"gc\""), std::string::npos);
  EXPECT_NE(text.find("\"name\":\"GC mark termination\",\"cat\":\"stw\""), std::string::npos);
  EXPECT_NE(text.find("\"name\":\"heap in use\""), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 27), "\n],\"displayTimeUnit\":\"ns\"}\n");
  unlink(path.c_str());
}

TEST(Trace, ASecondTraceAfterAFirstHoldsOnlyItsOwnEvents) {
  std::string first = temp_path("first"), second = temp_path("second");
  std::string error;
  ASSERT_TRUE(gort::trace::start(first, &error)) << error;
  some_work();
  gort::trace::stop();
  some_work();  // not traced
  ASSERT_TRUE(gort::trace::start(second, &error)) << error;
  gort::yield();
  gort::trace::stop();
  EXPECT_EQ(check_file(first), 0);
  EXPECT_EQ(check_file(second), 0);
  std::string text = read_file(second);
  // No GC ran while the second trace was on (only the first's work collected).
  EXPECT_EQ(text.find("\"name\":\"GC mark termination\""), std::string::npos);
  unlink(first.c_str());
  unlink(second.c_str());
}

}  // namespace
