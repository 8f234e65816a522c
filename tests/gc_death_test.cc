// tests/gc_death_test.cc — the collector's fatal errors: gccheckmark catching
// an object the mark missed, allocation off the runtime's threads, and the
// report of a use of poisoned memory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "gc/collector.h"
#include "gort/gort.h"

namespace gc = gort::gc;
using testing::ContainsRegex;
using testing::ExitedWithCode;
using testing::HasSubstr;

namespace {

struct Node {
  gc::Ptr<Node> next;
  long value = 0;
  void trace(gc::Tracer& t) const { t(next); }
};

Node* g_victim = nullptr;

}  // namespace

// Simulates a mark that missed a reachable object: the checkmark pass must
// find it and throw, naming the object's type.
TEST(GCDeathTest, CheckmarkFindsAnObjectTheMarkMissed) {
  EXPECT_EXIT(
      {
        gc::collector().settings.checkmark = true;
        gc::Root<Node> head = gc::make<Node>();
        head->next = gc::make<Node>();
        g_victim = head->next;
        gc::g_testing_after_mark = [] { gc::testing_unmark(g_victim); };
        gc::collect();
      },
      ExitedWithCode(2),
      ContainsRegex("runtime: checkmarks found unexpected unmarked object obj=0x[0-9a-f]+\n"
                    "runtime: object type=.*Node size=[0-9]+.*\n"
                    "(.|\n)*fatal error: checkmark found unmarked object\n"));
}

// The same program with nothing unmarked passes the check.
TEST(GCDeathTest, CheckmarkPassesACorrectMark) {
  gc::collector().settings.checkmark = true;
  gc::Root<Node> head = gc::make<Node>();
  for (int i = 0; i < 1000; i++) {
    Node* n = gc::make<Node>();
    n->next = head.get();
    head = n;
  }
  gc::collect();
  gc::collect();
  SUCCEED();
}

TEST(GCDeathTest, AllocatingOnAForeignThreadIsFatal) {
  EXPECT_EXIT(
      {
        std::thread t([] { gc::make<Node>(); });
        t.join();
      },
      ExitedWithCode(2),
      HasSubstr("fatal error: gort::gc::make called from a thread the runtime does not own"));
}
