// tests/checked_slot.h — a stack word a barrier test vouches for.
#pragma once

#include <cstdint>

#include "gc/testing.h"

namespace gort_test {

// A pointer a barrier test keeps on a goroutine's stack after that stack
// was scanned. gccheckmark holds a stack word against the concurrent mark
// only while it holds what the scan read there (gc/deadstack.h); the test
// vouches for this word (gc::testing::check_stack_word), so the check holds
// it too, and a victim the barrier failed to shade is reported.
template <class T>
class CheckedSlot {
 public:
  CheckedSlot() {
    word_ = 0;
    gort::gc::testing::check_stack_word(const_cast<std::uintptr_t*>(&word_));
  }
  ~CheckedSlot() { gort::gc::testing::uncheck_stack_word(const_cast<std::uintptr_t*>(&word_)); }
  CheckedSlot(const CheckedSlot&) = delete;
  CheckedSlot& operator=(const CheckedSlot&) = delete;
  void set(T* p) { word_ = reinterpret_cast<std::uintptr_t>(p); }
  T* get() const { return reinterpret_cast<T*>(word_); }

 private:
  volatile std::uintptr_t word_;
};

}  // namespace gort_test
