// tests/gc_pageheap_test.cc — the collector's page heap (gc/pageheap.h):
// addresses are ours or not in O(1), pages are committed as the heap grows,
// freed runs coalesce and are reused lowest first, the page map leads from
// any address of a run to its span. And the chunked span list
// (gc/spanlist.h) the heap keeps its spans in.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gc/pageheap.h"
#include "gc/spanlist.h"

namespace {

using namespace gort::gc;

constexpr std::size_t kReserve = std::size_t{1} << 30;

TEST(PageHeap, AllocatesCommittedPagesInsideTheArena) {
  PageHeap h(kReserve);
  EXPECT_EQ(h.reserved_bytes(), kReserve);
  EXPECT_EQ(h.committed_bytes(), 0u);
  auto* a = static_cast<char*>(h.alloc_pages(1));
  auto* b = static_cast<char*>(h.alloc_pages(3));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % kPageSize, 0u);
  EXPECT_EQ(b, a + kPageSize);
  std::memset(b, 0x5a, 3 * kPageSize);  // committed: writable
  EXPECT_GT(h.committed_bytes(), 0u);
  EXPECT_TRUE(h.contains(a));
  EXPECT_TRUE(h.contains(b + 3 * kPageSize - 1));
  int on_stack = 0;
  EXPECT_FALSE(h.contains(&on_stack));
  EXPECT_FALSE(h.contains(reinterpret_cast<void*>(h.base() - 1)));
  EXPECT_FALSE(h.contains(reinterpret_cast<void*>(h.base() + kReserve)));
  EXPECT_FALSE(h.contains(nullptr));
}

TEST(PageHeap, PageMapLeadsFromEveryAddressToItsSpan) {
  PageHeap h(kReserve);
  auto* run = static_cast<char*>(h.alloc_pages(4));
  auto* span = reinterpret_cast<Span*>(0x1234);  // opaque to the page heap
  h.set_span(run, 4, span);
  EXPECT_EQ(h.span_of(run), span);
  EXPECT_EQ(h.span_of(run + 4 * kPageSize - 1), span);
  EXPECT_EQ(h.span_of(run + 4 * kPageSize), nullptr);
  int on_stack = 0;
  EXPECT_EQ(h.span_of(&on_stack), nullptr);
}

TEST(PageHeap, FreedRunsCoalesceAndAreReusedLowestFirst) {
  PageHeap h(kReserve);
  auto* a = static_cast<char*>(h.alloc_pages(2));
  auto* b = static_cast<char*>(h.alloc_pages(2));
  auto* c = static_cast<char*>(h.alloc_pages(2));
  ASSERT_EQ(b, a + 2 * kPageSize);
  h.free_pages(a, 2, false);
  h.free_pages(c, 2, false);
  EXPECT_EQ(h.free_pages_count(), 4u);
  h.free_pages(b, 2, true);  // joins a and c into one run of 6
  EXPECT_EQ(h.free_pages_count(), 6u);
  EXPECT_EQ(h.alloc_pages(6), a);
  EXPECT_EQ(h.free_pages_count(), 0u);
  h.free_pages(a, 6, true);
  EXPECT_EQ(h.alloc_pages(1), a);           // lowest fit
  EXPECT_EQ(h.alloc_pages(1), a + kPageSize);
}

TEST(PageHeap, ReleasedPagesReadAsZeroWhenReused) {
  PageHeap h(kReserve);
  auto* a = static_cast<char*>(h.alloc_pages(2));
  std::memset(a, 0xff, 2 * kPageSize);
  h.free_pages(a, 2, true);
  auto* again = static_cast<char*>(h.alloc_pages(2));
  ASSERT_EQ(again, a);
  for (std::size_t i = 0; i < 2 * kPageSize; i++) ASSERT_EQ(again[i], 0) << i;
}

// *fresh says "reads as zero": true for never-used and released runs (the
// heap then skips zeroing them), false for a run freed dirty.
TEST(PageHeap, FreshMeansTheRunReadsAsZero) {
  PageHeap h(kReserve);
  bool fresh = false;
  auto* a = static_cast<char*>(h.alloc_pages(2, &fresh));
  EXPECT_TRUE(fresh);  // from the top
  std::memset(a, 0xff, 2 * kPageSize);
  h.free_pages(a, 2, false);
  ASSERT_EQ(h.alloc_pages(2, &fresh), a);
  EXPECT_FALSE(fresh);  // dirty: the caller must zero it
  EXPECT_EQ(a[0], static_cast<char>(0xff));
  h.free_pages(a, 2, true);
  ASSERT_EQ(h.alloc_pages(2, &fresh), a);
  EXPECT_TRUE(fresh);  // released
  EXPECT_EQ(a[0], 0);
  // A run that joined a dirty neighbour is not all released: not fresh.
  auto* b = static_cast<char*>(h.alloc_pages(2));
  std::memset(b, 0xff, 2 * kPageSize);
  h.free_pages(a, 2, true);
  h.free_pages(b, 2, false);
  ASSERT_EQ(h.alloc_pages(4, &fresh), a);
  EXPECT_FALSE(fresh);
}

