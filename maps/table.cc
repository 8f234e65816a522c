// maps/table.cc — the non-template parts of the table: sizing from a hint,
// counting overflow buckets, and the overflow list of noscan bucket arrays.
#include "gort/maps/table.h"

#include "base/rand.h"

namespace gort::maps::detail {

// Go's makemap: the smallest B that holds hint entries within the load
// factor; a hint that is negative or whose buckets could never be allocated
// counts as 0.
std::uint8_t bucket_shift_for_hint(std::int64_t hint, std::size_t bucket_size) {
  constexpr std::uint64_t kMaxAlloc = std::uint64_t{1} << 40;  // the collector's largest array
  if (hint < 0 || static_cast<std::uint64_t>(hint) > kMaxAlloc / bucket_size) hint = 0;
  std::uint8_t b = 0;
  while (over_load_factor(static_cast<std::size_t>(hint), b)) b++;
  return b;
}

// Exact below 2^16 buckets; above, incremented with probability 1/2^(B-15),
// so that it still approximates the count in 16 bits (Go's incrnoverflow).
void TableHeader::incr_noverflow() {
  if (log2_buckets < 16) {
    noverflow++;
    return;
  }
  std::uint32_t mask = (std::uint32_t{1} << (log2_buckets - 15)) - 1;
  if ((base::fastrand() & mask) == 0) noverflow++;
}

void overflow_list_create(gc::Ptr<OverflowList>& list) { list = gc::make<OverflowList>(); }

void overflow_list_append(gc::Ptr<OverflowList>& list, void* bucket) {
  if (list.get() == nullptr) list = gc::make<OverflowList>();
  list->buckets = append(list->buckets, gc::Ptr<AnyBucket>(static_cast<AnyBucket*>(bucket)));
}

}  // namespace gort::maps::detail
