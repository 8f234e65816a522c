// tests/gc_string_test.cc — gc::String: immutable bytes on the collected heap.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

#include "gc/collector.h"
#include "gc/heap.h"
#include "gort/gort.h"
#include "test_util.h"

namespace gc = gort::gc;

namespace {

struct Person {
  gc::String name;
  gc::Ptr<Person> friend_;
  void trace(gc::Tracer& t) const {
    t(name);
    t(friend_);
  }
};

}  // namespace

TEST(GCString, HoldsItsBytesAndComparesByContent) {
  gc::String a = "hello";
  gc::String b(std::string("hel") + "lo");
  EXPECT_EQ(a.size(), 5u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, std::string_view("hello"));
  EXPECT_NE(a.data(), b.data());
  EXPECT_TRUE(gc::heap_object_allocated(a.data()));
  EXPECT_LT(gc::String("abc"), gc::String("abd"));
  EXPECT_TRUE(gc::String().empty());
  EXPECT_EQ((a + " world").view(), "hello world");
  std::unordered_set<gc::String> set{a, "x"};
  EXPECT_EQ(set.count(gc::String("hello")), 1u);
}

TEST(GCString, SubstrSharesTheBytes) {
  gc::String s = "0123456789";
  gc::String mid = s.substr(3, 7);
  EXPECT_EQ(mid, std::string_view("3456"));
  EXPECT_EQ(mid.data(), s.data() + 3);
  EXPECT_EQ(s.substr(4, 4).size(), 0u);
}

TEST(GCString, SurvivesCollectionInAFieldAndOnTheStack) {
  gc::collector().settings.poison = true;
  gc::Root<Person> p;
  gort_test::on_fresh_goroutine([&] {
    Person* x = gc::make<Person>();
    x->name = gc::String("Ada Lovelace");  // the only reference: a traced field
    p = x;
  });
  gc::String tail = gc::String("Charles Babbage").substr(8, 15);  // interior pointer only
  gc::collect();
  gc::collect();
  EXPECT_EQ(p->name, std::string_view("Ada Lovelace"));
  EXPECT_EQ(tail, std::string_view("Babbage"));
}

TEST(GCString, UnreferencedBytesAreCollected) {
  gc::collector().settings.poison = true;
  std::uintptr_t hidden = 0;
  gort_test::on_fresh_goroutine([&] {
    gc::String s = "to be collected";
    hidden = ~reinterpret_cast<std::uintptr_t>(s.data());
  });
  gc::collect();
  bool alive = true;
  gort_test::on_fresh_goroutine([&] { alive = gc::heap_object_allocated(reinterpret_cast<const void*>(~hidden)); });
  EXPECT_FALSE(alive);
}

TEST(GCString, OutOfRangeIsGosRuntimeError) {
  gc::String s = "abc";
  EXPECT_EQ(gort_test::show(gort_test::recover_from([&] { (void)s[5]; })), "runtime error: index out of range [5] with length 3");
  EXPECT_EQ(gort_test::show(gort_test::recover_from([&] { (void)s.substr(1, 9); })),
            "runtime error: slice bounds out of range [:9] with length 3");
  EXPECT_EQ(gort_test::show(gort_test::recover_from([&] { (void)s.substr(2, 1); })),
            "runtime error: slice bounds out of range [2:1]");
}
