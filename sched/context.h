// sched/context.h — the context switch: Boost.Context's fcontext primitives.
//
// jump(to, data) saves the callee-saved registers of the running context on
// its own stack, switches to `to`, and returns (when someone jumps back) the
// context that jumped to us plus the pointer it passed. A goroutine's saved
// registers therefore live on its stack, where the collector's conservative
// stack scan will find them.
#pragma once

#include <boost/context/detail/fcontext.hpp>

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define GORT_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define GORT_TSAN 1
#endif

namespace gort::detail {

using Context = boost::context::detail::fcontext_t;
using Transfer = boost::context::detail::transfer_t;

inline Transfer jump(Context to, void* data) { return boost::context::detail::jump_fcontext(to, data); }

inline Context make_context(void* stack_top, std::size_t size, void (*entry)(Transfer)) {
  return boost::context::detail::make_fcontext(stack_top, size, entry);
}

// AddressSanitizer must be told about every stack switch, or it reports
// false errors (and warns on every noreturn call) on goroutine stacks. Call
// asan_start_switch right before a jump (fake_stack: where the running
// context keeps its ASan fake stack; null if it will never run again) and
// asan_finish_switch right after one, on the resumed side, with the value the
// resumed context saved when it switched out (null on its first run).
// Both compile to nothing without ASan.
inline void asan_start_switch(void** fake_stack, const void* to_lo, std::size_t to_size) {
#ifdef GORT_ASAN
  __sanitizer_start_switch_fiber(fake_stack, to_lo, to_size);
#else
  (void)fake_stack, (void)to_lo, (void)to_size;
#endif
}
inline void asan_finish_switch(void* fake_stack) {
#ifdef GORT_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#else
  (void)fake_stack;
#endif
}

// ThreadSanitizer keeps a shadow call stack and a vector clock per thread;
// goroutines switch stacks under its feet, so each one is a TSan *fiber*:
// tsan_create_fiber when its context is made (first run), tsan_destroy_fiber
// when it exits, and tsan_switch_to_fiber(to) immediately before every jump
// (nothing instrumented may run between the two: it would be charged to the
// fiber being switched to). An M's g0 is the thread's own TSan context
// (tsan_current_fiber, read once on the thread). The switch synchronises
// (flags 0): everything the switching side did happens before everything the
// resumed side does, which is true here: the two run one after the other on
// one thread, and a goroutine resumed on another M was handed over through
// the run queues' atomics anyway. There is no finish call on the resumed side.
// All compile to nothing without TSan.
inline void* tsan_create_fiber() {
#ifdef GORT_TSAN
  return __tsan_create_fiber(0);
#else
  return nullptr;
#endif
}
inline void tsan_destroy_fiber(void* fiber) {
#ifdef GORT_TSAN
  if (fiber != nullptr) __tsan_destroy_fiber(fiber);
#else
  (void)fiber;
#endif
}
inline void* tsan_current_fiber() {
#ifdef GORT_TSAN
  return __tsan_get_current_fiber();
#else
  return nullptr;
#endif
}
inline void tsan_switch_to_fiber(void* fiber) {
#ifdef GORT_TSAN
  __tsan_switch_to_fiber(fiber, 0);
#else
  (void)fiber;
#endif
}

}  // namespace gort::detail
