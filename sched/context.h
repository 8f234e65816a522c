// sched/context.h — the context switch: Boost.Context's fcontext primitives.
//
// jump(to, data) saves the callee-saved registers of the running context on
// its own stack, switches to `to`, and returns (when someone jumps back) the
// context that jumped to us plus the pointer it passed. A goroutine's saved
// registers therefore live on its stack, where the collector's conservative
// stack scan will find them.
#pragma once

#include <boost/context/detail/fcontext.hpp>

namespace gort::detail {

using Context = boost::context::detail::fcontext_t;
using Transfer = boost::context::detail::transfer_t;

inline Transfer jump(Context to, void* data) {
  if (__builtin_expect(to == nullptr, 0)) __builtin_trap();
  return boost::context::detail::jump_fcontext(to, data);
}

inline Context make_context(void* stack_top, std::size_t size, void (*entry)(Transfer)) {
  return boost::context::detail::make_fcontext(stack_top, size, entry);
}

}  // namespace gort::detail
