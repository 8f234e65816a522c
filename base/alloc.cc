#include "base/alloc.h"

#include <cstdlib>

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#include <mimalloc.h>
#endif

namespace gort::base {

// Under ASan or TSan: the sanitizer's malloc, which it intercepts. Under TSan
// mimalloc (not instrumented) would hand memory freed on one thread to
// another with no synchronisation TSan can see: false races on reuse.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)

void* rt_alloc(std::size_t size, std::size_t align) {
  if (align <= alignof(std::max_align_t)) return std::malloc(size);
  return std::aligned_alloc(align, (size + align - 1) / align * align);
}
void* rt_realloc(void* p, std::size_t size) { return std::realloc(p, size); }
void rt_free(void* p) { std::free(p); }

#else

void* rt_alloc(std::size_t size, std::size_t align) { return mi_malloc_aligned(size, align); }
void* rt_realloc(void* p, std::size_t size) { return mi_realloc(p, size); }
void rt_free(void* p) { mi_free(p); }

#endif

}  // namespace gort::base
