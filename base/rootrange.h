// base/rootrange.h — memory outside the collected heap that the collector
// must scan conservatively: the buffers of channels (which hold the values
// goroutines send each other), and the like. The owner embeds a RootRange,
// registers it while the memory may hold values, and unregisters it before
// freeing the memory. The collector walks the list under its lock.
#pragma once

#include <cstddef>

namespace gort::base {

struct RootRange {
  const void* lo = nullptr;
  std::size_t size = 0;
  RootRange* prev = nullptr;
  RootRange* next = nullptr;
};

void root_range_register(RootRange* r, const void* lo, std::size_t size);
void root_range_unregister(RootRange* r);
// Calls fn(lo, size, ctx) for every registered range, with the list locked.
void root_range_each(void (*fn)(const void* lo, std::size_t size, void* ctx), void* ctx);

}  // namespace gort::base
