// base/alloc.h — the runtime's internal allocations (channel buffers, timer
// heaps, large goroutine entry functions, select scratch).
//
// They come from mimalloc. Under AddressSanitizer (and ThreadSanitizer) they come from the
// sanitizer's own heap instead, so that its checks (and LeakSanitizer, which
// does not scan mimalloc's memory) see through the runtime's structures.
// All return null on failure.
#pragma once

#include <cstddef>
#include <new>

namespace gort::base {

void* rt_alloc(std::size_t size, std::size_t align = alignof(std::max_align_t));
void* rt_realloc(void* p, std::size_t size);  // only for rt_alloc'd memory of default alignment
void rt_free(void* p);

}  // namespace gort::base

namespace gort::base {

// A standard allocator over rt_alloc, for the runtime's std containers.
template <class T>
struct RtAllocator {
  using value_type = T;
  RtAllocator() noexcept = default;
  template <class U>
  RtAllocator(const RtAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    void* p = rt_alloc(n * sizeof(T), alignof(T) > alignof(std::max_align_t) ? alignof(T)
                                                                              : alignof(std::max_align_t));
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { rt_free(p); }
  template <class U>
  bool operator==(const RtAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace gort::base
