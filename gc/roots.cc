// gc/roots.cc — the slots behind gc::Root handles (gc/slottable.h). Every
// cycle scans every chunk; slots are written only through the write barrier.
#include "gc/mark.h"
#include "gc/slottable.h"

namespace gort::gc {

namespace {
SlotTable& roots() {
  static SlotTable* t = new (base::rt_alloc(sizeof(SlotTable), alignof(SlotTable))) SlotTable();
  return *t;
}
}  // namespace

namespace detail {

void** root_slot_alloc() { return roots().alloc(nullptr); }
void root_slot_free(void** slot) { roots().free(slot); }

}  // namespace detail

void scan_root_slots(MarkState& ms) {
  for (SlotTable::Chunk* c = roots().chunks(); c != nullptr; c = c->next)
    scan_conservative(ms, c->slots, c->slots + SlotTable::kPerChunk);
}

}  // namespace gort::gc
