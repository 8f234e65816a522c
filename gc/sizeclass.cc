// gc/sizeclass.cc — see sizeclass.h. The table is computed once, at first use.
#include "gc/sizeclass.h"

#include <vector>

namespace gort::gc {

namespace {

struct Table {
  std::vector<SizeClass> classes{SizeClass{}};  // [0] = large
  // class_of lookups: by (size + 7) / 8 up to 1024, by (size - 1024 + 127) / 128 above.
  std::uint8_t small[1024 / 8 + 1] = {};
  std::uint8_t large[(kMaxSmallSize - 1024) / 128 + 1] = {};
};

// The fewest pages (up to 8) whose tail waste is at most 1/8 of the span.
std::uint32_t pages_for(std::uint32_t size) {
  for (std::uint32_t pages = 1;; pages++) {
    std::size_t span = pages * kPageSize;
    if (span < size) continue;
    std::size_t waste = span % size;
    if (waste * 8 <= span || pages >= 8) return pages;
  }
}

Table build() {
  Table t;
  std::vector<std::uint32_t> sizes = {8};
  for (std::uint32_t s = 16; s <= kMaxSmallSize;) {
    sizes.push_back(s);
    std::uint32_t pow2 = 1;
    while (pow2 * 2 <= s) pow2 *= 2;
    std::uint32_t step = pow2 / 8 < 16 ? 16 : pow2 / 8;
    s += step;
  }
  for (std::uint32_t size : sizes) {
    SizeClass sc;
    sc.size = size;
    sc.span_pages = pages_for(size);
    sc.objects = static_cast<std::uint32_t>(sc.span_pages * kPageSize / size);
    sc.div_mul = static_cast<std::uint32_t>(((std::uint64_t{1} << 32) + size - 1) / size);
    // Same span, same object count as the previous class: the previous one
    // is pointless, this one holds bigger objects for free.
    SizeClass& prev = t.classes.back();
    if (t.classes.size() > 1 && prev.span_pages == sc.span_pages && prev.objects == sc.objects) {
      prev = sc;
    } else {
      t.classes.push_back(sc);
    }
  }
  int c = 1;
  for (std::size_t i = 0; i < sizeof t.small; i++) {
    std::size_t size = i * 8;
    while (t.classes[c].size < size) c++;
    t.small[i] = static_cast<std::uint8_t>(c);
  }
  for (std::size_t i = 0; i < sizeof t.large; i++) {
    std::size_t size = 1024 + i * 128;
    while (t.classes[c].size < size) c++;
    t.large[i] = static_cast<std::uint8_t>(c);
  }
  return t;
}

const Table& table() {
  static const Table t = build();
  return t;
}

}  // namespace

int num_size_classes() { return static_cast<int>(table().classes.size()) - 1; }

const SizeClass& size_class(int c) { return table().classes[static_cast<std::size_t>(c)]; }

const std::uint8_t* g_class_by_8 = nullptr;
const std::uint8_t* g_class_by_128 = nullptr;

void size_classes_init() {
  const Table& t = table();
  g_class_by_128 = t.large;
  __atomic_store_n(&g_class_by_8, static_cast<const std::uint8_t*>(t.small), __ATOMIC_RELEASE);
}

}  // namespace gort::gc
