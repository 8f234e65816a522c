// base/osmem.h — memory straight from the kernel (mmap), for buffers the
// collector fills while other threads are stopped: a stopped thread may hold
// a malloc lock (AddressSanitizer's allocator has global ones), so code that
// runs while the world is stopped, or while it holds a thread stopped to
// scan its stack, must not call malloc.
#pragma once

#include <cstddef>

namespace gort::base {

void* os_alloc(std::size_t size);  // zeroed; null on failure
void os_free(void* p, std::size_t size);
// Grows (or shrinks) a mapping, moving it if it must; null on failure.
void* os_realloc(void* p, std::size_t old_size, std::size_t new_size);

}  // namespace gort::base
