// tests/intact_obj.h — a small GC object that can tell whether it is intact.
#pragma once

#include <cstdint>

#include "gort/gc.h"

namespace gort_test {

// One pointer field and a value with its complement: poison mode (which
// overwrites freed slots) or reuse of the slot shows as !intact(). Tag gives
// a test a type of its own, so that a P's cache holds a span of it only
// where the test says.
template <int Tag = 0>
struct IntactObj {
  gort::gc::Ptr<IntactObj> f;
  std::int64_t value = 0;
  std::int64_t check = 0;
  explicit IntactObj(std::int64_t v = 0) : value(v), check(~v) {}
  bool intact() const { return check == ~value; }
  void trace(gort::gc::Tracer& t) const { t(f); }
};

}  // namespace gort_test
