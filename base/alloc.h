// base/alloc.h — the runtime's internal allocations (channel buffers, timer
// heaps, large goroutine entry functions, select scratch).
//
// They come from mimalloc. Under AddressSanitizer they come from the
// sanitizer's own heap instead, so that its checks (and LeakSanitizer, which
// does not scan mimalloc's memory) see through the runtime's structures.
// All return null on failure.
#pragma once

#include <cstddef>

namespace gort::base {

void* rt_alloc(std::size_t size, std::size_t align = alignof(std::max_align_t));
void* rt_realloc(void* p, std::size_t size);  // only for rt_alloc'd memory of default alignment
void rt_free(void* p);

}  // namespace gort::base
