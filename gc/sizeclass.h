// gc/sizeclass.h — size classes for small objects (first piece of issue 4).
//
// Small objects (up to 32 KiB) are rounded up to one of about 70 size
// classes; each class has a span size (a whole number of 8 KiB pages) chosen
// so that the span's tail, the bytes no object fits in, is at most 1/8 of the
// span. Sizes grow by 1/8 of the power of two below them (16-byte steps up to
// 256, then 32, 64, ... 2048), so rounding wastes at most about 12.5% of an
// object. Classes that would put the same number of objects in the same span
// as a larger class are dropped: the larger one costs nothing more.
//
// object_index(class, offset) turns a byte offset into a span into the index
// of the object containing it with a multiply and a shift (the reciprocal of
// the class size), which is how an interior pointer finds its object's start.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gort::gc {

constexpr std::size_t kPageSize = 8192;
constexpr std::size_t kMaxSmallSize = 32768;

struct SizeClass {
  std::uint32_t size;        // object size in bytes (a multiple of 8, or 16 from 16 on)
  std::uint32_t span_pages;  // span size in pages
  std::uint32_t objects;     // objects per span
  std::uint32_t div_mul;     // ceil(2^32 / size): index = (offset * div_mul) >> 32
};

// Classes are numbered from 1; class 0 is "large" (its own span).
int num_size_classes();  // the highest class number
const SizeClass& size_class(int c);

// The class_of lookup tables (sizeclass.cc), built before the first
// allocation by size_classes_init() (no guard on the fast path).
extern const std::uint8_t* g_class_by_8;    // (size + 7) / 8, sizes up to 1024
extern const std::uint8_t* g_class_by_128;  // (size - 1024 + 127) / 128, up to kMaxSmallSize
void size_classes_init();

// The smallest class whose size is >= size, for 0 < size <= kMaxSmallSize (a
// size of 0 gets class 1). 0 for larger sizes.
inline int class_of(std::size_t size) {
  if (g_class_by_8 == nullptr) size_classes_init();
  if (size == 0) return 1;
  if (size <= 1024) return g_class_by_8[(size + 7) / 8];
  if (size <= kMaxSmallSize) return g_class_by_128[(size - 1024 + 127) / 128];
  return 0;
}

inline std::uint32_t object_index(const SizeClass& sc, std::uintptr_t offset) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(offset) * sc.div_mul) >> 32);
}

}  // namespace gort::gc
