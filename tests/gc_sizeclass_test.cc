// tests/gc_sizeclass_test.cc — the size-class table (gc/sizeclass.h): every
// size gets the smallest class that holds it, waste stays bounded, and the
// reciprocal finds the object of every byte of every span.
#include <gtest/gtest.h>

#include "gc/sizeclass.h"

namespace {

using namespace gort::gc;

TEST(SizeClass, ClassesAreIncreasingAndFitTheirSpans) {
  ASSERT_GT(num_size_classes(), 40);
  ASSERT_LT(num_size_classes(), 256);
  EXPECT_EQ(size_class(1).size, 8u);
  EXPECT_EQ(size_class(num_size_classes()).size, kMaxSmallSize);
  for (int c = 1; c <= num_size_classes(); c++) {
    const SizeClass& sc = size_class(c);
    if (c > 1) {
      EXPECT_GT(sc.size, size_class(c - 1).size) << c;
    }
    EXPECT_EQ(sc.size % 8, 0u) << c;
    EXPECT_GE(sc.objects, 1u) << c;
    std::size_t span = sc.span_pages * kPageSize;
    EXPECT_LE(std::size_t{sc.objects} * sc.size, span) << c;
    EXPECT_GT(std::size_t{sc.objects + 1} * sc.size, span) << c;
    // Tail waste at most 1/8 of the span.
    EXPECT_LE((span - std::size_t{sc.objects} * sc.size) * 8, span) << "class " << c << " size " << sc.size;
  }
}

TEST(SizeClass, EverySizeGetsTheSmallestClassThatHoldsIt) {
  EXPECT_EQ(class_of(0), 1);
  for (std::size_t size = 1; size <= kMaxSmallSize; size++) {
    int c = class_of(size);
    ASSERT_GE(c, 1) << size;
    ASSERT_GE(size_class(c).size, size) << size;
    if (c > 1) {
      ASSERT_LT(size_class(c - 1).size, size) << size;
    }
    // Rounding wastes at most 1/4 of the object: steps are 1/8 of the size,
    // and a class merged into the next one (same objects per span) at most
    // doubles the step. (16-byte steps below 128.)
    if (size >= 128) {
      ASSERT_LE((size_class(c).size - size) * 4, size) << size;
    }
  }
  EXPECT_EQ(class_of(kMaxSmallSize + 1), 0);
  EXPECT_EQ(class_of(std::size_t{1} << 40), 0);
}

TEST(SizeClass, ReciprocalFindsTheObjectOfEveryByte) {
  for (int c = 1; c <= num_size_classes(); c++) {
    const SizeClass& sc = size_class(c);
    std::uintptr_t span = sc.span_pages * kPageSize;
    for (std::uintptr_t off = 0; off < span; off++)
      ASSERT_EQ(object_index(sc, off), off / sc.size) << "class " << c << " offset " << off;
  }
}

}  // namespace