// Released is kept per page: a dirty run that joins a released neighbour
// does not make the neighbour count as resident, and the scavenger releases
// exactly down to what it is told to keep, splitting a run if it must, from
// the top, and leaves the pages it keeps with their contents.
TEST(PageHeap, TheScavengerReleasesPageByPage) {
  PageHeap h(kReserve);
  auto* a = static_cast<char*>(h.alloc_pages(8));
  auto* b = static_cast<char*>(h.alloc_pages(8));
  ASSERT_EQ(b, a + 8 * kPageSize);
  std::memset(a, 0x11, 16 * kPageSize);
  h.free_pages(a, 8, true);  // released
  EXPECT_EQ(h.released_bytes(), 8 * kPageSize);
  h.free_pages(b, 8, false);  // dirty, joins a: one run of 16, 8 of them released
  EXPECT_EQ(h.free_pages_count(), 16u);
  EXPECT_EQ(h.released_bytes(), 8 * kPageSize);
  EXPECT_EQ(h.scavenge(8 * kPageSize), 0u);  // 8 resident, 8 kept: nothing to do
  EXPECT_EQ(h.scavenge(5 * kPageSize), 3 * kPageSize);  // the top 3 of b
  EXPECT_EQ(h.released_bytes(), 11 * kPageSize);
  EXPECT_EQ(b[0], 0x11);                        // kept
  EXPECT_EQ(b[4 * kPageSize], 0x11);            // kept
  EXPECT_EQ(b[5 * kPageSize], 0);               // released
  EXPECT_EQ(b[8 * kPageSize - 1], 0);           // released
  // Reused, part released: not fresh, and the counts follow.
  bool fresh = true;
  ASSERT_EQ(h.alloc_pages(16, &fresh), a);
  EXPECT_FALSE(fresh);
  EXPECT_EQ(h.released_bytes(), 0u);
  EXPECT_EQ(h.free_pages_count(), 0u);
  h.free_pages(a, 16, false);
  EXPECT_EQ(h.scavenge(0), 16 * kPageSize);  // all of it is resident again
  EXPECT_EQ(h.released_bytes(), 16 * kPageSize);
  EXPECT_EQ(h.scavenge(0), 0u);
}

// The VmFlags line of the mapping in /proc/self/smaps that holds p.
std::string vm_flags_of(const void* p) {
  auto a = reinterpret_cast<std::uintptr_t>(p);
  FILE* f = std::fopen("/proc/self/smaps", "r");
  if (f == nullptr) return "";
  char line[512];
  bool inside = false;
  std::string flags;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long lo, hi;
    if (std::sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && std::strchr(line, '-') < std::strchr(line, ' ')) {
      inside = a >= lo && a < hi;
      continue;
    }
    if (inside && std::strncmp(line, "VmFlags:", 8) == 0) {
      flags = line + 8;
      break;
    }
  }
  std::fclose(f);
  return flags;
}

// Runs of 2 MiB and more that the OS faults in afresh ask for transparent
// huge pages over their whole 2 MiB pages (as Go's heap does); small runs
// do not, so a few small objects never cost a 2 MiB page.
TEST(PageHeap, LargeFreshRunsAskForHugePages) {
  if (FILE* f = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r"); f != nullptr) std::fclose(f);
  else GTEST_SKIP() << "this kernel has no transparent huge pages";
  PageHeap h(kReserve);
  auto* small = static_cast<char*>(h.alloc_pages(8));
  auto* large = static_cast<char*>(h.alloc_pages((std::size_t{8} << 20) / kPageSize));
  ASSERT_NE(large, nullptr);
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  char* inner = reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(large) + kHuge - 1) & ~(kHuge - 1));
  EXPECT_NE(vm_flags_of(inner).find(" hg"), std::string::npos) << vm_flags_of(inner);
  EXPECT_EQ(vm_flags_of(small).find(" hg"), std::string::npos) << vm_flags_of(small);
}

TEST(PageHeap, FullArenaReturnsNull) {
  PageHeap h(std::size_t{64} << 20);
  std::size_t pages = h.reserved_bytes() / kPageSize;
  EXPECT_NE(h.alloc_pages(pages), nullptr);
  EXPECT_EQ(h.alloc_pages(1), nullptr);
}

TEST(PageHeap, ConcurrentAllocationsNeverOverlap) {
  PageHeap h(kReserve);
  std::vector<std::vector<char*>> got(4);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; t++) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 500; i++) {
        auto* p = static_cast<char*>(h.alloc_pages(1 + i % 3));
        p[0] = static_cast<char>(t);
        got[t].push_back(p);
        if (i % 4 == 0) {
          h.free_pages(got[t].back(), 1 + i % 3, false);
          got[t].pop_back();
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  std::vector<char*> all;
  for (auto& v : got) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST(SpanList, KeepsOrderAcrossChunksThroughClearAndSwap) {
  auto fake = [](std::size_t i) { return reinterpret_cast<Span*>((i + 1) * 64); };
  const std::size_t n = 2 * SpanList::kChunk + 5;  // three chunks, the last partly used
  SpanList a, b;
  for (int round = 0; round < 2; round++) {  // the second round reuses the chunks
    a.clear();
    for (std::size_t i = 0; i < n; i++) a.push_back(fake(i));
    ASSERT_EQ(a.size(), n);
    for (std::size_t i = 0; i < n; i++) ASSERT_EQ(a[i], fake(i)) << i;
  }
  a.swap(b);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(b.size(), n);
  std::size_t i = 0;
  for (Span* s : b) ASSERT_EQ(s, fake(i++));
  EXPECT_EQ(i, n);
  a.push_back(fake(7));
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], fake(7));
}

}  // namespace
