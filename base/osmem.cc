// base/osmem.cc — see osmem.h.
#include "base/osmem.h"

#include <sys/mman.h>

namespace gort::base {

void* os_alloc(std::size_t size) {
  if (size == 0) size = 1;
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

void os_free(void* p, std::size_t size) {
  if (p != nullptr) munmap(p, size == 0 ? 1 : size);
}

void* os_realloc(void* p, std::size_t old_size, std::size_t new_size) {
  if (p == nullptr) return os_alloc(new_size);
  void* q = mremap(p, old_size, new_size, MREMAP_MAYMOVE);
  return q == MAP_FAILED ? nullptr : q;
}

}  // namespace gort::base
